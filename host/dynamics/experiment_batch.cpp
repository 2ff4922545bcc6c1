// SPDX-License-Identifier: MIT
// Experiment batch-gap: sampled-gradient descent (B fresh samples per step, sample contract) against
// population descent from the same start, K = K* = 2, d = 10, orthonormal teacher, Gaussian starts.
// Per B: the gap |W_sgd - W_pop|_F at the last step and its maximum over the run, over R runs.
// Theory (to leading order in 1/B): the deviation is a sum of propagated per-step noises of covariance
// Sigma_t / B, so the whole deviation path scales like B^-1/2 and so does its maximum. The check: the
// slope of log RMS(max gap) between the two largest batches, 1/2 the slope of log E max gap^2, is -1/2
// within 5 standard errors (delta method on the run-to-run spread). B = 1 is outside the linear regime. Output: DIR/batch_gap.csv, batch_gap_trajectories.csv,
// batch_gap.json.
#include "relumc/dynamics/experiments.hpp"
#include "relumc/dynamics/report.hpp"
#include "relumc/dynamics/dynamics.hpp"
#include "relumc/io/results.hpp"
#include "relumc/io/schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace relumc {

using nlohmann::ordered_json;

namespace {

DynamicsSpec batch_spec(int64_t B, int64_t runs, const ExperimentOptions& o) {
  DynamicsSpec s;
  s.d = 10;
  s.K = s.Kstar = 2;
  s.teacher = orthonormal_teacher(2, 10, 1.0);
  s.init.kind = InitKind::Symmetric;  // x > y plus a random kick: every population run recovers the teacher
  s.init.x = 0.6;
  s.init.y = 0.2;
  s.init.delta = 0.3;
  s.lr = 0.1;
  s.steps = 500;
  s.batch = B;
  s.contract = o.contract;
  s.compare_population = B > 0;
  s.stop_tol = 0;  // the population reference runs the whole budget, like the sampled run
  s.runs = runs;
  s.seed = o.seed;
  s.threads = o.threads;
  for (int64_t t = 0; t <= s.steps; t += 10) s.record_steps.push_back(t);
  return s;
}

struct Moments {
  double mean = 0, se = 0;
};

Moments moments(const std::vector<double>& v) {
  const double n = static_cast<double>(v.size());
  Moments m;
  for (double x : v) m.mean += x / n;
  double q = 0;
  for (double x : v) q += (x - m.mean) * (x - m.mean);
  m.se = std::sqrt(q / (n - 1) / n);
  return m;
}

}  // namespace

bool experiment_batch_gap(const ExperimentOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<int64_t> batches{1, 4, 16, 64, 256, 1024};
  const int64_t runs = o.runs > 0 ? o.runs : 64;
  std::string csv = "batch,runs,rms_final_gap,rms_final_gap_se,median_final_gap,rms_max_gap,recovered_sgd,recovered_pop\n";
  std::string traj = "batch,run,step,loss,gap\n";
  ordered_json rows = ordered_json::array();
  std::vector<Moments> g2;  // E max_t gap_t^2 per batch (the check's quantity)
  // The population runs themselves (for the trajectory plot and the endpoint counts).
  const std::vector<RunResult> pop = run_dynamics(batch_spec(0, runs, o));
  int64_t pop_recovered = 0;
  for (const RunResult& r : pop) pop_recovered += r.end.outcome == Outcome::Recovered;
  for (int r = 0; r < 4 && r < runs; ++r)
    for (const Snapshot& sn : pop[r].records) traj += fmt::format("0,{},{},{},\n", r, sn.step, csv_number(sn.loss));
  for (int64_t B : batches) {
    const std::vector<RunResult> res = run_dynamics(batch_spec(B, runs, o));
    std::vector<double> fin2, max2, fin;
    int64_t rec = 0;
    for (const RunResult& r : res) {
      fin2.push_back(r.final_gap * r.final_gap);
      max2.push_back(r.max_gap * r.max_gap);
      fin.push_back(r.final_gap);
      rec += r.end.outcome == Outcome::Recovered;
    }
    for (int r = 0; r < 4 && r < runs; ++r)
      for (const Snapshot& sn : res[r].records)
        traj += fmt::format("{},{},{},{},{}\n", B, r, sn.step, csv_number(sn.loss), csv_number(sn.gap));
    const Moments m = moments(fin2), mm = moments(max2);
    g2.push_back(mm);
    std::sort(fin.begin(), fin.end());
    const double rms = std::sqrt(m.mean), rms_se = m.se / (2 * rms), med = fin[fin.size() / 2];
    csv += fmt::format("{},{},{},{},{},{},{},{}\n", B, runs, rms, rms_se, med, std::sqrt(mm.mean), rec, pop_recovered);
    rows.push_back({{"batch", B}, {"runs", runs}, {"rms_final_gap", rms}, {"rms_final_gap_se", rms_se},
                    {"median_final_gap", med}, {"rms_max_gap", std::sqrt(mm.mean)}, {"sgd_recovered", rec}});
    experiment_log(o, fmt::format("[batch-gap] B = {:5d}: RMS final gap {:.5f} +- {:.5f}, median {:.5f}, RMS max gap {:.5f}",
                                  B, rms, rms_se, med, std::sqrt(mm.mean)));
  }
  // Slope of log RMS max gap between the two largest batches (delta method; runs are independent).
  const size_t a = batches.size() - 2, b = batches.size() - 1;
  const double span = std::log(static_cast<double>(batches[b]) / static_cast<double>(batches[a]));
  const double slope = 0.5 * (std::log(g2[b].mean) - std::log(g2[a].mean)) / span;
  const double se = 0.5 * std::hypot(g2[a].se / g2[a].mean, g2[b].se / g2[b].mean) / span;
  // And the least-squares slope over B >= 4 (B = 1 is far from the linear-noise regime), for the table.
  double mx = 0, my = 0, sxx = 0, sxy = 0;
  const double n = static_cast<double>(batches.size() - 1);
  for (size_t k = 1; k < batches.size(); ++k) mx += std::log(double(batches[k])) / n, my += 0.5 * std::log(g2[k].mean) / n;
  for (size_t k = 1; k < batches.size(); ++k) {
    const double x = std::log(double(batches[k])) - mx;
    sxx += x * x, sxy += x * (0.5 * std::log(g2[k].mean) - my);
  }
  const bool ok = std::fabs(slope + 0.5) <= 5 * se;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ordered_json j;
  j["schema_version"] = kSchemaVersion;
  j["experiment"] = "batch-gap";
  j["setting"] = {{"K", 2}, {"K_star", 2}, {"d", 10}, {"teacher", "orthonormal"}, {"init", "gaussian std 0.3"},
                  {"lr", 0.1}, {"steps", 500}, {"seed", o.seed}, {"contract", std::string(to_string(o.contract))}, {"runs_per_batch", runs},
                  {"streams", "run r draws samples t*B .. t*B+B-1 of stream r at step t"}};
  j["rows"] = rows;
  j["population_recovered"] = pop_recovered;
  j["slope_largest_two"] = slope;
  j["slope_largest_two_se"] = se;
  j["slope_least_squares_b_ge_4"] = sxy / sxx;
  j["check"] = "slope of log RMS max gap between the two largest batches is -1/2 within 5 se";
  j["passed"] = ok;
  j["seconds"] = seconds;
  write_files_atomically({{o.out + "/batch_gap.csv", csv},
                          {o.out + "/batch_gap_trajectories.csv", traj},
                          {o.out + "/batch_gap.json", j.dump(1) + "\n"}});
  if (!o.quiet)
    fmt::print("batch-gap: slope of RMS max gap {:.3f} +- {:.3f} (theory -0.5; least squares over B >= 4 {:.3f}): {} ({:.1f} s); wrote "
               "{}/batch_gap.csv, batch_gap_trajectories.csv, batch_gap.json\n",
               slope, se, sxy / sxx, ok ? "consistent" : "FAIL", seconds, o.out);
  return ok;
}

}  // namespace relumc
