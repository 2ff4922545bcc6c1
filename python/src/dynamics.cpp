// SPDX-License-Identifier: MIT
// relumc::run_dynamics bound for relumc._core: every run's records as NumPy arrays.
#include "common.hpp"

#include <algorithm>
#include <limits>

namespace relumc_py {

using namespace nb::literals;

namespace {

// ---- dynamics -------------------------------------------------------------------------------------------

// Gradient descent on the student (relumc::run_dynamics), every run's records as arrays: a dict of NumPy
// arrays and lists that relumc.dynamics wraps. Steps a run did not reach (a population run stops at a fixed
// point) hold NaN.
nb::dict run_dynamics(CArray<2> teacher, int64_t K, const std::string& init, double init_std, double init_radius,
                      std::optional<CArray<2>> W0, double init_x, double init_y, double init_delta, double lr,
                      int64_t steps, int64_t batch, bool compare_population, int64_t record_every, int64_t runs,
                      uint64_t seed, const std::string& contract, int threads, const std::string& formula,
                      double recover_tol, double stall_tol, bool stop_when_recovered, const nb::object& progress) {
  relumc::DynamicsSpec s;
  s.Kstar = static_cast<int64_t>(teacher.shape(0));
  s.d = static_cast<int64_t>(teacher.shape(1));
  s.K = K;
  s.teacher.assign(teacher.data(), teacher.data() + s.Kstar * s.d);
  bool known = false;
  for (relumc::InitKind k : {relumc::InitKind::Gaussian, relumc::InitKind::Ball, relumc::InitKind::Weights,
                             relumc::InitKind::Symmetric})
    if (init == relumc::to_string(k)) s.init.kind = k, known = true;
  if (!known) throw InputError("init", "'" + init + "' is not one of gaussian, ball, weights, symmetric");
  s.init.std = init_std;
  s.init.radius = init_radius;
  if (W0) {
    if (static_cast<int64_t>(W0->shape(1)) != s.d)
      throw InputError("W0", "rows have d = " + std::to_string(W0->shape(1)) + " but the teacher's have d = " +
                                 std::to_string(s.d));
    s.init.weights.assign(W0->data(), W0->data() + W0->shape(0) * W0->shape(1));
  }
  s.init.x = init_x;
  s.init.y = init_y;
  s.init.delta = init_delta;
  s.lr = lr;
  s.steps = steps;
  s.batch = batch;
  s.compare_population = compare_population;
  s.runs = runs;
  s.seed = seed;
  s.contract = parse_contract(contract);
  if (threads < 0) throw InputError("threads", std::to_string(threads) + " (must be >= 0; 0: all cores)");
  s.threads = threads;
  s.formula = parse_formula(formula);
  s.recover_tol = recover_tol;
  s.stall_tol = stall_tol;
  s.stop_when_recovered = stop_when_recovered;
  if (record_every < 1) throw InputError("record_every", std::to_string(record_every) + " (must be >= 1)");
  if (steps < 0) throw InputError("steps", std::to_string(steps) + " (must be >= 0)");
  s.record_steps = relumc::record_schedule(steps, record_every);
  relumc::validate(s);
  const uint64_t total = static_cast<uint64_t>(runs) * static_cast<uint64_t>(steps);
  // Ctrl-C sets the watch's stop flag: every run stops before its next step and KeyboardInterrupt is raised.
  std::vector<relumc::RunResult> res = run_watched<std::vector<relumc::RunResult>>(
      [&](Watch& w) {
        s.stop = &w.stop;
        std::vector<relumc::RunResult> r = relumc::run_dynamics(s, &w.done);
        s.stop = nullptr;
        return r;
      }, total, progress);

  const size_t R = res.size(), n = s.record_steps.size(), Ku = static_cast<size_t>(s.K), d = static_cast<size_t>(s.d);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> start(R * Ku * d), final_w(R * Ku * d), loss(R * n, nan), grad(R * n, nan), dist(R * n * Ku, nan),
      gap(R * n, nan), end_loss(R), end_grad(R), max_gap(R), final_gap(R);
  std::vector<int64_t> steps_run(R), to_recover(R);
  nb::list outcome, note;
  for (size_t r = 0; r < R; ++r) {
    const relumc::RunResult& x = res[r];
    std::copy(x.start.begin(), x.start.end(), start.begin() + r * Ku * d);
    std::copy(x.final_weights.begin(), x.final_weights.end(), final_w.begin() + r * Ku * d);
    for (const relumc::Snapshot& snap : x.records) {
      const auto it = std::lower_bound(s.record_steps.begin(), s.record_steps.end(), snap.step);
      if (it == s.record_steps.end() || *it != snap.step) continue;
      const size_t i = static_cast<size_t>(it - s.record_steps.begin());
      loss[r * n + i] = snap.loss;
      grad[r * n + i] = snap.grad_norm;
      gap[r * n + i] = snap.gap;
      for (size_t j = 0; j < Ku && j < snap.dist.size(); ++j) dist[(r * n + i) * Ku + j] = snap.dist[j];
    }
    end_loss[r] = x.end.loss;
    end_grad[r] = x.end.grad_norm;
    max_gap[r] = x.max_gap;
    final_gap[r] = x.final_gap;
    steps_run[r] = x.steps_run;
    to_recover[r] = x.steps_to_recover;
    outcome.append(std::string(relumc::to_string(x.end.outcome)));
    note.append(x.end.note);
  }
  nb::dict out;
  out["record_steps"] = to_numpy(s.record_steps, {n});
  out["start"] = to_numpy(std::move(start), {R, Ku, d});
  out["final"] = to_numpy(std::move(final_w), {R, Ku, d});
  out["loss"] = to_numpy(std::move(loss), {R, n});
  out["grad_norm"] = to_numpy(std::move(grad), {R, n});
  out["dist"] = to_numpy(std::move(dist), {R, n, Ku});
  out["gap"] = to_numpy(std::move(gap), {R, n});
  out["final_loss"] = to_numpy(std::move(end_loss), {R});
  out["final_grad_norm"] = to_numpy(std::move(end_grad), {R});
  out["max_gap"] = to_numpy(std::move(max_gap), {R});
  out["final_gap"] = to_numpy(std::move(final_gap), {R});
  out["steps_run"] = to_numpy(std::move(steps_run), {R});
  out["steps_to_recover"] = to_numpy(std::move(to_recover), {R});
  out["outcome"] = outcome;
  out["note"] = note;
  return out;
}

}  // namespace

void bind_dynamics(nb::module_& m) {
  m.def("run_dynamics", &run_dynamics, "teacher"_a, "K"_a, "init"_a, "init_std"_a, "init_radius"_a, "W0"_a.none(),
        "init_x"_a, "init_y"_a, "init_delta"_a, "lr"_a, "steps"_a, "batch"_a, "compare_population"_a,
        "record_every"_a, "runs"_a, "seed"_a, "contract"_a, "threads"_a, "formula"_a, "recover_tol"_a, "stall_tol"_a,
        "stop_when_recovered"_a, "progress"_a.none());
  m.def("orthonormal_teacher", [](int64_t Kstar, int64_t d, double scale) {
    if (Kstar < 1 || d < Kstar) throw InputError("K_star", "an orthonormal teacher needs 1 <= K* <= d");
    return to_numpy(relumc::orthonormal_teacher(Kstar, d, scale), {static_cast<size_t>(Kstar), static_cast<size_t>(d)});
  }, "K_star"_a, "d"_a, "scale"_a = 1.0);
}

}  // namespace relumc_py
