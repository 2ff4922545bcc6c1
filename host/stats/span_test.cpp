// SPDX-License-Identifier: MIT
#include "relumc/stats/span_test.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace relumc {

std::string_view to_string(Test t) { return t == Test::Span ? "span" : "sidak"; }

std::optional<Test> parse_test(std::string_view s) {
  for (Test t : {Test::Sidak, Test::Span})
    if (s == to_string(t)) return t;
  return std::nullopt;
}

namespace {

// The rows of the quantity: gating 1 (the vector), grad K; loss has none.
int64_t quantity_rows(const Case& c) { return c.quantity == Quantity::Grad ? c.K : 1; }

double dot(const double* a, const double* b, int64_t d) {
  double s = 0;
  for (int64_t i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}

// out[i] = dot(q_i, v, d) for the r basis rows q_i, each summed in the order of dot (so the same bits), eight
// rows at a time: their sums are independent chains, which one sequential dot per row would leave latency-bound.
// N rows' sums at a time, N a constant so that they stay in registers.
template <int N>
void dot_n(const double* qi, int64_t d, const double* v, double* out) {
  double s[N] = {};
  for (int64_t a = 0; a < d; ++a)
    for (int i = 0; i < N; ++i) s[i] += qi[i * d + a] * v[a];
  for (int i = 0; i < N; ++i) out[i] = s[i];
}

void dot_rows(const std::vector<double>& q, int64_t r, int64_t d, const double* v, double* out) {
  int64_t i0 = 0;
  for (; i0 + 8 <= r; i0 += 8) dot_n<8>(q.data() + i0 * d, d, v, out + i0);
  for (; i0 + 2 <= r; i0 += 2) dot_n<2>(q.data() + i0 * d, d, v, out + i0);
  if (i0 < r) out[i0] = dot(q.data() + i0 * d, v, d);
}

// v minus its projection on the r basis rows (twice, for orthogonality to rounding).
void remove_span(const std::vector<double>& q, int64_t r, int64_t d, double* v) {
  for (int pass = 0; pass < 2; ++pass)
    for (int64_t i = 0; i < r; ++i) {
      const double t = dot(q.data() + i * d, v, d);
      for (int64_t a = 0; a < d; ++a) v[a] -= t * q[i * d + a];
    }
}

// remove_span on n <= kBatches vectors v[0..n-1] at once: for each vector the same operations in the same order
// (so the same bits), the n vectors' dot products summed side by side (independent chains; one vector's
// sequential dots are latency-bound).
constexpr int kBatches = 4;
template <int N>
void remove_span_n(const std::vector<double>& q, int64_t r, int64_t d, double* const* v) {
  for (int pass = 0; pass < 2; ++pass)
    for (int64_t i = 0; i < r; ++i) {
      const double* qi = q.data() + i * d;
      double t[N] = {};
      for (int64_t a = 0; a < d; ++a)
        for (int b = 0; b < N; ++b) t[b] += qi[a] * v[b][a];
      for (int b = 0; b < N; ++b)
        for (int64_t a = 0; a < d; ++a) v[b][a] -= t[b] * qi[a];
    }
}
void remove_span_batches(const std::vector<double>& q, int64_t r, int64_t d, double* const* v, int n) {
  if (n == kBatches) return remove_span_n<kBatches>(q, r, d, v);
  for (int b = 0; b < n; ++b) remove_span(q, r, d, v[b]);
}

// Lower Cholesky factor of the symmetric n x n matrix a (in place); false when not positive definite.
bool cholesky(std::vector<double>& a, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    double s = a[j * n + j];
    for (int64_t k = 0; k < j; ++k) s -= a[j * n + k] * a[j * n + k];
    if (!(s > 0)) return false;
    a[j * n + j] = std::sqrt(s);
    for (int64_t i = j + 1; i < n; ++i) {
      double t = a[i * n + j];
      for (int64_t k = 0; k < j; ++k) t -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = t / a[j * n + j];
    }
  }
  return true;
}

// Continued fraction of the incomplete beta function (Numerical Recipes 6.4, modified Lentz).
double beta_cf(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m < 10000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d, c = 1 + aa / c;
    if (std::fabs(d) < tiny) d = tiny;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d, h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d, c = 1 + aa / c;
    if (std::fabs(d) < tiny) d = tiny;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-15) break;
  }
  return h;
}

// Regularised incomplete beta I_x(a, b).
double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return front * beta_cf(a, b, x) / a;
  return 1 - front * beta_cf(b, a, 1 - x) / b;
}

}  // namespace

double f_upper_tail(double f, double d1, double d2) {
  if (!(f > 0)) return 1;
  if (!std::isfinite(f)) return 0;
  // P(F > f) = I_{d2 / (d2 + d1 f)}(d2 / 2, d1 / 2)
  return incomplete_beta(d2 / 2, d1 / 2, d2 / (d2 + d1 * f));
}

std::vector<double> span_basis(const Case& c, int64_t* r) {
  std::vector<double> q;
  int64_t n = 0;
  const int64_t d = c.d;
  std::vector<double> v(d);
  auto add = [&](const double* row) {
    const double size = std::sqrt(dot(row, row, d));
    if (!(size > 0) || n >= d) return;
    std::copy(row, row + d, v.begin());
    remove_span(q, n, d, v.data());
    const double rest = std::sqrt(dot(v.data(), v.data(), d));
    if (!(rest > 1e-9 * size)) return;
    for (double& x : v) x /= rest;
    q.insert(q.end(), v.begin(), v.end());
    ++n;
  };
  for (int64_t j = 0; j < c.K; ++j) add(c.student.data() + j * d);
  for (int64_t k = 0; k < c.Kstar; ++k) add(c.teacher.data() + k * d);
  *r = n;
  return q;
}

bool span_test_applies(const Case& c, uint64_t batches) {
  if (c.quantity == Quantity::Loss || !has_exact_closed_form(c.input) || batches < 32) return false;
  int64_t r = 0;
  span_basis(c, &r);
  return r >= 1 && static_cast<uint64_t>(quantity_rows(c) * r) * 4 <= batches;
}

void span_statistics(const Case& c, const std::vector<double>& partial, uint64_t N, Estimate& e) {
  e.span_dim = 0;
  e.span_cov.clear();
  e.perp_var.clear();
  const uint64_t B = e.batches;
  const int64_t d = c.d, R = quantity_rows(c), m = R * d;
  if (!span_test_applies(c, B) || partial.size() != static_cast<size_t>(B) * 2 * m) return;
  int64_t r = 0;
  const std::vector<double> q = span_basis(c, &r);
  const int64_t p = R * r;
  // Two passes over the batch means: the span coordinates y_k (B x p) and the parts outside the span (kept,
  // B x m: as much as the chunk sums' own half) with their mean; then the parts' spread around that mean.
  // The rows are independent (each writes its own y columns, obar row, kept parts and perp_var entry, in batch
  // order), so they go over the threads: the same bits whatever their number. At small N this O(B m r) work is
  // a few per cent of an estimate's time on one core (bench/RESULTS.md).
  std::vector<double> y(static_cast<size_t>(B) * p), obar(m, 0.0);
  std::vector<double> outside(d > r ? static_cast<size_t>(B) * static_cast<size_t>(m) : 0);
  auto batch_row = [&](uint64_t k, int64_t j, double* out) {  // the batch mean of row j in chunk k
    const double size = static_cast<double>(chunk_begin(N, B, k + 1) - chunk_begin(N, B, k));
    for (int64_t a = 0; a < d; ++a) out[a] = partial[k * 2 * m + j * d + a] / size;
  };
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < R; ++j) {
    // kBatches batches at a time: their projections removed side by side (remove_span_batches), then added to
    // obar in batch order.
    std::vector<double> buf(static_cast<size_t>(kBatches * d));
    for (uint64_t k0 = 0; k0 < B; k0 += kBatches) {
      const int nb = static_cast<int>(std::min<uint64_t>(kBatches, B - k0));
      double* o[kBatches];
      for (int b = 0; b < nb; ++b) {
        const uint64_t k = k0 + static_cast<uint64_t>(b);
        o[b] = d > r ? outside.data() + k * m + j * d : buf.data() + b * d;
        batch_row(k, j, o[b]);
        dot_rows(q, r, d, o[b], y.data() + k * p + j * r);
      }
      remove_span_batches(q, r, d, o, nb);
      for (int b = 0; b < nb; ++b)
        for (int64_t a = 0; a < d; ++a) obar[j * d + a] += o[b][a];
    }
  }
  const double Bd = static_cast<double>(B);
  std::vector<double> ybar(p, 0.0);
  for (uint64_t k = 0; k < B; ++k)
    for (int64_t a = 0; a < p; ++a) ybar[a] += y[k * p + a];
  for (double& v : ybar) v /= Bd;
  for (double& v : obar) v /= Bd;
  // Covariance of the mean = covariance of one batch mean / B.
  e.span_cov.assign(static_cast<size_t>(p) * p, 0.0);
  for (uint64_t k = 0; k < B; ++k)
    for (int64_t a = 0; a < p; ++a)
      for (int64_t b = 0; b <= a; ++b) e.span_cov[a * p + b] += (y[k * p + a] - ybar[a]) * (y[k * p + b] - ybar[b]);
  for (int64_t a = 0; a < p; ++a)
    for (int64_t b = 0; b <= a; ++b) e.span_cov[b * p + a] = e.span_cov[a * p + b] /= (Bd - 1) * Bd;
  e.span_dim = p;
  if (d > r) {
    e.perp_var.assign(R, 0.0);
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < R; ++j) {
      double v = 0;  // in a register: a sum through e.perp_var[j] would wait on its own store every term
      for (uint64_t k = 0; k < B; ++k) {
        const double* o = outside.data() + k * m + j * d;
        for (int64_t a = 0; a < d; ++a) {
          const double t = o[a] - obar[j * d + a];
          v += t * t;
        }
      }
      e.perp_var[j] = v;
    }
    for (double& v : e.perp_var) v /= static_cast<double>(d - r) * (Bd - 1) * Bd;
  }
}

double span_test_p(const Case& c, const std::vector<double>& diff, const Estimate& e, double floor) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (e.span_dim == 0) return nan;
  int64_t r = 0;
  const std::vector<double> q = span_basis(c, &r);
  const int64_t d = c.d, R = quantity_rows(c), p = R * r;
  if (p != e.span_dim || e.span_cov.size() != static_cast<size_t>(p) * p ||
      diff.size() != static_cast<size_t>(R * d) || (d > r && e.perp_var.size() != static_cast<size_t>(R)))
    return nan;
  const double B = static_cast<double>(e.batches);
  // In the span: T^2 = u' (C + floor^2 I)^-1 u by a Cholesky solve.
  std::vector<double> u(p), L = e.span_cov;
  for (int64_t j = 0; j < R; ++j)
    for (int64_t i = 0; i < r; ++i) u[j * r + i] = dot(q.data() + i * d, diff.data() + j * d, d);
  for (int64_t a = 0; a < p; ++a) L[a * p + a] += floor * floor;
  if (!cholesky(L, p)) return nan;
  double t2 = 0;
  for (int64_t a = 0; a < p; ++a) {  // forward substitution: L z = u, T^2 = |z|^2
    double s = u[a];
    for (int64_t b = 0; b < a; ++b) s -= L[a * p + b] * u[b];
    u[a] = s / L[a * p + a];
    t2 += u[a] * u[a];
  }
  const double pd = static_cast<double>(p);
  double p_span = f_upper_tail(t2 * (B - pd) / (pd * (B - 1)), pd, B - pd);
  if (!std::isfinite(t2)) p_span = 0;
  if (d == r) return p_span;
  // Outside the span, row by row, Sidak over the rows.
  const double dof = static_cast<double>(d - r);
  double pmin = 1;
  std::vector<double> o(d);
  for (int64_t j = 0; j < R; ++j) {
    std::copy(diff.begin() + j * d, diff.begin() + (j + 1) * d, o.begin());
    remove_span(q, r, d, o.data());
    const double f = dot(o.data(), o.data(), d) / (dof * (e.perp_var[j] + floor * floor));
    pmin = std::min(pmin, std::isfinite(f) ? f_upper_tail(f, dof, dof * (B - 1)) : 0.0);
  }
  return sidak_p(std::min(p_span, sidak_p(pmin, static_cast<double>(R))), 2);
}

}  // namespace relumc
