// SPDX-License-Identifier: MIT
// The census: gradient descent from many starts, the Newton polish, the classification, the families.
#include "relumc/landscape/census.hpp"
#include "relumc/landscape/census_journal.hpp"
#include "relumc/landscape/shared_gradient.hpp"
#include "relumc/landscape/weights.hpp"

#include "relumc/core/errors.hpp"
#include "relumc/dynamics/dynamics.hpp"
#include "relumc/dynamics/report.hpp"
#include "relumc/math/closed_forms.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>

namespace relumc {

void classify_run(CensusRun& r, double spurious_loss) {
  const bool at_min = r.kind == PointKind::Minimum || r.kind == PointKind::Degenerate;
  // J >= 0: a point where J < spurious_loss is a global minimiser up to that threshold, a kink included (a
  // surplus student driven to zero computes nothing: the network is the teacher's).
  r.global = (at_min || r.kind == PointKind::Kink) && r.loss < spurious_loss;
  r.spurious = at_min && r.loss >= spurious_loss;
}

std::string_view to_string(CensusInit i) { return i == CensusInit::Xavier ? "xavier" : "gaussian"; }

CensusInit parse_census_init(std::string_view text) {
  if (text == "gaussian") return CensusInit::Gaussian;
  if (text == "xavier") return CensusInit::Xavier;
  throw InputError("init", fmt::format("'{}' is not one of gaussian, xavier", text));
}

std::vector<double> census_start(const CensusSpec& s, int64_t run) {
  const int64_t d = s.d == 0 ? s.k : s.d;
  DynamicsSpec ds;  // the layout of relumc dynamics
  ds.d = d, ds.K = s.K, ds.Kstar = s.k, ds.seed = s.seed;
  if (s.init == CensusInit::Xavier) {
    ds.init.kind = InitKind::Uniform;  // Glorot uniform for the K x d layer: fan in d, fan out K
    ds.init.half_width = std::sqrt(6 / static_cast<double>(d + s.K));
  } else {
    ds.init.kind = InitKind::Gaussian;  // rows N(0, I/d)
    ds.init.std = 1 / std::sqrt(static_cast<double>(d));
  }
  return initial_weights(ds, run);
}

void check_census_spec(const CensusSpec& s) {
  auto count = [](const char* field, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) throw InputError(field, fmt::format("{} must be in [{}, {}]", v, lo, hi));
  };
  count("teacher_rows", s.k, 1, 256);
  count("units", s.K, 1, 256);
  if (s.d != 0 && s.d < s.k) throw InputError("dim", fmt::format("{} must be >= k = {} (the teacher is the identity rows)", s.d, s.k));
  count("dim", s.d, 0, 4096);
  const int64_t d = s.d == 0 ? s.k : s.d;
  if (s.K * d > kMaxLandscapeParameters)
    throw InputError("units", fmt::format("K d = {} x {} = {} is more than the {} parameters a landscape Hessian may have",
                                          s.K, d, s.K * d, kMaxLandscapeParameters));
  count("runs", s.runs, 1, 100000000);
  count("max_steps", s.max_steps, 0, 1000000000000);
  count("max_escapes", s.max_escapes, 0, 1000);
  auto positive = [](const char* field, double v) {
    if (!(v > 0) || !std::isfinite(v)) throw InputError(field, fmt::format("{} must be a finite number > 0", v));
  };
  positive("lr", s.lr);
  positive("switch_tol", s.switch_tol);
  positive("spurious_loss", s.spurious_loss);
  positive("escape_step", s.escape_step);
  if (s.threads < 0) throw InputError("threads", fmt::format("{} must be >= 0", s.threads));
  if (s.run_budget < 0) throw InputError("run_budget", fmt::format("{} must be >= 0", s.run_budget));
  if (s.init != CensusInit::Gaussian && s.init != CensusInit::Xavier) throw InputError("init", "is not gaussian or xavier");
  check_critical_options(s.newton);
}

namespace {

// Gradient descent from W until |grad|_F <= tol or the budget; returns the steps taken. Stops early at a
// zero row (the gradient is undefined there: a kink).
// kink_abs > 0: also stops once a row's norm is <= kink_abs (the continuation below).
int64_t descend(std::vector<double>& W, int64_t K, const std::vector<double>& T, int64_t k, int64_t d, double lr,
                int64_t max_steps, double tol, const std::atomic<bool>* stop, double kink_abs = 0) {
  std::vector<double> g(W.size());
  SharedGradient gradient(T.data(), K, k, d);
  int64_t steps = 0;
  auto below = [&] {
    for (int64_t j = 0; j < K; ++j)
      if (norm_without_overflow(W.data() + j * d, d) <= kink_abs) return true;
    return false;
  };
  for (; steps < max_steps; ++steps) {
    if (stop && stop->load(std::memory_order_relaxed)) break;  // run_census throws Interrupted
    if (kink_row(W.data(), K, d) >= 0) break;
    if (kink_abs > 0 && below()) break;
    gradient(W.data(), g.data());
    if (norm(g.data(), K * d) <= tol) break;
    for (size_t i = 0; i < W.size(); ++i) W[i] -= lr * g[i];
  }
  return steps;
}

CensusRun one_run(const CensusSpec& s, int64_t d, const std::vector<double>& T, int64_t r) {
  std::vector<double> W = census_start(s, r);
  const double scale = norm(T.data(), s.k * d);
  CensusRun out;
  out.run = r;
  CriticalResult c;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    out.steps += descend(W, s.K, T, s.k, d, s.lr, s.max_steps, s.switch_tol * scale, s.stop);
    const auto t1 = std::chrono::steady_clock::now();
    c = find_critical_point(W.data(), s.K, T.data(), s.k, d, s.newton);
    out.descent_seconds += std::chrono::duration<double>(t1 - t0).count();
    out.newton_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    out.newton_iterations += c.iterations;
    if (c.kind == PointKind::NotCritical) {
      // Newton did not converge from where descent handed over. Seen when a surplus student (K > k) shrinks
      // towards the zero row, a kink: J is not C^2 there, and Newton stalls at the kink tolerance. Gradient
      // descent then continues from its own end point down to Newton's gradient tolerance, stopping at a kink
      // (a row of norm <= kink_tol |W*|_F), and the point it reaches is classified.
      const auto t2 = std::chrono::steady_clock::now();
      out.steps += descend(W, s.K, T, s.k, d, s.lr, s.max_steps, s.newton.gradient_tol * scale, s.stop,
                           s.newton.kink_tol * scale);
      const auto t3 = std::chrono::steady_clock::now();
      c = find_critical_point(W.data(), s.K, T.data(), s.k, d, s.newton);
      out.descent_seconds += std::chrono::duration<double>(t3 - t2).count();
      out.newton_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t3).count();
      out.newton_iterations += c.iterations;
    }
    if (c.kind != PointKind::Saddle || !s.escape_saddles || out.escapes >= s.max_escapes) break;
    ++out.escapes;  // along the most negative eigenvector, then descend again
    W = c.student;
    const int64_t n = s.K * d;
    for (int64_t i = 0; i < n; ++i) W[i] += s.escape_step * scale * c.analysis.eigen.vectors[static_cast<size_t>(i * n)];
  }
  out.kind = c.kind;
  out.k1 = c.k1;
  out.loss = c.analysis.loss;
  out.gradient_norm = c.analysis.gradient_norm;
  out.student = c.student;
  out.eigenvalues = c.analysis.eigen.values;
  out.lambda_min = out.eigenvalues.empty() ? std::nan("") : out.eigenvalues.front();
  out.index = c.analysis.signature.index;
  out.nullity = c.analysis.signature.nullity;
  classify_run(out, s.spurious_loss);
  return out;
}

}  // namespace

Census run_census(const CensusSpec& spec) {
  check_census_spec(spec);
  const auto t0 = std::chrono::steady_clock::now();
  Census c;
  c.spec = spec;
  const int64_t d = spec.d == 0 ? spec.k : spec.d;
  c.spec.d = d;
  const std::vector<double> T = orthonormal_teacher(spec.k, d);
  c.runs.resize(static_cast<size_t>(spec.runs));
  c.threads = spec.threads > 0 ? spec.threads : omp_get_max_threads();
  // Runs the journal holds are taken from it; the others run now (at most run_budget of them).
  std::vector<int64_t> todo;
  for (int64_t r = 0; r < spec.runs; ++r) {
    if (spec.journal) {
      const auto it = spec.journal->finished().find(r);
      if (it != spec.journal->finished().end()) {
        c.runs[static_cast<size_t>(r)] = it->second;
        if (spec.done) spec.done->fetch_add(1, std::memory_order_relaxed);
        continue;
      }
    }
    todo.push_back(r);
  }
  const int64_t held = spec.runs - static_cast<int64_t>(todo.size());
  const bool cut = spec.run_budget > 0 && static_cast<int64_t>(todo.size()) > spec.run_budget;
  if (cut) todo.resize(static_cast<size_t>(spec.run_budget));
  std::exception_ptr failure;  // (no exception may leave the parallel loop)
#pragma omp parallel for num_threads(c.threads) schedule(dynamic, 1)
  for (size_t i = 0; i < todo.size(); ++i) {
    if (spec.stop && spec.stop->load(std::memory_order_relaxed)) continue;
    const int64_t r = todo[i];
    CensusRun run = one_run(c.spec, d, T, r);
    if (spec.stop && spec.stop->load(std::memory_order_relaxed)) continue;  // possibly cut short: not journalled
    if (spec.journal) {
#pragma omp critical(relumc_census_journal)
      try {
        spec.journal->append(run);
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    }
    c.runs[static_cast<size_t>(r)] = std::move(run);
    if (spec.done) spec.done->fetch_add(1, std::memory_order_relaxed);
  }
  if (failure) std::rethrow_exception(failure);
  if (spec.stop && spec.stop->load()) throw Interrupted("stopped: the census was interrupted");
  if (cut)
    throw Interrupted(fmt::format("stopped: `run_budget` {} reached with {} of {} runs done", spec.run_budget,
                                  held + spec.run_budget, spec.runs));
  // Families, in run order (so the representative is the first run that ended there), then sorted by loss.
  const double loss_tol = 1e-9 * static_cast<double>(spec.k);  // |W*|_F^2 = k
  for (CensusRun& run : c.runs) {
    switch (run.kind) {
      case PointKind::Saddle: ++c.saddles; break;
      case PointKind::Kink: run.global ? ++c.global_kinks : ++c.kinks; break;
      case PointKind::NotCritical: ++c.not_critical; break;
      default: break;
    }
    c.global += run.global;
    c.spurious += run.spurious;
    if (run.kind == PointKind::NotCritical || run.kind == PointKind::Kink) continue;
    auto same = [&](const CensusFamily& f) {
      return f.kind == run.kind && f.k1 == run.k1 && std::fabs(f.loss - run.loss) <= loss_tol;
    };
    auto it = std::find_if(c.families.begin(), c.families.end(), same);
    if (it == c.families.end()) {
      CensusFamily f;
      f.kind = run.kind, f.k1 = run.k1, f.loss = run.loss, f.lambda_min = run.lambda_min;
      f.index = run.index, f.nullity = run.nullity, f.first_run = run.run;
      c.families.push_back(f);
      it = c.families.end() - 1;
    }
    ++it->runs;
  }
  std::stable_sort(c.families.begin(), c.families.end(),
                   [](const CensusFamily& a, const CensusFamily& b) { return a.loss < b.loss; });
  for (CensusRun& run : c.runs)
    for (size_t f = 0; f < c.families.size(); ++f) {
      const CensusFamily& fam = c.families[f];
      if (fam.kind == run.kind && fam.k1 == run.k1 && std::fabs(fam.loss - run.loss) <= loss_tol) {
        run.family = static_cast<int64_t>(f);
        break;
      }
    }
  c.share_global = static_cast<double>(c.global) / static_cast<double>(spec.runs);
  c.share_spurious = static_cast<double>(c.spurious) / static_cast<double>(spec.runs);
  c.global_ci = wilson_interval(c.global, spec.runs);
  c.spurious_ci = wilson_interval(c.spurious, spec.runs);
  for (const CensusRun& run : c.runs) c.descent_seconds += run.descent_seconds, c.newton_seconds += run.newton_seconds;
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return c;
}

std::vector<McCheck> check_families(const Census& c, const McCheckOptions& o) {
  check_mc_options(o);
  const int64_t d = c.spec.d, n = c.spec.K * d;
  const std::vector<double> T = orthonormal_teacher(c.spec.k, d);
  std::vector<McCheck> out;
  for (const CensusFamily& f : c.families) {
    const CensusRun& rep = c.runs[static_cast<size_t>(f.first_run)];
    McCheckOptions fo = o;
    fo.alpha = o.alpha / static_cast<double>(c.families.size());
    fo.gradient_is_zero = true;
    if (f.kind == PointKind::Saddle) {
      const PointAnalysis a = analyze_point(rep.student.data(), c.spec.K, T.data(), c.spec.k, d, c.spec.newton.eigen_tol);
      fo.curvature_direction.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) fo.curvature_direction[static_cast<size_t>(i)] = a.eigen.vectors[static_cast<size_t>(i * n)];
    }
    out.push_back(mc_check(rep.student.data(), c.spec.K, T.data(), c.spec.k, d, fo));
  }
  return out;
}

}  // namespace relumc
