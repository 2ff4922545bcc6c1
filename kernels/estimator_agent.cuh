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
//   3. every component a has one owner thread (which owns the group of consecutive coordinates of row j
//      that holds it: 16 bytes of X, four in float, two in double), which adds the tile's terms
//      t = double(C[j][s] * x[s][k]) to its sum and t*t (one fma) to its sum of squares, s in sample
//      order. The block's sums are therefore sequential sums over [begin, end) in sample order:
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
// one 16-byte load for float, two for double. The host emulator loads them one by one, traps on a
// pointer the device could not load that way, and reports the access for its bank count.
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
#ifdef RELUMC_EMULATOR_SHARED_ACCESS
  RELUMC_EMULATOR_SHARED_ACCESS(p, 16);  // the device's 16-byte accesses, for the emulator's bank count
  if (sizeof(T) == 8) RELUMC_EMULATOR_SHARED_ACCESS(p + 2, 16);
#endif
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
#ifdef RELUMC_EMULATOR_SHARED_ACCESS
  RELUMC_EMULATOR_SHARED_ACCESS(p, 16);
  if (sizeof(T) == 8) RELUMC_EMULATOR_SHARED_ACCESS(p + 2, 16);
#endif
  p[0] = a, p[1] = b, p[2] = c, p[3] = d;
#endif
}

// The 16 bytes at p (16-byte aligned) as W = 16 / sizeof(T) values: one load (float4, double2).
template <class T, int W = 16 / sizeof(T)>
__device__ inline void load16(const T* p, T (&v)[W]) {
#if defined(__CUDA_ARCH__)
  if constexpr (sizeof(T) == 4) {
    const float4 q = *reinterpret_cast<const float4*>(p);
    v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
  } else {
    const double2 q = *reinterpret_cast<const double2*>(p);
    v[0] = q.x, v[1] = q.y;
  }
#else
  if (reinterpret_cast<uintptr_t>(p) % 16 != 0) __builtin_trap();
#ifdef RELUMC_EMULATOR_SHARED_ACCESS
  RELUMC_EMULATOR_SHARED_ACCESS(p, 16);
#endif
  for (int i = 0; i < W; ++i) v[i] = p[i];
#endif
}

// The threads of a block as a grid of lanes: thread t takes the samples s = s0, s0 + ds, ... of a tile
// (ds = min(tile samples, blockDim), s0 = t mod ds) and, for each, the items r = r0, r0 + dr, ... of that
// sample (dr = blockDim div ds, r0 = t div ds): the Philox blocks of a draw, the unit pairs of the
// projection. A warp then shares its item and spans samples (16-byte accesses one X row apart: free of
// bank conflicts, x_stride_of), and each thread carries the sample's counter and row through its items.
// Threads past ds dr (when ds does not divide blockDim) take no item. One division per launch.
struct Lanes {
  int s0, ds, r0, dr;
};
inline constexpr int kNoItem = 1 << 28;  // r0 of a thread without items: past any tile's items

__device__ inline Lanes lanes_of(const TilePlan& tp) {
  const int T = static_cast<int>(blockDim.x), t = static_cast<int>(threadIdx.x);
  const int ds = tp.samples < T ? tp.samples : T, dr = T / ds, r0 = t / ds;
  return Lanes{t - r0 * ds, ds, r0 < dr ? r0 : kNoItem, dr};
}

// The accumulation's items (j, g): row j of the coefficients, group g of the tile's coordinates (nb groups of
// plan.group: 16 bytes of X, 4 float or 2 double). Thread t takes items t, t + blockDim, ... of the numbering
// j nb + g; its first (j0, g0) and its step (dj, dg) = (blockDim div nb, blockDim mod nb) come from the plan's
// divisors, and each step carries, so nothing divides in the loop.
struct GroupWalk {
  int nb, j0, g0, dj, dg;
};

__device__ inline GroupWalk group_walk(const Divisor& v) {
  const uint32_t t = threadIdx.x, step = blockDim.x, nb = v.n;
  const uint32_t j0 = divide(v, t), dj = divide(v, step);
  return GroupWalk{static_cast<int>(nb), static_cast<int>(j0), static_cast<int>(t - j0 * nb), static_cast<int>(dj),
                   static_cast<int>(step - dj * nb)};
}

// Draws coordinates [k0, k0 + 4 nb) of samples first .. first + ns - 1 into X (nb whole Philox blocks)
// under contract Version (p.contract, fixed at compile time: the other contract's code is not there).
template <Contract Version, class T>
__device__ void draw_tile(const EstimatorParams<T>& p, uint64_t first, int ns, int64_t k0, int nb, const Lanes& l, T* X) {
  const uint32_t jc = static_cast<uint32_t>(k0 / 4);
  for (int s = l.s0; s < ns; s += l.ds) {
    const uint64_t n = first + static_cast<uint64_t>(s);
    T* xs = X + static_cast<size_t>(s) * p.plan.x_stride;
    for (int jb = l.r0; jb < nb; jb += l.dr) {
      // Float reads the round keys from the parameters (5 instructions per normal fewer); double, whose kernel
      // is at its 64 registers, keeps deriving them from the seed (ptxas then keeps fewer values live).
      const PhiloxWords w = sizeof(T) == 4 ? philox_block(p.keys, p.stream, n, jc + static_cast<uint32_t>(jb))
                                                    : philox_block(p.seed, p.stream, n, jc + static_cast<uint32_t>(jb));
      T z[4];
      block_normals<T>(Version, w, z);  // v1's box_muller<T>, or v2's float transform
      store4(xs + 4 * jb, z[0], z[1], z[2], z[3]);
    }
  }
}

// Draws coordinates [k0, k0 + nk) (rounded up to whole Philox blocks) under p.contract.
template <class T>
__device__ void draw_tile(const EstimatorParams<T>& p, uint64_t first, int ns, int64_t k0, int64_t nk, T* X) {
  const int nb = static_cast<int>((nk + 3) / 4);
  if (p.contract == Contract::V2)
    draw_tile<Contract::V2>(p, first, ns, k0, nb, lanes_of(p.plan), X);
  else
    draw_tile<Contract::V1>(p, first, ns, k0, nb, lanes_of(p.plan), X);
}

// P[u][s] and P[u + 1][s] continue their fused multiply-add chains over the tile's nk coordinates, in
// coordinate order, each x load serving both rows. The chains' operands come in 16-byte loads; unrolled by
// Unroll only (loads in flight cost registers): ptxas keeps each kernel within the 64 registers of its
// 1024-thread bound, without spilling.
template <int Unroll, class T>
__device__ void project_pair(const T* w0, const T* w1, const T* x, int nk, T& a0, T& a1) {
  const T* const x_end = x + (nk & ~3);
#if defined(__CUDA_ARCH__)
#pragma unroll(Unroll)
#endif
  for (; x != x_end; x += 4, w0 += 4, w1 += 4) {
    T x0, x1, x2, x3, u0, u1, u2, u3, v0, v1, v2, v3;
    load4(x, x0, x1, x2, x3);
    load4(w0, u0, u1, u2, u3);
    load4(w1, v0, v1, v2, v3);
    a0 = MulAdd(u0, x0, a0);
    a1 = MulAdd(v0, x0, a1);
    a0 = MulAdd(u1, x1, a0);
    a1 = MulAdd(v1, x1, a1);
    a0 = MulAdd(u2, x2, a0);
    a1 = MulAdd(v2, x2, a1);
    a0 = MulAdd(u3, x3, a0);
    a1 = MulAdd(v3, x3, a1);
  }
  for (int k = 0; k < (nk & 3); ++k) {
    a0 = MulAdd(w0[k], x[k], a0);
    a1 = MulAdd(w1[k], x[k], a1);
  }
}

// The same chain for one row (the last of an odd K + K*, or each row where the plan makes single-row items).
template <class T>
__device__ void project_one(const T* w, const T* x, int nk, T& a) {
  const T* const x_end = x + (nk & ~3);
  for (; x != x_end; x += 4, w += 4) {
    T x0, x1, x2, x3, u0, u1, u2, u3;
    load4(x, x0, x1, x2, x3);
    load4(w, u0, u1, u2, u3);
    a = MulAdd(u0, x0, a);
    a = MulAdd(u1, x1, a);
    a = MulAdd(u2, x2, a);
    a = MulAdd(u3, x3, a);
  }
  for (int k = 0; k < (nk & 3); ++k) a = MulAdd(w[k], x[k], a);
}

// Adds the ns terms t_s = double(c[s] x_s[i]) of the W = 16 / sizeof(T) components i of a group (x_s at
// x + s stride, 16-byte aligned: one 16-byte load per sample, which keeps a warp's loads of a row in distinct
// banks) to their sums s1[i] and their squares (one fma) to s2[i], in sample order.
template <class T>
__device__ void accumulate_group(const T* c, const T* x, size_t stride, int ns, double* s1, double* s2) {
  if constexpr (sizeof(T) == 4) {
    double a0 = s1[0], a1 = s1[1], a2 = s1[2], a3 = s1[3];
    double q0 = s2[0], q1 = s2[1], q2 = s2[2], q3 = s2[3];
    for (int s = 0; s < ns; ++s, x += stride) {
      T v[4];
      load16(x, v);
      const T cs = c[s];
      const double t0 = static_cast<double>(cs * v[0]), t1 = static_cast<double>(cs * v[1]);
      const double t2 = static_cast<double>(cs * v[2]), t3 = static_cast<double>(cs * v[3]);
      a0 = a0 + t0;
      q0 = fma(t0, t0, q0);
      a1 = a1 + t1;
      q1 = fma(t1, t1, q1);
      a2 = a2 + t2;
      q2 = fma(t2, t2, q2);
      a3 = a3 + t3;
      q3 = fma(t3, t3, q3);
    }
    s1[0] = a0, s1[1] = a1, s1[2] = a2, s1[3] = a3;
    s2[0] = q0, s2[1] = q1, s2[2] = q2, s2[3] = q3;
  } else {
    double a0 = s1[0], a1 = s1[1], q0 = s2[0], q1 = s2[1];
    for (int s = 0; s < ns; ++s, x += stride) {
      T v[2];
      load16(x, v);
      const T cs = c[s];
      const double t0 = static_cast<double>(cs * v[0]), t1 = static_cast<double>(cs * v[1]);
      a0 = a0 + t0;
      q0 = fma(t0, t0, q0);
      a1 = a1 + t1;
      q1 = fma(t1, t1, q1);
    }
    s1[0] = a0, s1[1] = a1;
    s2[0] = q0, s2[1] = q1;
  }
}

// The same for the n < W components of a tile's last, partial group, one after the other.
template <class T>
__device__ void accumulate_partial(const T* c, const T* x, size_t stride, int ns, int n, double* s1, double* s2) {
  for (int i = 0; i < n; ++i) {
    double a = s1[i], q = s2[i];
    const T* xs = x + i;
    for (int s = 0; s < ns; ++s, xs += stride) {
      const double v = static_cast<double>(c[s] * *xs);
      a = a + v;
      q = fma(v, v, q);
    }
    s1[i] = a;
    s2[i] = q;
  }
}

// The loss: thread 0 adds the tile's ns sample losses C[s] to acc[0] and their squares to acc[1].
template <class T>
__device__ void accumulate_loss(const T* C, int ns, double* acc) {
  if (threadIdx.x != 0) return;
  double s1 = acc[0], s2 = acc[1];
  for (int s = 0; s < ns; ++s) {
    const double v = static_cast<double>(C[s]);
    s1 = s1 + v;
    s2 = fma(v, v, s2);
  }
  acc[0] = s1;
  acc[1] = s2;
}

// Coordinate tile ct of the plan: coordinates [k0, k0 + nk), nb Philox blocks (groups of four).
struct CoordTile {
  int64_t k0;
  int nk, nb;
};

__device__ inline CoordTile coord_tile(const TilePlan& tp, int64_t ct) {
  const int nk = ct == tp.coord_tiles - 1 ? tp.last_coords : static_cast<int>(tp.coords);
  return CoordTile{ct * tp.coords, nk, (nk + 3) >> 2};
}

// fresh: zero the accumulators first (the first slice of the range); else continue their sums. Version is
// p.contract.
template <Contract Version, class T>
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
  const Lanes lanes = lanes_of(tp);
  const GroupWalk walk_whole = group_walk(tp.groups_whole), walk_last = group_walk(tp.groups_last);
  constexpr int W = 16 / sizeof(T);  // tp.group
  const int units = tp.units;
  // The last tile stops at end: first + ts would wrap past 2^64 for a range ending within ts of it.
  for (uint64_t first = begin; first < end; first = end - first <= static_cast<uint64_t>(ts) ? end : first + ts) {
    const int ns = end - first < static_cast<uint64_t>(ts) ? static_cast<int>(end - first) : ts;
    // 1. Projections, coordinate tile by coordinate tile: each thread continues the chains of the row pairs
    //    (u, u + 1) of its samples (or of single rows u).
    for (int64_t ct = 0; ct < tp.coord_tiles; ++ct) {
      const CoordTile tile = coord_tile(tp, ct);
      draw_tile<Version>(p, first, ns, tile.k0, tile.nb, lanes, X);
      __syncthreads();
      for (int s = lanes.s0; s < ns; s += lanes.ds) {
        const T* x = X + static_cast<size_t>(s) * tp.x_stride;
        // Items of tp.item_rows rows (cuda_tiles.hpp): a row pair, or one row.
        for (int u = tp.item_rows * lanes.r0; u < units; u += tp.item_rows * lanes.dr) {
          const T* w = p.rows + static_cast<size_t>(u) * p.row_stride + tile.k0;
          T* pu = P + u * ts + s;
          T a0 = ct == 0 ? T(0) : pu[0];
          if (tp.item_rows == 2 && u + 1 < units) {
            T a1 = ct == 0 ? T(0) : pu[ts];
            project_pair<Version == Contract::V2 ? 4 : 2>(w, w + p.row_stride, x, tile.nk, a0, a1);
            pu[ts] = a1;
          } else {
            project_one(w, x, tile.nk, a0);
          }
          pu[0] = a0;
        }
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
      accumulate_loss(C, ns, acc);
    } else {
      for (int64_t ct = tp.coord_tiles - 1; ct >= 0; --ct) {
        const CoordTile tile = coord_tile(tp, ct);
        if (ct != tp.coord_tiles - 1) {
          __syncthreads();  // everyone is done with the previous tile of X
          draw_tile<Version>(p, first, ns, tile.k0, tile.nb, lanes, X);
          __syncthreads();
        }
        // Items (j, g): the components j d + k0 + W g + i, i < W (fewer in a partial last group).
        const GroupWalk gw = tile.nk == tp.coords ? walk_whole : walk_last;
        for (int j = gw.j0, g = gw.g0; j < tp.coef_rows;) {
          const int64_t a = j * p.d + tile.k0 + W * g;
          const int n = tile.nk - W * g < W ? tile.nk - W * g : W;
          if (n == W)
            accumulate_group(C + j * ts, X + W * g, tp.x_stride, ns, acc + a, acc + m + a);
          else
            accumulate_partial(C + j * ts, X + W * g, tp.x_stride, ns, n, acc + a, acc + m + a);
          j += gw.dj;
          g += gw.dg;
          if (g >= gw.nb) g -= gw.nb, ++j;
        }
      }
    }
    __syncthreads();  // X, P and C are rewritten by the next tile
  }
}

}  // namespace relumc::detail
