// SPDX-License-Identifier: MIT
// Monte Carlo estimates (host/backend/cpu/cpu_backend.cpp) against the closed forms (docs/mathematics.md, closed forms 1-4), the
// determinism contract of docs/sample-contract.md, the honesty of the reported standard error, and edge cases of N,
// d and the weights.
//
// Every test uses a fixed seed, so each is deterministic; every statistical threshold is derived from
// the standard error (5 sigma per component) or from an exact chi-square quantile computed here, so a
// failure means a real discrepancy, not an unlucky draw tuned away.
#include "relumc/core/case.hpp"
#include "relumc/math/closed_forms.hpp"
#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/math/sample_contract.hpp"
#include "relumc/plan/sweep.hpp"
#include "relumc/stats/verdict.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace {

using relumc::Case;
using relumc::Estimate;
using relumc::EstimateOptions;
using relumc::GridSpec;
using relumc::Precision;
using relumc::Quantity;

constexpr uint64_t kSeed = 20170806;  // fixed: every test in this file is deterministic
constexpr int kThreads = 2;
constexpr double kPi = relumc::kPi;

EstimateOptions options(Precision p, int threads = kThreads, uint64_t seed = kSeed) {
  EstimateOptions o;
  o.seed = seed;
  o.threads = threads;
  o.precision = p;
  return o;
}

double eps_of(Precision p) {
  return p == Precision::Float ? std::numeric_limits<float>::epsilon() : std::numeric_limits<double>::epsilon();
}

// The rounding floor the verdict adds to the standard error (verdict.hpp): without it a quantity that
// the estimator computes exactly (se = 0) would give z = 0/0.
double rounding_floor(const Case& c, Precision p) { return 16 * eps_of(p) * relumc::magnitude(c); }

std::string describe(const Case& c) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s d=%lld K=%lld K*=%lld angle=%.3f N=%llu stream=%u",
                std::string(relumc::to_string(c.quantity)).c_str(), static_cast<long long>(c.d),
                static_cast<long long>(c.K), static_cast<long long>(c.Kstar), c.angle,
                static_cast<unsigned long long>(c.samples), c.stream);
  return buf;
}

// ---- chi-square distribution, computed (regularized incomplete gamma, Numerical Recipes 6.2) ----

double gamma_p(double a, double x) {
  if (x <= 0) return 0;
  const double log_prefactor = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1) {  // series
    double ap = a, del = 1 / a, sum = del;
    for (int n = 0; n < 100000; ++n) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (std::fabs(del) < std::fabs(sum) * 1e-16) break;
    }
    return sum * std::exp(log_prefactor);
  }
  // Continued fraction for Q = 1 - P (modified Lentz).
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-16) break;
  }
  return 1 - std::exp(log_prefactor) * h;
}

double chi2_cdf(double dof, double x) { return gamma_p(dof / 2, x / 2); }

// Quantile by bisection on the CDF (monotone), to far better than the test needs.
double chi2_quantile(double dof, double q) {
  double lo = 0, hi = dof + 50 * std::sqrt(2 * dof) + 100;
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    (chi2_cdf(dof, mid) < q ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// The helper is itself checked against published table values before anything relies on it.
TEST(MonteCarloHelpers, ChiSquareQuantilesMatchTables) {
  EXPECT_NEAR(chi2_quantile(1, 0.975), 5.023886187, 1e-7);
  EXPECT_NEAR(chi2_quantile(10, 0.95), 18.30703805, 1e-7);
  EXPECT_NEAR(chi2_quantile(10, 0.05), 3.940299136, 1e-7);
  EXPECT_NEAR(chi2_quantile(100, 0.999), 149.4493, 1e-3);
  EXPECT_NEAR(chi2_quantile(100, 0.001), 61.91800, 1e-3);
  // Large dof: Wilson-Hilferty is accurate to ~1e-4 relative there.
  const double k = 799, z = 3.290526731491894;  // z_{0.9995}
  const double wh = k * std::pow(1 - 2 / (9 * k) + z * std::sqrt(2 / (9 * k)), 3);
  EXPECT_NEAR(chi2_quantile(k, 0.9995), wh, 1e-3 * wh);
}

// ---- Monte Carlo agreement with the closed forms ----

// N per case: a budget of samples x (normals + projections) per case, so d = 200 costs about what d = 2
// does; N stays within [2e4, 5e5] (relative standard error below ~1%).
uint64_t samples_for(int64_t d, int64_t K, int64_t Ks) {
  const double work = 4.0 * ((d + 3) / 4) + static_cast<double>((K + Ks) * d);
  return static_cast<uint64_t>(std::clamp(6.0e6 / work, 2.0e4, 5.0e5));
}

std::vector<Case> agreement_cases() {
  // (d, angle); d = 1 uses the two angles that exist there, 0 and pi.
  const std::vector<std::pair<int64_t, double>> dims_angles = {{1, 0.0},  {2, 0.5},  {3, 2.6},
                                                               {7, 1.2}, {33, 1.9}, {200, 1.0}};
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
    for (Case& c : relumc::build_grid(g, kSeed)) all.push_back(c);
    for (const auto& [K, Ks] : shapes) {
      g.quantities = {Quantity::Grad, Quantity::Loss};
      g.units = {K};
      g.teacher_units = {Ks};
      g.norms = {0.8};
      g.ratios = {1.5};
      g.samples = {samples_for(d, K, Ks)};
      for (Case& c : relumc::build_grid(g, kSeed)) all.push_back(c);
    }
  }
  // Distinct streams: every case sees independent samples (the pooled chi-square below needs it).
  for (size_t k = 0; k < all.size(); ++k) all[k].stream = static_cast<uint32_t>(k);
  return all;
}

// Every component within 5 standard errors; and, pooled over cases, component 0's z^2 (independent
// across cases, since streams differ) sums to a chi-square with one degree of freedom per case, which
// catches a bias too small for the per-component 5-sigma rule.
void check_agreement(Precision p) {
  const std::vector<Case> cases = agreement_cases();
  double pooled = 0, max_abs_z = 0;
  int pooled_dof = 0;
  int64_t total_components = 0;
  uint64_t total_samples = 0;
  for (const Case& c : cases) {
    relumc::validate(c);
    const Estimate e = relumc::estimate_cpu(c, options(p));
    const std::vector<double> cf = relumc::closed_form(c);
    ASSERT_EQ(e.mean.size(), cf.size());
    ASSERT_EQ(e.std_error.size(), cf.size());
    EXPECT_EQ(e.samples, c.samples);
    const double floor = rounding_floor(c, p);
    for (size_t a = 0; a < cf.size(); ++a) {
      ASSERT_TRUE(std::isfinite(e.mean[a]) && std::isfinite(e.std_error[a])) << describe(c);
      const double z = (e.mean[a] - cf[a]) / std::sqrt(e.std_error[a] * e.std_error[a] + floor * floor);
      EXPECT_LE(std::fabs(z), 5.0) << describe(c) << " component " << a << " mc " << e.mean[a] << " cf " << cf[a]
                                   << " se " << e.std_error[a];
      max_abs_z = std::max(max_abs_z, std::fabs(z));
      if (a == 0 && e.std_error[0] > 0) {  // se = 0: the estimate is exact (e.g. gating at pi in d = 1)
        pooled += z * z;
        ++pooled_dof;
      }
    }
    total_components += static_cast<int64_t>(cf.size());
    total_samples += c.samples;
  }
  const double lo = chi2_quantile(pooled_dof, 0.0005), hi = chi2_quantile(pooled_dof, 0.9995);
  EXPECT_GE(pooled, lo) << "pooled z^2 too small: the standard errors are too large";
  EXPECT_LE(pooled, hi) << "pooled z^2 too large: bias, or standard errors too small";
  std::printf("[ agreement %s ] %zu cases, %lld components, %.3g samples, max |z| %.2f, pooled chi2 %.1f on %d dof "
              "(99.9%% band [%.1f, %.1f])\n",
              std::string(relumc::to_string(p)).c_str(), cases.size(), static_cast<long long>(total_components),
              static_cast<double>(total_samples), max_abs_z, pooled, pooled_dof, lo, hi);
}

TEST(MonteCarloAgreement, Double) { check_agreement(Precision::Double); }
TEST(MonteCarloAgreement, Float) { check_agreement(Precision::Float); }

// Float and double see the same x_i up to rounding (sample_contract.hpp), so on the same samples their
// estimates differ only by rounding: per sample a relative error of a few eps_float per operation over
// ~(d + K + K*) operations, never a statistical difference. The bound below is that rounding model,
// 8 (d + K + K* + 8) eps_float times the per-sample root mean square; it is far below the standard
// error, so a precision-specific bias that the 5-sigma test could miss is caught here.
TEST(MonteCarloAgreement, FloatMatchesDoubleOnTheSameSamples) {
  for (int64_t d : {3, 33, 200}) {
    GridSpec g;
    g.angles = {1.4};
    g.dims = {d};
    g.units = {4};
    g.teacher_units = {2};
    g.norms = {1.0};
    g.samples = {20000};
    for (const Case& c : relumc::build_grid(g, kSeed)) {
      const Estimate ed = relumc::estimate_cpu(c, options(Precision::Double));
      const Estimate ef = relumc::estimate_cpu(c, options(Precision::Float));
      const double n = static_cast<double>(c.samples);
      const double ops = static_cast<double>(c.d + c.K + c.Kstar + 8);
      for (size_t a = 0; a < ed.mean.size(); ++a) {
        const double rms = std::sqrt(ed.std_error[a] * ed.std_error[a] * n + ed.mean[a] * ed.mean[a]);
        const double bound = 8 * ops * std::numeric_limits<float>::epsilon() * rms;
        EXPECT_LE(std::fabs(ef.mean[a] - ed.mean[a]), bound) << describe(c) << " component " << a;
        EXPECT_LT(bound, 0.05 * ed.std_error[a]) << "bound not meaningful for " << describe(c);
      }
    }
  }
}

// ---- determinism (docs/sample-contract.md) ----

bool bit_identical(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

Case determinism_case(Quantity q) {
  GridSpec g;
  g.quantities = {q};
  g.angles = {1.7};
  g.dims = {7};
  g.units = {2};
  g.teacher_units = {3};
  g.norms = {0.9};
  g.samples = {65537};  // not a multiple of the chunk count: uneven chunks
  return relumc::build_grid(g, kSeed).at(0);
}

TEST(MonteCarloDeterminism, ThreadCountDoesNotChangeABit) {
  for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss}) {
    for (Precision p : {Precision::Double, Precision::Float}) {
      const Case c = determinism_case(q);
      std::atomic<uint64_t> done{0};
      EstimateOptions o1 = options(p, 1);
      o1.samples_done = &done;
      const Estimate one = relumc::estimate_cpu(c, o1);
      EXPECT_EQ(done.load(), c.samples) << "progress counter must count every sample once";
      for (int threads : {2, 3, 0}) {
        const Estimate other = relumc::estimate_cpu(c, options(p, threads));
        EXPECT_TRUE(bit_identical(one.mean, other.mean)) << describe(c) << " threads " << threads;
        EXPECT_TRUE(bit_identical(one.std_error, other.std_error)) << describe(c) << " threads " << threads;
        for (size_t a = 0; a < one.mean.size(); ++a) EXPECT_EQ(one.mean[a], other.mean[a]);
      }
      const Estimate again = relumc::estimate_cpu(c, options(p, 2));
      const Estimate again2 = relumc::estimate_cpu(c, options(p, 2));
      EXPECT_TRUE(bit_identical(again.mean, again2.mean));
      EXPECT_TRUE(bit_identical(again.std_error, again2.std_error));
    }
  }
}

// A different seed or a different stream is a different sample: every component changes.
TEST(MonteCarloDeterminism, SeedAndStreamChangeTheNumbers) {
  for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss}) {
    const Case c = determinism_case(q);
    Case other_stream = c;
    other_stream.stream = c.stream + 1;
    const Estimate base = relumc::estimate_cpu(c, options(Precision::Double));
    const Estimate seeded = relumc::estimate_cpu(c, options(Precision::Double, kThreads, kSeed + 1));
    const Estimate streamed = relumc::estimate_cpu(other_stream, options(Precision::Double));
    for (size_t a = 0; a < base.mean.size(); ++a) {
      EXPECT_NE(base.mean[a], seeded.mean[a]) << describe(c) << " component " << a;
      EXPECT_NE(base.mean[a], streamed.mean[a]) << describe(c) << " component " << a;
      EXPECT_NE(base.std_error[a], seeded.std_error[a]);
    }
  }
}

// ---- the standard error is honest ----

// R independent streams of one case: the sample variance s^2 of the R means should match the mean
// reported se^2. With the means (near-)Gaussian, (R - 1) s^2 / sigma^2 ~ chi2(R - 1), and the reported
// se^2, averaged over R * N samples, is sigma^2/N to ~1e-3 relative; so the ratio s^2 / mean(se^2) lies
// in [q(a/2), q(1 - a/2)] / (R - 1) with a = 1e-3, divided by the number of components tested
// (Bonferroni).
void check_honest_standard_error(const Case& base, int R, Precision p) {
  const int64_t m = relumc::components(base);
  std::vector<std::vector<double>> means(m);
  std::vector<double> mean_se2(m, 0.0);
  for (int r = 0; r < R; ++r) {
    Case c = base;
    c.stream = static_cast<uint32_t>(r);
    const Estimate e = relumc::estimate_cpu(c, options(p));
    for (int64_t a = 0; a < m; ++a) {
      means[a].push_back(e.mean[a]);
      mean_se2[a] += e.std_error[a] * e.std_error[a] / R;
    }
  }
  const double level = 1e-3 / static_cast<double>(m);
  const double lo = chi2_quantile(R - 1, level / 2) / (R - 1), hi = chi2_quantile(R - 1, 1 - level / 2) / (R - 1);
  for (int64_t a = 0; a < m; ++a) {
    double avg = 0;
    for (double v : means[a]) avg += v / R;
    double s2 = 0;
    for (double v : means[a]) s2 += (v - avg) * (v - avg) / (R - 1);
    const double ratio = s2 / mean_se2[a];
    std::printf("[ se honesty ] %s component %lld: empirical var / reported se^2 = %.4f (band [%.4f, %.4f])\n",
                describe(base).c_str(), static_cast<long long>(a), ratio, lo, hi);
    EXPECT_GE(ratio, lo) << describe(base) << " component " << a;
    EXPECT_LE(ratio, hi) << describe(base) << " component " << a;
  }
}

TEST(MonteCarloStandardError, MatchesSpreadOfIndependentMeans) {
  GridSpec g;
  g.angles = {1.1};
  g.dims = {3};
  g.norms = {1.0};
  g.ratios = {1.5};
  g.samples = {4000};
  g.quantities = {Quantity::Loss};
  g.units = {2};
  g.teacher_units = {1};
  check_honest_standard_error(relumc::build_grid(g, kSeed).at(0), 1000, Precision::Double);
  g.quantities = {Quantity::Grad};
  g.units = {1};
  check_honest_standard_error(relumc::build_grid(g, kSeed).at(0), 1000, Precision::Double);
  g.quantities = {Quantity::Gating};
  check_honest_standard_error(relumc::build_grid(g, kSeed).at(0), 600, Precision::Float);
}

// ---- edge cases ----

// The chunks partition [0, N) exactly, whatever N, including N not a multiple of the chunk count and
// N at the top of the 64-bit range (chunk_begin must not overflow).
TEST(MonteCarloEdges, ChunksPartitionTheSamples) {
  for (uint64_t N : {uint64_t{2}, uint64_t{3}, uint64_t{255}, uint64_t{256}, uint64_t{257}, uint64_t{1009},
                     uint64_t{65537}, uint64_t{1000000007}, relumc::kMaxSamples}) {
    for (int64_t m : {int64_t{1}, int64_t{7}, int64_t{800}, int64_t{1} << 22}) {
      const uint64_t chunks = relumc::chunk_count(N, m);
      ASSERT_GE(chunks, 1u);
      ASSERT_LE(chunks, N);
      EXPECT_EQ(relumc::chunk_begin(N, chunks, 0), 0u);
      EXPECT_EQ(relumc::chunk_begin(N, chunks, chunks), N) << "N " << N << " m " << m;
      for (uint64_t k = 0; k < chunks; ++k)
        EXPECT_LT(relumc::chunk_begin(N, chunks, k), relumc::chunk_begin(N, chunks, k + 1)) << "empty chunk " << k;
    }
  }
}

// Sums of the per-sample quantity over samples 0..N-1 in plain sample order, with the same per-sample
// arithmetic as the backend (precision T, the scalar lane math of relumc/math/detail/lane_math-inl.hpp and
// fused multiply-add projections): the reference for small N.
template <class T>
struct Reference {
  std::vector<double> sum, sumsq, abs_sum;
};

template <class T>
Reference<T> reference_sums(const Case& c, uint64_t seed) {
  const int64_t m = relumc::components(c), d = c.d, K = c.K, Ks = c.Kstar;
  Reference<T> r{std::vector<double>(m, 0.0), std::vector<double>(m, 0.0), std::vector<double>(m, 0.0)};
  const std::vector<T> W(c.student.begin(), c.student.end()), Ws(c.teacher.begin(), c.teacher.end());
  std::vector<T> x(d), p(K), q(Ks), coef(K);
  auto add = [&](int64_t a, double v) {
    r.sum[a] += v;
    r.sumsq[a] += v * v;
    r.abs_sum[a] += std::fabs(v);
  };
  for (uint64_t i = 0; i < c.samples; ++i) {
    relumc::draw_input_sample<T>(c.input, c.radius, seed, c.stream, i, d, x.data());
    const relumc::Scalar<T> sd;
    for (int64_t j = 0; j < K; ++j) {
      T s = 0;
      for (int64_t a = 0; a < d; ++a) s = relumc::MulAdd(W[j * d + a], x[a], s);
      p[j] = s;
    }
    for (int64_t k = 0; k < Ks; ++k) {
      T s = 0;
      for (int64_t a = 0; a < d; ++a) s = relumc::MulAdd(Ws[k * d + a], x[a], s);
      q[k] = s;
    }
    const T residual = relumc::Residual(sd, p.data(), K, q.data(), Ks, 1);
    if (c.quantity == Quantity::Loss) {
      add(0, static_cast<double>(relumc::SampleLoss(sd, residual)));
      continue;
    }
    if (c.quantity == Quantity::Gating)
      coef[0] = relumc::GatingCoefficient(sd, q[0], p[0]);
    else
      for (int64_t j = 0; j < K; ++j) coef[j] = relumc::GradientCoefficient(sd, p[j], residual);
    for (int64_t j = 0; j < K; ++j)
      for (int64_t a = 0; a < d; ++a) add(j * d + a, static_cast<double>(coef[j] * x[a]));
  }
  return r;
}

// The estimate equals the plain-order reference up to summation order. Both sum the same N doubles;
// each order's error is at most (N - 1) u sum|v| (u = eps/2, the classic worst-case bound), so the
// means differ by at most (N - 1) eps sum|v| / N, while one sample lost or counted twice moves the sum
// by |v_i| ~ sum|v| / N, i.e. 1 / (N^2 eps) > 1e6 times more than the bound for every N here.
template <class T>
void check_against_reference(const Case& c, Precision p) {
  const Reference<T> ref = reference_sums<T>(c, kSeed);
  const Estimate e = relumc::estimate_cpu(c, options(p));
  const double n = static_cast<double>(c.samples), eps = std::numeric_limits<double>::epsilon();
  ASSERT_EQ(e.mean.size(), ref.sum.size());
  for (size_t a = 0; a < ref.sum.size(); ++a) {
    const double mean = ref.sum[a] / n;
    EXPECT_NEAR(e.mean[a], mean, (n - 1) * eps * ref.abs_sum[a] / n + 1e-300) << describe(c) << " component " << a;
    const double var = std::max(0.0, (ref.sumsq[a] - ref.sum[a] * mean) / (n - 1));
    // Same bound for sum v^2 and sum v, propagated through sumsq - sum * mean.
    const double var_tol = 4 * n * eps * (ref.sumsq[a] + ref.abs_sum[a] * std::fabs(mean)) / (n - 1);
    EXPECT_NEAR(e.std_error[a] * e.std_error[a], var / n, var_tol / n + 1e-300) << describe(c) << " component " << a;
  }
}

TEST(MonteCarloEdges, SmallAndUnevenNMatchThePlainSum) {
  for (uint64_t N : {uint64_t{2}, uint64_t{3}, uint64_t{257}, uint64_t{1009}, uint64_t{65537}}) {
    for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss}) {
      GridSpec g;
      g.quantities = {q};
      g.angles = {0.8};
      g.dims = {5};
      g.units = {2};
      g.teacher_units = {3};
      g.norms = {1.2};
      g.samples = {N};
      const Case c = relumc::build_grid(g, kSeed).at(0);
      check_against_reference<double>(c, Precision::Double);
      check_against_reference<float>(c, Precision::Float);
    }
  }
}

// The estimator sums the contract's x_i of every input distribution (relumc/math/input.hpp).
TEST(MonteCarloEdges, EveryInputMatchesThePlainSum) {
  for (auto [input, radius] : {std::pair{relumc::InputKind::Sphere, 1.7}, std::pair{relumc::InputKind::Ball, 0.6},
                               std::pair{relumc::InputKind::Cube, 0.0}}) {
    for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss}) {
      GridSpec g;
      g.quantities = {q};
      g.angles = {0.8};
      g.dims = {5};
      g.units = {2};
      g.teacher_units = {3};
      g.norms = {1.2};
      g.samples = {1009};
      Case c = relumc::build_grid(g, kSeed).at(0);
      c.input = input;
      c.radius = radius;
      check_against_reference<double>(c, Precision::Double);
      check_against_reference<float>(c, Precision::Float);
    }
  }
}

// N = 2, the smallest N with a standard error: mean = (v0 + v1)/2 and se = |v0 - v1|/2 exactly as the
// two samples say; and the verdict on it is finite.
TEST(MonteCarloEdges, TwoSamples) {
  GridSpec g;
  g.quantities = {Quantity::Loss};
  g.angles = {1.0};
  g.dims = {4};
  g.samples = {2};
  const Case c = relumc::build_grid(g, kSeed).at(0);
  const Reference<double> ref = reference_sums<double>(c, kSeed);
  std::vector<double> v(2);
  {
    Case one = c;
    // v0 and v1 individually: the reference over the first sample only, and the difference.
    one.samples = 1;
    v[0] = reference_sums<double>(one, kSeed).sum[0];
    v[1] = ref.sum[0] - v[0];
  }
  const Estimate e = relumc::estimate_cpu(c, options(Precision::Double));
  EXPECT_DOUBLE_EQ(e.mean[0], 0.5 * (v[0] + v[1]));
  EXPECT_NEAR(e.std_error[0], 0.5 * std::fabs(v[0] - v[1]), 1e-12 * (std::fabs(v[0]) + std::fabs(v[1])));
  const relumc::CaseResult r = relumc::test_case(c, relumc::closed_form(c), e, Precision::Double);
  EXPECT_TRUE(std::isfinite(r.max_abs_z));
  EXPECT_TRUE(std::isfinite(r.p_value));
}

// d = 1 at angle pi: student and teacher point opposite ways. Gating: the gate 1(e.x > 0) and
// relu(w.x) are never both nonzero, so every sample is exactly 0 (mean and se exactly 0), and the
// closed form is 0 up to sin(pi) rounding; the verdict must pass with a finite z (the rounding floor).
// Grad (K = K* = 1): E grad = w/2. Grad and loss with K != K* in d = 1 as well.
TEST(MonteCarloEdges, OneDimensionAtAnglePi) {
  GridSpec g;
  g.angles = {kPi};
  g.dims = {1};
  g.norms = {1.3};
  g.ratios = {1.5};
  g.samples = {200000};
  for (const auto& [K, Ks] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {2, 3}}) {
    g.units = {K};
    g.teacher_units = {Ks};
    std::vector<Case> cases = relumc::build_grid(g, kSeed);
    for (Case& c : cases) {
      c.stream += static_cast<uint32_t>(10 * K);
      for (Precision p : {Precision::Double, Precision::Float}) {
        const Estimate e = relumc::estimate_cpu(c, options(p));
        const std::vector<double> cf = relumc::closed_form(c);
        std::vector<relumc::CaseResult> one{relumc::test_case(c, cf, e, p)};
        EXPECT_TRUE(std::isfinite(one[0].max_abs_z)) << describe(c);
        EXPECT_TRUE(relumc::apply_holm(one, 0.01)) << describe(c) << " p " << one[0].p_value;
        EXPECT_LE(one[0].max_abs_z, 5.0) << describe(c);
        if (c.quantity == Quantity::Gating) {
          EXPECT_EQ(e.mean[0], 0.0);
          EXPECT_EQ(e.std_error[0], 0.0);
          EXPECT_LE(std::fabs(cf[0]), rounding_floor(c, p));
        }
        if (c.quantity == Quantity::Grad && K == 1) {
          EXPECT_NEAR(cf[0], 0.5 * c.student[0], 1e-15);
          EXPECT_GT(e.std_error[0], 0.0);
        }
      }
    }
  }
}

// Student == teacher: the residual sum relu(p) - sum relu(q) is exactly 0 for K = K* = 1 (the same
// float operations on the same numbers), so the gradient estimate is exactly 0 with se exactly 0, and
// the verdict must not divide by zero. For K = K* = 3 the residual ((a + b) + c) - a - b - c can be a
// rounding error instead of 0: there the estimate is only within the rounding floor of 0.
TEST(MonteCarloEdges, ZeroGradientWhenStudentIsTeacher) {
  for (int64_t K : {1, 3}) {
    for (int64_t d : {1, 5, 40}) {
      Case c;
      c.quantity = Quantity::Grad;
      c.d = d;
      c.K = c.Kstar = K;
      c.samples = 50000;
      c.stream = static_cast<uint32_t>(100 + K * 100 + d);
      for (int64_t a = 0; a < K * d; ++a) c.student.push_back(std::sin(1.0 + 0.7 * a) + (a % d == a / d ? 0.5 : 0.0));
      c.teacher = c.student;
      relumc::validate(c);
      for (Precision p : {Precision::Double, Precision::Float}) {
        const Estimate e = relumc::estimate_cpu(c, options(p));
        const std::vector<double> cf = relumc::closed_form(c);
        const double floor = rounding_floor(c, p);
        for (size_t a = 0; a < e.mean.size(); ++a) {
          if (K == 1) {
            EXPECT_EQ(e.mean[a], 0.0) << describe(c);
            EXPECT_EQ(e.std_error[a], 0.0) << describe(c);
          }
          EXPECT_LE(std::fabs(e.mean[a]), floor) << describe(c);
          EXPECT_LE(std::fabs(cf[a]), floor) << describe(c);
        }
        std::vector<relumc::CaseResult> one{relumc::test_case(c, cf, e, p)};
        EXPECT_TRUE(std::isfinite(one[0].max_abs_z)) << describe(c);
        EXPECT_TRUE(std::isfinite(one[0].p_value)) << describe(c);
        EXPECT_TRUE(relumc::apply_holm(one, 0.01)) << describe(c) << " z " << one[0].max_abs_z;
      }
      // The loss is exactly 0 too (same residual).
      Case loss = c;
      loss.quantity = Quantity::Loss;
      const Estimate el = relumc::estimate_cpu(loss, options(Precision::Double));
      if (K == 1) {
        EXPECT_EQ(el.mean[0], 0.0);
      }
      EXPECT_LE(el.mean[0], rounding_floor(loss, Precision::Double));
    }
  }
}

}  // namespace
