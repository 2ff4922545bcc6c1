// SPDX-License-Identifier: MIT
// The span test: a stronger test of a vector quantity (gating, grad) than Sidak over its components.
//
// Every closed form of a vector quantity lies, row by row, in S = span(rows of W and W*) (for gating
// span(e, w)), of dimension r <= K + K*. For a row j of the estimate, split mean_j - cf_j into its
// coordinates in an orthonormal basis Q of S and the rest:
//   - in S, the R x r coordinates (R rows: K for grad, 1 for gating; p = R r) are tested together by
//     Hotelling's T^2 on the B batch means: T^2 = u' C^-1 u with u = Q (mean - cf) and C the covariance of
//     the mean estimated from the batch means (C = S_b / B); (B - p) / (p (B - 1)) T^2 ~ F(p, B - p)
//     (exact for normal batch means). Unlike per-component z-scores it uses the correlations and tests
//     only the r dimensions where a formula can differ.
//   - outside S, for an isotropic input, the mean has expectation zero, and by rotation invariance every
//     coordinate of row j has the same variance and no correlation with the others: |P_perp(mean_j - cf_j)|^2
//     / ((d - r) v_j) ~ F(d - r, (d - r)(B - 1)), with v_j the pooled variance of the mean per coordinate
//     from the batch means. Rows are combined by Sidak. This part checks the estimator itself.
//   The case's p-value is the Sidak combination of the two (of the one, where d = r).
// Both use the rounding floor of the z-test (floor^2 added to the variances), so an exact estimate stays
// finite. The statistics come from the batch means at the normalised scale (case.hpp, case_scale) and are
// kept in the estimate (and the journal): span_cov, perp_var.
#pragma once

#include "relumc/backend/estimate.hpp"
#include "relumc/core/case.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace relumc {

// Which test turns a case's estimate into its p-value (docs/statistics.md).
enum class Test { Sidak, Span };
std::string_view to_string(Test t);
std::optional<Test> parse_test(std::string_view s);

// An orthonormal basis of span(student rows, teacher rows), r x d row-major (modified Gram-Schmidt, twice;
// a row whose remainder is below 1e-9 of its norm adds no direction).
std::vector<double> span_basis(const Case& c, int64_t* r);

// Whether the span test applies to c with B batches: a vector quantity, an isotropic input (Gaussian,
// sphere, ball), p = rows(c) r <= B / 4 and B >= 32.
bool span_test_applies(const Case& c, uint64_t batches);

// Fills e.span_dim, e.span_cov and e.perp_var from the batch means, the chunk sums of partial (the layout of
// combine_chunk_sums: per chunk m sums then m sums of squares, chunk k of N * k / B .. N * (k + 1) / B)
// divided by their sizes, at the normalised scale of c_normalised, when the span test applies (e.batches
// set); leaves them empty otherwise.
void span_statistics(const Case& c_normalised, const std::vector<double>& partial, uint64_t N, Estimate& e);

// The span test's p-value for the differences diff = mean - cf at the normalised scale; NaN when the
// estimate carries no span statistics (the caller then uses Sidak).
double span_test_p(const Case& c_normalised, const std::vector<double>& diff, const Estimate& e, double floor);

// Sidak's combination of m tests by their smallest p-value: 1 - (1 - p_min)^m, computed without
// cancellation (-expm1(m log1p(-p_min))); exactly 0 when p_min is.
inline double sidak_p(double p_min, double m) {
  return p_min == 0 ? 0.0 : std::min(1.0, -std::expm1(m * std::log1p(-p_min)));
}

// P(F > f) for F ~ F(d1, d2) (regularised incomplete beta).
double f_upper_tail(double f, double d1, double d2);

}  // namespace relumc
