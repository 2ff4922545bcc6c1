// SPDX-License-Identifier: MIT
// The CPU chunk kernel: draws the samples of one chunk, gates them and sums them into lane partials.
//
// One generic kernel (host/backend/cpu/cpu_kernel-inl.hpp) has two instantiations with identical arithmetic:
//   scalar: one sample at a time (host/backend/cpu/cpu_scalar.cpp), the portable reference;
//   SIMD:   Google Highway, Lanes samples at a time, target picked at run time (host/backend/cpu/cpu_simd.cpp):
//           as many float as double lanes for v1, twice as many (8 on AVX2, 16 on AVX-512) for v2's Gaussian.
// Summation order, fixed by the kernel and not by the vector width: sample begin + t of a chunk goes
// to lane partial t mod 8; each partial sums its samples in order (v2: its float block sums, below); the
// caller combines the eight partials of a component as ((p0+p1)+(p2+p3))+((p4+p5)+(p6+p7)). The scalar and
// SIMD paths, AVX2 or AVX-512, therefore return the same bits (tests/unit/test_cpu_kernels.cpp).
#pragma once

#include "relumc/core/case.hpp"
#include "relumc/math/contract.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace relumc {

inline constexpr size_t kPartialLanes = 8;
// Contract v2's sums: within each block of kV2FlushSamples consecutive samples of a chunk (counted from the
// chunk's start; the last block may be shorter), sample t of the block goes to float partial t mod 16, which
// sums its terms (16 at most) in order in float, from 0; at the end of the block float partial p is widened
// and added to double partial p mod 8, p in increasing order. The worst-case rounding of a float partial is
// gamma_15 = 15 u / (1 - 15 u), u = 2^-24 (9e-7) of the sum of |t| it holds; typical, sqrt(15) u / 2.
inline constexpr size_t kV2FloatPartialLanes = 16;
inline constexpr uint64_t kV2FlushSamples = 256;

template <class T>
struct ChunkArgs {
  Quantity quantity = Quantity::Grad;
  int64_t d = 0, K = 0, Kstar = 0;
  const T* rows = nullptr;  // (K + Kstar) x d, row-major: the student rows, then the teacher rows
  uint64_t seed = 0;
  uint32_t stream = 0;
  InputKind input = InputKind::Gaussian;  // the distribution of x (relumc/math/input.hpp)
  double radius = 0;                      // sphere and ball
  Contract contract = Contract::V1;       // the sample contract's version (v2: T = float only)
};

// Samples of a chunk between two reads of the stop request (EstimateOptions::stop) on the CPU: about
// kStopCheckWork multiply-adds of the case's shape (a few milliseconds on one core), at least kV2FlushSamples
// and at most kStopCheckMaxSamples, and always a multiple of kV2FlushSamples. Summing [begin, end) as
// [begin, begin + j s) then [begin + j s, end) into the same S and Q, s a multiple of kV2FlushSamples, adds
// exactly the same terms in the same order as one call (lane t mod 8 counts from begin, which moves by a
// multiple of 8; v2's flush blocks and tiles start at multiples of kV2FlushSamples), so the pieces change no
// bit (tests/unit/test_cpu_kernels.cpp, ChunkInPiecesIsBitIdentical).
inline constexpr uint64_t kStopCheckWork = uint64_t{1} << 24;
inline constexpr uint64_t kStopCheckMaxSamples = uint64_t{1} << 20;
uint64_t stop_check_samples(Quantity q, int64_t d, int64_t K, int64_t Kstar);
// Test-only: makes stop_check_samples return `samples` (a positive multiple of kV2FlushSamples; false, changing
// nothing, otherwise), so that a test can show that the piece size changes no bit; 0 restores the normal size.
bool set_stop_check_samples_for_test(uint64_t samples);

// Adds samples [begin, end) into S and Q (sums and sums of squares), each components x kPartialLanes
// doubles, component-major: S[a * 8 + lane]. `done` (may be null) counts samples for progress.
template <class T>
void accumulate_chunk_scalar(const ChunkArgs<T>& a, uint64_t begin, uint64_t end, double* S, double* Q,
                             std::atomic<uint64_t>* done);

// The same with SIMD; returns false, touching nothing, when this CPU has no SIMD target with fused
// multiply-add (the only kind that reproduces the scalar bits).
bool accumulate_chunk_simd(const ChunkArgs<double>& a, uint64_t begin, uint64_t end, double* S, double* Q,
                           std::atomic<uint64_t>* done);
bool accumulate_chunk_simd(const ChunkArgs<float>& a, uint64_t begin, uint64_t end, double* S, double* Q,
                           std::atomic<uint64_t>* done);

// The rng floor of the benchmarks: the same normals for samples [begin, end), drawn by the same code,
// only summed. The SIMD one returns false when the CPU cannot run the SIMD kernel.
// The float ones draw a.contract's float normals (v1 float or v2).
double rng_floor_scalar(const ChunkArgs<double>& a, uint64_t begin, uint64_t end);
double rng_floor_scalar(const ChunkArgs<float>& a, uint64_t begin, uint64_t end);
bool rng_floor_simd(const ChunkArgs<double>& a, uint64_t begin, uint64_t end, double* sum);
bool rng_floor_simd(const ChunkArgs<float>& a, uint64_t begin, uint64_t end, double* sum);

// Test-only (tests/support/philox_kat.hpp): the words of Philox block j of samples first .. first + count - 1,
// 4 per sample in sample order, drawn by the SIMD kernel's own PhiloxLanes (one sample per 64-bit lane; the
// sample index wraps mod 2^64). Returns false, touching nothing, when the CPU cannot run the SIMD kernel.
bool philox_words_simd(uint64_t seed, uint32_t stream, uint64_t first, uint32_t j, size_t count, uint32_t* words);

// Test-only (tests/support/v2_kat.hpp): x_first .. x_{first+count-1} of a's input and contract (count x a.d floats,
// row-major) drawn by the SIMD kernel's own draw, in the vector configuration the kernel runs them in (v2's
// Gaussian: full float vectors and words packed into 32-bit lanes). False, touching nothing, without SIMD.
bool draw_samples_simd(const ChunkArgs<float>& a, uint64_t first, size_t count, float* x);

// The SIMD target the dispatcher picks on this CPU ("AVX2", "AVX3", ...) and whether the kernel
// runs on it (false: the CPU path falls back to scalar).
std::string simd_target_name();
bool simd_kernel_available();
// Every SIMD target this build has code for and this CPU supports, best first.
std::vector<std::string> simd_targets_supported();
// Test-only: makes the dispatcher pick `name` (one of simd_targets_supported()), so that every target's kernel
// is checked on one machine (AVX2's 8 float lanes on an AVX-512 CPU); "" restores the normal choice. False
// for a target this CPU or build does not have.
bool use_simd_target_for_test(const std::string& name);

}  // namespace relumc
