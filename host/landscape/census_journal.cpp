// SPDX-License-Identifier: MIT
// The census journal (relumc/landscape/census_journal.hpp).
#include "relumc/landscape/census_journal.hpp"

#include "relumc/core/errors.hpp"
#include "relumc/core/version.hpp"
#include "relumc/io/files.hpp"
#include "relumc/io/numbers.hpp"
#include "relumc/landscape/report.hpp"
#include "relumc/run/progress.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <unistd.h>

namespace relumc {

using nlohmann::ordered_json;

namespace {

constexpr int kCensusJournalVersion = 1;

PointKind kind_from(const std::string& text, const std::string& where) {
  for (PointKind k : {PointKind::Minimum, PointKind::Saddle, PointKind::Degenerate, PointKind::Kink, PointKind::NotCritical})
    if (text == to_string(k)) return k;
  throw InputError(fmt::format("{}: 'kind' {} is not a kind of point", where, text));
}

// A number, or null for an undefined one (NaN).
double number(const ordered_json& e, const char* key, const std::string& where) {
  if (!e.contains(key) || !(e[key].is_number() || e[key].is_null()))
    throw InputError(fmt::format("{}: '{}' is missing or not a number", where, key));
  return e[key].is_null() ? std::nan("") : e[key].get<double>();
}

int64_t integer(const ordered_json& e, const char* key, const std::string& where) {
  if (!e.contains(key) || !e[key].is_number_integer())
    throw InputError(fmt::format("{}: '{}' is missing or not an integer", where, key));
  return e[key].get<int64_t>();
}

std::vector<double> doubles(const ordered_json& e, const char* key, const std::string& where) {
  if (!e.contains(key) || !e[key].is_array()) throw InputError(fmt::format("{}: '{}' is missing or not an array", where, key));
  std::vector<double> v;
  for (const auto& x : e[key]) {
    if (!x.is_number()) throw InputError(fmt::format("{}: '{}' holds a non-number", where, key));
    v.push_back(x.get<double>());
  }
  return v;
}

CensusRun run_from(const ordered_json& e, const CensusSpec& s, int64_t d, const std::string& where) {
  CensusRun r;
  r.run = integer(e, "run", where);
  if (r.run < 0 || r.run >= s.runs) throw InputError(fmt::format("{}: 'run' {} is outside [0, {})", where, r.run, s.runs));
  if (!e.contains("kind") || !e["kind"].is_string()) throw InputError(fmt::format("{}: 'kind' is missing", where));
  r.kind = kind_from(e["kind"].get<std::string>(), where);
  r.k1 = integer(e, "k1", where);
  r.loss = number(e, "loss", where);
  r.lambda_min = number(e, "lambda_min", where);
  r.gradient_norm = number(e, "gradient_norm", where);
  r.index = integer(e, "index", where);
  r.nullity = integer(e, "nullity", where);
  r.steps = integer(e, "steps", where);
  r.newton_iterations = static_cast<int>(integer(e, "newton_iterations", where));
  r.escapes = static_cast<int>(integer(e, "escapes", where));
  r.student = doubles(e, "student", where);
  r.eigenvalues = doubles(e, "eigenvalues", where);
  if (static_cast<int64_t>(r.student.size()) != s.K * d)
    throw InputError(fmt::format("{}: 'student' has {} numbers, not K d = {}", where, r.student.size(), s.K * d));
  if (!r.eigenvalues.empty() && static_cast<int64_t>(r.eigenvalues.size()) != s.K * d)
    throw InputError(fmt::format("{}: 'eigenvalues' has {} numbers, not K d = {}", where, r.eigenvalues.size(), s.K * d));
  classify_run(r, s.spurious_loss);  // as one_run does
  return r;
}

}  // namespace

ordered_json census_journal_config(const CensusSpec& s) {
  ordered_json c;
  c["relumc_version"] = kVersion;
  c["teacher_rows"] = s.k;
  c["units"] = s.K;
  c["dim"] = s.d == 0 ? s.k : s.d;
  c["runs"] = s.runs;
  c["seed"] = s.seed;
  c["init"] = std::string(to_string(s.init));
  c["lr"] = s.lr;
  c["max_steps"] = s.max_steps;
  c["switch_tol"] = s.switch_tol;
  c["spurious_loss"] = s.spurious_loss;
  c["escape_saddles"] = s.escape_saddles;
  c["max_escapes"] = s.max_escapes;
  c["escape_step"] = s.escape_step;
  c["max_iterations"] = s.newton.max_iterations;
  c["gradient_tol"] = s.newton.gradient_tol;
  c["eigen_tol"] = s.newton.eigen_tol;
  c["kink_tol"] = s.newton.kink_tol;
  return c;
}

CensusJournal::CensusJournal(std::string dir, const CensusSpec& s, bool resume, bool restart)
    : path_(std::move(dir) + "/journal.jsonl") {
  check_census_spec(s);
  const int64_t d = s.d == 0 ? s.k : s.d;
  ordered_json config = census_journal_config(s);
  bool exists = false;
  const std::string text = read_all(path_, &exists);
  long kept = 0;  // complete lines only: a crash can leave the last one torn
  const std::vector<std::string> lines = complete_lines(text, &kept);
  ordered_json header;
  bool complete = false;
  if (!lines.empty()) {
    header = ordered_json::parse(lines[0], nullptr, false);
    if (header.is_discarded() || !header.is_object() || !header.contains("relumc_census_journal") ||
        !header["relumc_census_journal"].is_number_integer() ||
        header["relumc_census_journal"].get<int64_t>() != kCensusJournalVersion || !header.contains("config") ||
        !header["config"].is_object())
      throw InputError(fmt::format(
          "{} is not a relumc census journal (or one of another version); use `restart` to discard it", path_));
  }
  if (resume && !lines.empty()) {
    // The spec first: a journal of another census is refused before its lines are read.
    const ordered_json& old = header["config"];
    for (const auto& [key, value] : config.items())
      if (!old.contains(key) || old[key] != value)
        throw InputError(fmt::format(
            "`resume`: {} was written by a different census: {} was {}, this run has {}; refusing to mix their "
            "runs (use the original settings, or `restart` to discard the journal)",
            path_, key == "relumc_version" ? key : "`" + key + "`", old.contains(key) ? old[key].dump() : "absent",
            value.dump()));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string where = fmt::format("{} line {}", path_, i + 1);
    const ordered_json e = ordered_json::parse(lines[i], nullptr, false);
    if (e.is_discarded() || !e.is_object())
      throw InputError(fmt::format("{} is corrupt; use `restart` to discard the journal", where));
    if (e.contains("complete")) {
      if (!e["complete"].is_boolean()) throw InputError(fmt::format("{}: 'complete' is not true or false", where));
      complete = complete || e["complete"].get<bool>();
      continue;
    }
    if (!resume) continue;  // only counted, for the message below
    CensusRun r = run_from(e, s, d, where);
    finished_[r.run] = std::move(r);
  }
  if (!resume) {
    if (exists && !lines.empty() && !complete && !restart)
      throw InputError(fmt::format(
          "{} belongs to an unfinished census ({} runs done); add `resume` to continue it, or `restart` to discard it",
          path_, lines.size() - 1));
    finished_.clear();
    kept = 0;
  } else if (lines.empty()) {
    std::fprintf(stderr, "relumc: resume: no journal in %s yet; starting from the first run\n", path_.c_str());
    kept = 0;
  } else {
    std::fprintf(stderr, "relumc: resuming %s: %zu of %lld runs already done\n", path_.c_str(), finished_.size(),
                 static_cast<long long>(s.runs));
  }
  if (kept == 0) {
    ordered_json h;
    h["relumc_census_journal"] = kCensusJournalVersion;
    h["config"] = std::move(config);
    write_file_atomically(path_, h.dump() + "\n");
    kept = -1;  // keep everything just written
  }
  file_ = std::fopen(path_.c_str(), "r+b");
  if (!file_) throw std::runtime_error(fmt::format("cannot open {}: {}", path_, std::strerror(errno)));
  if (kept >= 0 && ftruncate(fileno(file_), kept) != 0)
    throw std::runtime_error(fmt::format("cannot truncate {}: {}", path_, std::strerror(errno)));
  std::fseek(file_, 0, SEEK_END);
}

CensusJournal::~CensusJournal() {
  if (file_) std::fclose(file_);
}

void CensusJournal::write_line(const std::string& line) {
  // One fwrite and a flush: a crash leaves either the whole line or a torn one, never a wrong one.
  const bool ok = std::fwrite(line.data(), 1, line.size(), file_) == line.size() && std::fflush(file_) == 0 &&
                  fdatasync(fileno(file_)) == 0;
  if (!ok) throw std::runtime_error(fmt::format("cannot append to {}: {}", path_, std::strerror(errno)));
}

void CensusJournal::append(const CensusRun& r) {
  ordered_json j;
  j["run"] = r.run;
  j["kind"] = std::string(to_string(r.kind));
  j["k1"] = r.k1;
  j["loss"] = json_number(r.loss);
  j["lambda_min"] = json_number(r.lambda_min);
  j["gradient_norm"] = json_number(r.gradient_norm);
  j["index"] = r.index;
  j["nullity"] = r.nullity;
  j["steps"] = r.steps;
  j["newton_iterations"] = r.newton_iterations;
  j["escapes"] = r.escapes;
  j["student"] = r.student;
  j["eigenvalues"] = r.eigenvalues;
  write_line(j.dump() + "\n");
  finished_[r.run] = r;
}

void CensusJournal::complete() { write_line("{\"complete\":true}\n"); }

CensusOutput census_to_directory(const CensusSpec& spec, const std::string& dir, bool resume, bool restart,
                                 bool progress, const McCheckOptions* mc) {
  check_census_spec(spec);
  if (mc) check_mc_options(*mc);
  ensure_writable_dir(dir, "out");
  const DirectoryLock lock(dir, "out");
  CensusJournal journal(dir, spec, resume, restart);
  CensusSpec s = spec;
  s.journal = &journal;
  CensusOutput out;
  {
    Progress line({1.0}, {static_cast<uint64_t>(s.runs)}, progress);
    line.begin_case(0);
    s.done = line.counter();
    out.census = run_census(s);
    line.finish();
  }
  out.census.spec.journal = nullptr;
  out.census.spec.done = nullptr;
  out.census.spec.stop = nullptr;
  if (mc) out.checks = check_families(out.census, *mc);
  write_census_files(dir, out.census, mc ? &out.checks : nullptr);
  journal.complete();
  return out;
}

}  // namespace relumc
