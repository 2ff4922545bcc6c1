// SPDX-License-Identifier: MIT
// Contract v2 (relumc/math/contract.hpp, docs/sample-contract.md "Contract v2"): known answers on the scalar
// path, the accuracy of its float polynomials, the moment bias bound recomputed by enumerating every
// radius and angle word, the moments and tails of its normals, and the rule that refuses v2 where the bound
// would exceed 0.1 standard error.
#include "relumc/core/case.hpp"
#include "relumc/math/contract.hpp"
#include "relumc/math/sample_contract.hpp"
#include "tests/support/v2_kat.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

namespace {

using relumc::Contract;
using relumc::testing::bits_float;
using relumc::testing::float_bits;

typedef long double LD;
const LD kPiL = 3.141592653589793238462643383279502884L;

LD ulp_float(LD v) {
  const float a = std::fabs(static_cast<float>(v));
  return static_cast<LD>(std::nextafter(a, std::numeric_limits<float>::infinity())) - static_cast<LD>(a);
}

TEST(ContractV2, NamesAndParsing) {
  EXPECT_EQ(relumc::to_string(Contract::V1), "v1");
  EXPECT_EQ(relumc::to_string(Contract::V2), "v2");
  EXPECT_EQ(relumc::parse_contract("v2"), Contract::V2);
  EXPECT_EQ(relumc::parse_contract("v1"), Contract::V1);
  EXPECT_FALSE(relumc::parse_contract("V2").has_value());
  EXPECT_FALSE(relumc::parse_contract("2").has_value());
  EXPECT_EQ(relumc::kDefaultContract, Contract::V1);
}

// tests/support/v2_kat.hpp through the scalar path: the word pairs through box_muller_v2, the samples
// through draw_sample and draw_input_sample_v2 (the lane math's DrawInputLanes, one lane).
TEST(ContractV2, KnownAnswersScalar) {
  for (const auto& k : relumc::testing::kV2WordKats) {
    float z0, z1;
    relumc::box_muller_v2(k.a, k.b, z0, z1);
    EXPECT_EQ(float_bits(z0), k.z0) << std::hex << "words " << k.a << " " << k.b << ": z0 " << z0;
    EXPECT_EQ(float_bits(z1), k.z1) << std::hex << "words " << k.a << " " << k.b << ": z1 " << z1;
  }
  for (const auto& k : relumc::testing::kV2SampleKats) {
    std::vector<float> x(static_cast<size_t>(k.d)), y(x.size());
    std::vector<double> xd(x.size());
    relumc::draw_sample<float>(Contract::V2, k.seed, k.stream, k.i, k.d, x.data());
    relumc::draw_sample<double>(Contract::V2, k.seed, k.stream, k.i, k.d, xd.data());
    relumc::draw_input_sample_v2(relumc::InputKind::Gaussian, 0.0, k.seed, k.stream, k.i, k.d, y.data());
    for (int64_t c = 0; c < k.d; ++c) {
      EXPECT_EQ(float_bits(x[c]), k.x[c]) << "seed " << k.seed << " i " << k.i << " coordinate " << c;
      EXPECT_EQ(float_bits(y[c]), k.x[c]) << "draw_input_sample_v2, coordinate " << c;
      EXPECT_EQ(xd[c], static_cast<double>(bits_float(k.x[c]))) << "widened to double, coordinate " << c;
    }
  }
}

// The known answers are Box-Muller: each within 4 ulps (of the radius) of the defining formula in long
// double, on the contract's own uniforms (u = the float RadiusUniformV2, v = (floor(b / 2^9) + 1/2) 2^-23).
TEST(ContractV2, KnownAnswersAreBoxMuller) {
  const relumc::Scalar<float> d;
  for (const auto& k : relumc::testing::kV2WordKats) {
    const LD u = relumc::RadiusUniformV2(d, k.a), v = relumc::UniformFromWord(d, k.b);
    const LD r = std::sqrt(-2 * std::log(u));
    const LD e0 = r * std::cos(2 * kPiL * v), e1 = r * std::sin(2 * kPiL * v);
    const LD tol = 4 * ulp_float(r) + std::numeric_limits<float>::denorm_min();
    EXPECT_LE(std::fabs(bits_float(k.z0) - e0), tol) << std::hex << k.a << " " << k.b;
    EXPECT_LE(std::fabs(bits_float(k.z1) - e1), tol) << std::hex << k.a << " " << k.b;
  }
}

// ln over extreme words and a million random ones, sin and cos of 2 pi v over every angle word: against long
// double, in ulps of the true value. Measured: ln 0.85 ulp, sin and cos 1.56 ulps.
TEST(ContractV2, PolynomialsAreAccurate) {
  const relumc::Scalar<float> d;
  std::vector<uint32_t> words{0, 1, 2, 3, 0x1fe, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xb504f333, 0xb504f334,
                              0xfffffeff, 0xffffff00, 0xfffffffe, 0xffffffff};
  std::mt19937_64 gen(20261124);
  for (int t = 0; t < 1000000; ++t) words.push_back(static_cast<uint32_t>(gen()));
  double worst_log = 0;
  for (uint32_t w : words) {
    const float u = relumc::RadiusUniformV2(d, w);
    ASSERT_GE(u, 0x1p-32f);
    ASSERT_LE(u, 1.0f);
    const LD lu = std::log(static_cast<LD>(u));
    const float l = relumc::ContractLogV2(d, u);
    if (lu == 0) {
      EXPECT_EQ(l, 0.0f);
      continue;
    }
    worst_log = std::max(worst_log, static_cast<double>(std::fabs(l - lu) / ulp_float(lu)));
  }
  double worst_sin = 0, worst_cos = 0;
  for (uint32_t k = 0; k < (1u << 23); ++k) {
    const float v = relumc::UniformFromWord(d, uint64_t{k} << 9);
    float s, c;
    relumc::ContractSinCos2PiV2(d, v, s, c);
    const LD q4 = std::floor(4 * static_cast<LD>(v) + 0.5L), f = static_cast<LD>(v) - q4 / 4;
    const LD sf = std::sin(2 * kPiL * f), cf = std::cos(2 * kPiL * f);
    const int q = static_cast<int>(q4) % 4;
    const LD su = q == 0 ? sf : q == 1 ? cf : q == 2 ? -sf : -cf;
    const LD cu = q == 0 ? cf : q == 1 ? -sf : q == 2 ? -cf : sf;
    worst_sin = std::max(worst_sin, static_cast<double>(std::fabs(s - su) / ulp_float(su)));
    worst_cos = std::max(worst_cos, static_cast<double>(std::fabs(c - cu) / ulp_float(cu)));
  }
  EXPECT_LE(worst_log, 1.0) << "ln";
  EXPECT_LE(worst_sin, 2.0) << "sin(2 pi v)";
  EXPECT_LE(worst_cos, 2.0) << "cos(2 pi v)";
  std::printf("v2: worst ln %.3f ulp (%zu words), sin %.3f ulp, cos %.3f ulp (all 2^23 angles)\n", worst_log,
              words.size(), worst_sin, worst_cos);
}

// The moment bias bound of v2 (relumc/math/contract.hpp), recomputed. Coordinate x = RN(R c) with R the radius
// of word a and c = cos or sin of word b, a and b independent and uniform: so E[(R c)^k] = E[R^k] E[c^k]
// exactly, and both factors are finite sums over every radius word (2^31 values of a >> 1, enumerated as the
// 7.5e7 distinct floats float(a >> 1) with their multiplicities) and every angle word (2^23 values). The final
// rounding RN(R c) = R c (1 + eta), |eta| <= 2^-24, adds at most (2 u + u^2) E[(Rc)^2] and ((1 + u)^4 - 1)
// E[(Rc)^4]. The sum of both parts must stay within the bounds the library uses, and those within 0.1 standard
// error of the Monte Carlo moments (sqrt(2 / N), sqrt(96 / N)) for every N up to kV2MaxSamples >= 1e12.
TEST(ContractV2, MomentBiasBoundByEnumeration) {
  const relumc::Scalar<float> d;
  LD sR2 = 0, sR4 = 0;
  uint64_t total = 0, distinct = 0;
  // Radius word a enters as t = a >> 1 < 2^31 through float(t): below 2^24 every t is its own float; in the
  // binade [2^k, 2^(k+1)), k >= 24, the floats are 2^k + i s, s = 2^(k-23), and float(t) rounds to nearest,
  // ties to the even significand. For i >= 1, 2^k + i s takes the s - 1 integers strictly within s/2 of it
  // and, when i is even, both ties at distance s/2. 2^k itself (i = 0, even) takes the s/2 - 1 integers above
  // it, its tie above and itself, and from the binade below (spacing s/2) the s/4 integers in [2^k - s/4, 2^k)
  // (the tie 2^k - s/4 included). The top 64 integers below 2^31 round to 2^31.
  auto add = [&](uint64_t t, uint64_t count) {
    const float u = relumc::RadiusUniformV2(d, t << 1);
    const float r = relumc::Sqrt(-2.0f * relumc::ContractLogV2(d, u));
    const LD r2 = static_cast<LD>(r) * r, n = static_cast<LD>(count);
    sR2 += n * r2;
    sR4 += n * r2 * r2;
    total += count;
    ++distinct;
    return std::isfinite(r);
  };
  bool finite = true;
  for (uint64_t t = 0; t < (uint64_t{1} << 24); ++t) finite &= add(t, 1);
  for (int k = 24; k <= 30; ++k) {
    const uint64_t s = uint64_t{1} << (k - 23);
    for (uint64_t i = 0; i < (uint64_t{1} << 23); ++i) {
      const uint64_t v = (uint64_t{1} << k) + i * s;
      const bool even = i % 2 == 0;
      finite &= add(v, i == 0 ? s / 2 + 1 + s / 4 : s - 1 + (even ? 2 : 0));
    }
  }
  finite &= add((uint64_t{1} << 31) - 1, 64);  // float(2^31 - 1) = 2^31
  ASSERT_TRUE(finite) << "a radius is not finite";
  ASSERT_EQ(total, uint64_t{1} << 31) << "every radius word enumerated once";
  LD sc2 = 0, sc4 = 0, ss2 = 0, ss4 = 0;
  for (uint32_t k = 0; k < (1u << 23); ++k) {
    float s, c;
    relumc::ContractSinCos2PiV2(d, relumc::UniformFromWord(d, uint64_t{k} << 9), s, c);
    sc2 += static_cast<LD>(c) * c, sc4 += static_cast<LD>(c) * c * c * c;
    ss2 += static_cast<LD>(s) * s, ss4 += static_cast<LD>(s) * s * s * s;
  }
  const LD nr = static_cast<LD>(total), na = static_cast<LD>(1u << 23);
  const LD u = 0x1p-24L;
  double b2 = 0, b4 = 0;
  for (auto [c2, c4] : {std::pair{sc2, sc4}, std::pair{ss2, ss4}}) {
    const LD m2 = sR2 / nr * (c2 / na), m4 = sR4 / nr * (c4 / na);
    b2 = std::max(b2, static_cast<double>(std::fabs(m2 - 1) + (2 * u + u * u) * m2));
    b4 = std::max(b4, static_cast<double>(std::fabs(m4 - 3) + (std::pow(1 + u, 4) - 1) * m4));
    std::printf("v2 moments before the final rounding: E x^2 - 1 = %.3Le, E x^4 - 3 = %.3Le (%llu radius floats)\n",
                m2 - 1, m4 - 3, static_cast<unsigned long long>(distinct));
  }
  std::printf("v2 bias bounds: |E x^2 - 1| <= %.4g, |E x^4 - 3| <= %.4g\n", b2, b4);
  EXPECT_LE(b2, relumc::kV2SecondMomentBias);
  EXPECT_LE(b4, relumc::kV2FourthMomentBias);
  const double N = static_cast<double>(relumc::kV2MaxSamples);
  EXPECT_GE(N, 1e12);
  EXPECT_LE(relumc::kV2SecondMomentBias, 0.1 * std::sqrt(2.0 / N));
  EXPECT_LE(relumc::kV2FourthMomentBias, 0.1 * std::sqrt(96.0 / N));
}

// Moments of the v2 normals from a fixed seed: mean 0, E x^2 = 1, E x^4 = 3, E x^6 = 15, each within 5
// standard errors (Var x = 1, Var x^2 = 2, Var x^4 = 96, Var x^6 = 10170); and the share of |x| > 3 and
// |x| > 4.5 within 5 binomial standard errors of the Gaussian tail.
TEST(ContractV2, NormalMomentsAndTails) {
  const int64_t n_samples = 1000000, d = 10;
  std::vector<float> x(d);
  double s1 = 0, s2 = 0, s4 = 0, s6 = 0, beyond3 = 0, beyond45 = 0;
  for (int64_t i = 0; i < n_samples; ++i) {
    relumc::draw_sample<float>(Contract::V2, 2024, 0, static_cast<uint64_t>(i), d, x.data());
    for (float f : x) {
      const double v = f, v2 = v * v;
      s1 += v, s2 += v2, s4 += v2 * v2, s6 += v2 * v2 * v2;
      beyond3 += std::fabs(v) > 3, beyond45 += std::fabs(v) > 4.5;
    }
  }
  const double n = static_cast<double>(n_samples * d);
  EXPECT_LT(std::fabs(s1 / n), 5 * std::sqrt(1.0 / n));
  EXPECT_LT(std::fabs(s2 / n - 1), 5 * std::sqrt(2.0 / n));
  EXPECT_LT(std::fabs(s4 / n - 3), 5 * std::sqrt(96.0 / n));
  EXPECT_LT(std::fabs(s6 / n - 15), 5 * std::sqrt(10170.0 / n));
  for (auto [count, a] : {std::pair{beyond3, 3.0}, std::pair{beyond45, 4.5}}) {
    const double p = std::erfc(a / std::sqrt(2.0));
    EXPECT_LT(std::fabs(count / n - p), 5 * std::sqrt(p * (1 - p) / n)) << "P(|x| > " << a << ")";
  }
}

// The tails v2 keeps: the largest radius is sqrt(-2 ln 2^-32) = 6.66 (word 0), where v1's float draw stops at
// sqrt(-2 ln 2^-24) = 5.77; the radius grid resolves the low tail to 2^-32.
TEST(ContractV2, TailReachesTheDoubleContractsRadius) {
  const relumc::Scalar<float> d;
  EXPECT_EQ(relumc::RadiusUniformV2(d, 0), 0x1p-32f);
  EXPECT_EQ(relumc::RadiusUniformV2(d, 2), 0x1.8p-31f);
  const float r0 = relumc::Sqrt(-2.0f * relumc::ContractLogV2(d, relumc::RadiusUniformV2(d, 0)));
  EXPECT_NEAR(r0, std::sqrt(64 * std::log(2.0)), 1e-5);
  const float v1 = relumc::Sqrt(-2.0f * relumc::ContractLog(d, relumc::UniformFromWord(d, 0)));
  EXPECT_LT(v1, 5.8f);
  EXPECT_GT(r0, 6.6f);
  EXPECT_EQ(relumc::RadiusUniformV2(d, 0xffffffffu), 1.0f);  // the top words: radius 0, never NaN
}

// The rule: v2 is float only, and never runs a case whose N is past kV2MaxSamples; both refusals name the field.
TEST(ContractV2, RefusedWhereItsBoundExceedsATenthOfTheStandardError) {
  EXPECT_NO_THROW(relumc::check_contract(Contract::V2, relumc::Precision::Float, relumc::kV2MaxSamples));
  EXPECT_NO_THROW(relumc::check_contract(Contract::V1, relumc::Precision::Double, ~uint64_t{0}));
  EXPECT_NO_THROW(relumc::check_contract(Contract::V1, relumc::Precision::Float, ~uint64_t{0}));
  try {
    relumc::check_contract(Contract::V2, relumc::Precision::Float, relumc::kV2MaxSamples + 1);
    FAIL() << "N past kV2MaxSamples accepted";
  } catch (const relumc::InputError& e) {
    EXPECT_EQ(e.field(), "contract");
    EXPECT_NE(std::string(e.what()).find("0.1"), std::string::npos) << e.what();
  }
  try {
    relumc::check_contract(Contract::V2, relumc::Precision::Double, 1000);
    FAIL() << "v2 with double accepted";
  } catch (const relumc::InputError& e) {
    EXPECT_EQ(e.field(), "precision");
  }
}

}  // namespace
