// SPDX-License-Identifier: MIT
// Distributions the statistical tests derive their thresholds from, computed here rather than tuned:
// exact binomial tail bands for calibration tests (the number of rejections among n independent tests of
// level alpha is Binomial(n, alpha) when the level is right), and chi-square quantiles for pooled z^2 and
// variance-ratio tests (checked against published tables in test_monte_carlo.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <utility>

namespace relumc::testing {

// P(X <= k) for X ~ Binomial(n, p), summing the pmf in log space (exact to rounding for these n).
inline double binomial_cdf(int k, int n, double p) {
  if (k < 0) return 0;
  double s = 0;
  for (int i = 0; i <= std::min(k, n); ++i)
    s += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) + i * std::log(p) +
                  (n - i) * std::log1p(-p));
  return std::min(1.0, s);
}

// Two-sided acceptance band [lo, hi] with P(X < lo) <= tail and P(X > hi) <= tail.
inline std::pair<int, int> binomial_band(int n, double p, double tail) {
  int lo = 0;
  while (binomial_cdf(lo, n, p) <= tail) ++lo;  // P(X <= lo - 1) <= tail
  int hi = lo;
  while (1 - binomial_cdf(hi, n, p) > tail) ++hi;  // P(X > hi) <= tail
  return {lo, hi};
}

// Regularized lower incomplete gamma P(a, x) (Numerical Recipes 6.2: series below a + 1, else the
// continued fraction for Q = 1 - P by modified Lentz).
inline double gamma_p(double a, double x) {
  if (x <= 0) return 0;
  const double log_prefactor = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1) {  // series
    double ap = a, del = 1 / a, sum = del;
    for (int n = 0; n < 100000; ++n) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (std::fabs(del) < std::fabs(sum) * 1e-16) break;
    }
    return sum * std::exp(log_prefactor);
  }
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-16) break;
  }
  return 1 - std::exp(log_prefactor) * h;
}

inline double chi2_cdf(double dof, double x) { return gamma_p(dof / 2, x / 2); }

// Quantile by bisection on the CDF (monotone), to far better than the tests need.
inline double chi2_quantile(double dof, double q) {
  double lo = 0, hi = dof + 50 * std::sqrt(2 * dof) + 100;
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    (chi2_cdf(dof, mid) < q ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace relumc::testing
