// SPDX-License-Identifier: MIT
// Exact binomial tail bands for calibration tests: the number of rejections among n independent
// tests of level alpha is Binomial(n, alpha) when the level is right.
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

}  // namespace relumc::testing
