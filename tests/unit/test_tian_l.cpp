// SPDX-License-Identifier: MIT
// Tian's L_jj' (relumc/landscape/tian_l.hpp): values against an independent transcription of the author's
// utils.py (construct_M with acos of the clipped dot product, split, fig_L.py's
// diff = M*_off^T - M*_r^T solve(M_r, M_off^T)); L |w*| = 0 and the norm equations at in-plane critical
// points that the Newton search finds; the symmetries; bad input.
#include "relumc/core/errors.hpp"
#include "relumc/landscape/critical.hpp"
#include "relumc/landscape/tian_l.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

using namespace relumc;

namespace {

const double kPi = std::acos(-1.0);

// utils.py construct_M(es, es_ref) as written there: theta[k][i] = arccos(clip(<es_k, ref_i>)),
// M[k][i][j] = (pi - theta[k][i]) <es_k, ref_j> + sin(theta[k][i]) <ref_i, ref_j>, returned as [i][j][k].
// es: n vectors (2-D), ref: the two students.
std::vector<double> construct_m(const std::vector<std::array<double, 2>>& es, const std::array<double, 2> ref[2]) {
  const size_t n = es.size();
  std::vector<double> out(4 * n);  // [i][j][k]
  for (size_t k = 0; k < n; ++k)
    for (int i = 0; i < 2; ++i) {
      const double c = std::clamp(es[k][0] * ref[i][0] + es[k][1] * ref[i][1], -1.0, 1.0);
      const double th = std::acos(c);
      for (int j = 0; j < 2; ++j) {
        const double cj = es[k][0] * ref[j][0] + es[k][1] * ref[j][1];
        const double cij = ref[i][0] * ref[j][0] + ref[i][1] * ref[j][1];
        out[(static_cast<size_t>(i) * 2 + static_cast<size_t>(j)) * n + k] = (kPi - th) * cj + std::sin(th) * cij;
      }
    }
  return out;
}

// fig_L.py for students at angles 0, theta and one teacher at phi: returns {L_12, L_21}.
std::array<double, 2> reference_l(double theta, double phi) {
  const std::array<double, 2> es[2] = {{1, 0}, {std::cos(theta), std::sin(theta)}};
  const std::vector<double> M = construct_m({es[0], es[1]}, es);           // [i][j][k], n = 2
  const std::vector<double> Ms = construct_m({{std::cos(phi), std::sin(phi)}}, es);  // n = 1
  auto m = [&](int i, int j, int k) { return M[static_cast<size_t>((i * 2 + j) * 2 + k)]; };
  auto ms = [&](int i, int j) { return Ms[static_cast<size_t>(i * 2 + j)]; };
  // split: M_r[i][k] = M[i][i][k]; M_off rows (0,1), (1,0).
  const double Mr[2][2] = {{m(0, 0, 0), m(0, 0, 1)}, {m(1, 1, 0), m(1, 1, 1)}};
  const double Moff[2][2] = {{m(0, 1, 0), m(0, 1, 1)}, {m(1, 0, 0), m(1, 0, 1)}};
  const double Msr[2] = {ms(0, 0), ms(1, 1)};
  const double Msoff[2] = {ms(0, 1), ms(1, 0)};
  // coeffs = solve(M_r, M_off^T): 2 x 2, by Gaussian elimination with partial pivoting.
  double coeffs[2][2];
  for (int col = 0; col < 2; ++col) {
    double a[2][3] = {{Mr[0][0], Mr[0][1], Moff[col][0]}, {Mr[1][0], Mr[1][1], Moff[col][1]}};
    if (std::fabs(a[1][0]) > std::fabs(a[0][0])) std::swap(a[0], a[1]);
    const double f = a[1][0] / a[0][0];
    for (int c = 0; c < 3; ++c) a[1][c] -= f * a[0][c];
    coeffs[1][col] = a[1][2] / a[1][1];
    coeffs[0][col] = (a[0][2] - a[0][1] * coeffs[1][col]) / a[0][0];
  }
  // diff = M*_off^T - M*_r^T coeffs (one teacher: a 1 x 2 row).
  return {Msoff[0] - (Msr[0] * coeffs[0][0] + Msr[1] * coeffs[1][0]),
          Msoff[1] - (Msr[0] * coeffs[0][1] + Msr[1] * coeffs[1][1])};
}

double wrap(double a) {
  a = std::fmod(a, 2 * kPi);
  return a < 0 ? a + 2 * kPi : a;
}

}  // namespace

TEST(LandscapeTianL, MatchesTheAuthorsFormulas) {
  // fig_L.py's student angles 3 pi/8 and 7 pi/8, and a few more, at teacher angles all round.
  for (double theta : {3 * kPi / 8, 7 * kPi / 8, 0.05, 1.0, kPi / 2, 2.5, kPi})
    for (double phi : {0.0, 0.3, 1.0, 2.0, kPi, 4.0, 5.5, 2 * kPi}) {
      const TianL t = tian_l(theta, phi);
      const std::array<double, 2> ref = reference_l(theta, phi);
      // acos loses digits near 0 and pi (the reference's); 1e-9 is far below the values (order 1)
      EXPECT_NEAR(t.L[0], ref[0], 1e-9) << theta << " " << phi;
      EXPECT_NEAR(t.L[1], ref[1], 1e-9) << theta << " " << phi;
    }
  // One value worked by hand: theta = pi/2, phi = pi (teacher -e_1). angle(e_1, -e_1) = pi, angle(e_2, -e_1) =
  // pi/2. M_r = [[pi, 1], [1, pi]]; M*_r = (M_11(-e_1), M_22(-e_1)) = (0 + 0, (pi/2)(0) + 1) = (0, 1);
  // norms = M_r^-1 (0, 1) = (-1, pi)/(pi^2 - 1). M_off rows: M_12(e_1) = pi * 0 + 0 = 0, M_12(e_2) = pi/2 * 1 + 1 * 0
  // = pi/2; M_21(e_1) = pi/2, M_21(e_2) = 0. M*_12(-e_1) = 0 * 0 + 0 = 0, M*_21(-e_1) = (pi/2)(-1) + 1 * 0 = -pi/2.
  // L_12 = 0 - (pi/2) pi/(pi^2 - 1); L_21 = -pi/2 - (pi/2)(-1)/(pi^2 - 1).
  const TianL h = tian_l(kPi / 2, kPi);
  const double D = kPi * kPi - 1;
  EXPECT_NEAR(h.L[0], -(kPi / 2) * kPi / D, 1e-14);
  EXPECT_NEAR(h.L[1], -kPi / 2 + (kPi / 2) / D, 1e-14);
  EXPECT_NEAR(h.norms[0], -1 / D, 1e-15);
  EXPECT_NEAR(h.norms[1], kPi / D, 1e-15);
}

TEST(LandscapeTianL, VanishesWithTheTeacherOnAStudent) {
  // fig_verify.py draws the line phi = theta: a teacher on student 2 (or on student 1, phi = 0 or 2 pi) is
  // matched by that student alone (norms = a unit vector), and both off-diagonal equations hold.
  for (double theta : {0.2, 1.0, 3 * kPi / 8, 2.0, 3.0, kPi}) {
    for (double phi : {0.0, theta, 2 * kPi}) {
      const TianL t = tian_l(theta, phi);
      EXPECT_NEAR(t.L[0], 0, 1e-13) << theta << " " << phi;
      EXPECT_NEAR(t.L[1], 0, 1e-13) << theta << " " << phi;
    }
    const TianL t = tian_l(theta, theta);
    EXPECT_NEAR(t.norms[0], 0, 1e-13);
    EXPECT_NEAR(t.norms[1], 1, 1e-13);
  }
}

TEST(LandscapeTianL, SymmetricUnderSwappingTheStudents) {
  // Reflecting the plane about the bisector of e_1 and e_2 swaps the students and sends phi to theta - phi:
  // L_12(theta, phi) = L_21(theta, theta - phi). M_r is symmetric (utils.py relies on it: fig_L.py solves with
  // M_r where the derivation has M_r^T).
  for (double theta : {0.3, 3 * kPi / 8, 7 * kPi / 8, kPi})
    for (double phi : {0.0, 0.7, 2.0, 3.5, 5.0}) {
      const TianL a = tian_l(theta, phi), b = tian_l(theta, wrap(theta - phi));
      EXPECT_NEAR(a.L[0], b.L[1], 1e-12) << theta << " " << phi;
      EXPECT_NEAR(a.L[1], b.L[0], 1e-12) << theta << " " << phi;
      EXPECT_DOUBLE_EQ(a.M_r[0][1], a.M_r[1][0]);
      EXPECT_DOUBLE_EQ(a.M_r[0][0], kPi);
    }
}

TEST(LandscapeTianL, HoldsAtCriticalPointsNewtonFinds) {
  // In-plane critical points the Newton search reaches (d = 2): K = K* = 2 gives only the global minimum and
  // saddles with anti-parallel students (theta = pi, where L vanishes for every teacher: M_r = pi I and
  // M_off = -pi I, so L_12 = M*_12 + M*_11 = 0); K = 2 students against K* = 3 teachers in the plane give
  // minima at generic theta, where L's columns are not zero but L |w*| is. Rotate student 1 onto angle 0
  // (reflect when student 2 is clockwise of it); then the norm equations |w| = M_r^-1 M*_r |w*| and the
  // off-diagonal ones L |w*| = 0 hold to rounding.
  struct Case {
    std::vector<double> start, teacher;
    bool generic;  // theta in (0, pi): L's columns are nonzero
  };
  const std::vector<Case> cases = {
      {{-0.3, 1, -1, -1}, {1, 0, 0, 1}, false},
      {{0.2, 0.5, -0.4, -0.9}, {1, 0, std::cos(2.2), std::sin(2.2)}, false},
      {{1.1418668950596773, 1.556075086580311, -0.3052919356895851, 1.0554507466851684}, {1, 0, 0, 1, -0.6, 0.8}, true},
      {{2.5294631186374112, -0.6968949053317307, -0.7217705720150892, -0.5865578610564227}, {1, 0, 0, 1, 0.6, 0.5}, true},
      {{-1.1788417512306717, -1.1481606807908016, 0.6694689143859696, -2.293910094631911},
       {1, 0, std::cos(2.1), std::sin(2.1), std::cos(4.0), std::sin(4.0)}, true}};
  for (const Case& k : cases) {
    const int64_t Kstar = static_cast<int64_t>(k.teacher.size() / 2);
    const CriticalResult r = find_critical_point(k.start.data(), 2, k.teacher.data(), Kstar, 2, {});
    ASSERT_TRUE(r.kind == PointKind::Minimum || r.kind == PointKind::Saddle) << to_string(r.kind);
    EXPECT_GT(r.analysis.loss, 1e-3);  // not the global minimum (students on teachers)
    const double* w = r.student.data();
    const double n1 = std::hypot(w[0], w[1]), n2 = std::hypot(w[2], w[3]);
    const double a1 = std::atan2(w[1], w[0]);
    const double sign = w[0] * w[3] - w[1] * w[2] < 0 ? -1 : 1;  // student 2 counter-clockwise of student 1
    const double theta = std::min(kPi, std::acos(std::clamp((w[0] * w[2] + w[1] * w[3]) / (n1 * n2), -1.0, 1.0)));
    ASSERT_GT(theta, 1e-3);
    if (k.generic) EXPECT_LT(theta, kPi - 1e-3);
    else EXPECT_NEAR(theta, kPi, 1e-6);
    double L[2] = {0, 0}, norms[2] = {0, 0}, columns = 0;
    for (int64_t m = 0; m < Kstar; ++m) {
      const double* t = k.teacher.data() + 2 * m;
      const double tn = std::hypot(t[0], t[1]);
      const TianL l = tian_l(theta, wrap(sign * (std::atan2(t[1], t[0]) - a1)));
      for (int q = 0; q < 2; ++q) {
        L[q] += l.L[q] * tn;
        norms[q] += l.norms[q] * tn;
        columns += std::fabs(l.L[q]);
      }
    }
    EXPECT_NEAR(L[0], 0, 1e-10);
    EXPECT_NEAR(L[1], 0, 1e-10);
    EXPECT_NEAR(norms[0], n1, 1e-10);
    EXPECT_NEAR(norms[1], n2, 1e-10);
    if (k.generic) EXPECT_GT(columns, 1e-2);  // a real cancellation, not zero columns
    else EXPECT_LT(columns, 1e-12);
  }
}

TEST(LandscapeTianL, OneSignMeansNotCritical) {
  // The sign criterion: students at 0 and 3 pi/8, two teachers in the wedge between them (0 < phi < theta):
  // L_12 > 0 at both (fig_L.py's left panel), so L_12 |w*| > 0 for all positive norms and these student
  // directions are not those of a critical point. The gradient agrees: at the students' best norms it is not 0.
  const double theta = 3 * kPi / 8, p1 = 0.3, p2 = 0.9;
  const TianL a = tian_l(theta, p1), b = tian_l(theta, p2);
  ASSERT_GT(a.L[0], 0);
  ASSERT_GT(b.L[0], 0);
  const double W[4] = {a.norms[0] + b.norms[0], 0, (a.norms[1] + b.norms[1]) * std::cos(theta),
                       (a.norms[1] + b.norms[1]) * std::sin(theta)};
  const double T[4] = {std::cos(p1), std::sin(p1), std::cos(p2), std::sin(p2)};
  const PointAnalysis pa = analyze_point(W, 2, T, 2, 2, 1e-8);
  EXPECT_GT(pa.gradient_norm, 1e-3);
}

TEST(LandscapeTianL, SignIsThatOfTheStudentWedge) {
  // Observed over the map (and checked here on a 101 x 201 grid): for 0 < theta < pi both L_12 and L_21 are
  // > 0 when the teacher lies strictly inside the wedge between the students (0 < phi < theta) and < 0 when it
  // lies outside; the zero crossing is phi = theta (and phi = 0), the line fig_verify.py draws.
  const TianLMap m = tian_l_map(201, 101);
  int64_t checked = 0;
  for (int64_t k = 1; k + 1 < m.theta_steps; ++k)
    for (int64_t i = 0; i < m.phi_steps; ++i) {
      const double th = m.theta[static_cast<size_t>(k)], ph = m.phi[static_cast<size_t>(i)];
      if (std::min({std::fabs(ph - th), ph, 2 * kPi - ph}) < 1e-9) continue;
      const bool inside = ph < th;
      const size_t n = static_cast<size_t>(k * m.phi_steps + i);
      EXPECT_EQ(m.L12[n] > 0, inside) << th << " " << ph << " " << m.L12[n];
      EXPECT_EQ(m.L21[n] > 0, inside) << th << " " << ph << " " << m.L21[n];
      ++checked;
    }
  EXPECT_GT(checked, 19000);
}

TEST(LandscapeTianL, MapCoversTheGrid) {
  const TianLMap m = tian_l_map(9, 5);
  ASSERT_EQ(m.phi.size(), 9u);
  ASSERT_EQ(m.theta.size(), 5u);
  EXPECT_EQ(m.phi.back(), 2 * kPi);
  EXPECT_EQ(m.theta.back(), kPi);
  for (int64_t i = 0; i < 9; ++i) EXPECT_TRUE(std::isnan(m.L12[static_cast<size_t>(i)]));  // theta = 0
  const TianL t = tian_l(m.theta[2], m.phi[3]);
  EXPECT_EQ(m.L12[2 * 9 + 3], t.L[0]);
  EXPECT_EQ(m.L21[2 * 9 + 3], t.L[1]);
}

TEST(LandscapeTianL, RefusesBadInput) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (double theta : {0.0, -0.1, 3.2, nan, inf}) {
    try {
      tian_l(theta, 1.0);
      ADD_FAILURE() << theta;
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), "theta");
    }
  }
  for (double phi : {-1e-9, 6.3, nan, -inf}) {
    try {
      tian_l(1.0, phi);
      ADD_FAILURE() << phi;
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), "phi");
    }
  }
  EXPECT_THROW(tian_l_map(1, 10), InputError);
  EXPECT_THROW(tian_l_map(10, 5000), InputError);
}
