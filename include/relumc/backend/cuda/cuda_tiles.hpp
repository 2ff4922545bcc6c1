// SPDX-License-Identifier: MIT
// The shared-memory tile plan of the CUDA estimator (kernels/estimator_agent.cuh), in plain C++ so
// that g++ tests it on machines without a GPU (tests/unit/test_cuda.cpp).
//
// A block works on a tile of `samples` samples at a time. Shared memory holds, in T:
//   X  samples x x_stride       the tile's coordinates [k0, k0 + coords), each row 16-byte aligned and
//                               padded so that 16-byte loads by consecutive samples meet no bank conflict
//   P  units x samples          projections w_u . x_s (student rows, then teacher rows)
//   C  coef_rows x samples      per-sample coefficients (grad: K rows; gating, loss: 1)
// When all of d fits (coord_tiles == 1), x_s is drawn once. Otherwise the coordinates go through in
// coord_tiles tiles of `coords`, twice: once to project, once more (drawn again, bit-identical) to
// accumulate; the last tile is still in shared memory, so a case draws (2 tiles - 1)/tiles times its
// normals. Large d costs that second draw, never correctness; large K + K* shrinks the sample tile.
#pragma once

#include "relumc/core/case.hpp"
#include "relumc/core/config.hpp"

#include <cstddef>
#include <cstdint>

namespace relumc::detail {

inline constexpr size_t kSharedBudget = 96 * 1024;  // bytes of dynamic shared memory per block
// Samples per tile: as many as hold all of d, up to 32, or up to 64 while the tile takes at most
// kTileBytesFor64 (six such blocks share an SM's 228 KiB). Per-tile work (loop set-up, barriers, the tile's
// index math) is spread over the tile's samples: 64 halves it per normal (bench/RESULTS.md, stop 20).
inline constexpr int kMaxTileSamples = 64;
inline constexpr size_t kTileBytesFor64 = 36 * 1024;

// Division by a tile constant n without a divide instruction: floor(t / n) = high 64 bits of t M, with
// M = floor((2^64 - 1) / n) + 1, exact for every t < 2^32 (t n < 2^64: the error t (M n - 2^64) / (n 2^64) stays
// below 1/n). n = 1 is t itself. The kernels' index math divides by these (kernels/estimator_agent.cuh): a
// 32-bit division costs 22 instructions on the GPU, this one 3 to 5. Tested for every t below 2^20 and
// at the edges of 2^32 (tests/unit/test_cuda.cpp).
struct Divisor {
  uint32_t n = 1;
  uint64_t magic = 0;
};

inline Divisor make_divisor(uint32_t n) {
  Divisor v;
  v.n = n;
  v.magic = n > 1 ? ~uint64_t{0} / n + 1 : 0;
  return v;
}

// floor(t / v.n) for t < 2^32: on the device the high half of a 64-bit product, on the host (the emulated
// kernels, the tests) the same number through a 128-bit product.
RELUMC_HD inline uint32_t divide(const Divisor& v, uint32_t t) {
#if defined(__CUDA_ARCH__)
  return v.n == 1 ? t : static_cast<uint32_t>(__umul64hi(t, v.magic));
#else
  return v.n == 1 ? t : static_cast<uint32_t>((static_cast<unsigned __int128>(t) * v.magic) >> 64);
#endif
}

struct TilePlan {
  int samples = 0;          // samples per tile
  int64_t coords = 0;       // coordinates per tile: a multiple of 4 (whole Philox blocks)
  int64_t coord_tiles = 0;  // ceil(d / coords)
  int units = 0;            // K + K*
  int coef_rows = 0;        // K for grad, else 1
  size_t x_stride = 0;      // x_stride_of(coords, elem)
  size_t shared_bytes = 0;  // X + P + C
  int last_coords = 0;      // coordinates of the last coordinate tile: d - (coord_tiles - 1) coords
  int group = 0;            // coordinates per accumulating thread: 16 bytes of X (4 float, 2 double)
  // Rows per projection item: 2 (a pair shares its x loads), or 1 where all of a tile's (row, sample) items fit in
  // one warp, so that twice as many lanes work (large d: few samples per tile; few rows).
  int item_rows = 2;
  // Divisors of the accumulation's index math: the groups of a whole coordinate tile (coords / group) and of
  // the last one (ceil(last_coords / group); the same when there is one tile).
  Divisor groups_whole, groups_last;
};

inline int64_t round_up4(int64_t v) { return (v + 3) / 4 * 4; }

// The row stride of X in elements, for coords a multiple of 4. The projection reads x_s[k .. k + 3] with one
// 16-byte load, consecutive threads taking consecutive samples s; a quarter warp (8 threads) is served at
// once, so the 8 rows' 4-word pieces must fall in distinct banks: the stride in 32-bit words must be 4
// mod 8 (an odd number of 16-byte units). Rows then start 16-byte aligned as well. float: coords + 4 when
// coords is a multiple of 8, else coords; double: coords + 2 (2 coords + 4 words).
inline size_t x_stride_of(int64_t coords, size_t elem) {
  const size_t c = static_cast<size_t>(coords);
  if (elem == 8) return c + 2;
  return c % 8 == 0 ? c + 4 : c;
}
// The largest padding x_stride_of adds (what the planner reserves before it knows coords).
inline size_t max_x_pad(size_t elem) { return elem == 8 ? 2 : 4; }

// The row stride of the K + K* weight rows on the device: d rounded up to whole 16-byte loads (the pad is 0),
// so that each coordinate tile of a row starts 16-byte aligned.
inline int64_t row_stride_of(int64_t d) { return round_up4(d); }

inline size_t tile_bytes(int samples, int64_t coords, int units, int coef_rows, size_t elem) {
  return elem * static_cast<size_t>(samples) *
         (x_stride_of(coords, elem) + static_cast<size_t>(units) + static_cast<size_t>(coef_rows));
}

// The plan for case c in lanes of `elem` bytes. tile_samples / coord_tile: 0 picks, else forced (tests).
// Throws InputError when the forced values are bad or nothing fits in `budget` bytes.
TilePlan plan_tiles(const Case& c, size_t elem, int tile_samples, int coord_tile, size_t budget = kSharedBudget);

// What estimate_cuda checks first, with or without CUDA in the build: validate(c), and a Gaussian input
// (the kernels draw no other; InputError, field input).
void check_cuda_case(const Case& c);

}  // namespace relumc::detail
