// SPDX-License-Identifier: MIT
#include "relumc/stats/verdict.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace relumc {

double normal_two_sided_p(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

CaseResult test_case(const Case& c, const std::vector<double>& cf, const Estimate& e, Precision precision) {
  CaseResult r;
  r.closed_form = cf;
  r.estimate = e;
  const double eps = precision == Precision::Float ? std::numeric_limits<float>::epsilon()
                                                   : std::numeric_limits<double>::epsilon();
  const double floor = 16 * eps * magnitude(c);
  double diff2 = 0, cf2 = 0, pmin = 1, se2 = 0;
  for (size_t a = 0; a < cf.size(); ++a) {
    const double diff = e.mean[a] - cf[a];
    diff2 += diff * diff;
    cf2 += cf[a] * cf[a];
    se2 += e.std_error[a] * e.std_error[a];
    const double z = diff / std::sqrt(e.std_error[a] * e.std_error[a] + floor * floor);
    r.max_abs_z = std::max(r.max_abs_z, std::fabs(z));
    pmin = std::min(pmin, normal_two_sided_p(z));
  }
  r.rel_error = std::sqrt(cf2) > floor ? std::sqrt(diff2 / cf2) : std::numeric_limits<double>::quiet_NaN();
  // Sidak: 1 - (1 - pmin)^m, computed without cancellation.
  r.p_value = std::min(1.0, -std::expm1(static_cast<double>(cf.size()) * std::log1p(-pmin)));
  if (pmin == 0) r.p_value = 0;
  r.measured = is_measurement(c);
  r.abs_deviation = std::sqrt(diff2);
  r.deviation_se = std::sqrt(se2);
  r.rel_deviation_se = std::isfinite(r.rel_error) ? r.deviation_se / std::sqrt(cf2) : std::numeric_limits<double>::quiet_NaN();
  return r;
}

bool apply_holm(std::vector<CaseResult>& results, double alpha) {
  std::vector<size_t> order;
  for (size_t k = 0; k < results.size(); ++k) {
    if (!results[k].measured) {
      order.push_back(k);
    } else {
      results[k].p_holm = std::numeric_limits<double>::quiet_NaN();
      results[k].passed = true;  // no verdict; writers show "measured"
    }
  }
  const size_t n = order.size();
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return results[a].p_value < results[b].p_value; });
  double running = 0;
  bool all_passed = true;
  for (size_t rank = 0; rank < n; ++rank) {
    CaseResult& r = results[order[rank]];
    running = std::max(running, std::min(1.0, static_cast<double>(n - rank) * r.p_value));
    r.p_holm = running;
    r.passed = r.p_holm > alpha;  // adjusted p <= alpha is exactly Holm's rejection rule
    all_passed = all_passed && r.passed;
  }
  return all_passed;
}

SlopeFit fit_error_slope(const std::vector<Case>& cases, const std::vector<CaseResult>& results, Quantity q) {
  std::map<uint64_t, std::pair<double, int>> by_n;  // N -> (sum of log rel error, count)
  for (size_t k = 0; k < cases.size(); ++k) {
    if (cases[k].quantity != q || results[k].measured || !std::isfinite(results[k].rel_error) ||
        results[k].rel_error <= 0)
      continue;  // measurements carry a bias by definition: they say nothing about N^-1/2
    auto& [s, count] = by_n[cases[k].samples];
    s += std::log(results[k].rel_error);
    ++count;
  }
  SlopeFit fit;
  fit.points = static_cast<int>(by_n.size());
  if (fit.points < 2) {
    fit.slope = std::numeric_limits<double>::quiet_NaN();
    return fit;
  }
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [n, acc] : by_n) {
    const double x = std::log(static_cast<double>(n)), y = acc.first / acc.second;
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double k = fit.points;
  fit.slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
  return fit;
}

}  // namespace relumc
