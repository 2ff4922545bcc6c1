// SPDX-License-Identifier: MIT
// Closed forms of Tian (ICML 2017) for x ~ N(0, I_d), per sample (docs/mathematics.md, closed forms 1-4).
//
// Written once for host and device. All vectors are contiguous double arrays of length d; matrices
// are row-major with one row per unit. Every vector passed as a direction (e, student rows, and the
// arguments of angle) must be nonzero: callers validate (host/plan/sweep.cpp) before calling.
//
// Formula selects the correct closed form (Tian) or one of the plausibly wrong variants that the
// statistical tests must reject (docs/mathematics.md, "Deliberately wrong formulas"). The variants exist only so that every verification
// path can be shown to say "no".
//
// Usage:
//   double g[3];
//   relumc::single_relu_gradient(w, wstar, 3, g);   // E grad of 1/2 (relu(w.x) - relu(w*.x))^2
#pragma once

#include "relumc/core/config.hpp"

#include <cmath>
#include <cstdint>

namespace relumc {

enum class Formula : int {
  Tian = 0,   // the correct closed forms
  SinSign,    // sign of the sin(theta) term flipped
  ThetaSwap,  // theta in place of pi - theta (and pi - theta in place of theta)
  LostHalf,   // a factor 1/2 lost
  NormSwap,   // |w| in place of |w*|
  Unscaled,   // the Gaussian formula without the input's E|x|^2/d (wrong unless that is 1; relumc/core/case.hpp)
};

// Plain sum in index order, in the precision of its arguments (backends use it on float samples too).
template <class T>
RELUMC_HD inline T dot(const T* u, const T* v, int64_t d) {
  T s = 0;
  for (int64_t c = 0; c < d; ++c) s += u[c] * v[c];
  return s;
}

RELUMC_HD inline double norm(const double* v, int64_t d) { return sqrt(dot(v, v, d)); }
// |v| scaled by its largest component, so it is right where the squares of norm() overflow or underflow
// (for messages about such vectors; 0 for the zero vector).
RELUMC_HD inline double norm_without_overflow(const double* v, int64_t d) {
  double scale = 0, s = 0;
  for (int64_t c = 0; c < d; ++c) scale = fmax(scale, fabs(v[c]));
  if (scale == 0 || !(scale < INFINITY)) return scale;
  for (int64_t c = 0; c < d; ++c) s += (v[c] / scale) * (v[c] / scale);
  return scale * sqrt(s);
}

// angle(u, v) in [0, pi] as 2 atan2(|a - b|, |a + b|), a = u/|u|, b = v/|v|: exact at 0 and pi and
// accurate near them, where acos of a dot product loses half the digits.
RELUMC_HD inline double angle(const double* u, const double* v, int64_t d) {
  const double nu = norm(u, d), nv = norm(v, d);
  double diff = 0, sum = 0;
  for (int64_t c = 0; c < d; ++c) {
    const double a = u[c] / nu, b = v[c] / nv;
    diff += (a - b) * (a - b);
    sum += (a + b) * (a + b);
  }
  return 2 * atan2(sqrt(diff), sqrt(sum));
}

// out += scale * E[x 1(e.x > 0) relu(w.x)] = scale/(2 pi) [(pi - theta) w + |w| sin(theta) e/|e|].
// e need not be a unit vector: the gate depends on its direction only.
RELUMC_HD inline void add_gating_expectation(const double* e, const double* w, int64_t d, double scale,
                                             double* out, Formula f = Formula::Tian) {
  const double ne = norm(e, d), nw = norm(w, d);
  if (nw == 0) return;  // relu(0 . x) = 0: the term vanishes
  const double theta = angle(e, w, d);
  const double prefactor = (f == Formula::LostHalf ? 1 / kPi : 1 / (2 * kPi)) * scale;
  const double a = (f == Formula::ThetaSwap) ? theta : kPi - theta;
  const double sin_norm = (f == Formula::NormSwap) ? ne : nw;
  const double b = (f == Formula::SinSign ? -1 : 1) * sin_norm * sin(theta) / ne;
  for (int64_t c = 0; c < d; ++c) out[c] += prefactor * (a * w[c] + b * e[c]);
}

// Paper Eq. 6 / N for one student and one teacher ReLU:
// E grad = 1/2 (w - w*) + 1/(2 pi) (theta w* - (|w*|/|w|) sin(theta) w).
RELUMC_HD inline void single_relu_gradient(const double* w, const double* wstar, int64_t d, double* out,
                                           Formula f = Formula::Tian) {
  const double nw = norm(w, d), ns = norm(wstar, d);
  const double theta = ns == 0 ? 0 : angle(w, wstar, d);
  const double half = (f == Formula::LostHalf) ? 1.0 : 0.5;
  const double a = (f == Formula::ThetaSwap) ? kPi - theta : theta;
  const double ratio = (f == Formula::NormSwap) ? 1.0 : ns / nw;
  const double b = (f == Formula::SinSign ? 1 : -1) * ratio * sin(theta);
  for (int64_t c = 0; c < d; ++c) out[c] = half * (w[c] - wstar[c]) + (a * wstar[c] + b * w[c]) / (2 * kPi);
}

// docs/mathematics.md, closed form 3: E grad_j = sum_j' E F(e_j, w_j') - sum_k E F(e_j, w*_k); out is K x d.
RELUMC_HD inline void population_gradient(const double* W, int64_t K, const double* Wstar, int64_t Kstar,
                                          int64_t d, double* out, Formula f = Formula::Tian) {
  for (int64_t j = 0; j < K; ++j) {
    double* row = out + j * d;
    for (int64_t c = 0; c < d; ++c) row[c] = 0;
    for (int64_t jp = 0; jp < K; ++jp) add_gating_expectation(W + j * d, W + jp * d, d, 1.0, row, f);
    for (int64_t k = 0; k < Kstar; ++k) add_gating_expectation(W + j * d, Wstar + k * d, d, -1.0, row, f);
  }
}

// kappa(u, v) = E relu(u.x) relu(v.x) = |u||v|/(2 pi) (sin(theta) + (pi - theta) cos(theta)).
RELUMC_HD inline double arccos_kernel(const double* u, const double* v, int64_t d, Formula f = Formula::Tian) {
  const double nu = norm(u, d), nv = norm(v, d);
  if (nu == 0 || nv == 0) return 0;
  const double theta = angle(u, v, d);
  const double a = (f == Formula::ThetaSwap) ? theta : kPi - theta;
  const double s = (f == Formula::SinSign ? -1 : 1) * sin(theta);
  const double scale = (f == Formula::NormSwap) ? nu * nu : nu * nv;
  return scale / (2 * kPi) * (s + a * cos(theta));
}

// docs/mathematics.md, closed form 4: E l = 1/2 [sum kappa(w_j, w_j') - 2 sum kappa(w_j, w*_k) + sum kappa(w*_k, w*_k')].
RELUMC_HD inline double population_loss(const double* W, int64_t K, const double* Wstar, int64_t Kstar,
                                        int64_t d, Formula f = Formula::Tian) {
  double ss = 0, st = 0, tt = 0;
  for (int64_t j = 0; j < K; ++j)
    for (int64_t jp = 0; jp < K; ++jp) ss += arccos_kernel(W + j * d, W + jp * d, d, f);
  for (int64_t j = 0; j < K; ++j)
    for (int64_t k = 0; k < Kstar; ++k) st += arccos_kernel(W + j * d, Wstar + k * d, d, f);
  for (int64_t k = 0; k < Kstar; ++k)
    for (int64_t kp = 0; kp < Kstar; ++kp) tt += arccos_kernel(Wstar + k * d, Wstar + kp * d, d, f);
  const double half = (f == Formula::LostHalf) ? 1.0 : 0.5;
  return half * (ss - 2 * st + tt);
}

}  // namespace relumc
