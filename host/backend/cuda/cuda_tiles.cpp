// SPDX-License-Identifier: MIT
// The CUDA estimator's tile plan (relumc/backend/cuda/cuda_tiles.hpp) and the case check of
// estimate_cuda. Host code: built with or without CUDA.
#include "relumc/backend/cuda/cuda_tiles.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace relumc::detail {

TilePlan plan_tiles(const Case& c, size_t elem, int tile_samples, int coord_tile, size_t budget) {
  TilePlan p;
  p.units = static_cast<int>(c.K + c.Kstar);
  p.coef_rows = c.quantity == Quantity::Grad ? static_cast<int>(c.K) : 1;
  const int64_t d4 = round_up4(c.d);
  if (tile_samples < 0 || tile_samples > 1024)
    throw InputError(fmt::format("CUDA tile of {} samples: must be 1..1024 (0 picks)", tile_samples));
  if (coord_tile < 0 || coord_tile % 4 != 0)
    throw InputError(fmt::format("CUDA coordinate tile {}: must be a positive multiple of 4 (0 picks)", coord_tile));
  // Bytes per sample of the tile that do not depend on the coordinates: P and C.
  const size_t per_sample_fixed = elem * static_cast<size_t>(p.units + p.coef_rows);
  if (tile_samples == 0) {
    if (per_sample_fixed + elem * (4 + max_x_pad(elem)) > budget)
      throw InputError(fmt::format("K + K* = {} is too large for the CUDA backend: one sample's projections and "
                                   "coefficients need {} bytes of shared memory, more than the {} available",
                                   p.units, per_sample_fixed + elem * (4 + max_x_pad(elem)), budget));
    // The largest tile that holds all of d, if it has at least 4 samples; else 4 samples (or fewer when
    // K + K* is large) with the coordinates tiled.
    const size_t whole = budget / (elem * (static_cast<size_t>(d4) + max_x_pad(elem)) + per_sample_fixed);
    if (whole >= 4) {
      const bool wide = tile_bytes(kMaxTileSamples, d4, p.units, p.coef_rows, elem) <= kTileBytesFor64;
      p.samples = static_cast<int>(std::min<size_t>(whole, wide ? kMaxTileSamples : 32));
    } else {
      p.samples = static_cast<int>(std::clamp<size_t>(budget / (per_sample_fixed + elem * (64 + max_x_pad(elem))), 1, 4));
    }
    // A power of two: then the kernel's lanes (kernels/estimator_agent.cuh: samples x items, blockDim divided by
    // the samples) fill every lane of a power-of-two block, where 23 samples left 13 of 128 threads idle.
    while (p.samples & (p.samples - 1)) p.samples &= p.samples - 1;
  } else {
    p.samples = tile_samples;
  }
  if (coord_tile == 0) {
    const size_t room = budget / static_cast<size_t>(p.samples);  // bytes per sample
    const int64_t fit = room > per_sample_fixed
                            ? static_cast<int64_t>((room - per_sample_fixed) / elem) - static_cast<int64_t>(max_x_pad(elem))
                            : 0;
    p.coords = std::min(d4, fit / 4 * 4);
  } else {
    p.coords = std::min<int64_t>(d4, coord_tile);
  }
  if (p.coords < 4)
    throw InputError(fmt::format("CUDA tile of {} samples leaves no room for coordinates in {} bytes of shared memory "
                                 "(K + K* = {})", p.samples, budget, p.units));
  p.coord_tiles = (c.d + p.coords - 1) / p.coords;
  p.x_stride = x_stride_of(p.coords, elem);
  const int64_t last = c.d - (p.coord_tiles - 1) * p.coords;
  p.last_coords = static_cast<int>(last);
  p.group = static_cast<int>(16 / elem);
  p.item_rows = p.units * p.samples <= 32 ? 1 : 2;
  p.groups_whole = make_divisor(static_cast<uint32_t>(p.coords / p.group));
  p.groups_last = make_divisor(static_cast<uint32_t>((last + p.group - 1) / p.group));
  p.shared_bytes = tile_bytes(p.samples, p.coords, p.units, p.coef_rows, elem);
  if (p.shared_bytes > budget)
    throw InputError(fmt::format("CUDA tile of {} samples x {} coordinates needs {} bytes of shared memory, more "
                                 "than the {} available", p.samples, p.coords, p.shared_bytes, budget));
  return p;
}

void check_cuda_case(const Case& c) {
  validate(c);
  if (c.input != InputKind::Gaussian)
    throw InputError("input", fmt::format("{}: the CUDA kernels draw Gaussian inputs only so far; use `backend` cpu",
                                          to_string(c.input)));
}

}  // namespace relumc::detail
