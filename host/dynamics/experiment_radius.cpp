// SPDX-License-Identifier: MIT
// Experiment one-relu-radius (Tian 2017, one ReLU): population GD from w uniform in the ball of radius
// rho = eps sqrt(2 pi/(d+1)) |w*| around the origin. The paper's bound: with probability at least
// (1 - eps)/2 the start lies in the region |w - w*| < |w*|, from which GD provably converges to w*.
// We measure three things per (d, eps), with 95% Wilson intervals:
//   share_inside     starts inside the region (what the bound is about: must not fall below it);
//   share_recovered  runs that reach w* (anything the region argument does not cover comes on top);
//   inside_not_recovered  runs that start inside and do not recover: Tian's theorem says 0 (the check).
// Output: DIR/radius.csv, DIR/radius.json.
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

bool experiment_one_relu_radius(const ExperimentOptions& o) {
  const std::vector<int64_t> dims{2, 10, 100};
  const std::vector<double> eps_list{0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 2.0, 4.0};
  const int64_t runs = o.runs > 0 ? o.runs : 4000;
  const double lr = 0.5, wstar = 1.0;
  const auto t0 = std::chrono::steady_clock::now();
  std::string csv =
      "d,eps,radius,runs,recovered,share_recovered,recovered_lo,recovered_hi,inside,share_inside,inside_lo,inside_hi,"
      "bound,inside_not_recovered,stalled,diverged,not_converged,median_steps_to_recover\n";
  ordered_json rows = ordered_json::array();
  bool ok = true;
  for (int64_t d : dims)
    for (double eps : eps_list) {
      DynamicsSpec s;
      s.d = d;
      s.K = s.Kstar = 1;
      s.teacher = orthonormal_teacher(1, d, wstar);
      s.init.kind = InitKind::Ball;
      s.init.radius = eps * std::sqrt(2 * kPi / (d + 1)) * wstar;
      s.lr = lr;
      s.steps = 20000;
      s.runs = runs;
      s.seed = o.seed;
      s.threads = o.threads;
      s.stop_when_recovered = true;
      const std::vector<RunResult> res = run_dynamics(s);
      int64_t inside = 0, bad = 0;
      std::vector<int64_t> steps;
      for (const RunResult& r : res) {
        double sq = 0;
        for (int64_t c = 0; c < d; ++c) sq += (r.start[c] - s.teacher[c]) * (r.start[c] - s.teacher[c]);
        const bool in = std::sqrt(sq) < wstar;
        inside += in;
        bad += in && r.end.outcome != Outcome::Recovered;
        if (r.steps_to_recover >= 0) steps.push_back(r.steps_to_recover);
      }
      const auto counts = outcome_counts(res);
      const auto ci_r = wilson_interval(counts[0], runs), ci_i = wilson_interval(inside, runs);
      const double bound = eps < 1 ? (1 - eps) / 2 : std::nan("");
      std::sort(steps.begin(), steps.end());
      const double med = steps.empty() ? std::nan("") : static_cast<double>(steps[steps.size() / 2]);
      ok = ok && bad == 0;
      const double share_r = static_cast<double>(counts[0]) / runs, share_i = static_cast<double>(inside) / runs;
      csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", d, eps, s.init.radius, runs, counts[0],
                         share_r, ci_r[0], ci_r[1], inside, share_i, ci_i[0], ci_i[1], csv_number(bound), bad,
                         counts[1], counts[2], counts[3], csv_number(med));
      ordered_json row;
      row["d"] = d;
      row["eps"] = eps;
      row["radius"] = s.init.radius;
      row["runs"] = runs;
      row["share_recovered"] = share_r;
      row["recovered_ci95"] = {ci_r[0], ci_r[1]};
      row["share_inside"] = share_i;
      row["inside_ci95"] = {ci_i[0], ci_i[1]};
      row["bound"] = json_number(bound);
      row["inside_not_recovered"] = bad;
      row["outcomes"] = {{"recovered", counts[0]}, {"stalled", counts[1]}, {"diverged", counts[2]}, {"not_converged", counts[3]}};
      row["median_steps_to_recover"] = json_number(med);
      rows.push_back(row);
      experiment_log(o, fmt::format("[one-relu-radius] d = {:3d} eps = {:4}: recovered {:.3f} [{:.3f}, {:.3f}], inside "
                                    "{:.3f} [{:.3f}, {:.3f}], bound {}",
                                    d, eps, share_r, ci_r[0], ci_r[1], share_i, ci_i[0], ci_i[1],
                                    eps < 1 ? fmt::format("{:.3f}", bound) : std::string("-")));
    }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ordered_json j;
  j["schema_version"] = kSchemaVersion;
  j["experiment"] = "one-relu-radius";
  j["setting"] = {{"K", 1}, {"K_star", 1}, {"teacher_norm", wstar}, {"init", "uniform in the ball of radius eps sqrt(2 pi/(d+1)) |w*| around 0"},
                  {"lr", lr}, {"steps", 20000}, {"gradient", "population (closed form)"}, {"seed", o.seed}, {"runs_per_point", runs}};
  j["check"] = "every run starting inside |w - w*| < |w*| recovers w* (Tian's theorem)";
  j["passed"] = ok;
  j["rows"] = rows;
  j["seconds"] = seconds;
  write_files_atomically({{o.out + "/radius.csv", csv}, {o.out + "/radius.json", j.dump(1) + "\n"}});
  if (!o.quiet)
    fmt::print("one-relu-radius: {} ({:.1f} s); wrote {}/radius.csv, radius.json\n",
               ok ? "every start inside the region recovered w*" : "FAIL: some start inside the region did not recover",
               seconds, o.out);
  return ok;
}

}  // namespace relumc
