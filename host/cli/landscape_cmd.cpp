// SPDX-License-Identifier: MIT
// relumc landscape: the loss landscape in closed form (docs/landscape.md). `hessian` analyses one point of a
// weights file (loss, gradient, Hessian, spectrum); `critical` runs the Newton / Levenberg-Marquardt search
// from it and classifies the point it reaches (--mc-samples N confirms either by Monte Carlo); `census`
// counts where gradient descent ends from many random starts; `ode` integrates the (Q, M) summary-statistics flow
// beside the W flow and analyses the fixed point it approaches.
#include "host/cli/common.hpp"

#include "relumc/landscape/census.hpp"
#include "relumc/landscape/census_journal.hpp"
#include "relumc/landscape/critical.hpp"
#include "relumc/landscape/hessian.hpp"
#include "relumc/landscape/mc_check.hpp"
#include "relumc/landscape/ode.hpp"
#include "relumc/landscape/report.hpp"
#include "relumc/landscape/tian_l.hpp"
#include "relumc/landscape/weights.hpp"
#include "relumc/run/interrupt.hpp"
#include "relumc/run/progress.hpp"

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

namespace relumc::cli {
namespace {

struct LandscapeFlags {
  std::string weights, out = "landscape-out";
  double eigen_tol = 1e-8, gradient_tol = 1e-12, kink_tol = 1e-8, alpha = 0.01;
  int64_t max_iterations = 200;
  uint64_t mc_samples = 0, seed = 1;
  int threads = 0;
  bool quiet = false;
};

void add_point_flags(CLI::App& cmd, LandscapeFlags& f) {
  cmd.add_option("--weights", f.weights,
                 "JSON {\"student\": [[..]], \"teacher\": [[..]]}; teacher optional (default: identity rows)")
      ->check(kPath)->type_name("FILE")->required();
  cmd.add_option("--eigen-tol", f.eigen_tol, "index and nullity: |lambda| <= this times max |lambda| is zero")
      ->check(kFinite)->capture_default_str();
  cmd.add_option("--mc-samples", f.mc_samples, "confirm by Monte Carlo with N samples per test (0: no check)")
      ->check(integer_in(0, 1e12))->capture_default_str();
  cmd.add_option("--seed", f.seed, "seed of the Monte Carlo check")->check(kSeed)->capture_default_str();
  cmd.add_option("--alpha", f.alpha, "level of the Monte Carlo check (split over its tests)")->check(kFinite)->capture_default_str();
  cmd.add_option("--threads", f.threads, "CPU threads of the Monte Carlo check (0: all)")->check(kThreads)->capture_default_str();
  cmd.add_option("--out,-o", f.out, "output directory")->check(kPath)->type_name("DIR")->capture_default_str();
  cmd.add_flag("--quiet", f.quiet, "no summary on stdout");
}

std::optional<McCheckOptions> mc_options(const LandscapeFlags& f, bool at_critical_point) {
  if (!(f.alpha > 0 && f.alpha < 1)) throw InputError("alpha", fmt::format("{} must be in (0, 1)", f.alpha));
  if (f.mc_samples == 0) return std::nullopt;
  McCheckOptions o;
  o.samples = f.mc_samples;
  o.seed = f.seed;
  o.alpha = f.alpha;
  o.threads = f.threads;
  o.gradient_is_zero = at_critical_point;
  check_mc_options(o);
  return o;
}

void check_eigen_tol(double tol) {
  if (!(tol > 0 && tol < 1)) throw InputError("eigen_tol", fmt::format("{} must be a number in (0, 1)", tol));
}

// The unit eigenvector of the most negative eigenvalue (column 0 of the ascending decomposition).
std::vector<double> most_negative_direction(const PointAnalysis& a) {
  const int64_t n = a.K * a.d;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = a.eigen.vectors[static_cast<size_t>(i * n)];
  return v;
}

void print_mc(const McCheck& m) {
  for (const McTest& t : m.tests)
    fmt::print("  mc {:<20} N {}  max|z| {:.2f}  p {:.3g}  {}\n", t.name, t.samples, t.max_abs_z, t.p_value,
               t.inconclusive ? fmt::format("inconclusive (tail_error {:.2g}: raise --mc-samples)", t.tail_error)
                              : t.passed ? "pass" : "FAIL");
}

// A check in one word: pass, FAIL (some test rejected) or inconclusive (none rejected, some without a verdict).
const char* mc_word(const McCheck& m) {
  if (m.passed) return "  mc pass";
  for (const McTest& t : m.tests)
    if (!t.passed && !t.inconclusive) return "  mc FAIL";
  return "  mc inconclusive (raise --mc-samples)";
}

int run_hessian(const LandscapeFlags& f) {
  require_one_process("landscape hessian");
  check_eigen_tol(f.eigen_tol);
  const LandscapeWeights w = load_landscape_weights(f.weights);
  const std::optional<McCheckOptions> mo = mc_options(f, false);
  ensure_writable_dir(f.out, "out");
  const PointAnalysis a = analyze_point(w.student.data(), w.K, w.teacher.data(), w.Kstar, w.d, f.eigen_tol);
  std::optional<McCheck> mc;
  if (mo && a.kink < 0) {
    McCheckOptions o = *mo;
    if (a.signature.index > 0) o.curvature_direction = most_negative_direction(a);
    mc = mc_check(w.student.data(), w.K, w.teacher.data(), w.Kstar, w.d, o);
  }
  write_landscape_files(f.out, "hessian", hessian_json(w, a, mc ? &*mc : nullptr), a.eigen.values);
  if (!f.quiet) {
    if (a.kink >= 0) {
      fmt::print("student row {} is zero: a kink of J, no Hessian{}\n", a.kink, mo ? " (and no Monte Carlo check)" : "");
    } else {
      fmt::print("loss {:.6g}  |grad| {:.3g}  eigenvalues {:.4g} .. {:.4g}  index {}  nullity {}  (tol {:.2g})\n", a.loss,
                 a.gradient_norm, a.eigen.values.front(), a.eigen.values.back(), a.signature.index, a.signature.nullity,
                 a.signature.tolerance);
    }
    if (mc) print_mc(*mc);
    fmt::print("wrote {0}/hessian.json, {0}/eigenvalues.csv\n", f.out);
  }
  return mc && !mc->passed ? kExitFail : kExitPass;
}

// Runs stage(done, stop) under a progress line over `steps` (its iteration budget; a stage that converges early
// ends the line early) with Ctrl-C as a stop request. false: it was stopped, and that was said (nothing written).
template <class Stage>
bool run_stage(uint64_t steps, bool quiet, Stage stage) {
  try {
    Progress line({1.0}, {std::max<uint64_t>(steps, 1)}, !quiet);
    line.begin_case(0);
    stage(line.counter(), install_stop_handlers());
    line.finish();
    return true;
  } catch (const Interrupted& e) {
    std::fprintf(stderr, "\nrelumc: stopped by signal %d %s (nothing written)\n", stop_signal(), e.what());
    return false;
  }
}

int run_critical(const LandscapeFlags& f) {
  require_one_process("landscape critical");
  CriticalOptions co;
  co.max_iterations = static_cast<int>(f.max_iterations);
  co.gradient_tol = f.gradient_tol;
  co.eigen_tol = f.eigen_tol;
  co.kink_tol = f.kink_tol;
  check_critical_options(co);
  const LandscapeWeights w = load_landscape_weights(f.weights);
  const std::optional<McCheckOptions> mo = mc_options(f, true);
  ensure_writable_dir(f.out, "out");
  CriticalResult r;
  const bool done = run_stage(static_cast<uint64_t>(co.max_iterations), f.quiet, [&](auto* counter, auto* stop) {
    co.done = counter;
    co.stop = stop;
    r = find_critical_point(w.student.data(), w.K, w.teacher.data(), w.Kstar, w.d, co);
  });
  if (!done) return 128 + stop_signal();
  std::optional<McCheck> mc;
  const bool critical = r.kind != PointKind::NotCritical && r.kind != PointKind::Kink;
  if (mo && critical) {
    McCheckOptions o = *mo;
    if (r.kind == PointKind::Saddle) o.curvature_direction = most_negative_direction(r.analysis);
    mc = mc_check(r.student.data(), w.K, w.teacher.data(), w.Kstar, w.d, o);
  }
  write_landscape_files(f.out, "critical", critical_json(w, r, mc ? &*mc : nullptr), r.analysis.eigen.values);
  if (!f.quiet) {
    fmt::print("{} after {} iterations: loss {:.6g}  |grad| {}  k1 {}", to_string(r.kind), r.iterations, r.analysis.loss,
               r.analysis.kink < 0 ? fmt::format("{:.3g}", r.analysis.gradient_norm) : "undefined", r.k1);
    if (r.analysis.kink < 0) fmt::print("  index {}  nullity {}", r.analysis.signature.index, r.analysis.signature.nullity);
    else fmt::print("  (student row {} is zero)", r.analysis.kink);
    fmt::print("\n");
    if (mc) print_mc(*mc);
    else if (mo) fmt::print("  no Monte Carlo check: the search did not end at a critical point where J is smooth\n");
    fmt::print("wrote {0}/critical.json, {0}/eigenvalues.csv\n", f.out);
  }
  if (r.kind == PointKind::NotCritical) return kExitFail;
  return mc && !mc->passed ? kExitFail : kExitPass;
}

struct CensusFlags {
  CensusSpec spec;
  std::string out = "census-out", init = "gaussian";
  uint64_t mc_samples = 0;
  double alpha = 0.01;
  bool quiet = false, resume = false, restart = false;
};

void add_census_flags(CLI::App& cmd, CensusFlags& f) {
  CensusSpec& s = f.spec;
  cmd.add_option("--teacher-rows,-k", s.k, "teacher rows k: the identity rows e_0 .. e_{k-1}")
      ->check(integer_in(1, 256))->capture_default_str();
  cmd.add_option("--units,-K", s.K, "student rows K")->check(integer_in(1, 256))->capture_default_str();
  cmd.add_option("--dim,-d", s.d, "input dimension d >= k (0: d = k)")->check(integer_in(0, 4096))->capture_default_str();
  cmd.add_option("--runs", s.runs, "independent starts (rows i.i.d. N(0, 1/d))")->check(integer_in(1, 1e8))->capture_default_str();
  cmd.add_option("--seed", s.seed, "seed of the starts")->check(kSeed)->capture_default_str();
  cmd.add_option("--init", f.init, "starts: gaussian (rows N(0, I/d)) or xavier (entries U(-a, a), a = sqrt(6/(d + K)))")
      ->capture_default_str();
  cmd.add_option("--lr", s.lr, "gradient-descent step on J")->check(kFinite)->capture_default_str();
  cmd.add_option("--max-steps", s.max_steps, "gradient-descent budget per descent")->check(integer_in(0, 1e12))->capture_default_str();
  cmd.add_option("--switch-tol", s.switch_tol, "Newton takes over at |grad J|_F <= this times |W*|_F")->check(kFinite)->capture_default_str();
  cmd.add_option("--spurious-loss", s.spurious_loss, "a minimum at loss >= this is spurious")->check(kFinite)->capture_default_str();
  cmd.add_flag("--escape-saddles", s.escape_saddles, "continue a run that lands on a saddle along its negative curvature");
  cmd.add_option("--max-escapes", s.max_escapes, "escapes per run")->check(integer_in(0, 1000))->capture_default_str();
  cmd.add_option("--escape-step", s.escape_step, "escape step, times |W*|_F")->check(kFinite)->capture_default_str();
  cmd.add_option("--max-iterations", s.newton.max_iterations, "Newton / Levenberg-Marquardt iterations")
      ->check(integer_in(0, 100000))->capture_default_str();
  cmd.add_option("--gradient-tol", s.newton.gradient_tol, "critical when |grad J|_F <= this times |W*|_F")->check(kFinite)->capture_default_str();
  cmd.add_option("--eigen-tol", s.newton.eigen_tol, "|lambda| <= this times max |lambda| is zero")->check(kFinite)->capture_default_str();
  cmd.add_option("--mc-samples", f.mc_samples, "confirm each family's point by Monte Carlo, N samples per test (0: no)")
      ->check(integer_in(0, 1e12))->capture_default_str();
  cmd.add_option("--alpha", f.alpha, "level of the Monte Carlo checks (split over families and tests)")
      ->check(kFinite)->capture_default_str();
  cmd.add_option("--threads", s.threads, "CPU threads (0: all)")->check(kThreads)->capture_default_str();
  cmd.add_option("--out,-o", f.out, "output directory")->check(kPath)->type_name("DIR")->capture_default_str();
  CLI::Option* resume = cmd.add_flag("--resume", f.resume,
      "continue the unfinished census whose journal is in --out (same flags), skipping its finished runs");
  cmd.add_flag("--restart", f.restart, "discard an unfinished census's journal in --out and start anew")->excludes(resume);
  cmd.add_flag("--quiet", f.quiet, "no summary on stdout, no progress on stderr");
}

int run_census_cmd(const CensusFlags& f) {
  require_one_process("landscape census");
  CensusSpec spec = f.spec;
  spec.init = parse_census_init(f.init);
  check_census_spec(spec);
  McCheckOptions mo;
  mo.samples = f.mc_samples;
  mo.seed = spec.seed;
  mo.alpha = f.alpha;
  mo.threads = spec.threads;
  if (!(f.alpha > 0 && f.alpha < 1)) throw InputError("alpha", fmt::format("{} must be in (0, 1)", f.alpha));
  if (f.mc_samples > 0) check_mc_options(mo);
  spec.stop = install_stop_handlers();
  CensusOutput out;
  try {
    out = census_to_directory(spec, f.out, f.resume, f.restart, !f.quiet, f.mc_samples > 0 ? &mo : nullptr);
  } catch (const Interrupted& e) {
    std::fprintf(stderr, "\nrelumc: stopped by signal %d %s\n", stop_signal(),
                 render_flags(std::string(e.what()) + "; the finished runs are journalled: `resume` continues").c_str());
    return 128 + stop_signal();
  }
  const Census& c = out.census;
  const std::vector<McCheck>& checks = out.checks;
  bool mc_passed = true;
  for (const McCheck& m : checks) mc_passed = mc_passed && m.passed;
  if (!f.quiet) {
    fmt::print("k = {}, K = {}, d = {}: {} runs in {:.2f} s ({} threads)\n", c.spec.k, c.spec.K, c.spec.d, c.spec.runs,
               c.seconds, c.threads);
    fmt::print("  global   {:>6}  share {:.4f}  95% Wilson [{:.4f}, {:.4f}]{}\n", c.global, c.share_global, c.global_ci[0],
               c.global_ci[1], c.global_kinks > 0 ? fmt::format("  ({} with a student at zero)", c.global_kinks) : "");
    fmt::print("  spurious {:>6}  share {:.4f}  95% Wilson [{:.4f}, {:.4f}]\n", c.spurious, c.share_spurious,
               c.spurious_ci[0], c.spurious_ci[1]);
    fmt::print("  saddles {}  kinks {}  not critical {}\n", c.saddles, c.kinks, c.not_critical);
    for (size_t i = 0; i < c.families.size(); ++i) {
      const CensusFamily& fam = c.families[i];
      fmt::print("  family {:<10} k1 {:<3} runs {:<6} loss {:.6g}  lambda_min {:.4g}{}\n", to_string(fam.kind), fam.k1,
                 fam.runs, fam.loss, fam.lambda_min,
                 i < checks.size() ? mc_word(checks[i]) : "");
    }
    fmt::print("wrote {0}/census.json, {0}/census_runs.csv, {0}/journal.jsonl\n", f.out);
  }
  return mc_passed ? kExitPass : kExitFail;
}

struct TianLFlags {
  std::optional<double> theta, phi;
  bool map = false, quiet = false, no_plot = false;
  int64_t phi_steps = 401, theta_steps = 201;
  std::string out = "tian-l-out";
};

void add_tian_l_flags(CLI::App& cmd, TianLFlags& f) {
  cmd.add_option("--theta", f.theta, "angle between the two students, in (0, pi] (student 1 at angle 0)")
      ->check(kFinite);
  cmd.add_option("--phi", f.phi, "the teacher's angle, in [0, 2 pi]")->check(kFinite);
  cmd.add_flag("--map", f.map, "L_12 and L_21 over (phi, theta) in [0, 2 pi] x [0, pi] (CSV, JSON and a PNG)");
  cmd.add_option("--phi-steps", f.phi_steps, "map: grid points in phi, both ends included")->capture_default_str();
  cmd.add_option("--theta-steps", f.theta_steps, "map: grid points in theta, both ends included")->capture_default_str();
  cmd.add_flag("--no-plot", f.no_plot, "map: no PNG");
  cmd.add_option("--out,-o", f.out, "output directory")->check(kPath)->type_name("DIR")->capture_default_str();
  cmd.add_flag("--quiet", f.quiet, "no summary on stdout");
}

int run_tian_l(const TianLFlags& f) {
  require_one_process("landscape tian-l");
  if (f.map) {
    if (f.theta) throw InputError("theta", "is a single point's: give --theta and --phi, or --map");
    if (f.phi) throw InputError("phi", "is a single point's: give --theta and --phi, or --map");
    const TianLMap m = tian_l_map(f.phi_steps, f.theta_steps);  // checks the steps before anything is written
    ensure_writable_dir(f.out, "out");
    write_tian_l_map_files(f.out, m);
    if (!f.quiet) fmt::print("wrote {0}/tian_l_map.json, {0}/tian_l_map.csv ({1} x {2} grid)\n", f.out, m.theta_steps, m.phi_steps);
    if (!f.no_plot) run_plot_script("plots/plot_tian_l.py", f.out, f.quiet);  // a failed plot is only a warning
    return kExitPass;
  }
  if (!f.theta) throw InputError("theta", "is required (or --map)");
  if (!f.phi) throw InputError("phi", "is required (or --map)");
  const TianL t = tian_l(*f.theta, *f.phi);
  ensure_writable_dir(f.out, "out");
  write_tian_l_file(f.out, t);
  if (!f.quiet) {
    fmt::print("theta {:.6g}  phi {:.6g}:  L_12 {:.10g}  L_21 {:.10g}\n", t.theta, t.phi, t.L[0], t.L[1]);
    fmt::print("  M_r [[{:.6g}, {:.6g}], [{:.6g}, {:.6g}]]  M*_r [{:.6g}, {:.6g}]  norms M_r^-1 M*_r [{:.6g}, {:.6g}]\n",
               t.M_r[0][0], t.M_r[0][1], t.M_r[1][0], t.M_r[1][1], t.M_star_r[0], t.M_star_r[1], t.norms[0], t.norms[1]);
    fmt::print("wrote {}/tian_l.json\n", f.out);
  }
  return kExitPass;
}


struct OdeFlags {
  std::string weights, out = "ode-out";
  OdeOptions ode;
  FixedPointOptions fixed;
  bool quiet = false, no_plot = false;
};

void add_ode_flags(CLI::App& cmd, OdeFlags& f) {
  cmd.add_option("--weights", f.weights,
                 "JSON {\"student\": [[..]], \"teacher\": [[..]]}; teacher optional (default: identity rows)")
      ->check(kPath)->type_name("FILE")->required();
  cmd.add_option("--t-end", f.ode.t_end, "integrate both flows over [0, T]")->check(kFinite)->type_name("T")->capture_default_str();
  cmd.add_option("--dt", f.ode.dt, "RK4 step (T / ceil(T / DT) is used)")->check(kFinite)->type_name("DT")->capture_default_str();
  cmd.add_option("--samples", f.ode.samples, "points of the trajectory written, both ends included")->capture_default_str();
  cmd.add_option("--max-iterations", f.fixed.max_iterations, "Newton / Levenberg-Marquardt iterations for the fixed point")
      ->check(integer_in(0, 100000))->capture_default_str();
  cmd.add_option("--field-tol", f.fixed.field_tol, "fixed point when |dx/dt| <= this times |P|_F")->check(kFinite)->capture_default_str();
  cmd.add_option("--eigen-tol", f.fixed.eigen_tol, "marginal when |Re lambda| <= this times max |lambda|")->check(kFinite)->capture_default_str();
  cmd.add_flag("--no-plot", f.no_plot, "no PNG");
  cmd.add_option("--out,-o", f.out, "output directory")->check(kPath)->type_name("DIR")->capture_default_str();
  cmd.add_flag("--quiet", f.quiet, "no summary on stdout, no progress on stderr");
}

int run_ode(const OdeFlags& f) {
  require_one_process("landscape ode");
  check_ode_options(f.ode);
  check_fixed_point_options(f.fixed);
  const LandscapeWeights w = load_landscape_weights(f.weights);
  if (const int64_t j = kink_row(w.student.data(), w.K, w.d); j >= 0)
    throw InputError(fmt::format("--weights {}: student row {} is the zero vector: the flow is undefined at a kink of J", f.weights, j));
  if (const int64_t n = summary_state_size(w.K, w.Kstar); n > kMaxLandscapeParameters)
    throw InputError(fmt::format("--weights {}: K = {}, K* = {} give {} summary statistics: at most {}", f.weights, w.K,
                                            w.Kstar, n, kMaxLandscapeParameters));
  ensure_writable_dir(f.out, "out");
  OdeReport r;
  r.options = f.ode;
  r.options.stop = install_stop_handlers();
  const auto t0 = std::chrono::steady_clock::now();
  // Three stages, each with its progress line and Ctrl-C between steps: the flows, the fixed point (n^3 per
  // iteration: K = K* = 20 takes seconds) and the W-space Newton search (a (K d)^2 Hessian's eigenvectors per step).
  const bool done =
      run_stage(static_cast<uint64_t>(std::ceil(f.ode.t_end / f.ode.dt)), f.quiet,
                [&](auto* counter, auto* stop) {
                  r.options.done = counter;
                  r.options.stop = stop;
                  r.run = integrate_flows(w.student.data(), w.K, w.teacher.data(), w.Kstar, w.d, r.options);
                }) &&
      run_stage(static_cast<uint64_t>(f.fixed.max_iterations), f.quiet, [&](auto* counter, auto* stop) {
        FixedPointOptions fixed = f.fixed;
        fixed.done = counter;
        fixed.stop = stop;
        r.fixed_point = find_fixed_point(r.run.x.back(), w.K, r.run.P, w.Kstar, fixed);
      }) &&
      run_stage(static_cast<uint64_t>(CriticalOptions{}.max_iterations), f.quiet, [&](auto* counter, auto* stop) {
        CriticalOptions co;
        co.done = counter;
        co.stop = stop;
        r.critical = find_critical_point(r.run.W_end.data(), w.K, w.teacher.data(), w.Kstar, w.d, co);
      });
  if (!done) return 128 + stop_signal();
  r.options.done = nullptr;
  r.options.stop = nullptr;
  const std::vector<double> xc = summary_state(r.critical.student.data(), w.K, w.teacher.data(), w.Kstar, w.d);
  for (size_t i = 0; i < xc.size(); ++i) r.critical_distance = std::max(r.critical_distance, std::fabs(xc[i] - r.fixed_point.x[i]));
  r.k1 = count_k1(r.run.W_end.data(), w.K, w.teacher.data(), w.Kstar, w.d, r.critical.kink_tol);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_ode_files(f.out, w, r, f.fixed);
  const FixedPoint& fp = r.fixed_point;
  if (!f.quiet) {
    fmt::print("t = {:g} in {} RK4 steps of {:g}: loss {:.6g} ((Q, M) flow)  {:.6g} (W flow)  max |x - x(W)| {:.3g}\n",
               r.run.t.back(), r.run.steps, r.run.dt, r.run.loss.back(), r.run.loss_w.back(), r.run.max_deviation);
    if (!r.run.flows_agree)
      fmt::print("  the flows DISAGREE from t = {:.6g} on: |x - x(W)| beyond twice the integration error estimate ({:.3g}); "
                 "smallest Gram eigenvalue {:.3g} (relative; < 0: the (Q, M) state left the realisable set)\n",
                 r.run.first_disagreement_t, r.run.max_error_estimate, r.run.min_gram_eigenvalue);
    fmt::print("fixed point{}: loss {:.6g}  |dx/dt| {:.3g} after {} iterations  {}  k1 {}\n",
               fp.converged ? "" : " NOT reached", fp.loss, fp.field_norm, fp.iterations, to_string(fp.stability), r.k1);
    std::string ev;
    for (size_t i = 0; i < fp.eigenvalues.size() && i < 4; ++i)
      ev += fmt::format("{}{:.4g}{}", i ? ", " : "", fp.eigenvalues[i].re,
                        std::fabs(fp.eigenvalues[i].im) > fp.eigen_tol ? fmt::format("{:+.4g}i", fp.eigenvalues[i].im) : "");
    fmt::print("  Jacobian eigenvalues (largest real parts): {}{}\n", ev, fp.eigenvalues.size() > 4 ? ", ..." : "");
    fmt::print("  W-space Newton from the W flow's end: {}  loss {:.6g}  |(Q, M) - fixed point| {:.3g}\n",
               to_string(r.critical.kind), r.critical.analysis.loss, r.critical_distance);
    fmt::print("wrote {0}/ode.json, {0}/ode_trajectory.csv\n", f.out);
  }
  if (!f.no_plot) run_plot_script("plots/plot_ode.py", f.out, f.quiet);  // a failed plot is only a warning
  return fp.converged && r.run.flows_agree ? kExitPass : kExitFail;
}

}  // namespace

Command add_landscape_command(CLI::App& app) {
  auto hf = std::make_shared<LandscapeFlags>(), cf = std::make_shared<LandscapeFlags>();
  CLI::App* cmd = app.add_subcommand("landscape", "the loss landscape in closed form: Hessians, critical points, censuses of minima");
  cmd->require_subcommand(1);
  CLI::App* hessian = cmd->add_subcommand("hessian", "loss, gradient, Hessian and its spectrum at a weights file's point");
  add_point_flags(*hessian, *hf);
  hessian->footer(examples({{"relumc landscape hessian --weights point.json -o out", "index, nullity, eigenvalues"},
                            {"relumc landscape hessian --weights point.json --mc-samples 1000000", "confirmed by Monte Carlo"}}));
  CLI::App* critical = cmd->add_subcommand("critical", "Newton search for a critical point from a weights file; classify it");
  add_point_flags(*critical, *cf);
  critical->add_option("--max-iterations", cf->max_iterations, "Newton / Levenberg-Marquardt iterations")
      ->check(integer_in(0, 100000))->capture_default_str();
  critical->add_option("--gradient-tol", cf->gradient_tol, "critical when |grad J|_F <= this times |W*|_F")
      ->check(kFinite)->capture_default_str();
  critical->add_option("--kink-tol", cf->kink_tol, "a row with |w_j| <= this times |W*|_F is a kink")
      ->check(kFinite)->capture_default_str();
  critical->footer(examples({{"relumc landscape critical --weights start.json -o out", "minimum | saddle | ..."},
                             {"relumc landscape critical --weights start.json --mc-samples 1000000", "MC gradient is zero"}}));
  auto sf = std::make_shared<CensusFlags>();
  CLI::App* census = cmd->add_subcommand("census", "where gradient descent ends from many starts: minima, saddles, families");
  add_census_flags(*census, *sf);
  census->footer(examples({{"relumc landscape census -k 6 -K 6 --runs 100 -o census6", "Safran and Shamir's setting"},
                           {"relumc landscape census -k 4 -K 5 --runs 200 --escape-saddles", "over-parameterised"}}));
  auto tf = std::make_shared<TianLFlags>();
  CLI::App* tianl = cmd->add_subcommand("tian-l", "Tian's L_12, L_21 for two students in the teacher plane (ICML 2017)");
  add_tian_l_flags(*tianl, *tf);
  tianl->footer(examples({{"relumc landscape tian-l --theta 1.1781 --phi 2", "L_12, L_21 at one point"},
                          {"relumc landscape tian-l --map -o tianl", "the (phi, theta) map, CSV, JSON and PNG"}}));
  auto of = std::make_shared<OdeFlags>();
  CLI::App* ode = cmd->add_subcommand("ode", "the (Q, M) summary-statistics flow beside the W flow; its fixed point and spectrum");
  add_ode_flags(*ode, *of);
  ode->footer(examples({{"relumc landscape ode --weights start.json -o ode", "ode.json, ode_trajectory.csv, ode.png"},
                        {"relumc landscape ode --weights start.json --t-end 400 --dt 0.02", "longer, finer"}}));
  cmd->footer(examples({{"relumc landscape critical --weights start.json", "the critical point Newton reaches"},
                        {"relumc landscape census -k 6 -K 6 --runs 100", "where gradient descent ends"},
                        {"relumc landscape ode --weights start.json", "the (Q, M) flow and its fixed point"}}));
  return {cmd, [hessian, critical, tianl, ode, hf, cf, sf, tf, of] {
            if (hessian->parsed()) return run_hessian(*hf);
            if (ode->parsed()) return run_ode(*of);
            if (critical->parsed()) return run_critical(*cf);
            if (tianl->parsed()) return run_tian_l(*tf);
            return run_census_cmd(*sf);
          }};
}

}  // namespace relumc::cli
