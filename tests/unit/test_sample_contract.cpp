// SPDX-License-Identifier: MIT
// The sample contract (include/relumc/sample_contract.hpp): Philox known answers, the counter layout,
// cuRAND agreement, and the normal transform.
#include "relumc/math/sample_contract.hpp"
#include "tests/support/philox_kat.hpp"

#include <Random123/philox.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#ifdef RELUMC_HAVE_CURAND
#include <curand.h>
#endif

namespace {

using relumc::philox_block;

using relumc::testing::Kat;
using relumc::testing::kPhiloxKats;

// The known answers (tests/support/philox_kat.hpp; the SIMD and device front ends check the same ones),
// reached through the documented layout: counter = {j, i lo, i hi, stream}, key = {seed lo, seed hi}.
TEST(SampleContract, PhiloxKnownAnswersThroughCounterLayout) {
  for (const Kat& k : kPhiloxKats) {
    const uint64_t seed = (uint64_t{k.key[1]} << 32) | k.key[0];
    const uint64_t i = (uint64_t{k.ctr[2]} << 32) | k.ctr[1];
    EXPECT_EQ(seed, k.seed());
    EXPECT_EQ(i, k.sample());
    const relumc::PhiloxWords w = philox_block(seed, k.ctr[3], i, k.ctr[0]);
    for (int t = 0; t < 4; ++t) EXPECT_EQ(w.r[t], k.out[t]) << "word " << t;
    const std::vector<uint32_t> words(w.r, w.r + 4);
    EXPECT_EQ(relumc::testing::kat_mismatch(k, words, 0), "");
    // Through the draw of x_i, for the answers a draw reaches: coordinates 4j..4j+3 are their normals.
    if (!relumc::testing::kat_reachable_by_draw(k)) continue;
    const int64_t d = 4 * (static_cast<int64_t>(k.block()) + 1);
    std::vector<double> x(static_cast<size_t>(d));
    std::vector<float> xf(static_cast<size_t>(d));
    relumc::draw_sample<double>(k.seed(), k.stream(), k.sample(), d, x.data());
    relumc::draw_sample<float>(k.seed(), k.stream(), k.sample(), d, xf.data());
    const std::vector<double> z = relumc::testing::kat_normals<double>(k);
    const std::vector<float> zf = relumc::testing::kat_normals<float>(k);
    for (int t = 0; t < 4; ++t) {
      EXPECT_EQ(x[static_cast<size_t>(d - 4 + t)], z[t]) << "coordinate " << d - 4 + t;
      EXPECT_EQ(xf[static_cast<size_t>(d - 4 + t)], zf[t]) << "coordinate " << d - 4 + t << " float";
    }
  }
}

// relumc's own Philox4x32-10 (the lean device rounds) returns Random123's philox4x32 words for any counter
// and key: random ones, and the extremes of every field.
TEST(SampleContract, OwnPhiloxEqualsRandom123) {
  std::mt19937_64 g(20261205);
  const uint32_t edges[] = {0u, 1u, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu};
  auto check = [](uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
    r123::Philox4x32 rng;
    const auto want = rng(r123::Philox4x32::ctr_type{{c0, c1, c2, c3}}, r123::Philox4x32::key_type{{k0, k1}});
    const relumc::PhiloxWords got = relumc::philox4x32_10(c0, c1, c2, c3, relumc::philox_keys(uint64_t{k1} << 32 | k0));
    for (int t = 0; t < 4; ++t) ASSERT_EQ(got.r[t], want[t]) << "word " << t << " of counter " << c0 << "," << c1;
  };
  for (int n = 0; n < 100000; ++n) {
    const uint64_t a = g(), b = g(), c = g();
    check(static_cast<uint32_t>(a), static_cast<uint32_t>(a >> 32), static_cast<uint32_t>(b),
          static_cast<uint32_t>(b >> 32), static_cast<uint32_t>(c), static_cast<uint32_t>(c >> 32));
  }
  for (uint32_t e : edges)
    for (uint32_t f : edges) check(e, f, e, f, f, e), check(f, e, f, e, e, f);
}

// The float SplitExponent (integer steps) against its definition through frexpf: u = m 2^e with m in
// [kSqrtHalf, 2 kSqrtHalf), for every normal exponent at the significand's edges and around the threshold,
// and for a million random normal floats.
TEST(SampleContract, FloatSplitExponentMatchesFrexp) {
  auto check = [](float u) {
    int ex = 0;
    float fr = std::frexp(u, &ex);
    if (fr < 0.70710678118654752440f) fr *= 2, --ex;
    float m = 0, e = 0;
    relumc::SplitExponent(relumc::Scalar<float>{}, u, m, e);
    ASSERT_EQ(m, fr) << "u = " << u;
    ASSERT_EQ(e, static_cast<float>(ex)) << "u = " << u;
  };
  const uint32_t fracs[] = {0u, 1u, 0x3504f2u, 0x3504f3u, 0x3504f4u, 0x400000u, 0x7ffffeu, 0x7fffffu};
  for (uint32_t F = 1; F < 255; ++F)
    for (uint32_t f : fracs) {
      const uint32_t bits = (F << 23) | f;
      float u;
      std::memcpy(&u, &bits, sizeof u);
      check(u);
    }
  std::mt19937 g(7);
  for (int n = 0; n < 1000000; ++n) {
    const uint32_t bits = ((1u + g() % 254u) << 23) | (g() & 0x7fffffu);
    float u;
    std::memcpy(&u, &bits, sizeof u);
    check(u);
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

// The contract's uniforms, in long double: exact in either precision (sample_contract.hpp).
long double uniform_ld(uint32_t r, bool single) {
  if (single) return (static_cast<long double>(r >> 9) + 0.5L) / 8388608.0L;
  return (static_cast<long double>(r) + 0.5L) / 4294967296.0L;
}

template <class T>
long double ulp_of(long double v) {
  const T t = static_cast<T>(std::fabs(v));
  return static_cast<long double>(std::nextafter(t, std::numeric_limits<T>::infinity())) - static_cast<long double>(t);
}

// Box-Muller against the defining formula evaluated in long double. Each factor is within ~1 ulp
// (ContractFunctionsAreAccurate), sqrt and the product round once more: z is within 4 ulps of the
// radius, 8 allowed.
TEST(SampleContract, BoxMullerDefinition) {
  const uint32_t words[][2] = {{0, 0}, {0xffffffff, 0xffffffff}, {0x80000000, 0x40000000}, {12345, 0xdeadbeef},
                               {0xfffffe00, 0x00000200}, {1, 0x7fffffff}};
  const long double pi = 3.141592653589793238462643383279502884L;
  for (const auto& ab : words) {
    for (bool single : {false, true}) {
      const long double u = uniform_ld(ab[0], single), v = uniform_ld(ab[1], single);
      const long double r = std::sqrt(-2 * std::log(u));
      const long double e0 = r * std::cos(2 * pi * v), e1 = r * std::sin(2 * pi * v);
      long double z0, z1, tol;
      if (single) {
        float f0, f1;
        relumc::box_muller<float>(ab[0], ab[1], f0, f1);
        z0 = f0, z1 = f1, tol = 8 * ulp_of<float>(r);
      } else {
        double d0, d1;
        relumc::box_muller<double>(ab[0], ab[1], d0, d1);
        z0 = d0, z1 = d1, tol = 8 * ulp_of<double>(r);
      }
      EXPECT_LE(std::fabs(z0 - e0), tol) << "words " << ab[0] << " " << ab[1] << " float " << single;
      EXPECT_LE(std::fabs(z1 - e1), tol) << "words " << ab[0] << " " << ab[1] << " float " << single;
    }
  }
}

// ln, sin(2 pi u) and cos(2 pi u) of the contract against long double, in ulps of the true value, over
// the extreme words and a million random ones. fdlibm's and musl's kernels are below 1 ulp; the
// argument 2 pi f rounds once more (0.5 ulp). Bounds: 2 ulps (double), 3 ulps (float, whose Cephes
// sin/cos kernels are quoted at ~1.5 ulp).
template <class T>
void check_contract_accuracy(double bound) {
  const bool single = sizeof(T) == 4;
  const relumc::Scalar<T> d;
  const long double pi = 3.141592653589793238462643383279502884L;
  std::vector<uint32_t> words{0, 1, 2, 511, 512, 513, 0x7fffffff, 0x80000000, 0xb504f333, 0xb504f334,
                              0x3fffffff, 0x40000000, 0xbfffffff, 0xc0000000, 0xfffffdff, 0xfffffe00, 0xffffffff};
  std::mt19937_64 gen(20261123);
  for (int t = 0; t < 1000000; ++t) words.push_back(static_cast<uint32_t>(gen()));
  double worst_log = 0, worst_sin = 0, worst_cos = 0;
  for (uint32_t w : words) {
    const T u = relumc::UniformFromWord(d, w);
    ASSERT_EQ(static_cast<long double>(u), uniform_ld(w, single)) << "uniform of word " << w << " is not exact";
    const long double lu = std::log(static_cast<long double>(u));
    // Reference: sin and cos of 2 pi f in long double after the exact reduction u = f + k/4 (2 pi u
    // itself would carry an absolute error of ~1e-19, millions of ulps where sin(2 pi u) ~ 1e-9).
    const long double k = std::floor(4 * static_cast<long double>(u) + 0.5L), f = static_cast<long double>(u) - k / 4;
    const long double sf = std::sin(2 * pi * f), cf = std::cos(2 * pi * f);
    const int q = static_cast<int>(k) % 4;
    const long double su = q == 0 ? sf : q == 1 ? cf : q == 2 ? -sf : -cf;
    const long double cu = q == 0 ? cf : q == 1 ? -sf : q == 2 ? -cf : sf;
    T s, c;
    relumc::ContractSinCos2Pi(d, u, s, c);
    const T l = relumc::ContractLog(d, u);
    if (lu != 0) worst_log = std::max(worst_log, static_cast<double>(std::fabs(l - lu) / ulp_of<T>(lu)));
    worst_sin = std::max(worst_sin, static_cast<double>(std::fabs(s - su) / ulp_of<T>(su)));
    worst_cos = std::max(worst_cos, static_cast<double>(std::fabs(c - cu) / ulp_of<T>(cu)));
  }
  EXPECT_LE(worst_log, bound) << "ln";
  EXPECT_LE(worst_sin, bound) << "sin(2 pi u)";
  EXPECT_LE(worst_cos, bound) << "cos(2 pi u)";
  std::printf("%s: worst ln %.3f ulp, sin %.3f ulp, cos %.3f ulp over %zu words\n", single ? "float" : "double",
              worst_log, worst_sin, worst_cos, words.size());
}

TEST(SampleContract, ContractFunctionsAreAccurateDouble) { check_contract_accuracy<double>(2.0); }
TEST(SampleContract, ContractFunctionsAreAccurateFloat) { check_contract_accuracy<float>(3.0); }

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
