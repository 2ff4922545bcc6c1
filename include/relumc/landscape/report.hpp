// SPDX-License-Identifier: MIT
// What `relumc landscape hessian` and `relumc landscape critical` write (docs/landscape.md, "Outputs"):
// DIR/hessian.json or DIR/critical.json, and DIR/eigenvalues.csv (i, eigenvalue; ascending). Numbers are
// never NaN or inf in the files: an undefined value (the gradient norm at a kink) is null in JSON and an
// empty CSV field. Each JSON file starts with "schema_version", "relumc_version", "command"; their JSON
// Schemas are docs/schema/landscape-{hessian,critical,census}.schema.json.
//
// Usage:
//   relumc::write_landscape_files(dir, "hessian", relumc::hessian_json(w, a, nullptr), a.eigen.values);
#pragma once

#include "relumc/landscape/census.hpp"
#include "relumc/landscape/critical.hpp"
#include "relumc/landscape/mc_check.hpp"
#include "relumc/landscape/ode.hpp"
#include "relumc/landscape/tian_l.hpp"
#include "relumc/landscape/weights.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace relumc {

// The point's keys: "K", "Kstar", "d", "student", "teacher", "loss", "gradient", "gradient_norm", "kink",
// "eigenvalues", "index", "nullity", "tolerances" {"eigen_rel", "eigen_abs", "eigen_scale"}; with
// include_hessian also "hessian" ((K d) x (K d) rows).
nlohmann::ordered_json point_json(const double* W, const LandscapeWeights& w, const PointAnalysis& a,
                                   bool include_hessian);

// "mc_check": {"passed", "alpha", "tests": [{"name", "components", "samples", "max_abs_z", "p_value",
// "level", "passed"}]}.
nlohmann::ordered_json mc_json(const McCheck& m);

// hessian.json: point_json (with the Hessian) and, when given, "mc_check".
nlohmann::ordered_json hessian_json(const LandscapeWeights& w, const PointAnalysis& a, const McCheck* mc);

// critical.json: "start", then point_json at the point reached, "kind", "k1", "iterations",
// "gradient_norms", tolerances with "gradient_abs" and "kink_abs", and, when given, "mc_check".
nlohmann::ordered_json critical_json(const LandscapeWeights& w, const CriticalResult& r, const McCheck* mc);

// DIR/<stem>.json and DIR/eigenvalues.csv, each written atomically (relumc/io/files.hpp). The directory
// must have been checked (ensure_writable_dir) before the work.
void write_landscape_files(const std::string& dir, const std::string& stem, const nlohmann::ordered_json& j,
                           const std::vector<double>& eigenvalues);

// census.json: "spec", "runs" (the count), "global", "spurious", "saddles", "kinks", "not_critical",
// "share_global", "share_spurious" with "..._ci95_wilson", "families" [{"k1", "runs", "loss", "lambda_min",
// "kind", "index", "nullity", "first_run"}], "run" {"seconds", "threads"}; and census_runs.csv, one line per run
// (run, kind, k1, loss, lambda_min, index, nullity, gradient_norm, steps, newton_iterations, escapes,
// family).
// With checks (one per family, check_families), each family also has its "mc_check".
nlohmann::ordered_json census_json(const Census& c, const std::vector<McCheck>* checks = nullptr);
void write_census_files(const std::string& dir, const Census& c, const std::vector<McCheck>* checks = nullptr);

// `relumc landscape tian-l` (docs/landscape.md, "Tian's L"). tian_l.json: "mode" ("point"), "theta", "phi", "students"
// ([[1, 0], [cos theta, sin theta]]), "teacher" ([cos phi, sin phi]), "M_r", "M_off" (rows (1,2), (2,1); columns
// the students), "M_star_r", "M_star_off", "norms" (M_r^-1 M*_r), "L_12", "L_21".
nlohmann::ordered_json tian_l_json(const TianL& t);
void write_tian_l_file(const std::string& dir, const TianL& t);

// tian_l_map.csv (theta,phi,L_12,L_21; 17 digits; empty where undefined, theta = 0) and tian_l_map.json
// ("mode": "map", "phi_steps", "theta_steps", "phi", "theta", "L_12", "L_21": theta_steps rows of phi_steps numbers, null where
// undefined; "zero_crossings": {"L_12", "L_21"}: how many grid cells change sign, or touch 0, along phi).
nlohmann::ordered_json tian_l_map_json(const TianLMap& m);
void write_tian_l_map_files(const std::string& dir, const TianLMap& m);

// `relumc landscape ode` (docs/landscape.md, "ODE"). What the command found beside the run: the W-space Newton search
// from the W flow's end (its kind and loss, and the distance of its (Q, M) from the fixed point), k1 at the W flow's end.
struct OdeReport {
  OdeRun run;
  FixedPoint fixed_point;
  CriticalResult critical;           // find_critical_point from run.W_end
  double critical_distance = 0;      // max |summary_state(critical.student) - fixed_point.x|
  int64_t k1 = 0;                    // count_k1 at run.W_end
  OdeOptions options;
  double seconds = 0;
};
// ode.json: "K", "Kstar", "d", "start", "teacher", "spec" {"t_end", "dt", "dt_used", "steps", "samples", "integrator",
// "max_iterations", "field_tol", "eigen_tol"}, "end" {"t", "student", "Q", "M", "P", "loss", "loss_w"},
// "max_deviation", "max_deviation_rel", "error_estimate", "flows_agree", "first_disagreement_t" (null when they agree),
// "min_gram_eigenvalue", "fixed_point" {"Q", "M", "loss", "field_norm", "field_tol", "converged",
// "iterations", "eigenvalues" [{"re", "im"}], "eigen_tol", "stability"}, "k1", "critical" {"kind", "loss",
// "gradient_norm", "distance_to_fixed_point"}, "run" {"seconds"}. ode_trajectory.csv: t, loss, Q_j_l (j <= l),
// M_j_m, loss_w, deviation (max |x - x_of_w| at t), gram_min_eigenvalue; 17 digits.
nlohmann::ordered_json ode_json(const LandscapeWeights& w, const OdeReport& r, const FixedPointOptions& fo);
void write_ode_files(const std::string& dir, const LandscapeWeights& w, const OdeReport& r, const FixedPointOptions& fo);

}  // namespace relumc
