// SPDX-License-Identifier: MIT
// The claims of the ready experiments (examples/landscape/*.sh; docs/landscape.md, "Experiments"):
//   out-of-plane critical point: a saddle whose students leave the teacher plane lies on an SO(d-2) orbit of
//     critical points; the Hessian's nullity is the orbit's dimension (derived: r(2n - r - 1)/2 for n = d - 2
//     and out-of-plane parts spanning r dimensions) for d = 4..7; the MC gradient is statistically zero there;
//   symmetric saddles: K students on the diagonal of K teachers (K = 2, 3): index (K-1)(d-1), nullity K-1,
//     the negative eigenvalue -sigma in closed form; negative curvature confirmed by Monte Carlo;
//   over-parameterised flat direction: a teacher row split c e_m, (1 - c) e_m: loss 0, gradient 0 for
//     0 < c < 1, nullity d (derived), the split direction exactly flat; for c < 0 or c > 1 not critical
//     (loss and gradient derived in closed form); Monte Carlo confirms both.
// Tolerances: closed-form identities to a few hundred ulps of the quantities (which are of order 1); the
// statistical tests are the engine's at fixed seeds.
#include "relumc/landscape/critical.hpp"
#include "relumc/landscape/eigen.hpp"
#include "relumc/landscape/hessian.hpp"
#include "relumc/landscape/mc_check.hpp"
#include "relumc/math/closed_forms.hpp"
#include "tests/support/landscape_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace relumc;
using relumc::testing::gaussian_matrix;
using relumc::testing::identity_rows;

namespace {

// dim SO(n) - dim SO(n - r): the orbit of r linearly independent vectors of R^n under SO(n) (the stabiliser
// of an r-dimensional subspace, pointwise, is SO(n - r) on its complement).
int64_t orbit_dimension(int64_t n, int64_t r) { return r * (2 * n - r - 1) / 2; }

// The rank of a set of vectors (rows of V, count x len): the number of eigenvalues of V V^T above 1e-10 of the largest.
int64_t rank_of(const std::vector<double>& V, int64_t count, int64_t len) {
  if (count == 0) return 0;
  std::vector<double> G(static_cast<size_t>(count * count));
  for (int64_t a = 0; a < count; ++a)
    for (int64_t b = 0; b < count; ++b) G[a * count + b] = dot(V.data() + a * len, V.data() + b * len, len);
  const SymmetricEigen e = symmetric_eigen(G, count);
  int64_t r = 0;
  for (double l : e.values) r += l > 1e-10 * std::max(1.0, e.values.back());
  return r;
}

// The tangent vectors of the SO(n) orbit at W (K x d, the rotations acting on coordinates first..d-1): one per
// generator A_ab = e_a e_b^T - e_b e_a^T, row j moved by A_ab p_j (p_j its coordinates first..d-1).
std::vector<double> orbit_tangents(const std::vector<double>& W, int64_t K, int64_t d, int64_t first, int64_t* count) {
  std::vector<double> T;
  *count = 0;
  for (int64_t a = first; a < d; ++a)
    for (int64_t b = a + 1; b < d; ++b) {
      std::vector<double> t(static_cast<size_t>(K * d), 0.0);
      for (int64_t j = 0; j < K; ++j) t[j * d + a] = W[j * d + b], t[j * d + b] = -W[j * d + a];
      T.insert(T.end(), t.begin(), t.end());
      ++*count;
    }
  return T;
}

// A rotation of coordinates first..d-1 (identity on the others): Givens rotations with angles from `seed` on
// every pair, applied to the rows of W. Products of Givens rotations are in SO(n).
std::vector<double> rotate_tail(std::vector<double> W, int64_t K, int64_t d, int64_t first, uint64_t seed) {
  const std::vector<double> angles = gaussian_matrix(1, d * d, seed, 2.0);
  for (int64_t a = first; a < d; ++a)
    for (int64_t b = a + 1; b < d; ++b) {
      const double t = angles[a * d + b], c = std::cos(t), s = std::sin(t);
      for (int64_t j = 0; j < K; ++j) {
        const double x = W[j * d + a], y = W[j * d + b];
        W[j * d + a] = c * x - s * y, W[j * d + b] = s * x + c * y;
      }
    }
  return W;
}

std::vector<double> matvec(const std::vector<double>& H, const std::vector<double>& v) {
  const int64_t n = static_cast<int64_t>(v.size());
  std::vector<double> out(static_cast<size_t>(n), 0.0);
  for (int64_t r = 0; r < n; ++r) out[r] = dot(H.data() + r * n, v.data(), n);
  return out;
}

// Teacher e_0, e_1 in R^d; the start of the out-of-plane search: two students with opposite parts along e_2.
std::vector<double> plane_teacher(int64_t d) {
  std::vector<double> T(static_cast<size_t>(2 * d), 0.0);
  T[0] = 1, T[d + 1] = 1;
  return T;
}
std::vector<double> out_of_plane_start(int64_t d) {
  std::vector<double> W(static_cast<size_t>(2 * d), 0.0);
  W[0] = W[1] = W[2] = 0.5;
  W[d] = W[d + 1] = 0.5, W[d + 2] = -0.5;
  return W;
}

std::vector<double> most_negative(const PointAnalysis& a) {
  const int64_t n = a.K * a.d;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = a.eigen.vectors[i * n];
  return v;
}

}  // namespace

// The derivation of the orbit dimension, checked by linear algebra: for r independent out-of-plane parts in
// R^n the tangent vectors A p_j of all generators A of so(n) span exactly r (2n - r - 1) / 2 dimensions.
TEST(LandscapeExperiments, OrbitDimensionOfOutOfPlaneParts) {
  for (int64_t n = 1; n <= 6; ++n)
    for (int64_t r = 0; r <= std::min<int64_t>(n, 3); ++r) {
      const int64_t K = 3, d = n + 2;
      // K rows whose parts outside the first two coordinates span r dimensions: combinations of r random vectors.
      const std::vector<double> B = gaussian_matrix(std::max<int64_t>(r, 1), n, 40 + static_cast<uint64_t>(n * 7 + r));
      const std::vector<double> C = gaussian_matrix(K, std::max<int64_t>(r, 1), 90 + static_cast<uint64_t>(r));
      std::vector<double> W(static_cast<size_t>(K * d), 0.0);
      for (int64_t j = 0; j < K; ++j) {
        W[j * d] = 1, W[j * d + 1] = 0.5;
        for (int64_t q = 0; q < r; ++q)
          for (int64_t c = 0; c < n; ++c) W[j * d + 2 + c] += C[j * std::max<int64_t>(r, 1) + q] * B[q * n + c];
      }
      int64_t count = 0;
      const std::vector<double> T = orbit_tangents(W, K, d, 2, &count);
      EXPECT_EQ(rank_of(T, count, K * d), orbit_dimension(n, r)) << "n=" << n << " r=" << r;
    }
  EXPECT_EQ(orbit_dimension(2, 1), 1);  // d = 4: a circle
  EXPECT_EQ(orbit_dimension(4, 2), 5);  // dim SO(4) - dim SO(2) = 6 - 1
}

// The out-of-plane saddle (Tian 2017: critical points outside the teacher plane are not isolated). From the start
// above Newton reaches w_{1,2} = a (e_0 + e_1) +- b e_2 (a = 0.5246, b = 0.4091) for every d: one out-of-plane
// direction (r = 1), so the orbit is the sphere S^(d-3) of that direction: dimension d - 3.
TEST(LandscapeExperiments, OutOfPlaneCriticalPointLiesOnAManifold) {
  for (int64_t d = 4; d <= 7; ++d) {
    const std::vector<double> T = plane_teacher(d), W0 = out_of_plane_start(d);
    const CriticalResult c = find_critical_point(W0.data(), 2, T.data(), 2, d, {});
    ASSERT_EQ(c.kind, PointKind::Saddle) << "d=" << d;
    const std::vector<double>& W = c.student;
    // Outside the plane: the out-of-plane parts are opposite and nonzero (rank r = 1).
    const double b = W[2];
    EXPECT_GT(std::fabs(b), 0.1);
    EXPECT_NEAR(W[d + 2], -b, 1e-12);
    EXPECT_NEAR(W[0], W[1], 1e-12);
    int64_t count = 0;
    std::vector<double> parts(static_cast<size_t>(2 * (d - 2)));
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t q = 0; q < d - 2; ++q) parts[j * (d - 2) + q] = W[j * d + 2 + q];
    const int64_t r = rank_of(parts, 2, d - 2);
    EXPECT_EQ(r, 1);
    // Nullity = orbit dimension; index 1.
    EXPECT_EQ(c.analysis.signature.index, 1) << "d=" << d;
    EXPECT_EQ(c.analysis.signature.nullity, orbit_dimension(d - 2, r)) << "d=" << d;
    EXPECT_EQ(c.analysis.signature.nullity, d - 3);
    // The orbit's tangents are null vectors and span the null space.
    const std::vector<double> tangents = orbit_tangents(W, 2, d, 2, &count);
    EXPECT_EQ(rank_of(tangents, count, 2 * d), d - 3);
    for (int64_t t = 0; t < count; ++t) {
      const std::vector<double> v(tangents.begin() + t * 2 * d, tangents.begin() + (t + 1) * 2 * d);
      const double nv = norm(v.data(), 2 * d);
      if (nv < 1e-8) continue;  // a generator that moves nothing (it acts where the parts are zero, to rounding)
      const std::vector<double> Hv = matvec(c.analysis.hessian, v);
      EXPECT_LT(norm(Hv.data(), 2 * d), 1e-10 * nv) << "d=" << d;
    }
    // Any rotation of the orthogonal complement keeps the gradient zero, the loss and the spectrum.
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      const std::vector<double> R = rotate_tail(W, 2, d, 2, seed);
      const PointAnalysis a = analyze_point(R.data(), 2, T.data(), 2, d, 1e-8);
      EXPECT_LT(a.gradient_norm, 1e-13) << "d=" << d;
      EXPECT_NEAR(a.loss, c.analysis.loss, 1e-15);
      for (size_t i = 0; i < a.eigen.values.size(); ++i) EXPECT_NEAR(a.eigen.values[i], c.analysis.eigen.values[i], 1e-12);
      EXPECT_EQ(a.signature.nullity, d - 3);
    }
    // The check can fail: a rotation that also moves the teacher plane (e_0 with e_2) leaves no critical point.
    std::vector<double> M = W;
    for (int64_t j = 0; j < 2; ++j) {
      const double x = M[j * d], z = M[j * d + 2];
      M[j * d] = std::cos(0.3) * x - std::sin(0.3) * z, M[j * d + 2] = std::sin(0.3) * x + std::cos(0.3) * z;
    }
    EXPECT_GT(analyze_point(M.data(), 2, T.data(), 2, d, 1e-8).gradient_norm, 1e-2);
    EXPECT_NEAR(c.analysis.loss, 0.0736129325276, 1e-12);  // the same point for every d
  }
}

// The Monte Carlo engine confirms the out-of-plane point: gradient statistically zero, loss, Hessian blocks and
// the negative curvature along the most negative eigenvector; on a rotated copy as well.
TEST(LandscapeExperiments, OutOfPlaneCriticalPointConfirmedByMonteCarlo) {
  const int64_t d = 4;
  const std::vector<double> T = plane_teacher(d), W0 = out_of_plane_start(d);
  const CriticalResult c = find_critical_point(W0.data(), 2, T.data(), 2, d, {});
  ASSERT_EQ(c.kind, PointKind::Saddle);
  for (uint64_t seed : {0u, 5u}) {
    const std::vector<double> W = seed == 0 ? c.student : rotate_tail(c.student, 2, d, 2, seed);
    const PointAnalysis a = analyze_point(W.data(), 2, T.data(), 2, d, 1e-8);
    McCheckOptions o;
    o.samples = 100000;
    o.seed = 21 + seed;
    o.curvature_direction = most_negative(a);
    const McCheck m = mc_check(W.data(), 2, T.data(), 2, d, o);
    ASSERT_EQ(m.tests.size(), 5u);
    for (const McTest& t : m.tests) EXPECT_TRUE(t.passed) << t.name << " p=" << t.p_value << " z=" << t.max_abs_z;
  }
}

// K students on the diagonal of K teachers (identity, d = K). Every row is w = |w| u, u = 1/sqrt(K). With theta
// = angle(u, e_m) (cos = 1/sqrt K, s = sin theta), grad_j = 0 gives |w| = [(pi - theta) sqrt K + K s] / (pi K).
// The Hessian is J_K (x) I/2 - I_K (x) S (off-diagonal blocks I/2 at theta = 0; D(w, w) = 0), with
// S = sum_m D(w, e_m) = sigma (I - u u^T), sigma = s (K + 1/s^2) / (2 pi |w|) (sum_m t_m t_m^T = (I - u u^T)/s^2).
// Eigenvalues: on z (x) v with z orthogonal to 1_K: -sigma (v orthogonal to u; multiplicity (K-1)(d-1)) and 0
// (v = u; multiplicity K-1: moving norm between coincident rows); on 1_K (x) v: K/2 - sigma (v orthogonal to u,
// d-1 times) and K/2 (v = u). K/2 - sigma > 0 at K = 2, 3 (0.404, 0.616), so index (K-1)(d-1), nullity K-1.
TEST(LandscapeExperiments, SymmetricSaddlesOnTheDiagonal) {
  for (int64_t K = 2; K <= 3; ++K) {
    const int64_t d = K, n = K * d;
    const std::vector<double> I = identity_rows(K);
    const std::vector<double> W0(static_cast<size_t>(n), 0.4);
    const CriticalResult c = find_critical_point(W0.data(), K, I.data(), K, d, {});
    ASSERT_EQ(c.kind, PointKind::Saddle) << "K=" << K;
    const double theta = std::acos(1 / std::sqrt(double(K))), s = std::sin(theta);
    const double w = ((kPi - theta) * std::sqrt(double(K)) + K * s) / (kPi * K);
    for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(c.student[i], w / std::sqrt(double(K)), 1e-12);
    const double sigma = s * (K + 1 / (s * s)) / (2 * kPi * w);
    EXPECT_GT(K / 2.0 - sigma, 0.3);
    EXPECT_EQ(c.analysis.signature.index, (K - 1) * (d - 1));
    EXPECT_EQ(c.analysis.signature.nullity, K - 1);
    const std::vector<double>& ev = c.analysis.eigen.values;
    for (int64_t i = 0; i < (K - 1) * (d - 1); ++i) EXPECT_NEAR(ev[i], -sigma, 1e-12) << "K=" << K;
    for (int64_t i = 0; i < d - 1; ++i) EXPECT_NEAR(ev[n - 2 - i], K / 2.0 - sigma, 1e-12) << "K=" << K;
    EXPECT_NEAR(ev[n - 1], K / 2.0, 1e-12);
    // Monte Carlo: every test of the check, the negative curvature along the most negative eigenvector included.
    McCheckOptions o;
    o.samples = 100000;
    o.seed = 30 + static_cast<uint64_t>(K);
    o.curvature_direction = most_negative(c.analysis);
    const McCheck m = mc_check(c.student.data(), K, I.data(), K, d, o);
    ASSERT_EQ(m.tests.size(), 5u);
    for (const McTest& t : m.tests) EXPECT_TRUE(t.passed) << "K=" << K << " " << t.name << " p=" << t.p_value;
    const McTest& curv = m.tests[4];
    EXPECT_LT(std::fabs(curv.estimate - curv.reference), 5 * std::fabs(curv.estimate) / curv.max_abs_z);
  }
}

// Over-parameterised: teacher e_0, e_1 (M = 2) in R^d, students c e_0, (1 - c) e_0, e_1 (K = 3).
//   0 < c < 1: relu(c e_0.x) + relu((1 - c) e_0.x) = relu(e_0.x), so the residual is 0 for every x: loss 0 and
//   gradient 0 (per sample, hence exactly in Monte Carlo). The Hessian is then E[phi phi^T] (phi_j = 1(w_j.x > 0) x):
//   delta is null iff sum_j 1(w_j.x > 0) delta_j.x = 0 for almost every x; the gates of distinct directions are
//   independent functions, so the null space is {delta_a + delta_b = 0, delta_other = 0}: nullity d. Along the
//   split (e_0, -e_0, 0) the loss stays 0 (exactly flat, kind "degenerate"); along (v, -v, 0), v orthogonal to e_0,
//   it is null to second order only: the loss grows like |t|^3 (J(2t) / J(t) -> 8).
//   c < 0: w_a points against e_0; the residual is |c| |e_0.x|: loss c^2 / 2, gradient rows a, b = -+|c| e_0 / 2 and
//   the other row |c| E[1(x_1 > 0) x_1] E|x_0| e_1 = |c| e_1 / pi: not critical. c > 1 is the same with a, b swapped
//   and |c - 1|. c = 0 and c = 1 are kinks (a zero row).
TEST(LandscapeExperiments, OverParameterisedFlatDirection) {
  for (int64_t d = 2; d <= 3; ++d) {
    const int64_t n = 3 * d;
    const std::vector<double> T = plane_teacher(d);
    auto point = [&](double c) {
      std::vector<double> W(static_cast<size_t>(n), 0.0);
      W[0] = c, W[d] = 1 - c, W[2 * d + 1] = 1;
      return W;
    };
    for (double c : {0.1, 0.25, 0.5, 0.75, 0.9}) {
      const std::vector<double> W = point(c);
      const PointAnalysis a = analyze_point(W.data(), 3, T.data(), 2, d, 1e-8);
      EXPECT_LT(std::fabs(a.loss), 1e-15);
      EXPECT_LT(a.gradient_norm, 1e-15);
      EXPECT_EQ(classify(a, 1e-12 * std::sqrt(2.0)), PointKind::Degenerate) << "c=" << c;
      EXPECT_EQ(a.signature.index, 0);
      EXPECT_EQ(a.signature.nullity, d) << "c=" << c;
      std::vector<double> split(static_cast<size_t>(n), 0.0);
      split[0] = 1, split[d] = -1;
      EXPECT_LT(norm(matvec(a.hessian, split).data(), n), 1e-14);
      for (double t : {-0.05, 0.02, 0.05}) EXPECT_LT(std::fabs(population_loss(point(c + t).data(), 3, T.data(), 2, d)), 1e-15);
      if (d == 3) {  // (v, -v, 0), v = e_2: null to second order, loss ~ |t|^3
        std::vector<double> perp(static_cast<size_t>(n), 0.0);
        perp[2] = 1, perp[d + 2] = -1;
        EXPECT_LT(norm(matvec(a.hessian, perp).data(), n), 1e-14);
        auto J = [&](double t) {
          std::vector<double> M = W;
          M[2] += t, M[d + 2] -= t;
          return population_loss(M.data(), 3, T.data(), 2, d);
        };
        const double small = 1e-3 * std::min(c, 1 - c);
        EXPECT_GT(J(small), 0);
        EXPECT_NEAR(J(2 * small) / J(small), 8.0, 0.1) << "c=" << c;
      }
    }
    for (double c : {-0.5, -0.2, 1.3, 1.6}) {
      const std::vector<double> W = point(c);
      const PointAnalysis a = analyze_point(W.data(), 3, T.data(), 2, d, 1e-8);
      const double e = c < 0 ? -c : c - 1, sign = c < 0 ? -1.0 : 1.0;  // |c| or c - 1; row a's sign
      EXPECT_NEAR(a.loss, e * e / 2, 1e-14) << "c=" << c;
      std::vector<double> g(static_cast<size_t>(n), 0.0);
      g[0] = sign * e / 2, g[d] = -sign * e / 2, g[2 * d + 1] = e / kPi;
      for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(a.gradient[i], g[i], 1e-14) << "c=" << c << " i=" << i;
      EXPECT_EQ(classify(a, 1e-12 * std::sqrt(2.0)), PointKind::NotCritical);
    }
    for (double c : {0.0, 1.0}) {
      const std::vector<double> W = point(c);
      EXPECT_EQ(classify(analyze_point(W.data(), 3, T.data(), 2, d, 1e-8), 1e-12), PointKind::Kink);
    }
  }
}

// Monte Carlo at the split: loss and gradient are zero per sample (the residual vanishes), so the engine's
// estimates are exactly 0 and pass; at c = -0.3 the same check rejects "gradient zero" (|grad| = 0.17, standard
// errors ~ 0.003 at N = 1e5) while the loss c^2 / 2 is confirmed.
TEST(LandscapeExperiments, FlatDirectionConfirmedByMonteCarlo) {
  const int64_t d = 3;
  const std::vector<double> T = plane_teacher(d);
  for (double c : {0.3, -0.3}) {
    std::vector<double> W(9, 0.0);
    W[0] = c, W[d] = 1 - c, W[2 * d + 1] = 1;
    McCheckOptions o;
    o.samples = 100000;
    o.seed = 41;
    const McCheck m = mc_check(W.data(), 3, T.data(), 2, d, o);
    ASSERT_EQ(m.tests.size(), 4u);
    EXPECT_EQ(m.tests[0].name, "gradient_zero");
    EXPECT_EQ(m.tests[0].passed, c > 0) << c;
    EXPECT_FALSE(m.tests[0].inconclusive);
    EXPECT_TRUE(m.tests[1].passed) << c;  // the loss: 0, or c^2 / 2
    EXPECT_TRUE(m.tests[2].passed && m.tests[3].passed) << c;  // the Hessian blocks
    // The residual is a rounding error per sample (eps |x|): the MC loss is of order eps^2.
    if (c > 0) { EXPECT_LT(std::fabs(m.tests[1].engine->estimate.mean[0]), 1e-28); }
  }
}
