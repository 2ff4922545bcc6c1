// SPDX-License-Identifier: MIT
// JSON and CSV of the landscape commands.
#include "relumc/landscape/report.hpp"

#include "relumc/core/version.hpp"
#include "relumc/io/files.hpp"
#include "relumc/io/numbers.hpp"
#include "relumc/io/schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace relumc {

namespace {

using ojson = nlohmann::ordered_json;

ojson rows(const double* m, int64_t r, int64_t c) {
  ojson out = ojson::array();
  for (int64_t i = 0; i < r; ++i) {
    ojson row = ojson::array();
    for (int64_t k = 0; k < c; ++k) row.push_back(json_number(m[i * c + k]));
    out.push_back(std::move(row));
  }
  return out;
}

ojson numbers(const std::vector<double>& v) {
  ojson out = ojson::array();
  for (double x : v) out.push_back(json_number(x));
  return out;
}

}  // namespace

ojson point_json(const double* W, const LandscapeWeights& w, const PointAnalysis& a, bool include_hessian) {
  ojson j;
  j["K"] = a.K;
  j["Kstar"] = a.Kstar;
  j["d"] = a.d;
  j["student"] = rows(W, a.K, a.d);
  j["teacher"] = rows(w.teacher.data(), w.Kstar, w.d);
  j["loss"] = json_number(a.loss);
  j["gradient"] = rows(a.gradient.data(), a.K, a.d);
  j["gradient_norm"] = json_number(a.gradient_norm);
  j["kink"] = a.kink >= 0 ? ojson(a.kink) : ojson(nullptr);
  const bool kink = a.kink >= 0;
  j["eigenvalues"] = numbers(a.eigen.values);
  j["index"] = kink ? ojson(nullptr) : ojson(a.signature.index);
  j["nullity"] = kink ? ojson(nullptr) : ojson(a.signature.nullity);
  ojson tol;
  tol["eigen_rel"] = json_number(a.signature.rel_tol);
  tol["eigen_abs"] = kink ? ojson(nullptr) : json_number(a.signature.tolerance);
  tol["eigen_scale"] = kink ? ojson(nullptr) : json_number(a.signature.scale);
  j["tolerances"] = tol;
  if (include_hessian) j["hessian"] = kink ? ojson(nullptr) : rows(a.hessian.data(), a.K * a.d, a.K * a.d);
  return j;
}

ojson mc_json(const McCheck& m) {
  ojson j;
  j["passed"] = m.passed;
  j["alpha"] = json_number(m.alpha);
  j["tests"] = ojson::array();
  for (const McTest& t : m.tests) {
    ojson x;
    x["name"] = t.name;
    x["components"] = t.components;
    x["samples"] = t.samples;
    x["max_abs_z"] = json_number(t.max_abs_z);
    x["p_value"] = json_number(t.p_value);
    x["level"] = json_number(t.level);
    x["passed"] = t.passed;
    x["verdict"] = t.inconclusive ? "inconclusive" : t.passed ? "pass" : "reject";
    x["tail_error"] = json_number(t.tail_error);
    if (t.name == "loss") {
      x["mc_estimate"] = json_number(t.estimate);
      x["mc_std_error"] = json_number(t.std_error);
      x["closed_form"] = json_number(t.reference);
    }
    if (t.name == "negative_curvature") {
      x["mc_second_difference"] = json_number(t.estimate);
      x["closed_form_second_difference"] = json_number(t.reference);
      x["mc_std_error"] = json_number(t.std_error);
    }
    j["tests"].push_back(std::move(x));
  }
  return j;
}

namespace {
// The head every landscape JSON document starts with (docs/landscape.md, "Outputs").
ojson document(const char* command) {
  ojson j;
  j["schema_version"] = kSchemaVersion;
  j["relumc_version"] = kVersion;
  j["command"] = command;
  return j;
}
}  // namespace

ojson hessian_json(const LandscapeWeights& w, const PointAnalysis& a, const McCheck* mc) {
  ojson j = document("landscape hessian");
  j.update(point_json(w.student.data(), w, a, true));
  if (mc) j["mc_check"] = mc_json(*mc);
  return j;
}

ojson critical_json(const LandscapeWeights& w, const CriticalResult& r, const McCheck* mc) {
  ojson j = document("landscape critical");
  j["start"] = rows(w.student.data(), w.K, w.d);
  j.update(point_json(r.student.data(), w, r.analysis, false));
  j["kind"] = std::string(to_string(r.kind));
  j["k1"] = r.k1;
  j["iterations"] = r.iterations;
  j["gradient_norms"] = numbers(r.gradient_norms);
  j["tolerances"]["gradient_abs"] = json_number(r.gradient_tol);
  j["tolerances"]["kink_abs"] = json_number(r.kink_tol);
  if (mc) j["mc_check"] = mc_json(*mc);
  return j;
}

void write_landscape_files(const std::string& dir, const std::string& stem, const ojson& j,
                           const std::vector<double>& eigenvalues) {
  std::string csv = "i,eigenvalue\n";
  for (size_t i = 0; i < eigenvalues.size(); ++i) csv += fmt::format("{},{}\n", i, csv_number(eigenvalues[i], CsvDigits::Seventeen));
  write_file_atomically(dir + "/" + stem + ".json", j.dump(2) + "\n");
  write_file_atomically(dir + "/eigenvalues.csv", csv);
}

ojson census_json(const Census& c, const std::vector<McCheck>* checks) {
  const CensusSpec& s = c.spec;
  ojson j = document("landscape census");
  ojson spec;
  spec["k"] = s.k;
  spec["K"] = s.K;
  spec["d"] = s.d;
  spec["runs"] = s.runs;
  spec["seed"] = s.seed;
  spec["lr"] = json_number(s.lr);
  spec["init"] = s.init == CensusInit::Xavier ? "xavier, U(-a, a) with a = sqrt(6/(d + K))" : "gaussian, std 1/sqrt(d)";
  spec["teacher"] = "identity rows";
  spec["max_steps"] = s.max_steps;
  spec["switch_tol"] = json_number(s.switch_tol);
  spec["spurious_loss"] = json_number(s.spurious_loss);
  spec["escape_saddles"] = s.escape_saddles;
  spec["max_escapes"] = s.max_escapes;
  spec["escape_step"] = json_number(s.escape_step);
  spec["gradient_tol"] = json_number(s.newton.gradient_tol);
  spec["eigen_tol"] = json_number(s.newton.eigen_tol);
  spec["kink_tol"] = json_number(s.newton.kink_tol);
  spec["max_iterations"] = s.newton.max_iterations;
  j["spec"] = spec;
  j["runs"] = s.runs;
  j["global"] = c.global;
  j["spurious"] = c.spurious;
  j["saddles"] = c.saddles;
  j["kinks"] = c.kinks;
  j["global_kinks"] = c.global_kinks;
  j["not_critical"] = c.not_critical;
  j["share_global"] = json_number(c.share_global);
  j["share_global_ci95_wilson"] = {json_number(c.global_ci[0]), json_number(c.global_ci[1])};
  j["share_spurious"] = json_number(c.share_spurious);
  j["share_spurious_ci95_wilson"] = {json_number(c.spurious_ci[0]), json_number(c.spurious_ci[1])};
  j["families"] = ojson::array();
  for (size_t i = 0; i < c.families.size(); ++i) {
    const CensusFamily& f = c.families[i];
    ojson x;
    x["k1"] = f.k1;
    x["runs"] = f.runs;
    x["loss"] = json_number(f.loss);
    x["lambda_min"] = json_number(f.lambda_min);
    x["kind"] = std::string(to_string(f.kind));
    x["index"] = f.index;
    x["nullity"] = f.nullity;
    x["first_run"] = f.first_run;
    if (checks && i < checks->size()) x["mc_check"] = mc_json((*checks)[i]);
    j["families"].push_back(std::move(x));
  }
  // The only part that varies: wall time, threads, and the time of the runs run now split into gradient descent
  // and the Newton polish + classification (summed over threads).
  j["run"] = {{"seconds", json_number(c.seconds)},
              {"threads", c.threads},
              {"descent_seconds", json_number(c.descent_seconds)},
              {"newton_seconds", json_number(c.newton_seconds)}};
  return j;
}

void write_census_files(const std::string& dir, const Census& c, const std::vector<McCheck>* checks) {
  std::string csv = "run,kind,k1,loss,lambda_min,index,nullity,gradient_norm,steps,newton_iterations,escapes,family\n";
  for (const CensusRun& r : c.runs) {
    const bool spectrum = !r.eigenvalues.empty();
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", r.run, to_string(r.kind), r.k1,
                       csv_number(r.loss, CsvDigits::Seventeen), csv_number(r.lambda_min, CsvDigits::Seventeen),
                       spectrum ? fmt::format("{}", r.index) : "", spectrum ? fmt::format("{}", r.nullity) : "",
                       csv_number(r.gradient_norm, CsvDigits::Seventeen), r.steps, r.newton_iterations, r.escapes,
                       r.family >= 0 ? fmt::format("{}", r.family) : "");
  }
  write_file_atomically(dir + "/census.json", census_json(c, checks).dump(2) + "\n");
  write_file_atomically(dir + "/census_runs.csv", csv);
}

ojson tian_l_json(const TianL& t) {
  ojson j = document("landscape tian-l");
  j["mode"] = "point";
  j["theta"] = json_number(t.theta);
  j["phi"] = json_number(t.phi);
  const double e[4] = {1, 0, std::cos(t.theta), std::sin(t.theta)};
  const double es[2] = {std::cos(t.phi), std::sin(t.phi)};
  j["students"] = rows(e, 2, 2);
  j["teacher"] = rows(es, 1, 2)[0];
  j["M_r"] = rows(&t.M_r[0][0], 2, 2);
  j["M_off"] = rows(&t.M_off[0][0], 2, 2);
  j["M_star_r"] = rows(t.M_star_r, 1, 2)[0];
  j["M_star_off"] = rows(t.M_star_off, 1, 2)[0];
  j["norms"] = rows(t.norms, 1, 2)[0];
  j["L_12"] = json_number(t.L[0]);
  j["L_21"] = json_number(t.L[1]);
  return j;
}

void write_tian_l_file(const std::string& dir, const TianL& t) {
  write_file_atomically(dir + "/tian_l.json", tian_l_json(t).dump(2) + "\n");
}

namespace {

// Cells (theta_k, phi_i .. phi_{i+1}) where v changes strict sign or touches 0, as [theta, phi_i, phi_{i+1}].
ojson sign_changes(const TianLMap& m, const std::vector<double>& v) {
  ojson out = ojson::array();
  for (int64_t k = 0; k < m.theta_steps; ++k)
    for (int64_t i = 0; i + 1 < m.phi_steps; ++i) {
      const double a = v[static_cast<size_t>(k * m.phi_steps + i)], b = v[static_cast<size_t>(k * m.phi_steps + i + 1)];
      if (std::isfinite(a) && std::isfinite(b) && ((a <= 0 && b >= 0) || (a >= 0 && b <= 0)))
        out.push_back(ojson::array({json_number(m.theta[static_cast<size_t>(k)]), json_number(m.phi[static_cast<size_t>(i)]),
                                    json_number(m.phi[static_cast<size_t>(i + 1)])}));
    }
  return out;
}

}  // namespace

ojson tian_l_map_json(const TianLMap& m) {
  ojson j = document("landscape tian-l");
  j["mode"] = "map";
  j["phi_steps"] = m.phi_steps;
  j["theta_steps"] = m.theta_steps;
  j["phi"] = numbers(m.phi);
  j["theta"] = numbers(m.theta);
  j["L_12"] = rows(m.L12.data(), m.theta_steps, m.phi_steps);
  j["L_21"] = rows(m.L21.data(), m.theta_steps, m.phi_steps);
  j["zero_crossings"] = {{"L_12", sign_changes(m, m.L12).size()}, {"L_21", sign_changes(m, m.L21).size()}};
  return j;
}

void write_tian_l_map_files(const std::string& dir, const TianLMap& m) {
  std::string csv = "theta,phi,L_12,L_21\n";
  for (int64_t k = 0; k < m.theta_steps; ++k)
    for (int64_t i = 0; i < m.phi_steps; ++i) {
      const size_t n = static_cast<size_t>(k * m.phi_steps + i);
      csv += fmt::format("{},{},{},{}\n", csv_number(m.theta[static_cast<size_t>(k)], CsvDigits::Seventeen),
                         csv_number(m.phi[static_cast<size_t>(i)], CsvDigits::Seventeen), csv_number(m.L12[n], CsvDigits::Seventeen),
                         csv_number(m.L21[n], CsvDigits::Seventeen));
    }
  write_file_atomically(dir + "/tian_l_map.json", tian_l_map_json(m).dump(2) + "\n");
  write_file_atomically(dir + "/tian_l_map.csv", csv);
}

namespace {

ojson matrix_of(const std::vector<double>& x, int64_t K, int64_t Kstar, bool q) {
  std::vector<double> Q, M;
  unpack_summary_state(x, K, Kstar, Q, M);
  return q ? rows(Q.data(), K, K) : rows(M.data(), K, Kstar);
}

}  // namespace

ojson ode_json(const LandscapeWeights& w, const OdeReport& r, const FixedPointOptions& fo) {
  const OdeRun& run = r.run;
  const FixedPoint& fp = r.fixed_point;
  ojson j = document("landscape ode");
  j["K"] = w.K;
  j["Kstar"] = w.Kstar;
  j["d"] = w.d;
  j["start"] = rows(w.student.data(), w.K, w.d);
  j["teacher"] = rows(w.teacher.data(), w.Kstar, w.d);
  ojson spec;
  spec["t_end"] = json_number(r.options.t_end);
  spec["dt"] = json_number(r.options.dt);
  spec["dt_used"] = json_number(run.dt);
  spec["steps"] = run.steps;
  spec["samples"] = static_cast<int64_t>(run.t.size());
  spec["integrator"] = "rk4";
  spec["max_iterations"] = fo.max_iterations;
  spec["field_tol"] = json_number(fo.field_tol);
  spec["eigen_tol"] = json_number(fo.eigen_tol);
  j["spec"] = spec;
  ojson end;
  end["t"] = json_number(run.t.back());
  end["student"] = rows(run.W_end.data(), w.K, w.d);
  end["Q"] = matrix_of(run.x.back(), w.K, w.Kstar, true);
  end["M"] = matrix_of(run.x.back(), w.K, w.Kstar, false);
  end["P"] = rows(run.P.data(), w.Kstar, w.Kstar);
  end["loss"] = json_number(run.loss.back());
  end["loss_w"] = json_number(run.loss_w.back());
  j["end"] = end;
  j["max_deviation"] = json_number(run.max_deviation);
  j["max_deviation_rel"] = json_number(run.max_deviation_rel);
  j["error_estimate"] = json_number(run.max_error_estimate);
  j["flows_agree"] = run.flows_agree;
  j["first_disagreement_t"] = run.flows_agree ? ojson(nullptr) : json_number(run.first_disagreement_t);
  j["min_gram_eigenvalue"] = json_number(run.min_gram_eigenvalue);
  ojson f;
  f["Q"] = matrix_of(fp.x, w.K, w.Kstar, true);
  f["M"] = matrix_of(fp.x, w.K, w.Kstar, false);
  f["loss"] = json_number(fp.loss);
  f["field_norm"] = json_number(fp.field_norm);
  f["field_tol"] = json_number(fp.field_tol);
  f["converged"] = fp.converged;
  f["iterations"] = fp.iterations;
  f["eigenvalues"] = ojson::array();
  for (const ComplexEigenvalue& e : fp.eigenvalues) f["eigenvalues"].push_back({{"re", json_number(e.re)}, {"im", json_number(e.im)}});
  f["eigen_tol"] = json_number(fp.eigen_tol);
  f["stability"] = std::string(to_string(fp.stability));
  j["fixed_point"] = f;
  j["k1"] = r.k1;
  ojson c;
  c["kind"] = std::string(to_string(r.critical.kind));
  c["loss"] = json_number(r.critical.analysis.loss);
  c["gradient_norm"] = json_number(r.critical.analysis.gradient_norm);
  c["distance_to_fixed_point"] = json_number(r.critical_distance);
  j["critical"] = c;
  j["run"] = {{"seconds", json_number(r.seconds)}};
  return j;
}

void write_ode_files(const std::string& dir, const LandscapeWeights& w, const OdeReport& r, const FixedPointOptions& fo) {
  const OdeRun& run = r.run;
  std::string csv = "t,loss";
  for (int64_t a = 0; a < w.K; ++a)
    for (int64_t b = a; b < w.K; ++b) csv += fmt::format(",Q_{}_{}", a, b);
  for (int64_t a = 0; a < w.K; ++a)
    for (int64_t m = 0; m < w.Kstar; ++m) csv += fmt::format(",M_{}_{}", a, m);
  csv += ",loss_w,deviation,gram_min_eigenvalue\n";
  for (size_t i = 0; i < run.t.size(); ++i) {
    csv += csv_number(run.t[i], CsvDigits::Seventeen) + "," + csv_number(run.loss[i], CsvDigits::Seventeen);
    double dev = 0;
    for (size_t k = 0; k < run.x[i].size(); ++k) {
      csv += "," + csv_number(run.x[i][k], CsvDigits::Seventeen);
      dev = std::max(dev, std::fabs(run.x[i][k] - run.x_of_w[i][k]));
    }
    csv += "," + csv_number(run.loss_w[i], CsvDigits::Seventeen) + "," + csv_number(dev, CsvDigits::Seventeen) + "," +
           csv_number(run.gram_min[i], CsvDigits::Seventeen) + "\n";
  }
  write_file_atomically(dir + "/ode.json", ode_json(w, r, fo).dump(2) + "\n");
  write_file_atomically(dir + "/ode_trajectory.csv", csv);
}

}  // namespace relumc
