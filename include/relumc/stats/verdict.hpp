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
#pragma once

#include "relumc/core/case.hpp"
#include "relumc/backend/estimate.hpp"

#include <vector>

namespace relumc {

struct CaseResult {
  std::vector<double> closed_form;
  Estimate estimate;
  double rel_error = 0;  // |mc - cf| / |cf| (Euclidean); NaN when cf is zero (written as null)
  double max_abs_z = 0;
  double p_value = 1;    // the case's own p-value (Sidak over components)
  double p_holm = 1;     // Holm-adjusted p-value across the sweep
  bool passed = true;     // meaningless when measured
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

// Two-sided p-value of a standard normal statistic.
double normal_two_sided_p(double z);

// Compares an estimate with a closed form; leaves p_holm/passed for apply_holm. Cases of an input
// without an exact closed form (is_measurement) come back with measured = true.
CaseResult test_case(const Case& c, const std::vector<double>& cf, const Estimate& e, Precision precision);

// Fills p_holm and passed of the cases that are not measurements (measured ones get p_holm NaN and
// take no part); returns true when none of them is rejected at level alpha.
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
