// SPDX-License-Identifier: MIT
// The (Q, M) summary-statistics flow (relumc/landscape/ode.hpp, docs/landscape.md "ODE"): the Gram-entry closed
// forms against the vector ones; the field against the W gradient mapped to (Q, M); the analytic Jacobian against
// central differences; the integrated (Q, M) flow against the integrated W flow (and two wrong fields rejected by
// that comparison); fixed points at a census end point, at the global minimum and at the symmetric saddle, with
// their spectra; and the nonsymmetric eigen-solver on matrices of known spectrum.
#include "relumc/core/errors.hpp"
#include "relumc/landscape/census.hpp"
#include "relumc/landscape/critical.hpp"
#include "relumc/landscape/eigen.hpp"
#include "relumc/landscape/hessian.hpp"
#include "relumc/landscape/ode.hpp"
#include "relumc/math/closed_forms.hpp"
#include "tests/support/landscape_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <cstdio>
#include <string>
#include <limits>
#include <vector>

using namespace relumc;
using relumc::testing::gaussian_matrix;
using relumc::testing::identity_rows;

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double a : v) m = std::max(m, std::fabs(a));
  return m;
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

double fro(const std::vector<double>& v) { return norm(v.data(), static_cast<int64_t>(v.size())); }

// Every expected eigenvalue has a computed one within tol, and the counts agree.
void expect_spectrum(const std::vector<ComplexEigenvalue>& got, std::vector<std::complex<double>> want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (const ComplexEigenvalue& e : got) {
    auto it = std::min_element(want.begin(), want.end(), [&](const auto& a, const auto& b) {
      return std::abs(a - std::complex<double>(e.re, e.im)) < std::abs(b - std::complex<double>(e.re, e.im));
    });
    EXPECT_LE(std::abs(*it - std::complex<double>(e.re, e.im)), tol) << e.re << " + " << e.im << "i";
    want.erase(it);
  }
}

// The companion matrix of prod (z - r_i) (monic; last row -c_0 .. -c_{n-1}).
std::vector<double> companion(const std::vector<std::complex<double>>& roots) {
  std::vector<std::complex<double>> c{1};  // coefficients, lowest first
  for (const auto& r : roots) {
    std::vector<std::complex<double>> next(c.size() + 1, 0);
    for (size_t i = 0; i < c.size(); ++i) next[i + 1] += c[i], next[i] -= r * c[i];
    c = next;
  }
  const int64_t n = static_cast<int64_t>(roots.size());
  std::vector<double> A(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i + 1 < n; ++i) A[static_cast<size_t>(i * n + i + 1)] = 1;
  for (int64_t j = 0; j < n; ++j) A[static_cast<size_t>((n - 1) * n + j)] = -c[static_cast<size_t>(j)].real();
  return A;
}

// The field from the W gradient: d/dt (W W^T) = -(G W^T + W G^T), d/dt (W W*^T) = -G W*^T, packed as the state.
std::vector<double> field_from_gradient(const std::vector<double>& W, int64_t K, const std::vector<double>& Ws, int64_t Ks,
                                        int64_t d) {
  std::vector<double> G(static_cast<size_t>(K * d)), f;
  population_gradient(W.data(), K, Ws.data(), Ks, d, G.data());
  for (int64_t j = 0; j < K; ++j)
    for (int64_t l = j; l < K; ++l)
      f.push_back(-(dot(G.data() + j * d, W.data() + l * d, d) + dot(W.data() + j * d, G.data() + l * d, d)));
  for (int64_t j = 0; j < K; ++j)
    for (int64_t m = 0; m < Ks; ++m) f.push_back(-dot(G.data() + j * d, Ws.data() + m * d, d));
  return f;
}

// The scale of the field's rounding: the largest Gram entry.
double gram_scale(const std::vector<double>& x, const std::vector<double>& P) { return std::max(max_abs(x), max_abs(P)); }

}  // namespace

// ---- the nonsymmetric eigen-solver

// Backward stable: each eigenvalue is exact for A + E, |E| ~ n eps |A|, and moves by at most that times its condition
// number. Rotations are normal (|A| = 1): 1e-13. The companion matrices of these degree-6..8 polynomials (simple roots
// of modulus <= 4, coefficients <= 238) give n eps |A| <= 8 x 2.2e-16 x 238 = 4e-13; with eigenvalue condition
// numbers up to 100 the bound is 4e-11, and 1e-10 leaves a factor 2 (measured: 5e-15). The triangular matrix has a
// double eigenvalue (0.5, non-derogatory): a Jordan-like pair moves by about sqrt(eps |T|) ~ 1e-7 in the worst case.
TEST(LandscapeGeneralEigen, KnownSpectra) {
  EXPECT_TRUE(general_eigenvalues({}, 0).empty());
  expect_spectrum(general_eigenvalues({-3.5}, 1), {-3.5}, 0);
  for (double phi : {0.3, 1.0, 2.5, kPi / 2}) {
    const double c = std::cos(phi), s = std::sin(phi);
    expect_spectrum(general_eigenvalues({c, -s, s, c}, 2), {std::polar(1.0, phi), std::polar(1.0, -phi)}, 1e-13);
    // A 4-d rotation by phi in one plane and 2 phi in the other, conjugated by a permutation.
    const double c2 = std::cos(2 * phi), s2 = std::sin(2 * phi);
    const std::vector<double> R = {c, 0, -s, 0, 0, c2, 0, -s2, s, 0, c, 0, 0, s2, 0, c2};
    expect_spectrum(general_eigenvalues(R, 4),
                    {std::polar(1.0, phi), std::polar(1.0, -phi), std::polar(1.0, 2 * phi), std::polar(1.0, -2 * phi)}, 1e-13);
  }
  // Upper triangular with a random strict upper part: the diagonal, a repeated value included.
  const int64_t n = 9;
  std::vector<double> T = gaussian_matrix(n, n, 5);
  std::vector<std::complex<double>> diag;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < i; ++j) T[static_cast<size_t>(i * n + j)] = 0;
    const double v = i == 4 ? 0.5 : -2.0 + 0.5 * static_cast<double>(i);  // 0.5 twice (i = 4, 5)
    T[static_cast<size_t>(i * n + i)] = v;
    diag.emplace_back(v);
  }
  expect_spectrum(general_eigenvalues(T, n), diag, 1e-6);  // a double eigenvalue: error ~ sqrt(eps |T|) ~ 3e-8 |T|^(1/2)
  const std::vector<std::vector<std::complex<double>>> polys = {
      {1, 2, 3, -4, {1, 2}, {1, -2}},
      {-1, -0.5, {0.25, 3}, {0.25, -3}, 2.5, {-1, 1}, {-1, -1}},
      {{0, 1}, {0, -1}, {0.5, 0.5}, {0.5, -0.5}, 3, -3, 1.5, -1.5}};
  for (const auto& roots : polys) {
    const int64_t m = static_cast<int64_t>(roots.size());
    expect_spectrum(general_eigenvalues(companion(roots), m), roots, 1e-10);
  }
  // A symmetric matrix: real eigenvalues, those of the symmetric solver.
  std::vector<double> S = gaussian_matrix(12, 12, 9);
  for (int64_t i = 0; i < 12; ++i)
    for (int64_t j = 0; j < i; ++j) S[static_cast<size_t>(i * 12 + j)] = S[static_cast<size_t>(j * 12 + i)];
  const SymmetricEigen se = symmetric_eigen(S, 12);
  std::vector<std::complex<double>> want(se.values.begin(), se.values.end());
  expect_spectrum(general_eigenvalues(S, 12), want, 1e-12);
  // Sorted by descending real part, conjugate pairs (re, +im), (re, -im).
  const auto ev = general_eigenvalues(companion(polys[0]), 6);
  for (size_t i = 0; i + 1 < ev.size(); ++i) EXPECT_GE(ev[i].re, ev[i + 1].re);
  EXPECT_THROW(general_eigenvalues({1, 2, 3}, 2), std::invalid_argument);
  EXPECT_THROW(general_eigenvalues({1, std::nan(""), 3, 4}, 2), InputError);
}

// ---- closed forms in Gram entries

// Both sides are the same closed form evaluated along different roundings: agreement to 1e-13 relative.
TEST(LandscapeOde, GramFormsEqualTheVectorForms) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const int64_t d = 2 + static_cast<int64_t>(seed % 5);
    const std::vector<double> u = gaussian_matrix(3, d, seed);
    const double *a = u.data(), *b = u.data() + d, *c = u.data() + 2 * d;
    const double k = gram_kappa(dot(a, a, d), dot(c, c, d), dot(a, c, d));
    EXPECT_NEAR(k, arccos_kernel(a, c, d), 1e-13 * std::fabs(arccos_kernel(a, c, d)) + 1e-15);
    std::vector<double> F(static_cast<size_t>(d), 0.0);
    add_gating_expectation(a, c, d, 1.0, F.data());  // E[x 1(a.x > 0) relu(c.x)]
    const double want = dot(F.data(), b, d);
    const I3Value v = gram_i3(dot(a, a, d), dot(c, c, d), dot(a, b, d), dot(a, c, d), dot(b, c, d), false);
    EXPECT_NEAR(v.value, want, 1e-13 * (norm(a, d) + 1) * norm(b, d) * norm(c, d)) << seed;
  }
}

TEST(LandscapeOde, LossEqualsPopulationLoss) {
  struct Shape { int64_t K, Ks, d; };
  for (const Shape s : {Shape{1, 1, 2}, Shape{3, 3, 3}, Shape{4, 2, 5}, Shape{2, 5, 6}, Shape{6, 6, 6}})
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      const auto W = gaussian_matrix(s.K, s.d, 100 + seed), Ws = gaussian_matrix(s.Ks, s.d, 200 + seed);
      const auto x = summary_state(W.data(), s.K, Ws.data(), s.Ks, s.d);
      const auto P = teacher_gram(Ws.data(), s.Ks, s.d);
      const double want = population_loss(W.data(), s.K, Ws.data(), s.Ks, s.d);
      // Each of the (K + K*)^2 kernels is of order |w|^2 and carries a few ulps: 1e-13 of their scale.
      EXPECT_NEAR(summary_loss(x, s.K, P, s.Ks), want, 1e-13 * gram_scale(x, P) * static_cast<double>((s.K + s.Ks) * (s.K + s.Ks)));
    }
}

// ---- the field and its Jacobian

// d/dt (W W^T) and d/dt (W W*^T) from the closed-form gradient equal the (Q, M) field: the same sums in another
// order, so to about (K + K*) eps times the Gram scale per entry; 1e-12 relative leaves a wide margin. The wrong
// fields differ at order 1e-2 of the scale.
TEST(LandscapeOde, FieldEqualsTheGradientMappedToQM) {
  struct Shape { int64_t K, Ks, d; };
  for (const Shape s : {Shape{1, 1, 2}, Shape{2, 2, 2}, Shape{3, 3, 5}, Shape{4, 2, 7}, Shape{2, 4, 6}, Shape{6, 6, 6}})
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      const auto W = gaussian_matrix(s.K, s.d, 300 + seed), Ws = gaussian_matrix(s.Ks, s.d, 400 + seed);
      const auto x = summary_state(W.data(), s.K, Ws.data(), s.Ks, s.d);
      const auto P = teacher_gram(Ws.data(), s.Ks, s.d);
      const auto want = field_from_gradient(W, s.K, Ws, s.Ks, s.d);
      const double scale = std::max(max_abs(want), gram_scale(x, P));
      EXPECT_LE(max_abs_diff(summary_field(x, s.K, P, s.Ks), want), 1e-12 * scale) << s.K << " " << s.Ks << " " << s.d;
      for (OdeFormula f : {OdeFormula::ThetaSwap, OdeFormula::DropSqrt})
        EXPECT_GT(max_abs_diff(summary_field(x, s.K, P, s.Ks, f), want), 1e-3 * scale) << to_string(f);
    }
}

// Central differences err by h^2/6 |f'''| + eps |f| / h; with h = 1e-4 (relative to the Gram scale) the
// tolerance 100 (h^2 + eps / h) scale as in the Hessian test of test_landscape.cpp. Generic points only: the
// field has square-root branch points where two rows are parallel (ode.hpp).
TEST(LandscapeOde, JacobianMatchesCentralDifferences) {
  struct Shape { int64_t K, Ks, d; };
  for (const Shape s : {Shape{2, 2, 4}, Shape{3, 2, 5}, Shape{2, 3, 5}})
    for (uint64_t seed = 1; seed <= 2; ++seed) {
      const auto W = gaussian_matrix(s.K, s.d, 500 + seed), Ws = gaussian_matrix(s.Ks, s.d, 600 + seed);
      auto x = summary_state(W.data(), s.K, Ws.data(), s.Ks, s.d);
      const auto P = teacher_gram(Ws.data(), s.Ks, s.d);
      const int64_t n = summary_state_size(s.K, s.Ks);
      const double scale = gram_scale(x, P), h = 1e-4 * scale;
      const auto J = summary_jacobian(x, s.K, P, s.Ks);
      double err = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double x0 = x[static_cast<size_t>(i)];
        x[static_cast<size_t>(i)] = x0 + h;
        const auto fp = summary_field(x, s.K, P, s.Ks);
        x[static_cast<size_t>(i)] = x0 - h;
        const auto fm = summary_field(x, s.K, P, s.Ks);
        x[static_cast<size_t>(i)] = x0;
        for (int64_t r = 0; r < n; ++r)
          err = std::max(err, std::fabs((fp[static_cast<size_t>(r)] - fm[static_cast<size_t>(r)]) / (2 * h) -
                                        J[static_cast<size_t>(r * n + i)]));
      }
      EXPECT_LE(err, 100 * (1e-8 + kEps / 1e-4)) << s.K << " " << s.Ks << " seed " << seed;
    }
}

// ---- the two flows

// Both flows integrate the same trajectory (in two coordinate systems) by RK4: each end point errs by C dt^4,
// estimated by Richardson from the runs at dt and dt/2 (err(dt) ~ 16/15 |y_dt - y_dt/2|). Their difference at the
// end is at most the sum of the two errors: the test allows twice that plus 1e-12 of the scale for rounding, and
// the deviation must fall by a factor near 16 (within [8, 32]) when dt halves. A wrong field breaks both.
TEST(LandscapeOde, QMFlowMatchesTheWFlow) {
  const int64_t K = 3, Ks = 3, d = 5;
  const auto W0 = gaussian_matrix(K, d, 11, 1 / std::sqrt(5.0)), Ws = identity_rows(5);
  const std::vector<double> T(Ws.begin(), Ws.begin() + Ks * d);
  OdeOptions o;
  o.t_end = 20;
  o.samples = 11;
  o.dt = 0.2;
  const OdeRun a = integrate_flows(W0.data(), K, T.data(), Ks, d, o);
  o.dt = 0.1;
  const OdeRun b = integrate_flows(W0.data(), K, T.data(), Ks, d, o);
  EXPECT_EQ(a.steps, 100);
  ASSERT_EQ(a.t.size(), 11u);
  EXPECT_DOUBLE_EQ(a.t.back(), 20);
  const double scale = gram_scale(a.x.back(), a.P);
  double tol = 0;  // at the end: the comparison with the wrong fields below
  for (size_t i = 0; i < a.t.size(); ++i) {
    const double err_x = 16.0 / 15 * max_abs_diff(a.x[i], b.x[i]);
    const double err_w = 16.0 / 15 * max_abs_diff(a.x_of_w[i], b.x_of_w[i]);
    tol = 2 * (err_x + err_w) + 1e-12 * scale;
    EXPECT_LE(max_abs_diff(a.x[i], a.x_of_w[i]), tol) << "t = " << a.t[i];
    const double loss_tol = 2 * 16.0 / 15 * (std::fabs(a.loss[i] - b.loss[i]) + std::fabs(a.loss_w[i] - b.loss_w[i])) + 1e-12 * scale;
    EXPECT_LE(std::fabs(a.loss[i] - a.loss_w[i]), loss_tol) << "t = " << a.t[i];
  }
  const double dev_a = max_abs_diff(a.x.back(), a.x_of_w.back()), dev_b = max_abs_diff(b.x.back(), b.x_of_w.back());
  EXPECT_GT(dev_a / dev_b, 8);
  EXPECT_LT(dev_a / dev_b, 32);
  EXPECT_GT(a.max_deviation / b.max_deviation, 8);
  EXPECT_LT(a.max_deviation / b.max_deviation, 32);
  EXPECT_LT(a.loss.back(), a.loss.front());
  for (OdeFormula f : {OdeFormula::ThetaSwap, OdeFormula::DropSqrt}) {
    o.formula = f;
    o.dt = 0.2;
    const OdeRun w = integrate_flows(W0.data(), K, T.data(), Ks, d, o);
    EXPECT_GT(max_abs_diff(w.x.back(), w.x_of_w.back()), 1000 * tol) << to_string(f);
  }
}

TEST(LandscapeOde, RefusesBadOptionsAndKinks) {
  const auto W = gaussian_matrix(2, 2, 1), Ws = identity_rows(2);
  OdeOptions o;
  o.dt = 0;
  EXPECT_THROW(integrate_flows(W.data(), 2, Ws.data(), 2, 2, o), InputError);
  o = OdeOptions{};
  o.t_end = std::nan("");
  EXPECT_THROW(integrate_flows(W.data(), 2, Ws.data(), 2, 2, o), InputError);
  o = OdeOptions{};
  o.samples = 1;
  EXPECT_THROW(integrate_flows(W.data(), 2, Ws.data(), 2, 2, o), InputError);
  const std::vector<double> kink = {0, 0, 1, 0.5};
  EXPECT_THROW(integrate_flows(kink.data(), 2, Ws.data(), 2, 2, OdeOptions{}), InputError);
}

// ---- fixed points and their spectra

// At a critical point W the field is the image of grad J: |f(Q)|_F <= 2 |G|_F |W|_F and |f(M)|_F <= |G|_F |W*|_F,
// plus rounding. Newton stays: it moves by about |J^-1 f| <= |f| / sigma_min(J), sigma_min from J^T J. And since
// DF DPhi = -DPhi H at a critical point (differentiate F(Phi(W)) = -DPhi grad J) with DPhi injective when the
// teacher rows span R^d, every Hessian eigenvalue lambda gives the Jacobian eigenvalue -lambda (to 1e-8 of the scale).
TEST(LandscapeOde, CensusEndPointIsAFixedPoint) {
  CensusSpec s;  // test_landscape_mc.cpp: among these 50 starts one ends at a spurious minimum
  s.k = s.K = 6;
  s.runs = 50;
  s.seed = 1;
  const Census c = run_census(s);
  const auto Ws = identity_rows(6);
  const auto P = teacher_gram(Ws.data(), 6, 6);
  const CensusRun *global = nullptr, *spurious = nullptr;
  for (const CensusRun& r : c.runs) {
    if (r.global && !global) global = &r;
    if (r.spurious && !spurious) spurious = &r;
  }
  ASSERT_NE(global, nullptr);
  ASSERT_NE(spurious, nullptr);
  for (const CensusRun* run : {global, spurious}) {
    const CensusRun& r = *run;
    ASSERT_EQ(r.kind, PointKind::Minimum);
    const auto x = summary_state(r.student.data(), 6, Ws.data(), 6, 6);
    const auto f = summary_field(x, 6, P, 6);
    std::vector<double> G(36);
    population_gradient(r.student.data(), 6, Ws.data(), 6, 6, G.data());
    const double bound = (2 * fro(r.student) + fro(Ws)) * fro(G) + 1e-13 * gram_scale(x, P) * static_cast<double>(x.size());
    EXPECT_LE(fro(f), bound);
    const FixedPoint fp = find_fixed_point(x, 6, P, 6, {});
    EXPECT_TRUE(fp.converged);
    const auto JtJ = [&] {
      const int64_t n = static_cast<int64_t>(x.size());
      const auto J = summary_jacobian(x, 6, P, 6);
      std::vector<double> A(static_cast<size_t>(n * n), 0.0);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j)
          for (int64_t k = 0; k < n; ++k) A[static_cast<size_t>(i * n + j)] += J[static_cast<size_t>(k * n + i)] * J[static_cast<size_t>(k * n + j)];
      return symmetric_eigen(A, n);
    }();
    const double sigma_min = std::sqrt(std::max(JtJ.values.front(), 0.0));
    ASSERT_GT(sigma_min, 0);
    EXPECT_LE(max_abs_diff(fp.x, x), 2 * fro(f) / sigma_min + 1e-13 * gram_scale(x, P)) << "run " << r.run;
    EXPECT_NEAR(fp.loss, r.loss, 1e-12);
    const PointAnalysis a = analyze_point(r.student.data(), 6, Ws.data(), 6, 6, 1e-8);
    double scale = 0;
    for (const ComplexEigenvalue& e : fp.eigenvalues) scale = std::max(scale, std::hypot(e.re, e.im));
    for (double lambda : a.eigen.values) {
      double best = 1e300;
      for (const ComplexEigenvalue& e : fp.eigenvalues) best = std::min(best, std::hypot(e.re + lambda, e.im));
      EXPECT_LE(best, 1e-8 * scale) << "Hessian eigenvalue " << lambda;
    }
    if (run == global) { EXPECT_EQ(fp.stability, Stability::Attractive); }
    std::printf("  census run %lld (%s, loss %.6g): (Q, M) fixed point %s, largest Re lambda %.6g\n",
                static_cast<long long>(r.run), r.global ? "global" : "spurious", r.loss,
                std::string(to_string(fp.stability)).c_str(), fp.eigenvalues.front().re);
  }
}

// Q = M = P: the field vanishes (to rounding) and every eigenvalue has a negative real part, among them -lambda for
// the Hessian's eigenvalues at W* (1/4 - 1/(2 pi) the smallest, test_landscape.cpp).
TEST(LandscapeOde, GlobalMinimumIsAttractive) {
  for (int64_t n : {2, 3, 4}) {
    const auto Ws = gaussian_matrix(n, n, 700 + static_cast<uint64_t>(n));
    const auto x = summary_state(Ws.data(), n, Ws.data(), n, n);
    const auto P = teacher_gram(Ws.data(), n, n);
    EXPECT_LE(max_abs(summary_field(x, n, P, n)), 1e-14 * gram_scale(x, P) * static_cast<double>(4 * n));
    const FixedPoint fp = find_fixed_point(x, n, P, n, {});
    EXPECT_TRUE(fp.converged);
    EXPECT_EQ(fp.iterations, 0);
    EXPECT_EQ(fp.stability, Stability::Attractive) << n;
    for (const ComplexEigenvalue& e : fp.eigenvalues) EXPECT_LT(e.re, -fp.eigen_tol);
    EXPECT_NEAR(fp.loss, 0, 1e-14 * gram_scale(x, P) * static_cast<double>(4 * n * n));
  }
  const auto I = identity_rows(3);
  const auto P = teacher_gram(I.data(), 3, 3);
  const FixedPoint fp = find_fixed_point(summary_state(I.data(), 3, I.data(), 3, 3), 3, P, 3, {});
  double closest = 1e300;
  for (const ComplexEigenvalue& e : fp.eigenvalues) closest = std::min(closest, std::hypot(e.re + (0.25 - 1 / (2 * kPi)), e.im));
  EXPECT_LE(closest, 1e-12);
}

// The frontend hooks of the two searches after the flows: each iteration advances `done`, a stop request ends
// the search with Interrupted, and neither changes a number.
TEST(LandscapeOde, SearchesCountTheirIterationsAndStopOnRequest) {
  const std::vector<double> W0 = {0.4, 0.45, 0.42, 0.38}, Ws = identity_rows(2);
  const auto x = summary_state(W0.data(), 2, Ws.data(), 2, 2);
  const auto P = teacher_gram(Ws.data(), 2, 2);
  std::atomic<uint64_t> done{0};
  std::atomic<bool> stop{false};
  FixedPointOptions fo;
  fo.done = &done;
  fo.stop = &stop;
  const FixedPoint plain = find_fixed_point(x, 2, P, 2, {}), hooked = find_fixed_point(x, 2, P, 2, fo);
  ASSERT_GT(plain.iterations, 0);
  EXPECT_EQ(done.load(), static_cast<uint64_t>(plain.iterations));
  EXPECT_EQ(hooked.x, plain.x);
  CriticalOptions co;
  co.done = &done;
  co.stop = &stop;
  done = 0;
  const CriticalResult cplain = find_critical_point(W0.data(), 2, Ws.data(), 2, 2, {});
  const CriticalResult chooked = find_critical_point(W0.data(), 2, Ws.data(), 2, 2, co);
  ASSERT_GT(cplain.iterations, 0);
  EXPECT_EQ(done.load(), static_cast<uint64_t>(cplain.iterations));
  EXPECT_EQ(chooked.student, cplain.student);
  stop = true;
  EXPECT_THROW(find_fixed_point(x, 2, P, 2, fo), relumc::Interrupted);
  EXPECT_THROW(find_critical_point(W0.data(), 2, Ws.data(), 2, 2, co), relumc::Interrupted);
}

// Two students on the diagonal (docs/landscape.md): the symmetric saddle w_1 = w_2 = 0.534 (e_0 + e_1) is a fixed
// point of the (Q, M) flow with an eigenvalue of positive real part, -lambda_min of the Hessian.
TEST(LandscapeOde, SymmetricSaddleIsUnstable) {
  const std::vector<double> W0 = {0.4, 0.4, 0.4, 0.4}, Ws = identity_rows(2);
  const CriticalResult cr = find_critical_point(W0.data(), 2, Ws.data(), 2, 2, {});
  ASSERT_EQ(cr.kind, PointKind::Saddle);
  const auto x = summary_state(cr.student.data(), 2, Ws.data(), 2, 2);
  const auto P = teacher_gram(Ws.data(), 2, 2);
  EXPECT_LE(fro(summary_field(x, 2, P, 2)), 1e-13);
  const FixedPoint fp = find_fixed_point(x, 2, P, 2, {});
  EXPECT_TRUE(fp.converged);
  EXPECT_LE(max_abs_diff(fp.x, x), 1e-12);
  EXPECT_EQ(fp.stability, Stability::Unstable);
  const double lambda_min = cr.analysis.eigen.values.front();
  ASSERT_LT(lambda_min, 0);
  EXPECT_NEAR(fp.eigenvalues.front().re, -lambda_min, 1e-8);
  EXPECT_EQ(fp.eigenvalues.front().im, 0);
}
