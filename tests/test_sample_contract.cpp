// SPDX-License-Identifier: MIT
// The sample contract (include/relumc/sample_contract.hpp): Philox known answers, the counter layout,
// cuRAND agreement, and the normal transform.
#include "relumc/sample_contract.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#ifdef RELUMC_HAVE_CURAND
#include <curand.h>
#endif

namespace {

using relumc::philox_block;

struct Kat {
  uint32_t ctr[4], key[2], out[4];
};

// Random123's kat_vectors for philox4x32 with 10 rounds.
constexpr Kat kKats[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}, {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}, {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

// The known answers, reached through the documented layout:
// counter = {j, i lo, i hi, stream}, key = {seed lo, seed hi}.
TEST(SampleContract, PhiloxKnownAnswersThroughCounterLayout) {
  for (const Kat& k : kKats) {
    const uint64_t seed = (uint64_t{k.key[1]} << 32) | k.key[0];
    const uint64_t i = (uint64_t{k.ctr[2]} << 32) | k.ctr[1];
    const relumc::PhiloxWords w = philox_block(seed, k.ctr[3], i, k.ctr[0]);
    for (int t = 0; t < 4; ++t) EXPECT_EQ(w.r[t], k.out[t]) << "word " << t;
  }
}

TEST(SampleContract, EveryCounterFieldMatters) {
  const relumc::PhiloxWords base = philox_block(7, 3, 11, 2);
  const relumc::PhiloxWords variants[] = {philox_block(8, 3, 11, 2), philox_block(7, 4, 11, 2),
                                          philox_block(7, 3, 12, 2), philox_block(7, 3, 11 + (uint64_t{1} << 32), 2),
                                          philox_block(7, 3, 11, 3), philox_block(7 + (uint64_t{1} << 32), 3, 11, 2)};
  for (const auto& v : variants) EXPECT_NE(v.r[0], base.r[0]);
}

#ifdef RELUMC_HAVE_CURAND
// cuRAND's host generator runs on the CPU; its first block (offset 0) is Philox of counter 0.
TEST(SampleContract, MatchesCurandHostGeneratorFirstBlock) {
  for (uint64_t seed : {uint64_t{1234}, uint64_t{0x123456789abcdef0ULL}, uint64_t{1}}) {
    curandGenerator_t gen;
    if (curandCreateGeneratorHost(&gen, CURAND_RNG_PSEUDO_PHILOX4_32_10) != CURAND_STATUS_SUCCESS)
      GTEST_SKIP() << "cuRAND host generator unavailable";
    ASSERT_EQ(curandSetPseudoRandomGeneratorSeed(gen, seed), CURAND_STATUS_SUCCESS);
    unsigned int words[4];
    ASSERT_EQ(curandGenerate(gen, words, 4), CURAND_STATUS_SUCCESS);
    curandDestroyGenerator(gen);
    const relumc::PhiloxWords w = philox_block(seed, 0, 0, 0);
    for (int t = 0; t < 4; ++t) EXPECT_EQ(w.r[t], words[t]) << "seed " << seed << " word " << t;
  }
}
#else
TEST(SampleContract, MatchesCurandHostGeneratorFirstBlock) { GTEST_SKIP() << "built without libcurand"; }
#endif

// Box-Muller against the defining formula evaluated in long double.
TEST(SampleContract, BoxMullerDefinition) {
  const uint32_t words[][2] = {{0, 0}, {0xffffffff, 0xffffffff}, {0x80000000, 0x40000000}, {12345, 0xdeadbeef}};
  for (const auto& ab : words) {
    const long double u = (static_cast<long double>(ab[0]) + 0.5L) / 4294967296.0L;
    const long double v = (static_cast<long double>(ab[1]) + 0.5L) / 4294967296.0L;
    const long double r = std::sqrt(-2 * std::log(u));
    const long double pi = 3.141592653589793238462643383279502884L;
    const long double e0 = r * std::cos(2 * pi * v), e1 = r * std::sin(2 * pi * v);
    double z0, z1;
    relumc::box_muller<double>(ab[0], ab[1], z0, z1);
    EXPECT_NEAR(z0, static_cast<double>(e0), 1e-14 * (1 + std::fabs(static_cast<double>(r))));
    EXPECT_NEAR(z1, static_cast<double>(e1), 1e-14 * (1 + std::fabs(static_cast<double>(r))));
    float f0, f1;
    relumc::box_muller<float>(ab[0], ab[1], f0, f1);
    EXPECT_TRUE(std::isfinite(f0) && std::isfinite(f1));
    // float differs from the definition by float rounding only: u carries an absolute error up to
    // 2^-25 + 2^-24 u, so -2 ln u is off by at most ~1.8e-7 and the radius by at most sqrt(1.8e-7)
    // = 4.3e-4 (reached only as r -> 0, where |z| itself is below that), plus ~1e-6 relative elsewhere.
    const double tol = 4.3e-4 + 1e-5 * static_cast<double>(r);
    EXPECT_NEAR(f0, static_cast<double>(e0), tol);
    EXPECT_NEAR(f1, static_cast<double>(e1), tol);
  }
}

// Coordinates 4j..4j+3 come from block j; a shorter d is a prefix of a longer one.
TEST(SampleContract, CoordinatesComeFromBlocksInOrder) {
  std::vector<double> x7(7), x13(13);
  relumc::draw_sample<double>(42, 5, 99, 7, x7.data());
  relumc::draw_sample<double>(42, 5, 99, 13, x13.data());
  for (int c = 0; c < 7; ++c) EXPECT_EQ(x7[c], x13[c]);
  const relumc::PhiloxWords w = philox_block(42, 5, 99, 1);
  double z0, z1, z2, z3;
  relumc::box_muller<double>(w.r[0], w.r[1], z0, z1);
  relumc::box_muller<double>(w.r[2], w.r[3], z2, z3);
  EXPECT_EQ(x13[4], z0);
  EXPECT_EQ(x13[5], z1);
  EXPECT_EQ(x13[6], z2);
  EXPECT_EQ(x13[7], z3);
}

// The normals have mean 0, variance 1, fourth moment 3: each within 5 standard errors, where the
// standard errors are those of the sample moments of N(0, 1) (Var x = 1, Var x^2 = 2, Var x^4 = 96).
TEST(SampleContract, NormalMoments) {
  const int64_t n_samples = 200000, d = 5;
  std::vector<double> x(d);
  double s1 = 0, s2 = 0, s4 = 0;
  for (int64_t i = 0; i < n_samples; ++i) {
    relumc::draw_sample<double>(2024, 0, static_cast<uint64_t>(i), d, x.data());
    for (double v : x) s1 += v, s2 += v * v, s4 += v * v * v * v;
  }
  const double n = static_cast<double>(n_samples * d);
  EXPECT_LT(std::fabs(s1 / n), 5 * std::sqrt(1.0 / n));
  EXPECT_LT(std::fabs(s2 / n - 1), 5 * std::sqrt(2.0 / n));
  EXPECT_LT(std::fabs(s4 / n - 3), 5 * std::sqrt(96.0 / n));
}

}  // namespace
