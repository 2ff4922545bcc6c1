// SPDX-License-Identifier: MIT
#include "relumc/dynamics/report.hpp"

#include "relumc/core/version.hpp"
#include "relumc/io/files.hpp"
#include "relumc/io/schema.hpp"
#include "relumc/run/progress.hpp"

#include <fmt/format.h>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace relumc {

using nlohmann::ordered_json;

namespace {

// Runs' start and final weights go into summary.json up to this many numbers (beyond, the file
// would be mostly weights; they stay reproducible from the seed).
constexpr int64_t kMaxWeightsInJson = 1000000;

ordered_json numbers(const std::vector<double>& v) {
  ordered_json a = ordered_json::array();
  for (double x : v) a.push_back(json_number(x));
  return a;
}

ordered_json matrix(const std::vector<double>& v, int64_t rows, int64_t cols) {
  ordered_json a = ordered_json::array();
  for (int64_t r = 0; r < rows; ++r)
    a.push_back(numbers(std::vector<double>(v.begin() + r * cols, v.begin() + (r + 1) * cols)));
  return a;
}

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace



std::array<double, 2> wilson_interval(int64_t k, int64_t n, double z) {
  if (n <= 0) return {0, 1};
  const double p = static_cast<double>(k) / n, z2 = z * z, den = 1 + z2 / n;
  const double centre = (p + z2 / (2 * n)) / den;
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / den;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::array<int64_t, 4> outcome_counts(const std::vector<RunResult>& runs) {
  std::array<int64_t, 4> c{0, 0, 0, 0};
  for (const RunResult& r : runs) ++c[static_cast<int>(r.end.outcome)];
  return c;
}

ordered_json spec_json(const DynamicsSpec& s) {
  ordered_json j;
  j["d"] = s.d;
  j["K"] = s.K;
  j["K_star"] = s.Kstar;
  j["teacher"] = matrix(s.teacher, s.Kstar, s.d);
  ordered_json in;
  in["kind"] = std::string(to_string(s.init.kind));
  switch (s.init.kind) {
    case InitKind::Gaussian: in["std"] = s.init.std; break;
    case InitKind::Ball: in["radius"] = s.init.radius; break;
    case InitKind::Uniform: in["half_width"] = s.init.half_width; break;
    case InitKind::Weights: in["weights"] = matrix(s.init.weights, s.K, s.d); break;
    case InitKind::Symmetric: in["x"] = s.init.x, in["y"] = s.init.y, in["delta"] = s.init.delta; break;
  }
  j["init"] = in;
  j["lr"] = s.lr;
  j["steps"] = s.steps;
  j["batch"] = s.batch;
  j["gradient"] = s.batch == 0 ? "population (closed form)" : "sampled (sample contract)";
  j["compare_population"] = s.batch > 0 && s.compare_population;
  j["formula"] = std::string(to_string(s.formula));
  j["runs"] = s.runs;
  j["seed"] = s.seed;
  j["contract"] = std::string(to_string(s.contract));
  j["record_steps"] = s.record_steps;
  j["recover_tol"] = s.recover_tol;
  j["stall_tol"] = s.stall_tol;
  j["diverge_norm"] = s.diverge_norm;
  j["stop_tol"] = s.stop_tol;
  j["stop_when_recovered"] = s.stop_when_recovered;
  return j;
}

std::string runs_csv(const DynamicsSpec&, const std::vector<RunResult>& runs) {
  std::string out = "run,outcome,steps_run,steps_to_recover,loss,grad_norm,max_dist,final_gap,max_gap,perm,note\n";
  for (const RunResult& r : runs) {
    std::string perm;
    for (int64_t k : r.end.perm) perm += (perm.empty() ? "" : " ") + std::to_string(k);
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},\"{}\"\n", r.run, to_string(r.end.outcome), r.steps_run,
                       r.steps_to_recover < 0 ? std::string() : std::to_string(r.steps_to_recover),
                       csv_number(r.end.loss), csv_number(r.end.grad_norm), csv_number(r.end.max_dist),
                       csv_number(r.final_gap), csv_number(r.max_gap), perm, r.end.note);
  }
  return out;
}

std::string trajectories_csv(const DynamicsSpec& s, const std::vector<RunResult>& runs) {
  std::string out = "run,step,loss,grad_norm,gap";
  for (int64_t j = 0; j < s.K; ++j) out += fmt::format(",dist_{}", j);
  for (int64_t j = 0; j < s.K; ++j)
    for (int64_t k = 0; k < s.K; ++k) out += fmt::format(",Q_{}_{}", j, k);
  for (int64_t j = 0; j < s.K; ++j)
    for (int64_t k = 0; k < s.Kstar; ++k) out += fmt::format(",M_{}_{}", j, k);
  out += "\n";
  for (const RunResult& r : runs)
    for (const Snapshot& sn : r.records) {
      out += fmt::format("{},{},{},{},{}", r.run, sn.step, csv_number(sn.loss), csv_number(sn.grad_norm), csv_number(sn.gap));
      for (double v : sn.dist) out += "," + csv_number(v);
      for (double v : sn.Q) out += "," + csv_number(v);
      for (double v : sn.M) out += "," + csv_number(v);
      out += "\n";
    }
  return out;
}

std::string summary_json(const DynamicsSpec& s, const std::vector<RunResult>& runs, double seconds, int threads) {
  ordered_json j;
  j["schema_version"] = kSchemaVersion;
  j["relumc_version"] = kVersion;
  j["spec"] = spec_json(s);
  const auto counts = outcome_counts(runs);
  ordered_json c;
  for (int o = 0; o < 4; ++o) c[std::string(to_string(static_cast<Outcome>(o)))] = counts[o];
  j["outcomes"] = c;
  const auto ci = wilson_interval(counts[0], static_cast<int64_t>(runs.size()));
  j["share_recovered"] = static_cast<double>(counts[0]) / static_cast<double>(runs.size());
  j["share_recovered_ci95_wilson"] = {ci[0], ci[1]};
  std::vector<double> rec_steps, gaps;
  for (const RunResult& r : runs) {
    if (r.steps_to_recover >= 0) rec_steps.push_back(static_cast<double>(r.steps_to_recover));
    if (std::isfinite(r.final_gap)) gaps.push_back(r.final_gap);
  }
  j["median_steps_to_recover"] = json_number(median(rec_steps));
  j["median_final_gap"] = json_number(median(gaps));
  const bool with_weights = s.runs * s.K * s.d <= kMaxWeightsInJson;
  j["weights_included"] = with_weights;
  ordered_json arr = ordered_json::array();
  for (const RunResult& r : runs) {
    ordered_json e;
    e["run"] = r.run;
    e["stream"] = r.run;
    e["outcome"] = std::string(to_string(r.end.outcome));
    e["note"] = r.end.note;
    e["steps_run"] = r.steps_run;
    e["steps_to_recover"] = r.steps_to_recover < 0 ? ordered_json(nullptr) : ordered_json(r.steps_to_recover);
    e["loss"] = json_number(r.end.loss);
    e["grad_norm"] = json_number(r.end.grad_norm);
    e["max_dist"] = json_number(r.end.max_dist);
    e["perm"] = r.end.perm;
    e["final_gap"] = json_number(r.final_gap);
    e["max_gap"] = json_number(r.max_gap);
    if (with_weights) {
      e["start"] = matrix(r.start, s.K, s.d);
      e["final"] = matrix(r.final_weights, s.K, s.d);
    }
    arr.push_back(e);
  }
  j["runs"] = arr;
  j["run"] = {{"threads", threads}, {"seconds", seconds}};
  return j.dump(1) + "\n";
}

void write_dynamics_outputs(const std::string& dir, const DynamicsSpec& s, const std::vector<RunResult>& runs,
                            double seconds, int threads) {
  // One set: on a full disk the previous outputs stay as they were, never a mix of two runs.
  write_files_atomically({{dir + "/runs.csv", runs_csv(s, runs)},
                          {dir + "/trajectories.csv", trajectories_csv(s, runs)},
                          {dir + "/summary.json", summary_json(s, runs, seconds, threads)}});
}

void print_dynamics_summary(const DynamicsSpec& s, const std::vector<RunResult>& runs, std::FILE* out) {
  const auto counts = outcome_counts(runs);
  const auto ci = wilson_interval(counts[0], static_cast<int64_t>(runs.size()));
  fmt::print(out, "dynamics: K = {}, K* = {}, d = {}, init {}, lr {}, steps {}, {} gradient, {} runs, seed {}\n", s.K,
             s.Kstar, s.d, to_string(s.init.kind), s.lr, s.steps,
             s.batch == 0 ? std::string("population")
                          : fmt::format("sampled (B = {}{})", s.batch,
                                        s.contract == Contract::V1 ? "" : ", contract " + std::string(to_string(s.contract))),
             s.runs, s.seed);
  for (int o = 0; o < 4; ++o)
    fmt::print(out, "  {:<14} {:>8}  ({:.4f})\n", to_string(static_cast<Outcome>(o)), counts[o],
               static_cast<double>(counts[o]) / static_cast<double>(runs.size()));
  fmt::print(out, "  share recovered {:.4f}, 95% Wilson interval [{:.4f}, {:.4f}]\n",
             static_cast<double>(counts[0]) / static_cast<double>(runs.size()), ci[0], ci[1]);
  std::vector<double> losses, gaps;
  for (const RunResult& r : runs) {
    if (r.end.outcome == Outcome::Stalled) losses.push_back(r.end.loss);
    if (std::isfinite(r.final_gap)) gaps.push_back(r.final_gap);
  }
  if (!losses.empty()) fmt::print(out, "  stalled runs: median loss {:.6g}\n", median(losses));
  if (!gaps.empty()) fmt::print(out, "  |W_sgd - W_pop| at the end: median {:.6g}\n", median(gaps));
}

DynamicsOutcome dynamics_to_directory(const DynamicsSpec& s, const std::string& dir, bool progress) {
  validate(s);
  ensure_writable_dir(dir, "out");
  const DirectoryLock lock(dir, "out");
  DynamicsOutcome o;
  o.threads = s.threads > 0 ? s.threads : omp_get_max_threads();
  const auto t0 = std::chrono::steady_clock::now();
  {
    Progress line({1.0}, {static_cast<uint64_t>(s.runs) * static_cast<uint64_t>(std::max<int64_t>(s.steps, 1))},
                  progress);
    line.begin_case(0);
    o.runs = run_dynamics(s, line.counter());
    line.finish();
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_dynamics_outputs(dir, s, o.runs, o.seconds, o.threads);
  return o;
}

}  // namespace relumc
