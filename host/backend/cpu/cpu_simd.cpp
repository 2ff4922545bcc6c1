// SPDX-License-Identifier: MIT
// The SIMD instantiation of the CPU chunk kernel, with Google Highway: compiled for every x86 target
// Highway knows (AVX2, AVX-512, ...), the best one that this CPU supports picked at run time.
// Only targets with fused multiply-add run the kernel: those reproduce the scalar path's bits.
//
// The SIMD-specific pieces are here: Philox4x32-10 across lanes (one sample counter per 64-bit lane,
// 32x32->64 products with MulEven), the uniform of a word, and the exponent split of ln. Everything
// else is the shared lane math and kernel.
// Every attainable x86 target with fused multiply-add is compiled (AVX2, AVX-512, AVX-512 DL), whatever
// -march=native is: so a machine with AVX-512 still builds, runs and tests the AVX2 kernel (8 float lanes for
// v2) that AVX2-only machines pick (tests/unit/test_cpu_kernels.cpp, EverySimdTargetEqualsScalarV2). The
// targets without FMA never run the kernel (relumc's scalar kernel serves those CPUs): SSSE3 and SSE4 are
// left out; the portable baseline (EMU128) stays, as Highway needs one when -march=native is off.
#ifndef HWY_COMPILE_ALL_ATTAINABLE
#define HWY_COMPILE_ALL_ATTAINABLE
#endif
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "host/backend/cpu/cpu_simd.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/targets.h>

#include "host/backend/cpu/cpu_kernel.hpp"
#include "relumc/math/sample_contract.hpp"

#include <memory>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace relumc {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_NATIVE_FMA && !(HWY_TARGET & (HWY_EMU128 | HWY_SCALAR))
#define RELUMC_SIMD_KERNEL 1

// Random123's philox4x32_R(10): round k uses key + k * (0x9E3779B9, 0xBB67AE85).
template <class DW, class VW, hwy::EnableIf<sizeof(hn::TFromD<DW>) == 8>* = nullptr>
HWY_INLINE void PhiloxLanes(DW dw, uint64_t seed, uint32_t stream, uint64_t first, uint32_t j, VW& r0, VW& r1,
                            VW& r2, VW& r3) {
  const hn::Repartition<uint32_t, DW> d32;
  const VW lo32 = hn::Set(dw, 0xffffffffull);
  const auto m0 = hn::BitCast(d32, hn::Set(dw, 0xD2511F53ull));
  const auto m1 = hn::BitCast(d32, hn::Set(dw, 0xCD9E8D57ull));
  const VW i = hn::Iota(dw, first);
  VW c0 = hn::Set(dw, j), c1 = hn::And(i, lo32), c2 = hn::ShiftRight<32>(i), c3 = hn::Set(dw, stream);
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    const VW p0 = hn::MulEven(hn::BitCast(d32, c0), m0);  // lanes hold 32-bit values: even halves
    const VW p1 = hn::MulEven(hn::BitCast(d32, c2), m1);
    const VW n0 = hn::Xor(hn::Xor(hn::ShiftRight<32>(p1), c1), hn::Set(dw, k0));
    const VW n2 = hn::Xor(hn::Xor(hn::ShiftRight<32>(p0), c3), hn::Set(dw, k1));
    c1 = hn::And(p1, lo32);
    c3 = hn::And(p0, lo32);
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  r0 = c0;
  r1 = c1;
  r2 = c2;
  r3 = c3;
}

// The same words packed into 32-bit lanes, twice as many samples (the wide v2 kernel): two runs of 64-bit
// lanes, for samples first + (0 .. L64 - 1) and first + L64 + (0 .. L64 - 1), in flight together. The
// products' low halves are not masked: only the low 32 bits of a lane ever feed a product (MulEven) or
// the output (ConcatEven), and the high halves of an xor do not reach them.
template <class D32, class V32, hwy::EnableIf<sizeof(hn::TFromD<D32>) == 4>* = nullptr>
HWY_INLINE void PhiloxLanes(D32 d32, uint64_t seed, uint32_t stream, uint64_t first, uint32_t j, V32& r0, V32& r1,
                            V32& r2, V32& r3) {
  const hn::Repartition<uint64_t, D32> dw;
  using VW = hn::Vec<decltype(dw)>;
  const auto m0 = hn::BitCast(d32, hn::Set(dw, 0xD2511F53ull));
  const auto m1 = hn::BitCast(d32, hn::Set(dw, 0xCD9E8D57ull));
  const VW ia = hn::Iota(dw, first), ib = hn::Iota(dw, first + hn::Lanes(dw));
  VW a0 = hn::Set(dw, j), a1 = ia, a2 = hn::ShiftRight<32>(ia), a3 = hn::Set(dw, stream);
  VW b0 = a0, b1 = ib, b2 = hn::ShiftRight<32>(ib), b3 = a3;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    const VW key0 = hn::Set(dw, k0), key1 = hn::Set(dw, k1);
    const VW pa0 = hn::MulEven(hn::BitCast(d32, a0), m0), pb0 = hn::MulEven(hn::BitCast(d32, b0), m0);
    const VW pa1 = hn::MulEven(hn::BitCast(d32, a2), m1), pb1 = hn::MulEven(hn::BitCast(d32, b2), m1);
    // hi(p) into the low half by swapping the 32-bit halves (a shuffle, off the multiplier's port) rather
    // than shifting: the high half then holds lo(p), which no later step reads.
    a0 = hn::Xor3(hn::BitCast(dw, hn::Shuffle2301(hn::BitCast(d32, pa1))), a1, key0);
    b0 = hn::Xor3(hn::BitCast(dw, hn::Shuffle2301(hn::BitCast(d32, pb1))), b1, key0);
    a2 = hn::Xor3(hn::BitCast(dw, hn::Shuffle2301(hn::BitCast(d32, pa0))), a3, key1);
    b2 = hn::Xor3(hn::BitCast(dw, hn::Shuffle2301(hn::BitCast(d32, pb0))), b3, key1);
    a1 = pa1;
    b1 = pb1;
    a3 = pa0;
    b3 = pb0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  r0 = hn::ConcatEven(d32, hn::BitCast(d32, b0), hn::BitCast(d32, a0));
  r1 = hn::ConcatEven(d32, hn::BitCast(d32, b1), hn::BitCast(d32, a1));
  r2 = hn::ConcatEven(d32, hn::BitCast(d32, b2), hn::BitCast(d32, a2));
  r3 = hn::ConcatEven(d32, hn::BitCast(d32, b3), hn::BitCast(d32, a3));
}

// Blocks j and j + 1 (v2's Gaussian draws two blocks at a time). 64-bit lanes: two runs, which the compiler
// interleaves. 32-bit lanes: four chains of 64-bit lanes in flight (two sample halves times two blocks), the
// same arithmetic as the one-block version above.
template <class DW, class VW, hwy::EnableIf<sizeof(hn::TFromD<DW>) == 8>* = nullptr>
HWY_INLINE void PhiloxLanesPair(DW dw, uint64_t seed, uint32_t stream, uint64_t first, uint32_t j, VW& a0, VW& a1,
                                VW& a2, VW& a3, VW& b0, VW& b1, VW& b2, VW& b3) {
  PhiloxLanes(dw, seed, stream, first, j, a0, a1, a2, a3);
  PhiloxLanes(dw, seed, stream, first, j + 1, b0, b1, b2, b3);
}

template <class D32, class V32, hwy::EnableIf<sizeof(hn::TFromD<D32>) == 4>* = nullptr>
HWY_INLINE void PhiloxLanesPair(D32 d32, uint64_t seed, uint32_t stream, uint64_t first, uint32_t j, V32& a0,
                                V32& a1, V32& a2, V32& a3, V32& b0, V32& b1, V32& b2, V32& b3) {
  const hn::Repartition<uint64_t, D32> dw;
  using VW = hn::Vec<decltype(dw)>;
  const auto m0 = hn::BitCast(d32, hn::Set(dw, 0xD2511F53ull));
  const auto m1 = hn::BitCast(d32, hn::Set(dw, 0xCD9E8D57ull));
  const VW ilo = hn::Iota(dw, first), ihi = hn::Iota(dw, first + hn::Lanes(dw));
  // Chain s: sample half s % 2, block j + s / 2.
  VW c0[4], c1[4], c2[4], c3[4];
  for (int s = 0; s < 4; ++s) {
    const VW i = s % 2 == 0 ? ilo : ihi;
    c0[s] = hn::Set(dw, static_cast<uint64_t>(j + static_cast<uint32_t>(s / 2)));
    c1[s] = i;
    c2[s] = hn::ShiftRight<32>(i);
    c3[s] = hn::Set(dw, stream);
  }
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    const VW key0 = hn::Set(dw, k0), key1 = hn::Set(dw, k1);
    for (int s = 0; s < 4; ++s) {
      const VW p0 = hn::MulEven(hn::BitCast(d32, c0[s]), m0);
      const VW p1 = hn::MulEven(hn::BitCast(d32, c2[s]), m1);
      c0[s] = hn::Xor3(hn::BitCast(dw, hn::Shuffle2301(hn::BitCast(d32, p1))), c1[s], key0);
      c2[s] = hn::Xor3(hn::BitCast(dw, hn::Shuffle2301(hn::BitCast(d32, p0))), c3[s], key1);
      c1[s] = p1;
      c3[s] = p0;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  auto pack = [&](const VW& lo, const VW& hi) { return hn::ConcatEven(d32, hn::BitCast(d32, hi), hn::BitCast(d32, lo)); };
  a0 = pack(c0[0], c0[1]);
  a1 = pack(c1[0], c1[1]);
  a2 = pack(c2[0], c2[1]);
  a3 = pack(c3[0], c3[1]);
  b0 = pack(c0[2], c0[3]);
  b1 = pack(c1[2], c1[3]);
  b2 = pack(c2[2], c2[3]);
  b3 = pack(c3[2], c3[3]);
}

// 2^52 + w from the bits, minus (2^52 - 1/2): w + 1/2 exactly, for w < 2^32.
template <class VW>
HWY_INLINE auto HalfPlusWord(VW w) {
  const hn::RebindToFloat<hn::DFromV<VW>> d64;
  const auto big = hn::BitCast(d64, hn::Or(w, hn::Set(hn::DFromV<VW>(), 0x4330000000000000ull)));
  return hn::Sub(big, hn::Set(d64, 0x1p52 - 0.5));
}

template <class D, class VW, hwy::EnableIf<sizeof(hn::TFromD<D>) == 8>* = nullptr>
HWY_INLINE auto UniformFromWord(D d, VW w) {
  return hn::Mul(HalfPlusWord(w), hn::Set(d, 0x1p-32));
}

template <class D, class VW,
          hwy::EnableIf<sizeof(hn::TFromD<D>) == 4 && sizeof(hn::TFromV<VW>) == 8>* = nullptr>
HWY_INLINE auto UniformFromWord(D d, VW w) {
  const hn::RebindToFloat<hn::DFromV<VW>> d64;
  return hn::DemoteTo(d, hn::Mul(HalfPlusWord(hn::ShiftRight<9>(w)), hn::Set(d64, 0x1p-23)));  // exact
}

// Words in 32-bit lanes (the wide v2 kernel): the same exact uniform, (floor(w / 2^9) + 1/2) 2^-23.
template <class D, class VW,
          hwy::EnableIf<sizeof(hn::TFromD<D>) == 4 && sizeof(hn::TFromV<VW>) == 4>* = nullptr>
HWY_INLINE auto UniformFromWord(D d, VW w) {
  const hn::RebindToSigned<D> di;
  return hn::MulAdd(hn::ConvertTo(d, hn::BitCast(di, hn::ShiftRight<9>(w))), hn::Set(d, 0x1p-23f), hn::Set(d, 0x1p-24f));
}

// Contract v2's radius uniform (scalar_ops.hpp): float(int32(w >> 1)) 2^-31 + 2^-32, each step rounded to
// nearest (cvtdq2ps and a fused multiply-add whose product is exact). Words in 64-bit lanes are truncated first.
template <class D, class VW>
HWY_INLINE auto RadiusUniformV2(D d, VW w) {
  const hn::RebindToSigned<D> di;
  const hn::RebindToUnsigned<D> du;
  hn::Vec<decltype(du)> w32;
  if constexpr (sizeof(hn::TFromV<VW>) == 8) {
    w32 = hn::TruncateTo(du, w);
  } else {
    w32 = w;
  }
  return hn::MulAdd(hn::ConvertTo(d, hn::BitCast(di, hn::ShiftRight<1>(w32))), hn::Set(d, 0x1p-31f),
                    hn::Set(d, 0x1p-32f));
}

// u = m 2^e, m in [sqrt(1/2), sqrt(2)): the same split as the scalar frexp version.
template <class D, class V>
HWY_INLINE void SplitExponent(D d, V u, V& m, V& e) {
  using T = hn::TFromD<D>;
  const hn::RebindToUnsigned<D> du;
  using U = hn::TFromD<decltype(du)>;
  constexpr int kMantissa = sizeof(T) == 8 ? 52 : 23;
  constexpr U kMantissaMask = (U{1} << kMantissa) - 1;
  constexpr U kOne = sizeof(T) == 8 ? U(0x3ff0000000000000ull) : U(0x3f800000u);
  constexpr double kBias = sizeof(T) == 8 ? 1023 : 127;
  const auto bits = hn::BitCast(du, u);
  const V m1 = hn::BitCast(d, hn::Or(hn::And(bits, hn::Set(du, kMantissaMask)), hn::Set(du, kOne)));  // [1, 2)
  const auto biased = hn::ShiftRight<kMantissa>(bits);
  V E;
  if constexpr (sizeof(T) == 8) {
    E = hn::Sub(HalfPlusWord(biased), hn::Set(d, kBias + 0.5));
  } else {
    E = hn::Sub(hn::ConvertTo(d, hn::BitCast(hn::RebindToSigned<D>(), biased)), hn::Set(d, kBias));
  }
  const auto big = hn::Ge(m1, hn::Set(d, T(2) * T(0.70710678118654752440)));
  m = hn::IfThenElse(big, hn::Mul(m1, hn::Set(d, 0.5)), m1);
  e = hn::IfThenElse(big, hn::Add(E, hn::Set(d, 1.0)), E);
}

template <class D64, class V>
HWY_INLINE auto ToDouble(D64 d64, V v) {
  if constexpr (sizeof(hn::TFromV<V>) == 8) {
    return v;
  } else {
    return hn::PromoteTo(d64, v);
  }
}

// The lower and upper halves of a float vector with twice the lanes of d64, widened (the wide v2 kernel).
template <class D64, class V>
HWY_INLINE auto ToDoubleLower(D64 d64, V v) {
  return hn::PromoteTo(d64, hn::LowerHalf(v));
}
template <class D64, class V>
HWY_INLINE auto ToDoubleUpper(D64 d64, V v) {
  return hn::PromoteTo(d64, hn::UpperHalf(hn::Half<hn::DFromV<V>>(), v));
}

template <class D, class V64>
HWY_INLINE auto FromDouble(D d, V64 v) {
  if constexpr (sizeof(hn::TFromD<D>) == 8) {
    return v;
  } else {
    return hn::DemoteTo(d, v);  // round to nearest even, as the scalar static_cast
  }
}

// The Box-Muller radius (scalar_ops.hpp): IEEE sqrt, as everywhere on the host.
template <class D, class V>
HWY_INLINE V RadiusSqrt(D, V x) {
  return hn::Sqrt(x);
}

#define RELUMC_LANE_FN HWY_INLINE
#include "relumc/math/detail/lane_math-inl.hpp"
#include "host/backend/cpu/cpu_kernel-inl.hpp"
#undef RELUMC_LANE_FN

#else
#define RELUMC_SIMD_KERNEL 0
#endif

bool ChunkDouble(const ChunkArgs<double>& a, uint64_t begin, uint64_t end, double* S, double* Q,
                 std::atomic<uint64_t>* done) {
#if RELUMC_SIMD_KERNEL
  if (a.contract != Contract::V1) return false;  // v2 is float only (the caller refuses it before)
  const hn::ScalableTag<double> d;
  AccumulateChunkLanes<Contract::V1>(d, hn::RebindToUnsigned<decltype(d)>(), d, a, begin, end, S, Q, done);
  return true;
#else
  (void)a, (void)begin, (void)end, (void)S, (void)Q, (void)done;
  return false;
#endif
}

bool ChunkFloat(const ChunkArgs<float>& a, uint64_t begin, uint64_t end, double* S, double* Q,
                std::atomic<uint64_t>* done) {
#if RELUMC_SIMD_KERNEL
  const hn::ScalableTag<double> d64;
  if (a.contract == Contract::V2 && a.input == InputKind::Gaussian) {
    // v2's Gaussian: full float vectors (twice the double lanes), words packed into 32-bit lanes.
    const hn::ScalableTag<float> d;
    AccumulateChunkTiles<true, Contract::V2, true>(d, hn::RebindToUnsigned<decltype(d)>(), d64, a, begin, end, S, Q,
                                                   done);
    return true;
  }
  // Float lanes as many as double lanes: one sample per lane, one Philox counter per 64-bit lane.
  const hn::Rebind<float, decltype(d64)> d;
  const hn::RebindToUnsigned<decltype(d64)> dw;
  if (a.contract == Contract::V2) {
    AccumulateChunkLanes<Contract::V2>(d, dw, d64, a, begin, end, S, Q, done);
  } else {
    AccumulateChunkLanes<Contract::V1>(d, dw, d64, a, begin, end, S, Q, done);
  }
  return true;
#else
  (void)a, (void)begin, (void)end, (void)S, (void)Q, (void)done;
  return false;
#endif
}

bool FloorDouble(const ChunkArgs<double>& a, uint64_t begin, uint64_t end, double* sum) {
#if RELUMC_SIMD_KERNEL
  const hn::ScalableTag<double> d;
  *sum = SumNormalsLanes<Contract::V1, false>(d, hn::RebindToUnsigned<decltype(d)>(), d, a, begin, end);
  return true;
#else
  (void)a, (void)begin, (void)end, (void)sum;
  return false;
#endif
}

// The float floors draw exactly as ChunkFloat does (v2's Gaussian in full float vectors).
bool FloorFloat(const ChunkArgs<float>& a, uint64_t begin, uint64_t end, double* sum) {
#if RELUMC_SIMD_KERNEL
  const hn::ScalableTag<double> d64;
  if (a.contract == Contract::V2 && a.input == InputKind::Gaussian) {
    const hn::ScalableTag<float> d;
    *sum = SumNormalsLanes<Contract::V2, true>(d, hn::RebindToUnsigned<decltype(d)>(), d64, a, begin, end);
    return true;
  }
  const hn::Rebind<float, decltype(d64)> d;
  const hn::RebindToUnsigned<decltype(d64)> dw;
  *sum = a.contract == Contract::V2 ? SumNormalsLanes<Contract::V2, false>(d, dw, d64, a, begin, end)
                                    : SumNormalsLanes<Contract::V1, false>(d, dw, d64, a, begin, end);
  return true;
#else
  (void)a, (void)begin, (void)end, (void)sum;
  return false;
#endif
}

// Test-only: x_first .. x_{first+count-1} (count x d, row-major) drawn by the kernel's own DrawLanes, in the
// configuration ChunkFloat runs for a.contract and a.input.
bool DrawFloat(const ChunkArgs<float>& a, uint64_t first, size_t count, float* x) {
#if RELUMC_SIMD_KERNEL
  const hn::ScalableTag<double> d64;
  auto run = [&](auto d, auto dw, auto draw) {
    const size_t L = hn::Lanes(d);
    std::vector<float> X(static_cast<size_t>(a.d) * L);
    for (size_t s0 = 0; s0 < count; s0 += L) {
      draw(d, dw, first + s0, X.data(), static_cast<int64_t>(L));
      for (size_t lane = 0; lane < L && s0 + lane < count; ++lane)
        for (int64_t k = 0; k < a.d; ++k) x[(s0 + lane) * static_cast<size_t>(a.d) + static_cast<size_t>(k)] = X[static_cast<size_t>(k) * L + lane];
    }
  };
  if (a.contract == Contract::V2 && a.input == InputKind::Gaussian) {
    const hn::ScalableTag<float> d;
    run(d, hn::RebindToUnsigned<decltype(d)>(), [&](auto dd, auto dw, uint64_t f, float* X, int64_t L) {
      DrawLanes<true, Contract::V2>(dd, dw, d64, a, f, X, L);
    });
  } else {
    const hn::Rebind<float, decltype(d64)> d;
    run(d, hn::RebindToUnsigned<decltype(d64)>(), [&](auto dd, auto dw, uint64_t f, float* X, int64_t L) {
      if (a.contract == Contract::V2) {
        DrawLanes<false, Contract::V2>(dd, dw, d64, a, f, X, L);
      } else {
        DrawLanes<false, Contract::V1>(dd, dw, d64, a, f, X, L);
      }
    });
  }
  return true;
#else
  (void)a, (void)first, (void)count, (void)x;
  return false;
#endif
}

bool PhiloxWords(uint64_t seed, uint32_t stream, uint64_t first, uint32_t j, size_t count, uint32_t* words) {
#if RELUMC_SIMD_KERNEL
  const hn::ScalableTag<uint64_t> dw;
  const size_t L = hn::Lanes(dw);
  HWY_ALIGN uint64_t r[4][HWY_MAX_BYTES / sizeof(uint64_t)];
  for (size_t s0 = 0; s0 < count; s0 += L) {
    hn::Vec<decltype(dw)> r0, r1, r2, r3;
    PhiloxLanes(dw, seed, stream, first + s0, j, r0, r1, r2, r3);
    hn::Store(r0, dw, r[0]);
    hn::Store(r1, dw, r[1]);
    hn::Store(r2, dw, r[2]);
    hn::Store(r3, dw, r[3]);
    for (size_t lane = 0; lane < L && s0 + lane < count; ++lane)
      for (int t = 0; t < 4; ++t) words[4 * (s0 + lane) + t] = static_cast<uint32_t>(r[t][lane]);
  }
  return true;
#else
  (void)seed, (void)stream, (void)first, (void)j, (void)count, (void)words;
  return false;
#endif
}

bool KernelAvailable() { return RELUMC_SIMD_KERNEL != 0; }
const char* TargetName() { return hwy::TargetName(HWY_TARGET); }

#undef RELUMC_SIMD_KERNEL

}  // namespace HWY_NAMESPACE
}  // namespace relumc
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace relumc {

HWY_EXPORT(ChunkDouble);
HWY_EXPORT(ChunkFloat);
HWY_EXPORT(FloorDouble);
HWY_EXPORT(FloorFloat);
HWY_EXPORT(PhiloxWords);
HWY_EXPORT(DrawFloat);
HWY_EXPORT(KernelAvailable);
HWY_EXPORT(TargetName);

bool accumulate_chunk_simd(const ChunkArgs<double>& a, uint64_t begin, uint64_t end, double* S, double* Q,
                           std::atomic<uint64_t>* done) {
  return HWY_DYNAMIC_DISPATCH(ChunkDouble)(a, begin, end, S, Q, done);
}

bool accumulate_chunk_simd(const ChunkArgs<float>& a, uint64_t begin, uint64_t end, double* S, double* Q,
                           std::atomic<uint64_t>* done) {
  return HWY_DYNAMIC_DISPATCH(ChunkFloat)(a, begin, end, S, Q, done);
}

bool rng_floor_simd(const ChunkArgs<double>& a, uint64_t begin, uint64_t end, double* sum) {
  return HWY_DYNAMIC_DISPATCH(FloorDouble)(a, begin, end, sum);
}

bool rng_floor_simd(const ChunkArgs<float>& a, uint64_t begin, uint64_t end, double* sum) {
  return HWY_DYNAMIC_DISPATCH(FloorFloat)(a, begin, end, sum);
}

bool philox_words_simd(uint64_t seed, uint32_t stream, uint64_t first, uint32_t j, size_t count, uint32_t* words) {
  return HWY_DYNAMIC_DISPATCH(PhiloxWords)(seed, stream, first, j, count, words);
}

bool draw_samples_simd(const ChunkArgs<float>& a, uint64_t first, size_t count, float* x) {
  return HWY_DYNAMIC_DISPATCH(DrawFloat)(a, first, count, x);
}

bool simd_kernel_available() { return HWY_DYNAMIC_DISPATCH(KernelAvailable)(); }

std::vector<std::string> simd_targets_supported() {
  std::vector<std::string> names;
  for (int64_t targets = hwy::SupportedTargets() & HWY_TARGETS; targets != 0; targets &= targets - 1)
    names.emplace_back(hwy::TargetName(targets & -targets));
  return names;
}
std::string simd_target_name() { return HWY_DYNAMIC_DISPATCH(TargetName)(); }

bool use_simd_target_for_test(const std::string& name) {
  hwy::SetSupportedTargetsForTest(0);  // what the CPU supports, not the last forced target
  if (name.empty()) return true;
  for (int64_t targets = hwy::SupportedTargets() & HWY_TARGETS; targets != 0; targets &= targets - 1)
    if (name == hwy::TargetName(targets & -targets)) {
      hwy::SetSupportedTargetsForTest(targets & -targets);
      return true;
    }
  return false;
}

}  // namespace relumc
#endif  // HWY_ONCE
