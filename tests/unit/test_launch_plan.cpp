// SPDX-License-Identifier: MIT
// The CUDA launcher's batches, bounds and slices (relumc/backend/cuda/launch_plan.hpp), plain C++ on any
// machine: every chunk is cut into G ranges that cover it exactly, slices partition a range (near 2^64
// too), and the launch loop keeps launches under a second, counts every sample once and stops at the
// next launch. That the kernels give the same bits whatever the batch and slices is held by
// tests/unit/test_cuda_emulated.cpp.
#include "relumc/backend/cuda/launch_plan.hpp"
#include "relumc/backend/estimate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace {

// The bounds of every batch cut each chunk into G contiguous ranges that cover it exactly, whatever the
// batch size; the grid stays within CUDA's limits.
TEST(LaunchPlan, BatchesCoverEveryChunkInGRanges) {
  for (uint64_t N : {uint64_t{2}, uint64_t{3}, uint64_t{1009}, (uint64_t{1} << 40) + 7})
    for (int G : {1, 2, 3, 16})
      for (uint64_t resident : {uint64_t{1}, uint64_t{7}, uint64_t{1056}, uint64_t{1} << 30}) {
        const uint64_t chunks = relumc::chunk_count(N, 51);
        const uint64_t batch = relumc::detail::chunks_per_batch(resident, G, 102, chunks);
        ASSERT_GE(batch, 1u);
        ASSERT_LE(batch, std::min<uint64_t>(chunks, relumc::detail::kMaxGridY));
        if (batch > 1) { EXPECT_LE(batch * static_cast<uint64_t>(G), resident) << "more than one wave"; }
        std::vector<uint64_t> bounds(batch * static_cast<uint64_t>(G) + 1);
        for (uint64_t k0 = 0; k0 < chunks; k0 += batch) {
          const uint64_t nb = std::min(batch, chunks - k0);
          relumc::detail::range_bounds(N, chunks, k0, nb, G, bounds.data());
          for (uint64_t y = 0; y < nb; ++y) {
            const uint64_t b = relumc::chunk_begin(N, chunks, k0 + y), e = relumc::chunk_begin(N, chunks, k0 + y + 1);
            ASSERT_EQ(bounds[y * static_cast<uint64_t>(G)], b);
            for (int g = 0; g < G; ++g) {
              const uint64_t lo = bounds[y * static_cast<uint64_t>(G) + static_cast<uint64_t>(g)];
              const uint64_t hi = bounds[y * static_cast<uint64_t>(G) + static_cast<uint64_t>(g) + 1];
              ASSERT_LE(lo, hi);
              ASSERT_LE(hi - lo, (e - b + static_cast<uint64_t>(G) - 1) / static_cast<uint64_t>(G));
            }
          }
          ASSERT_EQ(bounds[nb * static_cast<uint64_t>(G)], relumc::chunk_begin(N, chunks, k0 + nb));
        }
      }
  // G = 65535 ranges per chunk: one chunk per launch, as the device holds fewer blocks.
  EXPECT_EQ(relumc::detail::chunks_per_batch(1056, 65535, 2, 256), 1u);
  // 1 GiB of accumulators at most per batch.
  EXPECT_EQ(relumc::detail::chunks_per_batch(1u << 20, 16, size_t{1} << 24, 256), 1u);
}

// Slices partition a range in order, near 2^64 too, and the progress counts add up to its length.
TEST(LaunchPlan, SlicesPartitionEveryRange) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  for (auto [b, e] : {std::pair{uint64_t{0}, uint64_t{0}}, std::pair{uint64_t{5}, uint64_t{1009}},
                      std::pair{(uint64_t{1} << 32) - 9, (uint64_t{1} << 32) + 9}, std::pair{max - 40, max}})
    for (uint64_t slice : {uint64_t{1}, uint64_t{3}, uint64_t{32}, max}) {
      uint64_t next = b, offset = 0;
      do {
        const relumc::detail::SampleRange r = relumc::detail::slice_of(b, e, offset, slice);
        ASSERT_EQ(r.begin, next);
        ASSERT_LE(r.end - r.begin, slice);
        next = r.end;
        offset = slice < (e - b) - offset ? offset + slice : e - b;
      } while (offset < e - b);
      EXPECT_EQ(next, e);
      EXPECT_EQ(relumc::detail::slice_of(b, e, max, slice).begin, e);  // past the end: empty
    }
  for (int tile : {1, 5, 32})
    for (uint64_t slice : {uint64_t{1}, uint64_t{37}, uint64_t{1} << 20})
      for (double seconds : {0.0, 1e-6, 0.2, 5.0}) {
        const uint64_t s = relumc::detail::next_slice(slice, seconds, tile);
        EXPECT_EQ(s % static_cast<uint64_t>(tile), 0u);
        EXPECT_GE(s, static_cast<uint64_t>(tile));
        EXPECT_LE(s, 2 * slice + static_cast<uint64_t>(tile));
        EXPECT_GE(4 * s, slice);
      }
}

// The launch loop on a huge case (N = 10^13, 256 chunks) with a device whose launch time grows with the
// slice (1 us per sample per block, a slow GPU at large d): every launch stays under a second, the
// progress counter counts each sample once, and a stop request ends the loop at the next launch.
class TimedDevice {
 public:
  explicit TimedDevice(size_t stop_after, std::atomic<bool>* stop) : stop_after_(stop_after), stop_(stop) {}
  void set_bounds(const uint64_t*, size_t) {}
  double run_slice(relumc::detail::GridShape, uint64_t, uint64_t slice) {
    const double seconds = 1e-6 * static_cast<double>(slice);
    longest = std::max(longest, seconds);
    if (++launches == stop_after_ && stop_) *stop_ = true;
    return seconds;
  }
  void finish_batch(uint64_t, double*) { ++batches; }
  size_t launches = 0, batches = 0;
  double longest = 0;

 private:
  size_t stop_after_;
  std::atomic<bool>* stop_;
};

TEST(LaunchPlan, LaunchesStayUnderASecondAndStopActsAtTheNextOne) {
  relumc::detail::ChunkWork w;
  w.samples = 10'000'000'000'000ull;
  w.chunks = relumc::chunk_count(w.samples, 8);
  w.k_to = w.chunks;
  w.G = 16;
  w.width = 16;
  w.batch = relumc::detail::chunks_per_batch(1056, w.G, w.width, w.chunks);
  w.tile = 32;
  w.slice = relumc::detail::first_slice(w.tile);
  std::vector<double> partial(w.chunks * w.width);
  TimedDevice dev(0, nullptr);
  std::atomic<uint64_t> done{0};
  EXPECT_TRUE(relumc::detail::run_batches(dev, w, nullptr, &done, partial.data()));
  EXPECT_EQ(done.load(), w.samples);
  EXPECT_LT(dev.longest, 1.0);
  EXPECT_EQ(dev.batches, (w.chunks + w.batch - 1) / w.batch);
  std::atomic<bool> stop{false};
  TimedDevice stopping(5, &stop);
  std::atomic<uint64_t> some{0};
  EXPECT_FALSE(relumc::detail::run_batches(stopping, w, &stop, &some, partial.data()));
  EXPECT_EQ(stopping.launches, 5u);
  EXPECT_GT(some.load(), 0u);
  EXPECT_LT(some.load(), w.samples);
}

}  // namespace
