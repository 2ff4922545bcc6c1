// SPDX-License-Identifier: MIT
// The per-block logic of the fused estimator: one thread block adds the samples [begin, end) of one
// chunk into its accumulators. The per-sample math is relumc's host+device code (sample_contract.hpp:
// philox_block, box_muller; lane_math-inl.hpp: Residual, GradientCoefficient, ...), the same functions
// the CPU runs, so every per-sample term is bit-identical to the CPU's.
//
// Per tile of plan.samples samples (layout: relumc/backend/cuda/cuda_tiles.hpp):
//   1. for each coordinate tile: draw x into shared X; P[u][s] continues the fused multiply-add chain
//      w_u0 x_0, w_u1 x_1, ... in coordinate order (the CPU's order, so P is bit-identical);
//   2. per sample, the coefficients C[j][s] from P;
//   3. every component a has one owner thread (a = tid, tid + blockDim, ...), which adds the tile's
//      terms t = double(C[j][s] * x[s][k]) to its sum and t*t (one fma) to its sum of squares, s in
//      sample order. The block's sums are therefore sequential sums over [begin, end) in sample order:
//      they do not depend on the block size or the tile shape.
// X lives only in shared memory; the accumulators (2 m doubles per block) in global memory, owned by
// this block alone (no atomics anywhere).
#pragma once

#include "relumc/backend/cuda/cuda_tiles.hpp"
#include "relumc/math/sample_contract.hpp"

#include <cstdint>

namespace relumc::detail {

template <class T>
struct EstimatorParams {
  Quantity quantity;
  int64_t d, K, Kstar, components;
  const T* rows;  // (K + K*) x d, student rows then teacher rows
  uint64_t seed;
  uint32_t stream;
  TilePlan plan;
  Contract contract = Contract::V1;  // the sample contract's version (v2: T = float)
};

// Draws coordinates [k0, k0 + nk) of samples first .. first + ns - 1 into X (whole Philox blocks).
// Item = s nb + jb (sample s, block jb of the tile); thread t takes items t, t + blockDim, ... Its (s, jb)
// are stepped by (blockDim / nb, blockDim % nb) with a carry, so the loop has no division per item (a
// 32-bit division is 22 instructions per Philox block, bench/RESULTS.md). The tile is small (ns <= 32
// samples, nb <= coords / 4 blocks within the shared-memory budget), so int holds every index.
template <class T>
__device__ void draw_tile(const EstimatorParams<T>& p, uint64_t first, int ns, int64_t k0, int64_t nk, T* X) {
  const int nb = static_cast<int>((nk + 3) / 4);
  const uint32_t jb0 = static_cast<uint32_t>(k0 / 4);
  const int step = static_cast<int>(blockDim.x);
  const int ds = step / nb, dj = step % nb;
  int s = static_cast<int>(threadIdx.x) / nb, jb = static_cast<int>(threadIdx.x) % nb;
  for (; s < ns; s += ds) {
    const PhiloxWords w = philox_block(p.seed, p.stream, first + static_cast<uint64_t>(s), jb0 + static_cast<uint32_t>(jb));
    T* x = X + static_cast<size_t>(s) * p.plan.x_stride + 4 * jb;
    block_normals<T>(p.contract, w, x);  // v1's box_muller<T>, or v2's float transform
    jb += dj;
    if (jb >= nb) jb -= nb, ++s;
  }
}

// fresh: zero the accumulators first (the first slice of the range); else continue their sums.
template <class T>
__device__ void estimate_range(const EstimatorParams<T>& p, uint64_t begin, uint64_t end, bool fresh, double* acc,
                               T* smem) {
  const TilePlan& tp = p.plan;
  const int ts = tp.samples;
  const int64_t m = p.components;
  T* X = smem;
  T* P = X + static_cast<size_t>(ts) * tp.x_stride;
  T* C = P + static_cast<size_t>(ts) * tp.units;
  if (fresh)
    for (int64_t a = threadIdx.x; a < 2 * m; a += blockDim.x) acc[a] = 0.0;
  const Scalar<T> dt;
  // The last tile stops at end: first + ts would wrap past 2^64 for a range ending within ts of it.
  for (uint64_t first = begin; first < end; first = end - first <= static_cast<uint64_t>(ts) ? end : first + ts) {
    const int ns = end - first < static_cast<uint64_t>(ts) ? static_cast<int>(end - first) : ts;
    // 1. Projections, coordinate tile by coordinate tile.
    for (int64_t ct = 0; ct < tp.coord_tiles; ++ct) {
      const int64_t k0 = ct * tp.coords, nk = p.d - k0 < tp.coords ? p.d - k0 : tp.coords;
      draw_tile(p, first, ns, k0, nk, X);
      __syncthreads();
      for (int item = threadIdx.x; item < tp.units * ns; item += blockDim.x) {
        const int u = item / ns, s = item % ns;
        const T* w = p.rows + static_cast<size_t>(u) * p.d + k0;
        const T* x = X + static_cast<size_t>(s) * tp.x_stride;
        T acc_p = ct == 0 ? T(0) : P[u * ts + s];
        for (int64_t k = 0; k < nk; ++k) acc_p = MulAdd(w[k], x[k], acc_p);
        P[u * ts + s] = acc_p;
      }
      __syncthreads();
    }
    // 2. Coefficients.
    for (int s = threadIdx.x; s < ns; s += blockDim.x) {
      const T* ps = P + s;
      const T* qs = ps + p.K * ts;
      switch (p.quantity) {
        case Quantity::Loss: C[s] = SampleLoss(dt, Residual(dt, ps, p.K, qs, p.Kstar, ts)); break;
        case Quantity::Gating: C[s] = GatingCoefficient(dt, qs[0], ps[0]); break;
        case Quantity::Grad: {
          const T r = Residual(dt, ps, p.K, qs, p.Kstar, ts);
          for (int64_t j = 0; j < p.K; ++j) C[j * ts + s] = GradientCoefficient(dt, ps[j * ts], r);
          break;
        }
      }
    }
    __syncthreads();
    // 3. Accumulate; the last coordinate tile is still in X, so go backwards.
    if (p.quantity == Quantity::Loss) {
      if (threadIdx.x == 0) {
        double s1 = acc[0], s2 = acc[1];
        for (int s = 0; s < ns; ++s) {
          const double v = static_cast<double>(C[s]);
          s1 = s1 + v;
          s2 = fma(v, v, s2);
        }
        acc[0] = s1;
        acc[1] = s2;
      }
    } else {
      for (int64_t ct = tp.coord_tiles - 1; ct >= 0; --ct) {
        const int64_t k0 = ct * tp.coords, nk = p.d - k0 < tp.coords ? p.d - k0 : tp.coords;
        if (ct != tp.coord_tiles - 1) {
          __syncthreads();  // everyone is done with the previous tile of X
          draw_tile(p, first, ns, k0, nk, X);
          __syncthreads();
        }
        for (int64_t item = threadIdx.x; item < tp.coef_rows * nk; item += blockDim.x) {
          const int64_t j = item / nk, kk = item % nk;
          const int64_t a = j * p.d + k0 + kk;
          double s1 = acc[a], s2 = acc[m + a];
          const T* xs = X + kk;  // x_s[kk], s = 0, 1, ...: one stride apart
          for (int s = 0; s < ns; ++s, xs += tp.x_stride) {
            const double v = static_cast<double>(C[j * ts + s] * *xs);
            s1 = s1 + v;
            s2 = fma(v, v, s2);
          }
          acc[a] = s1;
          acc[m + a] = s2;
        }
      }
    }
    __syncthreads();  // X, P and C are rewritten by the next tile
  }
}

}  // namespace relumc::detail
