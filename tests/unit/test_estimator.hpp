// SPDX-License-Identifier: MIT
// What every estimator backend must do, written once and instantiated per backend (as Kokkos's
// core/unit_test/TestReduce.hpp is, through its category files):
//   tests/unit/test_estimator_cpu.cpp   gtest Cpu/Estimator/0.*, ctest Cpu.*<...CpuBackend>    always runs
//   tests/unit/test_estimator_cuda.cpp  gtest Cuda/Estimator/0.*, ctest Cuda.*<...CudaBackend>  skips itself where
//                                       relumc::cuda_usable() is false
// On the same cases, each backend must: agree with the closed forms within the statistical band (5
// standard errors per component plus a pooled chi-square; gating, grad, loss; odd d 1, 3, 7, 17, 33;
// K != K*; float and double); give bit-identical reruns across its launch shapes, and count every sample
// once; equal the CPU reference to the rounding of the sums (tests/support/cuda_agreement.hpp); equal
// the plain-order sum for N = 2 and N that are not multiples of the chunk count; report an honest
// standard error; and stop with Interrupted when asked to.
//
// A backend is a traits struct (CpuBackend, CudaBackend below):
//   kBackend, kName                 the relumc::Backend and its name
//   usable(&why)                    whether it can run here (else every test skips, saying why)
//   run(c, opt)                     relumc::estimate(c, opt, kBackend)
//   run(c, opt, launch)             the estimate with one of its launch shapes
//   same_numbers()                  launch shapes that must give the first one's bits
//   other_orders()                  launch shapes whose sums may be ordered differently from the CPU's
//   chain(c, launch)                the longest chain of additions of that shape (cuda_agreement.hpp)
//   kLongRunSamples                 an N whose run takes long enough to be stopped midway
#pragma once

#include "host/backend/cpu/cpu_kernel.hpp"  // simd_kernel_available
#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/backend/cuda/cuda_backend.hpp"
#include "relumc/backend/estimate.hpp"
#include "relumc/core/case.hpp"
#include "relumc/math/closed_forms.hpp"
#include "relumc/plan/sweep.hpp"
#include "relumc/stats/verdict.hpp"
#include "tests/support/cuda_agreement.hpp"
#include "tests/support/estimator_cases.hpp"
#include "tests/support/stats_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace relumc::testing {

// ---- the backends ----

struct CpuBackend {
  static constexpr Backend kBackend = Backend::Cpu;
  static constexpr const char* kName = "cpu";
  struct Launch {
    int threads;
    CpuKernel kernel;
  };
  static constexpr uint64_t kLongRunSamples = uint64_t{1} << 30;  // 256 chunks of 2^22 samples

  static bool usable(std::string*) { return true; }
  static Estimate run(const Case& c, const EstimateOptions& o) { return estimate(c, o, kBackend); }
  static Estimate run(const Case& c, const EstimateOptions& o, const Launch& l) {
    EstimateOptions x = o;
    x.threads = l.threads;
    x.cpu_kernel = l.kernel;
    return estimate_cpu(c, x);
  }
  // Thread counts (1, 2, 3, all; 2 twice: a rerun) and the kernels: the numbers never change.
  static std::vector<Launch> same_numbers() {
    std::vector<Launch> l{{1, CpuKernel::Auto}, {2, CpuKernel::Auto}, {3, CpuKernel::Auto},
                          {0, CpuKernel::Auto}, {2, CpuKernel::Auto}, {2, CpuKernel::Scalar}};
    if (simd_kernel_available()) l.push_back({3, CpuKernel::Simd});
    return l;
  }
  // The CPU is its own reference: every shape gives its bits, which the rounding bound accepts trivially.
  static std::vector<Launch> other_orders() { return {{1, CpuKernel::Scalar}, {2, CpuKernel::Auto}}; }
  static double chain(const Case& c, const Launch&) {
    return longest_chain(c.samples, components(c), 8);  // eight lane partials
  }
  static std::string describe(const Launch& l) {
    return std::string("threads ") + std::to_string(l.threads) + " kernel " + std::string(to_string(l.kernel));
  }
};

struct CudaBackend {
  static constexpr Backend kBackend = Backend::Cuda;
  static constexpr const char* kName = "cuda";
  using Launch = CudaOptions;
  // Many launches of ~0.2 s on an H100/H200 (relumc/backend/cuda/launch_plan.hpp): stopped after the first.
  static constexpr uint64_t kLongRunSamples = 10'000'000'000ull;

  static bool usable(std::string* why) { return cuda_usable(why); }
  static Estimate run(const Case& c, const EstimateOptions& o) { return estimate(c, o, kBackend); }
  static Estimate run(const Case& c, const EstimateOptions& o, const Launch& l) { return estimate_cuda(c, o, l); }
  // The numbers depend on G only: block sizes and tile shapes with G = 5 (the first twice: a rerun).
  static std::vector<Launch> same_numbers() {
    const CudaOptions ref{0, 0, 5, 0, 0};
    return {ref, ref, CudaOptions{0, 7, 5, 3, 0}, CudaOptions{0, 65, 5, 0, 4}, CudaOptions{0, 1024, 5, 32, 0},
            CudaOptions{0, 1, 5, 2, 8}};
  }
  // Block sizes that are not warp multiples (7, 65, 33), several G, small tiles.
  static std::vector<Launch> other_orders() {
    return {{0, 0, 0, 0, 0}, {0, 7, 1, 0, 0}, {0, 65, 3, 5, 0}, {0, 96, 16, 0, 8}, {0, 33, 2, 1, 4}};
  }
  static double chain(const Case& c, const Launch& l) {
    return longest_chain(c.samples, components(c), l.blocks_per_chunk ? l.blocks_per_chunk : kDefaultBlocksPerChunk);
  }
  static std::string describe(const Launch& o) {
    return "threads " + std::to_string(o.block_threads) + " G " + std::to_string(o.blocks_per_chunk) + " tile " +
           std::to_string(o.tile_samples) + "x" + std::to_string(o.coord_tile);
  }
};

template <class B>
class Estimator : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!B::usable(&why))
      GTEST_SKIP() << "the " << B::kName << " backend is not usable here: " << why
                   << " (on a GPU machine: bench/gpu_session.sh)";
  }
};

TYPED_TEST_SUITE_P(Estimator);

// ---- agreement with the closed forms ----

// Every component within 5 standard errors; and, pooled over cases, component 0's z^2 (independent
// across cases, since streams differ) sums to a chi-square with one degree of freedom per case, which
// catches a bias too small for the per-component 5-sigma rule. Both bands are derived, not tuned.
template <class B>
void check_agreement(Precision p, Contract contract = Contract::V1) {
  const std::vector<Case> cases = agreement_cases();
  double pooled = 0, max_abs_z = 0;
  int pooled_dof = 0;
  int64_t total_components = 0;
  uint64_t total_samples = 0;
  for (const Case& c : cases) {
    validate(c);
    EstimateOptions o = options(p);
    o.contract = contract;
    const Estimate e = B::run(c, o);
    const std::vector<double> cf = closed_form(c);
    ASSERT_EQ(e.mean.size(), cf.size());
    ASSERT_EQ(e.std_error.size(), cf.size());
    EXPECT_EQ(e.samples, c.samples);
    const double floor = rounding_floor(c, p);
    for (size_t a = 0; a < cf.size(); ++a) {
      ASSERT_TRUE(std::isfinite(e.mean[a]) && std::isfinite(e.std_error[a])) << describe_case(c);
      const double z = (e.mean[a] - cf[a]) / std::sqrt(e.std_error[a] * e.std_error[a] + floor * floor);
      EXPECT_LE(std::fabs(z), 5.0) << describe_case(c) << " component " << a << " mc " << e.mean[a] << " cf " << cf[a]
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
  std::printf("[ agreement %s %s %s ] %zu cases, %lld components, %.3g samples, max |z| %.2f, pooled chi2 %.1f on %d "
              "dof (99.9%% band [%.1f, %.1f])\n",
              B::kName, std::string(to_string(p)).c_str(), std::string(to_string(contract)).c_str(), cases.size(), static_cast<long long>(total_components),
              static_cast<double>(total_samples), max_abs_z, pooled, pooled_dof, lo, hi);
}

TYPED_TEST_P(Estimator, AgreesWithClosedFormsDouble) { check_agreement<TypeParam>(Precision::Double); }
TYPED_TEST_P(Estimator, AgreesWithClosedFormsFloat) { check_agreement<TypeParam>(Precision::Float); }
TYPED_TEST_P(Estimator, AgreesWithClosedFormsV2) { check_agreement<TypeParam>(Precision::Float, Contract::V2); }

// Float and double see the same x_i up to rounding (sample_contract.hpp), so on the same samples their
// estimates differ only by rounding: per sample a relative error of a few eps_float per operation over
// ~(d + K + K*) operations, never a statistical difference. The bound below is that rounding model,
// 8 (d + K + K* + 8) eps_float times the per-sample root mean square; it is far below the standard
// error, so a precision-specific bias that the 5-sigma test could miss is caught here.
TYPED_TEST_P(Estimator, FloatMatchesDoubleOnTheSameSamples) {
  for (int64_t d : {3, 33, 200}) {
    GridSpec g;
    g.angles = {1.4};
    g.dims = {d};
    g.units = {4};
    g.teacher_units = {2};
    g.norms = {1.0};
    g.samples = {20000};
    for (const Case& c : build_grid(g, kSeed)) {
      const Estimate ed = TypeParam::run(c, options(Precision::Double));
      const Estimate ef = TypeParam::run(c, options(Precision::Float));
      const double n = static_cast<double>(c.samples);
      const double ops = static_cast<double>(c.d + c.K + c.Kstar + 8);
      for (size_t a = 0; a < ed.mean.size(); ++a) {
        const double rms = std::sqrt(ed.std_error[a] * ed.std_error[a] * n + ed.mean[a] * ed.mean[a]);
        const double bound = 8 * ops * std::numeric_limits<float>::epsilon() * rms;
        EXPECT_LE(std::fabs(ef.mean[a] - ed.mean[a]), bound) << describe_case(c) << " component " << a;
        EXPECT_LT(bound, 0.05 * ed.std_error[a]) << "bound not meaningful for " << describe_case(c);
      }
    }
  }
}

// ---- determinism (docs/sample-contract.md) ----

// Every launch shape of same_numbers() gives the first one's bits (reruns included), in both precisions,
// on the determinism cases (uneven chunks) and the odd-sized cases; the progress counter counts every
// sample once.
TYPED_TEST_P(Estimator, BitIdenticalAcrossRerunsAndLaunchShapes) {
  using B = TypeParam;
  std::vector<Case> cases;
  for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss}) cases.push_back(determinism_case(q));
  for (const AgreementCase& ac : kAgreementCases) cases.push_back(make_case(ac.q, ac.d, ac.K, ac.Kstar, ac.N, 12));
  const auto launches = B::same_numbers();
  for (auto [p, contract] : {std::pair{Precision::Double, Contract::V1}, std::pair{Precision::Float, Contract::V1},
                             std::pair{Precision::Float, Contract::V2}}) {
    EstimateOptions po = options(p);
    po.contract = contract;
    for (const Case& c : cases) {
      std::atomic<uint64_t> done{0};
      EstimateOptions o = po;
      o.samples_done = &done;
      const Estimate one = B::run(c, o, launches.front());
      EXPECT_EQ(done.load(), c.samples) << "progress counter must count every sample once: " << describe_case(c);
      for (const auto& l : launches) {
        const Estimate other = B::run(c, po, l);
        const std::string what = describe_case(c) + " " + std::string(to_string(p)) + " " +
                                 std::string(to_string(contract)) + " " + B::describe(l);
        EXPECT_TRUE(bit_identical(one.mean, other.mean)) << what;
        EXPECT_TRUE(bit_identical(one.std_error, other.std_error)) << what;
        ASSERT_EQ(one.mean.size(), other.mean.size()) << what;
        for (size_t a = 0; a < one.mean.size(); ++a) EXPECT_EQ(one.mean[a], other.mean[a]) << what;
      }
      // The default launch (relumc::estimate) reruns identically too.
      const Estimate again = B::run(c, po), again2 = B::run(c, po);
      EXPECT_TRUE(bit_identical(again.mean, again2.mean)) << describe_case(c);
      EXPECT_TRUE(bit_identical(again.std_error, again2.std_error)) << describe_case(c);
    }
  }
}

// A different seed or a different stream is a different sample: every component changes.
TYPED_TEST_P(Estimator, SeedAndStreamChangeTheNumbers) {
  for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss}) {
    const Case c = determinism_case(q);
    Case other_stream = c;
    other_stream.stream = c.stream + 1;
    const Estimate base = TypeParam::run(c, options(Precision::Double));
    const Estimate seeded = TypeParam::run(c, options(Precision::Double, kThreads, kSeed + 1));
    const Estimate streamed = TypeParam::run(other_stream, options(Precision::Double));
    for (size_t a = 0; a < base.mean.size(); ++a) {
      EXPECT_NE(base.mean[a], seeded.mean[a]) << describe_case(c) << " component " << a;
      EXPECT_NE(base.mean[a], streamed.mean[a]) << describe_case(c) << " component " << a;
      EXPECT_NE(base.std_error[a], seeded.std_error[a]);
    }
  }
}

// ---- the CPU is the reference ----

// On the same samples the backend equals the CPU's estimate to the rounding of the sums: per component
// within the bound of tests/support/cuda_agreement.hpp for the launch's longest chain of additions (both
// backends form bit-identical per-sample terms and differ only in the order they add them).
template <class B>
void check_equals_cpu_reference(Precision precision, Contract contract = Contract::V1) {
  for (const AgreementCase& ac : kAgreementCases)
    for (const auto& launch : B::other_orders()) {
      const Case c = make_case(ac.q, ac.d, ac.K, ac.Kstar, ac.N, 11);
      EstimateOptions o;
      o.seed = 3;
      o.precision = precision;
      o.contract = contract;
      const Estimate cpu = estimate_cpu(c, o);
      const Estimate other = B::run(c, o, launch);
      EXPECT_EQ(rounding_disagreement(cpu, other, B::chain(c, launch), contract == Contract::V2 ? 16 : 0), "")
          << describe_case(c) << " " << to_string(precision) << " " << to_string(contract) << " " << B::describe(launch);
    }
}

TYPED_TEST_P(Estimator, EqualsTheCpuReferenceToRoundingDouble) {
  check_equals_cpu_reference<TypeParam>(Precision::Double);
}
TYPED_TEST_P(Estimator, EqualsTheCpuReferenceToRoundingFloat) {
  check_equals_cpu_reference<TypeParam>(Precision::Float);
}
TYPED_TEST_P(Estimator, EqualsTheCpuReferenceToRoundingV2) {
  check_equals_cpu_reference<TypeParam>(Precision::Float, Contract::V2);
}

// Contract v2 is float only and never runs past kV2MaxSamples: both refused before any work, naming the field.
TYPED_TEST_P(Estimator, ContractV2RefusedInDoubleAndPastItsBound) {
  Case c = determinism_case(Quantity::Grad);
  EstimateOptions o = options_v2();
  o.precision = Precision::Double;
  try {
    TypeParam::run(c, o);
    ADD_FAILURE() << "v2 in double accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "precision") << e.what();
  }
  c.samples = kV2MaxSamples + 1;
  try {
    TypeParam::run(c, options_v2());
    ADD_FAILURE() << "v2 past kV2MaxSamples accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "contract") << e.what();
  }
}

// ---- the standard error is honest ----

// R independent streams of one case: the sample variance s^2 of the R means should match the mean
// reported se^2. With the means (near-)Gaussian, (R - 1) s^2 / sigma^2 ~ chi2(R - 1), and the reported
// se^2, averaged over R * N samples, is sigma^2/N to ~1e-3 relative; so the ratio s^2 / mean(se^2) lies
// in [q(a/2), q(1 - a/2)] / (R - 1) with a = 1e-3, divided by the number of components tested
// (Bonferroni).
template <class B>
void check_honest_standard_error(const Case& base, int R, Precision p) {
  const int64_t m = components(base);
  std::vector<std::vector<double>> means(m);
  std::vector<double> mean_se2(m, 0.0);
  for (int r = 0; r < R; ++r) {
    Case c = base;
    c.stream = static_cast<uint32_t>(r);
    const Estimate e = B::run(c, options(p));
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
    std::printf("[ se honesty %s ] %s component %lld: empirical var / reported se^2 = %.4f (band [%.4f, %.4f])\n",
                B::kName, describe_case(base).c_str(), static_cast<long long>(a), ratio, lo, hi);
    EXPECT_GE(ratio, lo) << describe_case(base) << " component " << a;
    EXPECT_LE(ratio, hi) << describe_case(base) << " component " << a;
  }
}

TYPED_TEST_P(Estimator, StandardErrorMatchesSpreadOfIndependentMeans) {
  GridSpec g;
  g.angles = {1.1};
  g.dims = {3};
  g.norms = {1.0};
  g.ratios = {1.5};
  g.samples = {4000};
  g.quantities = {Quantity::Loss};
  g.units = {2};
  g.teacher_units = {1};
  check_honest_standard_error<TypeParam>(build_grid(g, kSeed).at(0), 1000, Precision::Double);
  g.quantities = {Quantity::Grad};
  g.units = {1};
  check_honest_standard_error<TypeParam>(build_grid(g, kSeed).at(0), 1000, Precision::Double);
  g.quantities = {Quantity::Gating};
  check_honest_standard_error<TypeParam>(build_grid(g, kSeed).at(0), 600, Precision::Float);
}

// ---- edge cases of N, d and the weights ----

// N = 2, 3 and N that are not multiples of the chunk count (257, 1009, 65537) equal the plain-order sum
// (expect_matches_reference: any summation order is within the bound; a lost or doubled sample is not).
TYPED_TEST_P(Estimator, SmallAndUnevenNMatchThePlainSum) {
  for (uint64_t N : {uint64_t{2}, uint64_t{3}, uint64_t{257}, uint64_t{1009}, uint64_t{65537}}) {
    for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss}) {
      const Case c = edge_case(q, N);
      expect_matches_reference<double>(c, TypeParam::run(c, options(Precision::Double)));
      expect_matches_reference<float>(c, TypeParam::run(c, options(Precision::Float)));
    }
  }
}

// N = 2, the smallest N with a standard error: mean = (v0 + v1)/2 and se = |v0 - v1|/2 exactly as the
// two samples say; and the verdict on it is finite.
TYPED_TEST_P(Estimator, TwoSamples) {
  GridSpec g;
  g.quantities = {Quantity::Loss};
  g.angles = {1.0};
  g.dims = {4};
  g.samples = {2};
  const Case c = build_grid(g, kSeed).at(0);
  const Reference ref = reference_sums<double>(c, kSeed);
  std::vector<double> v(2);
  {
    Case one = c;
    // v0 and v1 individually: the reference over the first sample only, and the difference.
    one.samples = 1;
    v[0] = reference_sums<double>(one, kSeed).sum[0];
    v[1] = ref.sum[0] - v[0];
  }
  const Estimate e = TypeParam::run(c, options(Precision::Double));
  EXPECT_DOUBLE_EQ(e.mean[0], 0.5 * (v[0] + v[1]));
  EXPECT_NEAR(e.std_error[0], 0.5 * std::fabs(v[0] - v[1]), 1e-12 * (std::fabs(v[0]) + std::fabs(v[1])));
  const CaseResult r = test_case(c, closed_form(c), e, Precision::Double);
  EXPECT_TRUE(std::isfinite(r.max_abs_z));
  EXPECT_TRUE(std::isfinite(r.p_value));
}

// d = 1 at angle pi: student and teacher point opposite ways. Gating: the gate 1(e.x > 0) and
// relu(w.x) are never both nonzero, so every sample is exactly 0 (mean and se exactly 0), and the
// closed form is 0 up to sin(pi) rounding; the verdict must pass with a finite z (the rounding floor).
// Grad (K = K* = 1): E grad = w/2. Grad and loss with K != K* in d = 1 as well.
TYPED_TEST_P(Estimator, OneDimensionAtAnglePi) {
  GridSpec g;
  g.angles = {kPi};
  g.dims = {1};
  g.norms = {1.3};
  g.ratios = {1.5};
  g.samples = {200000};
  for (const auto& [K, Ks] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {2, 3}}) {
    g.units = {K};
    g.teacher_units = {Ks};
    std::vector<Case> cases = build_grid(g, kSeed);
    for (Case& c : cases) {
      c.stream += static_cast<uint32_t>(10 * K);
      for (Precision p : {Precision::Double, Precision::Float}) {
        const Estimate e = TypeParam::run(c, options(p));
        const std::vector<double> cf = closed_form(c);
        std::vector<CaseResult> one{test_case(c, cf, e, p)};
        EXPECT_TRUE(std::isfinite(one[0].max_abs_z)) << describe_case(c);
        EXPECT_TRUE(apply_holm(one, 0.01)) << describe_case(c) << " p " << one[0].p_value;
        EXPECT_LE(one[0].max_abs_z, 5.0) << describe_case(c);
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
TYPED_TEST_P(Estimator, ZeroGradientWhenStudentIsTeacher) {
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
      validate(c);
      for (Precision p : {Precision::Double, Precision::Float}) {
        const Estimate e = TypeParam::run(c, options(p));
        const std::vector<double> cf = closed_form(c);
        const double floor = rounding_floor(c, p);
        for (size_t a = 0; a < e.mean.size(); ++a) {
          if (K == 1) {
            EXPECT_EQ(e.mean[a], 0.0) << describe_case(c);
            EXPECT_EQ(e.std_error[a], 0.0) << describe_case(c);
          }
          EXPECT_LE(std::fabs(e.mean[a]), floor) << describe_case(c);
          EXPECT_LE(std::fabs(cf[a]), floor) << describe_case(c);
        }
        std::vector<CaseResult> one{test_case(c, cf, e, p)};
        EXPECT_TRUE(std::isfinite(one[0].max_abs_z)) << describe_case(c);
        EXPECT_TRUE(std::isfinite(one[0].p_value)) << describe_case(c);
        EXPECT_TRUE(apply_holm(one, 0.01)) << describe_case(c) << " z " << one[0].max_abs_z;
      }
      // The loss is exactly 0 too (same residual).
      Case loss = c;
      loss.quantity = Quantity::Loss;
      const Estimate el = TypeParam::run(loss, options(Precision::Double));
      if (K == 1) {
        EXPECT_EQ(el.mean[0], 0.0);
      }
      EXPECT_LE(el.mean[0], rounding_floor(loss, Precision::Double));
    }
  }
}

// A bad case is refused before any work, whatever the backend (InputError; an estimate is never NaN).
TYPED_TEST_P(Estimator, BadCaseIsRefused) {
  Case c = determinism_case(Quantity::Grad);
  c.samples = 1;
  EXPECT_THROW(TypeParam::run(c, options(Precision::Double)), InputError) << "N = 1 has no standard error";
  c = determinism_case(Quantity::Grad);
  c.student[3] = std::nan("");
  EXPECT_THROW(TypeParam::run(c, options(Precision::Double)), InputError) << "a NaN weight";
  c = determinism_case(Quantity::Loss);
  c.teacher.pop_back();
  EXPECT_THROW(TypeParam::run(c, options(Precision::Float)), InputError) << "a teacher of the wrong size";
}

// ---- stop requests (relumc/run/interrupt.hpp) ----

// A stop requested before the run: Interrupted, no sample drawn, nothing partial returned. An unset
// stop flag changes nothing, to the bit.
TYPED_TEST_P(Estimator, StopRequestedBeforeTheRunThrowsInterrupted) {
  for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss})
    for (Precision p : {Precision::Double, Precision::Float}) {
      const Case c = determinism_case(q);
      std::atomic<bool> stop{true};
      std::atomic<uint64_t> done{0};
      EstimateOptions o = options(p);
      o.stop = &stop;
      o.samples_done = &done;
      EXPECT_THROW(TypeParam::run(c, o), Interrupted) << describe_case(c);
      EXPECT_EQ(done.load(), 0u) << describe_case(c);
      stop = false;
      const Estimate with_flag = TypeParam::run(c, o), without = TypeParam::run(c, options(p));
      EXPECT_TRUE(bit_identical(with_flag.mean, without.mean)) << describe_case(c);
      EXPECT_TRUE(bit_identical(with_flag.std_error, without.std_error)) << describe_case(c);
    }
}

// A stop requested while the run is under way (once the first samples are counted): the run ends with
// Interrupted (the CPU inside a chunk, the GPU between launches), having drawn only part of the N samples.
TYPED_TEST_P(Estimator, StopDuringTheRunThrowsInterrupted) {
  GridSpec g;
  g.quantities = {Quantity::Loss};
  g.angles = {1.0};
  g.dims = {2};
  g.samples = {TypeParam::kLongRunSamples};
  const Case c = build_grid(g, kSeed).at(0);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0};
  EstimateOptions o = options(Precision::Double);
  o.stop = &stop;
  o.samples_done = &done;
  bool interrupted = false, returned = false;
  std::exception_ptr other;
  std::thread worker([&] {
    try {
      TypeParam::run(c, o);
      returned = true;
    } catch (const Interrupted&) {
      interrupted = true;
    } catch (...) {
      other = std::current_exception();
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while (done.load() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  stop = true;
  worker.join();
  if (other) std::rethrow_exception(other);
  EXPECT_GT(done.load(), 0u) << "no sample was counted before the deadline";
  EXPECT_TRUE(interrupted) << (returned ? "the run finished all " : "the run neither finished nor stopped: ")
                           << c.samples << " samples";
  EXPECT_LT(done.load(), c.samples) << "the stop request did not skip any sample";
}

REGISTER_TYPED_TEST_SUITE_P(Estimator, AgreesWithClosedFormsDouble, AgreesWithClosedFormsFloat,
                            AgreesWithClosedFormsV2, FloatMatchesDoubleOnTheSameSamples,
                            BitIdenticalAcrossRerunsAndLaunchShapes, SeedAndStreamChangeTheNumbers,
                            EqualsTheCpuReferenceToRoundingDouble, EqualsTheCpuReferenceToRoundingFloat,
                            EqualsTheCpuReferenceToRoundingV2, ContractV2RefusedInDoubleAndPastItsBound, StandardErrorMatchesSpreadOfIndependentMeans,
                            SmallAndUnevenNMatchThePlainSum, TwoSamples, OneDimensionAtAnglePi,
                            ZeroGradientWhenStudentIsTeacher, BadCaseIsRefused,
                            StopRequestedBeforeTheRunThrowsInterrupted, StopDuringTheRunThrowsInterrupted);

}  // namespace relumc::testing
