// SPDX-License-Identifier: MIT
#include "relumc/run/journal.hpp"

#include "relumc/core/hash.hpp"

#include "relumc/core/version.hpp"
#include "relumc/io/files.hpp"

#include "relumc/io/results.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace relumc {

using nlohmann::ordered_json;

namespace {

// 2: entries carry the batch-mean statistics the verdict needs (mean_skewness, mean_kurtosis, batches
// for the effective-sample rule; span_dim, span_cov, perp_var for the span test); a version-1 journal
// cannot be resumed.
constexpr int kJournalVersion = 2;

// FNV-1a over the bytes that define the cases: a changed grid, weight or N changes the hash.
uint64_t hash_cases(const std::vector<Case>& cases) {
  Fnv1a h;
  auto bytes = [&h](const void* p, size_t n) { h.add(p, n); };
  for (const Case& c : cases) {
    const int64_t head[] = {static_cast<int64_t>(c.quantity), c.d, c.K, c.Kstar, static_cast<int64_t>(c.samples),
                            static_cast<int64_t>(c.stream)};
    bytes(head, sizeof head);
    const int64_t input = static_cast<int64_t>(c.input);
    bytes(&input, sizeof input);
    bytes(&c.radius, sizeof c.radius);
    bytes(c.student.data(), c.student.size() * sizeof(double));
    bytes(c.teacher.data(), c.teacher.size() * sizeof(double));
  }
  return h.value();
}

std::vector<double> doubles(const ordered_json& j, const char* key, size_t line) {
  if (!j.contains(key) || !j[key].is_array())
    throw InputError(fmt::format("journal line {}: '{}' is missing or not an array", line, key));
  std::vector<double> v;
  for (const auto& x : j[key]) {
    if (!x.is_number()) throw InputError(fmt::format("journal line {}: '{}' holds a non-number", line, key));
    v.push_back(x.get<double>());
  }
  return v;
}

}  // namespace

ordered_json journal_config(const VerifyOptions& opt, const std::vector<Case>& cases) {
  ordered_json c;
  c["relumc_version"] = kVersion;
  c["seed"] = opt.seed;
  c["contract"] = std::string(to_string(opt.contract));  // before precision: under v2 both differ, the contract first
  c["precision"] = std::string(to_string(opt.precision));
  c["backend"] = std::string(to_string(opt.backend));
  c["formula"] = std::string(to_string(opt.formula));
  c["target_rel_error"] = opt.target_rel_error;
  c["pilot_samples"] = opt.pilot_samples;
  c["max_samples"] = opt.max_samples;
  // The input is also in the case hash; named here so that a changed --input or --radius is named.
  std::string input;
  for (const Case& k : cases) {
    const std::string one = fmt::format("{} {}", to_string(k.input), k.radius);
    input = input.empty() || input == one ? one : "mixed";
  }
  c["input"] = input;
  c["cases"] = cases.size();
  c["cases_hash"] = fmt::format("{:016x}", hash_cases(cases));
  return c;
}

Journal::Journal(std::string dir, ordered_json config, bool resume, bool restart, const Distribution& dist)
    : path_(std::move(dir) + "/journal.jsonl"), root_(dist.is_root()) {
  bool exists = false;
  std::string text = root_ ? read_all(path_, &exists) : std::string();
  // Every rank decides the same from the root's copy of the file.
  std::string flag = exists ? "1" : "0";
  dist.broadcast(flag);
  dist.broadcast(text);
  exists = flag == "1";

  long kept = 0;  // complete lines only: a crash can leave the last one torn
  const std::vector<std::string> lines = complete_lines(text, &kept);
  ordered_json header;
  bool complete = false;
  if (!lines.empty()) {
    header = ordered_json::parse(lines[0], nullptr, false);
    // Types checked before any value is read (json::value throws its own type_error on a mismatch).
    if (header.is_discarded() || !header.is_object() || !header.contains("relumc_journal") ||
        !header["relumc_journal"].is_number_integer() || header["relumc_journal"].get<int64_t>() != kJournalVersion ||
        !header.contains("config"))
      throw InputError(fmt::format("{} is not a relumc journal (or one of another version); use `restart` to discard it",
                                   path_));
    for (size_t i = 1; i < lines.size(); ++i) {
      const ordered_json e = ordered_json::parse(lines[i], nullptr, false);
      if (e.is_discarded() || !e.is_object())
        throw InputError(fmt::format("{} line {} is corrupt; use `restart` to discard the journal", path_, i + 1));
      if (e.contains("complete")) {
        if (!e["complete"].is_boolean())
          throw InputError(fmt::format("{} line {}: 'complete' is not true or false", path_, i + 1));
        if (e["complete"].get<bool>()) {
          complete = true;
          continue;
        }
      }
      if (!e.contains("case") || !e["case"].is_number_unsigned() || !e.contains("samples") ||
          !e["samples"].is_number_unsigned())
        throw InputError(fmt::format("{} line {}: 'case' or 'samples' missing", path_, i + 1));
      Entry entry;
      entry.estimate.samples = e["samples"].get<uint64_t>();
      entry.estimate.mean = doubles(e, "mean", i + 1);
      entry.estimate.std_error = doubles(e, "std_error", i + 1);
      if (entry.estimate.std_error.size() != entry.estimate.mean.size())
        throw InputError(fmt::format("{} line {}: 'mean' has {} numbers but 'std_error' {}", path_, i + 1,
                                     entry.estimate.mean.size(), entry.estimate.std_error.size()));
      entry.estimate.mean_skewness = doubles(e, "mean_skewness", i + 1);
      entry.estimate.mean_kurtosis = doubles(e, "mean_kurtosis", i + 1);
      if (!e.contains("batches") || !e["batches"].is_number_unsigned())
        throw InputError(fmt::format("{} line {}: 'batches' missing", path_, i + 1));
      entry.estimate.batches = e["batches"].get<uint64_t>();
      entry.estimate.span_cov = doubles(e, "span_cov", i + 1);
      entry.estimate.perp_var = doubles(e, "perp_var", i + 1);
      if (!e.contains("span_dim") || !e["span_dim"].is_number_unsigned() ||
          e["span_dim"].get<uint64_t>() > entry.estimate.mean.size() ||
          entry.estimate.span_cov.size() != e["span_dim"].get<size_t>() * e["span_dim"].get<size_t>())
        throw InputError(fmt::format("{} line {}: 'span_dim' missing or not the size of 'span_cov'", path_, i + 1));
      entry.estimate.span_dim = e["span_dim"].get<int64_t>();
      if (entry.estimate.mean_skewness.size() != entry.estimate.mean.size() ||
          entry.estimate.mean_kurtosis.size() != entry.estimate.mean.size())
        throw InputError(
            fmt::format("{} line {}: 'mean_skewness' or 'mean_kurtosis' is not the size of 'mean'", path_, i + 1));
      if (e.contains("seconds") && !e["seconds"].is_number())
        throw InputError(fmt::format("{} line {}: 'seconds' is not a number", path_, i + 1));
      entry.seconds = e.contains("seconds") ? e["seconds"].get<double>() : 0.0;
      finished_[e["case"].get<size_t>()] = std::move(entry);
    }
  }

  if (!resume) {
    if (exists && !lines.empty() && !complete && !restart)
      throw InputError(fmt::format(
          "{} belongs to an unfinished run ({} cases done); add `resume` to continue it, or `restart` to discard it",
          path_, finished_.size()));
    finished_.clear();
    kept = 0;
  } else if (lines.empty()) {
    if (root_) std::fprintf(stderr, "relumc: resume: no journal in %s yet; starting from the first case\n", path_.c_str());
    kept = 0;
  } else {
    ordered_json old = header["config"];
    // Journals written before the contract had versions drew under v1.
    if (old.is_object() && !old.contains("contract")) old["contract"] = std::string(to_string(Contract::V1));
    for (const auto& [key, value] : config.items())
      if (!old.contains(key) || old[key] != value)
        throw InputError(fmt::format(
            "`resume`: {} was written by a different configuration: {} was {}, this run has {}; refusing to mix "
            "their results (use the original settings, or `restart` to discard the journal)",
            path_, key, old.contains(key) ? old[key].dump() : "absent", value.dump()));
    if (root_)
      std::fprintf(stderr, "relumc: resuming %s: %zu of %zu cases already done\n", path_.c_str(), finished_.size(),
                   config.value("cases", size_t{0}));
  }

  if (!root_) return;
  if (kept == 0) {
    ordered_json h;
    h["relumc_journal"] = kJournalVersion;
    h["config"] = std::move(config);
    write_file_atomically(path_, h.dump() + "\n");
    kept = -1;  // keep everything just written
  }
  open_for_append(kept);
}

Journal::~Journal() {
  if (file_) std::fclose(file_);
}

void Journal::open_for_append(long keep_bytes) {
  file_ = std::fopen(path_.c_str(), "r+b");
  if (!file_) throw std::runtime_error(fmt::format("cannot open {}: {}", path_, std::strerror(errno)));
  if (keep_bytes >= 0 && ftruncate(fileno(file_), keep_bytes) != 0)
    throw std::runtime_error(fmt::format("cannot truncate {}: {}", path_, std::strerror(errno)));
  std::fseek(file_, 0, SEEK_END);
}

void Journal::write_line(const std::string& line) {
  if (!root_) return;
  // One fwrite and a flush: a crash leaves either the whole line or a torn one, never a wrong one.
  const bool ok = std::fwrite(line.data(), 1, line.size(), file_) == line.size() && std::fflush(file_) == 0 &&
                  fdatasync(fileno(file_)) == 0;
  if (!ok) throw std::runtime_error(fmt::format("cannot append to {}: {}", path_, std::strerror(errno)));
}

void Journal::append(size_t k, const Estimate& e, double seconds) {
  ordered_json j;
  j["case"] = k;
  j["samples"] = e.samples;
  j["mean"] = e.mean;
  j["std_error"] = e.std_error;
  j["mean_skewness"] = e.mean_skewness;
  j["mean_kurtosis"] = e.mean_kurtosis;
  j["batches"] = e.batches;
  j["span_dim"] = e.span_dim;
  j["span_cov"] = e.span_cov;
  j["perp_var"] = e.perp_var;
  j["seconds"] = seconds;
  write_line(j.dump() + "\n");
  finished_[k] = Entry{e, seconds};
}

void Journal::complete() { write_line("{\"complete\":true}\n"); }

}  // namespace relumc
