// SPDX-License-Identifier: MIT
// Baselines: writing one from a run, reading one back strictly, and comparing a run against it.
#include "relumc/io/json.hpp"

#include "relumc/io/numbers.hpp"
#include "relumc/io/schema.hpp"
#include "relumc/regress/baseline.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

namespace relumc {

namespace {

using detail::Fields;
using detail::parse_json_strict;
using detail::read_input_file;
using nlohmann::json;
using nlohmann::ordered_json;

constexpr int kBaselineFormat = 1;


std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Equal as numbers, with NaN (null: undefined) equal to NaN.
bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

std::string verdict(bool passed) { return passed ? "pass" : "FAIL"; }

std::string numbers_text(double p, double rel) {
  return fmt::format("p {:.4g}, rel_err {}", p, std::isfinite(rel) ? fmt::format("{:.4g}", rel) : "-");
}

}  // namespace

std::string baseline_json(const SuiteRun& run) {
  const MachineIdentity m = this_machine();
  const BuildIdentity b = this_build();
  ordered_json j;
  j["schema_version"] = kSchemaVersion;
  j["relumc_baseline"] = kBaselineFormat;
  j["suite"] = run.suite.name;
  j["suite_digest"] = run.suite.digest;
  j["recorded_at"] = utc_now();
  j["seed"] = run.suite.seed;
  j["backend"] = std::string(to_string(run.backend));
  j["precision"] = std::string(to_string(run.suite.precision));
  j["contract"] = std::string(to_string(run.suite.contract));
  j["threads"] = run.threads;
  j["machine"] = {{"cpu_model", m.cpu_model},
                  {"hostname", m.hostname},
                  {"hardware_threads", m.hardware_threads},
                  {"simd_kernel", m.simd_kernel}};
  j["build"] = {{"relumc_version", b.version}, {"git_commit", b.git_commit}, {"compiler", b.compiler},
                {"build_type", b.build_type},  {"flags", b.flags},           {"cuda", b.cuda}};
  j["passed"] = run.passed;
  ordered_json cases = ordered_json::object();
  for (const SuiteCase& c : run.cases)
    cases[c.id] = {{"passed", c.r.passed},
                   {"p_value", json_number(c.r.p_value)},
                   {"p_holm", json_number(c.r.p_holm)},
                   {"rel_error", json_number(c.r.rel_error)},
                   {"max_abs_z", json_number(c.r.max_abs_z)}};
  j["cases"] = std::move(cases);
  ordered_json tp = ordered_json::object();
  for (const ThroughputResult& t : run.throughput)
    tp[t.id] = {{"samples_per_s", t.samples_per_s}, {"normals_per_s", t.normals_per_s}};
  j["throughput"] = std::move(tp);
  return j.dump(1) + "\n";
}

Baseline parse_baseline(const std::string& text, const std::string& where, const Suite& suite) {
  const json j = parse_json_strict(text, "baseline " + where);
  const std::string src = "baseline " + where;
  if (!j.is_object() || !j.contains("relumc_baseline"))
    throw InputError(fmt::format("{}: not a relumc baseline (no \"relumc_baseline\" key; write one with `record`)", src));
  Fields f(j, src, "");
  Baseline b;
  b.path = where;
  // Baselines recorded before "schema_version" existed are version 1; a newer one is refused.
  if (const json* v = f.get("schema_version", false)) {
    const int64_t version = f.integer_value(*v, "schema_version", 1, int64_t{1} << 30);
    if (version > kSchemaVersion)
      throw InputError(fmt::format("{}: schema_version {} is newer than this relumc reads (schema_version {}): "
                                   "use a newer relumc, or record a new baseline with `record`",
                                   src, version, kSchemaVersion));
  }
  if (f.integer("relumc_baseline", true, 0, 0, 1 << 30) != kBaselineFormat)
    f.fail("relumc_baseline", j["relumc_baseline"], fmt::format("this relumc reads baseline format {}", kBaselineFormat));
  b.suite = f.string("suite", true);
  if (b.suite != suite.name)
    throw InputError(fmt::format("{} was recorded for suite '{}', not for suite '{}': refusing to compare (record a "
                                 "baseline of this suite with `record`)",
                                 src, b.suite, suite.name));
  b.suite_digest = f.string("suite_digest", true);
  b.recorded_at = f.string("recorded_at", true);
  if (const json* seed = f.get("seed", true)) {
    if (!seed->is_number_unsigned()) f.fail("seed", *seed, "expected an integer in [0, 2^64)");
    b.seed = seed->get<uint64_t>();
  }
  b.backend = f.string("backend", true);
  b.precision = f.string("precision", true);
  // Baselines recorded before the contract had versions drew under v1.
  b.contract = f.has("contract") ? f.string("contract", true) : std::string(to_string(Contract::V1));
  if (!parse_contract(b.contract)) f.fail("contract", j["contract"], "expected one of: v1, v2");
  b.threads = static_cast<int>(f.integer("threads", true, 0, 1, 1 << 20));
  f.boolean("passed", true);
  {
    Fields m(*f.get("machine", true), src, "machine");
    b.machine.cpu_model = m.string("cpu_model", true);
    b.machine.hostname = m.string("hostname", true);
    b.machine.hardware_threads = static_cast<unsigned>(m.integer("hardware_threads", true, 0, 0, 1 << 24));
    b.machine.simd_kernel = m.string("simd_kernel", true);
    m.reject_unknown();
  }
  {
    Fields bi(*f.get("build", true), src, "build");
    b.build.version = bi.string("relumc_version", true);
    b.build.git_commit = bi.string("git_commit", true);
    b.build.compiler = bi.string("compiler", true);
    b.build.build_type = bi.string("build_type", true);
    b.build.flags = bi.string("flags", true);
    b.build.cuda = bi.boolean("cuda", true);
    bi.reject_unknown();
  }
  const json* cases = f.get("cases", true);
  if (!cases->is_object()) f.fail("cases", *cases, "expected an object of case id -> result");
  for (auto it = cases->begin(); it != cases->end(); ++it) {
    Fields c(it.value(), src, "cases." + it.key());
    BaselineCase bc;
    bc.passed = c.boolean("passed", true);
    bc.p_value = c.number("p_value", true, 0, true);
    bc.p_holm = c.number("p_holm", true, 0, true);
    bc.rel_error = c.number("rel_error", true, 0, true);
    bc.max_abs_z = c.number("max_abs_z", true, 0, true);
    c.reject_unknown();
    b.cases[it.key()] = bc;
  }
  const json* tp = f.get("throughput", true);
  if (!tp->is_object()) f.fail("throughput", *tp, "expected an object of check id -> result");
  for (auto it = tp->begin(); it != tp->end(); ++it) {
    Fields t(it.value(), src, "throughput." + it.key());
    BaselineThroughput bt;
    bt.samples_per_s = t.number("samples_per_s", true);
    bt.normals_per_s = t.number("normals_per_s", true);
    if (!(bt.samples_per_s > 0)) t.fail(t.at("samples_per_s"), it.value()["samples_per_s"], "must be > 0");
    if (!(bt.normals_per_s > 0)) t.fail(t.at("normals_per_s"), it.value()["normals_per_s"], "must be > 0");
    t.reject_unknown();
    b.throughput[it.key()] = bt;
  }
  f.reject_unknown();
  return b;
}

Baseline load_baseline(const std::string& path, const Suite& suite) {
  return parse_baseline(read_input_file(path, "baseline"), path, suite);
}

Comparison compare(const SuiteRun& run, const Baseline& base, ThroughputGate gate) {
  Comparison cmp;
  cmp.tolerance = run.suite.throughput_tolerance;
  auto differs = [&](const char* what, const std::string& before, const std::string& now) {
    if (before == now) return false;
    cmp.notes.push_back(fmt::format("{}: {} -> {}", what, before, now));
    return true;
  };
  if (base.suite_digest != run.suite.digest)
    cmp.notes.push_back("the suite file changed since the baseline was recorded: new and missing cases are expected");
  bool numbers_comparable = true;
  numbers_comparable &= !differs("seed", std::to_string(base.seed), std::to_string(run.suite.seed));
  numbers_comparable &= !differs("backend", base.backend, std::string(to_string(run.backend)));
  numbers_comparable &= !differs("precision", base.precision, std::string(to_string(run.suite.precision)));
  numbers_comparable &= !differs("contract", base.contract, std::string(to_string(run.suite.contract)));
  if (!numbers_comparable) cmp.notes.push_back("so p-values and relative errors are expected to differ");

  const MachineIdentity m = this_machine();
  bool same_machine = true;
  same_machine &= !differs("machine cpu_model", base.machine.cpu_model, m.cpu_model);
  same_machine &= !differs("machine hostname", base.machine.hostname, m.hostname);
  same_machine &= !differs("machine hardware_threads", std::to_string(base.machine.hardware_threads),
                           std::to_string(m.hardware_threads));
  same_machine &= !differs("machine simd_kernel", base.machine.simd_kernel, m.simd_kernel);
  same_machine &= !differs("threads", std::to_string(base.threads), std::to_string(run.threads));
  cmp.same_machine = same_machine;
  const BuildIdentity b = this_build();
  differs("build relumc_version", base.build.version, b.version);
  differs("build git_commit", base.build.git_commit, b.git_commit);
  differs("build compiler", base.build.compiler, b.compiler);
  differs("build build_type", base.build.build_type, b.build_type);
  differs("build flags", base.build.flags, b.flags);
  differs("build cuda", base.build.cuda ? "on" : "off", b.cuda ? "on" : "off");
  cmp.throughput_gated = gate == ThroughputGate::Always || (gate == ThroughputGate::SameMachine && same_machine);
  if (!same_machine && !cmp.throughput_gated)
    cmp.notes.push_back(fmt::format("throughput: baseline from another machine or thread count: ratios are reported, "
                                    "not gated (throughput_gate {})", to_string(gate)));

  std::set<std::string> now_ids;
  for (const SuiteCase& c : run.cases) {
    now_ids.insert(c.id);
    const std::string now = numbers_text(c.r.p_value, c.r.rel_error);
    if (!c.r.passed) ++cmp.failed_verdicts;
    auto it = base.cases.find(c.id);
    if (it == base.cases.end()) {
      cmp.changes.push_back({"new case", c.id, "-", verdict(c.r.passed) + ", " + now, "", !c.r.passed});
      continue;
    }
    ++cmp.cases_compared;
    const BaselineCase& o = it->second;
    const std::string before = numbers_text(o.p_value, o.rel_error);
    const bool identical = same(o.p_value, c.r.p_value) && same(o.rel_error, c.r.rel_error) &&
                           same(o.max_abs_z, c.r.max_abs_z) && same(o.p_holm, c.r.p_holm) && o.passed == c.r.passed;
    cmp.cases_identical += identical ? 1 : 0;
    if (o.passed != c.r.passed)
      cmp.changes.push_back({"verdict", c.id, verdict(o.passed) + ", " + before, verdict(c.r.passed) + ", " + now,
                             c.r.passed ? "now passes" : "was pass, now FAILS", !c.r.passed});
    else if (!c.r.passed)
      cmp.changes.push_back({"failed", c.id, verdict(o.passed) + ", " + before, verdict(c.r.passed) + ", " + now,
                             "fails, as in the baseline", true});
    else if (!identical)
      cmp.changes.push_back({"numbers", c.id, before, now, "", false});
  }
  for (const auto& [id, o] : base.cases)
    if (!now_ids.count(id))
      cmp.changes.push_back({"missing case", id, verdict(o.passed) + ", " + numbers_text(o.p_value, o.rel_error), "-",
                             "in the baseline, not in this run", false});

  std::set<std::string> now_checks;
  for (const ThroughputResult& t : run.throughput) {
    now_checks.insert(t.id);
    const std::string now = fmt::format("{:.4g} samples/s", t.samples_per_s);
    auto it = base.throughput.find(t.id);
    if (it == base.throughput.end()) {
      cmp.changes.push_back({"new check", t.id, "-", now, "", false});
      continue;
    }
    const double ratio = t.samples_per_s / it->second.samples_per_s;
    const bool drop = ratio < 1 - cmp.tolerance;
    const bool fails = drop && cmp.throughput_gated;
    cmp.throughput_drops += fails ? 1 : 0;
    std::string note = fmt::format("new/old x{:.3f}", ratio);
    if (drop)
      note += fmt::format(fails ? "; DROP beyond {:.0f}%" : "; drop beyond {:.0f}% (not gated: {})", 100 * cmp.tolerance,
                          cmp.same_machine ? "gate never" : "another machine");
    cmp.changes.push_back({"throughput", t.id, fmt::format("{:.4g} samples/s", it->second.samples_per_s), now, note, fails});
  }
  for (const auto& [id, o] : base.throughput)
    if (!now_checks.count(id))
      cmp.changes.push_back({"missing check", id, fmt::format("{:.4g} samples/s", o.samples_per_s), "-", "", false});

  cmp.passed = cmp.failed_verdicts == 0 && cmp.throughput_drops == 0;
  return cmp;
}

}  // namespace relumc
