// SPDX-License-Identifier: MIT
// Critical points of J: a Newton / Levenberg-Marquardt search on the closed-form gradient, and the
// classification of the point it reaches by the closed-form Hessian (docs/landscape.md).
//
// The search drives |grad J| to zero, so it is attracted to any critical point (minimum or saddle). Each
// iteration diagonalises the Hessian H = V diag(lambda) V^T and steps
//   delta = -V diag(lambda / (lambda^2 + mu)) V^T grad,
// the Levenberg-Marquardt step for the residual grad J (whose Jacobian is H). mu = 0 gives the Newton
// step (eigenvalues below 1e-14 max |lambda| are left out: the least-norm step on a flat direction); a
// step that does not lower |grad J| is refused and mu raised (to 1e-8 max lambda^2, then x10), an
// accepted one lowers mu (/10, then 0). Near a non-degenerate critical point the steps are Newton steps
// and |grad J| falls quadratically.
//
// Kinds: kink (some student row is, or the search drove it to, the zero vector), not-critical (the
// search stopped before |grad J| <= gradient_tol), saddle (index > 0: a direction of negative curvature),
// degenerate (index 0 but nullity > 0: the second-order test says nothing, e.g. a manifold of critical
// points), minimum (index 0, nullity 0: a strict local minimum).
//
// k1: the number of student rows anti-aligned with their own teacher row. Each student is given a teacher row
// by the exact assignment that maximises sum_j |cos angle(w_j, w*_pi(j))| (relumc/dynamics/matching.hpp, cost
// 1 - |cos|): the teacher row it is most (anti-)parallel to, one student per teacher row; k1 counts the rows
// with w_j . w*_pi(j) < 0. Unmatched students (K > K*) and zero rows are not counted. In the census's spurious
// minima (teacher = identity) a defect student sits near -c e_m plus a small positive part along the other
// teacher rows: anti-aligned with e_m, its own row, though not with every teacher row; the families come out
// as k1 = 1, 2, ... (A matching by distance or by signed overlap would pair two defects crosswise instead.)
//
// Usage:
//   relumc::CriticalResult r = relumc::find_critical_point(W0, K, Wstar, Kstar, d, {});
//   r.kind, r.k1, r.analysis.signature.index, r.student
#pragma once

#include "relumc/landscape/hessian.hpp"

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

namespace relumc {

enum class PointKind { Minimum, Saddle, Degenerate, Kink, NotCritical };
std::string_view to_string(PointKind k);

struct CriticalOptions {
  int max_iterations = 200;
  // Converged when |grad J|_F <= gradient_tol * |W*|_F (grad J is homogeneous of degree 1 in the weights).
  double gradient_tol = 1e-12;
  // Index and nullity under eigen_tol * max |lambda| (relumc/landscape/eigen.hpp, signature).
  double eigen_tol = 1e-8;
  // A student row with |w_j| <= kink_tol * |W*|_F counts as the zero row (a kink).
  double kink_tol = 1e-8;
  // Frontend hooks (may be null; the numbers never depend on them): done advances by one per iteration; stop is
  // read before each iteration and before the final analysis (Interrupted).
  std::atomic<uint64_t>* done = nullptr;
  const std::atomic<bool>* stop = nullptr;
};

// Throws InputError naming the field when an option is out of range.
void check_critical_options(const CriticalOptions& o);

struct CriticalResult {
  std::vector<double> student;  // K x d: where the search stopped
  PointAnalysis analysis;       // at student
  PointKind kind = PointKind::NotCritical;
  int64_t k1 = 0;
  int iterations = 0;                   // accepted and refused steps
  std::vector<double> gradient_norms;   // |grad J|_F at the start and after each accepted step
  double gradient_tol = 0;              // absolute: gradient_tol * |W*|_F
  double kink_tol = 0;                  // absolute
};

// Students anti-aligned with their matched teacher row (see above). Rows with |w_j| <= min_norm (a kink) have
// no direction and are not counted.
int64_t count_k1(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, double min_norm = 0);

// The kind of an analysed point: kink, then not-critical (gradient_norm above gradient_tol_abs), then
// by the signature.
PointKind classify(const PointAnalysis& a, double gradient_tol_abs);

// The search from W0 (K x d) against W* (K* x d). Teacher rows must be nonzero (InputError naming
// `teacher`); a zero start row is reported as a kink without a search.
CriticalResult find_critical_point(const double* W0, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                                   const CriticalOptions& o);

}  // namespace relumc
