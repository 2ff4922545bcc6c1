// SPDX-License-Identifier: MIT
// The double constants of contract v1's normal transform (relumc/math/detail/lane_math-inl.hpp: fdlibm's log
// and sin/cos polynomials, ln 2 split, 2 pi), as one table, read through RELUMC_V1_COEF(i).
//
// Why a table: on the GPU a 64-bit literal operand of a DFMA is rebuilt by two moves at every use (SASS
// has no 64-bit immediate), 16 of the v1 floor's ~111 instructions per normal (bench/RESULTS.md). From a
// __constant__ table the compiler loads each constant once into a uniform register, outside the loops.
// The host (scalar and SIMD) reads the same numbers from a constexpr copy: the values are the literals
// they replace, so no bit of any draw changes (tests/unit/test_sample_contract.cpp holds the KAT).
#pragma once

// Order: log's 7 polynomial coefficients (highest first), ln2_hi, ln2_lo; sin's 5 coefficients (highest
// first) and its -1/6 term; cos's 6 coefficients (highest first); 2 pi.
#define RELUMC_V1_COEFFICIENTS                                                                                \
  {1.479819860511658591e-01,  1.531383769920937332e-01,  1.818357216161805012e-01,  2.222219843214978396e-01, \
   2.857142874366239149e-01,  3.999999999940941908e-01,  6.666666666666735130e-01,  6.93147180369123816490e-01, \
   1.90821492927058770002e-10, 1.58969099521155010221e-10, -2.50507602534068634195e-08,                       \
   2.75573137070700676789e-06, -1.98412698298579493134e-04, 8.33333333332248946124e-03,                       \
   -1.66666666666666324348e-01, -1.13596475577881948265e-11, 2.08757232129817482790e-09,                      \
   -2.75573143513906633035e-07, 2.48015872894767294178e-05, -1.38888888888741095749e-03,                      \
   4.16666666666666019037e-02, 6.28318530717958647692}

namespace relumc::detail {
inline constexpr double kV1CoefHost[] = RELUMC_V1_COEFFICIENTS;
#if defined(__CUDACC__)
static __constant__ double kV1CoefDevice[] = RELUMC_V1_COEFFICIENTS;
#endif
}  // namespace relumc::detail

#if defined(__CUDA_ARCH__)
#define RELUMC_V1_COEF(i) (::relumc::detail::kV1CoefDevice[i])
#else
#define RELUMC_V1_COEF(i) (::relumc::detail::kV1CoefHost[i])
#endif
