// SPDX-License-Identifier: MIT
// The Newton / Levenberg-Marquardt critical-point search and the classifier.
#include "relumc/landscape/critical.hpp"

#include "relumc/core/errors.hpp"
#include "relumc/dynamics/matching.hpp"
#include "relumc/math/closed_forms.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace relumc {

std::string_view to_string(PointKind k) {
  switch (k) {
    case PointKind::Minimum: return "minimum";
    case PointKind::Saddle: return "saddle";
    case PointKind::Degenerate: return "degenerate";
    case PointKind::Kink: return "kink";
    case PointKind::NotCritical: return "not-critical";
  }
  return "?";
}

namespace {
void check_stop(const CriticalOptions& o, const std::string& where) {
  if (o.stop && o.stop->load(std::memory_order_relaxed))
    throw Interrupted("stopped: the critical-point search was interrupted " + where);
}
}  // namespace

void check_critical_options(const CriticalOptions& o) {
  if (o.max_iterations < 0 || o.max_iterations > 100000)
    throw InputError("max_iterations", fmt::format("{} must be in [0, 100000]", o.max_iterations));
  auto positive = [](const char* field, double v) {
    if (!(v > 0) || !std::isfinite(v) || v >= 1)
      throw InputError(field, fmt::format("{} must be a number in (0, 1)", v));
  };
  positive("gradient_tol", o.gradient_tol);
  positive("eigen_tol", o.eigen_tol);
  positive("kink_tol", o.kink_tol);
}

int64_t count_k1(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, double min_norm) {
  std::vector<double> cost(static_cast<size_t>(K * Kstar), 1.0);  // 1 - |cos|: a zero row costs 1 everywhere
  for (int64_t j = 0; j < K; ++j)
    if (norm_without_overflow(W + j * d, d) > min_norm && norm(W + j * d, d) > 0)
      for (int64_t m = 0; m < Kstar; ++m)
        cost[static_cast<size_t>(j * Kstar + m)] = 1 - std::fabs(std::cos(angle(W + j * d, Wstar + m * d, d)));
  const Matching m = best_matching(cost, K, Kstar);
  int64_t k1 = 0;
  for (int64_t j = 0; j < K; ++j) {
    const int64_t t = m.perm[static_cast<size_t>(j)];
    if (t < 0 || norm_without_overflow(W + j * d, d) <= min_norm) continue;  // unmatched, or no direction
    if (dot(W + j * d, Wstar + t * d, d) < 0) ++k1;
  }
  return k1;
}

PointKind classify(const PointAnalysis& a, double gradient_tol_abs) {
  if (a.kink >= 0) return PointKind::Kink;
  if (!(a.gradient_norm <= gradient_tol_abs)) return PointKind::NotCritical;
  if (a.signature.index > 0) return PointKind::Saddle;
  if (a.signature.nullity > 0) return PointKind::Degenerate;
  return PointKind::Minimum;
}

namespace {

bool near_kink(const std::vector<double>& W, int64_t K, int64_t d, double kink_tol_abs) {
  for (int64_t j = 0; j < K; ++j)
    if (norm_without_overflow(W.data() + j * d, d) <= kink_tol_abs) return true;
  return false;
}

double gradient_norm(const std::vector<double>& W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                     std::vector<double>& g) {
  population_gradient(W.data(), K, Wstar, Kstar, d, g.data());
  return norm(g.data(), K * d);
}

}  // namespace

CriticalResult find_critical_point(const double* W0, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                                   const CriticalOptions& o) {
  check_critical_options(o);
  if (const int64_t m = kink_row(Wstar, Kstar, d); m >= 0)
    throw InputError("teacher", fmt::format("row {} is the zero vector", m));
  const int64_t n = K * d;
  const double scale = norm(Wstar, Kstar * d);
  CriticalResult r;
  r.gradient_tol = o.gradient_tol * scale;
  r.kink_tol = o.kink_tol * scale;
  r.student.assign(W0, W0 + n);
  std::vector<double> g(static_cast<size_t>(n)), g_try(static_cast<size_t>(n)), trial(static_cast<size_t>(n));
  if (!near_kink(r.student, K, d, r.kink_tol)) {
    double gn = gradient_norm(r.student, K, Wstar, Kstar, d, g);
    r.gradient_norms.push_back(gn);
    double mu = 0, lmax = 0;
    SymmetricEigen e;
    bool moved = true;  // the Hessian is recomputed only after an accepted step
    while (r.iterations < o.max_iterations && gn > r.gradient_tol) {
      check_stop(o, fmt::format("at iteration {}", r.iterations + 1));
      ++r.iterations;
      if (o.done) o.done->fetch_add(1, std::memory_order_relaxed);
      if (moved) {
        e = symmetric_eigen(population_hessian(r.student.data(), K, Wstar, Kstar, d), n);
        lmax = 0;
        for (double l : e.values) lmax = std::max(lmax, std::fabs(l));
        moved = false;
      }
      // delta = -V diag(lambda / (lambda^2 + mu)) V^T g
      std::vector<double> coeff(static_cast<size_t>(n), 0.0);
      for (int64_t c = 0; c < n; ++c) {
        double vg = 0;
        for (int64_t i = 0; i < n; ++i) vg += e.vectors[static_cast<size_t>(i * n + c)] * g[static_cast<size_t>(i)];
        const double l = e.values[static_cast<size_t>(c)];
        if (mu == 0 && std::fabs(l) <= 1e-14 * lmax) continue;  // least-norm Newton step on a flat direction
        coeff[static_cast<size_t>(c)] = l / (l * l + mu) * vg;
      }
      for (int64_t i = 0; i < n; ++i) {
        double step = 0;
        for (int64_t c = 0; c < n; ++c) step += e.vectors[static_cast<size_t>(i * n + c)] * coeff[static_cast<size_t>(c)];
        trial[static_cast<size_t>(i)] = r.student[static_cast<size_t>(i)] - step;
      }
      const bool kink = near_kink(trial, K, d, r.kink_tol);
      const double gt = kink ? gn : gradient_norm(trial, K, Wstar, Kstar, d, g_try);
      if (kink && mu > 1e6 * lmax * lmax) {  // even tiny steps head into the zero row: stop there
        r.student = trial;
        break;
      }
      if (!kink && gt < gn) {
        r.student.swap(trial);
        g.swap(g_try);
        gn = gt;
        r.gradient_norms.push_back(gn);
        moved = true;
        mu = mu / 10 < 1e-12 * lmax * lmax ? 0 : mu / 10;
      } else {
        mu = mu == 0 ? 1e-8 * lmax * lmax : mu * 10;
        if (mu > 1e12 * lmax * lmax) break;  // no step lowers |grad J|: a stall, reported as not-critical
      }
    }
  }
  check_stop(o, "before the final Hessian");
  r.analysis = analyze_point(r.student.data(), K, Wstar, Kstar, d, o.eigen_tol);
  if (near_kink(r.student, K, d, r.kink_tol) && r.analysis.kink < 0) {
    // Below kink_tol but not exactly zero: still a kink, and the Hessian there would only measure 1/|w_j|.
    for (int64_t j = 0; j < K; ++j)
      if (norm_without_overflow(r.student.data() + j * d, d) <= r.kink_tol) {
        r.analysis.kink = j;
        r.analysis.hessian.clear();
        r.analysis.eigen = SymmetricEigen{};
        r.analysis.signature = Signature{};
        break;
      }
  }
  r.kind = classify(r.analysis, r.gradient_tol);
  r.k1 = count_k1(r.student.data(), K, Wstar, Kstar, d, r.kink_tol);
  return r;
}

}  // namespace relumc
