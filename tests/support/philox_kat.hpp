// SPDX-License-Identifier: MIT
// Philox4x32-10 known answers, shared by every front end that draws the sample contract's words
// (as Random123's tests/kat_vectors is shared by its C++ and CUDA test drivers):
//   scalar:  relumc::philox_block (tests/unit/test_sample_contract.cpp)
//   SIMD:    the CPU kernel's PhiloxLanes, through relumc::philox_words_simd (tests/unit/test_cpu_kernels.cpp)
//   device:  relumc::philox_block compiled by nvcc, through philox_words_device (tests/support/philox_kat_device.cu,
//            tests/unit/test_cuda.cpp; skipped without a usable GPU)
// Each front end checks every vector below, reached through the documented counter layout:
// counter = {j, i lo, i hi, stream}, key = {seed lo, seed hi}.
#pragma once

#include "relumc/math/sample_contract.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace relumc::testing {

struct Kat {
  uint32_t ctr[4], key[2], out[4];

  uint64_t seed() const { return (uint64_t{key[1]} << 32) | key[0]; }
  uint32_t stream() const { return ctr[3]; }
  uint64_t sample() const { return (uint64_t{ctr[2]} << 32) | ctr[1]; }  // i
  uint32_t block() const { return ctr[0]; }                              // j
};

// Random123's kat_vectors for philox4x32 with 10 rounds.
inline constexpr Kat kPhiloxKats[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}, {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}, {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

// Lane offsets at which a vector front end is asked for each known answer: the answer's sample is
// the s-th of a run starting at i - s, so it lands in lane s (every lane of AVX-512 doubles, 8, and
// past it, so a tail shorter than a vector is covered too).
inline constexpr int kKatLaneOffsets = 11;

// Empty when words (4 per sample) hold k.out at row `row`; else which word differs.
inline std::string kat_mismatch(const Kat& k, const std::vector<uint32_t>& words, size_t row) {
  if (words.size() < 4 * (row + 1)) return "only " + std::to_string(words.size()) + " words returned";
  for (int t = 0; t < 4; ++t)
    if (words[4 * row + t] != k.out[t])
      return "word " + std::to_string(t) + " is " + std::to_string(words[4 * row + t]) + ", expected " +
             std::to_string(k.out[t]) + " (seed " + std::to_string(k.seed()) + " stream " + std::to_string(k.stream()) +
             " i " + std::to_string(k.sample()) + " j " + std::to_string(k.block()) + ", row " + std::to_string(row) + ")";
  return {};
}

// The known answers a draw of x_i reaches (its coordinates 4j..4j+3 come from block j; d is at most 2^24):
// the first one (j = 0). For those, x_i's coordinates 4j..4j+3 are the Box-Muller normals of k.out.
inline bool kat_reachable_by_draw(const Kat& k) { return k.block() < 1024; }

template <class T>
std::vector<T> kat_normals(const Kat& k) {
  std::vector<T> z(4);
  box_muller<T>(k.out[0], k.out[1], z[0], z[1]);
  box_muller<T>(k.out[2], k.out[3], z[2], z[3]);
  return z;
}

// The device front end (tests/support/philox_kat_device.cu, built with CUDA only): Philox words of block j
// of samples first .. first + count - 1 (4 per sample, in sample order), computed on the device by the
// library's relumc::philox_block. Throws relumc::CudaError when the device cannot be used.
std::vector<uint32_t> philox_words_device(uint64_t seed, uint32_t stream, uint64_t first, uint32_t j, size_t count);

}  // namespace relumc::testing
