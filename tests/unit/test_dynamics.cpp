// SPDX-License-Identifier: MIT
// The dynamics library: one-ReLU convergence at the linear rate 1 - eta/2 inside Tian's region,
// exact permutation matching (where greedy is wrong), the sampled-gradient gap shrinking like B^-1/2
// (thresholds from the statistics, fixed seeds), determinism across thread counts, initialisations,
// and an endpoint classifier that says "not recovered" when the run is not at the teacher.
#include "relumc/core/errors.hpp"
#include "relumc/dynamics/dynamics.hpp"
#include "relumc/dynamics/matching.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>

using namespace relumc;

namespace {

DynamicsSpec one_relu(int64_t d, double wstar_norm) {
  DynamicsSpec s;
  s.d = d;
  s.K = s.Kstar = 1;
  s.teacher = orthonormal_teacher(1, d, wstar_norm);
  return s;
}

std::vector<double> unit(int64_t d, uint64_t seed, uint32_t stream) {
  std::vector<double> u(static_cast<size_t>(d));
  draw_sample<double>(seed, stream, 0, d, u.data());
  const double n = norm(u.data(), d);
  for (double& v : u) v /= n;
  return u;
}

double dist(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

}  // namespace

// Near w* the population gradient is H (w - w*) with H = E[x x^T 1(w*.x > 0)] = I/2 (the residual
// vanishes at w*, so the gate's derivative does not enter), so |w_t - w*| contracts by exactly
// 1 - eta/2 per step in the limit, with a correction of relative order |w - w*| / |w*|.
// Tian's Theorem: from inside |w - w*| < |w*| the dynamics converges; we check the distance falls at
// every step from 50 starts spread over that region, then the asymptotic rate.
TEST(Dynamics, OneReluInsideTheRegionContractsAtRateOneMinusHalfEta) {
  const int64_t d = 6;
  const double wn = 1.5, eta = 0.5;
  for (uint32_t start = 0; start < 50; ++start) {
    DynamicsSpec s = one_relu(d, wn);
    s.lr = eta;
    s.steps = 200;
    s.stop_tol = 0;
    s.record_steps.resize(s.steps + 1);
    std::iota(s.record_steps.begin(), s.record_steps.end(), 0);
    // w0 = w* + rho u, rho in (0, 0.98 |w*|): inside the region, up to angles near pi/2 from w*.
    const std::vector<double> u = unit(d, 7, start);
    const double rho = wn * 0.98 * (start + 1) / 50.0;
    s.init.kind = InitKind::Weights;
    s.init.weights = s.teacher;
    for (int64_t c = 0; c < d; ++c) s.init.weights[c] += rho * u[c];
    const RunResult r = run_dynamics(s).front();
    ASSERT_EQ(r.end.outcome, Outcome::Recovered) << "start " << start;
    double prev = r.records[0].dist[0];
    EXPECT_NEAR(prev, rho, 1e-12);
    bool rate_checked = false;
    for (size_t t = 1; t < r.records.size(); ++t) {
      const double cur = r.records[t].dist[0];
      if (prev < 1e-13) break;  // at the rounding floor
      EXPECT_LT(cur, prev) << "start " << start << " step " << t;
      // Asymptotic rate, once |h|/|w*| < 1e-5: the O(|h|) correction is far below 1e-3.
      if (prev < 1e-5 * wn && prev > 1e-9 * wn) {
        EXPECT_NEAR(cur / prev, 1 - eta / 2, 1e-3) << "start " << start << " step " << t;
        rate_checked = true;
      }
      prev = cur;
    }
    EXPECT_TRUE(rate_checked);
  }
}

// Greedy matching (each student row takes its nearest free teacher row) is wrong here: w0 = 1.9 is
// nearest to w*0 = 1 (0.9), leaving w1 = -5 with w*1 = 3 (8): total 8.9; the best is 1.1 + 6 = 7.1.
TEST(Matching, BeatsGreedyOnHandBuiltCases) {
  const std::vector<double> T{1, 0, 3, 0}, W{1.9, 0, -5, 0};
  const std::vector<double> cost = row_distances(W.data(), 2, T.data(), 2, 2);
  for (const Matching& m : {best_matching_brute_force(cost, 2, 2), best_matching_hungarian(cost, 2, 2)}) {
    EXPECT_EQ(m.perm, (std::vector<int64_t>{1, 0}));
    EXPECT_NEAR(m.cost, 7.1, 1e-12);
  }
  // 3 x 3: greedy on the smallest entry (0) takes (0,0) and is forced into 10 + 10; best is 1+1+1.
  const std::vector<double> c3{0, 1, 10, 10, 0, 1, 1, 10, 10};
  for (const Matching& m : {best_matching_brute_force(c3, 3, 3), best_matching_hungarian(c3, 3, 3)}) {
    EXPECT_EQ(m.perm, (std::vector<int64_t>{1, 2, 0}));
    EXPECT_DOUBLE_EQ(m.cost, 3);
  }
  // Rectangular: 3 students, 2 teachers: the far student stays unmatched.
  const std::vector<double> c32{5, 1, 0.5, 2, 100, 100};
  for (const Matching& m : {best_matching_brute_force(c32, 3, 2), best_matching_hungarian(c32, 3, 2)}) {
    EXPECT_EQ(m.perm, (std::vector<int64_t>{1, 0, -1}));
    EXPECT_DOUBLE_EQ(m.cost, 1.5);
  }
  // 2 students, 3 teachers.
  const std::vector<double> c23{4, 1, 2, 1, 3, 5};
  EXPECT_EQ(best_matching(c23, 2, 3).perm, (std::vector<int64_t>{1, 0}));
}

TEST(Matching, HungarianEqualsBruteForceAndFindsPermutedTeachers) {
  for (uint32_t trial = 0; trial < 300; ++trial) {
    const int64_t rows = 1 + trial % 6, cols = 1 + (trial / 6) % 6;
    std::vector<double> cost(static_cast<size_t>(rows * cols));
    draw_sample<double>(3, trial, 0, rows * cols, cost.data());
    for (double& c : cost) c = std::fabs(c);
    const Matching a = best_matching_brute_force(cost, rows, cols), b = best_matching_hungarian(cost, rows, cols);
    EXPECT_NEAR(a.cost, b.cost, 1e-12) << rows << "x" << cols << " trial " << trial;
  }
  // K = 12 (Hungarian path): student rows are the teacher rows in a shuffled order plus small noise.
  const int64_t K = 12, d = 12;
  const std::vector<double> T = orthonormal_teacher(K, d, 1.0);
  std::vector<int64_t> perm(K);
  std::iota(perm.begin(), perm.end(), 0);
  std::rotate(perm.begin(), perm.begin() + 5, perm.end());
  std::swap(perm[0], perm[7]);
  std::vector<double> W(static_cast<size_t>(K * d)), noise(static_cast<size_t>(d));
  for (int64_t j = 0; j < K; ++j) {
    draw_sample<double>(5, static_cast<uint32_t>(j), 0, d, noise.data());
    for (int64_t c = 0; c < d; ++c) W[j * d + c] = T[perm[j] * d + c] + 0.05 * noise[c];
  }
  EXPECT_EQ(best_matching(row_distances(W.data(), K, T.data(), K, d), K, K).perm, perm);
}

namespace {

DynamicsSpec two_relus(int64_t d) {
  DynamicsSpec s;
  s.d = d;
  s.K = s.Kstar = 2;
  s.teacher = orthonormal_teacher(2, d, 1.0);
  return s;
}

struct MeanSe {
  double mean = 0, se = 0;
};

MeanSe mean_se(const std::vector<double>& v) {
  const double n = static_cast<double>(v.size());
  double m = 0, q = 0;
  for (double x : v) m += x;
  m /= n;
  for (double x : v) q += (x - m) * (x - m);
  return {m, std::sqrt(q / (n - 1) / n)};
}

// One step from W0: W1_sgd - W1_pop = -eta (g_B - g) with g_B the mean of B independent per-sample
// gradients, so E[B |g_B - g|^2] = tr Sigma exactly, for every B (Sigma: covariance of one per-sample
// gradient). Returns z = (mean over runs of B |g_B - ref|^2 - tr Sigma) / se, tr Sigma estimated from
// independent single samples. With ref = the true gradient z is N(0, 1)-ish; with a biased ref the
// mean grows like B |bias|^2.
double one_step_noise_z(int64_t B, Formula ref_formula) {
  DynamicsSpec s = two_relus(4);
  const std::vector<double> W{0.8, 0.3, -0.2, 0.1, 0.4, 0.9, 0.3, -0.3};
  std::vector<double> g(8), ref(8), gb(8);
  population_gradient(W.data(), 2, s.teacher.data(), 2, 4, g.data());
  population_gradient(W.data(), 2, s.teacher.data(), 2, 4, ref.data(), ref_formula);
  std::vector<double> y, tr;
  for (uint32_t r = 0; r < 400; ++r) {
    sampled_gradient(W.data(), 2, s.teacher.data(), 2, 4, 11, r, 0, B, gb.data());
    double q = 0;
    for (int a = 0; a < 8; ++a) q += (gb[a] - ref[a]) * (gb[a] - ref[a]);
    y.push_back(static_cast<double>(B) * q);
  }
  for (uint64_t i = 0; i < 20000; ++i) {  // stream 100000: disjoint from the runs' streams above
    sampled_gradient(W.data(), 2, s.teacher.data(), 2, 4, 11, 100000, i, 1, gb.data());
    double q = 0;
    for (int a = 0; a < 8; ++a) q += (gb[a] - g[a]) * (gb[a] - g[a]);
    tr.push_back(q);
  }
  const MeanSe a = mean_se(y), b = mean_se(tr);
  return (a.mean - b.mean) / std::hypot(a.se, b.se);
}

// Multi-step: fitted slope of log E|W_sgd - W_pop|^2 at the final step between B = 16 and 256, and
// its standard error (delta method). Theory to leading order: the deviation is a sum of propagated
// per-step noises of covariance Sigma_t / B, so E gap^2 = C / B: slope -1 (gap ~ B^-1/2).
struct Slope {
  double slope = 0, se = 0;
};

Slope gap_slope(Formula ref_formula) {
  double logm[2], rel[2];
  const int64_t batches[2] = {16, 256};
  for (int k = 0; k < 2; ++k) {
    DynamicsSpec s = two_relus(4);
    s.init.kind = InitKind::Gaussian;
    s.init.std = 0.5;
    s.lr = 0.1;
    s.steps = 20;
    s.runs = 200;
    s.batch = batches[k];
    s.compare_population = true;
    s.formula = ref_formula;  // drives the population reference only (the sampled gradient is the truth)
    std::vector<double> g2;
    for (const RunResult& r : run_dynamics(s)) g2.push_back(r.final_gap * r.final_gap);
    const MeanSe m = mean_se(g2);
    logm[k] = std::log(m.mean);
    rel[k] = m.se / m.mean;
  }
  const double span = std::log(256.0 / 16.0);
  return {(logm[1] - logm[0]) / span, std::hypot(rel[0], rel[1]) / span};
}

}  // namespace

TEST(Dynamics, OneStepSampledGradientNoiseIsTraceSigmaOverB) {
  for (int64_t B : {4, 64}) EXPECT_LT(std::fabs(one_step_noise_z(B, Formula::Tian)), 5.0) << "B = " << B;
  // A reference that is not the mean of the sampled gradient is caught.
  EXPECT_GT(one_step_noise_z(64, Formula::ThetaSwap), 5.0);
}

TEST(Dynamics, SampledTrajectoryApproachesPopulationLikeInverseSqrtBatch) {
  const Slope ok = gap_slope(Formula::Tian);
  EXPECT_LT(std::fabs(ok.slope + 1), 5 * ok.se) << "slope " << ok.slope << " se " << ok.se;
  // Against a population run with a wrong gradient the gap does not shrink: the check says no.
  const Slope wrong = gap_slope(Formula::SinSign);
  EXPECT_GT(std::fabs(wrong.slope + 1), 5 * wrong.se) << "slope " << wrong.slope << " se " << wrong.se;
}

TEST(Dynamics, BitIdenticalWhateverTheThreadCount) {
  DynamicsSpec s = two_relus(5);
  s.init.kind = InitKind::Gaussian;
  s.init.std = 0.4;
  s.steps = 30;
  s.batch = 8;
  s.compare_population = true;
  s.runs = 13;
  s.record_steps = {0, 7, 30};
  std::vector<std::vector<RunResult>> all;
  for (int threads : {1, 2, 3, 1}) {
    s.threads = threads;
    all.push_back(run_dynamics(s));
  }
  for (size_t k = 1; k < all.size(); ++k)
    for (size_t r = 0; r < all[0].size(); ++r) {
      EXPECT_EQ(all[k][r].final_weights, all[0][r].final_weights);  // operator== on doubles: bit equality
      ASSERT_EQ(all[k][r].records.size(), all[0][r].records.size());
      for (size_t t = 0; t < all[0][r].records.size(); ++t) {
        EXPECT_EQ(all[k][r].records[t].loss, all[0][r].records[t].loss);
        EXPECT_EQ(all[k][r].records[t].gap, all[0][r].records[t].gap);
      }
    }
  // Runs differ from each other (distinct streams), and the population runs differ from SGD.
  EXPECT_NE(all[0][0].final_weights, all[0][1].final_weights);
  EXPECT_GT(all[0][0].final_gap, 0);
}

// Contract v2 (docs/sample-contract.md): the sampled gradient draws v2's float normals (widened) from the same
// words, so from the same starts (always drawn under v1) the runs differ from v1's by rounding only; the sampled
// gradient equals the engine's per-sample code on draw_sample(Contract::V2, ...).
TEST(Dynamics, ContractV2SamplesFromTheSameStarts) {
  DynamicsSpec s = two_relus(5);
  s.init.kind = InitKind::Gaussian;
  s.init.std = 0.4;
  s.steps = 30;
  s.batch = 8;
  s.runs = 3;
  s.record_steps = {0, 30};
  const std::vector<RunResult> v1 = run_dynamics(s);
  s.contract = Contract::V2;
  const std::vector<RunResult> v2 = run_dynamics(s);
  for (size_t r = 0; r < v1.size(); ++r) {
    EXPECT_EQ(v1[r].start, v2[r].start) << "run " << r;
    EXPECT_NE(v1[r].final_weights, v2[r].final_weights) << "run " << r;
    for (size_t a = 0; a < v1[r].final_weights.size(); ++a)
      EXPECT_NEAR(v1[r].final_weights[a], v2[r].final_weights[a], 1e-4) << "run " << r;
  }
  std::vector<double> g(static_cast<size_t>(s.K * s.d)), ref(g.size(), 0.0), x(static_cast<size_t>(s.d));
  const std::vector<double> W = v1[0].start;
  sampled_gradient(W.data(), s.K, s.teacher.data(), s.Kstar, s.d, s.seed, 0, 16, 8, g.data(), Contract::V2);
  for (uint64_t i = 16; i < 24; ++i) {
    draw_sample<double>(Contract::V2, s.seed, 0, i, s.d, x.data());
    double p[2], q[2];
    for (int j = 0; j < 2; ++j) {
      p[j] = q[j] = 0;
      for (int64_t k = 0; k < s.d; ++k) p[j] = std::fma(W[j * s.d + k], x[k], p[j]), q[j] = std::fma(s.teacher[j * s.d + k], x[k], q[j]);
    }
    const double r = std::max(p[0], 0.0) + std::max(p[1], 0.0) - std::max(q[0], 0.0) - std::max(q[1], 0.0);
    for (int j = 0; j < 2; ++j)
      if (p[j] > 0)
        for (int64_t k = 0; k < s.d; ++k) ref[j * s.d + k] += r * x[k];
  }
  for (size_t a = 0; a < g.size(); ++a) EXPECT_NEAR(g[a], ref[a] / 8, 1e-12) << a;
  s.batch = static_cast<int64_t>(kV2MaxSamples) + 1;
  try {
    validate(s);
    ADD_FAILURE() << "a v2 batch past kV2MaxSamples accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "contract") << e.what();
  }
}

// x = y makes every row the same vector; permuting the teacher rows maps the dynamics to itself, so
// the rows stay equal forever and can never match distinct teacher rows: the run must end "stalled"
// at a critical point that is not the teacher. A small perturbation breaks the symmetry and the
// same start then recovers the teacher (Tian's spontaneous symmetry breaking).
TEST(Dynamics, ClassifierSaysNoAtTheSymmetricCriticalPoint) {
  for (int64_t K : {2, 3}) {
    DynamicsSpec s;
    s.d = K;
    s.K = s.Kstar = K;
    s.teacher = orthonormal_teacher(K, K, 1.0);
    s.init.kind = InitKind::Symmetric;
    s.init.x = s.init.y = 0.3;
    s.lr = 0.2;
    s.steps = 4000;
    const RunResult r = run_dynamics(s).front();
    EXPECT_EQ(r.end.outcome, Outcome::Stalled) << "K = " << K << ": " << r.end.note;
    EXPECT_GT(r.end.loss, 1e-3);
    EXPECT_LE(r.end.grad_norm, s.stall_tol * std::sqrt(static_cast<double>(K)));
    for (int64_t j = 1; j < K; ++j)
      for (int64_t c = 0; c < K; ++c) EXPECT_EQ(r.final_weights[j * K + c], r.final_weights[c]);
    s.init.delta = 1e-3;
    s.d = K + 1;  // room for the perturbation to leave the teacher's span too
    s.teacher = orthonormal_teacher(K, K + 1, 1.0);
    s.steps = 20000;
    const RunResult b = run_dynamics(s).front();
    EXPECT_EQ(b.end.outcome, Outcome::Recovered) << "K = " << K << ": " << b.end.note;
    EXPECT_GT(b.steps_to_recover, 0);
  }
}

TEST(Dynamics, ClassifierSaysNoForNonTeacherEndpointsAndWrongGradients) {
  DynamicsSpec s = two_relus(3);
  const double tol = s.recover_tol * std::sqrt(2.0);
  // The teacher with its rows swapped is the teacher up to permutation.
  std::vector<double> W{0, 1, 0, 1, 0, 0};
  EXPECT_EQ(classify_endpoint(s, W).outcome, Outcome::Recovered);
  W[2] = 10 * tol;  // a row 10 tolerances away: neither recovered nor critical
  EXPECT_EQ(classify_endpoint(s, W).outcome, Outcome::NotConverged);
  W[2] = NAN;
  EXPECT_EQ(classify_endpoint(s, W).outcome, Outcome::Diverged);
  W[2] = 1e9;
  EXPECT_EQ(classify_endpoint(s, W).outcome, Outcome::Diverged);
  // One ReLU started exactly opposite to w*: theta = pi stays pi, |w| shrinks towards 0 (a critical
  // point of the non-smooth loss), never towards w*.
  DynamicsSpec o = one_relu(3, 1.0);
  o.init.kind = InitKind::Weights;
  o.init.weights = {-0.5, 0, 0};
  o.steps = 3000;
  o.lr = 0.5;
  const RunResult opp = run_dynamics(o).front();
  EXPECT_EQ(opp.end.outcome, Outcome::Stalled) << opp.end.note;
  EXPECT_NEAR(opp.end.loss, 0.25, 1e-6);  // E relu(w*.x)^2 / 2 = |w*|^2 / 4
  // A deliberately wrong gradient (theta in place of pi - theta) from inside Tian's region: the run
  // does not reach w*, and the classifier, measuring with the true closed forms, says so. (Not every
  // wrong formula would do: each is a difference of two terms that cancel at W = W*, so the teacher
  // stays a fixed point of all of them; with the sin sign flipped the run still reaches it.)
  o.init.weights = {0.8, 0.3, 0};
  o.formula = Formula::ThetaSwap;
  const RunResult wrong = run_dynamics(o).front();
  EXPECT_NE(wrong.end.outcome, Outcome::Recovered) << wrong.end.note;
  o.formula = Formula::Tian;
  EXPECT_EQ(run_dynamics(o).front().end.outcome, Outcome::Recovered);
}

TEST(Dynamics, Initialisations) {
  DynamicsSpec s = one_relu(3, 1.0);
  s.runs = 4000;
  s.init.kind = InitKind::Ball;
  s.init.radius = 0.7;
  std::vector<double> u, proj;
  for (int64_t r = 0; r < s.runs; ++r) {
    const std::vector<double> w = initial_weights(s, r);
    const double n = norm(w.data(), 3);
    ASSERT_LE(n, 0.7);
    u.push_back(std::pow(n / 0.7, 3.0));  // uniform in the ball <=> (|w|/r)^d ~ U(0, 1)
    proj.push_back(w[0]);
  }
  MeanSe m = mean_se(u);
  EXPECT_LT(std::fabs(m.mean - 0.5), 5 * m.se);
  m = mean_se(proj);
  EXPECT_LT(std::fabs(m.mean), 5 * m.se);
  // Gaussian: entries with variance std^2 (the variance of a sample variance is 2 sigma^4 / n).
  s.init.kind = InitKind::Gaussian;
  s.init.std = 0.3;
  std::vector<double> sq;
  for (int64_t r = 0; r < s.runs; ++r)
    for (double v : initial_weights(s, r)) sq.push_back(v * v);
  m = mean_se(sq);
  EXPECT_LT(std::fabs(m.mean - 0.09), 5 * m.se);
  // Symmetric family: exact with delta = 0; each row moved by exactly delta otherwise.
  DynamicsSpec t = two_relus(4);
  t.teacher = orthonormal_teacher(2, 4, 1.0);
  t.init.kind = InitKind::Symmetric;
  t.init.x = 0.7;
  t.init.y = 0.2;
  const std::vector<double> base = initial_weights(t, 0);
  EXPECT_EQ(base, (std::vector<double>{0.7, 0.2, 0, 0, 0.2, 0.7, 0, 0}));
  t.init.delta = 0.01;
  const std::vector<double> pert = initial_weights(t, 3);
  for (int j = 0; j < 2; ++j) {
    const std::vector<double> a(base.begin() + 4 * j, base.begin() + 4 * j + 4), b(pert.begin() + 4 * j, pert.begin() + 4 * j + 4);
    EXPECT_NEAR(dist(a, b), 0.01, 1e-15);
  }
  EXPECT_NE(pert, initial_weights(t, 4));  // per run
}

TEST(Dynamics, BadInputIsNamed) {
  auto expect_error = [](DynamicsSpec s, const std::string& needle) {
    try {
      validate(s);
      ADD_FAILURE() << "accepted; expected an error naming " << needle;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << "the library names fields, not flags: " << e.what();
    }
  };
  DynamicsSpec s = two_relus(3);
  EXPECT_NO_THROW(validate(s));
  DynamicsSpec b = s;
  b.lr = 0;
  expect_error(b, "`lr` 0");
  b.lr = -1;
  expect_error(b, "`lr` -1");
  b.lr = NAN;
  expect_error(b, "`lr` nan");
  b = s;
  b.init.kind = InitKind::Weights;
  b.init.weights = {1, 0, 0, 0, 0, 0};
  expect_error(b, "row 1 is zero");
  b.init.weights = {1, 0, 0, 0, 1};
  expect_error(b, "5 numbers");
  b.init.weights = {1, 0, 0, 0, NAN, 0};
  expect_error(b, "nan");
  b = s;
  b.init.kind = InitKind::Symmetric;
  b.teacher = {2, 0, 0, 0, 1, 0};
  expect_error(b, "orthonormal");
  b = s;
  b.record_steps = {5000};
  expect_error(b, "`record_steps` step 5000");
  b = s;
  b.init.std = 0;
  expect_error(b, "`init.std` 0");
}

// The stop flag (frontends set it on Ctrl-C): unset, the runs are unchanged; set, run_dynamics throws Interrupted.
TEST(Dynamics, StopFlagInterruptsAndLeavesNumbersUnchanged) {
  DynamicsSpec s = two_relus(4);
  s.init.std = 0.3;
  s.runs = 3;
  s.steps = 200;
  s.batch = 16;
  s.record_steps = {0, 200};
  const std::vector<RunResult> a = run_dynamics(s);
  std::atomic<bool> stop{false};
  s.stop = &stop;
  const std::vector<RunResult> b = run_dynamics(s);
  ASSERT_EQ(a.size(), b.size());
  for (size_t r = 0; r < a.size(); ++r) EXPECT_EQ(a[r].final_weights, b[r].final_weights);
  stop = true;
  EXPECT_THROW(run_dynamics(s), Interrupted);
}
