// SPDX-License-Identifier: MIT
// The closed-form Hessian blocks (derivation in docs/landscape.md) and a point's analysis.
#include "relumc/landscape/hessian.hpp"

#include "relumc/core/errors.hpp"
#include "relumc/math/closed_forms.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace relumc {

std::string_view to_string(HessianFormula f) {
  switch (f) {
    case HessianFormula::Exact: return "exact";
    case HessianFormula::DropSin: return "drop-sin";
    case HessianFormula::ThetaSwap: return "theta-swap";
  }
  return "?";
}

std::string_view to_string(DiagonalFormula f) {
  switch (f) {
    case DiagonalFormula::Exact: return "exact";
    case DiagonalFormula::DropTT: return "drop-tt";
    case DiagonalFormula::TeacherSign: return "teacher-sign";
  }
  return "?";
}

int64_t kink_row(const double* W, int64_t K, int64_t d) {
  for (int64_t j = 0; j < K; ++j)
    if (norm_without_overflow(W + j * d, d) == 0) return j;
  return -1;
}

void gate_pair_block(const double* u, const double* v, int64_t d, double* out, HessianFormula f) {
  const double nu = norm(u, d), nv = norm(v, d);
  const double theta = angle(u, v, d), s = std::sin(theta);
  const double a = (f == HessianFormula::ThetaSwap ? theta : kPi - theta) / (2 * kPi);
  for (int64_t r = 0; r < d; ++r)
    for (int64_t c = 0; c < d; ++c) out[r * d + c] = r == c ? a : 0;
  if (s == 0 || f == HessianFormula::DropSin) return;
  // m m^T - m_p m_p^T from the sum and difference of the unit vectors: never the 1/s form.
  double ns = 0, nd = 0;
  for (int64_t c = 0; c < d; ++c) {
    const double x = u[c] / nu, y = v[c] / nv;
    ns += (x + y) * (x + y);
    nd += (x - y) * (x - y);
  }
  ns = std::sqrt(ns), nd = std::sqrt(nd);
  if (ns == 0 || nd == 0) return;  // theta is 0 or pi to rounding (s ~ 1e-16): the s term is below rounding
  const double k = s / (2 * kPi);
  for (int64_t r = 0; r < d; ++r) {
    const double mr = (u[r] / nu + v[r] / nv) / ns, pr = (u[r] / nu - v[r] / nv) / nd;
    for (int64_t c = 0; c < d; ++c) {
      const double mc = (u[c] / nu + v[c] / nv) / ns, pc = (u[c] / nu - v[c] / nv) / nd;
      out[r * d + c] += k * (mr * mc - pr * pc);
    }
  }
}

void add_gate_delta_block(const double* u, const double* v, int64_t d, double scale, double* out, bool drop_tt) {
  const double nu = norm(u, d), nv = norm(v, d);
  if (nv == 0) return;
  const double theta = angle(u, v, d), s = std::sin(theta);
  if (s == 0) return;
  // t: the unit vector along v^'s part orthogonal to u^ (projection, then normalisation: no 1/s).
  std::vector<double> uh(static_cast<size_t>(d)), t(static_cast<size_t>(d));
  double uv = 0;
  for (int64_t c = 0; c < d; ++c) uh[c] = u[c] / nu, uv += uh[c] * v[c] / nv;
  double nt = 0;
  for (int64_t c = 0; c < d; ++c) t[c] = v[c] / nv - uv * uh[c], nt += t[c] * t[c];
  nt = std::sqrt(nt);
  if (nt == 0) return;  // s > 0 by the angle but no orthogonal part left in double: theta is below rounding
  for (double& x : t) x /= nt;
  const double k = scale * nv * s / (2 * kPi * nu);
  for (int64_t r = 0; r < d; ++r)
    for (int64_t c = 0; c < d; ++c) out[r * d + c] += k * ((r == c ? 1.0 : 0.0) - uh[r] * uh[c] + (drop_tt ? 0.0 : t[r] * t[c]));
}

void diagonal_block(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, int64_t j, double* out,
                    DiagonalFormula f) {
  for (int64_t c = 0; c < d * d; ++c) out[c] = 0;
  for (int64_t r = 0; r < d; ++r) out[r * d + r] = 0.5;  // E[1(w_j.x > 0) x x^T] = I/2
  const bool drop_tt = f == DiagonalFormula::DropTT;
  const double teacher = f == DiagonalFormula::TeacherSign ? 1.0 : -1.0;
  for (int64_t k = 0; k < K; ++k)
    if (k != j) add_gate_delta_block(W + j * d, W + k * d, d, 1.0, out, drop_tt);
  for (int64_t m = 0; m < Kstar; ++m) add_gate_delta_block(W + j * d, Wstar + m * d, d, teacher, out, drop_tt);
}

std::vector<double> population_hessian(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                                       HessianFormula f) {
  if (const int64_t j = kink_row(W, K, d); j >= 0)
    throw InputError("student", fmt::format("row {} is the zero vector: J has a kink there and no Hessian", j));
  const int64_t n = K * d;
  std::vector<double> H(static_cast<size_t>(n * n), 0.0), block(static_cast<size_t>(d * d));
  auto put = [&](int64_t j, int64_t k) {
    for (int64_t r = 0; r < d; ++r)
      for (int64_t c = 0; c < d; ++c) H[static_cast<size_t>((j * d + r) * n + k * d + c)] += block[r * d + c];
  };
  for (int64_t j = 0; j < K; ++j) {
    for (int64_t k = j + 1; k < K; ++k) {
      gate_pair_block(W + j * d, W + k * d, d, block.data(), f);
      put(j, k);
      put(k, j);  // the block is symmetric: H_kj = H_jk^T = H_jk
    }
    diagonal_block(W, K, Wstar, Kstar, d, j, block.data());
    put(j, j);
  }
  return H;
}

PointAnalysis analyze_point(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                            double rel_tol) {
  PointAnalysis a;
  a.K = K, a.Kstar = Kstar, a.d = d;
  a.loss = population_loss(W, K, Wstar, Kstar, d);
  a.gradient.assign(static_cast<size_t>(K * d), 0.0);
  a.kink = kink_row(W, K, d);
  if (a.kink >= 0) {
    // Rows that are nonzero still have a gradient; the zero rows have none (reported as 0, norm NaN).
    for (int64_t j = 0; j < K; ++j) {
      if (norm_without_overflow(W + j * d, d) == 0) continue;
      double* row = a.gradient.data() + j * d;
      for (int64_t k = 0; k < K; ++k) add_gating_expectation(W + j * d, W + k * d, d, 1.0, row);
      for (int64_t m = 0; m < Kstar; ++m) add_gating_expectation(W + j * d, Wstar + m * d, d, -1.0, row);
    }
    a.gradient_norm = std::numeric_limits<double>::quiet_NaN();
    return a;
  }
  population_gradient(W, K, Wstar, Kstar, d, a.gradient.data());
  a.gradient_norm = norm(a.gradient.data(), K * d);
  a.hessian = population_hessian(W, K, Wstar, Kstar, d);
  a.eigen = symmetric_eigen(a.hessian, K * d);
  a.signature = signature(a.eigen.values, rel_tol);
  return a;
}

}  // namespace relumc
