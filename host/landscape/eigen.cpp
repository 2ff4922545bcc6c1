// SPDX-License-Identifier: MIT
// Householder tridiagonalisation and the implicit QL algorithm (EISPACK tred2 / tql2, in the form of the
// public-domain JAMA EigenvalueDecomposition), and cyclic Jacobi rotations as the slower reference (Golub
// and Van Loan, Algorithm 8.5.3, the rotation chosen by the stable formula for tan(phi)). General real
// matrices' eigenvalues are in host/landscape/eigen_general.cpp.
#include "relumc/landscape/eigen.hpp"

#include "relumc/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace relumc {

SymmetricEigen symmetric_eigen_jacobi(const std::vector<double>& A, int64_t n) {
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

SymmetricEigen symmetric_eigen(const std::vector<double>& A, int64_t n) {
  if (n < 0 || static_cast<int64_t>(A.size()) != n * n)
    throw std::invalid_argument(fmt::format("symmetric_eigen: {} entries for n = {}", A.size(), n));
  SymmetricEigen out;
  if (n == 0) return out;
  const size_t N = static_cast<size_t>(n);
  // V[i][j] with i the row: the upper triangle of A mirrored.
  std::vector<std::vector<double>> V(N, std::vector<double>(N));
  for (size_t i = 0; i < N; ++i)
    for (size_t j = 0; j < N; ++j) {
      const double x = A[std::min(i, j) * N + std::max(i, j)];
      if (!std::isfinite(x)) throw InputError(fmt::format("the matrix has a non-finite entry ({}, {}) = {}", i, j, x));
      V[i][j] = x;
    }
  std::vector<double> d(N), e(N);
  // tred2: Householder reduction to tridiagonal form, accumulating the transformations in V.
  for (size_t j = 0; j < N; ++j) d[j] = V[N - 1][j];
  for (size_t i = N - 1; i > 0; --i) {
    double scale = 0, h = 0;
    for (size_t k = 0; k < i; ++k) scale += std::fabs(d[k]);
    if (scale == 0) {
      e[i] = d[i - 1];
      for (size_t j = 0; j < i; ++j) {
        d[j] = V[i - 1][j];
        V[i][j] = 0;
        V[j][i] = 0;
      }
    } else {
      for (size_t k = 0; k < i; ++k) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      double f = d[i - 1], g = std::sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (size_t j = 0; j < i; ++j) e[j] = 0;
      for (size_t j = 0; j < i; ++j) {
        f = d[j];
        V[j][i] = f;
        g = e[j] + V[j][j] * f;
        for (size_t k = j + 1; k < i; ++k) {
          g += V[k][j] * d[k];
          e[k] += V[k][j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (size_t j = 0; j < i; ++j) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const double hh = f / (h + h);
      for (size_t j = 0; j < i; ++j) e[j] -= hh * d[j];
      for (size_t j = 0; j < i; ++j) {
        f = d[j];
        g = e[j];
        for (size_t k = j; k < i; ++k) V[k][j] -= (f * e[k] + g * d[k]);
        d[j] = V[i - 1][j];
        V[i][j] = 0;
      }
    }
    d[i] = h;
  }
  for (size_t i = 0; i + 1 < N; ++i) {
    V[N - 1][i] = V[i][i];
    V[i][i] = 1;
    const double h = d[i + 1];
    if (h != 0) {
      for (size_t k = 0; k <= i; ++k) d[k] = V[k][i + 1] / h;
      for (size_t j = 0; j <= i; ++j) {
        double g = 0;
        for (size_t k = 0; k <= i; ++k) g += V[k][i + 1] * V[k][j];
        for (size_t k = 0; k <= i; ++k) V[k][j] -= g * d[k];
      }
    }
    for (size_t k = 0; k <= i; ++k) V[k][i + 1] = 0;
  }
  for (size_t j = 0; j < N; ++j) {
    d[j] = V[N - 1][j];
    V[N - 1][j] = 0;
  }
  V[N - 1][N - 1] = 1;
  e[0] = 0;
  // tql2: implicit QL on the tridiagonal matrix (d, e), rotating V along.
  for (size_t i = 1; i < N; ++i) e[i - 1] = e[i];
  e[N - 1] = 0;
  double f = 0, tst1 = 0;
  const double eps = std::ldexp(1.0, -52);
  int iterations = 0;
  for (size_t l = 0; l < N; ++l) {
    tst1 = std::max(tst1, std::fabs(d[l]) + std::fabs(e[l]));
    size_t m = l;
    while (m < N) {
      if (std::fabs(e[m]) <= eps * tst1) break;
      ++m;
    }
    if (m > l) {
      do {
        if (++iterations > 60 * static_cast<int>(N)) throw std::runtime_error("symmetric_eigen: QL did not converge");
        double g = d[l];
        double p = (d[l + 1] - g) / (2 * e[l]);
        double r = std::hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (size_t i = l + 2; i < N; ++i) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1, c2 = c, c3 = c, s = 0, s2 = 0;
        const double el1 = e[l + 1];
        for (size_t ii = m; ii-- > l;) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[ii];
          h = c * p;
          r = std::hypot(p, e[ii]);
          e[ii + 1] = s * r;
          s = e[ii] / r;
          c = p / r;
          p = c * d[ii] - s * g;
          d[ii + 1] = h + s * (c * g + s * d[ii]);
          for (size_t k = 0; k < N; ++k) {
            h = V[k][ii + 1];
            V[k][ii + 1] = s * V[k][ii] + c * h;
            V[k][ii] = c * V[k][ii] - s * h;
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (std::fabs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  out.sweeps = iterations;
  std::vector<size_t> order(N);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return d[x] < d[y]; });
  out.values.resize(N);
  out.vectors.resize(N * N);
  for (size_t c = 0; c < N; ++c) {
    out.values[c] = d[order[c]];
    for (size_t r = 0; r < N; ++r) out.vectors[r * N + c] = V[r][order[c]];
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
