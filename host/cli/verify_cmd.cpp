// SPDX-License-Identifier: MIT
// relumc verify: flags -> cases -> run_verification -> writers -> exit status.
#include "host/cli/common.hpp"

#include <fmt/ranges.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

namespace relumc::cli {
namespace {

struct VerifyFlags {
  std::vector<std::string> quantities{"gating", "grad", "loss"};
  std::string weights;
  std::vector<double> angles;
  int angle_steps = 7;
  std::vector<double> norms{0.5, 1.0, 2.0};
  std::vector<double> ratios{1.5};
  std::vector<int64_t> dims{2, 10, 100};
  std::vector<int64_t> units{1}, teacher_units{1};
  int random_cases = 0;
  std::vector<std::string> samples{"1e4", "1e5", "4e5"};
  uint64_t seed = 1;
  int threads = 0;
  double alpha = 0.01;
  std::string precision = "double", backend = "auto", cpu_kernel = "auto", formula = "tian", out = "relumc-out";
  std::string test = "sidak";
  std::string contract = "v1";
  CLI::Option* precision_opt = nullptr;  // given or not: under v2 the default precision is float
  std::string input = "gaussian";
  std::optional<double> radius;  // not given: sphere and ball default to kDefaultRadius
  bool quiet = false, plot = false;
  bool resume = false, restart = false;
  std::optional<double> target_rel_error, time_budget;
  std::string pilot_samples = "1e4", max_samples = "1e12";
  std::vector<int> devices;
};

void add_verify_flags(CLI::App& cmd, VerifyFlags& f) {
  cmd.add_option("--quantity,-q", f.quantities, "gating | grad | loss (several allowed)")->delimiter(',')->capture_default_str();
  CLI::Option* weights = cmd.add_option("--weights", f.weights,
                 "JSON file: {\"e\":[..],\"w\":[..]} (gating), {\"student\":[[..]],\"teacher\":[[..]]} (grad, loss); "
                 "instead of the grid, so the grid's flags are refused beside it")
      ->type_name("FILE")->check(kPath);
  // The grid's flags describe cases that a weights file replaces: refused beside --weights, never ignored.
  const std::vector<CLI::Option*> grid{
      cmd.add_option("--angles", f.angles, "angles in radians, in [0, pi] (overrides --angle-steps)")->check(kFinite)->delimiter(','),
      cmd.add_option("--angle-steps", f.angle_steps, "equally spaced angles from 0 to pi")->check(integer_in(1, 1e6))->capture_default_str(),
      cmd.add_option("--norms", f.norms, "student norms |w|")->check(kFinite)->delimiter(',')->capture_default_str(),
      cmd.add_option("--ratios", f.ratios, "teacher/student norm ratios |w*|/|w| (grad, loss)")->check(kFinite)->delimiter(',')->capture_default_str(),
      cmd.add_option("--dims,-d", f.dims, "input dimensions d")->delimiter(',')->check(kDim)->capture_default_str(),
      cmd.add_option("--units,-K", f.units, "student units K (grad, loss)")->delimiter(',')->check(kUnits)->capture_default_str(),
      cmd.add_option("--teacher-units", f.teacher_units, "teacher units K* (grad, loss)")->delimiter(',')->check(kUnits)->capture_default_str(),
      cmd.add_option("--random-cases", f.random_cases, "extra random (W, W*) per shape, norm and ratio")->check(integer_in(0, 1e6))->capture_default_str()};
  for (CLI::Option* g : grid) weights->excludes(g);
  CLI::Option* samples = cmd.add_option("--samples,-n", f.samples, "sample counts N (1e9 accepted)")->delimiter(',')->capture_default_str();
  cmd.add_option("--seed", f.seed, "seed of the sample contract")->check(kSeed)->capture_default_str();
  cmd.add_option("--threads", f.threads, "CPU threads (0: all)")->check(kThreads)->capture_default_str();
  cmd.add_option("--alpha", f.alpha, "family-wise level of the verdict (Holm)")->check(kFinite)->capture_default_str();
  cmd.add_option("--test", f.test, "per-case test: sidak (over the components) | span (Hotelling's T^2 in span(W, W*))")
      ->capture_default_str();
  f.precision_opt = cmd.add_option("--precision", f.precision, "sample precision: float | double (v2: float)")
                       ->capture_default_str();
  cmd.add_option("--contract", f.contract,
                 "sample contract: v1 (the reference) | v2 (fast float normals; N <= 1.3e12; docs/sample-contract.md)")
      ->capture_default_str();
  cmd.add_option("--backend", f.backend, "auto | cpu | cuda")->capture_default_str();
  cmd.add_option("--devices", f.devices,
                 "cuda backend: CUDA devices sharing each case's chunks, e.g. 0,1 (default: one device; the numbers "
                 "do not depend on it)")->delimiter(',');
  cmd.add_option("--cpu-kernel", f.cpu_kernel,
                 "auto | simd | scalar: the CPU chunk kernel (all give bit-identical results; scalar is the reference)")
      ->capture_default_str();
  cmd.add_option("--formula", f.formula,
                 "closed form to test: tian, or a deliberately wrong one (sin-sign, theta-swap, lost-half, norm-swap, unscaled)")
      ->capture_default_str();
  cmd.add_option("--input", f.input,
                 "distribution of x: gaussian | sphere | ball (radius R, exact scaled closed form) | "
                 "cube U[-1/2,1/2]^d (measured against the variance-scaled formula, no verdict)")
      ->capture_default_str();
  cmd.add_option("--radius", f.radius, "sphere and ball radius R (default 1: E|x|^2/d = R^2/d, R^2/(d+2))")->check(kFinite);
  cmd.add_option("--out,-o", f.out, "output directory for results.csv and results.json")
      ->type_name("DIR")->check(kPath)->capture_default_str();
  cmd.add_flag("--quiet", f.quiet, "no table on stdout, no progress line");
  cmd.add_flag("--plot", f.plot,
               "then draw the PNGs: /usr/bin/python3 plot_results.py DIR (shipped in share/relumc/plots); "
               "a failed plot is a warning");
  CLI::Option* resume = cmd.add_flag("--resume", f.resume,
      "continue the unfinished run whose journal is in --out (same flags), skipping its finished cases");
  cmd.add_flag("--restart", f.restart, "discard an unfinished run's journal in --out and start anew")->excludes(resume);
  CLI::Option* target = cmd.add_option("--target-rel-error", f.target_rel_error,
      "choose N per case (two-stage: pilot, then fresh samples) for this root-mean-square relative error")->check(kFinite)
      ->check(CLI::PositiveNumber);
  CLI::Option* budget = cmd.add_option("--time-budget", f.time_budget,
      "seconds for the whole run: choose N per case so every case reaches the same relative error")->check(kFinite)
      ->check(CLI::PositiveNumber);
  target->excludes(samples);
  budget->excludes(samples);
  cmd.add_option("--pilot-samples", f.pilot_samples, "pilot N per case for --target-rel-error/--time-budget")
      ->capture_default_str();
  cmd.add_option("--max-samples", f.max_samples, "largest N per case for --target-rel-error/--time-budget")
      ->capture_default_str();

}

int run_verify(const VerifyFlags& f) {
  std::vector<Quantity> quantities;
  for (const std::string& q : f.quantities)
    quantities.push_back(parse_or_throw<Quantity>(q, "quantity", parse_quantity, "gating, grad, loss"));
  const bool planned = f.target_rel_error || f.time_budget;
  std::vector<uint64_t> samples;
  if (planned) {
    samples = {parse_samples(f.pilot_samples, "pilot_samples")};  // a placeholder: the planner chooses each N
  } else {
    for (const std::string& s : f.samples) samples.push_back(parse_samples(s));
    for (uint64_t n : samples)
      if (n < 1000)
        std::fprintf(stderr, "relumc: warning: N = %llu is small: the z-test relies on the normal approximation of the "
                     "mean, and its verdicts are not calibrated below N ~ 1e3\n", static_cast<unsigned long long>(n));
  }

  VerifyOptions opt;
  opt.seed = f.seed;
  opt.threads = f.threads;
  opt.alpha = f.alpha;
  opt.test = parse_or_throw<Test>(f.test, "test", parse_test, "sidak, span");
  opt.contract = parse_or_throw<Contract>(f.contract, "contract", parse_contract, "v1, v2");
  opt.precision = f.precision_opt->count() > 0
                      ? parse_or_throw<Precision>(f.precision, "precision", parse_precision, "float, double")
                      : default_precision(opt.contract);
  opt.formula = parse_or_throw<Formula>(f.formula, "formula", parse_formula,
                                        "tian, sin-sign, theta-swap, lost-half, norm-swap, unscaled");
  const InputKind input = parse_or_throw<InputKind>(f.input, "input", parse_input, "gaussian, sphere, ball, cube");
  const Backend requested = parse_or_throw<Backend>(f.backend, "backend", parse_backend, "auto, cpu, cuda");
  opt.cpu_kernel = parse_or_throw<CpuKernel>(f.cpu_kernel, "cpu_kernel", parse_cpu_kernel, "auto, simd, scalar");
  cpu_kernel_name(opt.cpu_kernel);  // --cpu-kernel simd on a CPU without an FMA target: named before any work
  opt.progress = !f.quiet;
  opt.target_rel_error = f.target_rel_error.value_or(0);
  opt.time_budget = f.time_budget.value_or(0);
  opt.pilot_samples = parse_samples(f.pilot_samples, "pilot_samples");
  opt.max_samples = parse_samples(f.max_samples, "max_samples");
  opt.cuda_devices = f.devices;

  std::vector<Case> cases;
  if (!f.weights.empty()) {
    cases = cases_from_weights_file(f.weights, quantities, samples, input, f.radius);
  } else {
    GridSpec spec;
    spec.quantities = quantities;
    spec.angles = f.angles.empty() ? angle_steps(f.angle_steps) : f.angles;
    spec.norms = f.norms;
    spec.ratios = f.ratios;
    spec.dims = f.dims;
    spec.units = f.units;
    spec.teacher_units = f.teacher_units;
    spec.random_cases = f.random_cases;
    spec.samples = samples;
    spec.input = input;
    spec.radius = f.radius;
    cases = build_grid(spec, opt.seed);
  }
  VerifyOutput out;
  out.dir = f.out;
  out.resume = f.resume;
  out.restart = f.restart;
  opt.backend = resolve_backend(requested, &out.backend_note, input);
  // Under mpirun the ranks split every case's chunks; only rank 0 prints and writes.
  const Distribution& dist = Distribution::process();
  opt.distribution = &dist;
  opt.stop = install_stop_handlers();
  try {
    const VerifyReport rep = verify_to_directory(std::move(cases), opt, out);
    if (!f.quiet && dist.is_root()) {
      print_table(rep, out.backend_note, stdout);
      fmt::print("wrote {0}/results.csv and {0}/results.json\n", f.out);
    }
    return rep.passed ? kExitPass : kExitFail;
  } catch (const Interrupted& e) {
    // Under mpirun the signal may have reached another rank only: every rank reports the one that came.
    const int signal = dist.max(stop_signal());
    if (dist.is_root())
      std::fprintf(stderr, "\nrelumc: stopped by signal %d %s\n", signal, render_flags(e.what()).c_str());
    return 128 + signal;
  }
}

}  // namespace

Command add_verify_command(CLI::App& app) {
  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* cmd = app.add_subcommand("verify", "compare closed forms with Monte Carlo estimates; exit 0 pass, 1 fail, 2 bad input");
  add_verify_flags(*cmd, *flags);
  cmd->footer(examples({{"relumc verify", "the default grid: 567 cases into relumc-out/"},
                        {"relumc verify -q grad -d 100 -K 4 -n 1e6 --plot", "one quantity, K = 4; then the PNGs"},
                        {"relumc verify --formula theta-swap", "a deliberately wrong closed form: exit 1"}}));
  return {cmd, [flags] {
            const int status = run_verify(*flags);
            // Results were written (pass or fail): draw them. A failed plot leaves the verdict alone.
            if (flags->plot && (status == kExitPass || status == kExitFail) && Distribution::process().is_root())
              run_plot_script("plots/plot_results.py", flags->out, flags->quiet);
            return status;
          }};
}

}  // namespace relumc::cli
