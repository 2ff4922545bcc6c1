// SPDX-License-Identifier: MIT
// How the CUDA estimator's launcher cuts a case's chunks into kernel launches, in plain C++ (no CUDA
// header), so that kernels/estimator.cu and the host emulator of the kernels
// (tests/support/cuda_emulator.hpp, tests/unit/test_cuda_emulated.cpp) run the same arithmetic and
// the same launch loop (run_batches below).
//
// The numbers are fixed by the chunks (chunk_count, chunk_begin) and G alone, never by the launch shape:
//   chunk k = [b, b + n) is cut into G ranges, range g = [b + floor(n g / G), b + floor(n (g + 1) / G));
//   a range is one block's sequential sum in sample order; a chunk's G range sums are added in range
//   order; chunk sums are combined on the host in chunk order (combine_chunk_sums).
// The launch shape only decides which blocks run when, and how far each gets in one launch:
//   batch  a launch grid (G, nb) covers nb chunks: as many as fit on the device at once (occupancy),
//          within the grid's y limit and 1 GiB of accumulators;
//   slice  each launch advances every block of the batch by at most `slice` samples of its range; the
//          block keeps its sums in its accumulators from one launch to the next (zeroed at offset 0).
//          A sequential sum cut at any sample and continued is the same sum, so slices change no bit;
//          they keep each launch near kTargetLaunchSeconds, so that stop requests and progress act
//          within a second however large N is.
#pragma once

#include "relumc/core/config.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace relumc::detail {

inline constexpr uint64_t kMaxGridY = 65535;              // CUDA's limit on gridDim.y
inline constexpr size_t kSharedWithoutOptIn = 48 * 1024;  // dynamic shared memory without the attribute
inline constexpr double kTargetLaunchSeconds = 0.2;       // one slice's launch, aimed at
inline constexpr uint64_t kFirstSliceSamples = 256;       // per block, before any launch was timed
inline constexpr uint64_t kMaxSliceSamples = uint64_t{1} << 40;

struct GridShape {
  uint32_t x = 1, y = 1;  // (G, chunks of the batch)
};

// A kernel needs cudaFuncAttributeMaxDynamicSharedMemorySize when it asks for more than 48 KiB.
inline bool needs_shared_opt_in(size_t shared_bytes) { return shared_bytes > kSharedWithoutOptIn; }

// Chunks per launch grid: enough for one full wave of resident blocks (resident_blocks = blocks per SM
// from the occupancy calculator x SMs; at least one chunk), within the grid's y limit and 1 GiB of
// accumulators (G x width doubles per chunk), and no more than the `chunks` there are.
inline uint64_t chunks_per_batch(uint64_t resident_blocks, int G, size_t width, uint64_t chunks) {
  const uint64_t g = static_cast<uint64_t>(G);
  const uint64_t by_memory = std::max<uint64_t>(1, (uint64_t{1} << 30) / (g * width * sizeof(double)));
  const uint64_t by_fill = std::max<uint64_t>(1, resident_blocks / g);
  return std::max<uint64_t>(1, std::min({by_memory, by_fill, kMaxGridY, chunks}));
}

// The G ranges of chunks k0 .. k0 + nb - 1 of [0, N) cut into `chunks`: bounds[y G + g] is the first
// sample of range g of chunk k0 + y, and bounds[nb G] the end of the last chunk (nb G + 1 entries).
inline void range_bounds(uint64_t N, uint64_t chunks, uint64_t k0, uint64_t nb, int G, uint64_t* bounds) {
  auto chunk_start = [&](uint64_t k) {
    return static_cast<uint64_t>(static_cast<unsigned __int128>(N) * k / chunks);  // chunk_begin
  };
  const uint64_t g_count = static_cast<uint64_t>(G);
  for (uint64_t y = 0; y < nb; ++y) {
    const uint64_t b = chunk_start(k0 + y), n = chunk_start(k0 + y + 1) - b;
    for (uint64_t g = 0; g < g_count; ++g)
      bounds[y * g_count + g] = b + static_cast<uint64_t>(static_cast<unsigned __int128>(n) * g / g_count);
  }
  bounds[nb * g_count] = chunk_start(k0 + nb);
}

struct SampleRange {
  uint64_t begin = 0, end = 0;
};

// The part of range [begin, end) that the launch at `offset` (samples into every range) covers: at
// most `slice` samples, empty once the range is done. Exact for any values (no overflow near 2^64).
RELUMC_HD inline SampleRange slice_of(uint64_t begin, uint64_t end, uint64_t offset, uint64_t slice) {
  const uint64_t n = end - begin;
  const uint64_t lo = offset < n ? offset : n;
  const uint64_t hi = slice < n - lo ? lo + slice : n;
  return SampleRange{begin + lo, begin + hi};
}

inline uint64_t longest_range(const uint64_t* bounds, size_t ranges) {
  uint64_t longest = 0;
  for (size_t r = 0; r < ranges; ++r) longest = std::max(longest, bounds[r + 1] - bounds[r]);
  return longest;
}

// Samples that the launch at (offset, slice) adds, over all ranges: what the progress counter gets.
inline uint64_t samples_in_slice(const uint64_t* bounds, size_t ranges, uint64_t offset, uint64_t slice) {
  uint64_t total = 0;
  for (size_t r = 0; r < ranges; ++r) {
    const SampleRange s = slice_of(bounds[r], bounds[r + 1], offset, slice);
    total += s.end - s.begin;
  }
  return total;
}

// The next slice after one that took `seconds`: scaled towards kTargetLaunchSeconds, by at most x2 up
// and /4 down per launch, a multiple of the tile, at least one tile. Changes the speed only.
inline uint64_t next_slice(uint64_t slice, double seconds, int tile) {
  const double factor = seconds > 0 ? std::clamp(kTargetLaunchSeconds / seconds, 0.25, 2.0) : 2.0;
  const double want = std::min(static_cast<double>(slice) * factor, static_cast<double>(kMaxSliceSamples));
  const uint64_t t = static_cast<uint64_t>(std::max(tile, 1));
  return std::max<uint64_t>(t, (static_cast<uint64_t>(std::ceil(want)) + t - 1) / t * t);
}

inline uint64_t first_slice(int tile) {
  const uint64_t t = static_cast<uint64_t>(std::max(tile, 1));
  return std::max<uint64_t>(t, (kFirstSliceSamples + t - 1) / t * t);
}

// What run_batches works through: chunks [k_from, k_to) of the case's `chunks`, G ranges each, in
// batches of `batch` chunks, starting with slices of `slice` samples per block.
struct ChunkWork {
  uint64_t samples = 0;  // N
  uint64_t chunks = 0;   // chunk_count(N, m)
  uint64_t k_from = 0, k_to = 0;
  int G = 1;
  size_t width = 0;    // 2 m: sums, then sums of squares
  uint64_t batch = 1;  // chunks_per_batch(...)
  uint64_t slice = 0;  // first_slice(tile), or any value >= 1 (tests)
  int tile = 1;        // samples per shared-memory tile
};

// The launch loop, for the GPU (kernels/estimator.cu) and the emulator alike. Device provides:
//   void set_bounds(const uint64_t* bounds, size_t count);            // the batch's bounds, to the device
//   double run_slice(GridShape grid, uint64_t offset, uint64_t slice); // estimator_kernel, waited for;
//                                                                      // returns the seconds it took
//   void finish_batch(uint64_t nb, double* out);  // chunk_sum_kernel; the nb x width chunk sums to out
// Chunk k's sums land at partial + k * width. Between launches: the stop request (returns false, the
// batch unfinished) and the progress counter (the samples of the launch just done).
template <class Device>
bool run_batches(Device& dev, const ChunkWork& w, const std::atomic<bool>* stop, std::atomic<uint64_t>* done,
                 double* partial) {
  std::vector<uint64_t> bounds(static_cast<size_t>(w.batch) * static_cast<size_t>(w.G) + 1);
  uint64_t slice = w.slice;
  for (uint64_t k0 = w.k_from; k0 < w.k_to; k0 += w.batch) {
    const uint64_t nb = std::min(w.batch, w.k_to - k0);
    const size_t ranges = static_cast<size_t>(nb) * static_cast<size_t>(w.G);
    range_bounds(w.samples, w.chunks, k0, nb, w.G, bounds.data());
    dev.set_bounds(bounds.data(), ranges + 1);
    const uint64_t longest = longest_range(bounds.data(), ranges);
    const GridShape grid{static_cast<uint32_t>(w.G), static_cast<uint32_t>(nb)};
    uint64_t offset = 0;
    do {  // at least one launch: offset 0 zeroes the accumulators, even of empty ranges
      if (stop && stop->load(std::memory_order_relaxed)) return false;
      const double seconds = dev.run_slice(grid, offset, slice);
      if (done) done->fetch_add(samples_in_slice(bounds.data(), ranges, offset, slice), std::memory_order_relaxed);
      offset = slice < longest - offset ? offset + slice : longest;
      slice = next_slice(slice, seconds, w.tile);
    } while (offset < longest);
    dev.finish_batch(nb, partial + static_cast<size_t>(k0) * w.width);
  }
  return true;
}

}  // namespace relumc::detail
