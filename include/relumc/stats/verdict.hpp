// SPDX-License-Identifier: MIT
// Statistical verdicts: per-case test and multiple-testing control across a sweep.
//
// Per case (m = components): z_a = (mc_a - cf_a) / sqrt(se_a^2 + floor^2), where se_a is the
// component's standard error from the samples (estimate.hpp) and floor = 16 eps(T) * magnitude(case)
// is the rounding floor of precision T (it keeps z finite when the estimate is exact, e.g. a zero
// gradient at w = w*). Each component gets a two-sided normal p-value; the case's p-value is the
// Sidak combination of the smallest one, p = 1 - (1 - p_min)^m: exact for independent components,
// conservative for the positively dependent ones here. Across the sweep, Holm's step-down procedure
// at level alpha controls the family-wise error rate under any dependence; a case passes when Holm
// does not reject it, and the sweep passes when no case is rejected.
//
// Scale: the test runs at the case's normalised scale (core/case.hpp, case_scale): differences and
// standard errors are divided by the same power of two, so z, p and the verdict do not depend on the scale of
// the weights. A non-finite estimate or standard error is a rejection (p = 0), never a pass.
//
// Effective samples: the normal approximation behind z fails where the per-sample quantity is rare and
// skewed (a gate that opens for few samples: gating near theta = pi). The studentised mean's two-sided tail
// is, by its Edgeworth expansion (Hall 1992, eq. 2.55), P(|T| > z) = 2 Phi(-z) + 2 z phi(z) [gamma^2 (z^4 +
// 2 z^2 - 3) / 18 - kappa (z^2 - 3) / 12 + O(1/N)], where gamma and kappa are the skewness and excess kurtosis
// of the mean (Estimate::mean_skewness, mean_kurtosis, from the batch means). At the critical value z* of the
// case's own level (two-sided, per component: 2 Phi(-z*) = 1 - (1 - alpha)^(1/m)) each component's
// correction where it raises the rejection rate (skewness of either sign and light tails, kappa < 0, do;
// heavy tails, kappa > 0, make the test conservative), relative to the nominal tail, averaged over the m
// components (the case rejects when one of them does, so its rate is at most the sum of their tails), is the
// case's tail_error. A case with tail_error > kMaxTailError, or with fewer than kMinBatches batches to
// estimate it from, is inconclusive: too few effective samples. It is neither a pass nor a rejection: it
// takes no part in Holm and does not fail the sweep, and the writers count and show it as such.
#pragma once

#include "relumc/core/case.hpp"
#include "relumc/backend/estimate.hpp"
#include "relumc/stats/span_test.hpp"

#include <vector>

namespace relumc {

struct CaseResult {
  std::vector<double> closed_form;
  Estimate estimate;
  double rel_error = 0;  // |mc - cf| / |cf| (Euclidean); NaN when cf is zero (written as null)
  double max_abs_z = 0;
  double p_value = 1;    // the case's own p-value (Sidak over components, or the span test)
  Test test = Test::Sidak;  // the test that gave p_value (Span asked for falls back to Sidak where it does not apply)
  double p_holm = 1;     // Holm-adjusted p-value across the sweep
  bool passed = true;     // meaningless when measured or inconclusive
  // The effective-sample rule (above): the largest |skewness| and |excess kurtosis| of the mean over the
  // components (for reports), the relative Edgeworth tail excess at the case's level, and the outcome.
  double mean_skewness = 0, mean_kurtosis = 0;
  double tail_error = 0;
  bool inconclusive = false;  // too few effective samples: no verdict (passed is meaningless)
  double seconds = 0;
  // A measurement (input without an exact closed form, the cube): no verdict, outside Holm and the
  // exit status. Its result is the deviation from the (variance-scaled) formula:
  bool measured = false;
  double abs_deviation = 0;   // |mc - cf| (Euclidean); rel_error is |mc - cf| / |cf|
  double deviation_se = 0;    // sqrt(sum_a se_a^2): the standard error of mc - cf (for a vector, the
                              // Euclidean size of the noise that |mc - cf| carries: E|mc - cf|^2 =
                              // |true deviation|^2 + deviation_se^2)
  double rel_deviation_se = 0;  // deviation_se / |cf|; NaN when cf = 0
};

// The case's outcome in words: "pass", "reject", "inconclusive" or "measured".
inline const char* verdict_name(const CaseResult& r) {
  return r.measured ? "measured" : r.inconclusive ? "inconclusive" : r.passed ? "pass" : "reject";
}

// Two-sided p-value of a standard normal statistic, and its inverse: the z > 0 with normal_two_sided_p(z) = p.
double normal_two_sided_p(double z);
double normal_two_sided_quantile(double p);

// The effective-sample rule's limits: the largest relative tail correction a verdict accepts, and the fewest
// batch means its moments are estimated from.
inline constexpr double kMaxTailError = 0.25;
inline constexpr uint64_t kMinBatches = 32;

// The relative Edgeworth correction to the two-sided tail at the critical value z of a mean with skewness
// gamma and excess kurtosis kappa (both of the mean), where it raises the rejection rate:
// max(0, 2 z phi(z) [gamma^2 (z^4 + 2 z^2 - 3) / 18 - kappa (z^2 - 3) / 12]) / (2 Phi(-z)).
double edgeworth_tail_error(double z, double gamma, double kappa);

// Compares an estimate with a closed form; leaves p_holm/passed for apply_holm. Cases of an input
// without an exact closed form (is_measurement) come back with measured = true.
// test: Sidak over the components, or the span test (stats/span_test.hpp) where the estimate carries its
// statistics (else Sidak).
CaseResult test_case(const Case& c, const std::vector<double>& cf, const Estimate& e, Precision precision,
                     Test test = Test::Sidak);

// Applies the effective-sample rule at level alpha (tail_error, inconclusive), then fills p_holm and passed
// of the cases that are neither measurements nor inconclusive (those get p_holm NaN and take no part);
// returns true when none of them is rejected at level alpha.
bool apply_holm(std::vector<CaseResult>& results, double alpha);

// Least-squares slope of log(relative error) against log(N), over the distinct N of the cases of one
// quantity, each N represented by the geometric mean of its cases' defined relative errors. Theory:
// -1/2. NaN when fewer than two distinct N.
struct SlopeFit {
  double slope = 0;
  int points = 0;
};
SlopeFit fit_error_slope(const std::vector<Case>& cases, const std::vector<CaseResult>& results, Quantity q);

}  // namespace relumc
