// SPDX-License-Identifier: MIT
// relumc landscape: the loss landscape in closed form (docs/landscape.md). `hessian` analyses one point of a
// weights file (loss, gradient, Hessian, spectrum); `critical` runs the Newton / Levenberg-Marquardt search
// from it and classifies the point it reaches. --mc-samples N confirms either by Monte Carlo.
#include "host/cli/common.hpp"

#include "relumc/landscape/critical.hpp"
#include "relumc/landscape/hessian.hpp"
#include "relumc/landscape/mc_check.hpp"
#include "relumc/landscape/report.hpp"
#include "relumc/landscape/weights.hpp"

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

void print_mc(const McCheck& m) {
  for (const McTest& t : m.tests)
    fmt::print("  mc {:<20} N {}  max|z| {:.2f}  p {:.3g}  {}\n", t.name, t.samples, t.max_abs_z, t.p_value,
               t.passed ? "pass" : "FAIL");
}

int run_hessian(const LandscapeFlags& f) {
  require_one_process("landscape hessian");
  check_eigen_tol(f.eigen_tol);
  const LandscapeWeights w = load_landscape_weights(f.weights);
  const std::optional<McCheckOptions> mo = mc_options(f, false);
  ensure_writable_dir(f.out, "out");
  const PointAnalysis a = analyze_point(w.student.data(), w.K, w.teacher.data(), w.Kstar, w.d, f.eigen_tol);
  std::optional<McCheck> mc;
  if (mo && a.kink < 0) mc = mc_check(w.student.data(), w.K, w.teacher.data(), w.Kstar, w.d, *mo);
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
  const CriticalResult r = find_critical_point(w.student.data(), w.K, w.teacher.data(), w.Kstar, w.d, co);
  std::optional<McCheck> mc;
  const bool critical = r.kind != PointKind::NotCritical && r.kind != PointKind::Kink;
  if (mo && critical) mc = mc_check(r.student.data(), w.K, w.teacher.data(), w.Kstar, w.d, *mo);
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

}  // namespace

Command add_landscape_command(CLI::App& app) {
  auto hf = std::make_shared<LandscapeFlags>(), cf = std::make_shared<LandscapeFlags>();
  CLI::App* cmd = app.add_subcommand("landscape", "the loss landscape in closed form: Hessians, critical points");
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
  cmd->footer(examples({{"relumc landscape hessian --weights point.json", "the Hessian at a point"},
                        {"relumc landscape critical --weights start.json", "the critical point Newton reaches"}}));
  return {cmd, [hessian, hf, cf] { return hessian->parsed() ? run_hessian(*hf) : run_critical(*cf); }};
}

}  // namespace relumc::cli
