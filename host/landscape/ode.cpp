// SPDX-License-Identifier: MIT
// The (Q, M) summary-statistics flow and its RK4 integration beside the W flow (docs/landscape.md, "ODE"); its
// fixed points are in host/landscape/fixed_point.cpp.
#include "relumc/landscape/ode.hpp"

#include "relumc/core/errors.hpp"
#include "relumc/landscape/hessian.hpp"
#include "relumc/math/closed_forms.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace relumc {

std::string_view to_string(OdeFormula f) {
  switch (f) {
    case OdeFormula::Exact: return "exact";
    case OdeFormula::ThetaSwap: return "theta-swap";
    case OdeFormula::DropSqrt: return "drop-sqrt";
  }
  return "?";
}

double gram_kappa(double a, double b, double c) {
  const double D = a * b - c * c, S = D > 16 * std::numeric_limits<double>::epsilon() * a * b ? std::sqrt(D) : 0;  // as gram_i3
  const double theta = std::atan2(S, c);
  return (S + c * (kPi - theta)) / (2 * kPi);
}

I3Value gram_i3(double c_aa, double c_cc, double c_ab, double c_ac, double c_bc, bool same_ac, OdeFormula f) {
  // Delta = C_aa C_cc - C_ac^2 at or below 16 eps C_aa C_cc (an angle under about 6e-8 rad) is rounding noise of the
  // Gram entries: the vectors are parallel to working precision, S = 0 and theta = 0 or pi. (Taking sqrt(Delta) there
  // would put noise of order sqrt(eps) into theta and into the Jacobian at every numerically found fixed point on a
  // branch point; the field's value changes by O(Delta), below rounding.)
  double S = 0;
  if (!same_ac) {
    const double D = c_aa * c_cc - c_ac * c_ac;
    S = D > 16 * std::numeric_limits<double>::epsilon() * c_aa * c_cc ? std::sqrt(D) : 0;
  }
  const double theta = std::atan2(S, c_ac);  // 0 or pi when S = 0 (c parallel or anti-parallel to a)
  const double g = f == OdeFormula::ThetaSwap ? theta : kPi - theta;
  const double sq = f == OdeFormula::DropSqrt ? 0 : c_ab * S / c_aa;
  const double k = 1 / (2 * kPi);
  I3Value r;
  r.value = k * (g * c_bc + sq);
  // d theta = (C_ac dS - S dC_ac) / (C_aa C_cc) and dS = (C_cc dC_aa + C_aa dC_cc - 2 C_ac dC_ac) / (2 S); the dS
  // terms gather into q dS with q = (C_ab - C_ac C_bc / C_cc) / C_aa, which vanishes with S on the realisable set.
  r.d_bc = k * (kPi - theta);
  r.d_ab = k * S / c_aa;
  r.d_aa = -k * c_ab * S / (c_aa * c_aa);
  r.d_ac = k * c_bc * S / (c_aa * c_cc);
  if (S > 0) {  // at S = 0 the q terms' limit along realisable directions is 0 (ode.hpp)
    const double q = (c_ab - c_ac * c_bc / c_cc) / c_aa;
    r.d_aa += k * q * c_cc / (2 * S);
    r.d_cc = k * q * c_aa / (2 * S);
    r.d_ac -= k * q * c_ac / S;
  }
  return r;
}

int64_t summary_state_size(int64_t K, int64_t Kstar) { return K * (K + 1) / 2 + K * Kstar; }

namespace {

// Vectors 0..K-1 are the students, K..K+K*-1 the teachers. A Gram entry: its value and its state index (-1: P).
struct Gram {
  const std::vector<double>& x;
  const std::vector<double>& P;
  int64_t K, Ks;
  int64_t q_index(int64_t j, int64_t l) const {
    if (j > l) std::swap(j, l);
    return j * K - j * (j - 1) / 2 + (l - j);
  }
  int64_t index(int64_t p, int64_t q) const {
    if (p >= K && q >= K) return -1;
    if (p < K && q < K) return q_index(p, q);
    if (p >= K) std::swap(p, q);
    return K * (K + 1) / 2 + p * Ks + (q - K);
  }
  double value(int64_t p, int64_t q) const {
    const int64_t i = index(p, q);
    return i >= 0 ? x[static_cast<size_t>(i)] : P[static_cast<size_t>((p - K) * Ks + (q - K))];
  }
};

void check_sizes(const std::vector<double>& x, int64_t K, const std::vector<double>& P, int64_t Kstar) {
  if (K < 1 || Kstar < 1 || static_cast<int64_t>(x.size()) != summary_state_size(K, Kstar) ||
      static_cast<int64_t>(P.size()) != Kstar * Kstar)
    throw std::invalid_argument(fmt::format("summary state: {} numbers and P of {} for K = {}, K* = {}", x.size(),
                                            P.size(), K, Kstar));
}

// The field and, when jac is given, its Jacobian. T(a, b) = sum_{c teacher} I3(a, b, c) - sum_{c student} I3(a, b, c)
// for a student a; then f(Q_jl) = T(j, l) + T(l, j) (2 T(j, j) on the diagonal) and f(M_jm) = T(j, m*).
void field_and_jacobian(const std::vector<double>& x, int64_t K, const std::vector<double>& P, int64_t Ks,
                        OdeFormula f, std::vector<double>& out, std::vector<double>* jac) {
  check_sizes(x, K, P, Ks);
  const Gram g{x, P, K, Ks};
  const int64_t n = summary_state_size(K, Ks), V = K + Ks;
  out.assign(static_cast<size_t>(n), 0.0);
  if (jac) jac->assign(static_cast<size_t>(n * n), 0.0);
  for (int64_t a = 0; a < K; ++a)
    for (int64_t b = 0; b < V; ++b) {
      const int64_t row = g.index(a, b);
      const double weight = a == b ? 2.0 : 1.0;  // T(a, a) counts twice in f(Q_aa)
      for (int64_t c = 0; c < V; ++c) {
        const double sign = c >= K ? 1.0 : -1.0;
        const I3Value v = gram_i3(g.value(a, a), g.value(c, c), g.value(a, b), g.value(a, c), g.value(b, c), a == c, f);
        out[static_cast<size_t>(row)] += sign * weight * v.value;
        if (!jac) continue;
        double* J = jac->data() + row * n;
        const double s = sign * weight;
        const int64_t ia = g.index(a, a), ic = g.index(c, c), iab = g.index(a, b), iac = g.index(a, c), ibc = g.index(b, c);
        if (ia >= 0) J[ia] += s * v.d_aa;
        if (ic >= 0) J[ic] += s * v.d_cc;
        if (iab >= 0) J[iab] += s * v.d_ab;
        if (iac >= 0) J[iac] += s * v.d_ac;
        if (ibc >= 0) J[ibc] += s * v.d_bc;
      }
    }
}

bool all_finite(const std::vector<double>& v) {
  for (double a : v)
    if (!std::isfinite(a)) return false;
  return true;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double a : v) m = std::max(m, std::fabs(a));
  return m;
}

}  // namespace

std::vector<double> summary_state(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d) {
  std::vector<double> x(static_cast<size_t>(summary_state_size(K, Kstar)));
  size_t i = 0;
  for (int64_t j = 0; j < K; ++j)
    for (int64_t l = j; l < K; ++l) x[i++] = dot(W + j * d, W + l * d, d);
  for (int64_t j = 0; j < K; ++j)
    for (int64_t m = 0; m < Kstar; ++m) x[i++] = dot(W + j * d, Wstar + m * d, d);
  return x;
}

std::vector<double> teacher_gram(const double* Wstar, int64_t Kstar, int64_t d) {
  std::vector<double> P(static_cast<size_t>(Kstar * Kstar));
  for (int64_t m = 0; m < Kstar; ++m)
    for (int64_t n = 0; n < Kstar; ++n) P[static_cast<size_t>(m * Kstar + n)] = dot(Wstar + m * d, Wstar + n * d, d);
  return P;
}

void unpack_summary_state(const std::vector<double>& x, int64_t K, int64_t Kstar, std::vector<double>& Q,
                          std::vector<double>& M) {
  if (static_cast<int64_t>(x.size()) != summary_state_size(K, Kstar))
    throw std::invalid_argument("unpack_summary_state: size mismatch");
  Q.assign(static_cast<size_t>(K * K), 0.0);
  M.assign(static_cast<size_t>(K * Kstar), 0.0);
  size_t i = 0;
  for (int64_t j = 0; j < K; ++j)
    for (int64_t l = j; l < K; ++l) Q[static_cast<size_t>(j * K + l)] = Q[static_cast<size_t>(l * K + j)] = x[i++];
  for (int64_t j = 0; j < K * Kstar; ++j) M[static_cast<size_t>(j)] = x[i++];
}

double summary_loss(const std::vector<double>& x, int64_t K, const std::vector<double>& P, int64_t Kstar) {
  check_sizes(x, K, P, Kstar);
  const Gram g{x, P, K, Kstar};
  const int64_t V = K + Kstar;
  double ss = 0, st = 0, tt = 0;
  for (int64_t p = 0; p < V; ++p)
    for (int64_t q = 0; q < V; ++q) {
      const double k = gram_kappa(g.value(p, p), g.value(q, q), g.value(p, q));
      (p < K && q < K ? ss : p >= K && q >= K ? tt : st) += k;  // st counts both orders: 2 sum_jm
    }
  return 0.5 * (ss - st + tt);
}

std::vector<double> summary_field(const std::vector<double>& x, int64_t K, const std::vector<double>& P, int64_t Kstar,
                                  OdeFormula f) {
  std::vector<double> out;
  field_and_jacobian(x, K, P, Kstar, f, out, nullptr);
  return out;
}

std::vector<double> summary_jacobian(const std::vector<double>& x, int64_t K, const std::vector<double>& P, int64_t Kstar) {
  std::vector<double> out, jac;
  field_and_jacobian(x, K, P, Kstar, OdeFormula::Exact, out, &jac);
  return jac;
}

void check_ode_options(const OdeOptions& o) {
  if (!(o.t_end > 0 && o.t_end <= 1e6)) throw InputError("t_end", fmt::format("{} must be a number in (0, 1e6]", o.t_end));
  if (!(o.dt > 0 && o.dt <= o.t_end))
    throw InputError("dt", fmt::format("{} must be a number in (0, t_end = {}]", o.dt, o.t_end));
  if (std::ceil(o.t_end / o.dt) > 1e7)
    throw InputError("dt", fmt::format("{} gives {:.3g} steps to t_end = {}: at most 1e7", o.dt, std::ceil(o.t_end / o.dt), o.t_end));
  if (o.samples < 2 || o.samples > 100000)
    throw InputError("samples", fmt::format("{} must be an integer in [2, 100000]", o.samples));
}

double gram_min_eigenvalue(const std::vector<double>& x, int64_t K, const std::vector<double>& P, int64_t Kstar) {
  check_sizes(x, K, P, Kstar);
  const Gram g{x, P, K, Kstar};
  const int64_t V = K + Kstar;
  std::vector<double> G(static_cast<size_t>(V * V));
  for (int64_t p = 0; p < V; ++p)
    for (int64_t q = 0; q < V; ++q) G[static_cast<size_t>(p * V + q)] = g.value(p, q);
  const SymmetricEigen e = symmetric_eigen(G, V);
  const double top = std::max(std::fabs(e.values.front()), std::fabs(e.values.back()));
  return top > 0 ? e.values.front() / top : 0;
}

namespace {

// One classical RK4 step of both flows: x by the (Q, M) field, W by -grad J.
struct Rk4 {
  int64_t K, Ks, d, n, nw;
  const double* Wstar;
  const std::vector<double>& P;
  OdeFormula formula;
  std::vector<double> xt, Wt;
  std::vector<std::vector<double>> kx, kw;
  Rk4(int64_t K_, int64_t Ks_, int64_t d_, const double* Ws, const std::vector<double>& P_, OdeFormula f)
      : K(K_), Ks(Ks_), d(d_), n(summary_state_size(K_, Ks_)), nw(K_ * d_), Wstar(Ws), P(P_), formula(f),
        xt(static_cast<size_t>(n)), Wt(static_cast<size_t>(nw)), kx(4), kw(4, std::vector<double>(static_cast<size_t>(nw))) {}
  void step(std::vector<double>& x, std::vector<double>& W, double h, double t) {
    const double c[4] = {0, 0.5, 0.5, 1};
    for (int s = 0; s < 4; ++s) {
      for (int64_t i = 0; i < n; ++i)
        xt[static_cast<size_t>(i)] = x[static_cast<size_t>(i)] + (s ? c[s] * h * kx[s - 1][static_cast<size_t>(i)] : 0);
      for (int64_t i = 0; i < nw; ++i)
        Wt[static_cast<size_t>(i)] = W[static_cast<size_t>(i)] + (s ? c[s] * h * kw[s - 1][static_cast<size_t>(i)] : 0);
      kx[s] = summary_field(xt, K, P, Ks, formula);
      if (kink_row(Wt.data(), K, d) >= 0)
        throw std::runtime_error(fmt::format("the W flow reached a zero student row near t = {:.6g} (a kink of J)", t));
      population_gradient(Wt.data(), K, Wstar, Ks, d, kw[s].data());
      for (double& v : kw[s]) v = -v;
    }
    for (int64_t i = 0; i < n; ++i) {
      const size_t u = static_cast<size_t>(i);
      x[u] += h / 6 * (kx[0][u] + 2 * kx[1][u] + 2 * kx[2][u] + kx[3][u]);
    }
    for (int64_t i = 0; i < nw; ++i) {
      const size_t u = static_cast<size_t>(i);
      W[u] += h / 6 * (kw[0][u] + 2 * kw[1][u] + 2 * kw[2][u] + kw[3][u]);
    }
    if (!all_finite(x) || !all_finite(W))
      throw std::runtime_error(fmt::format("the flow became non-finite near t = {:.6g}", t));
  }
};

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace

OdeRun integrate_flows(const double* W0, int64_t K, const double* Wstar, int64_t Ks, int64_t d, const OdeOptions& o) {
  check_ode_options(o);
  if (const int64_t m = kink_row(Wstar, Ks, d); m >= 0) throw InputError(fmt::format("teacher row {} is the zero vector", m));
  if (const int64_t j = kink_row(W0, K, d); j >= 0)
    throw InputError(fmt::format("student row {} is the zero vector: the flow is undefined at a kink of J", j));
  OdeRun r;
  r.K = K, r.Kstar = Ks, r.d = d;
  r.steps = 2 * static_cast<int64_t>(std::ceil(o.t_end / (2 * o.dt)));  // even: the check pair steps by 2 dt'
  r.dt = o.t_end / static_cast<double>(r.steps);
  r.P = teacher_gram(Wstar, Ks, d);
  const int64_t samples = std::min(o.samples, r.steps + 1);
  const int64_t nw = K * d;
  std::vector<double> x = summary_state(W0, K, Wstar, Ks, d), W(W0, W0 + nw), xc = x, Wc = W;
  Rk4 rk(K, Ks, d, Wstar, r.P, o.formula);
  const double p_scale = max_abs(r.P);
  auto record = [&](double t, const std::vector<double>& xw) {
    r.t.push_back(t);
    r.x.push_back(x);
    r.x_of_w.push_back(xw);
    r.loss.push_back(summary_loss(x, K, r.P, Ks));
    r.loss_w.push_back(population_loss(W.data(), K, Wstar, Ks, d));
    const double g = gram_min_eigenvalue(x, K, r.P, Ks);
    r.gram_min.push_back(g);
    r.min_gram_eigenvalue = std::min(r.min_gram_eigenvalue, g);
  };
  record(0, x);
  int64_t next = 1;  // the next recorded sample: step round(next * steps / (samples - 1))
  auto sample_step = [&](int64_t s) {
    return static_cast<int64_t>(std::llround(static_cast<double>(s) * static_cast<double>(r.steps) / static_cast<double>(samples - 1)));
  };
  for (int64_t step = 1; step <= r.steps; ++step) {
    if (o.stop && o.stop->load(std::memory_order_relaxed))
      throw Interrupted(fmt::format("stopped: the integration was interrupted at t = {:.6g}", static_cast<double>(step - 1) * r.dt));
    const double t = static_cast<double>(step) * r.dt;
    rk.step(x, W, r.dt, t);
    const std::vector<double> xw = summary_state(W.data(), K, Wstar, Ks, d);
    const double dev = max_abs_diff(x, xw), scale = std::max(max_abs(xw), p_scale);
    r.max_deviation = std::max(r.max_deviation, dev);
    if (scale > 0) r.max_deviation_rel = std::max(r.max_deviation_rel, dev / scale);
    if (step % 2 == 0) {  // the check pair at 2 dt': Richardson's estimate of each flow's error, |y_dt - y_2dt| / 15
      rk.step(xc, Wc, 2 * r.dt, t);
      const double est = (max_abs_diff(x, xc) + max_abs_diff(xw, summary_state(Wc.data(), K, Wstar, Ks, d))) / 15;
      r.max_error_estimate = std::max(r.max_error_estimate, est);
      if (dev > 2 * est + 1e-12 * scale && r.flows_agree) {
        r.flows_agree = false;
        r.first_disagreement_t = t;
      }
    }
    while (next < samples && sample_step(next) <= step) {
      if (sample_step(next) == step) record(t, xw);
      ++next;
    }
    if (o.done) o.done->fetch_add(1, std::memory_order_relaxed);
  }
  r.W_end = W;
  return r;
}

}  // namespace relumc
