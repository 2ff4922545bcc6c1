// SPDX-License-Identifier: MIT
// Closed forms of docs/mathematics.md, closed forms 1-4 against an independent, deterministic computation: numerical
// integration over the plane spanned by the vectors, x ~ N(0, I). No Monte Carlo here.
//
// Why the plane suffices: for x ~ N(0, I_d) the coordinates of x orthogonal to the span of the
// vectors are independent of every gate and have mean zero, so each d-dimensional expectation is the
// 2-D one embedded in R^d. We check both a genuinely 2-D case and a d = 7 embedding through an
// orthonormal pair (p, q) that is not axis aligned.
//
// Quadrature: polar coordinates x = r (cos phi, sin phi), density r exp(-r^2/2) / (2 pi) dr dphi.
// The circle is split at every kink phi where a gate 1(v.x > 0) switches (phi = arg v +- pi/2), so on
// each arc the integrand is a trigonometric polynomial of degree <= 3 in phi times r^2 (quantities are
// homogeneous of degree 2 in x), against the smooth radial weight:
// Gauss-Legendre is then spectrally accurate on every arc, however short (kinks 1e-8 apart included).
// The radial part is integrated numerically too (composite Gauss-Legendre on [0, 13]).
#include "relumc/math/closed_forms.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace {

using relumc::Formula;
using relumc::kPi;
using Vec = std::vector<double>;
using V2 = std::array<double, 2>;

// Tolerance relative to the natural magnitude of each quantity (|w|, |w| + |w*|, |u||v|, ...).
// The quadrature reproduces known moments to 1e-15 (QuadratureSelfCheck; truncation is below 1e-30,
// what remains is rounding) and agrees with the correct closed forms to ~3e-16, so 1e-10 leaves five
// orders of margin for other compilers and flags, while every wrong formula misses by more than 1e-2
// (WrongVariantsAreRejected).
constexpr double kTol = 1e-10;

// ---------------------------------------------------------------------------------------------
// Quadrature

struct Rule {
  std::vector<double> x, w;  // nodes and weights on [-1, 1]
};

// Gauss-Legendre by Newton iteration on P_n, in long double so that nodes and weights are correct
// to the last bit of a double.
Rule gauss_legendre(int n) {
  using LD = long double;
  const auto legendre = [n](LD x, LD& dp) {  // P_n(x), and P_n'(x) in dp
    LD p0 = 1, p1 = x;
    for (int k = 2; k <= n; ++k) {
      const LD p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    dp = n * (x * p1 - p0) / (x * x - 1);
    return p1;
  };
  Rule g;
  for (int i = 0; i < n; ++i) {
    LD x = std::cos(static_cast<LD>(kPi) * (i + 0.75L) / (n + 0.5L)), dp = 0;
    for (int it = 0; it < 100; ++it) {
      const LD dx = legendre(x, dp) / dp;
      x -= dx;
      if (std::fabs(dx) < 1e-19L) break;
    }
    legendre(x, dp);
    g.x.push_back(static_cast<double>(x));
    g.w.push_back(static_cast<double>(2 / ((1 - x * x) * dp * dp)));
  }
  return g;
}

// Radial cut-off: the neglected tail of E r^2 is (R^2 + 2) exp(-R^2/2) ~ 3e-35 at R = 13.
constexpr double kRadius = 13;
constexpr int kRadialPanels = 13;  // panels of length 1: r^3 exp(-r^2/2) is smooth on each
constexpr int kRadialNodes = 16;
constexpr int kAngularNodes = 24;  // exact for degree 47; a degree-3 trig polynomial on an arc <= pi
                                   // is then resolved to far below 1e-16

double dot2(const V2& a, const V2& b) { return a[0] * b[0] + a[1] * b[1]; }

// On one arc every gate is constant; read it at the arc's midpoint m (never at a kink).
double gate(const V2& v, const V2& m) { return dot2(v, m) > 0 ? 1.0 : 0.0; }
double relu_on_arc(const V2& v, const V2& x, const V2& m) { return dot2(v, m) > 0 ? dot2(v, x) : 0.0; }

class PlaneQuadrature {
 public:
  PlaneQuadrature() : ang_(gauss_legendre(kAngularNodes)) {
    const Rule g = gauss_legendre(kRadialNodes);
    const double h = kRadius / kRadialPanels;
    for (int p = 0; p < kRadialPanels; ++p)
      for (std::size_t i = 0; i < g.x.size(); ++i) {
        const double r = h * (p + 0.5 * (1 + g.x[i]));
        r_.push_back(r);
        wr_.push_back(0.5 * h * g.w[i] * r * std::exp(-0.5 * r * r) / (2 * kPi));
      }
  }

  // E f(x) for x ~ N(0, I_2), where f(x, m, out) writes m_out values and may use gates read at the
  // arc midpoint m. kinks: the vectors whose gates f uses (a zero vector has none).
  template <class F>
  Vec integrate(const std::vector<V2>& kinks, std::size_t m_out, F&& f) const {
    std::vector<double> cuts;
    for (const V2& v : kinks) {
      if (v[0] == 0 && v[1] == 0) continue;
      const double a = std::atan2(v[1], v[0]);
      for (double c : {a - kPi / 2, a + kPi / 2}) {
        c = std::fmod(c, 2 * kPi);
        cuts.push_back(c < 0 ? c + 2 * kPi : c);
      }
    }
    if (cuts.empty()) cuts.push_back(0);
    std::sort(cuts.begin(), cuts.end());
    Vec acc(m_out, 0.0), comp(m_out, 0.0), vals(m_out);  // Neumaier-compensated sums
    for (std::size_t k = 0; k < cuts.size(); ++k) {
      const double lo = cuts[k], hi = k + 1 < cuts.size() ? cuts[k + 1] : cuts[0] + 2 * kPi;
      if (!(hi > lo)) continue;  // coincident kinks: empty arc
      const double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo);
      const V2 m = {std::cos(mid), std::sin(mid)};
      for (std::size_t a = 0; a < ang_.x.size(); ++a) {
        const double phi = mid + half * ang_.x[a], c = std::cos(phi), s = std::sin(phi);
        const double wa = half * ang_.w[a];
        for (std::size_t i = 0; i < r_.size(); ++i) {
          const V2 x = {r_[i] * c, r_[i] * s};
          f(x, m, vals.data());
          const double w = wa * wr_[i];
          for (std::size_t j = 0; j < m_out; ++j) {
            const double term = w * vals[j], t = acc[j] + term;
            comp[j] += std::fabs(acc[j]) >= std::fabs(term) ? (acc[j] - t) + term : (term - t) + acc[j];
            acc[j] = t;
          }
        }
      }
    }
    for (std::size_t j = 0; j < m_out; ++j) acc[j] += comp[j];
    return acc;
  }

 private:
  Rule ang_;
  std::vector<double> r_, wr_;  // radial nodes; weights include the polar Gaussian density
};

const PlaneQuadrature& quad() {
  static const PlaneQuadrature q;
  return q;
}

// Reference values, all in the plane (2-D coordinates).
Vec ref_gating(const V2& e, const V2& w) {  // E x 1(e.x > 0) relu(w.x)
  return quad().integrate({e, w}, 2, [&](const V2& x, const V2& m, double* o) {
    const double g = gate(e, m) * relu_on_arc(w, x, m);
    o[0] = x[0] * g;
    o[1] = x[1] * g;
  });
}

Vec ref_single_gradient(const V2& w, const V2& ws) {  // E x 1(w.x > 0) (relu(w.x) - relu(w*.x))
  return quad().integrate({w, ws}, 2, [&](const V2& x, const V2& m, double* o) {
    const double g = gate(w, m) * (relu_on_arc(w, x, m) - relu_on_arc(ws, x, m));
    o[0] = x[0] * g;
    o[1] = x[1] * g;
  });
}

double ref_kernel(const V2& u, const V2& v) {  // E relu(u.x) relu(v.x)
  return quad().integrate({u, v}, 1, [&](const V2& x, const V2& m, double* o) {
    o[0] = relu_on_arc(u, x, m) * relu_on_arc(v, x, m);
  })[0];
}

double ref_loss1(const V2& w, const V2& ws) {  // 1/2 E (relu(w.x) - relu(w*.x))^2
  return quad().integrate({w, ws}, 1, [&](const V2& x, const V2& m, double* o) {
    const double r = relu_on_arc(w, x, m) - relu_on_arc(ws, x, m);
    o[0] = 0.5 * r * r;
  })[0];
}

// K students, K* teachers: K rows of E x 1(w_j.x > 0) (g(x; W) - g(x; W*)) then the loss.
Vec ref_network(const std::vector<V2>& W, const std::vector<V2>& Ws) {
  std::vector<V2> kinks = W;
  kinks.insert(kinks.end(), Ws.begin(), Ws.end());
  const std::size_t K = W.size();
  return quad().integrate(kinks, 2 * K + 1, [&](const V2& x, const V2& m, double* o) {
    double r = 0;
    for (const V2& w : W) r += relu_on_arc(w, x, m);
    for (const V2& w : Ws) r -= relu_on_arc(w, x, m);
    for (std::size_t j = 0; j < K; ++j) {
      const double g = gate(W[j], m) * r;
      o[2 * j] = x[0] * g;
      o[2 * j + 1] = x[1] * g;
    }
    o[2 * K] = 0.5 * r * r;
  });
}

// ---------------------------------------------------------------------------------------------
// Geometry: a plane in R^d and vector pairs at prescribed angles.

double norm_of(const Vec& v) { return relumc::norm(v.data(), static_cast<int64_t>(v.size())); }

double dist(const Vec& a, const Vec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

struct Plane {
  int64_t d;
  Vec p, q;  // orthonormal
  Vec embed(const V2& a) const {
    Vec v(d);
    for (int64_t i = 0; i < d; ++i) v[i] = a[0] * p[i] + a[1] * q[i];
    return v;
  }
  Vec embed(const Vec& a2) const { return embed(V2{a2[0], a2[1]}); }
};

Plane plane2() { return {2, {1, 0}, {0, 1}}; }

// A fixed, not axis-aligned orthonormal pair in R^7 (Gram-Schmidt, applied twice for orthogonality).
Plane plane7() {
  Vec p = {0.31, -1.12, 0.74, 0.23, -0.41, 0.93, 0.52};
  Vec q = {-0.66, 0.18, 0.95, -0.27, 0.61, 0.08, -0.83};
  const double np = norm_of(p);
  for (double& x : p) x /= np;
  for (int pass = 0; pass < 2; ++pass) {
    const double c = relumc::dot(p.data(), q.data(), 7);
    for (int i = 0; i < 7; ++i) q[i] -= c * p[i];
  }
  const double nq = norm_of(q);
  for (double& x : q) x /= nq;
  return {7, p, q};
}

const std::vector<Plane>& planes() {
  static const std::vector<Plane> ps = {plane2(), plane7()};
  return ps;
}

struct Pair {
  V2 u2, v2;  // in-plane coordinates (what the quadrature sees)
  Vec u, v;   // in R^d (what the closed forms see)
};

// u at orientation alpha with norm nu; v at angle theta from u with norm nv. theta == 0 and
// theta == pi are built exactly as v = +-(nv/nu) u, so the closed forms meet true (anti)parallels.
Pair make_pair(const Plane& P, double alpha, double theta, double nu, double nv) {
  Pair c;
  c.u2 = {nu * std::cos(alpha), nu * std::sin(alpha)};
  c.u = P.embed(c.u2);
  if (theta == 0 || theta == kPi) {
    const double s = (theta == 0 ? 1 : -1) * nv / nu;
    c.v2 = {s * c.u2[0], s * c.u2[1]};
    c.v = c.u;
    for (double& x : c.v) x *= s;
  } else {
    c.v2 = {nv * std::cos(alpha + theta), nv * std::sin(alpha + theta)};
    c.v = P.embed(c.v2);
  }
  return c;
}

std::vector<double> test_angles() {
  std::vector<double> t = {0.0, 1e-8, 1e-4, kPi / 2, kPi - 1e-4, kPi - 1e-8, kPi};
  for (int k = 0; k < 14; ++k) t.push_back(0.05 + k * (kPi - 0.1) / 13);  // spread in (0, pi)
  return t;
}
constexpr double kAlphas[] = {0.7, -2.3};  // orientations of the first vector in the plane

std::string describe(const Plane& P, double alpha, double theta, double nu, double nv) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "d=%lld alpha=%.2f theta=%.17g |u|=%.3g |v|=%.3g",
                static_cast<long long>(P.d), alpha, theta, nu, nv);
  return buf;
}

// Calls f(pair, description) for every plane, orientation, angle and norm pair.
template <class F>
void for_each_pair(const std::vector<double>& norms_u, const std::vector<double>& ratios, F&& f) {
  for (const Plane& P : planes())
    for (double alpha : kAlphas)
      for (double theta : test_angles())
        for (double nu : norms_u)
          for (double ratio : ratios) {
            const double nv = ratio * nu;
            f(make_pair(P, alpha, theta, nu, nv), describe(P, alpha, theta, nu, nv), P);
          }
}

// Kahan's 2x2 determinant a d - b c, accurate to ~1 ulp even under cancellation.
double det2(double a, double b, double c, double d) {
  const double w = b * c;
  const double e = std::fma(-b, c, w);
  const double f = std::fma(a, d, -w);
  return f + e;
}

// Angle between two given double vectors to ~1e-16 relative, also near 0 and pi: |u x v| by
// Lagrange's identity from exactly-cancelled 2x2 minors, then atan2(|u x v|, u.v).
double ref_angle(const Vec& u, const Vec& v) {
  double cross2 = 0;
  for (std::size_t i = 0; i < u.size(); ++i)
    for (std::size_t j = i + 1; j < u.size(); ++j) {
      const double t = det2(u[i], u[j], v[i], v[j]);
      cross2 += t * t;
    }
  return std::atan2(std::sqrt(cross2), relumc::dot(u.data(), v.data(), static_cast<int64_t>(u.size())));
}

constexpr Formula kWrong[] = {Formula::SinSign, Formula::ThetaSwap, Formula::LostHalf, Formula::NormSwap};
const char* name(Formula f) {
  switch (f) {
    case Formula::Tian: return "Tian";
    case Formula::SinSign: return "SinSign";
    case Formula::ThetaSwap: return "ThetaSwap";
    case Formula::LostHalf: return "LostHalf";
    case Formula::NormSwap: return "NormSwap";
    case Formula::Unscaled: return "Unscaled";
  }
  return "?";
}

// Closed-form wrappers on Vec.
Vec cf_gating(const Vec& e, const Vec& w, Formula f = Formula::Tian) {
  Vec out(e.size(), 0.0);
  relumc::add_gating_expectation(e.data(), w.data(), static_cast<int64_t>(e.size()), 1.0, out.data(), f);
  return out;
}
Vec cf_single(const Vec& w, const Vec& ws, Formula f = Formula::Tian) {
  Vec out(w.size());
  relumc::single_relu_gradient(w.data(), ws.data(), static_cast<int64_t>(w.size()), out.data(), f);
  return out;
}
double cf_kernel(const Vec& u, const Vec& v, Formula f = Formula::Tian) {
  return relumc::arccos_kernel(u.data(), v.data(), static_cast<int64_t>(u.size()), f);
}
double cf_loss1(const Vec& w, const Vec& ws, Formula f = Formula::Tian) {
  return relumc::population_loss(w.data(), 1, ws.data(), 1, static_cast<int64_t>(w.size()), f);
}

// A K-student, K*-teacher network with all rows in one plane.
struct Net {
  std::string name;
  std::vector<V2> W2, Ws2;
  Vec W, Ws;  // row-major K x d, K* x d
  int64_t d = 0;
  double scale = 0;  // sum of all row norms: the natural magnitude of gradient rows
};

Net make_net(const Plane& P, std::string name, const std::vector<V2>& W2, const std::vector<V2>& Ws2) {
  Net n{std::move(name), W2, Ws2, {}, {}, P.d, 0};
  for (const V2& r : W2) {
    const Vec v = P.embed(r);
    n.W.insert(n.W.end(), v.begin(), v.end());
    n.scale += std::hypot(r[0], r[1]);
  }
  for (const V2& r : Ws2) {
    const Vec v = P.embed(r);
    n.Ws.insert(n.Ws.end(), v.begin(), v.end());
    n.scale += std::hypot(r[0], r[1]);
  }
  return n;
}

V2 polar(double rho, double phi) { return {rho * std::cos(phi), rho * std::sin(phi)}; }

// K = 2 students, K* = 3 teachers in one plane: a generic net, one with coincident / antiparallel /
// 1e-8-apart rows, and a symmetric student (w_1 == w_2, the paper's symmetric initialisation).
std::vector<Net> test_nets(const Plane& P) {
  std::vector<Net> nets;
  nets.push_back(make_net(P, "generic", {polar(1.2, 0.3), polar(0.8, 2.1)},
                          {polar(1.0, -0.5), polar(2.5, 1.0), polar(0.3, 2.9)}));
  {
    const V2 t0 = polar(1.0, -0.5), t1 = polar(2.5, 1.0);
    // w_1 == w*_2 exactly, w_2 == -0.5 w*_1 exactly, w*_3 at 1e-8 from w_1.
    nets.push_back(make_net(P, "degenerate", {t1, {-0.5 * t0[0], -0.5 * t0[1]}}, {t0, t1, polar(0.7, 1.0 + 1e-8)}));
  }
  {
    const V2 w = polar(0.9, 0.4);
    nets.push_back(make_net(P, "symmetric", {w, w},
                            {polar(1.3, 0.4 + kPi - 1e-8), polar(0.6, 0.4 + 1e-4), polar(2.0, 2.4)}));
  }
  return nets;
}

// Gradient (K x d) and loss of a net by the closed forms.
struct NetCf {
  Vec grad;
  double loss;
};
NetCf cf_network(const Net& n, Formula f = Formula::Tian) {
  const int64_t K = static_cast<int64_t>(n.W2.size()), Ks = static_cast<int64_t>(n.Ws2.size());
  NetCf r{Vec(K * n.d), 0};
  relumc::population_gradient(n.W.data(), K, n.Ws.data(), Ks, n.d, r.grad.data(), f);
  r.loss = relumc::population_loss(n.W.data(), K, n.Ws.data(), Ks, n.d, f);
  return r;
}

// Largest row error of a closed-form gradient against the embedded quadrature rows.
double net_grad_error(const Net& n, const Plane& P, const Vec& grad, const Vec& ref) {
  double worst = 0;
  for (std::size_t j = 0; j < n.W2.size(); ++j) {
    const Vec row(grad.begin() + j * n.d, grad.begin() + (j + 1) * n.d);
    worst = std::max(worst, dist(row, P.embed(V2{ref[2 * j], ref[2 * j + 1]})));
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------
// The quadrature itself

// Known moments of N(0, I_2), with and without kinks, pin the quadrature's own accuracy: this is
// what licenses kTol.
TEST(QuadratureSelfCheck, ReproducesKnownMoments) {
  const V2 w = polar(1.7, 0.9), u = polar(0.6, 0.9 + 1e-8);
  const Vec m = quad().integrate({}, 4, [](const V2& x, const V2&, double* o) {
    o[0] = 1;  // total mass
    o[1] = x[0] * x[0];
    o[2] = x[0] * x[1];
    o[3] = x[1] * x[1];
  });
  EXPECT_NEAR(m[0], 1.0, 1e-15);
  EXPECT_NEAR(m[1], 1.0, 1e-15);
  EXPECT_NEAR(m[2], 0.0, 1e-15);
  EXPECT_NEAR(m[3], 1.0, 1e-15);
  // E relu(w.x)^2 = |w|^2 / 2 and E x relu(w.x) = w / 2 (by symmetry), integrated with kinks.
  const Vec k = quad().integrate({w, u}, 3, [&](const V2& x, const V2& mid, double* o) {
    const double r = relu_on_arc(w, x, mid);
    o[0] = r * r;
    o[1] = x[0] * r;
    o[2] = x[1] * r;
  });
  EXPECT_NEAR(k[0] / (1.7 * 1.7), 0.5, 1e-15);
  EXPECT_NEAR(k[1] / 1.7, w[0] / 2 / 1.7, 1e-15);
  EXPECT_NEAR(k[2] / 1.7, w[1] / 2 / 1.7, 1e-15);
}

// ---------------------------------------------------------------------------------------------
// angle()

TEST(Angle, ExactAtZeroAndPi) {
  for (const Plane& P : planes()) {
    const Vec u = P.embed(V2{0.8, -1.3});
    Vec two = u, quarter = u, neg = u, neg8 = u, three = u, neg3 = u;
    for (int64_t i = 0; i < P.d; ++i) {
      two[i] *= 2;  // power-of-two scalings leave u/|u| bit-identical
      quarter[i] *= 0.25;
      neg[i] = -neg[i];
      neg8[i] *= -8;
      three[i] *= 3;
      neg3[i] *= -3;
    }
    EXPECT_EQ(relumc::angle(u.data(), u.data(), P.d), 0.0);
    EXPECT_EQ(relumc::angle(u.data(), two.data(), P.d), 0.0);
    EXPECT_EQ(relumc::angle(u.data(), quarter.data(), P.d), 0.0);
    EXPECT_EQ(relumc::angle(u.data(), neg.data(), P.d), kPi);
    EXPECT_EQ(relumc::angle(u.data(), neg8.data(), P.d), kPi);
    // Other scalings round u/|u| differently in the last bit: still within an ulp or two.
    EXPECT_LE(relumc::angle(u.data(), three.data(), P.d), 1e-15);
    EXPECT_GE(relumc::angle(u.data(), neg3.data(), P.d), kPi - 1e-15);
  }
}

// At t = 1e-8, cos(t) rounds to exactly 1.0, so acos(dot) returns 0 (relative error 1); at t = 1e-4
// acos keeps only ~8 digits. 2 atan2(|a - b|, |a + b|) does not cancel.
TEST(Angle, AccurateNearZeroAndPiAgainstConstruction) {
  for (double t : {1e-12, 1e-8, 1e-6, 1e-4, 0.3}) {
    for (double s1 : {1.0, 3.7})
      for (double s2 : {1.0, 0.3, 2.5}) {
        SCOPED_TRACE("t=" + std::to_string(t) + " s1=" + std::to_string(s1) + " s2=" + std::to_string(s2));
        const double u[2] = {s1, 0};
        const double v[2] = {s2 * std::cos(t), s2 * std::sin(t)};
        const double a = relumc::angle(u, v, 2);
        EXPECT_NEAR(a, t, 1e-15 * t);
        // Near pi the best a double can hold is an ulp of pi (4.4e-16) absolute.
        const double vn[2] = {-s2 * std::cos(t), s2 * std::sin(t)};
        EXPECT_NEAR(relumc::angle(u, vn, 2), kPi - t, 1e-15);
      }
  }
}

// In general position u/|u| and v/|v| are rounded componentwise before a - b is formed, which costs
// a few 1e-17 absolute (so ~1e-9 relative at 1e-8): the bound here is absolute, against an angle of
// the very same double vectors that is exact to ~2e-16 relative (checked once against mpmath).
// acos of the normalised dot product is off by ~1e-8 absolute here, or returns 0.
TEST(Angle, AccurateInGeneralPositionAgainstExactReference) {
  double worst_abs = 0;
  for (const Plane& P : planes())
    for (double alpha : kAlphas)
      for (double t : {1e-12, 1e-8, 1e-6, 1e-4, 0.3, 1.0, 2.0, kPi - 1e-4, kPi - 1e-8, kPi - 1e-12}) {
        const Pair c = make_pair(P, alpha, t, 1.3, 0.4);
        const double a = relumc::angle(c.u.data(), c.v.data(), P.d), r = ref_angle(c.u, c.v);
        worst_abs = std::max(worst_abs, std::fabs(a - r));
        EXPECT_NEAR(a, r, 1e-15) << describe(P, alpha, t, 1.3, 0.4);
      }
  std::printf("  angle(): worst absolute error vs exact reference %.2e\n", worst_abs);
}

// ---------------------------------------------------------------------------------------------
// Closed forms against the quadrature

TEST(ClosedFormsVsQuadrature, GatingExpectation) {
  double worst = 0;
  int n = 0;
  // e plays u (|e| = 1 or a non-unit 0.37: the gate sees its direction only), w plays v.
  for_each_pair({1.0, 0.37}, {0.5, 1.0, 3.0}, [&](const Pair& c, const std::string& what, const Plane& P) {
    const Vec ref = P.embed(ref_gating(c.u2, c.v2));
    const Vec cf = cf_gating(c.u, c.v);
    const double err = dist(cf, ref) / norm_of(c.v);
    worst = std::max(worst, err);
    ++n;
    EXPECT_LT(err, kTol) << what;
  });
  std::printf("  gating: worst relative error %.2e over %d cases\n", worst, n);
}

TEST(ClosedFormsVsQuadrature, SingleReluGradient) {
  double worst = 0;
  int n = 0;
  for_each_pair({0.5, 1.0, 3.0}, {0.3, 1.0, 2.5}, [&](const Pair& c, const std::string& what, const Plane& P) {
    const Vec ref = P.embed(ref_single_gradient(c.u2, c.v2));
    const Vec cf = cf_single(c.u, c.v);
    const double err = dist(cf, ref) / (norm_of(c.u) + norm_of(c.v));
    worst = std::max(worst, err);
    ++n;
    EXPECT_LT(err, kTol) << what;
  });
  std::printf("  single_relu_gradient: worst relative error %.2e over %d cases\n", worst, n);
}

TEST(ClosedFormsVsQuadrature, ArccosKernel) {
  double worst = 0;
  int n = 0;
  for_each_pair({0.5, 2.0}, {0.3, 1.0, 2.5}, [&](const Pair& c, const std::string& what, const Plane&) {
    const double ref = ref_kernel(c.u2, c.v2);
    const double err = std::fabs(cf_kernel(c.u, c.v) - ref) / (norm_of(c.u) * norm_of(c.v));
    worst = std::max(worst, err);
    ++n;
    EXPECT_LT(err, kTol) << what;
  });
  std::printf("  arccos_kernel: worst relative error %.2e over %d cases\n", worst, n);
}

TEST(ClosedFormsVsQuadrature, PopulationLossOneReluEach) {
  double worst = 0;
  int n = 0;
  for_each_pair({0.5, 1.0, 3.0}, {0.3, 1.0, 2.5}, [&](const Pair& c, const std::string& what, const Plane&) {
    const double ref = ref_loss1(c.u2, c.v2);
    const double s = norm_of(c.u) + norm_of(c.v);
    const double err = std::fabs(cf_loss1(c.u, c.v) - ref) / (s * s);
    worst = std::max(worst, err);
    ++n;
    EXPECT_LT(err, kTol) << what;
  });
  std::printf("  population_loss (K=K*=1): worst relative error %.2e over %d cases\n", worst, n);
}

TEST(ClosedFormsVsQuadrature, ZeroTeacher) {
  // w* = 0: gradient w/2 and loss |w|^2/4; the closed forms must not divide by |w*|.
  for (const Plane& P : planes()) {
    const V2 w2 = polar(1.4, 0.7), z2 = {0, 0};
    const Vec w = P.embed(w2), z(P.d, 0.0);
    EXPECT_LT(dist(cf_single(w, z), P.embed(ref_single_gradient(w2, z2))) / 1.4, kTol);
    EXPECT_LT(std::fabs(cf_loss1(w, z) - ref_loss1(w2, z2)) / (1.4 * 1.4), kTol);
    EXPECT_LT(dist(cf_gating(w, z), z), kTol);
  }
}

TEST(ClosedFormsVsQuadrature, NetworkTwoStudentsThreeTeachers) {
  double worst_g = 0, worst_l = 0;
  for (const Plane& P : planes())
    for (const Net& net : test_nets(P)) {
      SCOPED_TRACE(net.name + " d=" + std::to_string(P.d));
      const Vec ref = ref_network(net.W2, net.Ws2);
      const NetCf cf = cf_network(net);
      const double eg = net_grad_error(net, P, cf.grad, ref) / net.scale;
      const double el = std::fabs(cf.loss - ref[2 * net.W2.size()]) / (net.scale * net.scale);
      worst_g = std::max(worst_g, eg);
      worst_l = std::max(worst_l, el);
      EXPECT_LT(eg, kTol);
      EXPECT_LT(el, kTol);
    }
  std::printf("  K=2, K*=3: worst relative error gradient %.2e, loss %.2e\n", worst_g, worst_l);
}

// ---------------------------------------------------------------------------------------------
// Consistency and robustness

// Paper Eq. 6 is docs/mathematics.md, closed form 3 with K = K* = 1 (the self term is F(e, w) = w/2).
TEST(ClosedForms, SingleGradientEqualsPopulationGradientWithOneRelu) {
  double worst = 0;
  for_each_pair({0.5, 1.0, 3.0}, {0.3, 1.0, 2.5}, [&](const Pair& c, const std::string& what, const Plane& P) {
    const Vec single = cf_single(c.u, c.v);
    Vec pop(P.d);
    relumc::population_gradient(c.u.data(), 1, c.v.data(), 1, P.d, pop.data());
    const double err = dist(single, pop) / (norm_of(c.u) + norm_of(c.v));
    worst = std::max(worst, err);
    EXPECT_LT(err, 1e-14) << what;
  });
  std::printf("  single vs population gradient: worst relative difference %.2e\n", worst);
}

TEST(ClosedForms, FiniteAtDegenerateAngles) {
  for (const Plane& P : planes())
    for (double theta : {0.0, 1e-8, kPi - 1e-8, kPi})
      for (Formula f : {Formula::Tian, Formula::SinSign, Formula::ThetaSwap, Formula::LostHalf, Formula::NormSwap}) {
        SCOPED_TRACE(describe(P, 0.7, theta, 1.0, 2.5) + " " + name(f));
        const Pair c = make_pair(P, 0.7, theta, 1.0, 2.5);
        EXPECT_TRUE(std::isfinite(relumc::angle(c.u.data(), c.v.data(), P.d)));
        for (double x : cf_gating(c.u, c.v, f)) EXPECT_TRUE(std::isfinite(x));
        for (double x : cf_single(c.u, c.v, f)) EXPECT_TRUE(std::isfinite(x));
        EXPECT_TRUE(std::isfinite(cf_kernel(c.u, c.v, f)));
        EXPECT_TRUE(std::isfinite(cf_loss1(c.u, c.v, f)));
        Vec W = c.u, Ws = c.v;  // K = 2 students (u, v), K* = 1 teacher (v)
        W.insert(W.end(), c.v.begin(), c.v.end());
        Vec g(2 * P.d);
        relumc::population_gradient(W.data(), 2, Ws.data(), 1, P.d, g.data(), f);
        for (double x : g) EXPECT_TRUE(std::isfinite(x));
        EXPECT_TRUE(std::isfinite(relumc::population_loss(W.data(), 2, Ws.data(), 1, P.d, f)));
      }
}

// The same comparison must say "no" to every deliberately wrong formula. Generic configuration:
// theta = 1 rad (not pi/2, where ThetaSwap is harmless) and norm ratio 2 (NormSwap is harmless at 1).
TEST(ClosedForms, WrongVariantsAreRejected) {
  constexpr double kMiss = 1e-3;  // every variant misses by far more: 1e7 times kTol
  for (const Plane& P : planes()) {
    const Pair c = make_pair(P, 0.7, 1.0, 1.0, 2.0);
    const Vec r_gate = P.embed(ref_gating(c.u2, c.v2)), r_single = P.embed(ref_single_gradient(c.u2, c.v2));
    const double r_kernel = ref_kernel(c.u2, c.v2), r_loss = ref_loss1(c.u2, c.v2);
    const Net net = test_nets(P)[0];
    const Vec r_net = ref_network(net.W2, net.Ws2);
    const auto errors = [&](Formula f) {
      const NetCf n = cf_network(net, f);
      return std::array<double, 6>{
          dist(cf_gating(c.u, c.v, f), r_gate) / 2.0,
          dist(cf_single(c.u, c.v, f), r_single) / 3.0,
          std::fabs(cf_kernel(c.u, c.v, f) - r_kernel) / 2.0,
          std::fabs(cf_loss1(c.u, c.v, f) - r_loss) / 9.0,
          net_grad_error(net, P, n.grad, r_net) / net.scale,
          std::fabs(n.loss - r_net[2 * net.W2.size()]) / (net.scale * net.scale)};
    };
    const char* what[6] = {"gating", "single gradient", "kernel", "loss K=1", "net gradient", "net loss"};
    for (double e : errors(Formula::Tian)) EXPECT_LT(e, kTol);
    for (Formula f : kWrong) {
      const auto e = errors(f);
      for (int i = 0; i < 6; ++i) {
        // arccos_kernel has no LostHalf variant: the 1/2 lives in the loss, tested there.
        if (f == Formula::LostHalf && i == 2) continue;
        EXPECT_GT(e[i], kMiss) << name(f) << " " << what[i] << " d=" << P.d;
        if (P.d == 7) std::printf("  %-9s %-15s misses by %.2e\n", name(f), what[i], e[i]);
      }
    }
  }
}

}  // namespace
