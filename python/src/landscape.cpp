// SPDX-License-Identifier: MIT
// The landscape (include/relumc/landscape) bound for relumc._core: a point's analysis (relumc::analyze_point,
// classify, count_k1), the Newton search (relumc::find_critical_point), the census (relumc::run_census) and the
// Monte Carlo check (relumc::mc_check, check_families), each returned as a dict of NumPy arrays and numbers that
// python/relumc/landscape.py wraps. Undefined numbers (at a kink: gradient norm, spectrum) are None, never NaN.
#include "common.hpp"

#include <cmath>
#include <limits>

namespace relumc_py {

using namespace nb::literals;

namespace {

struct Teacher {
  const double* W;
  int64_t K, d;
};

// W (K, d) against W* (K*, d): same d, within the landscape's size limit, teacher rows nonzero.
Teacher check_point(const CArray<2>& W, const CArray<2>& Ws, const char* w_name) {
  const int64_t K = static_cast<int64_t>(W.shape(0)), d = static_cast<int64_t>(W.shape(1));
  const int64_t Ks = static_cast<int64_t>(Ws.shape(0));
  if (K < 1 || d < 1) throw InputError(w_name, "has no rows or d = 0");
  if (Ks < 1 || static_cast<int64_t>(Ws.shape(1)) != d)
    throw InputError("W_star", "rows have d = " + std::to_string(Ws.shape(1)) + " but `" + w_name + "`'s have d = " +
                                   std::to_string(d));
  if (K * d > relumc::kMaxLandscapeParameters)
    throw InputError(w_name, "has K d = " + std::to_string(K * d) + " numbers, more than the " +
                                 std::to_string(relumc::kMaxLandscapeParameters) + " a landscape Hessian may have");
  if (const int64_t m = relumc::kink_row(Ws.data(), Ks, d); m >= 0)
    throw InputError("W_star", "row " + std::to_string(m) + " is the zero vector");
  return {Ws.data(), Ks, d};
}

nb::object number_or_none(double v) { return std::isfinite(v) ? nb::object(nb::float_(v)) : nb::none(); }

size_t sz(int64_t v) { return static_cast<size_t>(v); }

std::vector<double> most_negative_direction(const relumc::PointAnalysis& a) {
  const int64_t n = a.K * a.d;
  std::vector<double> v(sz(n));
  for (int64_t i = 0; i < n; ++i) v[sz(i)] = a.eigen.vectors[sz(i * n)];
  return v;
}

nb::dict mc_dict(const relumc::McCheck& m) {
  nb::list tests;
  for (const relumc::McTest& t : m.tests) {
    nb::dict x;
    x["name"] = t.name;
    x["components"] = t.components;
    x["samples"] = t.samples;
    x["max_abs_z"] = t.max_abs_z;
    x["p_value"] = t.p_value;
    x["level"] = t.level;
    x["passed"] = t.passed;
    x["inconclusive"] = t.inconclusive;
    x["verdict"] = t.inconclusive ? "inconclusive" : t.passed ? "pass" : "reject";
    x["tail_error"] = number_or_none(t.tail_error);
    x["mc_std_error"] = number_or_none(t.std_error);
    x["mc_second_difference"] = number_or_none(t.estimate);
    x["closed_form_second_difference"] = number_or_none(t.reference);
    tests.append(x);
  }
  nb::dict out;
  out["passed"] = m.passed;
  out["alpha"] = m.alpha;
  out["tests"] = tests;
  return out;
}

relumc::McCheckOptions mc_options(uint64_t samples, uint64_t seed, double alpha, int threads) {
  if (!(alpha > 0 && alpha < 1)) throw InputError("alpha", std::to_string(alpha) + " must be in (0, 1)");
  if (threads < 0) throw InputError("threads", std::to_string(threads) + " (must be >= 0; 0: all cores)");
  relumc::McCheckOptions o;
  o.samples = samples, o.seed = seed, o.alpha = alpha, o.threads = threads;
  if (samples > 0) relumc::check_mc_options(o);
  return o;
}

// The analysis of the point W as a dict (what relumc.analyze and relumc.critical_point share).
nb::dict point_dict(const std::vector<double>& W, const relumc::PointAnalysis& a, relumc::PointKind kind, int64_t k1) {
  const size_t K = sz(a.K), d = sz(a.d), n = K * d;
  const bool kink = a.kink >= 0;
  nb::dict out;
  out["student"] = to_numpy(W, {K, d});
  out["loss"] = a.loss;
  out["gradient"] = to_numpy(a.gradient, {K, d});
  out["gradient_norm"] = kink ? nb::none() : nb::object(nb::float_(a.gradient_norm));
  out["kink"] = kink ? nb::object(nb::int_(a.kink)) : nb::none();
  out["eigenvalues"] = to_numpy(a.eigen.values, {a.eigen.values.size()});
  out["eigenvectors"] = kink ? nb::none() : to_numpy(a.eigen.vectors, {n, n});
  out["hessian"] = kink ? nb::none() : to_numpy(a.hessian, {n, n});
  out["index"] = kink ? nb::none() : nb::object(nb::int_(a.signature.index));
  out["nullity"] = kink ? nb::none() : nb::object(nb::int_(a.signature.nullity));
  out["eigen_tol_abs"] = kink ? nb::none() : nb::object(nb::float_(a.signature.tolerance));
  out["kind"] = std::string(relumc::to_string(kind));
  out["k1"] = k1;
  out["mc_check"] = nb::none();
  return out;
}

nb::dict analyze(CArray<2> W, CArray<2> Ws, double eigen_tol, double gradient_tol, uint64_t mc_samples,
                 uint64_t seed, double alpha, int threads) {
  const Teacher t = check_point(W, Ws, "W");
  const int64_t K = static_cast<int64_t>(W.shape(0)), d = t.d;
  if (!(eigen_tol > 0 && eigen_tol < 1)) throw InputError("eigen_tol", std::to_string(eigen_tol) + " must be in (0, 1)");
  if (!(gradient_tol > 0 && gradient_tol < 1))
    throw InputError("gradient_tol", std::to_string(gradient_tol) + " must be in (0, 1)");
  relumc::McCheckOptions o = mc_options(mc_samples, seed, alpha, threads);
  const std::vector<double> w(W.data(), W.data() + K * d);
  relumc::PointAnalysis a;
  std::optional<relumc::McCheck> mc;
  {
    nb::gil_scoped_release release;
    a = relumc::analyze_point(w.data(), K, t.W, t.K, d, eigen_tol);
    if (mc_samples > 0 && a.kink < 0) {
      o.gradient_is_zero = false;  // any point: the MC gradient against the closed form (as `landscape hessian`)
      if (a.signature.index > 0) o.curvature_direction = most_negative_direction(a);
      mc = relumc::mc_check(w.data(), K, t.W, t.K, d, o);
    }
  }
  const double scale = relumc::norm(t.W, t.K * d);
  const relumc::PointKind kind = relumc::classify(a, gradient_tol * scale);
  nb::dict out = point_dict(w, a, kind, relumc::count_k1(w.data(), K, t.W, t.K, d));
  if (mc) out["mc_check"] = mc_dict(*mc);
  return out;
}

nb::dict critical(CArray<2> W0, CArray<2> Ws, int max_iterations, double gradient_tol, double eigen_tol,
                  double kink_tol, uint64_t mc_samples, uint64_t seed, double alpha, int threads) {
  const Teacher t = check_point(W0, Ws, "W0");
  const int64_t K = static_cast<int64_t>(W0.shape(0)), d = t.d;
  relumc::CriticalOptions co;
  co.max_iterations = max_iterations, co.gradient_tol = gradient_tol, co.eigen_tol = eigen_tol, co.kink_tol = kink_tol;
  relumc::check_critical_options(co);
  relumc::McCheckOptions o = mc_options(mc_samples, seed, alpha, threads);
  relumc::CriticalResult r;
  std::optional<relumc::McCheck> mc;
  {
    nb::gil_scoped_release release;
    r = relumc::find_critical_point(W0.data(), K, t.W, t.K, d, co);
    if (mc_samples > 0 && r.kind != relumc::PointKind::NotCritical && r.kind != relumc::PointKind::Kink) {
      o.gradient_is_zero = true;  // as `landscape critical`
      if (r.kind == relumc::PointKind::Saddle) o.curvature_direction = most_negative_direction(r.analysis);
      mc = relumc::mc_check(r.student.data(), K, t.W, t.K, d, o);
    }
  }
  nb::dict out = point_dict(r.student, r.analysis, r.kind, r.k1);
  out["start"] = to_numpy(std::vector<double>(W0.data(), W0.data() + K * d), {sz(K), sz(d)});
  out["iterations"] = r.iterations;
  out["gradient_norms"] = to_numpy(r.gradient_norms, {r.gradient_norms.size()});
  out["gradient_tol_abs"] = r.gradient_tol;
  out["kink_tol_abs"] = r.kink_tol;
  if (mc) out["mc_check"] = mc_dict(*mc);
  return out;
}

nb::dict census(int64_t k, int64_t K, int64_t d, int64_t runs, uint64_t seed, const std::string& init, double lr,
                int64_t max_steps, double switch_tol, double spurious_loss, bool escape_saddles, int max_escapes,
                double escape_step, int max_iterations, double gradient_tol, double eigen_tol, double kink_tol,
                uint64_t mc_samples, double alpha, int threads, const nb::object& progress) {
  relumc::CensusSpec s;
  s.k = k, s.K = K, s.d = d, s.runs = runs, s.seed = seed, s.lr = lr, s.max_steps = max_steps;
  s.init = relumc::parse_census_init(init);
  s.switch_tol = switch_tol, s.spurious_loss = spurious_loss, s.escape_saddles = escape_saddles;
  s.max_escapes = max_escapes, s.escape_step = escape_step;
  s.newton.max_iterations = max_iterations, s.newton.gradient_tol = gradient_tol;
  s.newton.eigen_tol = eigen_tol, s.newton.kink_tol = kink_tol;
  s.threads = threads;
  relumc::check_census_spec(s);
  const relumc::McCheckOptions o = mc_options(mc_samples, seed, alpha, threads);  // as `landscape census`
  struct Out {
    relumc::Census c;
    std::vector<relumc::McCheck> checks;
  };
  Out res = run_watched<Out>([&](Watch& w) {
    relumc::CensusSpec ws = s;
    ws.stop = &w.stop;
    ws.done = &w.done;
    Out r{relumc::run_census(ws), {}};
    r.c.spec.stop = nullptr, r.c.spec.done = nullptr;  // the watch ends with this call
    if (mc_samples > 0) r.checks = relumc::check_families(r.c, o);
    return r;
  }, static_cast<uint64_t>(runs), progress);
  const relumc::Census& c = res.c;

  const size_t R = c.runs.size(), Ku = sz(K), du = sz(c.spec.d);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> student(R * Ku * du), loss(R), lambda_min(R, nan), grad(R, nan);
  std::vector<int64_t> k1(R), index(R, -1), nullity(R, -1), steps(R), newton(R), escapes(R), family(R);
  std::vector<uint8_t> global(R), spurious(R);
  nb::list kind;
  for (size_t r = 0; r < R; ++r) {
    const relumc::CensusRun& x = c.runs[r];
    std::copy(x.student.begin(), x.student.end(), student.begin() + r * Ku * du);
    const bool spectrum = !x.eigenvalues.empty();
    loss[r] = x.loss;
    if (spectrum) lambda_min[r] = x.lambda_min, index[r] = x.index, nullity[r] = x.nullity;
    if (x.kind != relumc::PointKind::Kink) grad[r] = x.gradient_norm;
    k1[r] = x.k1, steps[r] = x.steps, newton[r] = x.newton_iterations, escapes[r] = x.escapes, family[r] = x.family;
    global[r] = x.global, spurious[r] = x.spurious;
    kind.append(std::string(relumc::to_string(x.kind)));
  }
  nb::list families;
  for (size_t i = 0; i < c.families.size(); ++i) {
    const relumc::CensusFamily& f = c.families[i];
    nb::dict x;
    x["kind"] = std::string(relumc::to_string(f.kind));
    x["k1"] = f.k1;
    x["runs"] = f.runs;
    x["loss"] = f.loss;
    x["lambda_min"] = f.lambda_min;
    x["index"] = f.index;
    x["nullity"] = f.nullity;
    x["first_run"] = f.first_run;
    x["mc_check"] = i < res.checks.size() ? nb::object(mc_dict(res.checks[i])) : nb::none();
    families.append(x);
  }
  nb::dict out;
  out["k"] = c.spec.k, out["K"] = c.spec.K, out["d"] = c.spec.d, out["runs"] = c.spec.runs, out["seed"] = c.spec.seed;
  out["global"] = c.global, out["spurious"] = c.spurious, out["saddles"] = c.saddles, out["kinks"] = c.kinks;
  out["not_critical"] = c.not_critical, out["global_kinks"] = c.global_kinks;
  out["share_global"] = c.share_global;
  out["share_global_ci"] = nb::make_tuple(c.global_ci[0], c.global_ci[1]);
  out["share_spurious"] = c.share_spurious;
  out["share_spurious_ci"] = nb::make_tuple(c.spurious_ci[0], c.spurious_ci[1]);
  out["families"] = families;
  out["seconds"] = c.seconds;
  out["threads"] = c.threads;
  out["run_kind"] = kind;
  out["run_student"] = to_numpy(std::move(student), {R, Ku, du});
  out["run_loss"] = to_numpy(std::move(loss), {R});
  out["run_lambda_min"] = to_numpy(std::move(lambda_min), {R});
  out["run_gradient_norm"] = to_numpy(std::move(grad), {R});
  out["run_k1"] = to_numpy(std::move(k1), {R});
  out["run_index"] = to_numpy(std::move(index), {R});
  out["run_nullity"] = to_numpy(std::move(nullity), {R});
  out["run_steps"] = to_numpy(std::move(steps), {R});
  out["run_newton_iterations"] = to_numpy(std::move(newton), {R});
  out["run_escapes"] = to_numpy(std::move(escapes), {R});
  out["run_family"] = to_numpy(std::move(family), {R});
  out["run_global"] = to_numpy(std::move(global), {R});
  out["run_spurious"] = to_numpy(std::move(spurious), {R});
  return out;
}

}  // namespace

void bind_landscape(nb::module_& m) {
  m.def("analyze", &analyze, "W"_a, "W_star"_a, "eigen_tol"_a, "gradient_tol"_a, "mc_samples"_a, "seed"_a, "alpha"_a,
        "threads"_a, "relumc::analyze_point, classify and count_k1 at W (K, d) against W_star (K*, d), as a dict.");
  m.def("critical_point", &critical, "W0"_a, "W_star"_a, "max_iterations"_a, "gradient_tol"_a, "eigen_tol"_a,
        "kink_tol"_a, "mc_samples"_a, "seed"_a, "alpha"_a, "threads"_a,
        "relumc::find_critical_point from W0 (K, d) against W_star (K*, d), as a dict.");
  m.def("census", &census, "k"_a, "K"_a, "d"_a, "runs"_a, "seed"_a, "init"_a, "lr"_a, "max_steps"_a, "switch_tol"_a,
        "spurious_loss"_a, "escape_saddles"_a, "max_escapes"_a, "escape_step"_a, "max_iterations"_a, "gradient_tol"_a,
        "eigen_tol"_a, "kink_tol"_a, "mc_samples"_a, "alpha"_a, "threads"_a, "progress"_a.none(),
        "relumc::run_census (and check_families when mc_samples > 0), as a dict; the GIL released, Ctrl-C stops it.");
}

}  // namespace relumc_py
