// SPDX-License-Identifier: MIT
// Fixed points of the (Q, M) summary-statistics flow (relumc/landscape/ode.hpp; docs/landscape.md, "ODE"):
// Levenberg-Marquardt on |f(x)|, then the spectrum of the Jacobian and the stability it gives.
#include "relumc/core/errors.hpp"
#include "relumc/landscape/eigen.hpp"
#include "relumc/landscape/ode.hpp"
#include "relumc/math/closed_forms.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace relumc {

std::string_view to_string(Stability s) {
  switch (s) {
    case Stability::Attractive: return "attractive";
    case Stability::Marginal: return "marginal";
    case Stability::Unstable: return "unstable";
  }
  return "?";
}

void check_fixed_point_options(const FixedPointOptions& o) {
  if (o.max_iterations < 0 || o.max_iterations > 100000)
    throw InputError("max_iterations", fmt::format("{} must be in [0, 100000]", o.max_iterations));
  if (!(o.field_tol > 0 && o.field_tol < 1)) throw InputError("field_tol", fmt::format("{} must be a number in (0, 1)", o.field_tol));
  if (!(o.eigen_tol > 0 && o.eigen_tol < 1)) throw InputError("eigen_tol", fmt::format("{} must be a number in (0, 1)", o.eigen_tol));
}

Stability stability_of(const std::vector<ComplexEigenvalue>& ev, double tol) {
  bool marginal = false;
  for (const ComplexEigenvalue& e : ev) {
    if (e.re > tol) return Stability::Unstable;
    if (e.re >= -tol) marginal = true;
  }
  return marginal ? Stability::Marginal : Stability::Attractive;
}

namespace {

double norm2(const std::vector<double>& v) { return v.empty() ? 0 : norm(v.data(), static_cast<int64_t>(v.size())); }

// Solves (A + mu I) z = b for the symmetric positive semidefinite A by Cholesky; false when a pivot is not above
// 1e-14 max diag A (singular to rounding: the caller raises mu).
bool cholesky_solve(std::vector<double> A, int64_t n, double mu, std::vector<double>& b) {
  double dmax = 0;
  for (int64_t i = 0; i < n; ++i) dmax = std::max(dmax, A[static_cast<size_t>(i * n + i)]);
  auto at = [&](int64_t i, int64_t j) -> double& { return A[static_cast<size_t>(i * n + j)]; };
  for (int64_t i = 0; i < n; ++i) at(i, i) += mu;
  for (int64_t j = 0; j < n; ++j) {
    double s = at(j, j);
    for (int64_t k = 0; k < j; ++k) s -= at(j, k) * at(j, k);
    if (!(s > 1e-14 * dmax)) return false;
    at(j, j) = std::sqrt(s);
    for (int64_t i = j + 1; i < n; ++i) {
      double t = at(i, j);
      for (int64_t k = 0; k < j; ++k) t -= at(i, k) * at(j, k);
      at(i, j) = t / at(j, j);
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    double t = b[static_cast<size_t>(i)];
    for (int64_t k = 0; k < i; ++k) t -= at(i, k) * b[static_cast<size_t>(k)];
    b[static_cast<size_t>(i)] = t / at(i, i);
  }
  for (int64_t i = n - 1; i >= 0; --i) {
    double t = b[static_cast<size_t>(i)];
    for (int64_t k = i + 1; k < n; ++k) t -= at(k, i) * b[static_cast<size_t>(k)];
    b[static_cast<size_t>(i)] = t / at(i, i);
  }
  return true;
}

}  // namespace

FixedPoint find_fixed_point(const std::vector<double>& x0, int64_t K, const std::vector<double>& P, int64_t Kstar,
                            const FixedPointOptions& o) {
  check_fixed_point_options(o);  // the sizes: summary_field's own check, below
  const int64_t n = summary_state_size(K, Kstar);
  FixedPoint r;
  r.x = x0;
  r.field_tol = o.field_tol * norm2(P);
  std::vector<double> f = summary_field(r.x, K, P, Kstar), jac, A(static_cast<size_t>(n * n)), g(static_cast<size_t>(n));
  double fn = norm2(f), mu = 0, dmax = 0;
  bool moved = true;
  auto check_stop = [&](const char* where) {
    if (o.stop && o.stop->load(std::memory_order_relaxed))
      throw Interrupted(fmt::format("stopped: the fixed-point search was interrupted {}", where));
  };
  while (r.iterations < o.max_iterations && fn > r.field_tol) {
    check_stop(fmt::format("at iteration {}", r.iterations + 1).c_str());
    ++r.iterations;
    if (o.done) o.done->fetch_add(1, std::memory_order_relaxed);
    if (moved) {  // A = J^T J, g = -J^T f
      jac = summary_jacobian(r.x, K, P, Kstar);
      dmax = 0;
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = i; j < n; ++j) {
          double s = 0;
          for (int64_t k = 0; k < n; ++k) s += jac[static_cast<size_t>(k * n + i)] * jac[static_cast<size_t>(k * n + j)];
          A[static_cast<size_t>(i * n + j)] = A[static_cast<size_t>(j * n + i)] = s;
        }
      for (int64_t i = 0; i < n; ++i) dmax = std::max(dmax, A[static_cast<size_t>(i * n + i)]);
      moved = false;
    }
    for (int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (int64_t k = 0; k < n; ++k) s += jac[static_cast<size_t>(k * n + i)] * f[static_cast<size_t>(k)];
      g[static_cast<size_t>(i)] = -s;
    }
    std::vector<double> delta = g;
    double ft_norm = fn;
    std::vector<double> trial, ft;
    if (dmax > 0 && cholesky_solve(A, n, mu, delta)) {
      trial = r.x;
      for (int64_t i = 0; i < n; ++i) trial[static_cast<size_t>(i)] += delta[static_cast<size_t>(i)];
      ft = summary_field(trial, K, P, Kstar);
      ft_norm = norm2(ft);
    }
    if (ft_norm < fn) {
      r.x.swap(trial);
      f.swap(ft);
      fn = ft_norm;
      moved = true;
      mu = mu / 10 < 1e-12 * dmax ? 0 : mu / 10;
    } else {
      mu = mu == 0 ? 1e-12 * dmax : mu * 10;
      if (!(mu <= 1e12 * dmax)) break;  // no step lowers |f|: a stall
    }
  }
  r.field_norm = fn;
  r.converged = fn <= r.field_tol;
  r.loss = summary_loss(r.x, K, P, Kstar);
  r.jacobian = summary_jacobian(r.x, K, P, Kstar);
  check_stop("before the Jacobian's eigenvalues");
  r.eigenvalues = general_eigenvalues(r.jacobian, n);
  double scale = 0;
  for (const ComplexEigenvalue& e : r.eigenvalues) scale = std::max(scale, std::hypot(e.re, e.im));
  r.eigen_tol = o.eigen_tol * scale;
  r.stability = stability_of(r.eigenvalues, r.eigen_tol);
  return r;
}

}  // namespace relumc
