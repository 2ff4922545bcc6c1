// SPDX-License-Identifier: MIT
// The loss landscape in closed form: the Hessian against finite differences of the closed-form gradient
// (the step sets the tolerance), the spectrum at the global minimum W = W* = I with its derived
// multiplicities, the eigen-solvers, Newton's quadratic convergence, the classifier (minimum, saddle, kink)
// and k1. The Monte Carlo checks and the census: test_landscape_mc.cpp.
#include "relumc/core/errors.hpp"
#include "relumc/landscape/critical.hpp"
#include "relumc/landscape/eigen.hpp"
#include "relumc/landscape/hessian.hpp"
#include "relumc/math/closed_forms.hpp"
#include "relumc/math/sample_contract.hpp"
#include "tests/support/landscape_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

using namespace relumc;
using relumc::testing::gaussian_matrix;
using relumc::testing::identity_rows;

namespace {

// Central differences of the closed-form gradient: column i of the Hessian.
std::vector<double> fd_hessian(std::vector<double> W, int64_t K, const std::vector<double>& Ws, int64_t Ks, int64_t d,
                               double h) {
  const int64_t n = K * d;
  std::vector<double> H(static_cast<size_t>(n * n)), gp(static_cast<size_t>(n)), gm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double w0 = W[i];
    W[i] = w0 + h;
    population_gradient(W.data(), K, Ws.data(), Ks, d, gp.data());
    W[i] = w0 - h;
    population_gradient(W.data(), K, Ws.data(), Ks, d, gm.data());
    W[i] = w0;
    for (int64_t r = 0; r < n; ++r) H[r * n + i] = (gp[r] - gm[r]) / (2 * h);
  }
  return H;
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace

// Central differences err by h^2/6 |g'''| (truncation) plus about eps |g| / h (rounding). At these points
// (order-1 rows, random angles) the measured error is about 5 h^2 (5e-8 at h = 1e-4), so the tolerance
// 100 (h^2 + eps/h) = 1e-6 leaves a factor 20, and a wrong block (an s/(2 pi) ~ 0.1 change) is far outside.
// The error also falls like h^2 (second test): an error that did not would be a wrong formula, not FD noise.
TEST(LandscapeHessian, MatchesFiniteDifferencesOfTheGradient) {
  const double h = 1e-4;
  const double tol = 100 * (h * h + std::numeric_limits<double>::epsilon() / h);
  struct Shape { int64_t K, Ks, d; };
  for (const Shape s : {Shape{2, 2, 2}, Shape{3, 2, 4}, Shape{2, 3, 3}, Shape{4, 4, 5}, Shape{1, 1, 3}})
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      const std::vector<double> W = gaussian_matrix(s.K, s.d, seed);
      const std::vector<double> Ws = gaussian_matrix(s.Ks, s.d, seed + 100);
      const std::vector<double> H = population_hessian(W.data(), s.K, Ws.data(), s.Ks, s.d);
      const std::vector<double> F = fd_hessian(W, s.K, Ws, s.Ks, s.d, h);
      EXPECT_LT(max_abs_diff(H, F), tol) << "K=" << s.K << " K*=" << s.Ks << " d=" << s.d << " seed=" << seed;
      if (s.K >= 2) {  // the check can fail: a wrong off-diagonal block is far outside the tolerance
        const std::vector<double> Hw =
            population_hessian(W.data(), s.K, Ws.data(), s.Ks, s.d, HessianFormula::DropSin);
        EXPECT_GT(max_abs_diff(Hw, F), 100 * tol);
      }
      for (size_t i = 0; i < H.size(); ++i) {  // symmetric by construction
        const size_t n = static_cast<size_t>(s.K * s.d), r = i / n, c = i % n;
        EXPECT_EQ(H[i], H[c * n + r]);
      }
    }
}

TEST(LandscapeHessian, FiniteDifferenceErrorFallsLikeTheStepSquared) {
  const std::vector<double> W = gaussian_matrix(3, 4, 2), Ws = gaussian_matrix(3, 4, 102);
  const std::vector<double> H = population_hessian(W.data(), 3, Ws.data(), 3, 4);
  const double e3 = max_abs_diff(H, fd_hessian(W, 3, Ws, 3, 4, 1e-3));
  const double e4 = max_abs_diff(H, fd_hessian(W, 3, Ws, 3, 4, 1e-4));
  EXPECT_GT(e3 / e4, 50) << e3 << " " << e4;  // h^2: 100
  EXPECT_LT(e3 / e4, 200);
}

TEST(LandscapeHessian, BlocksAtTheEndsOfTheAngleRange) {
  const double u[3] = {1, 2, 0.5}, same[3] = {2, 4, 1}, opposite[3] = {-1, -2, -0.5};
  double b[9];
  gate_pair_block(u, same, 3, b);  // theta = 0: both gates are the same gate, E[1 x x^T] = I/2
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(b[r * 3 + c], r == c ? 0.5 : 0.0, 1e-15);
  gate_pair_block(u, opposite, 3, b);  // theta = pi: the gates never open together
  for (double x : b) EXPECT_NEAR(x, 0.0, 1e-15);
  double D[9] = {};
  add_gate_delta_block(u, same, 3, 1.0, D);  // s = 0: relu(v.x) vanishes on u.x = 0
  add_gate_delta_block(u, opposite, 3, 1.0, D);
  for (double x : D) EXPECT_EQ(x, 0.0);
}

// At W = W* = I (K = K* = d = n), H = E[phi phi^T], phi_j = 1(w_j.x > 0) x: H_jj = I/2 (the D terms cancel:
// sum_{k != j} D(e_j, e_k) - sum_m D(e_j, e_m) = -D(e_j, e_j) = 0) and H_jk = I/4 + (e_j e_k^T + e_k e_j^T)/(2 pi)
// (theta = pi/2, m m^T - m_p m_p^T = e_j e_k^T + e_k e_j^T). As an operator on n x n matrices X (row j =
// student j): H X = (X + 1 1^T X)/4 + B X/(2 pi), (B X)_jj = tr X - X_jj, (B X)_ja = X_aj (a != j). It commutes
// with X -> P X P^T (permutations), so its eigenspaces follow the S_n decomposition of R^n (x) R^n
// = 2 triv + 3 std + (n-2, 2) + (n-2, 1, 1):
//   (n-2, 2):    symmetric off-diagonal X, zero row and column sums:   1/4 + 1/(2 pi), multiplicity n(n-3)/2
//   (n-2, 1, 1): antisymmetric X, zero row and column sums:            1/4 - 1/(2 pi), multiplicity (n-1)(n-2)/2
//   triv:  X = alpha I + beta (1 1^T - I): the 2 x 2 matrix T below, multiplicity 1 each
//   std:   X = x1 diag(c) + x2 (c_j [j != a]) + x3 (c_a [j != a]), sum c = 0: the 3 x 3 matrix S below,
//          multiplicity n - 1 each.
// (Needs n >= 3: at n = 2 the last two std copies coincide.) Total 2 + 3(n-1) + n(n-3)/2 + (n-1)(n-2)/2 = n^2.
namespace {

// Real roots of a polynomial known to have only real roots in [lo, hi], by bisection on a fine grid.
std::vector<double> real_roots(const std::function<double(double)>& p, double lo, double hi) {
  std::vector<double> roots;
  const int steps = 20000;
  for (int i = 0; i < steps; ++i) {
    double a = lo + (hi - lo) * i / steps, b = lo + (hi - lo) * (i + 1) / steps;
    if (p(a) == 0) roots.push_back(a);
    if ((p(a) < 0) == (p(b) < 0) || p(b) == 0) continue;
    for (int k = 0; k < 200; ++k) {
      const double m = (a + b) / 2;
      ((p(a) < 0) == (p(m) < 0) ? a : b) = m;
    }
    roots.push_back((a + b) / 2);
  }
  return roots;
}

}  // namespace

TEST(LandscapeHessian, SpectrumAtTheGlobalMinimumHasTheDerivedMultiplicities) {
  const double q = 1 / (2 * kPi);
  for (int64_t n = 3; n <= 6; ++n) {
    const double N = static_cast<double>(n);
    std::vector<double> expected;
    for (int64_t i = 0; i < n * (n - 3) / 2; ++i) expected.push_back(0.25 + q);
    for (int64_t i = 0; i < (n - 1) * (n - 2) / 2; ++i) expected.push_back(0.25 - q);
    const double T[2][2] = {{0.5 + (N - 1) * q, (N - 1) / 4}, {0.25, N / 4 + q}};
    for (double r : real_roots([&](double l) { return (T[0][0] - l) * (T[1][1] - l) - T[0][1] * T[1][0]; }, -1, N + 2))
      expected.push_back(r);
    const double S[3][3] = {{0.5 - q, -0.25, (N - 1) / 4}, {0, 0.25, q}, {0.25, -0.25 + q, N / 4}};
    auto det3 = [&](double l) {
      const double a = S[0][0] - l, e = S[1][1] - l, i = S[2][2] - l;
      return a * (e * i - S[1][2] * S[2][1]) - S[0][1] * (S[1][0] * i - S[1][2] * S[2][0]) +
             S[0][2] * (S[1][0] * S[2][1] - e * S[2][0]);
    };
    const std::vector<double> std_roots = real_roots(det3, -1, N + 2);
    ASSERT_EQ(std_roots.size(), 3u) << "n=" << n;
    for (double r : std_roots)
      for (int64_t i = 0; i < n - 1; ++i) expected.push_back(r);
    ASSERT_EQ(static_cast<int64_t>(expected.size()), n * n);
    std::sort(expected.begin(), expected.end());

    const std::vector<double> I = identity_rows(n);
    const PointAnalysis a = analyze_point(I.data(), n, I.data(), n, n, 1e-8);
    ASSERT_EQ(a.eigen.values.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(a.eigen.values[i], expected[i], 1e-12) << "n=" << n << " i=" << i;
    EXPECT_EQ(a.signature.index, 0);
    EXPECT_EQ(a.signature.nullity, 0);
    EXPECT_LT(a.gradient_norm, 1e-15);  // the closed form's rounding
    EXPECT_EQ(classify(a, 1e-12), PointKind::Minimum);
  }
}

TEST(LandscapeEigen, QlAndJacobiDecomposeRandomSymmetricMatrices) {
  for (int64_t n : {1, 2, 3, 7, 30, 65}) {
    std::vector<double> A = gaussian_matrix(n, n, 11 + static_cast<uint64_t>(n));
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < r; ++c) A[c * n + r] = A[r * n + c];
    if (n == 65) {  // repeated eigenvalues and a double zero: A = Q diag(0, 0, 1, 1, 2, 2, ...) Q^T, Q orthogonal
      const std::vector<double> Q = symmetric_eigen_jacobi(A, n).vectors;
      for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < n; ++c) {
          double x = 0;
          for (int64_t k = 0; k < n; ++k) x += Q[r * n + k] * std::floor(k / 2.0) * Q[c * n + k];
          A[r * n + c] = x;
        }
      for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < r; ++c) A[c * n + r] = A[r * n + c];
    }
    const SymmetricEigen q = symmetric_eigen(A, n), j = symmetric_eigen_jacobi(A, n);
    for (const SymmetricEigen* e : {&q, &j}) {
      double scale = 0;
      for (double l : e->values) scale = std::max(scale, std::fabs(l));
      EXPECT_TRUE(std::is_sorted(e->values.begin(), e->values.end()));
      for (int64_t c = 0; c < n; ++c)
        for (int64_t r = 0; r < n; ++r) {
          double av = 0, vv = 0;
          for (int64_t k = 0; k < n; ++k) {
            av += A[r * n + k] * e->vectors[k * n + c];
            vv += e->vectors[k * n + r] * e->vectors[k * n + c];
          }
          EXPECT_NEAR(av, e->values[c] * e->vectors[r * n + c], 1e-12 * scale) << "n=" << n;
          EXPECT_NEAR(vv, r == c ? 1.0 : 0.0, 1e-12) << "n=" << n;
        }
    }
    for (size_t i = 0; i < q.values.size(); ++i) EXPECT_NEAR(q.values[i], j.values[i], 1e-12 * (1 + std::fabs(j.values[i])));
  }
}

TEST(LandscapeEigen, QlAgreesWithJacobiOnHessians) {
  const std::vector<double> W = gaussian_matrix(5, 6, 21), T = gaussian_matrix(4, 6, 22);
  const std::vector<double> H = population_hessian(W.data(), 5, T.data(), 4, 6);
  const SymmetricEigen q = symmetric_eigen(H, 30), j = symmetric_eigen_jacobi(H, 30);
  for (size_t i = 0; i < q.values.size(); ++i) EXPECT_NEAR(q.values[i], j.values[i], 1e-13);
}

TEST(LandscapeEigen, SignatureUsesAScaleRelativeTolerance) {
  // Signature: scale-relative tolerance.
  const Signature s = signature({-2, -1e-9, 0, 1e-9, 3, 4}, 1e-8);
  EXPECT_EQ(s.index, 1);
  EXPECT_EQ(s.nullity, 3);
  EXPECT_EQ(s.positive, 2);
  EXPECT_DOUBLE_EQ(s.tolerance, 4e-8);
}

TEST(LandscapeCritical, NewtonConvergesQuadraticallyToTheTeacher) {
  const int64_t n = 4;
  const std::vector<double> I = identity_rows(n);
  std::vector<double> W0 = gaussian_matrix(n, n, 5, 0.05);
  for (size_t i = 0; i < W0.size(); ++i) W0[i] += I[i];
  const CriticalResult r = find_critical_point(W0.data(), n, I.data(), n, n, {});
  EXPECT_EQ(r.kind, PointKind::Minimum);
  EXPECT_EQ(r.k1, 0);
  EXPECT_LT(max_abs_diff(r.student, I), 1e-10);
  // Quadratic: g_{k+1} <= C g_k^2 with C ~ |H^-1| |H'| / 2 = O(10) here, for every step in the
  // asymptotic range; a linear method (g_{k+1} ~ rho g_k) breaks it once g_k < rho / C.
  int quadratic_steps = 0;
  for (size_t k = 0; k + 1 < r.gradient_norms.size(); ++k) {
    const double g = r.gradient_norms[k], next = r.gradient_norms[k + 1];
    if (g > 1e-2 || g < 1e-7) continue;  // before the basin, or where rounding takes over
    EXPECT_LT(next, 100 * g * g) << "step " << k << ": " << g << " -> " << next;
    ++quadratic_steps;
  }
  EXPECT_GE(quadratic_steps, 2);
  EXPECT_LE(r.iterations, 10);
}

// K = K* = 2 (teacher e_0, e_1), both students on the diagonal: the symmetry survives every Newton step, so
// the search lands on the symmetric critical point w_1 = w_2 = a (e_0 + e_1). There H_12 = I/2 (theta = 0) and
// H_jj = I/2 - sum_m D(w, e_m), so on (v, -v) the Hessian is -sum_m D(w, e_m): negative on the direction
// orthogonal to w (D is positive there), zero along w (moving norm from one coincident row to the other
// changes nothing). A saddle with index 1 and nullity 1, and the loss falls along the negative eigenvector.
TEST(LandscapeCritical, CoincidentStudentsSitAtASaddle) {
  const std::vector<double> I = identity_rows(2);
  const std::vector<double> W0 = {0.4, 0.4, 0.4, 0.4};
  const CriticalResult r = find_critical_point(W0.data(), 2, I.data(), 2, 2, {});
  ASSERT_EQ(r.kind, PointKind::Saddle) << to_string(r.kind);
  EXPECT_EQ(r.analysis.signature.index, 1);
  EXPECT_EQ(r.analysis.signature.nullity, 1);
  EXPECT_EQ(r.k1, 0);
  EXPECT_NEAR(r.student[0], r.student[2], 1e-12);
  EXPECT_NEAR(r.student[0], r.student[1], 1e-12);
  // The negative curvature is real: J decreases along the eigenvector, as lambda eps^2 / 2.
  const double lambda = r.analysis.eigen.values[0];
  EXPECT_LT(lambda, -1e-3);
  const double eps = 1e-3;
  std::vector<double> W = r.student;
  for (int64_t i = 0; i < 4; ++i) W[i] += eps * r.analysis.eigen.vectors[i * 4 + 0];
  const double dJ = population_loss(W.data(), 2, I.data(), 2, 2) - r.analysis.loss;
  EXPECT_NEAR(dJ, lambda * eps * eps / 2, 1e-3 * std::fabs(lambda) * eps * eps);
}

TEST(LandscapeCritical, ZeroRowIsAKink) {
  const std::vector<double> I = identity_rows(3);
  std::vector<double> W = I;
  W[3] = W[4] = W[5] = 0;  // row 1
  const PointAnalysis a = analyze_point(W.data(), 3, I.data(), 3, 3, 1e-8);
  EXPECT_EQ(a.kink, 1);
  EXPECT_TRUE(a.hessian.empty());
  EXPECT_TRUE(std::isnan(a.gradient_norm));
  EXPECT_EQ(classify(a, 1e-12), PointKind::Kink);
  EXPECT_THROW(population_hessian(W.data(), 3, I.data(), 3, 3), InputError);
  const CriticalResult r = find_critical_point(W.data(), 3, I.data(), 3, 3, {});
  EXPECT_EQ(r.kind, PointKind::Kink);
  EXPECT_EQ(r.iterations, 0);
}

TEST(LandscapeCritical, KOneCountsStudentsAntiAlignedWithTheirMatchedTeacher) {
  // The shape of a census spurious minimum (k = 6): five rows at their teacher rows, one near -0.6 e_2 with a
  // positive part along the other teachers. It is matched to e_2 and anti-aligned with it, though not with
  // every teacher row. With a second defect, a matching by distance would pair the two defects crosswise
  // (each has a positive part along the other's row) and count none; the |cos| matching counts both.
  const std::vector<double> I = identity_rows(6);
  std::vector<double> W = I;
  const double defect[6] = {0.22, 0.22, -0.6, 0.22, 0.22, 0.22};
  for (int64_t a = 0; a < 6; ++a) W[2 * 6 + a] = defect[a];
  EXPECT_EQ(count_k1(W.data(), 6, I.data(), 6, 6), 1);
  for (int64_t a = 0; a < 6; ++a) W[4 * 6 + a] = a == 4 ? -0.5 : 0.1;  // a second defect
  EXPECT_EQ(count_k1(W.data(), 6, I.data(), 6, 6), 2);
  EXPECT_EQ(count_k1(I.data(), 6, I.data(), 6, 6), 0);
  // K > K*: the spare student is unmatched and not counted, however it points.
  const std::vector<double> I2 = identity_rows(2), W3 = {1, 0, 0, 1, -1, -1};
  EXPECT_EQ(count_k1(W3.data(), 3, I2.data(), 2, 2), 0);
  const std::vector<double> tiny = {-1e-9, -1e-9};  // anti-aligned, but below min_norm: a kink, no direction
  EXPECT_EQ(count_k1(tiny.data(), 1, I2.data(), 1, 2), 1);
  EXPECT_EQ(count_k1(tiny.data(), 1, I2.data(), 1, 2, 1e-8), 0);
}

// One ReLU in d = 1 started on the wrong side: grad J = w/2 there (the teacher's gate never opens with the
// student's), so Newton heads straight for w = 0, the kink; the search reports it instead of crossing it.
TEST(LandscapeCritical, NewtonStopsAtTheKinkItIsDrivenTo) {
  const std::vector<double> T = {1}, W0 = {-0.5};
  const CriticalResult r = find_critical_point(W0.data(), 1, T.data(), 1, 1, {});
  EXPECT_EQ(r.kind, PointKind::Kink);
  EXPECT_LE(std::fabs(r.student[0]), r.kink_tol);
  EXPECT_EQ(r.k1, 0);
  EXPECT_TRUE(r.analysis.hessian.empty());
}

TEST(LandscapeCritical, OptionsAreChecked) {
  CriticalOptions o;
  o.eigen_tol = 0;
  EXPECT_THROW(check_critical_options(o), InputError);
  o = {};
  o.gradient_tol = std::nan("");
  try {
    check_critical_options(o);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "gradient_tol");
  }
}
