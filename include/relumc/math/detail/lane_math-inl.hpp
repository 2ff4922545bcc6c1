// SPDX-License-Identifier: MIT
// The per-lane math of relumc, written once: the normal transform of the sample contract (log,
// sin/cos of 2 pi u, Box-Muller), the input distributions built on it (gaussian, sphere, ball, cube)
// and the per-sample quantities (relu, gates, residual, loss).
//
// This file is included, on purpose without an include guard, inside a namespace that provides the
// lane operations: relumc (relumc/math/detail/scalar_ops.hpp, one lane, host and device) and each
// relumc::HWY_NAMESPACE of host/backend/cpu/cpu_simd.cpp (Google Highway vectors). D is a lane tag
// (Scalar<T> or Highway's Simd<T, N, 0>), V the value type of one lane group. Before including it,
// define RELUMC_LANE_FN as the function prefix (e.g. `RELUMC_HD inline`).
//
// Bit-exactness: every line is a sequence of single IEEE operations (+ - * / sqrt floor, and MulAdd
// as one fused multiply-add), with no compiler contraction (-ffp-contract=off), so every
// instantiation returns the same bits for the same input. That is what lets the scalar path, the
// SIMD path and the GPU draw the same x_i, bit for bit (tests/unit/test_sample_contract.cpp).
//
// The polynomials: log after fdlibm's e_log.c (double) and musl's logf.c (float); sin and cos on
// [-pi/4, pi/4] after fdlibm's k_sin.c/k_cos.c (double) and Cephes' sinf/cosf (float). The argument
// reduction needs no Cody-Waite step: u is a multiple of 2^-33 (2^-24 in float), so
// f = u - k/4 with k = floor(4u + 1/2) is exact and 2 pi u = 2 pi f + k pi/2.

#ifndef RELUMC_LANE_FN
#error "define RELUMC_LANE_FN before including relumc/math/detail/lane_math-inl.hpp"
#endif

// ln(u) for u in (0, 1), positive and normal. Accurate to about 1 ulp (tests measure it).
template <class D, class V>
RELUMC_LANE_FN V ContractLog(D d, V u) {
  using T = TFromD<D>;
  V m, e;
  SplitExponent(d, u, m, e);
  const V f = m - Set(d, 1.0);
  const V s = f / (Set(d, 2.0) + f);
  const V z = s * s;
  V p;
  double ln2_hi, ln2_lo;
  if constexpr (sizeof(T) == 8) {
    // fdlibm's coefficients from the table of relumc/math/detail/v1_coefficients.hpp (a __constant__
    // table on the GPU); each index names the literal it holds.
    p = MulAdd(Set(d, RELUMC_V1_COEF(0)), z, Set(d, RELUMC_V1_COEF(1)));  // 1.4798e-01, 1.5313e-01
    p = MulAdd(p, z, Set(d, RELUMC_V1_COEF(2)));                         // 1.818357216161805012e-01
    p = MulAdd(p, z, Set(d, RELUMC_V1_COEF(3)));                         // 2.222219843214978396e-01
    p = MulAdd(p, z, Set(d, RELUMC_V1_COEF(4)));                         // 2.857142874366239149e-01
    p = MulAdd(p, z, Set(d, RELUMC_V1_COEF(5)));                         // 3.999999999940941908e-01
    p = MulAdd(p, z, Set(d, RELUMC_V1_COEF(6)));                         // 6.666666666666735130e-01
    ln2_hi = RELUMC_V1_COEF(7);                                          // 6.93147180369123816490e-01
    ln2_lo = RELUMC_V1_COEF(8);                                          // 1.90821492927058770002e-10
  } else {
    p = MulAdd(Set(d, 0x1.f13c4cp-3), z, Set(d, 0x1.23d3dcp-2));
    p = MulAdd(p, z, Set(d, 0x1.999c26p-2));
    p = MulAdd(p, z, Set(d, 0x1.555554p-1));
    ln2_hi = 0x1.62e3p-1;     // musl's 6.9313812256e-01f
    ln2_lo = 0x1.2fefa2p-17;  // musl's 9.0580006145e-06f
  }
  const V R = z * p;
  const V hfsq = Set(d, 0.5) * f * f;
  return e * Set(d, ln2_hi) - ((hfsq - (s * (hfsq + R) + e * Set(d, ln2_lo))) - f);
}

// sin(2 pi u) and cos(2 pi u) for u in (0, 1) on the sample grid (see the header comment).
template <class D, class V>
RELUMC_LANE_FN void ContractSinCos2Pi(D d, V u, V& sin_out, V& cos_out) {
  using T = TFromD<D>;
  // Fused, and the same numbers as u * 4 + 1/2 and u - k * 1/4 in two roundings: the products are exact.
  const V k = Floor(MulAdd(u, Set(d, 4.0), Set(d, 0.5)));  // 0..4, exact
  const V f = MulAdd(k, Set(d, -0.25), u);                 // |f| <= 1/8, exact
  const V x = f * Set(d, sizeof(T) == 8 ? RELUMC_V1_COEF(21) : 6.28318530717958647692);  // 2 pi
  const V z = x * x;
  V sn, cs;
  if constexpr (sizeof(T) == 8) {
    V r = MulAdd(Set(d, RELUMC_V1_COEF(9)), z, Set(d, RELUMC_V1_COEF(10)));  // 1.5897e-10, -2.5051e-08
    r = MulAdd(r, z, Set(d, RELUMC_V1_COEF(11)));                            // 2.75573137070700676789e-06
    r = MulAdd(r, z, Set(d, RELUMC_V1_COEF(12)));                            // -1.98412698298579493134e-04
    r = MulAdd(r, z, Set(d, RELUMC_V1_COEF(13)));                            // 8.33333333332248946124e-03
    sn = MulAdd(z * x, MulAdd(z, r, Set(d, RELUMC_V1_COEF(14))), x);          // -1.66666666666666324348e-01
    V c = MulAdd(Set(d, RELUMC_V1_COEF(15)), z, Set(d, RELUMC_V1_COEF(16)));  // -1.1360e-11, 2.0876e-09
    c = MulAdd(c, z, Set(d, RELUMC_V1_COEF(17)));                            // -2.75573143513906633035e-07
    c = MulAdd(c, z, Set(d, RELUMC_V1_COEF(18)));                            // 2.48015872894767294178e-05
    c = MulAdd(c, z, Set(d, RELUMC_V1_COEF(19)));                            // -1.38888888888741095749e-03
    c = MulAdd(c, z, Set(d, RELUMC_V1_COEF(20)));                            // 4.16666666666666019037e-02
    const V rc = z * c;
    const V hz = Set(d, 0.5) * z;
    const V w = Set(d, 1.0) - hz;
    cs = w + (((Set(d, 1.0) - w) - hz) + z * rc);
  } else {
    V r = MulAdd(Set(d, -1.9515295891e-4), z, Set(d, 8.3321608736e-3));
    r = MulAdd(r, z, Set(d, -1.6666654611e-1));
    sn = MulAdd(z * x, r, x);
    V c = MulAdd(Set(d, 2.443315711809948e-5), z, Set(d, -1.388731625493765e-3));
    c = MulAdd(c, z, Set(d, 4.166664568298827e-2));
    cs = MulAdd(z * z, c, Set(d, 1.0) - Set(d, 0.5) * z);
  }
  // 2 pi u = x + k pi/2: rotate by k quarter turns (k = 4 is k = 0).
  const auto k1 = k == Set(d, 1.0);
  const auto k2 = k == Set(d, 2.0);
  const auto k3 = k == Set(d, 3.0);
  sin_out = IfThenElse(k1, cs, IfThenElse(k2, Neg(sn), IfThenElse(k3, Neg(cs), sn)));
  cos_out = IfThenElse(k1, Neg(sn), IfThenElse(k2, Neg(cs), IfThenElse(k3, sn, cs)));
}

// Box-Muller on two uniforms: z0 = sqrt(-2 ln u0) cos(2 pi u1), z1 = sqrt(-2 ln u0) sin(2 pi u1).
template <class D, class V>
RELUMC_LANE_FN void BoxMuller(D d, V u0, V u1, V& z0, V& z1) {
  const V radius = RadiusSqrt(d, Set(d, -2.0) * ContractLog(d, u0));
  V sn, cs;
  ContractSinCos2Pi(d, u1, sn, cs);
  z0 = radius * cs;
  z1 = radius * sn;
}

// ---- Contract v2 (relumc/math/contract.hpp, docs/sample-contract.md): float normals from the same words,
// relumc's own float polynomials, no division and no library call. Besides the lane operations the
// including namespace provides RadiusUniformV2(d, r): float(int32(r >> 1)) 2^-31 + 2^-32 (one rounded
// conversion, one rounded add), a uniform in [2^-32, 1] that resolves the low tail to 2^-32.
// The coefficients are least-squares fits (relative error, Chebyshev nodes) rounded to float one by one,
// the later ones refitted after each rounding (docs/sample-contract.md gives the fit and its errors).

// ln(u) for u in [2^-32, 1]: u = m 2^e, m in [sqrt(1/2), sqrt(2)), f = m - 1 exact;
// ln(1 + f) = f - f^2/2 + f^3 P(f) with P of degree 7 (fit error 7e-9 relative); ln 2 = 0.693359375 +
// ln2_lo, the first part exact times e.
template <class D, class V>
RELUMC_LANE_FN V ContractLogV2(D d, V u) {
  V m, e;
  SplitExponent(d, u, m, e);
  const V f = m - Set(d, 1.0);
  const V z = f * f;
  V p = MulAdd(Set(d, -0x1.2d3636p-4), f, Set(d, 0x1.025beap-3));
  p = MulAdd(p, f, Set(d, -0x1.0e6826p-3));
  p = MulAdd(p, f, Set(d, 0x1.236438p-3));
  p = MulAdd(p, f, Set(d, -0x1.546790p-3));
  p = MulAdd(p, f, Set(d, 0x1.999860p-3));
  p = MulAdd(p, f, Set(d, -0x1.00023cp-2));
  p = MulAdd(p, f, Set(d, 0x1.555564p-2));
  V y = (z * f) * p;
  y = MulAdd(e, Set(d, -0x1.bd0106p-13), y);
  y = MulAdd(z, Set(d, -0.5), y);
  return MulAdd(e, Set(d, 0.693359375), f + y);
}

// sin(2 pi u) and cos(2 pi u) for u = (k + 1/2) 2^-23 (the float uniform of the angle word): the same exact
// reduction as ContractSinCos2Pi, u = f + k/4 with |f| <= 1/8, then polynomials in f itself (no rounded
// 2 pi f): sin(2 pi f) = f S(f^2), S of degree 3; cos(2 pi f) = 1 + f^2 C(f^2), C of degree 3.
template <class D, class V>
RELUMC_LANE_FN void ContractSinCos2PiV2(D d, V u, V& sin_out, V& cos_out) {
  const V k = Floor(MulAdd(u, Set(d, 4.0), Set(d, 0.5)));  // 0..4 (fused: the product is exact)
  const V f = MulAdd(k, Set(d, -0.25), u);                 // exact
  const V z = f * f;
  V s = MulAdd(Set(d, -0x1.2fb8aap+6), z, Set(d, 0x1.466d52p+6));
  s = MulAdd(s, z, Set(d, -0x1.4abbf2p+5));
  s = MulAdd(s, z, Set(d, 0x1.921fb6p+2));
  const V sn = f * s;
  V c = MulAdd(Set(d, 0x1.d62276p+5), z, Set(d, -0x1.55b68cp+6));
  c = MulAdd(c, z, Set(d, 0x1.03c1b6p+6));
  c = MulAdd(c, z, Set(d, -0x1.3bd3ccp+4));
  const V cs = MulAdd(z, c, Set(d, 1.0));
  const auto k1 = k == Set(d, 1.0);
  const auto k2 = k == Set(d, 2.0);
  const auto k3 = k == Set(d, 3.0);
  sin_out = IfThenElse(k1, cs, IfThenElse(k2, Neg(sn), IfThenElse(k3, Neg(cs), sn)));
  cos_out = IfThenElse(k1, Neg(sn), IfThenElse(k2, Neg(cs), IfThenElse(k3, sn, cs)));
}

// v2's Box-Muller on two words (a: radius, b: angle): z0 = r cos(2 pi v), z1 = r sin(2 pi v), with
// r = sqrt(-2 ln u), u = RadiusUniformV2(a), v = UniformFromWord(b).
template <class D, class VW, class V>
RELUMC_LANE_FN void BoxMullerV2(D d, VW a, VW b, V& z0, V& z1) {
  const V radius = RadiusSqrt(d, Set(d, -2.0) * ContractLogV2(d, RadiusUniformV2(d, a)));
  V sn, cs;
  ContractSinCos2PiV2(d, UniformFromWord(d, b), sn, cs);
  z0 = radius * cs;
  z1 = radius * sn;
}

// ---- Inputs (relumc/math/input.hpp; the contract, to the bit, in relumc/math/sample_contract.hpp).
// Besides the lane operations, the including namespace provides the backend pieces
//   PhiloxLanes(dw, seed, stream, first, j, r0, r1, r2, r3)   words of block j of samples first + lane
//   PhiloxLanesPair(dw, seed, stream, first, j, a0..a3, b0..b3) the same for blocks j and j + 1
//   UniformFromWord(d, r)                                      the contract's exact uniform of a word
//   ToDouble(d64, v), FromDouble(d, v64)                       lanes widened to double, rounded back

// A cube coordinate from the contract's uniform: u - 1/2, exact (u is a multiple of 2^-33, 2^-24 in
// float, inside (0, 1)), so |x_k| < 1/2 strictly.
template <class D, class V>
RELUMC_LANE_FN V CubeCoordinate(D d, V u) {
  return u - Set(d, 0.5);
}

// The radial factor of sphere and ball: R / sqrt(S), S the sum of squares of the drawn Gaussians, in
// double whatever the precision (a float sum would drift for large d).
template <class D64, class V64>
RELUMC_LANE_FN V64 RadialFactor(D64 d64, V64 sumsq, double radius) {
  return Set(d64, radius) / Sqrt(sumsq);
}

// Coordinates 0..dim-1 of x for samples first .. first + Lanes(d) - 1, coordinate k at x + k * stride.
//   gaussian: g_k, the Box-Muller normals of the contract (kContract: v1's BoxMuller or v2's BoxMullerV2;
//             v2 is float only, and the other inputs are built on its normals the same way);
//   sphere:   g_k * f, f = FromDouble(R / sqrt(S)), S = sum_{k < dim} g_k^2;
//   ball:     the same with S summed over dim + 2 Gaussians (the two extra ones are drawn, not stored);
//   cube:     u_k - 1/2, one word per coordinate.
// S is accumulated in coordinate order, one fused multiply-add per coordinate, starting from 0.
// P is any struct with the fields seed, stream, d (the dimension) and radius, taken by reference: the
// kernel passes its ChunkArgs, whose fields the compiler then reads from memory instead of holding
// them in registers across the loop (measured: 2% fewer instructions on the Gaussian hot path).
// v2's Gaussian block: the four normals of words r0..r3 stored at xj, xj + stride, ... (the first n of them).
template <class D, class VW>
RELUMC_LANE_FN void StoreGaussianBlockV2(D d, VW r0, VW r1, VW r2, VW r3, TFromD<D>* xj, int64_t stride, int64_t n) {
  decltype(Zero(d)) z0, z1, z2, z3;
  BoxMullerV2(d, r0, r1, z0, z1);
  BoxMullerV2(d, r2, r3, z2, z3);
  StoreU(z0, d, xj);
  if (n > 1) StoreU(z1, d, xj + stride);
  if (n > 2) StoreU(z2, d, xj + 2 * stride);
  if (n > 3) StoreU(z3, d, xj + 3 * stride);
}

template <InputKind kKind, Contract kContract, class D, class DW, class D64, class P>
RELUMC_LANE_FN void DrawInputLanes(D d, DW dw, D64 d64, const P& p, uint64_t first, TFromD<D>* x, int64_t stride) {
  constexpr bool kRadial = kKind == InputKind::Sphere || kKind == InputKind::Ball;
  const int64_t dim = p.d;
  if constexpr (kContract == Contract::V2 && kKind == InputKind::Gaussian) {
    // The same words and normals as the loop below, two blocks at a time: PhiloxLanesPair keeps the rounds
    // of blocks j and j + 1 in flight together (Philox's rounds are a chain of dependent multiplies).
    const int64_t blocks = (dim + 3) / 4;
    int64_t j = 0;
    for (; j + 1 < blocks; j += 2) {
      decltype(Zero(dw)) a0, a1, a2, a3, b0, b1, b2, b3;
      PhiloxLanesPair(dw, p.seed, p.stream, first, static_cast<uint32_t>(j), a0, a1, a2, a3, b0, b1, b2, b3);
      StoreGaussianBlockV2(d, a0, a1, a2, a3, x + 4 * j * stride, stride, 4);
      StoreGaussianBlockV2(d, b0, b1, b2, b3, x + 4 * (j + 1) * stride, stride, dim - 4 * (j + 1));
    }
    if (j < blocks) {
      decltype(Zero(dw)) r0, r1, r2, r3;
      PhiloxLanes(dw, p.seed, p.stream, first, static_cast<uint32_t>(j), r0, r1, r2, r3);
      StoreGaussianBlockV2(d, r0, r1, r2, r3, x + 4 * j * stride, stride, dim - 4 * j);
    }
    (void)d64;
    return;
  }
  auto sumsq = Zero(d64);
  for (int64_t j = 0; 4 * j < drawn_coordinates(kKind, p.d); ++j) {
    decltype(Zero(dw)) r0, r1, r2, r3;
    PhiloxLanes(dw, p.seed, p.stream, first, static_cast<uint32_t>(j), r0, r1, r2, r3);
    decltype(Zero(d)) z0, z1, z2, z3;
    if constexpr (kKind == InputKind::Cube) {
      z0 = CubeCoordinate(d, UniformFromWord(d, r0));
      z1 = CubeCoordinate(d, UniformFromWord(d, r1));
      z2 = CubeCoordinate(d, UniformFromWord(d, r2));
      z3 = CubeCoordinate(d, UniformFromWord(d, r3));
    } else if constexpr (kContract == Contract::V2) {
      BoxMullerV2(d, r0, r1, z0, z1);
      BoxMullerV2(d, r2, r3, z2, z3);
    } else {
      BoxMuller(d, UniformFromWord(d, r0), UniformFromWord(d, r1), z0, z1);
      BoxMuller(d, UniformFromWord(d, r2), UniformFromWord(d, r3), z2, z3);
    }
    const int64_t n = drawn_coordinates(kKind, p.d) - 4 * j;  // coordinates of this block that exist: min(n, 4)
    if constexpr (kRadial) {
      const auto g0 = ToDouble(d64, z0), g1 = ToDouble(d64, z1), g2 = ToDouble(d64, z2), g3 = ToDouble(d64, z3);
      sumsq = MulAdd(g0, g0, sumsq);
      if (n > 1) sumsq = MulAdd(g1, g1, sumsq);
      if (n > 2) sumsq = MulAdd(g2, g2, sumsq);
      if (n > 3) sumsq = MulAdd(g3, g3, sumsq);
    }
    TFromD<D>* xj = x + 4 * j * stride;
    if constexpr (kKind == InputKind::Ball) {  // the two extra coordinates only enter sumsq
      const int64_t stored = p.d - 4 * j;
      if (stored > 0) StoreU(z0, d, xj);
      if (stored > 1) StoreU(z1, d, xj + stride);
      if (stored > 2) StoreU(z2, d, xj + 2 * stride);
      if (stored > 3) StoreU(z3, d, xj + 3 * stride);
    } else {
      StoreU(z0, d, xj);
      if (n > 1) StoreU(z1, d, xj + stride);
      if (n > 2) StoreU(z2, d, xj + 2 * stride);
      if (n > 3) StoreU(z3, d, xj + 3 * stride);
    }
  }
  if constexpr (kRadial) {
    const auto f = FromDouble(d, RadialFactor(d64, sumsq, p.radius));
    for (int64_t k = 0; k < dim; ++k) StoreU(LoadU(d, x + k * stride) * f, d, x + k * stride);
  }
}

// ---- Per-sample quantities (docs/mathematics.md "Setting"), from the projections p_j = w_j.x, q_k = w*_k.x.
// The vector quantities are x times per-row coefficients:
//   gating: F(e, w; x) = x c,    c   = 1(e.x > 0) relu(w.x)                      (d components)
//   grad:   grad_j l   = x c_j,  c_j = 1(p_j > 0) (sum relu(p) - sum relu(q))     (K x d)
//   loss:   l          = 1/2 (sum relu(p) - sum relu(q))^2                        (a scalar)
// Gates are strict: D(w) = 1(w.x > 0).

template <class D, class V>
RELUMC_LANE_FN V Relu(D d, V z) {
  return IfThenElseZero(z > Zero(d), z);
}

template <class D, class V>
RELUMC_LANE_FN V GatingCoefficient(D d, V e_dot_x, V w_dot_x) {
  return IfThenElseZero(e_dot_x > Zero(d), Relu(d, w_dot_x));
}

// g(x; W) - g(x; W*). p and q hold K and Kstar lane groups, one every `stride` values.
template <class D>
RELUMC_LANE_FN auto Residual(D d, const TFromD<D>* p, int64_t K, const TFromD<D>* q, int64_t Kstar,
                             int64_t stride) {
  auto r = Zero(d);
  for (int64_t j = 0; j < K; ++j) r = r + Relu(d, LoadU(d, p + j * stride));
  for (int64_t k = 0; k < Kstar; ++k) r = r - Relu(d, LoadU(d, q + k * stride));
  return r;
}

template <class D, class V>
RELUMC_LANE_FN V GradientCoefficient(D d, V p_j, V residual) {
  return IfThenElseZero(p_j > Zero(d), residual);
}

template <class D, class V>
RELUMC_LANE_FN V SampleLoss(D d, V residual) {
  return Set(d, 0.5) * residual * residual;
}
