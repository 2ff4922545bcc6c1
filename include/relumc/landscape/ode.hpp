// SPDX-License-Identifier: MIT
// Gradient flow in summary statistics (docs/landscape.md, "ODE"): the population loss J depends on W only through
// Q = W W^T (K x K), M = W W*^T (K x K*) and P = W* W*^T, and so does the flow dW/dt = -grad J mapped to (Q, M):
//   dM_jm/dt = sum_n I3(j, m*, n*) - sum_k I3(j, m*, k),
//   dQ_jl/dt = [sum_n I3(j, l, n*) - sum_k I3(j, l, k)] + [j <-> l],
// with I3(a, b, c) = E[1(l_a > 0) l_b relu(l_c)] for the Gaussian vector (l_a, l_b, l_c) = (u_a.x, u_b.x, u_c.x)
// (u: a student row, or a teacher row starred) of covariance C (Gram entries), in closed form
//   I3(C) = 1/(2 pi) [(pi - theta_ac) C_bc + C_ab sqrt(C_aa C_cc - C_ac^2) / C_aa],  theta_ac = angle(u_a, u_c),
// which is <E F(e_a, u_c), u_b> of closed form 1 (relumc/math/closed_forms.hpp) written in Gram entries, and
//   J = 1/2 [sum_jl kappa(Q_jj, Q_ll, Q_jl) - 2 sum_jm kappa(Q_jj, P_mm, M_jm) + sum_mn kappa(P_mm, P_nn, P_mn)],
//   kappa(a, b, c) = 1/(2 pi) [sqrt(ab - c^2) + c (pi - theta)],  theta = atan2(sqrt(ab - c^2), c),
// closed form 4 in Gram entries. These are the only Gram-entry forms; tests hold them to the vector forms.
//
// The state is x = (Q_jl for j <= l, row by row; then M row-major): K(K+1)/2 + K K* numbers. It is realisable
// (comes from some W in some R^d) exactly when the Gram matrix of (W; W*) is positive semidefinite; the flow is
// that of any d >= K + K*. Where a 3 x 3 covariance is singular (two rows parallel: coincident students, a
// student on a teacher row) the square root has a branch point: the field is continuous there and, on the
// realisable set, differentiable (the square-root term is O(h^(3/2)) along every realisable direction), but
// it has no smooth extension across; C_aa C_cc - C_ac^2 < 0 (outside the realisable set) is read as 0.
//
// Usage:
//   std::vector<double> x = relumc::summary_state(W, K, Ws, Ks, d);
//   std::vector<double> P = relumc::teacher_gram(Ws, Ks, d);
//   std::vector<double> f = relumc::summary_field(x, K, P, Ks);     // dx/dt
//   relumc::OdeRun r = relumc::integrate_flows(W, K, Ws, Ks, d, {});  // both flows, RK4
#pragma once

#include "relumc/landscape/eigen.hpp"

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

namespace relumc {

// The correct field, or a plausibly wrong one that the W-flow comparison must reject (tests).
enum class OdeFormula { Exact, ThetaSwap, DropSqrt };  // theta for pi - theta; the sqrt term dropped
std::string_view to_string(OdeFormula f);

// kappa(a, b, c) = E relu(u.x) relu(v.x), a = |u|^2, b = |v|^2, c = u.v.
double gram_kappa(double a, double b, double c);

// I3 and its partial derivatives in the five covariance entries it reads (C_bb is not read). same_ac: a and c
// are the same vector (C_aa C_cc - C_ac^2 is then 0 exactly, whatever the rounding of the entries). The
// derivatives are exact away from C_aa C_cc = C_ac^2; there the square-root term's derivative is its limit
// along realisable directions, 0 (see above). Wherever C_aa C_cc - C_ac^2 <= 16 eps C_aa C_cc (an angle below about
// 6e-8 rad: zero to the precision of the Gram entries) the square root is taken as 0: value and derivatives are
// those of the exact branch point (the value changes by O(C_aa C_cc - C_ac^2), below rounding; the Jacobian would
// otherwise carry sqrt(eps) noise at numerically found fixed points on branch points).
struct I3Value {
  double value = 0;
  double d_aa = 0, d_cc = 0, d_ab = 0, d_ac = 0, d_bc = 0;
};
I3Value gram_i3(double c_aa, double c_cc, double c_ab, double c_ac, double c_bc, bool same_ac,
                OdeFormula f = OdeFormula::Exact);

// Sizes and conversions. P is K* x K* row-major; Q K x K (full, symmetric); M K x K*.
int64_t summary_state_size(int64_t K, int64_t Kstar);
std::vector<double> summary_state(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d);
std::vector<double> teacher_gram(const double* Wstar, int64_t Kstar, int64_t d);
void unpack_summary_state(const std::vector<double>& x, int64_t K, int64_t Kstar, std::vector<double>& Q,
                          std::vector<double>& M);

// J(Q, M, P) and the field dx/dt of the flow dW/dt = -grad J (the convention of relumc's population_gradient).
double summary_loss(const std::vector<double>& x, int64_t K, const std::vector<double>& P, int64_t Kstar);
std::vector<double> summary_field(const std::vector<double>& x, int64_t K, const std::vector<double>& P, int64_t Kstar,
                                  OdeFormula f = OdeFormula::Exact);
// d(field)/dx, n x n row-major (row: the field's component), analytic from gram_i3's derivatives.
std::vector<double> summary_jacobian(const std::vector<double>& x, int64_t K, const std::vector<double>& P, int64_t Kstar);

// The smallest eigenvalue of the Gram matrix [[Q, M], [M^T, P]] over its largest |eigenvalue|: >= 0 (to rounding)
// exactly when x is realisable, i.e. the Gram matrix of some (W; W*).
double gram_min_eigenvalue(const std::vector<double>& x, int64_t K, const std::vector<double>& P, int64_t Kstar);

// Both flows from W0 by classical RK4 at the fixed step dt' = t_end / steps, steps = 2 ceil(t_end / (2 dt)) (global
// error O(dt'^4)): the (Q, M) flow from summary_state(W0) and the W flow dW/dt = -population_gradient, side by side.
// A second pair at 2 dt' (every other step) gives Richardson's estimate of each flow's error, |y_dt' - y_2dt'| / 15
// (RK4: err(2h) = 16 err(h)); the flows agree at a step when |x - x(W)|_inf <= 2 (est_x + est_W) + 1e-12 scale
// (scale: the largest Gram entry), the tolerance of the unit test.
struct OdeOptions {
  double t_end = 100;
  double dt = 0.05;
  int64_t samples = 201;  // recorded points, both ends included (at most steps + 1: fewer when the run is short)
  OdeFormula formula = OdeFormula::Exact;  // of the (Q, M) flow
  // Frontend hooks (may be null; the numbers never depend on them): done advances by one per step; stop is read
  // every step, and once set integrate_flows throws Interrupted.
  std::atomic<uint64_t>* done = nullptr;
  const std::atomic<bool>* stop = nullptr;
};
// Throws InputError naming the field: t_end in (0, 1e6], dt in (0, t_end], steps <= 1e7, samples in [2, 1e5].
void check_ode_options(const OdeOptions& o);

struct OdeRun {
  int64_t K = 0, Kstar = 0, d = 0, steps = 0;
  double dt = 0;                     // the step used
  std::vector<double> P;             // K* x K*
  std::vector<double> t;             // recorded times
  std::vector<std::vector<double>> x;       // the (Q, M) flow at t
  std::vector<std::vector<double>> x_of_w;  // the W flow at t, mapped to (Q, M)
  std::vector<double> loss, loss_w;  // summary_loss(x), population_loss(W)
  std::vector<double> W_end;         // K x d: the W flow at t_end
  double max_deviation = 0;          // max over every step of max_i |x_i - x_of_w_i|
  double max_deviation_rel = 0;      // max over every step of |x - x_of_w|_inf / max(|x_of_w|_inf, |P|_max)
  double max_error_estimate = 0;     // max over the even steps of est_x + est_W (Richardson, above)
  bool flows_agree = true;           // at every even step
  double first_disagreement_t = -1;  // the first step where they did not (-1: none)
  std::vector<double> gram_min;      // gram_min_eigenvalue(x) at t
  double min_gram_eigenvalue = 0;    // the minimum of gram_min (< 0 beyond rounding: x left the realisable set)
};
// Throws InputError on a zero student row (the flow is undefined at a kink) or a zero teacher row;
// std::runtime_error when the W flow drives a row to zero or a state becomes non-finite.
OdeRun integrate_flows(const double* W0, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, const OdeOptions& o);

// A zero of the field by Newton / Levenberg-Marquardt on the analytic Jacobian J: delta solves
// (J^T J + mu I) delta = -J^T f; mu = 0 first (the Newton step when J is invertible), raised (1e-12 max diag
// J^T J, then x10) while a step does not lower |f|, lowered (/10, then 0) after one that does.
struct FixedPointOptions {
  int max_iterations = 100;
  double field_tol = 1e-12;  // converged when |f|_2 <= field_tol * |P|_F (f is homogeneous of degree 1 in Gram entries)
  double eigen_tol = 1e-8;   // "marginal": |Re lambda| <= eigen_tol * max |lambda|
  // Frontend hooks (may be null; the numbers never depend on them): done advances by one per iteration; stop is
  // read before each iteration and before the eigenvalues (Interrupted).
  std::atomic<uint64_t>* done = nullptr;
  const std::atomic<bool>* stop = nullptr;
};
void check_fixed_point_options(const FixedPointOptions& o);

enum class Stability { Attractive, Marginal, Unstable };
std::string_view to_string(Stability s);
// Attractive: every Re lambda < -tol; unstable: some Re lambda > tol; marginal otherwise (some |Re lambda| <= tol).
Stability stability_of(const std::vector<ComplexEigenvalue>& ev, double tol);

struct FixedPoint {
  std::vector<double> x;             // where the search stopped
  double field_norm = 0;             // |f(x)|_2
  double field_tol = 0;              // absolute
  bool converged = false;
  int iterations = 0;
  double loss = 0;
  std::vector<double> jacobian;      // n x n at x
  std::vector<ComplexEigenvalue> eigenvalues;  // by descending real part
  double eigen_tol = 0;              // absolute: eigen_tol * max |lambda|
  Stability stability = Stability::Marginal;
};
FixedPoint find_fixed_point(const std::vector<double>& x0, int64_t K, const std::vector<double>& P, int64_t Kstar,
                            const FixedPointOptions& o);

}  // namespace relumc
