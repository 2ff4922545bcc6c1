// SPDX-License-Identifier: MIT
// Contract v2 known answers (relumc/math/contract.hpp, docs/sample-contract.md), shared by every front end
// that draws v2's normals, as tests/support/philox_kat.hpp is for the Philox words:
//   scalar:  relumc::box_muller_v2, relumc::draw_sample(Contract::V2, ...) (tests/unit/test_contract_v2.cpp)
//   SIMD:    the CPU kernel's own draw in full float vectors, through relumc::draw_samples_simd
//            (tests/unit/test_cpu_kernels.cpp)
//   device:  relumc::draw_samples_cuda<float>(..., Contract::V2) (tests/unit/test_cuda.cpp; skipped without a GPU)
// The numbers are float bit patterns: v2 is defined to the bit, and these freeze it. They were computed
// once by the scalar path and checked against the defining formula in long double (each within a few
// ulps of the radius: KnownAnswersAreBoxMuller); a change of any polynomial, uniform or rounding changes them.
#pragma once

#include "relumc/math/sample_contract.hpp"

#include <cstdint>
#include <cstring>

namespace relumc::testing {

// Box-Muller of two words: a (radius), b (angle) -> z0 = r cos, z1 = r sin, as float bits.
struct V2WordKat {
  uint32_t a, b, z0, z1;
};

inline constexpr V2WordKat kV2WordKats[] = {
    {0x00000000, 0x00000000, 0x40d5224d, 0x36276522},  // 6.66043711, 2.49438062e-06 (the largest radius)
    {0x00000001, 0x00000200, 0x40d5224d, 0x36fb17b2},  // 6.66043711, 7.48314142e-06
    {0xffffffff, 0xffffffff, 0x80000000, 0x00000000},  // -0, 0 (u rounds to 1: radius 0)
    {0x80000000, 0x40000000, 0xb4ecbb7a, 0x3f96b55f},  // -4.40948327e-07, 1.17741001
    {0xfffffffe, 0x7fffffff, 0x00000000, 0x80000000},  // 0, -0
    {0x00003039, 0xdeadbeef, 0x405d1475, 0xc06be7ad},  // 3.4543736, -3.68601537
    {0x00000002, 0xc0000000, 0x36233265, 0xc0cfc9e7},  // 2.43182262e-06, -6.49339628
    {0x01000000, 0x20000000, 0x4016b55b, 0x4016b563},  // 2.35481906, 2.35482097
    {0x00ffffff, 0x9fffffff, 0xc016b563, 0xc016b55b},  // -2.35482097, -2.35481906
    {0xb504f334, 0x60000000, 0xbf16b563, 0x3f16b55b},  // -0.588705242, 0.588704765 (the sqrt(1/2) split)
    {0x6627e8d5, 0xe169c58d, 0x3f7dbb2f, 0xbf6cb6b3},  // 0.991137445, -0.924662769 (Philox of counter 0)
    {0xbc57ac4c, 0x9b00dbd8, 0xbf1e1ba2, 0xbef6d1ac},  // -0.617609143, -0.482068419
};

// x_i of stream s under seed S, d coordinates, as float bits.
struct V2SampleKat {
  uint64_t seed;
  uint32_t stream;
  uint64_t i;
  int64_t d;
  uint32_t x[9];
};

inline constexpr V2SampleKat kV2SampleKats[] = {
    {0x0000000000000000ull, 0x00000000, 0x0000000000000000ull, 4, {0x3f7dbb2f, 0xbf6cb6b3, 0xbf1e1ba2, 0xbef6d1ac}},
    {0x0000000000000001ull, 0x00000000, 0x0000000000000000ull, 7,
     {0x3ec2c3e5, 0xbe97b1bd, 0xbe7f36f7, 0xbf807dbe, 0x3f207fa8, 0xbf224cc2, 0xbf2da332}},
    {0x299f31d0a4093822ull, 0x03707344, 0x13198a2e85a308d3ull, 5, {0xbf3c33a0, 0x3fc00171, 0x3e4c87d1, 0xbe0b1fcb, 0xbe65774c}},
    {0x0123456789abcdefull, 0x00000003, 0x00000000ffffffffull, 6,
     {0xbd408375, 0x3f657e15, 0x3f2398d1, 0x3f426496, 0xbedb1aeb, 0x3fb72345}},
    {0x00000000000007eaull, 0x00000007, 0x00000000000f4243ull, 9,
     {0xbe2e8ba6, 0xbf9eb006, 0x3b93c82b, 0x3f88afb4, 0x3ec9b223, 0xbfbc79b9, 0x3f815c0d, 0xbf87f606, 0xbefbb62f}},
};

inline uint32_t float_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

inline float bits_float(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

}  // namespace relumc::testing
