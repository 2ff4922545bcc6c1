// SPDX-License-Identifier: MIT
#include "relumc/stats/verdict.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace relumc {

double normal_two_sided_p(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

double normal_two_sided_quantile(double p) {
  if (!(p > 0)) return std::numeric_limits<double>::infinity();
  if (!(p < 1)) return 0;
  double lo = 0, hi = 40;  // erfc(40 / sqrt 2) is below every double: the root lies inside
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (normal_two_sided_p(mid) > p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double edgeworth_tail_error(double z, double gamma, double kappa) {
  const double z2 = z * z, phi = std::exp(-0.5 * z2) / std::sqrt(2 * M_PI);
  const double correction = 2 * z * phi * (gamma * gamma * (z2 * z2 + 2 * z2 - 3) / 18 - kappa * (z2 - 3) / 12);
  return std::max(0.0, correction) / normal_two_sided_p(z);
}

CaseResult test_case(const Case& c, const std::vector<double>& cf, const Estimate& e, Precision precision, Test test) {
  CaseResult r;
  r.closed_form = cf;
  r.estimate = e;
  r.measured = is_measurement(c);
  const double eps = precision == Precision::Float ? std::numeric_limits<float>::epsilon()
                                                   : std::numeric_limits<double>::epsilon();
  // At the normalised scale: every number divided by the same power of two (exact), so z, p and the
  // verdict are those of the normalised case whatever the weights' scale.
  const CaseScale scale = case_scale(c);
  const int down = -scale.result_exp;
  const double floor = 16 * eps * magnitude(normalised(c, scale));
  double diff2 = 0, cf2 = 0, pmin = 1, se2 = 0;
  bool finite = true;
  std::vector<double> diffs(cf.size());
  for (size_t a = 0; a < cf.size(); ++a) {
    const double mc = std::ldexp(e.mean[a], down), se = std::ldexp(e.std_error[a], down);
    const double truth = std::ldexp(cf[a], down), diff = mc - truth;
    diffs[a] = diff;
    finite = finite && std::isfinite(mc) && std::isfinite(se);
    diff2 += diff * diff;
    cf2 += truth * truth;
    se2 += se * se;
    const double z = diff / std::sqrt(se * se + floor * floor);
    r.max_abs_z = std::max(r.max_abs_z, std::fabs(z));
    pmin = std::min(pmin, normal_two_sided_p(z));
    if (a < e.mean_skewness.size()) r.mean_skewness = std::max(r.mean_skewness, std::fabs(e.mean_skewness[a]));
    if (a < e.mean_kurtosis.size()) r.mean_kurtosis = std::max(r.mean_kurtosis, std::fabs(e.mean_kurtosis[a]));
  }
  r.rel_error = std::sqrt(cf2) > floor ? std::sqrt(diff2 / cf2) : std::numeric_limits<double>::quiet_NaN();
  r.p_value = sidak_p(pmin, static_cast<double>(cf.size()));
  if (test == Test::Span && !r.measured) {
    const double p = span_test_p(normalised(c, scale), diffs, e, floor);
    if (std::isfinite(p)) r.p_value = p, r.test = Test::Span;
  }
  if (!finite) {  // a broken estimate can never pass
    r.p_value = 0;
    r.max_abs_z = std::numeric_limits<double>::quiet_NaN();
  }
  r.abs_deviation = std::ldexp(std::sqrt(diff2), -down);
  r.deviation_se = std::ldexp(std::sqrt(se2), -down);
  r.rel_deviation_se = std::isfinite(r.rel_error) ? std::sqrt(se2) / std::sqrt(cf2) : std::numeric_limits<double>::quiet_NaN();
  return r;
}

namespace {

// The effective-sample rule (verdict.hpp) for one case at level alpha.
void apply_effective_sample_rule(CaseResult& r, double alpha) {
  const size_t m = std::max<size_t>(1, r.closed_form.size());
  const bool known = !r.estimate.mean_skewness.empty();
  if (!known) return;  // an estimate from elsewhere, without batch moments: the rule cannot be applied
  if (r.p_value == 0 && !std::isfinite(r.max_abs_z)) return;  // a broken estimate stays a rejection
  const double z = normal_two_sided_quantile(-std::expm1(std::log1p(-alpha) / static_cast<double>(m)));
  // The case rejects when some component does: its rejection rate is at most the sum of the components'
  // tails, so the relative excess that matters is the mean of the components' own.
  double sum = 0;
  for (size_t a = 0; a < r.estimate.mean_skewness.size() && a < r.estimate.mean_kurtosis.size(); ++a)
    sum += edgeworth_tail_error(z, r.estimate.mean_skewness[a], r.estimate.mean_kurtosis[a]);
  r.tail_error = sum / static_cast<double>(m);
  r.inconclusive = r.estimate.batches < kMinBatches || !(r.tail_error <= kMaxTailError);
}

}  // namespace

bool apply_holm(std::vector<CaseResult>& results, double alpha) {
  std::vector<size_t> order;
  for (size_t k = 0; k < results.size(); ++k) {
    if (!results[k].measured) apply_effective_sample_rule(results[k], alpha);
    if (!results[k].measured && !results[k].inconclusive) {
      order.push_back(k);
    } else {
      results[k].p_holm = std::numeric_limits<double>::quiet_NaN();
      results[k].passed = true;  // no verdict; writers show "measured" or "inconclusive"
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
