// SPDX-License-Identifier: MIT
// The dynamics loop: population or sampled-gradient descent, one run per OpenMP iteration.
#include "relumc/dynamics/dynamics.hpp"
#include "relumc/dynamics/matching.hpp"

#include "relumc/core/errors.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>

namespace relumc {

namespace {

double frobenius(const std::vector<double>& a) { return std::sqrt(dot(a.data(), a.data(), static_cast<int64_t>(a.size()))); }

bool has_zero_row(const std::vector<double>& W, int64_t K, int64_t d) {
  for (int64_t j = 0; j < K; ++j)
    if (dot(&W[j * d], &W[j * d], d) == 0) return true;
  return false;
}

bool all_finite(const std::vector<double>& W) {
  for (double v : W)
    if (!std::isfinite(v)) return false;
  return true;
}

double teacher_scale(const DynamicsSpec& s) { return frobenius(s.teacher); }

// Cheap per-step recovery test: every row within tol of a teacher row, no teacher row used twice
// (K = K*); the loss criterion otherwise. When the teacher rows are more than 2 tol apart this is
// exactly "some permutation matches every row within tol".
bool recovered_now(const DynamicsSpec& s, const std::vector<double>& W, double tol) {
  if (s.K != s.Kstar) return population_loss(W.data(), s.K, s.teacher.data(), s.Kstar, s.d) <= tol * tol;
  std::vector<char> used(static_cast<size_t>(s.Kstar), 0);
  for (int64_t j = 0; j < s.K; ++j) {
    int64_t hit = -1;
    for (int64_t k = 0; k < s.Kstar && hit < 0; ++k) {
      double sq = 0;
      for (int64_t c = 0; c < s.d; ++c) {
        const double t = W[j * s.d + c] - s.teacher[k * s.d + c];
        sq += t * t;
      }
      if (sq <= tol * tol) hit = k;
    }
    if (hit < 0 || used[hit]) return false;
    used[hit] = 1;
  }
  return true;
}

void descend(std::vector<double>& W, const std::vector<double>& g, double lr) {
  for (size_t a = 0; a < W.size(); ++a) W[a] -= lr * g[a];
}

RunResult run_one(const DynamicsSpec& s, int64_t run, const std::vector<int64_t>& record, std::atomic<uint64_t>* progress) {
  const int64_t K = s.K, Ks = s.Kstar, d = s.d;
  const double scale = teacher_scale(s);
  RunResult res;
  res.run = run;
  std::vector<double> W = initial_weights(s, run), g(W.size()), Wpop, gpop(W.size()), diff(W.size());
  res.start = W;
  const bool compare = s.batch > 0 && s.compare_population;
  if (compare) Wpop = W;
  size_t next_record = 0;
  uint64_t pending = 0;
  int64_t t = 0;
  for (;; ++t) {
    if (s.stop && s.stop->load(std::memory_order_relaxed)) break;  // run_dynamics throws Interrupted
    if (!all_finite(W) || frobenius(W) > s.diverge_norm * scale || has_zero_row(W, K, d)) break;
    if (res.steps_to_recover < 0 && recovered_now(s, W, s.recover_tol * scale)) res.steps_to_recover = t;
    const bool stop_now = s.stop_when_recovered && res.steps_to_recover >= 0;
    double gap = std::numeric_limits<double>::quiet_NaN();
    if (compare) {
      for (size_t a = 0; a < W.size(); ++a) diff[a] = W[a] - Wpop[a];
      gap = frobenius(diff);
      res.max_gap = t == 0 ? gap : std::max(res.max_gap, gap);
      res.final_gap = gap;
    }
    while (next_record < record.size() && record[next_record] < t) ++next_record;
    if (next_record < record.size() && record[next_record] == t) {
      res.records.push_back(snapshot(s, W, t));
      res.records.back().gap = gap;
    }
    if (t == s.steps || stop_now) break;
    if (s.batch == 0) {
      population_gradient(W.data(), K, s.teacher.data(), Ks, d, g.data(), s.formula);
      if (frobenius(g) <= s.stop_tol * scale) break;  // a fixed point to rounding: later steps change nothing
    } else {
      sampled_gradient(W.data(), K, s.teacher.data(), Ks, d, s.seed, static_cast<uint32_t>(run),
                       static_cast<uint64_t>(t) * static_cast<uint64_t>(s.batch), s.batch, g.data(), s.contract);
    }
    descend(W, g, s.lr);
    if (compare && !has_zero_row(Wpop, K, d)) {
      population_gradient(Wpop.data(), K, s.teacher.data(), Ks, d, gpop.data(), s.formula);
      descend(Wpop, gpop, s.lr);
    }
    if (progress && ++pending == 256) progress->fetch_add(pending, std::memory_order_relaxed), pending = 0;
  }
  if (progress) progress->fetch_add(pending + static_cast<uint64_t>(s.steps - std::min(t, s.steps)), std::memory_order_relaxed);
  res.steps_run = t;
  res.final_weights = W;
  res.end = classify_endpoint(s, W);
  return res;
}

}  // namespace

void sampled_gradient(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, uint64_t seed,
                      uint32_t stream, uint64_t first, int64_t B, double* out, Contract contract) {
  const Scalar<double> lane;
  std::vector<double> x(static_cast<size_t>(d)), p(static_cast<size_t>(K)), q(static_cast<size_t>(Kstar));
  std::fill(out, out + K * d, 0.0);
  for (int64_t b = 0; b < B; ++b) {
    draw_sample<double>(contract, seed, stream, first + static_cast<uint64_t>(b), d, x.data());
    for (int64_t j = 0; j < K; ++j) p[j] = dot(W + j * d, x.data(), d);
    for (int64_t k = 0; k < Kstar; ++k) q[k] = dot(Wstar + k * d, x.data(), d);
    const double r = Residual(lane, p.data(), K, q.data(), Kstar, 1);  // the engine's per-sample code
    for (int64_t j = 0; j < K; ++j) {
      const double c = GradientCoefficient(lane, p[j], r);
      if (c != 0)
        for (int64_t a = 0; a < d; ++a) out[j * d + a] += c * x[a];
    }
  }
  for (int64_t a = 0; a < K * d; ++a) out[a] /= static_cast<double>(B);
}

Snapshot snapshot(const DynamicsSpec& s, const std::vector<double>& W, int64_t step) {
  const int64_t K = s.K, Ks = s.Kstar, d = s.d;
  Snapshot sn;
  sn.step = step;
  sn.loss = population_loss(W.data(), K, s.teacher.data(), Ks, d);
  if (has_zero_row(W, K, d)) {
    sn.grad_norm = std::numeric_limits<double>::quiet_NaN();
  } else {
    std::vector<double> g(W.size());
    population_gradient(W.data(), K, s.teacher.data(), Ks, d, g.data());
    sn.grad_norm = frobenius(g);
  }
  const std::vector<double> cost = row_distances(W.data(), K, s.teacher.data(), Ks, d);
  const Matching m = best_matching(cost, K, Ks);
  sn.dist.assign(static_cast<size_t>(K), std::numeric_limits<double>::quiet_NaN());
  for (int64_t j = 0; j < K; ++j)
    if (m.perm[j] >= 0) sn.dist[j] = cost[j * Ks + m.perm[j]];
  sn.Q.resize(static_cast<size_t>(K * K));
  sn.M.resize(static_cast<size_t>(K * Ks));
  for (int64_t j = 0; j < K; ++j) {
    for (int64_t jp = 0; jp < K; ++jp) sn.Q[j * K + jp] = dot(&W[j * d], &W[jp * d], d);
    for (int64_t k = 0; k < Ks; ++k) sn.M[j * Ks + k] = dot(&W[j * d], &s.teacher[k * d], d);
  }
  return sn;
}

Endpoint classify_endpoint(const DynamicsSpec& s, const std::vector<double>& W) {
  const double scale = teacher_scale(s), nan = std::numeric_limits<double>::quiet_NaN();
  Endpoint e;
  if (!all_finite(W) || frobenius(W) > s.diverge_norm * scale) {
    e.outcome = Outcome::Diverged;
    e.loss = e.grad_norm = e.max_dist = nan;
    e.note = all_finite(W) ? "|W| beyond diverge_norm times |W*|" : "non-finite weights";
    return e;
  }
  const Snapshot sn = snapshot(s, W, -1);
  const std::vector<double> cost = row_distances(W.data(), s.K, s.teacher.data(), s.Kstar, s.d);
  e.perm = best_matching(cost, s.K, s.Kstar).perm;
  e.loss = sn.loss;
  e.grad_norm = sn.grad_norm;
  e.max_dist = 0;
  for (double v : sn.dist)
    if (!std::isnan(v)) e.max_dist = std::max(e.max_dist, v);
  const double tol = s.recover_tol * scale;
  const bool zero_row = has_zero_row(W, s.K, s.d);
  if (s.K == s.Kstar ? e.max_dist <= tol : e.loss <= tol * tol) {
    e.outcome = Outcome::Recovered;
    e.note = s.K == s.Kstar ? "every row within recover_tol of its teacher row" : "teacher function recovered (loss)";
  } else if (zero_row || e.grad_norm <= s.stall_tol * scale) {
    e.outcome = Outcome::Stalled;
    e.note = zero_row ? "a row reached w = 0 (gradient undefined)" : "critical point that is not the teacher";
  } else {
    e.outcome = Outcome::NotConverged;
    e.note = "neither at the teacher nor at a critical point within the step budget";
  }
  return e;
}

std::vector<RunResult> run_dynamics(const DynamicsSpec& s, std::atomic<uint64_t>* progress) {
  validate(s);
  std::vector<int64_t> record = s.record_steps;
  std::sort(record.begin(), record.end());
  record.erase(std::unique(record.begin(), record.end()), record.end());
  std::vector<RunResult> out(static_cast<size_t>(s.runs));
  const int threads = s.threads > 0 ? s.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (int64_t r = 0; r < s.runs; ++r) {
    if (s.stop && s.stop->load(std::memory_order_relaxed)) continue;  // (no exception may leave the loop)
    out[r] = run_one(s, r, record, progress);
  }
  if (s.stop && s.stop->load()) throw Interrupted("stopped: the dynamics runs were interrupted");
  return out;
}

}  // namespace relumc
