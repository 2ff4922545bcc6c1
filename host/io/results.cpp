// SPDX-License-Identifier: MIT
#include "relumc/io/results.hpp"

#include "relumc/io/numbers.hpp"
#include "relumc/io/schema.hpp"

#include "relumc/core/version.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace relumc {

namespace {

using nlohmann::ordered_json;

constexpr const char* kPlanName =
    "Stein two-stage: a pilot on a separate stream sets each case's N for the target root-mean-square relative error "
    "|se|/|cf|; the verdict uses only the N fresh samples";
constexpr const char* kTestName =
    "per-component two-sided z (standard error from sample second moments), Sidak within a case, Holm across cases";
constexpr const char* kSpanTestName =
    "span test: Hotelling's T^2 on the batch means in span(W, W*) and F on the isotropic rest, Sidak of the two "
    "(per-component Sidak where it does not apply), Holm across cases";


// values laid out with the case's shape: scalar, [d], or [K][d].
ordered_json shaped(const Case& c, const std::vector<double>& v) {
  if (c.quantity == Quantity::Loss) return json_number(v[0]);
  if (c.quantity == Quantity::Gating) return ordered_json(v);
  ordered_json rows = ordered_json::array();
  for (int64_t j = 0; j < c.K; ++j) rows.push_back(std::vector<double>(v.begin() + j * c.d, v.begin() + (j + 1) * c.d));
  return rows;
}

ordered_json matrix(const std::vector<double>& m, int64_t rows, int64_t d) {
  ordered_json out = ordered_json::array();
  for (int64_t j = 0; j < rows; ++j) out.push_back(std::vector<double>(m.begin() + j * d, m.begin() + (j + 1) * d));
  return out;
}

double euclid(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// Whether the run has any input other than the Gaussian. Only then do the writers add the input
// fields, so a Gaussian run's files stay byte-identical to those of earlier versions.
bool has_other_inputs(const VerifyReport& rep) {
  for (const Case& c : rep.cases)
    if (c.input != InputKind::Gaussian) return true;
  return false;
}

// The run's input: its name when every case shares it, else "mixed".
std::string run_input(const VerifyReport& rep) {
  for (const Case& c : rep.cases)
    if (c.input != rep.cases.front().input) return "mixed";
  return rep.cases.empty() ? "gaussian" : std::string(to_string(rep.cases.front().input));
}

ordered_json radius_json(const Case& c) { return has_radius(c.input) ? ordered_json(c.radius) : ordered_json(nullptr); }

size_t count_failed(const VerifyReport& rep) {
  size_t failed = 0;
  for (const CaseResult& r : rep.results) failed += (r.passed || r.measured || r.inconclusive) ? 0 : 1;
  return failed;
}

size_t count_inconclusive(const VerifyReport& rep) {
  size_t n = 0;
  for (const CaseResult& r : rep.results) n += r.inconclusive ? 1 : 0;
  return n;
}

size_t count_measured(const VerifyReport& rep) {
  size_t measured = 0;
  for (const CaseResult& r : rep.results) measured += r.measured ? 1 : 0;
  return measured;
}

// The quantities whose N^-1/2 slope is fitted: none when the planner chose N to equalise the errors.
std::vector<Quantity> slope_quantities(const VerifyReport& rep) {
  if (rep.plan.used) return {};
  return {Quantity::Gating, Quantity::Grad, Quantity::Loss};
}

}  // namespace

std::string results_json(const VerifyReport& rep, const std::string& backend_note) {
  const VerifyOptions& o = rep.options;
  ordered_json j;
  j["schema_version"] = kSchemaVersion;
  j["relumc_version"] = kVersion;
  j["backend"] = std::string(to_string(o.backend));
  j["backend_note"] = backend_note;
  j["precision"] = std::string(to_string(o.precision));
  j["contract"] = std::string(to_string(o.contract));
  j["seed"] = o.seed;
  j["alpha"] = o.alpha;
  j["formula"] = std::string(to_string(o.formula));
  j["test"] = rep.options.test == Test::Span ? kSpanTestName : kTestName;
  const bool inputs = has_other_inputs(rep);
  if (inputs) {
    j["input"] = run_input(rep);
    j["radius"] = run_input(rep) == "mixed" ? ordered_json(nullptr) : radius_json(rep.cases.front());
  }
  j["passed"] = rep.passed;
  j["cases_total"] = rep.cases.size();
  j["cases_failed"] = count_failed(rep);
  j["cases_inconclusive"] = count_inconclusive(rep);
  if (inputs) j["cases_measured"] = count_measured(rep);
  ordered_json slopes;
  for (Quantity q : slope_quantities(rep)) {
    const SlopeFit fit = fit_error_slope(rep.cases, rep.results, q);
    if (fit.points >= 2) slopes[std::string(to_string(q))] = json_number(fit.slope);
  }
  j["error_slope_vs_samples"] = slopes.is_null() ? ordered_json::object() : slopes;
  if (rep.plan.used)
    j["sample_plan"] = {{"procedure", kPlanName},
                        {"target_rel_error", o.target_rel_error > 0 ? ordered_json(o.target_rel_error) : ordered_json(nullptr)},
                        {"time_budget_seconds", o.time_budget > 0 ? ordered_json(o.time_budget) : ordered_json(nullptr)},
                        {"pilot_samples", o.pilot_samples},
                        {"max_samples", o.max_samples}};
  ordered_json cases = ordered_json::array();
  for (size_t k = 0; k < rep.cases.size(); ++k) {
    const Case& c = rep.cases[k];
    const CaseResult& r = rep.results[k];
    ordered_json x;
    x["index"] = k;
    x["quantity"] = std::string(to_string(c.quantity));
    x["origin"] = c.origin;
    x["d"] = c.d;
    x["K"] = c.K;
    x["K_star"] = c.Kstar;
    x["angle"] = c.angle >= 0 ? ordered_json(c.angle) : ordered_json(nullptr);
    x["norm"] = c.norm;
    x["ratio"] = c.ratio > 0 ? ordered_json(c.ratio) : ordered_json(nullptr);
    x["samples"] = c.samples;
    x["seed"] = o.seed;
    x["stream"] = c.stream;
    if (inputs) {
      x["input"] = std::string(to_string(c.input));
      x["radius"] = radius_json(c);
      x["input_second_moment"] = input_second_moment(c.input, c.radius, c.d);
    }
    if (c.quantity == Quantity::Gating) {
      x["e"] = c.teacher;
      x["w"] = c.student;
    } else {
      x["student"] = matrix(c.student, c.K, c.d);
      x["teacher"] = matrix(c.teacher, c.Kstar, c.d);
    }
    x["closed_form"] = shaped(c, r.closed_form);
    x["estimate"] = shaped(c, r.estimate.mean);
    x["stderr"] = shaped(c, r.estimate.std_error);
    x["rel_error"] = json_number(r.rel_error);
    x["max_abs_z"] = json_number(r.max_abs_z);
    x["p_value"] = json_number(r.p_value);
    x["p_holm"] = json_number(r.p_holm);
    x["passed"] = r.measured || r.inconclusive ? ordered_json(nullptr) : ordered_json(r.passed);
    x["verdict"] = std::string(verdict_name(r));
    x["test"] = std::string(to_string(r.test));
    x["tail_error"] = json_number(r.tail_error);
    if (inputs) {
      x["measured"] = r.measured;
      x["abs_deviation"] = json_number(r.abs_deviation);
      x["deviation_se"] = json_number(r.deviation_se);
      x["rel_deviation_se"] = json_number(r.rel_deviation_se);
    }
    cases.push_back(std::move(x));
  }
  j["cases"] = std::move(cases);
  // Run facts that legitimately differ between identical computations live apart, under "run".
  j["run"] = {{"threads", rep.threads}, {"cpu_kernel", rep.cpu_kernel}, {"seconds", rep.seconds},
              {"ranks", rep.ranks}, {"resumed_cases", rep.resumed_cases}};
  if (rep.plan.used) {
    // Under a time budget the clock chose N: these facts differ between otherwise identical runs.
    j["run"]["effective_rel_error"] = rep.plan.effective_rel_error;
    j["run"]["pilot_seconds"] = rep.plan.pilot_seconds;
    j["run"]["planned_seconds"] = rep.plan.planned_seconds;
  }
  return j.dump(1) + "\n";
}

std::string results_csv(const VerifyReport& rep) {
  std::string out =
      "index,quantity,origin,d,K,K_star,angle,norm,ratio,samples,seed,stream,closed_form_norm,estimate_norm,"
      "rel_error,max_abs_z,p_value,p_holm,passed,verdict,tail_error";
  const bool inputs = has_other_inputs(rep);
  out += inputs ? ",input,radius,measured,abs_deviation,deviation_se,rel_deviation_se\n" : "\n";
  auto num = [](double v) { return csv_number(v, CsvDigits::Seventeen); };
  for (size_t k = 0; k < rep.cases.size(); ++k) {
    const Case& c = rep.cases[k];
    const CaseResult& r = rep.results[k];
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", k, to_string(c.quantity), c.origin,
                       c.d, c.K, c.Kstar, c.angle >= 0 ? num(c.angle) : "", num(c.norm), c.ratio > 0 ? num(c.ratio) : "",
                       c.samples, rep.options.seed, c.stream, num(euclid(r.closed_form)), num(euclid(r.estimate.mean)),
                       num(r.rel_error), num(r.max_abs_z), num(r.p_value), num(r.p_holm),
                       r.measured || r.inconclusive ? "" : (r.passed ? "true" : "false"), verdict_name(r),
                       num(r.tail_error));
    if (inputs)
      out += fmt::format(",{},{},{},{},{},{}", to_string(c.input), has_radius(c.input) ? num(c.radius) : "",
                         r.measured ? "true" : "false", num(r.abs_deviation), num(r.deviation_se),
                         num(r.rel_deviation_se));
    out += "\n";
  }
  return out;
}

namespace {
// The verdict column of a measured case: its relative deviation and that deviation's standard error.
std::string measured_note(const CaseResult& r) {
  if (!std::isfinite(r.rel_error)) return fmt::format("measured (|dev| {:.3e} +- {:.1e})", r.abs_deviation, r.deviation_se);
  return fmt::format("measured (rel dev {:.3e} +- {:.1e})", r.rel_error, r.rel_deviation_se);
}
}  // namespace

void print_table(const VerifyReport& rep, const std::string& backend_note, std::FILE* out) {
  constexpr size_t kMaxRows = 200;
  const bool all_rows = rep.cases.size() <= kMaxRows;
  fmt::print(out, "{:>5} {:<7} {:>5} {:>3} {:>3} {:>7} {:>5} {:>5} {:>9} {:>10} {:>7} {:>9} {:>9}  {}\n", "case",
             "qty", "d", "K", "K*", "angle", "|w|", "ratio", "N", "rel_err", "max|z|", "p", "p_holm", "verdict");
  for (size_t k = 0; k < rep.cases.size(); ++k) {
    const Case& c = rep.cases[k];
    const CaseResult& r = rep.results[k];
    if (!all_rows && (r.passed || r.measured) && !r.inconclusive) continue;
    fmt::print(out, "{:>5} {:<7} {:>5} {:>3} {:>3} {:>7} {:>5.3g} {:>5} {:>9.3g} {:>10} {:>7.2f} {:>9.3g} {:>9}  {}\n",
               k, to_string(c.quantity), c.d, c.K, c.Kstar, c.angle >= 0 ? fmt::format("{:.4f}", c.angle) : "-",
               c.norm, c.ratio > 0 ? fmt::format("{:.3g}", c.ratio) : "-", static_cast<double>(c.samples),
               std::isfinite(r.rel_error) ? fmt::format("{:.3e}", r.rel_error) : "(cf = 0)", r.max_abs_z, r.p_value,
               r.measured ? "-" : fmt::format("{:.3g}", r.p_holm), r.measured ? measured_note(r)
               : r.inconclusive ? fmt::format("inconclusive (tail error {:.2g})", r.tail_error)
               : (r.passed ? "pass" : "REJECTED"));
  }
  if (!all_rows)
    fmt::print(out, "({} cases; only rejected and inconclusive ones shown, all are in results.csv)\n", rep.cases.size());
  const size_t failed = count_failed(rep), measured = count_measured(rep);
  for (Quantity q : slope_quantities(rep)) {
    const SlopeFit fit = fit_error_slope(rep.cases, rep.results, q);
    if (fit.points >= 2)
      fmt::print(out, "{}: relative error ~ N^{:.3f} over {} sample counts (theory: N^-0.5{})\n", to_string(q),
                 fit.slope, fit.points, std::fabs(fit.slope + 0.5) > 0.25 ? "; FAR FROM IT: look for a bias" : "");
  }
  fmt::print(out, "backend: {}{}; precision {}; contract {}; seed {}; {} thread(s){}; {:.1f} s\n", backend_note,
             rep.cpu_kernel.empty() ? "" : "; kernel " + rep.cpu_kernel, to_string(rep.options.precision),
             to_string(rep.options.contract), rep.options.seed, rep.threads, rep.ranks > 1 ? fmt::format(" x {} MPI ranks", rep.ranks) : "", rep.seconds);
  if (rep.resumed_cases > 0)
    fmt::print(out, "resumed: {} of {} cases taken from the journal\n", rep.resumed_cases, rep.cases.size());
  if (rep.plan.used)
    fmt::print(out,
               "sample plan: two-stage (pilot {} samples per case); N chosen for a relative error of {:.3g}{}; {:.3g} samples "
               "in all, {:.1f} s predicted\n",
               rep.options.pilot_samples, rep.plan.effective_rel_error,
               rep.plan.effective_rel_error > rep.options.target_rel_error && rep.options.time_budget > 0
                   ? fmt::format(" (the {:.0f} s budget allows no less)", rep.options.time_budget)
                   : "",
               static_cast<double>(rep.plan.planned_samples), rep.plan.planned_seconds);
  if (rep.options.formula != Formula::Tian)
    fmt::print(out, "formula: {} (a deliberately wrong closed form)\n", to_string(rep.options.formula));
  if (has_other_inputs(rep)) {
    const std::string in = run_input(rep);
    fmt::print(out, "input: {}{}", in,
               in != "mixed" && has_radius(rep.cases.front().input) ? fmt::format(", radius {}", rep.cases.front().radius) : "");
    if (measured)
      fmt::print(out, "; {} case(s) measured against the variance-scaled formula (no exact closed form): "
                 "deviation reported, no verdict", measured);
    fmt::print(out, "\n");
  }
  if (measured > 0 && measured == rep.cases.size()) {
    fmt::print(out, "VERDICT: none (all {} cases are measurements, not tests)\n", measured);
  } else {
    const size_t inconclusive = count_inconclusive(rep);
    fmt::print(out, "VERDICT: {} ({} of {} cases rejected at alpha = {} with Holm's correction{}{})\n",
               rep.passed ? "PASS" : "FAIL", failed, rep.cases.size() - measured - inconclusive, rep.options.alpha,
               measured ? fmt::format("; {} measured case(s) have no verdict", measured) : "",
               inconclusive ? fmt::format("; {} case(s) INCONCLUSIVE: too few effective samples for the normal "
                                          "approximation (raise N), neither passed nor rejected", inconclusive)
                            : "");
  }
}

}  // namespace relumc
