// SPDX-License-Identifier: MIT
// The sample contract: x_i of stream s under seed S is a pure function of (S, s, i).
//
// Counter layout (Philox4x32-10, Random123's philox4x32 == cuRAND's Philox4_32_10):
//   key     = { S & 0xffffffff, S >> 32 }
//   counter = { j, i & 0xffffffff, i >> 32, s }
// where j is the block index within x_i. Block j yields four 32-bit words r0..r3, which become the
// coordinates 4j .. 4j+3 of x_i (words past coordinate d-1 are discarded) through Box-Muller:
//   x_{4j}   = sqrt(-2 ln u0) cos(2 pi u1),  x_{4j+1} = sqrt(-2 ln u0) sin(2 pi u1)
//   x_{4j+2} = sqrt(-2 ln u2) cos(2 pi u3),  x_{4j+3} = sqrt(-2 ln u2) sin(2 pi u3)
// with the uniforms, exact in their precision and never 0 or 1:
//   double: u = (r + 1/2) 2^-32              float: u = (floor(r / 2^9) + 1/2) 2^-23
// ln, sin and cos are not the C library's: they are relumc's own polynomials
// (relumc/math/detail/lane_math-inl.hpp), single IEEE operations and fused multiply-adds in a fixed order,
// about 1 ulp from the true values. So x_i is defined to the last bit, in each precision: the scalar
// path, the SIMD path (host/backend/cpu/cpu_simd.cpp) and the GPU compute the same bits. The radius
// sqrt(-2 ln u) is at most sqrt(2 ln 2^33) = 6.76 in double and sqrt(2 ln 2^24) = 5.77 in float; the
// Gaussian mass the contract truncates beyond it is exp(-r^2/2) = 2^-33 (1.2e-10) and 2^-24 (6e-8). With seed S, stream 0, sample 0, block 0
// the counter is all zeros, so the first four words equal cuRAND's host generator
// (CURAND_RNG_PSEUDO_PHILOX4_32_10, seed S, offset 0); tests/unit/test_sample_contract.cpp holds that.
//
// Versions (relumc/math/contract.hpp): the above is contract v1. Contract v2 keeps the words, the layout and
// the inputs and replaces the normal transform by a float one (relumc/math/detail/lane_math-inl.hpp,
// BoxMullerV2): u = RN(float(int32(r0 >> 1)) 2^-31 + 2^-32) in [2^-32, 1] (radius; the tail reaches 6.66),
// v = the float uniform of r1 (angle), relumc's own division-free float polynomials for ln, sin and cos;
// x = RN(sqrt(-2 ln u) cos(2 pi v)), RN(sqrt(-2 ln u) sin(2 pi v)). block_normals / draw_sample(contract, ...)
// draw under either version; docs/sample-contract.md derives v2's moment bias bound.
//
// Input distributions (relumc/math/input.hpp; --input). The Gaussian above is the default; the others are
// built from the same words, so x_i stays a pure function of (S, s, i, input, R, d):
//   sphere, radius R: g = the Gaussian coordinates g_0..g_{d-1} above;
//                     S = sum_k g_k^2, in double, coordinate order, one fma each, from 0;
//                     f = R / sqrt(S) in double, rounded once to the precision;  x_k = g_k * f.
//   ball, radius R:   the same with d + 2 Gaussian coordinates g_0..g_{d+1} (blocks continue past
//                     coordinate d - 1) and S summed over all d + 2; x_k = g_k * f for k < d. That is
//                     exactly uniform in the d-ball: the first d coordinates of a uniform point on
//                     S^{d+1} are uniform in B^d (no pow, no exp, no rejection).
//   cube:             x_k = u_k - 1/2, with u_k the exact uniform of word k (block k / 4, word k % 4),
//                     one word per coordinate (so |x_k| <= 1/2 - 2^-33 in double, 1/2 - 2^-24 in float).
// The math is relumc/math/detail/lane_math-inl.hpp (DrawInputLanes): the scalar path, the SIMD path and a
// GPU kernel instantiate that one function.
//
// Addressable: i < 2^64 samples per stream, d < 2^34 coordinates, 2^32 streams. Streams below
// kGeometryStreamBase are the sample streams of cases (case index); streams at or above it are used
// only for drawing the random frames of a sweep (host/plan/sweep.cpp), so frames and samples never overlap.
//
// Usage:
//   double x[100];
//   relumc::draw_sample<double>(seed, stream, i, 100, x);                              // Gaussian
//   relumc::draw_input_sample<double>(relumc::InputKind::Ball, 2.0, seed, stream, i, 100, x);
#pragma once

#include "relumc/core/config.hpp"
#include "relumc/math/contract.hpp"
#include "relumc/math/detail/scalar_ops.hpp"
#include "relumc/math/detail/v1_coefficients.hpp"
#include "relumc/math/input.hpp"

#include <cmath>
#include <cstdint>

namespace relumc {

inline constexpr uint32_t kGeometryStreamBase = 0x80000000u;

struct PhiloxWords {
  uint32_t r[4];
};

// The 64-bit product a b as two words (lo, hi). On the device one IMAD.WIDE.U32 through PTX mul.wide: the
// 64-bit C++ product (Random123's mulhilo) compiles there to IMAD.WIDE plus an add of a zero register for the
// high word, 2 of Philox's 6 instructions per round (bench/RESULTS.md, "A lean Philox").
RELUMC_HD inline void philox_mulhilo(uint32_t a, uint32_t b, uint32_t& lo, uint32_t& hi) {
#if defined(__CUDA_ARCH__)
  asm("{\n\t.reg .b64 p;\n\tmul.wide.u32 p, %2, %3;\n\tmov.b64 {%0, %1}, p;\n\t}" : "=r"(lo), "=r"(hi) : "r"(a), "r"(b));
#else
  const uint64_t p = static_cast<uint64_t>(a) * b;
  lo = static_cast<uint32_t>(p);
  hi = static_cast<uint32_t>(p >> 32);
#endif
}

// Philox4x32-10's key schedule under seed S: round r uses key + r (0x9E3779B9, 0xBB67AE85), key = (S & 0xffffffff,
// S >> 32). A kernel gets it precomputed among its parameters, which live in the constant bank: each round's
// xor then reads its key word from there, where a seed alone made the device rebuild the ten round keys of
// every block with two adds each (bench/RESULTS.md).
struct PhiloxKeys {
  uint32_t k[20];  // round r: k[2r], k[2r + 1]
};

RELUMC_HD inline PhiloxKeys philox_keys(uint64_t seed) {
  PhiloxKeys keys{};
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    keys.k[2 * r] = k0;
    keys.k[2 * r + 1] = k1;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return keys;
}

// Philox4x32-10 (Salmon et al. 2011), Random123's philox4x32_R(10, ctr, key) word for word, with the key
// schedule of philox_keys; tests/unit/test_sample_contract.cpp compares it with Random123's.
RELUMC_HD inline PhiloxWords philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, const PhiloxKeys& keys) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int r = 0; r < 10; ++r) {
    uint32_t lo0, hi0, lo1, hi1;
    philox_mulhilo(c0, 0xD2511F53u, lo0, hi0);
    philox_mulhilo(c2, 0xCD9E8D57u, lo1, hi1);
    c0 = hi1 ^ c1 ^ keys.k[2 * r];
    c1 = lo1;
    c2 = hi0 ^ c3 ^ keys.k[2 * r + 1];
    c3 = lo0;
  }
  return PhiloxWords{{c0, c1, c2, c3}};
}

// The four words of block j of sample i in stream s, under the key schedule of seed S.
RELUMC_HD inline PhiloxWords philox_block(const PhiloxKeys& keys, uint32_t stream, uint64_t i, uint32_t j) {
  return philox4x32_10(j, static_cast<uint32_t>(i), static_cast<uint32_t>(i >> 32), stream, keys);
}

// The four words of block j of sample i in stream s under seed S.
RELUMC_HD inline PhiloxWords philox_block(uint64_t seed, uint32_t stream, uint64_t i, uint32_t j) {
  return philox_block(philox_keys(seed), stream, i, j);
}

// The scalar lane piece of the input draw: the words of block j of sample `first`.
RELUMC_HD inline void PhiloxLanes(Scalar<uint64_t>, uint64_t seed, uint32_t stream, uint64_t first, uint32_t j,
                                  uint64_t& r0, uint64_t& r1, uint64_t& r2, uint64_t& r3) {
  const PhiloxWords w = philox_block(seed, stream, first, j);
  r0 = w.r[0];
  r1 = w.r[1];
  r2 = w.r[2];
  r3 = w.r[3];
}

// The scalar lane piece for two blocks: the words of blocks j and j + 1 of sample `first`.
RELUMC_HD inline void PhiloxLanesPair(Scalar<uint64_t> dw, uint64_t seed, uint32_t stream, uint64_t first, uint32_t j,
                                      uint64_t& a0, uint64_t& a1, uint64_t& a2, uint64_t& a3, uint64_t& b0,
                                      uint64_t& b1, uint64_t& b2, uint64_t& b3) {
  PhiloxLanes(dw, seed, stream, first, j, a0, a1, a2, a3);
  PhiloxLanes(dw, seed, stream, first, j + 1, b0, b1, b2, b3);
}

#define RELUMC_LANE_FN RELUMC_HD inline
#include "relumc/math/detail/lane_math-inl.hpp"
#undef RELUMC_LANE_FN

// Box-Muller on two words, in precision T (see the header comment for the exact definition).
template <class T>
RELUMC_HD inline void box_muller(uint32_t a, uint32_t b, T& z0, T& z1) {
  const Scalar<T> d;
  BoxMuller(d, UniformFromWord(d, a), UniformFromWord(d, b), z0, z1);
}

// Contract v2's Box-Muller on two words (a: radius, b: angle), in float (see the header comment).
RELUMC_HD inline void box_muller_v2(uint32_t a, uint32_t b, float& z0, float& z1) {
  BoxMullerV2(Scalar<float>{}, uint64_t{a}, uint64_t{b}, z0, z1);
}

// The four normals of one Philox block under a contract, in T: v1 draws in T; v2 draws in float (and a
// T = double caller gets v2's float normals, widened exactly).
template <class T>
RELUMC_HD inline void block_normals(Contract contract, const PhiloxWords& w, T z[4]) {
  if (contract == Contract::V2) {
    float f[4];
    box_muller_v2(w.r[0], w.r[1], f[0], f[1]);
    box_muller_v2(w.r[2], w.r[3], f[2], f[3]);
    for (int t = 0; t < 4; ++t) z[t] = static_cast<T>(f[t]);
  } else {
    box_muller<T>(w.r[0], w.r[1], z[0], z[1]);
    box_muller<T>(w.r[2], w.r[3], z[2], z[3]);
  }
}

// Writes the d coordinates of x_i under a contract into x (v1 in T; v2 in float, widened when T = double).
template <class T>
RELUMC_HD inline void draw_sample(Contract contract, uint64_t seed, uint32_t stream, uint64_t i, int64_t d, T* x) {
  const int64_t blocks = (d + 3) / 4;
  for (int64_t j = 0; j < blocks; ++j) {
    T z[4];
    block_normals<T>(contract, philox_block(seed, stream, i, static_cast<uint32_t>(j)), z);
    const int64_t base = 4 * j;
    const int64_t n = (d - base < 4) ? d - base : 4;
    for (int64_t t = 0; t < n; ++t) x[base + t] = z[t];
  }
}

// Writes the d coordinates of x_i (contract v1) into x.
template <class T>
RELUMC_HD inline void draw_sample(uint64_t seed, uint32_t stream, uint64_t i, int64_t d, T* x) {
  const int64_t blocks = (d + 3) / 4;
  for (int64_t j = 0; j < blocks; ++j) {
    const PhiloxWords w = philox_block(seed, stream, i, static_cast<uint32_t>(j));
    T z[4];
    box_muller<T>(w.r[0], w.r[1], z[0], z[1]);
    box_muller<T>(w.r[2], w.r[3], z[2], z[3]);
    const int64_t base = 4 * j;
    const int64_t n = (d - base < 4) ? d - base : 4;
    for (int64_t t = 0; t < n; ++t) x[base + t] = z[t];
  }
}

// What DrawInputLanes reads: the key, the stream, the dimension and the radius of the draw.
struct InputDrawParams {
  uint64_t seed;
  uint32_t stream;
  int64_t d;
  double radius;
};

template <Contract kContract, class T>
RELUMC_HD inline void draw_input_sample_c(InputKind input, const InputDrawParams& p, uint64_t i, T* x) {
  const Scalar<T> dt;
  const Scalar<uint64_t> dw;
  const Scalar<double> d64;
  switch (input) {
    case InputKind::Gaussian: DrawInputLanes<InputKind::Gaussian, kContract>(dt, dw, d64, p, i, x, 1); break;
    case InputKind::Sphere: DrawInputLanes<InputKind::Sphere, kContract>(dt, dw, d64, p, i, x, 1); break;
    case InputKind::Ball: DrawInputLanes<InputKind::Ball, kContract>(dt, dw, d64, p, i, x, 1); break;
    case InputKind::Cube: DrawInputLanes<InputKind::Cube, kContract>(dt, dw, d64, p, i, x, 1); break;
  }
}

// Writes the d coordinates of x_i under the given input distribution (radius: sphere and ball only), contract v1.
template <class T>
RELUMC_HD inline void draw_input_sample(InputKind input, double radius, uint64_t seed, uint32_t stream, uint64_t i,
                                        int64_t d, T* x) {
  draw_input_sample_c<Contract::V1>(input, InputDrawParams{seed, stream, d, radius}, i, x);
}

// The same under contract v2: float only (v2's normals are float).
RELUMC_HD inline void draw_input_sample_v2(InputKind input, double radius, uint64_t seed, uint32_t stream, uint64_t i,
                                           int64_t d, float* x) {
  draw_input_sample_c<Contract::V2>(input, InputDrawParams{seed, stream, d, radius}, i, x);
}

}  // namespace relumc
