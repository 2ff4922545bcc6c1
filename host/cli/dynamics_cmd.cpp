// SPDX-License-Identifier: MIT
// relumc dynamics: gradient descent on the student from many starts (flags -> DynamicsSpec ->
// run_dynamics -> writers), or one of the shipped experiments (--experiment NAME).
#include "host/cli/common.hpp"


#include <cstdio>
#include <memory>

namespace relumc::cli {
namespace {

struct DynamicsFlags {
  std::string experiment;
  int64_t K = 1, Kstar = 0, d = 2;
  double teacher_norm = 1;
  std::string init = "gaussian", weights;
  double init_std = 0.1, init_radius = 0.1, sym_x = 0.5, sym_y = 0.5, delta = 0;
  int64_t steps = 1000, batch = 0, runs = 1, record_every = 0;
  std::vector<int64_t> record;
  double lr = 0.1, recover_tol = 1e-4, stall_tol = 1e-6;
  bool compare_population = false, quiet = false, plot = false;
  std::string formula = "tian", out = "dynamics-out", contract = "v1";
  uint64_t seed = 1;
  int threads = 0;
  CLI::Option *K_opt = nullptr, *Kstar_opt = nullptr, *d_opt = nullptr, *runs_opt = nullptr;
  // The flags of one kind of start each (an --init-radius with --init gaussian was ignored without a word).
  std::vector<std::pair<CLI::Option*, InitKind>> init_opts;
};

void add_dynamics_flags(CLI::App& cmd, DynamicsFlags& f) {
  cmd.add_option("--experiment", f.experiment,
                 "run a shipped experiment instead: one-relu-radius | symmetry-breaking | batch-gap "
                 "(uses --seed, --threads, --runs, --out, --quiet, --contract)");
  f.K_opt = cmd.add_option("--units,-K", f.K, "student units K")->check(kUnits)->capture_default_str();
  f.Kstar_opt = cmd.add_option("--teacher-units", f.Kstar, "teacher units K* (default: K)")->check(kUnits);
  f.d_opt = cmd.add_option("--dim,-d", f.d, "input dimension d")->check(kDim)->capture_default_str();
  cmd.add_option("--teacher-norm", f.teacher_norm, "scale of the orthonormal teacher rows e_0 .. e_{K*-1}")->check(kFinite)->capture_default_str();
  cmd.add_option("--init", f.init, "gaussian | ball | weights | symmetric")->capture_default_str();
  f.init_opts.emplace_back(cmd.add_option("--init-std", f.init_std, "gaussian: std of each entry")->check(kFinite)->capture_default_str(), InitKind::Gaussian);
  f.init_opts.emplace_back(cmd.add_option("--init-radius", f.init_radius, "ball: each row uniform in the ball of this radius around 0")->check(kFinite)->capture_default_str(), InitKind::Ball);
  cmd.add_option("--weights", f.weights, "JSON {\"student\": [[..]], \"teacher\": [[..]] (optional)}: start (and teacher)")
      ->type_name("FILE")->check(kPath);
  f.init_opts.emplace_back(cmd.add_option("--sym-x", f.sym_x, "symmetric: x in w_j = x w*_j + y sum_{j' != j} w*_j'")->check(kFinite)->capture_default_str(), InitKind::Symmetric);
  f.init_opts.emplace_back(cmd.add_option("--sym-y", f.sym_y, "symmetric: y")->check(kFinite)->capture_default_str(), InitKind::Symmetric);
  f.init_opts.emplace_back(cmd.add_option("--delta", f.delta, "symmetric: size of a random perturbation of each row")->check(kFinite)->capture_default_str(), InitKind::Symmetric);
  cmd.add_option("--steps", f.steps, "step budget")->check(integer_in(0, 1e12))->capture_default_str();
  cmd.add_option("--lr", f.lr, "learning rate (> 0)")->check(kFinite)->capture_default_str();
  cmd.add_option("--batch,-B", f.batch, "samples per step (0: closed-form population gradient)")
      ->check(integer_in(0, 1e12))->capture_default_str();
  cmd.add_flag("--compare-population", f.compare_population, "with --batch > 0: also run population GD from each start");
  f.runs_opt = cmd.add_option("--runs", f.runs, "independent runs (stream = run index)")->check(integer_in(1, 2147483647))->capture_default_str();
  cmd.add_option("--seed", f.seed, "seed of the sample contract")->check(kSeed)->capture_default_str();
  cmd.add_option("--contract", f.contract, "sample contract of sampled gradients: v1 (the reference) | v2 (float normals)")
      ->capture_default_str();
  cmd.add_option("--record", f.record, "steps to record (comma list; overrides --record-every)")->delimiter(',')
      ->check(integer_in(0, 1e12));
  cmd.add_option("--record-every", f.record_every, "record every n steps and the last (default: steps/100)")
      ->check(integer_in(1, 1e12));
  cmd.add_option("--recover-tol", f.recover_tol, "recovered: every row within this times |W*|_F of its teacher row")->check(kFinite)->capture_default_str();
  cmd.add_option("--stall-tol", f.stall_tol, "stalled: |E grad|_F below this times |W*|_F, teacher not recovered")->check(kFinite)->capture_default_str();
  cmd.add_option("--formula", f.formula, "closed form driving population GD: tian, or a wrong one (sin-sign, theta-swap, ...)")
      ->capture_default_str();
  cmd.add_option("--threads", f.threads, "CPU threads (0: all)")->check(kThreads)->capture_default_str();
  cmd.add_option("--out,-o", f.out, "output directory")->type_name("DIR")->check(kPath)->capture_default_str();
  cmd.add_flag("--quiet", f.quiet, "no summary on stdout, no progress on stderr");
  cmd.add_flag("--plot", f.plot, "then draw the PNGs: /usr/bin/python3 plot_dynamics.py DIR (shipped in share/relumc/plots)");
}

DynamicsSpec spec_from_flags(const DynamicsFlags& f) {
  DynamicsSpec s;
  s.K = f.K;
  s.Kstar = f.Kstar > 0 ? f.Kstar : f.K;
  s.d = f.d;
  s.init.kind = parse_or_throw<InitKind>(
      f.init, "--init",
      [](const std::string& t) -> std::optional<InitKind> {
        for (InitKind k : {InitKind::Gaussian, InitKind::Ball, InitKind::Weights, InitKind::Symmetric})
          if (t == to_string(k)) return k;
        return std::nullopt;
      },
      "gaussian, ball, weights, symmetric");
  for (const auto& [opt, kind] : f.init_opts)
    if (opt->count() > 0 && kind != s.init.kind)
      throw InputError(fmt::format("{} {} is for --init {} (got --init {})", opt->get_name(), opt->as<std::string>(),
                                   to_string(kind), f.init));
  if (!f.weights.empty() && s.init.kind != InitKind::Weights)
    throw InputError(fmt::format("--weights {} needs --init weights (got --init {})", f.weights, f.init));
  if (s.init.kind == InitKind::Weights) {
    if (f.weights.empty()) throw InputError("--init weights needs --weights FILE");
    const DynamicsWeights w = load_dynamics_weights(f.weights);
    auto same = [&](const CLI::Option* opt, int64_t flag, int64_t file, const char* name, const char* what) {
      if (opt->count() > 0 && flag != file)
        throw InputError(fmt::format("--weights {}: {} {} = {} but {} = {} was given", f.weights, what, name, file, name, flag));
    };
    same(f.K_opt, f.K, w.K, "K", "the student has");
    same(f.d_opt, f.d, w.d, "d", "the rows have");
    if (!w.teacher.empty()) same(f.Kstar_opt, f.Kstar, w.Kstar, "K*", "the teacher has");
    s.K = w.K;
    s.d = w.d;
    s.init.weights = w.student;
    if (!w.teacher.empty()) s.Kstar = w.Kstar, s.teacher = w.teacher;
    else if (f.Kstar_opt->count() == 0) s.Kstar = s.K;
  }
  if (!(f.teacher_norm > 0) || !std::isfinite(f.teacher_norm))
    throw InputError(fmt::format("--teacher-norm {} must be a finite number > 0", f.teacher_norm));
  if (s.teacher.empty()) s.teacher = orthonormal_teacher(s.Kstar, s.d, f.teacher_norm);
  s.init.std = f.init_std;
  s.init.radius = f.init_radius;
  s.init.x = f.sym_x;
  s.init.y = f.sym_y;
  s.init.delta = f.delta;
  s.lr = f.lr;
  s.steps = f.steps;
  s.batch = f.batch;
  s.compare_population = f.compare_population;
  if (f.compare_population && f.batch == 0)
    throw InputError("--compare-population needs --batch > 0 (the population run is the run itself)");
  s.runs = f.runs;
  s.seed = f.seed;
  s.recover_tol = f.recover_tol;
  s.stall_tol = f.stall_tol;
  s.formula = parse_or_throw<Formula>(f.formula, "--formula", parse_formula, "tian, sin-sign, theta-swap, lost-half, norm-swap");
  s.threads = f.threads;
  s.contract = parse_or_throw<Contract>(f.contract, "contract", parse_contract, "v1, v2");
  if (!f.record.empty()) {
    s.record_steps = f.record;
  } else {
    s.record_steps = record_schedule(f.steps, f.record_every > 0 ? f.record_every : std::max<int64_t>(1, f.steps / 100));
  }
  validate(s);
  return s;
}

int run_dynamics_only(const DynamicsFlags& f);

int run_dynamics_cmd(const DynamicsFlags& f) {
  require_one_process("dynamics");
  const int status = run_dynamics_only(f);
  if (f.plot && !run_plot_script("plots/plot_dynamics.py", f.out, f.quiet)) return kExitFail;
  return status;
}

int run_dynamics_only(const DynamicsFlags& f) {
  if (!f.experiment.empty()) {
    ExperimentOptions o;
    o.out = f.out;
    o.seed = f.seed;
    o.threads = f.threads;
    o.runs = f.runs_opt->count() > 0 ? f.runs : 0;  // 0: the experiment's default
    o.quiet = f.quiet;
    o.contract = parse_or_throw<Contract>(f.contract, "contract", parse_contract, "v1, v2");
    return run_experiment(f.experiment, o) ? kExitPass : kExitFail;
  }
  const DynamicsSpec s = spec_from_flags(f);
  const DynamicsOutcome o = dynamics_to_directory(s, f.out, !f.quiet);
  if (!f.quiet) {
    print_dynamics_summary(s, o.runs, stdout);
    fmt::print("wrote {0}/runs.csv, {0}/trajectories.csv, {0}/summary.json ({1:.2f} s, {2} threads)\n", f.out,
               o.seconds, o.threads);
  }
  return kExitPass;
}

}  // namespace

Command add_dynamics_command(CLI::App& app) {
  auto flags = std::make_shared<DynamicsFlags>();
  CLI::App* cmd = app.add_subcommand("dynamics", "gradient descent on the student from many starts; shipped experiments");
  add_dynamics_flags(*cmd, *flags);
  cmd->footer(examples({{"relumc dynamics -K 2 -d 5 --runs 100 --plot", "100 starts; then the PNGs"},
                        {"relumc dynamics -B 64 --compare-population --runs 20", "SGD beside population GD"},
                        {"relumc dynamics --experiment symmetry-breaking -o sym --plot", "a shipped experiment"}}));
  return {cmd, [flags] { return run_dynamics_cmd(*flags); }};
}

}  // namespace relumc::cli
