// SPDX-License-Identifier: MIT
// Eigenvalues of a general real matrix (relumc/landscape/eigen.hpp, general_eigenvalues): balancing, reduction
// to Hessenberg form and the shifted QR iteration (Numerical Recipes 2nd ed., 11.5-11.6).
#include "relumc/landscape/eigen.hpp"

#include "relumc/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace relumc {

// balanc + elmhes + hqr, 1-based inside.

namespace {

struct Matrix1 {  // (n + 1) x (n + 1), indices 1..n
  int64_t n;
  std::vector<double> v;
  explicit Matrix1(int64_t n_) : n(n_), v(static_cast<size_t>((n_ + 1) * (n_ + 1)), 0.0) {}
  double& operator()(int64_t i, int64_t j) { return v[static_cast<size_t>(i * (n + 1) + j)]; }
};

// Scales rows and columns by powers of 2 (exact) so that their norms are comparable: the similarity transform
// that makes the eigenvalues' rounding error relative to a balanced norm.
void balance(Matrix1& a) {
  const int64_t n = a.n;
  const double radix = 2, sqrdx = radix * radix;
  bool done = false;
  while (!done) {
    done = true;
    for (int64_t i = 1; i <= n; ++i) {
      double r = 0, c = 0;
      for (int64_t j = 1; j <= n; ++j)
        if (j != i) {
          c += std::fabs(a(j, i));
          r += std::fabs(a(i, j));
        }
      if (c == 0 || r == 0) continue;
      double g = r / radix, f = 1;
      const double s = c + r;
      while (c < g) f *= radix, c *= sqrdx;
      g = r * radix;
      while (c > g) f /= radix, c /= sqrdx;
      if ((c + r) / f < 0.95 * s) {
        done = false;
        g = 1 / f;
        for (int64_t j = 1; j <= n; ++j) a(i, j) *= g;
        for (int64_t j = 1; j <= n; ++j) a(j, i) *= f;
      }
    }
  }
}

// Upper Hessenberg form by elimination with pivoting (a similarity transform); entries below the subdiagonal
// are set to zero afterwards (elmhes leaves its multipliers there).
void hessenberg(Matrix1& a) {
  const int64_t n = a.n;
  for (int64_t m = 2; m < n; ++m) {
    double x = 0;
    int64_t i = m;
    for (int64_t j = m; j <= n; ++j)
      if (std::fabs(a(j, m - 1)) > std::fabs(x)) x = a(j, m - 1), i = j;
    if (i != m) {
      for (int64_t j = m - 1; j <= n; ++j) std::swap(a(i, j), a(m, j));
      for (int64_t j = 1; j <= n; ++j) std::swap(a(j, i), a(j, m));
    }
    if (x != 0)
      for (i = m + 1; i <= n; ++i) {
        double y = a(i, m - 1);
        if (y == 0) continue;
        y /= x;
        a(i, m - 1) = y;
        for (int64_t j = m; j <= n; ++j) a(i, j) -= y * a(m, j);
        for (int64_t j = 1; j <= n; ++j) a(j, m) += y * a(j, i);
      }
  }
  for (int64_t i = 3; i <= n; ++i)
    for (int64_t j = 1; j <= i - 2; ++j) a(i, j) = 0;
}

double sign_of(double a, double b) { return b >= 0 ? std::fabs(a) : -std::fabs(a); }

// Francis double-shift QR on the Hessenberg matrix a (destroyed): eigenvalues into wr, wi (1-based).
void hessenberg_qr(Matrix1& a, std::vector<double>& wr, std::vector<double>& wi) {
  const int64_t n = a.n;
  double anorm = 0;
  for (int64_t i = 1; i <= n; ++i)
    for (int64_t j = std::max<int64_t>(i - 1, 1); j <= n; ++j) anorm += std::fabs(a(i, j));
  int64_t nn = n, l = 1;
  double t = 0, p = 0, q = 0, r = 0, s = 0, w = 0, x = 0, y = 0, z = 0;
  while (nn >= 1) {
    int its = 0;
    do {
      for (l = nn; l >= 2; --l) {  // a small subdiagonal entry splits the matrix
        s = std::fabs(a(l - 1, l - 1)) + std::fabs(a(l, l));
        if (s == 0) s = anorm;
        if (std::fabs(a(l, l - 1)) + s == s) {
          a(l, l - 1) = 0;
          break;
        }
      }
      x = a(nn, nn);
      if (l == nn) {  // one root
        wr[static_cast<size_t>(nn)] = x + t;
        wi[static_cast<size_t>(nn--)] = 0;
      } else {
        y = a(nn - 1, nn - 1);
        w = a(nn, nn - 1) * a(nn - 1, nn);
        if (l == nn - 1) {  // two roots
          p = 0.5 * (y - x);
          q = p * p + w;
          z = std::sqrt(std::fabs(q));
          x += t;
          if (q >= 0) {  // a real pair
            z = p + sign_of(z, p);
            wr[static_cast<size_t>(nn - 1)] = wr[static_cast<size_t>(nn)] = x + z;
            if (z != 0) wr[static_cast<size_t>(nn)] = x - w / z;
            wi[static_cast<size_t>(nn - 1)] = wi[static_cast<size_t>(nn)] = 0;
          } else {  // a complex pair
            wr[static_cast<size_t>(nn - 1)] = wr[static_cast<size_t>(nn)] = x + p;
            wi[static_cast<size_t>(nn - 1)] = z;
            wi[static_cast<size_t>(nn)] = -z;
          }
          nn -= 2;
        } else {  // no root yet: a double-shift QR step
          if (its == 60) throw std::runtime_error("general_eigenvalues: the QR iteration did not converge");
          if (its == 10 || its == 20 || its == 40) {  // exceptional shift
            t += x;
            for (int64_t i = 1; i <= nn; ++i) a(i, i) -= x;
            s = std::fabs(a(nn, nn - 1)) + std::fabs(a(nn - 1, nn - 2));
            y = x = 0.75 * s;
            w = -0.4375 * s * s;
          }
          ++its;
          int64_t m = nn - 2;
          for (; m >= l; --m) {  // two consecutive small subdiagonal entries
            z = a(m, m);
            r = x - z;
            s = y - z;
            p = (r * s - w) / a(m + 1, m) + a(m, m + 1);
            q = a(m + 1, m + 1) - z - r - s;
            r = a(m + 2, m + 1);
            s = std::fabs(p) + std::fabs(q) + std::fabs(r);
            p /= s;
            q /= s;
            r /= s;
            if (m == l) break;
            const double u = std::fabs(a(m, m - 1)) * (std::fabs(q) + std::fabs(r));
            const double v = std::fabs(p) * (std::fabs(a(m - 1, m - 1)) + std::fabs(z) + std::fabs(a(m + 1, m + 1)));
            if (u + v == v) break;
          }
          for (int64_t i = m + 2; i <= nn; ++i) {
            a(i, i - 2) = 0;
            if (i != m + 2) a(i, i - 3) = 0;
          }
          for (int64_t k = m; k <= nn - 1; ++k) {  // the double QR step on rows l..nn, columns m..nn
            if (k != m) {
              p = a(k, k - 1);
              q = a(k + 1, k - 1);
              r = 0;
              if (k != nn - 1) r = a(k + 2, k - 1);
              if ((x = std::fabs(p) + std::fabs(q) + std::fabs(r)) != 0) {
                p /= x;
                q /= x;
                r /= x;
              }
            }
            if ((s = sign_of(std::sqrt(p * p + q * q + r * r), p)) != 0) {
              if (k == m) {
                if (l != m) a(k, k - 1) = -a(k, k - 1);
              } else {
                a(k, k - 1) = -s * x;
              }
              p += s;
              x = p / s;
              y = q / s;
              z = r / s;
              q /= p;
              r /= p;
              for (int64_t j = k; j <= nn; ++j) {
                p = a(k, j) + q * a(k + 1, j);
                if (k != nn - 1) {
                  p += r * a(k + 2, j);
                  a(k + 2, j) -= p * z;
                }
                a(k + 1, j) -= p * y;
                a(k, j) -= p * x;
              }
              const int64_t mmin = nn < k + 3 ? nn : k + 3;
              for (int64_t i = l; i <= mmin; ++i) {
                p = x * a(i, k) + y * a(i, k + 1);
                if (k != nn - 1) {
                  p += z * a(i, k + 2);
                  a(i, k + 2) -= p * r;
                }
                a(i, k + 1) -= p * q;
                a(i, k) -= p;
              }
            }
          }
        }
      }
    } while (l < nn - 1);
  }
}

}  // namespace

std::vector<ComplexEigenvalue> general_eigenvalues(const std::vector<double>& A, int64_t n) {
  if (n < 0 || static_cast<int64_t>(A.size()) != n * n)
    throw std::invalid_argument(fmt::format("general_eigenvalues: {} entries for n = {}", A.size(), n));
  Matrix1 a(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const double x = A[static_cast<size_t>(i * n + j)];
      if (!std::isfinite(x)) throw InputError(fmt::format("the matrix has a non-finite entry ({}, {}) = {}", i, j, x));
      a(i + 1, j + 1) = x;
    }
  std::vector<double> wr(static_cast<size_t>(n + 1), 0.0), wi(static_cast<size_t>(n + 1), 0.0);
  if (n > 0) {
    balance(a);
    hessenberg(a);
    hessenberg_qr(a, wr, wi);
  }
  std::vector<ComplexEigenvalue> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = {wr[static_cast<size_t>(i + 1)], wi[static_cast<size_t>(i + 1)]};
  std::stable_sort(out.begin(), out.end(), [](const ComplexEigenvalue& x, const ComplexEigenvalue& y) {
    return x.re != y.re ? x.re > y.re : x.im > y.im;
  });
  return out;
}

}  // namespace relumc
