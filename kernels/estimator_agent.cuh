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
  int64_t row_stride;  // row_stride_of(d): rows are padded to whole 16-byte loads
  const T* rows;       // (K + K*) x row_stride, student rows then teacher rows (padded_rows)
  uint64_t seed;
  PhiloxKeys keys;  // philox_keys(seed): the round keys, read from the parameters' constant bank
  uint32_t stream;
  TilePlan plan;
  Contract contract = Contract::V1;  // the sample contract's version (v2: T = float)
};

// Four consecutive T at p, 16-byte aligned (X's rows and the weight rows are, at every multiple of 4):
// one 16-byte load for float, two for double. The host emulator loads them one by one and traps on a
// pointer the device could not load that way.
template <class T>
__device__ inline void load4(const T* p, T& a, T& b, T& c, T& d) {
#if defined(__CUDA_ARCH__)
  if constexpr (sizeof(T) == 4) {
    const float4 v = *reinterpret_cast<const float4*>(p);
    a = v.x, b = v.y, c = v.z, d = v.w;
  } else {
    const double2 u = *reinterpret_cast<const double2*>(p), v = *reinterpret_cast<const double2*>(p + 2);
    a = u.x, b = u.y, c = v.x, d = v.y;
  }
#else
  if (reinterpret_cast<uintptr_t>(p) % 16 != 0) __builtin_trap();
  a = p[0], b = p[1], c = p[2], d = p[3];
#endif
}

// The same for a store of four consecutive T.
template <class T>
__device__ inline void store4(T* p, T a, T b, T c, T d) {
#if defined(__CUDA_ARCH__)
  if constexpr (sizeof(T) == 4) {
    *reinterpret_cast<float4*>(p) = make_float4(a, b, c, d);
  } else {
    *reinterpret_cast<double2*>(p) = make_double2(a, b);
    *reinterpret_cast<double2*>(p + 2) = make_double2(c, d);
  }
#else
  if (reinterpret_cast<uintptr_t>(p) % 16 != 0) __builtin_trap();
  p[0] = a, p[1] = b, p[2] = c, p[3] = d;
#endif
}

// The items of a draw tile: item = s nb + jb (sample s, block jb of the tile), thread t taking items t,
// t + blockDim, ... Its first (s, jb) and its step (ds, dj) = (blockDim / nb, blockDim % nb) come from the
// plan's divisors, and each step carries, so nothing divides (a 32-bit division is 22 instructions,
// bench/RESULTS.md). The tile is small (ns <= 32 samples, nb <= coords / 4 blocks within the shared-memory
// budget), so int holds every index.
struct DrawWalk {
  int nb, s0, jb0, ds, dj;
};

__device__ inline DrawWalk draw_walk(const TilePlan& tp, int64_t nk) {
  const Divisor& v = nk == tp.coords ? tp.blocks_whole : tp.blocks_last;
  const uint32_t t = threadIdx.x, step = blockDim.x, nb = v.n;
  const uint32_t s0 = divide(v, t), ds = divide(v, step);
  return DrawWalk{static_cast<int>(nb), static_cast<int>(s0), static_cast<int>(t - s0 * nb), static_cast<int>(ds),
                  static_cast<int>(step - ds * nb)};
}

// Draws coordinates [k0, k0 + nk) of samples first .. first + ns - 1 into X (whole Philox blocks), walking
// the items by `walk` (draw_walk(nk)).
template <class T>
__device__ void draw_tile(const EstimatorParams<T>& p, uint64_t first, int ns, int64_t k0, const DrawWalk& walk, T* X) {
  const uint32_t jc = static_cast<uint32_t>(k0 / 4);
  int s = walk.s0, jb = walk.jb0;
  for (; s < ns; s += walk.ds) {
    // Float reads the round keys from the parameters (5 instructions per normal fewer); double, whose kernel
    // is at its 64 registers, keeps deriving them from the seed (ptxas then keeps fewer values live).
    const PhiloxWords w = sizeof(T) == 4 ? philox_block(p.keys, p.stream, first + static_cast<uint64_t>(s), jc + static_cast<uint32_t>(jb))
                                         : philox_block(p.seed, p.stream, first + static_cast<uint64_t>(s), jc + static_cast<uint32_t>(jb));
    T z[4];
    block_normals<T>(p.contract, w, z);  // v1's box_muller<T>, or v2's float transform
    store4(X + static_cast<size_t>(s) * p.plan.x_stride + 4 * jb, z[0], z[1], z[2], z[3]);
    jb += walk.dj;
    if (jb >= walk.nb) jb -= walk.nb, ++s;
  }
}

template <class T>
__device__ void draw_tile(const EstimatorParams<T>& p, uint64_t first, int ns, int64_t k0, int64_t nk, T* X) {
  draw_tile(p, first, ns, k0, draw_walk(p.plan, nk), X);
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
        const T* w = p.rows + static_cast<size_t>(u) * p.row_stride + k0;
        const T* x = X + static_cast<size_t>(s) * tp.x_stride;
        T acc_p = ct == 0 ? T(0) : P[u * ts + s];
        int64_t k = 0;
        // The chain in coordinate order, its operands in 16-byte loads. Unrolled by UNROLL only: ptxas keeps
        // the double kernel within the 64 registers of its 1024-thread bound, and the float one within 32.
#if defined(__CUDA_ARCH__)
#pragma unroll 4
#endif
        for (; k + 4 <= nk; k += 4) {
          T w0, w1, w2, w3, x0, x1, x2, x3;
          load4(w + k, w0, w1, w2, w3);
          load4(x + k, x0, x1, x2, x3);
          acc_p = MulAdd(w0, x0, acc_p);
          acc_p = MulAdd(w1, x1, acc_p);
          acc_p = MulAdd(w2, x2, acc_p);
          acc_p = MulAdd(w3, x3, acc_p);
        }
        for (; k < nk; ++k) acc_p = MulAdd(w[k], x[k], acc_p);
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
        // One item per component (j, kk) of the tile, at most coef_rows x coords < 2^32 of them.
        const Divisor& by_nk = nk == tp.coords ? tp.coords_whole : tp.coords_last;
        const uint32_t items = static_cast<uint32_t>(tp.coef_rows * nk);
        for (uint32_t item = threadIdx.x; item < items; item += blockDim.x) {
          const uint32_t j = divide(by_nk, item), kk = item - j * by_nk.n;
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
