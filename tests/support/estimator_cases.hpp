// SPDX-License-Identifier: MIT
// The cases every estimator backend is tested on (tests/unit/test_estimator.hpp, written once and
// instantiated per backend), and the plain-order reference sums the estimates are held to. Also used by
// the backend-specific tests (test_monte_carlo.cpp, test_cuda.cpp).
//
// Every case uses a fixed seed, so every test is deterministic; statistical thresholds are derived from
// the standard error (tests/support/stats_support.hpp), never tuned to a draw.
#pragma once

#include "relumc/backend/estimate.hpp"
#include "relumc/core/case.hpp"
#include "relumc/math/closed_forms.hpp"
#include "relumc/math/sample_contract.hpp"
#include "relumc/plan/sweep.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace relumc::testing {

// The calibration grid (test_verdicts.cpp, test_sample_plan.cpp): every quantity, several angles, norms,
// ratios, d in {2, 3, 5}, K in {1, 2}, K* in {1, 3} (K != K* among them), two random cases; 702 cases.
inline GridSpec calibration_grid(uint64_t samples) {
  GridSpec g;
  g.angles = {0.3, 0.9, 1.5, 2.1, 2.7};
  g.norms = {0.7, 1.6};
  g.ratios = {0.8, 1.5};
  g.dims = {2, 3, 5};
  g.units = {1, 2};
  g.teacher_units = {1, 3};
  g.random_cases = 2;
  g.samples = {samples};
  return g;
}

inline constexpr uint64_t kSeed = 20170806;  // fixed: every test that uses it is deterministic
inline constexpr int kThreads = 2;

inline EstimateOptions options(Precision p, int threads = kThreads, uint64_t seed = kSeed) {
  EstimateOptions o;
  o.seed = seed;
  o.threads = threads;
  o.precision = p;
  return o;
}

// Contract v2 (relumc/math/contract.hpp): float, v2's normals.
inline EstimateOptions options_v2(int threads = kThreads, uint64_t seed = kSeed) {
  EstimateOptions o = options(Precision::Float, threads, seed);
  o.contract = Contract::V2;
  return o;
}

inline double eps_of(Precision p) {
  return p == Precision::Float ? std::numeric_limits<float>::epsilon() : std::numeric_limits<double>::epsilon();
}

// The rounding floor the verdict adds to the standard error (relumc/stats/verdict.hpp): without it a
// quantity that the estimator computes exactly (se = 0) would give z = 0/0.
inline double rounding_floor(const Case& c, Precision p) { return 16 * eps_of(p) * magnitude(c); }

inline std::string describe_case(const Case& c) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s d=%lld K=%lld K*=%lld angle=%.3f N=%llu stream=%u input=%s",
                std::string(to_string(c.quantity)).c_str(), static_cast<long long>(c.d), static_cast<long long>(c.K),
                static_cast<long long>(c.Kstar), c.angle, static_cast<unsigned long long>(c.samples), c.stream,
                std::string(to_string(c.input)).c_str());
  return buf;
}

inline bool bit_identical(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// ---- statistical agreement with the closed forms ----

// N per case: a budget of samples x (normals + projections) per case, so d = 200 costs about what d = 2
// does; N stays within [2e4, 5e5] (relative standard error below ~1%).
inline uint64_t samples_for(int64_t d, int64_t K, int64_t Ks) {
  const double work = 4.0 * ((d + 3) / 4) + static_cast<double>((K + Ks) * d);
  return static_cast<uint64_t>(std::clamp(6.0e6 / work, 2.0e4, 5.0e5));
}

// Grid cases over odd and even d (1, 3, 7, 17, 33 odd), every quantity, K != K* among the shapes; every
// case on its own stream, so the estimates are independent (the pooled chi-square needs it).
inline std::vector<Case> agreement_cases() {
  // (d, angle); d = 1 uses the two angles that exist there, 0 and pi.
  const std::vector<std::pair<int64_t, double>> dims_angles = {{1, 0.0},  {2, 0.5},  {3, 2.6}, {7, 1.2},
                                                               {17, 2.2}, {33, 1.9}, {200, 1.0}};
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{1, 1}, {2, 3}, {3, 1}, {4, 2}};
  std::vector<Case> all;
  for (const auto& [d, angle] : dims_angles) {
    GridSpec g;
    // In d = 1 only the angles 0 and pi exist.
    g.angles = d == 1 ? std::vector<double>{0.0, kPi} : std::vector<double>{angle};
    g.dims = {d};
    g.quantities = {Quantity::Gating};
    g.norms = {1.3};
    g.samples = {samples_for(d, 1, 1)};
    for (Case& c : build_grid(g, kSeed)) all.push_back(c);
    for (const auto& [K, Ks] : shapes) {
      g.quantities = {Quantity::Grad, Quantity::Loss};
      g.units = {K};
      g.teacher_units = {Ks};
      g.norms = {0.8};
      g.ratios = {1.5};
      g.samples = {samples_for(d, K, Ks)};
      for (Case& c : build_grid(g, kSeed)) all.push_back(c);
    }
  }
  for (size_t k = 0; k < all.size(); ++k) all[k].stream = static_cast<uint32_t>(k);
  return all;
}

// ---- determinism ----

inline Case determinism_case(Quantity q) {
  GridSpec g;
  g.quantities = {q};
  g.angles = {1.7};
  g.dims = {7};
  g.units = {2};
  g.teacher_units = {3};
  g.norms = {0.9};
  g.samples = {65537};  // not a multiple of the chunk count: uneven chunks
  return build_grid(g, kSeed).at(0);
}

// ---- edge cases: d = 5, K = 2, K* = 3 at one angle, N chosen by the test ----

inline Case edge_case(Quantity q, uint64_t N) {
  GridSpec g;
  g.quantities = {q};
  g.angles = {0.8};
  g.dims = {5};
  g.units = {2};
  g.teacher_units = {3};
  g.norms = {1.2};
  g.samples = {N};
  return build_grid(g, kSeed).at(0);
}

// ---- random weights, odd sizes (the CPU reference for the GPU) ----

inline Case make_case(Quantity q, int64_t d, int64_t K, int64_t Kstar, uint64_t N, uint64_t seed) {
  Case c;
  c.quantity = q;
  c.d = d;
  c.K = q == Quantity::Gating ? 1 : K;
  c.Kstar = q == Quantity::Gating ? 1 : Kstar;
  c.samples = N;
  c.stream = 5;
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  c.student.resize(static_cast<size_t>(c.K * d));
  c.teacher.resize(static_cast<size_t>(c.Kstar * d));
  for (double& w : c.student) w = normal(gen) / std::sqrt(static_cast<double>(d));
  for (double& w : c.teacher) w = normal(gen) / std::sqrt(static_cast<double>(d));
  return c;
}

struct AgreementCase {
  Quantity q;
  int64_t d, K, Kstar;
  uint64_t N;
};

// Odd d (1, 3, 17, 4097) and d past one shared-memory tile (1000, 4097), K != K*, and N that are not
// multiples of the chunk count or of a warp.
inline constexpr AgreementCase kAgreementCases[] = {
    {Quantity::Gating, 1, 1, 1, 10007},  {Quantity::Gating, 3, 1, 1, 10007},  {Quantity::Gating, 1000, 1, 1, 3001},
    {Quantity::Grad, 1, 1, 1, 10007},    {Quantity::Grad, 3, 7, 2, 10007},    {Quantity::Grad, 17, 1, 7, 5003},
    {Quantity::Grad, 4097, 1, 1, 1009},  {Quantity::Grad, 1000, 7, 3, 1009}, {Quantity::Loss, 3, 7, 7, 10007},
    {Quantity::Loss, 4097, 1, 1, 1009}};

// ---- the plain-order reference ----

// Sums of the per-sample quantity over samples 0..N-1 in plain sample order, with the same per-sample
// arithmetic as the backends (precision T, the scalar lane math of relumc/math/detail/lane_math-inl.hpp
// and fused multiply-add projections): the reference for small N.
struct Reference {
  std::vector<double> sum, sumsq, abs_sum;
};

template <class T>
Reference reference_sums(const Case& c, uint64_t seed) {
  const int64_t m = components(c), d = c.d, K = c.K, Ks = c.Kstar;
  Reference r{std::vector<double>(m, 0.0), std::vector<double>(m, 0.0), std::vector<double>(m, 0.0)};
  const std::vector<T> W(c.student.begin(), c.student.end()), Ws(c.teacher.begin(), c.teacher.end());
  std::vector<T> x(d), p(K), q(Ks), coef(K);
  auto add = [&](int64_t a, double v) {
    r.sum[a] += v;
    r.sumsq[a] += v * v;
    r.abs_sum[a] += std::fabs(v);
  };
  for (uint64_t i = 0; i < c.samples; ++i) {
    draw_input_sample<T>(c.input, c.radius, seed, c.stream, i, d, x.data());
    const Scalar<T> sd;
    for (int64_t j = 0; j < K; ++j) {
      T s = 0;
      for (int64_t a = 0; a < d; ++a) s = MulAdd(W[j * d + a], x[a], s);
      p[j] = s;
    }
    for (int64_t k = 0; k < Ks; ++k) {
      T s = 0;
      for (int64_t a = 0; a < d; ++a) s = MulAdd(Ws[k * d + a], x[a], s);
      q[k] = s;
    }
    const T residual = Residual(sd, p.data(), K, q.data(), Ks, 1);
    if (c.quantity == Quantity::Loss) {
      add(0, static_cast<double>(SampleLoss(sd, residual)));
      continue;
    }
    if (c.quantity == Quantity::Gating)
      coef[0] = GatingCoefficient(sd, q[0], p[0]);
    else
      for (int64_t j = 0; j < K; ++j) coef[j] = GradientCoefficient(sd, p[j], residual);
    for (int64_t j = 0; j < K; ++j)
      for (int64_t a = 0; a < d; ++a) add(j * d + a, static_cast<double>(coef[j] * x[a]));
  }
  return r;
}

// The estimate e of c (seed kSeed, precision T) equals the plain-order reference up to summation order.
// Both sum the same N doubles; each order's error is at most (N - 1) u sum|v| (u = eps/2, the classic
// worst-case bound, whatever the order), so the means differ by at most (N - 1) eps sum|v| / N, while one
// sample lost or counted twice moves the sum by |v_i| ~ sum|v| / N, i.e. 1 / (N^2 eps) > 1e6 times more
// than the bound for every N used here.
template <class T>
void expect_matches_reference(const Case& c, const Estimate& e) {
  const Reference ref = reference_sums<T>(c, kSeed);
  const double n = static_cast<double>(c.samples), eps = std::numeric_limits<double>::epsilon();
  ASSERT_EQ(e.mean.size(), ref.sum.size());
  for (size_t a = 0; a < ref.sum.size(); ++a) {
    const double mean = ref.sum[a] / n;
    EXPECT_NEAR(e.mean[a], mean, (n - 1) * eps * ref.abs_sum[a] / n + 1e-300) << describe_case(c) << " component " << a;
    const double var = std::max(0.0, (ref.sumsq[a] - ref.sum[a] * mean) / (n - 1));
    // Same bound for sum v^2 and sum v, propagated through sumsq - sum * mean.
    const double var_tol = 4 * n * eps * (ref.sumsq[a] + ref.abs_sum[a] * std::fabs(mean)) / (n - 1);
    EXPECT_NEAR(e.std_error[a] * e.std_error[a], var / n, var_tol / n + 1e-300) << describe_case(c) << " component " << a;
  }
}

}  // namespace relumc::testing
