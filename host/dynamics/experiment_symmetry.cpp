// SPDX-License-Identifier: MIT
// Experiment symmetry-breaking (Tian 2017, several ReLUs, orthonormal teacher W* = I): the family
// w_j = x w*_j + y sum_{j' != j} w*_j' is invariant under population GD (permuting teacher rows maps
// the dynamics to itself), so its flow is a flow in the (x, y) plane.
//   A. endpoints from starts in the family, delta = 0: x = y keeps all rows equal forever, so those
//      runs can only end at a symmetric critical point (the check: none is classified as recovered);
//      x != y starts show where the family's flow goes;
//   B. from x = y = 0.5 with a random perturbation of size delta per row (d = K + 2, so it also leaves
//      the teacher's span): share of runs that recover the teacher, and the steps it takes, against
//      delta and K; escaping a saddle takes ~ log(1/delta) steps, so we fit steps = a + b ln(1/delta);
//   C. K = 2: the (x, y) vector field -dL/d(x, y) of the family and trajectories through it.
// Output: DIR/symmetry_endpoints.csv, symmetry_breaking.csv, vector_field.csv, xy_trajectories.csv,
// symmetry.json.
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

constexpr double kLr = 0.25;
constexpr int64_t kSteps = 20000;

DynamicsSpec family_spec(int64_t K, int64_t d, double x, double y, double delta, const ExperimentOptions& o) {
  DynamicsSpec s;
  s.d = d;
  s.K = s.Kstar = K;
  s.teacher = orthonormal_teacher(K, d, 1.0);
  s.init.kind = InitKind::Symmetric;
  s.init.x = x;
  s.init.y = y;
  s.init.delta = delta;
  s.lr = kLr;
  s.steps = kSteps;
  s.seed = o.seed;
  s.threads = o.threads;
  return s;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

}  // namespace

bool experiment_symmetry_breaking(const ExperimentOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<int64_t> Ks{2, 3, 4, 5};
  bool ok = true;
  ordered_json j;
  j["schema_version"] = kSchemaVersion;
  j["experiment"] = "symmetry-breaking";
  j["setting"] = {{"teacher", "orthonormal rows e_0 .. e_{K-1}"}, {"lr", kLr}, {"steps", kSteps},
                  {"gradient", "population (closed form)"}, {"seed", o.seed}};
  // A. Endpoints from the family itself.
  const std::vector<std::pair<double, double>> starts{{0.5, 0.5}, {0.1, 0.1}, {1.0, 1.0}, {0.6, 0.3}, {0.3, 0.6}, {0.2, 0.1}};
  std::string csv_a = "K,x0,y0,outcome,loss,grad_norm,x_end,y_end,steps_run,steps_to_recover\n";
  ordered_json ja = ordered_json::array();
  for (int64_t K : Ks)
    for (const auto& [x, y] : starts) {
      DynamicsSpec s = family_spec(K, K, x, y, 0, o);
      const RunResult r = run_dynamics(s).front();
      const double xe = r.final_weights[0], ye = r.final_weights[1];
      if (x == y && r.end.outcome == Outcome::Recovered) ok = false;
      csv_a += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", K, x, y, to_string(r.end.outcome), csv_number(r.end.loss),
                           csv_number(r.end.grad_norm), csv_number(xe), csv_number(ye), r.steps_run,
                           r.steps_to_recover < 0 ? std::string() : std::to_string(r.steps_to_recover));
      ja.push_back({{"K", K}, {"x0", x}, {"y0", y}, {"outcome", std::string(to_string(r.end.outcome))},
                    {"loss", json_number(r.end.loss)}, {"grad_norm", json_number(r.end.grad_norm)},
                    {"x_end", json_number(xe)}, {"y_end", json_number(ye)}, {"steps_run", r.steps_run}});
      experiment_log(o, fmt::format("[symmetry-breaking] K = {} start (x, y) = ({}, {}): {} at (x, y) = ({:.6f}, {:.6f}), "
                                    "loss {:.6g}, |grad| {:.3g}",
                                    K, x, y, to_string(r.end.outcome), xe, ye, r.end.loss, r.end.grad_norm));
    }
  j["endpoints"] = ja;
  // B. Perturbed symmetric starts.
  const std::vector<double> deltas{1.0, 0.3, 1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8};
  const int64_t runs = o.runs > 0 ? o.runs : 200;
  std::string csv_b =
      "K,d,delta,runs,recovered,share_recovered,recovered_lo,recovered_hi,stalled,diverged,not_converged,"
      "steps_q25,steps_median,steps_q75\n";
  ordered_json jb = ordered_json::array(), fits = ordered_json::array();
  for (int64_t K : Ks) {
    std::vector<double> lx, ly;  // ln(1/delta), median steps: the escape-time fit
    for (double delta : deltas) {
      DynamicsSpec s = family_spec(K, K + 2, 0.5, 0.5, delta, o);
      s.runs = runs;
      s.stop_when_recovered = true;
      const std::vector<RunResult> res = run_dynamics(s);
      const auto c = outcome_counts(res);
      const auto ci = wilson_interval(c[0], runs);
      std::vector<double> steps;
      for (const RunResult& r : res)
        if (r.steps_to_recover >= 0) steps.push_back(static_cast<double>(r.steps_to_recover));
      const double q1 = quantile(steps, 0.25), med = quantile(steps, 0.5), q3 = quantile(steps, 0.75);
      if (delta <= 1e-2 && std::isfinite(med)) lx.push_back(std::log(1 / delta)), ly.push_back(med);
      const double share = static_cast<double>(c[0]) / runs;
      csv_b += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", K, K + 2, delta, runs, c[0], share, ci[0], ci[1],
                           c[1], c[2], c[3], csv_number(q1), csv_number(med), csv_number(q3));
      jb.push_back({{"K", K}, {"d", K + 2}, {"delta", delta}, {"runs", runs}, {"share_recovered", share},
                    {"recovered_ci95", {ci[0], ci[1]}},
                    {"outcomes", {{"recovered", c[0]}, {"stalled", c[1]}, {"diverged", c[2]}, {"not_converged", c[3]}}},
                    {"steps_to_recover_quartiles", {json_number(q1), json_number(med), json_number(q3)}}});
      experiment_log(o, fmt::format("[symmetry-breaking] K = {} delta = {:g}: recovered {:.3f} [{:.3f}, {:.3f}], median steps {}",
                                    K, delta, share, ci[0], ci[1], med));
    }
    // Least squares steps = a + b ln(1/delta) over the small deltas (the linearised escape regime).
    double mx = 0, my = 0, sxx = 0, sxy = 0;
    for (size_t k = 0; k < lx.size(); ++k) mx += lx[k] / lx.size(), my += ly[k] / lx.size();
    for (size_t k = 0; k < lx.size(); ++k) sxx += (lx[k] - mx) * (lx[k] - mx), sxy += (lx[k] - mx) * (ly[k] - my);
    const double b = lx.size() >= 2 ? sxy / sxx : std::nan("");
    fits.push_back({{"K", K}, {"steps_per_unit_ln_inv_delta", json_number(b)}, {"intercept", json_number(my - b * mx)}});
  }
  j["perturbed"] = jb;
  j["escape_fit"] = fits;
  // C. K = 2 vector field of the family and trajectories in it (d = 2: the family spans the plane).
  std::string csv_c = "x,y,dx,dy,loss\n";
  const std::vector<double> T = orthonormal_teacher(2, 2, 1.0);
  for (int a = 0; a <= 20; ++a)
    for (int b = 0; b <= 20; ++b) {
      const double x = -0.5 + 0.1 * a, y = -0.5 + 0.1 * b;
      if (std::fabs(x) < 1e-12 && std::fabs(y) < 1e-12) continue;  // zero rows: the gradient is undefined
      const double W[4] = {x, y, y, x};
      double g[4];
      population_gradient(W, 2, T.data(), 2, 2, g);
      csv_c += fmt::format("{},{},{},{},{}\n", x, y, -g[0], -g[1], population_loss(W, 2, T.data(), 2, 2));
    }
  std::string csv_t = "start,x0,y0,step,x,y,loss\n";
  const std::vector<std::pair<double, double>> tstarts{{0.5, 0.5},  {0.55, 0.45}, {0.9, 0.1},  {0.1, 0.9},  {1.3, 1.2},
                                                       {-0.3, 0.4}, {0.4, -0.4},  {1.4, 0.3},  {0.05, 0.06}, {-0.4, -0.2}};
  for (size_t k = 0; k < tstarts.size(); ++k) {
    DynamicsSpec s = family_spec(2, 2, tstarts[k].first, tstarts[k].second, 0, o);
    s.steps = 3000;
    for (int64_t t = 0; t <= s.steps; t += 5) s.record_steps.push_back(t);
    const RunResult r = run_dynamics(s).front();
    for (const Snapshot& sn : r.records)
      csv_t += fmt::format("{},{},{},{},{},{},{}\n", k, tstarts[k].first, tstarts[k].second, sn.step, sn.M[0], sn.M[1],
                           csv_number(sn.loss));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  j["check"] = "no exactly symmetric (x = y, delta = 0) run is classified as recovered";
  j["passed"] = ok;
  j["seconds"] = seconds;
  write_files_atomically({{o.out + "/symmetry_endpoints.csv", csv_a},
                          {o.out + "/symmetry_breaking.csv", csv_b},
                          {o.out + "/vector_field.csv", csv_c},
                          {o.out + "/xy_trajectories.csv", csv_t},
                          {o.out + "/symmetry.json", j.dump(1) + "\n"}});
  if (!o.quiet)
    fmt::print("symmetry-breaking: {} ({:.1f} s); wrote {}/symmetry_*.csv, vector_field.csv, xy_trajectories.csv, symmetry.json\n",
               ok ? "no exactly symmetric run recovered the teacher" : "FAIL: an exactly symmetric run was classified recovered",
               seconds, o.out);
  return ok;
}

}  // namespace relumc
