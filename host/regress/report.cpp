// SPDX-License-Identifier: MIT
// Writers of a suite run: the table on stdout, the comparison table, results.json, results.csv and
// throughput.csv (schema in docs/regression-suites.md). Numbers round-trip; never a NaN (null).
#include "relumc/core/version.hpp"

#include "relumc/io/numbers.hpp"
#include "relumc/io/schema.hpp"
#include "relumc/regress/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

namespace relumc {

namespace {

using nlohmann::ordered_json;

std::string num(double v) { return csv_number(v, CsvDigits::Seventeen); }

}  // namespace

void print_comparison(const Comparison& c, std::FILE* out) {
  for (const std::string& n : c.notes) fmt::print(out, "note: {}\n", n);
  // Verdict changes, failures and throughput rows are always shown; the other kinds up to kMaxRows each.
  constexpr size_t kMaxRows = 30;
  std::map<std::string, size_t> shown, hidden;
  fmt::print(out, "{:<13} {:<64} {:<34} {:<34} {}\n", "change", "id", "baseline", "now", "");
  for (const Change& ch : c.changes) {
    const bool always = ch.fails || ch.kind == "verdict" || ch.kind == "throughput";
    if (!always && shown[ch.kind] >= kMaxRows) {
      ++hidden[ch.kind];
      continue;
    }
    ++shown[ch.kind];
    fmt::print(out, "{:<13} {:<64} {:<34} {:<34} {}{}\n", ch.kind, ch.id, ch.before, ch.after, ch.note,
               ch.fails ? (ch.note.empty() ? "FAILS" : "  <- FAILS") : "");
  }
  for (const auto& [kind, n] : hidden) fmt::print(out, "({} more '{}' rows not shown; all are in results.json)\n", n, kind);
  fmt::print(out, "cases: {} compared with the baseline, {} identical to it (verdict and every number)\n",
             c.cases_compared, c.cases_identical);
  std::string why;
  if (c.failed_verdicts) why += fmt::format("{} failed verdict(s)", c.failed_verdicts);
  if (c.throughput_drops)
    why += fmt::format("{}{} throughput drop(s) beyond {:.0f}%", why.empty() ? "" : ", ", c.throughput_drops,
                       100 * c.tolerance);
  fmt::print(out, "COMPARISON: {}{}\n", c.passed ? "PASS" : "FAIL", why.empty() ? "" : " (" + why + ")");
}

std::string suite_results_json(const SuiteRun& run, const Comparison* cmp, const std::string& baseline_path) {
  const Suite& s = run.suite;
  ordered_json j;
  j["schema_version"] = kSchemaVersion;
  j["relumc_version"] = kVersion;
  j["suite"] = s.name;
  j["suite_digest"] = s.digest;
  j["description"] = s.description;
  j["backend"] = std::string(to_string(run.backend));
  j["backend_note"] = run.backend_note;
  j["precision"] = std::string(to_string(s.precision));
  j["contract"] = std::string(to_string(s.contract));
  j["seed"] = s.seed;
  j["alpha"] = s.alpha;
  j["passed"] = run.passed;
  size_t failed = 0;
  for (const SuiteCase& c : run.cases) failed += c.r.passed ? 0 : 1;
  j["cases_total"] = run.cases.size();
  j["cases_failed"] = failed;
  ordered_json cases = ordered_json::array();
  for (const SuiteCase& sc : run.cases) {
    const Case& c = sc.c;
    const CaseResult& r = sc.r;
    cases.push_back({{"id", sc.id},
                     {"group", sc.group},
                     {"group_name", s.groups[sc.group].name},
                     {"formula", std::string(to_string(s.groups[sc.group].formula))},
                     {"quantity", std::string(to_string(c.quantity))},
                     {"origin", c.origin},
                     {"d", c.d},
                     {"K", c.K},
                     {"K_star", c.Kstar},
                     {"angle", c.angle >= 0 ? ordered_json(c.angle) : ordered_json(nullptr)},
                     {"norm", c.norm},
                     {"ratio", c.ratio > 0 ? ordered_json(c.ratio) : ordered_json(nullptr)},
                     {"samples", c.samples},
                     {"stream", c.stream},
                     {"closed_form", r.closed_form},
                     {"estimate", r.estimate.mean},
                     {"stderr", r.estimate.std_error},
                     {"rel_error", json_number(r.rel_error)},
                     {"max_abs_z", json_number(r.max_abs_z)},
                     {"p_value", json_number(r.p_value)},
                     {"p_holm", json_number(r.p_holm)},
                     {"passed", r.passed},
                     {"verdict", verdict_name(r)},
                     {"tail_error", json_number(r.tail_error)}});
  }
  j["cases"] = std::move(cases);
  ordered_json tp = ordered_json::array();
  for (const ThroughputResult& t : run.throughput)
    tp.push_back({{"id", t.id},
                  {"name", t.check.name},
                  {"quantity", std::string(to_string(t.check.quantity))},
                  {"d", t.check.d},
                  {"K", t.check.K},
                  {"K_star", t.check.Kstar},
                  {"samples", t.check.samples},
                  {"precision", std::string(to_string(t.check.precision))},
                  {"contract", std::string(to_string(t.check.contract))},
                  {"repetitions", t.check.repetitions},
                  {"statistic", std::string(to_string(t.check.statistic))},
                  {"seconds", t.seconds},
                  {"samples_per_s", t.samples_per_s},
                  {"normals_per_s", t.normals_per_s}});
  j["throughput"] = std::move(tp);
  if (cmp) {
    ordered_json changes = ordered_json::array();
    for (const Change& ch : cmp->changes)
      changes.push_back({{"kind", ch.kind}, {"id", ch.id}, {"baseline", ch.before}, {"now", ch.after},
                         {"note", ch.note}, {"fails", ch.fails}});
    j["comparison"] = {{"baseline", baseline_path},
                       {"passed", cmp->passed},
                       {"same_machine", cmp->same_machine},
                       {"throughput_gated", cmp->throughput_gated},
                       {"throughput_tolerance", cmp->tolerance},
                       {"failed_verdicts", cmp->failed_verdicts},
                       {"throughput_drops", cmp->throughput_drops},
                       {"cases_compared", cmp->cases_compared},
                       {"cases_identical", cmp->cases_identical},
                       {"notes", cmp->notes},
                       {"changes", std::move(changes)}};
  } else {
    j["comparison"] = nullptr;
  }
  const MachineIdentity m = this_machine();
  const BuildIdentity b = this_build();
  j["machine"] = {{"cpu_model", m.cpu_model}, {"hostname", m.hostname}, {"hardware_threads", m.hardware_threads},
                  {"simd_kernel", m.simd_kernel}};
  j["build"] = {{"relumc_version", b.version}, {"git_commit", b.git_commit}, {"compiler", b.compiler},
                {"build_type", b.build_type},  {"flags", b.flags},           {"cuda", b.cuda}};
  j["run"] = {{"threads", run.threads}, {"cpu_kernel", run.cpu_kernel}, {"seconds", run.seconds}};
  return j.dump(1) + "\n";
}

std::string suite_results_csv(const SuiteRun& run) {
  std::string out =
      "id,group,formula,quantity,origin,d,K,K_star,angle,norm,ratio,samples,stream,rel_error,max_abs_z,p_value,p_holm,"
      "passed\n";
  for (const SuiteCase& sc : run.cases) {
    const Case& c = sc.c;
    const CaseResult& r = sc.r;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", sc.id, sc.group,
                       to_string(run.suite.groups[sc.group].formula), to_string(c.quantity), c.origin, c.d, c.K,
                       c.Kstar, c.angle >= 0 ? num(c.angle) : "", num(c.norm), c.ratio > 0 ? num(c.ratio) : "",
                       c.samples, c.stream, num(r.rel_error), num(r.max_abs_z), num(r.p_value), num(r.p_holm),
                       r.passed ? "true" : "false");
  }
  return out;
}

std::string suite_throughput_csv(const SuiteRun& run) {
  std::string out = "id,quantity,d,K,K_star,samples,precision,repetitions,statistic,samples_per_s,normals_per_s\n";
  for (const ThroughputResult& t : run.throughput)
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", t.id, to_string(t.check.quantity), t.check.d, t.check.K,
                       t.check.Kstar, t.check.samples, to_string(t.check.precision), t.check.repetitions,
                       to_string(t.check.statistic), num(t.samples_per_s), num(t.normals_per_s));
  return out;
}

void print_suite_table(const SuiteRun& run, std::FILE* out) {
  const Suite& s = run.suite;
  size_t failed = 0;
  for (size_t g = 0; g < s.groups.size(); ++g) {
    size_t n = 0, bad = 0, open = 0;
    for (const SuiteCase& c : run.cases)
      if (c.group == g) ++n, bad += c.r.passed ? 0 : 1, open += c.r.inconclusive ? 1 : 0;
    failed += bad;
    fmt::print(out, "group {}{}: {} cases, formula {}, {} rejected{}\n", g,
               s.groups[g].name.empty() ? "" : " (" + s.groups[g].name + ")", n, to_string(s.groups[g].formula), bad,
               open ? fmt::format(", {} inconclusive (too few effective samples)", open) : "");
  }
  for (const SuiteCase& c : run.cases)
    if (!c.r.passed)
      fmt::print(out, "  REJECTED {}: rel_err {}, max|z| {:.2f}, p {:.3g}, p_holm {:.3g}\n", c.id,
                 std::isfinite(c.r.rel_error) ? fmt::format("{:.3e}", c.r.rel_error) : "(cf = 0)", c.r.max_abs_z,
                 c.r.p_value, c.r.p_holm);
  for (const ThroughputResult& t : run.throughput)
    fmt::print(out, "throughput {}: {:.4g} samples/s, {:.4g} normals/s ({} of {} repetitions)\n", t.id, t.samples_per_s,
               t.normals_per_s, to_string(t.check.statistic), t.check.repetitions);
  fmt::print(out, "backend: {}{}; precision {}; contract {}; seed {}; {} thread(s); {:.1f} s\n", run.backend_note,
             run.cpu_kernel.empty() ? "" : "; kernel " + run.cpu_kernel, to_string(s.precision), to_string(s.contract),
             s.seed, run.threads,
             run.seconds);
  fmt::print(out, "SUITE {}: {} ({} of {} cases rejected at alpha = {}, Holm across the whole suite)\n", s.name,
             run.passed ? "PASS" : "FAIL", failed, run.cases.size(), s.alpha);
}

}  // namespace relumc
