// SPDX-License-Identifier: MIT
// The CUDA backend's own pieces (relumc/backend/cuda/cuda_backend.hpp). What every backend must do on the
// same cases, the CPU as the reference for the GPU included (equality to rounding with the bound of
// tests/support/cuda_agreement.hpp, bit-identical reruns across block sizes and tiles, odd sizes, stop
// requests), is written once in tests/unit/test_estimator.hpp and run on the GPU by test_estimator_cuda.cpp.
// Compiled by g++; every test that needs a device skips itself, saying why, where none is usable.
// What needs a GPU: Cuda.* (bit-exact x_i, the Philox known answers on the device, several devices,
// launch refusals, the rng floor) and Cuda.LongStatisticalAgreementAt1e10 (also needs
// RELUMC_LONG_GPU_TESTS=1). What runs everywhere: CudaTiles.* (the shared-memory plan), CudaSeam.*
// (refusals, and the agreement check rejecting estimates of different samples).
#include "relumc/math/closed_forms.hpp"
#include "relumc/backend/cuda/cuda_backend.hpp"
#include "relumc/backend/cuda/cuda_tiles.hpp"
#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/math/sample_contract.hpp"
#include "tests/support/cuda_agreement.hpp"
#include "tests/support/estimator_cases.hpp"
#include "tests/support/philox_kat.hpp"
#include "tests/support/v2_kat.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using relumc::Case;
using relumc::CudaOptions;
using relumc::Estimate;
using relumc::EstimateOptions;
using relumc::Precision;
using relumc::Quantity;

using relumc::testing::make_case;

class Cuda : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!relumc::cuda_usable(&why))
      GTEST_SKIP() << "needs a usable CUDA device, and here: " << why << " (run bench/gpu_session.sh on a GPU machine)";
  }
};

// ---- Runs everywhere -------------------------------------------------------------------------

TEST(CudaTiles, PlanFitsTheBudgetAndCoversD) {
  for (size_t elem : {sizeof(float), sizeof(double)})
    for (int64_t d : {1, 3, 16, 128, 1000, 1024, 4097, 20000})
      for (auto [q, K] : {std::pair{Quantity::Gating, 1}, {Quantity::Grad, 1}, {Quantity::Grad, 7}, {Quantity::Grad, 64},
                          {Quantity::Loss, 16}}) {
        const Case c = make_case(q, d, K, K, 10, 1);
        const auto p = relumc::detail::plan_tiles(c, elem, 0, 0);
        SCOPED_TRACE(std::to_string(d) + " " + std::to_string(K) + " " + std::to_string(elem));
        EXPECT_LE(p.shared_bytes, relumc::detail::kSharedBudget);
        EXPECT_EQ(p.coords % 4, 0);
        EXPECT_GE(p.samples, 1);
        EXPECT_GE(p.coords * p.coord_tiles, d);
        EXPECT_LT(p.coords * (p.coord_tiles - 1), d);
        EXPECT_EQ(p.units, c.K + c.Kstar);
        EXPECT_EQ(p.coef_rows, q == Quantity::Grad ? c.K : 1);
        // The lanes fill a power-of-two block: the sample count is a power of two, and the projection's items are
        // single rows exactly where all of a tile's (row, sample) items fit in one warp.
        EXPECT_EQ(p.samples & (p.samples - 1), 0) << p.samples;
        EXPECT_EQ(p.item_rows, p.units * p.samples <= 32 ? 1 : 2);
        EXPECT_EQ(p.group, static_cast<int>(16 / elem));
      }
  // 64-sample tiles where they fit 36 KiB (float d = 128, K = 1 and 4), else 32 or fewer; single-row items at
  // large d (float d = 4096: 4 samples per tile).
  EXPECT_EQ(relumc::detail::plan_tiles(make_case(Quantity::Grad, 128, 1, 1, 10, 1), 4, 0, 0).samples, 64);
  EXPECT_EQ(relumc::detail::plan_tiles(make_case(Quantity::Grad, 128, 4, 4, 10, 1), 4, 0, 0).samples, 64);
  EXPECT_EQ(relumc::detail::plan_tiles(make_case(Quantity::Grad, 128, 1, 1, 10, 1), 8, 0, 0).samples, 32);
  EXPECT_EQ(relumc::detail::plan_tiles(make_case(Quantity::Grad, 1024, 1, 1, 10, 1), 4, 0, 0).samples, 16);
  EXPECT_EQ(relumc::detail::plan_tiles(make_case(Quantity::Grad, 4096, 1, 1, 10, 1), 4, 0, 0).item_rows, 1);
  EXPECT_EQ(relumc::detail::plan_tiles(make_case(Quantity::Grad, 128, 1, 1, 10, 1), 4, 0, 0).item_rows, 2);
  // d = 1000 fits whole in double; d = 4097 does not and is tiled (two draws per coordinate tile).
  EXPECT_EQ(relumc::detail::plan_tiles(make_case(Quantity::Grad, 1000, 4, 4, 10, 1), 8, 0, 0).coord_tiles, 1);
  EXPECT_GT(relumc::detail::plan_tiles(make_case(Quantity::Grad, 4097, 4, 4, 10, 1), 8, 0, 0).coord_tiles, 1);
}

// The plan's divisors (cuda_tiles.hpp): the high half of t M is floor(t / n) for every t < 2^32. Checked for
// every t below 2^20 and the last 4096 below 2^32, for divisors from 1 to 2^32 - 1 (tile sizes and extremes),
// through `divide` as the emulated kernels run it; and the plan's own divisors are its tile sizes.
TEST(CudaTiles, DivisorsDivideExactly) {
  const auto q = relumc::detail::divide;
  for (uint32_t n : {1u, 2u, 3u, 5u, 7u, 25u, 31u, 32u, 33u, 100u, 127u, 128u, 1000u, 1023u, 6144u, 24576u, 65535u,
                     1u << 20, 0x7fffffffu, 0xfffffffeu, 0xffffffffu}) {
    const relumc::detail::Divisor v = relumc::detail::make_divisor(n);
    for (uint32_t t = 0; t < (1u << 20); ++t) ASSERT_EQ(q(v, t), t / n) << t << " / " << n;
    for (uint32_t t = 0xffffffffu; t > 0xffffffffu - 4096u; --t) ASSERT_EQ(q(v, t), t / n) << t << " / " << n;
  }
  const auto p = relumc::detail::plan_tiles(make_case(Quantity::Grad, 4097, 4, 4, 10, 1), 8, 0, 0);
  EXPECT_EQ(p.group, 2);  // 16 bytes of double
  EXPECT_EQ(p.groups_whole.n, p.coords / 2);
  EXPECT_EQ(p.last_coords, 4097 - (p.coord_tiles - 1) * p.coords);
  EXPECT_EQ(p.groups_last.n, (p.last_coords + 1) / 2);
  const auto f = relumc::detail::plan_tiles(make_case(Quantity::Grad, 4097, 4, 4, 10, 1), 4, 0, 0);
  EXPECT_EQ(f.group, 4);
  EXPECT_EQ(f.groups_last.n, (f.last_coords + 3) / 4);
}

TEST(CudaTiles, BadOverridesAndHugeKAreRefusedSayingWhy) {
  const Case c = make_case(Quantity::Grad, 10, 2, 2, 10, 1);
  EXPECT_THROW(relumc::detail::plan_tiles(c, 8, 0, 6), relumc::InputError);     // not a multiple of 4
  EXPECT_THROW(relumc::detail::plan_tiles(c, 8, 2000, 0), relumc::InputError);  // tile too large
  EXPECT_THROW(relumc::detail::plan_tiles(c, 8, 1024, 4096), relumc::InputError);  // over the budget
  const Case huge = make_case(Quantity::Grad, 4, 5000, 5000, 10, 1);
  try {
    relumc::detail::plan_tiles(huge, 8, 0, 0);
    FAIL() << "K + K* = 10000 should not fit";
  } catch (const relumc::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("10000"), std::string::npos) << e.what();
  }
}

TEST(CudaSeam, UnusableCudaIsRefusedSayingWhy) {
  std::string why;
  if (relumc::cuda_usable(&why)) GTEST_SKIP() << "a usable CUDA device is present";
  EXPECT_FALSE(why.empty());
  const Case c = make_case(Quantity::Loss, 3, 1, 1, 100, 1);
  try {
    relumc::estimate_cuda(c, EstimateOptions{}, {});
    FAIL() << "estimate_cuda ran without a usable device";
  } catch (const relumc::CudaError& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
  EXPECT_THROW(relumc::draw_samples_cuda<double>(1, 0, 0, 1, 4), relumc::CudaError);
  EXPECT_THROW(relumc::rng_floor_cuda(1, 0, 10, 4, Precision::Double), relumc::CudaError);
}

// The agreement check can say no: estimates of other samples (another seed) are far outside the
// rounding bound, while an estimate compared with itself is inside it.
TEST(CudaSeam, AgreementCheckRejectsDifferentSamples) {
  const Case c = make_case(Quantity::Grad, 5, 3, 2, 20011, 4);
  EstimateOptions o1, o2;
  o1.threads = o2.threads = 1;
  o2.seed = 2;
  const Estimate a = relumc::estimate_cpu(c, o1), b = relumc::estimate_cpu(c, o2);
  const double L = relumc::testing::longest_chain(c.samples, relumc::components(c), 16);
  EXPECT_EQ(relumc::testing::rounding_disagreement(a, a, L), "");
  EXPECT_NE(relumc::testing::rounding_disagreement(a, b, L), "");
  Estimate nudged = a;  // a change of 1e-3 standard errors, ~1e8 times the bound here, is caught
  nudged.mean[3] += 1e-3 * a.std_error[3];
  EXPECT_NE(relumc::testing::rounding_disagreement(a, nudged, L), "");
}

// ---- Needs a GPU -----------------------------------------------------------------------------

template <class T>
void expect_same_x(uint64_t first, uint64_t count, int64_t d) {
  const std::vector<T> gpu = relumc::draw_samples_cuda<T>(7, 3, first, count, d);
  std::vector<T> cpu(static_cast<size_t>(count * d));
  for (uint64_t s = 0; s < count; ++s) relumc::draw_sample<T>(7, 3, first + s, d, cpu.data() + s * d);
  ASSERT_EQ(gpu.size(), cpu.size());
  EXPECT_EQ(0, std::memcmp(gpu.data(), cpu.data(), cpu.size() * sizeof(T)))
      << "d " << d << " first " << first << (sizeof(T) == 4 ? " float" : " double");
}

TEST_F(Cuda, DrawsTheCpusSamplesBitForBit) {
  for (int64_t d : {1, 3, 5, 1000, 4097})
    for (uint64_t first : {uint64_t{0}, (uint64_t{1} << 32) - 3, uint64_t{123456789012345}}) {
      expect_same_x<double>(first, 37, d);
      expect_same_x<float>(first, 37, d);
    }
}

// The Philox known answers (tests/support/philox_kat.hpp, the same vectors as the scalar and SIMD front
// ends) computed on the device by the library's philox_block, each answer's sample at every position of a
// run that is not a warp multiple; the other samples of the run equal the host's words. The answers a
// draw reaches are checked through draw_samples_cuda as well.
TEST_F(Cuda, PhiloxKnownAnswersOnTheDevice) {
#if RELUMC_HAVE_CUDA
  using relumc::testing::Kat;
  for (const Kat& k : relumc::testing::kPhiloxKats) {
    for (int s = 0; s < relumc::testing::kKatLaneOffsets; ++s) {
      const uint64_t first = k.sample() - static_cast<uint64_t>(s);  // wraps for i = 0, as the counter does
      const size_t count = static_cast<size_t>(s) + 3;
      const std::vector<uint32_t> words = relumc::testing::philox_words_device(k.seed(), k.stream(), first, k.block(), count);
      EXPECT_EQ(relumc::testing::kat_mismatch(k, words, static_cast<size_t>(s)), "") << "offset " << s;
      ASSERT_EQ(words.size(), 4 * count);
      for (size_t row = 0; row < count; ++row) {
        const relumc::PhiloxWords w = relumc::philox_block(k.seed(), k.stream(), first + row, k.block());
        for (int t = 0; t < 4; ++t) EXPECT_EQ(words[4 * row + t], w.r[t]) << "row " << row << " word " << t;
      }
    }
  }
  // Through the draw of x_i (draw_samples_cuda), for the answers a draw reaches: the Box-Muller normals.
  for (const Kat& k : relumc::testing::kPhiloxKats) {
    if (!relumc::testing::kat_reachable_by_draw(k)) continue;
    const int64_t d = 4 * (static_cast<int64_t>(k.block()) + 1);
    const std::vector<double> x = relumc::draw_samples_cuda<double>(k.seed(), k.stream(), k.sample(), 1, d);
    const std::vector<float> xf = relumc::draw_samples_cuda<float>(k.seed(), k.stream(), k.sample(), 1, d);
    const std::vector<double> z = relumc::testing::kat_normals<double>(k);
    const std::vector<float> zf = relumc::testing::kat_normals<float>(k);
    for (int t = 0; t < 4; ++t) {
      EXPECT_EQ(x[static_cast<size_t>(d - 4 + t)], z[t]) << "coordinate " << d - 4 + t;
      EXPECT_EQ(xf[static_cast<size_t>(d - 4 + t)], zf[t]) << "coordinate " << d - 4 + t << " float";
    }
  }
#else
  GTEST_SKIP() << "this build has no CUDA";
#endif
}

// Contract v2 on the device: the known answers (tests/support/v2_kat.hpp, the same vectors as the scalar and
// SIMD front ends), each sample at several positions of a run; every sample of the run equals the CPU's
// draw_sample(Contract::V2, ...) bit for bit, also for d past a tile and across the high counter word.
TEST_F(Cuda, ContractV2KnownAnswersOnTheDevice) {
  using relumc::Contract;
  for (const auto& k : relumc::testing::kV2SampleKats) {
    for (int s = 0; s < relumc::testing::kKatLaneOffsets; ++s) {
      const uint64_t first = k.i - static_cast<uint64_t>(s);
      const size_t count = static_cast<size_t>(s) + 3;
      const std::vector<float> x = relumc::draw_samples_cuda<float>(k.seed, k.stream, first, count, k.d, 0, Contract::V2);
      ASSERT_EQ(x.size(), count * static_cast<size_t>(k.d));
      for (int64_t c = 0; c < k.d; ++c)
        EXPECT_EQ(relumc::testing::float_bits(x[static_cast<size_t>(s * k.d + c)]), k.x[c]) << "offset " << s << " coordinate " << c;
    }
  }
  for (int64_t d : {1, 5, 1000, 4097})
    for (uint64_t first : {uint64_t{0}, (uint64_t{1} << 32) - 3}) {
      const std::vector<float> gpu = relumc::draw_samples_cuda<float>(7, 3, first, 37, d, 0, Contract::V2);
      std::vector<float> cpu(static_cast<size_t>(37 * d));
      for (uint64_t s = 0; s < 37; ++s) relumc::draw_sample<float>(Contract::V2, 7, 3, first + s, d, cpu.data() + s * d);
      EXPECT_EQ(0, std::memcmp(gpu.data(), cpu.data(), cpu.size() * sizeof(float))) << "d " << d << " first " << first;
    }
}

// Several devices share a case's chunks in contiguous ranges; each chunk is computed the same way
// wherever it runs, so the numbers are those of one device, bit for bit. The same device listed
// twice exercises the multi-device path (two host threads, two ranges) on a one-GPU machine.
TEST_F(Cuda, SeveralDevicesGiveOneDevicesBits) {
  const Case c = make_case(Quantity::Grad, 33, 3, 2, 50021, 13);
  EstimateOptions one, two;
  two.cuda_devices = {0, 0};
  const Estimate a = relumc::estimate_cuda(c, one, {}), b = relumc::estimate_cuda(c, two, {});
  EXPECT_EQ(0, std::memcmp(a.mean.data(), b.mean.data(), a.mean.size() * sizeof(double)));
  EXPECT_EQ(0, std::memcmp(a.std_error.data(), b.std_error.data(), a.std_error.size() * sizeof(double)));
  EstimateOptions bad;
  bad.cuda_devices = {0, 4096};
  EXPECT_THROW(relumc::estimate_cuda(c, bad, {}), relumc::InputError);
}

TEST_F(Cuda, BadLaunchOptionsAreRefusedSayingWhy) {
  const Case c = make_case(Quantity::Grad, 10, 2, 2, 100, 1);
  EXPECT_THROW(relumc::estimate_cuda(c, {}, CudaOptions{0, 2000, 0, 0, 0}), relumc::InputError);
  EXPECT_THROW(relumc::estimate_cuda(c, {}, CudaOptions{0, 0, -1, 0, 0}), relumc::InputError);
  EXPECT_THROW(relumc::estimate_cuda(c, {}, CudaOptions{0, 0, 0, 0, 6}), relumc::InputError);
  EXPECT_THROW(relumc::estimate_cuda(c, {}, CudaOptions{9999, 0, 0, 0, 0}), relumc::InputError);  // no such device
}

// The floor draws the estimator's normals: at d = 5 its sum equals the CPU's sum of the same x_i.
TEST_F(Cuda, RngFloorSumsTheContractsNormals) {
  const uint64_t N = 4099;
  const int64_t d = 5;
  std::vector<double> x(d);
  double cpu = 0, abs_sum = 0;
  for (uint64_t i = 0; i < N; ++i) {
    relumc::draw_sample<double>(9, 0, i, d, x.data());
    for (double v : x) cpu += v, abs_sum += std::abs(v);
  }
  const double gpu = relumc::rng_floor_cuda(9, 0, N, d, Precision::Double);
  EXPECT_LE(std::abs(gpu - cpu), 2 * relumc::testing::gamma_n(static_cast<double>(N * d)) * abs_sum);
}

// Long: N = 1e10 per case against the closed forms, 5 standard errors per component (gating d = 8,
// grad d = 8 K = K* = 4, loss). Minutes on an H200; opt in with RELUMC_LONG_GPU_TESTS=1.
TEST_F(Cuda, LongStatisticalAgreementAt1e10) {
  const char* env = std::getenv("RELUMC_LONG_GPU_TESTS");
  if (!env || std::string(env) != "1") GTEST_SKIP() << "long GPU test: set RELUMC_LONG_GPU_TESTS=1 to run it";
  for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss}) {
    const Case c = make_case(q, 8, 4, 4, 10'000'000'000ull, 21);
    const Estimate e = relumc::estimate_cuda(c, {}, {});
    const std::vector<double> cf = relumc::closed_form(c);
    const std::vector<double> wrong = relumc::closed_form(c, relumc::Formula::LostHalf);
    bool some_wrong_rejected = false;
    for (size_t a = 0; a < cf.size(); ++a) {
      EXPECT_LE(std::abs(e.mean[a] - cf[a]), 5 * e.std_error[a]) << to_string(q) << " component " << a;
      some_wrong_rejected |= std::abs(e.mean[a] - wrong[a]) > 5 * e.std_error[a];
    }
    EXPECT_TRUE(some_wrong_rejected) << "a wrong closed form (LostHalf) was not rejected for " << to_string(q);
    // Rounding, measured: another cut of the chunks (G = 61) sums the same terms in another order;
    // the difference is pure rounding and must stay below a tenth of the statistical error
    // (bench/RESULTS.md extrapolates it to N = 1e12).
    const Estimate other = relumc::estimate_cuda(c, {}, CudaOptions{0, 0, 61, 0, 0});
    for (size_t a = 0; a < cf.size(); ++a) {
      EXPECT_LE(std::abs(other.mean[a] - e.mean[a]), 0.1 * e.std_error[a]) << to_string(q) << " component " << a;
      RecordProperty(std::string(to_string(q)) + "_c" + std::to_string(a) + "_rounding_over_se",
                     std::to_string(std::abs(other.mean[a] - e.mean[a]) / e.std_error[a]));
    }
  }
}

}  // namespace
