// SPDX-License-Identifier: MIT
// Per-sample quantities, written once for host and device (MATH.md "Setting").
//
// Every quantity depends on x only through its projections onto the rows: p_j = w_j . x (student) and
// q_k = w*_k . x (teacher). The vector quantities are x times per-row coefficients:
//   gating: F(e, w; x) = x * c,    c   = 1(e.x > 0) relu(w.x)          (one row, d components)
//   grad:   grad_j l   = x * c_j,  c_j = 1(p_j > 0) (sum relu(p) - sum relu(q))   (K rows)
//   loss:   l          = 1/2 (sum relu(p) - sum relu(q))^2              (a scalar)
// Backends compute the projections, call these functions, and accumulate.
#pragma once

#include "relumc/config.hpp"

#include <cstdint>

namespace relumc {

template <class T>
RELUMC_HD inline T relu(T z) {
  return z > T(0) ? z : T(0);
}

// Gate is strict: D(w) = 1(w.x > 0).
template <class T>
RELUMC_HD inline T gating_coefficient(T e_dot_x, T w_dot_x) {
  return e_dot_x > T(0) ? relu(w_dot_x) : T(0);
}

// g(x; W) - g(x; W*) from the projections.
template <class T>
RELUMC_HD inline T residual(const T* p, int64_t K, const T* q, int64_t Kstar) {
  T r = 0;
  for (int64_t j = 0; j < K; ++j) r += relu(p[j]);
  for (int64_t k = 0; k < Kstar; ++k) r -= relu(q[k]);
  return r;
}

// Writes the K coefficients c_j of the gradient; returns the residual.
template <class T>
RELUMC_HD inline T gradient_coefficients(const T* p, int64_t K, const T* q, int64_t Kstar, T* coef) {
  const T r = residual(p, K, q, Kstar);
  for (int64_t j = 0; j < K; ++j) coef[j] = p[j] > T(0) ? r : T(0);
  return r;
}

template <class T>
RELUMC_HD inline T sample_loss(const T* p, int64_t K, const T* q, int64_t Kstar) {
  const T r = residual(p, K, q, Kstar);
  return T(0.5) * r * r;
}

}  // namespace relumc
