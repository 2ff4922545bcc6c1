// SPDX-License-Identifier: MIT
// The SIMD instantiation of the CPU chunk kernel, with Google Highway: compiled for every x86 target
// Highway knows (AVX2, AVX-512, ...), the best one that this CPU supports picked at run time.
// Only targets with fused multiply-add run the kernel: those reproduce the scalar path's bits.
//
// The SIMD-specific pieces are here: Philox4x32-10 across lanes (one sample counter per 64-bit lane,
// 32x32->64 products with MulEven), the uniform of a word, and the exponent split of ln. Everything
// else is the shared lane math and kernel.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "host/backend/cpu/cpu_simd.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/targets.h>

#include "host/backend/cpu/cpu_kernel.hpp"
#include "relumc/math/sample_contract.hpp"

#include <vector>

HWY_BEFORE_NAMESPACE();
namespace relumc {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_NATIVE_FMA && !(HWY_TARGET & (HWY_EMU128 | HWY_SCALAR))
#define RELUMC_SIMD_KERNEL 1

// Random123's philox4x32_R(10): round k uses key + k * (0x9E3779B9, 0xBB67AE85).
template <class DW, class VW>
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

template <class D, class VW, hwy::EnableIf<sizeof(hn::TFromD<D>) == 4>* = nullptr>
HWY_INLINE auto UniformFromWord(D d, VW w) {
  const hn::RebindToFloat<hn::DFromV<VW>> d64;
  return hn::DemoteTo(d, hn::Mul(HalfPlusWord(hn::ShiftRight<9>(w)), hn::Set(d64, 0x1p-23)));  // exact
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

template <class D, class V64>
HWY_INLINE auto FromDouble(D d, V64 v) {
  if constexpr (sizeof(hn::TFromD<D>) == 8) {
    return v;
  } else {
    return hn::DemoteTo(d, v);  // round to nearest even, as the scalar static_cast
  }
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
  const hn::ScalableTag<double> d;
  AccumulateChunkLanes(d, hn::RebindToUnsigned<decltype(d)>(), d, a, begin, end, S, Q, done);
  return true;
#else
  (void)a, (void)begin, (void)end, (void)S, (void)Q, (void)done;
  return false;
#endif
}

bool ChunkFloat(const ChunkArgs<float>& a, uint64_t begin, uint64_t end, double* S, double* Q,
                std::atomic<uint64_t>* done) {
#if RELUMC_SIMD_KERNEL
  const hn::ScalableTag<double> d64;  // float lanes as many as double lanes: one sample per lane
  AccumulateChunkLanes(hn::Rebind<float, decltype(d64)>(), hn::RebindToUnsigned<decltype(d64)>(), d64, a, begin,
                       end, S, Q, done);
  return true;
#else
  (void)a, (void)begin, (void)end, (void)S, (void)Q, (void)done;
  return false;
#endif
}

bool FloorDouble(const ChunkArgs<double>& a, uint64_t begin, uint64_t end, double* sum) {
#if RELUMC_SIMD_KERNEL
  const hn::ScalableTag<double> d;
  *sum = SumNormalsLanes(d, hn::RebindToUnsigned<decltype(d)>(), d, a, begin, end);
  return true;
#else
  (void)a, (void)begin, (void)end, (void)sum;
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
HWY_EXPORT(PhiloxWords);
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

bool philox_words_simd(uint64_t seed, uint32_t stream, uint64_t first, uint32_t j, size_t count, uint32_t* words) {
  return HWY_DYNAMIC_DISPATCH(PhiloxWords)(seed, stream, first, j, count, words);
}

bool simd_kernel_available() { return HWY_DYNAMIC_DISPATCH(KernelAvailable)(); }

std::vector<std::string> simd_targets_supported() {
  std::vector<std::string> names;
  for (int64_t targets = hwy::SupportedTargets() & HWY_TARGETS; targets != 0; targets &= targets - 1)
    names.emplace_back(hwy::TargetName(targets & -targets));
  return names;
}
std::string simd_target_name() { return HWY_DYNAMIC_DISPATCH(TargetName)(); }

}  // namespace relumc
#endif  // HWY_ONCE
