// SPDX-License-Identifier: MIT
// The closed-form Hessian of the population loss J(W) = E l (docs/landscape.md), x ~ N(0, I_d), and a
// point's analysis: loss, gradient, Hessian, spectrum, signature.
//
// With theta = angle(u, v), s = sin(theta), u^ = u/|u|:
//   off-diagonal block  H_jk = E[1(w_j.x > 0) 1(w_k.x > 0) x x^T]
//                            = 1/(2 pi) [(pi - theta) I + s (m m^T - m_p m_p^T)],
//     m = (u^ + v^)/|u^ + v^|, m_p = (u^ - v^)/|u^ - v^| (the s term is dropped where s = 0: I/2 at theta = 0,
//     0 at theta = pi);
//   diagonal block      H_jj = I/2 + sum_{k != j} D(w_j, w_k) - sum_m D(w_j, w*_m),
//     D(u, v) = E[delta(u.x) relu(v.x) x x^T] = |v| s/(2 pi |u|) [(I - u^ u^T) + t t^T], t the unit vector of
//     v^'s part orthogonal to u^ (= (v^ - cos(theta) u^)/s), and D = 0 where s = 0.
// J is C^2 wherever every student row is nonzero. A zero row is a kink (the gate 1(w.x > 0) has no
// derivative there): these functions refuse it and the analysis reports it instead.
//
// Loss and gradient are the closed forms of relumc/math/closed_forms.hpp (population_loss,
// population_gradient); the angle is its atan2 form.
//
// Usage:
//   std::vector<double> H = relumc::population_hessian(W, K, Wstar, Kstar, d);   // (K d) x (K d)
//   relumc::PointAnalysis a = relumc::analyze_point(W, K, Wstar, Kstar, d, 1e-8);  // a.loss, a.eigen, ...
#pragma once

#include "relumc/landscape/eigen.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace relumc {

// The Hessian's off-diagonal block formula: the correct one, or a plausibly wrong one that the Monte
// Carlo check must reject (relumc/landscape/mc_check.hpp).
enum class HessianFormula { Exact, DropSin, ThetaSwap };
std::string_view to_string(HessianFormula f);

// The diagonal block formula: the correct one, or a plausibly wrong one that the Monte Carlo check of the
// diagonal blocks must reject: D's t t^T term dropped (DropTT), or the teacher terms added instead of
// subtracted (TeacherSign).
enum class DiagonalFormula { Exact, DropTT, TeacherSign };
std::string_view to_string(DiagonalFormula f);

// The first student row that is the zero vector (a kink of J), or -1 when there is none.
int64_t kink_row(const double* W, int64_t K, int64_t d);

// out (d x d, row-major) = E[1(u.x > 0) 1(v.x > 0) x x^T]. u and v nonzero.
void gate_pair_block(const double* u, const double* v, int64_t d, double* out, HessianFormula f = HessianFormula::Exact);

// out (d x d) += scale * D(u, v) = scale * E[delta(u.x) relu(v.x) x x^T]. u nonzero; v = 0 adds nothing.
// drop_tt: the t t^T term left out (a wrong formula, for the tests that must reject it).
void add_gate_delta_block(const double* u, const double* v, int64_t d, double scale, double* out, bool drop_tt = false);

// out (d x d) = the diagonal block H_jj = I/2 + sum_{k != j} D(w_j, w_k) - sum_m D(w_j, w*_m) (or a wrong one).
// Row j of W must be nonzero.
void diagonal_block(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, int64_t j, double* out,
                    DiagonalFormula f = DiagonalFormula::Exact);

// The (K d) x (K d) Hessian of J at W (K x d) against W* (K* x d), row-major, index j*d + a for row j,
// coordinate a. Throws InputError naming `student` when a student row is zero (a kink).
std::vector<double> population_hessian(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                                       HessianFormula f = HessianFormula::Exact);

// Everything the landscape commands report about one point.
struct PointAnalysis {
  int64_t K = 0, Kstar = 0, d = 0;
  double loss = 0;
  std::vector<double> gradient;  // K x d
  double gradient_norm = 0;      // Frobenius
  int64_t kink = -1;             // the first zero student row, or -1; then no Hessian below
  std::vector<double> hessian;   // (K d) x (K d); empty at a kink
  SymmetricEigen eigen;          // empty at a kink
  Signature signature;           // index, nullity under rel_tol * max |lambda|
};

// Loss, gradient and, away from a kink, the Hessian and its spectrum. At a kink the gradient of the
// zero row is set to 0 and gradient_norm is NaN (the gradient is undefined there).
PointAnalysis analyze_point(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                            double rel_tol);

}  // namespace relumc
