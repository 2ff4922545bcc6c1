// SPDX-License-Identifier: MIT
// Scalar versions of the lane operations that relumc/math/detail/lane_math-inl.hpp is written in.
//
// The lane math is written once, as templates over a lane tag D, and instantiated twice: here with
// Scalar<T> (one lane; host and device) and in host/backend/cpu/cpu_simd.cpp with Google Highway's tags (AVX2,
// AVX-512). The names and meanings follow Highway's (Set, MulAdd, IfThenElse, ...), so one source
// reads the same in both. Every operation is a single IEEE operation rounded once (MulAdd is a fused
// multiply-add), which is what makes the two instantiations, and the GPU, produce the same bits.
#pragma once

#include "relumc/core/config.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace relumc {

// The one-lane tag. T is the lane type, as in Highway's Simd<T, N, 0>.
template <class U>
struct Scalar {
  using T = U;
};

template <class D>
using TFromD = typename D::T;

template <class U>
RELUMC_HD inline constexpr size_t Lanes(Scalar<U>) {
  return 1;
}
template <class U>
RELUMC_HD inline U Set(Scalar<U>, double c) {
  return static_cast<U>(c);
}
template <class U>
RELUMC_HD inline U Zero(Scalar<U>) {
  return U(0);
}
template <class U>
RELUMC_HD inline U LoadU(Scalar<U>, const U* p) {
  return *p;
}
template <class U>
RELUMC_HD inline void StoreU(U v, Scalar<U>, U* p) {
  *p = v;
}
// Lane 0 is valid when n >= 1.
template <class U>
RELUMC_HD inline bool FirstN(Scalar<U>, size_t n) {
  return n > 0;
}
RELUMC_HD inline double MulAdd(double a, double b, double c) { return fma(a, b, c); }
RELUMC_HD inline float MulAdd(float a, float b, float c) { return fmaf(a, b, c); }
RELUMC_HD inline double Sqrt(double a) { return sqrt(a); }
RELUMC_HD inline float Sqrt(float a) { return sqrtf(a); }
// The Box-Muller radius sqrt(-2 ln u): IEEE sqrt (round to nearest) of x = -0, +0 or x in [2^-100, 2^100]
// (the radicands of both contracts lie in {-0} and [1.1e-7, 45]). On the GPU, sqrtf's own fast path without
// its range test and the branch to the slow path (5 of its 10 instructions per radius): MUFU.RSQ, s = x r,
// e = x - s^2, s + e r/2, the sequence nvcc emits for sqrtf on this range, so the same correctly rounded
// result. The clamp keeps the reciprocal finite at x = +-0, where s = x r = x and the result is x, as sqrtf.
template <class U>
RELUMC_HD inline U RadiusSqrt(Scalar<U>, U x) {
  return Sqrt(x);
}
#if defined(__CUDA_ARCH__)
template <>
__device__ inline float RadiusSqrt(Scalar<float>, float x) {
  float r;
  asm("rsqrt.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(fmaxf(x, 0x1p-100f)));  // guard: approx-ok (refined below)
  const float s = __fmul_rn(x, r);
  const float h = __fmul_rn(r, 0.5f);
  return __fmaf_rn(__fmaf_rn(-s, s, x), h, s);
}
#endif
RELUMC_HD inline double Floor(double a) { return floor(a); }
RELUMC_HD inline float Floor(float a) { return floorf(a); }
RELUMC_HD inline double Neg(double a) { return -a; }
RELUMC_HD inline float Neg(float a) { return -a; }
RELUMC_HD inline double IfThenElse(bool m, double yes, double no) { return m ? yes : no; }
RELUMC_HD inline float IfThenElse(bool m, float yes, float no) { return m ? yes : no; }
RELUMC_HD inline double IfThenElseZero(bool m, double yes) { return m ? yes : 0.0; }
RELUMC_HD inline float IfThenElseZero(bool m, float yes) { return m ? yes : 0.0f; }
// u = m 2^e exactly, with m in [sqrt(1/2), sqrt(2)) (the threshold is the rounded constant
// kSqrtHalf<T>, compared as fr < kSqrtHalf). u must be positive and normal.
template <class U>
RELUMC_HD inline void SplitExponent(Scalar<U>, U u, U& m, U& e);

template <>
RELUMC_HD inline void SplitExponent(Scalar<double>, double u, double& m, double& e) {
  int ex = 0;
  double fr = frexp(u, &ex);  // fr in [1/2, 1)
  if (fr < 0.70710678118654752440) {
    fr *= 2;
    --ex;
  }
  m = fr;
  e = static_cast<double>(ex);
}

// Float: from the bits (no library call). The numbers of the SIMD version (m1 = the significand in [1, 2),
// E the unbiased exponent; m1 >= 2 kSqrtHalf (rounded) takes m1 / 2 and E + 1), in integer steps (musl's
// logf): t = bits - bits(kSqrtHalf); e = t >> 23 (arithmetic) is E when m1 < 2 kSqrtHalf and E + 1 otherwise
// (the significand of kSqrtHalf is that of 2 kSqrtHalf, its exponent one below 1's), and subtracting e from
// the exponent field leaves m in [kSqrtHalf, 2 kSqrtHalf). Five instructions on the GPU, seven the other way;
// tests/unit/test_sample_contract.cpp compares the two over every float exponent and significand edge.
template <>
RELUMC_HD inline void SplitExponent(Scalar<float>, float u, float& m, float& e) {
  uint32_t bits;
  memcpy(&bits, &u, sizeof bits);
  const uint32_t t = bits - 0x3f3504f3u;  // bits of 0.70710678118654752440f
  const int32_t ex = static_cast<int32_t>(t) >> 23;
  const uint32_t mbits = bits - (t & 0xff800000u);
  memcpy(&m, &mbits, sizeof m);
  e = static_cast<float>(ex);
}

// Widening to double (exact) and rounding back to the lane type (round to nearest, as Highway's
// DemoteTo): used for the sum of squares of the sphere and ball inputs.
template <class V>
RELUMC_HD inline double ToDouble(Scalar<double>, V v) {
  return static_cast<double>(v);
}
template <class U>
RELUMC_HD inline U FromDouble(Scalar<U>, double v) {
  return static_cast<U>(v);
}

// The uniform of one Philox word (see relumc/math/sample_contract.hpp): exact in both precisions.
RELUMC_HD inline double UniformFromWord(Scalar<double>, uint64_t r) {
  return (static_cast<double>(r) + 0.5) * 0x1p-32;
}
RELUMC_HD inline float UniformFromWord(Scalar<float>, uint64_t r) {
  // (w + 1/2) 2^-23 in one exact fused step, as the SIMD version (the same number as two roundings).
  return fmaf(static_cast<float>(static_cast<uint32_t>(r) >> 9), 0x1p-23f, 0x1p-24f);
}

// Contract v2's radius uniform (relumc/math/detail/lane_math-inl.hpp): float(int32(r >> 1)) 2^-31 + 2^-32,
// the conversion and the add each rounded to nearest: in [2^-32, 1], spacing 2^-32 near 0.
RELUMC_HD inline float RadiusUniformV2(Scalar<float>, uint64_t r) {
  const float t = static_cast<float>(static_cast<int32_t>(static_cast<uint32_t>(r) >> 1));
  return fmaf(t, 0x1p-31f, 0x1p-32f);
}

}  // namespace relumc
