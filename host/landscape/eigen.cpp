// SPDX-License-Identifier: MIT
// Cyclic Jacobi rotations (Golub and Van Loan, Algorithm 8.5.3), with the rotation chosen by the stable
// formula for tan(phi) so that each rotation zeroes its entry without cancellation.
#include "relumc/landscape/eigen.hpp"

#include "relumc/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace relumc {

SymmetricEigen symmetric_eigen(const std::vector<double>& A, int64_t n) {
  if (n < 0 || static_cast<int64_t>(A.size()) != n * n)
    throw std::invalid_argument(fmt::format("symmetric_eigen: {} entries for n = {}", A.size(), n));
  std::vector<double> a(A.size()), v(A.size(), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const double x = A[static_cast<size_t>(std::min(i, j) * n + std::max(i, j))];
      if (!std::isfinite(x)) throw InputError(fmt::format("the matrix has a non-finite entry ({}, {}) = {}", i, j, x));
      a[static_cast<size_t>(i * n + j)] = x;
    }
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i * n + i)] = 1;
  auto at = [&](std::vector<double>& m, int64_t i, int64_t j) -> double& { return m[static_cast<size_t>(i * n + j)]; };
  double frob = 0;
  for (double x : a) frob += x * x;
  frob = std::sqrt(frob);
  SymmetricEigen out;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) off = std::max(off, std::fabs(at(a, p, q)));
    if (off <= 1e-15 * frob) break;
    out.sweeps = sweep + 1;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = at(a, p, q);
        if (apq == 0) continue;
        const double tau = (at(a, q, q) - at(a, p, p)) / (2 * apq);
        const double t = (tau >= 0 ? 1.0 : -1.0) / (std::fabs(tau) + std::sqrt(1 + tau * tau));
        const double c = 1 / std::sqrt(1 + t * t), s = t * c;
        for (int64_t k = 0; k < n; ++k) {  // A <- A J (columns p, q)
          const double akp = at(a, k, p), akq = at(a, k, q);
          at(a, k, p) = c * akp - s * akq;
          at(a, k, q) = s * akp + c * akq;
        }
        for (int64_t k = 0; k < n; ++k) {  // A <- J^T A (rows p, q)
          const double apk = at(a, p, k), aqk = at(a, q, k);
          at(a, p, k) = c * apk - s * aqk;
          at(a, q, k) = s * apk + c * aqk;
        }
        at(a, p, q) = at(a, q, p) = 0;
        for (int64_t k = 0; k < n; ++k) {  // V <- V J
          const double vkp = at(v, k, p), vkq = at(v, k, q);
          at(v, k, p) = c * vkp - s * vkq;
          at(v, k, q) = s * vkp + c * vkq;
        }
      }
  }
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return at(a, x, x) < at(a, y, y); });
  out.values.resize(static_cast<size_t>(n));
  out.vectors.resize(A.size());
  for (int64_t c = 0; c < n; ++c) {
    const int64_t src = order[static_cast<size_t>(c)];
    out.values[static_cast<size_t>(c)] = at(a, src, src);
    for (int64_t r = 0; r < n; ++r) out.vectors[static_cast<size_t>(r * n + c)] = at(v, r, src);
  }
  return out;
}

Signature signature(const std::vector<double>& eigenvalues, double rel_tol) {
  Signature s;
  s.rel_tol = rel_tol;
  for (double l : eigenvalues) s.scale = std::max(s.scale, std::fabs(l));
  s.tolerance = rel_tol * s.scale;
  for (double l : eigenvalues) {
    if (l < -s.tolerance) ++s.index;
    else if (l <= s.tolerance) ++s.nullity;
    else ++s.positive;
  }
  return s;
}

}  // namespace relumc
