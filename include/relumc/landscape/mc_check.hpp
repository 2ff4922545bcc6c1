// SPDX-License-Identifier: MIT
// Monte Carlo confirmation of a landscape point by the engine's own estimates (docs/landscape.md):
//   gradient  the MC gradient (relumc::estimate, backend cpu) against the zero vector (at a critical point:
//             "statistically zero"), or against the closed-form gradient (any point), by the engine's test
//             (relumc/stats/verdict.hpp, test_case: per-component z, Sidak);
//   loss      the MC loss equals the closed-form loss (the same test);
//   hessian   every off-diagonal block H_jk = E[1(w_j.x > 0) 1(w_k.x > 0) x x^T] (its d(d+1)/2 distinct
//             entries, every pair j < k) against the closed form (or a deliberately wrong one, which the
//             check must reject): the mean of the per-sample matrices with standard errors from the sample,
//             per-entry z-scores with the rounding floor 16 eps, Sidak over the entries. Diagonal blocks
//             are not sampled (they hold a delta function; see docs/landscape.md);
//   negative_curvature (when a direction v is given, e.g. a saddle's most negative eigenvector): the mean of
//             the per-sample second difference q(x) = l(x; W + eps v) + l(x; W - eps v) - 2 l(x; W) (common
//             random numbers: one x for the three points), eps = curvature_step |W|_F, |v| = 1. J's second
//             difference is lambda eps^2 + O(eps^4); the test passes when the MC mean is significantly
//             negative: p = P(z' >= z) one-sided for H0 "no negative curvature", z = mean / se, pass when
//             p <= level. The closed-form second difference is reported beside it.
// Each test runs at level alpha / (number of tests) (Bonferroni across the check), so the whole check
// wrongly fails a correct point with probability at most alpha.
//
// Streams under `seed` (contract v1): gradient 0, loss 1, Hessian blocks 2, curvature 3. The Hessian sampler draws x_i
// with draw_sample (relumc/math/sample_contract.hpp) and sums each entry in sample order, so the result
// depends only on (seed, samples) and never on the thread count.
//
// Usage:
//   relumc::McCheck m = relumc::mc_check(W, K, Wstar, Kstar, d, {.samples = 200000, .seed = 7});
//   m.passed; m.tests[0].p_value
#pragma once

#include "relumc/landscape/hessian.hpp"
#include "relumc/stats/verdict.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <optional>
#include <vector>

namespace relumc {

struct McCheckOptions {
  uint64_t samples = 100000;
  uint64_t seed = 1;
  double alpha = 0.01;
  int threads = 0;  // 0: all
  HessianFormula hessian_formula = HessianFormula::Exact;  // the closed form the sampled blocks are held to
  bool gradient = true, loss = true, hessian = true;       // which tests to run
  bool gradient_is_zero = true;  // the gradient's reference: 0 (a critical point) or the closed form
  std::vector<double> curvature_direction;  // K x d, unit norm; empty: no curvature test
  double curvature_step = 0.05;             // eps / |W|_F
};

// Throws InputError naming the field: samples in [2, 1e12], alpha in (0, 1).
void check_mc_options(const McCheckOptions& o);

struct McTest {
  std::string name;        // gradient_zero | gradient | loss | hessian_offdiagonal | negative_curvature
  int64_t components = 0;  // numbers tested
  uint64_t samples = 0;
  double max_abs_z = 0;
  double p_value = 1;      // Sidak over the components
  double level = 0;        // alpha / number of tests
  bool passed = true;      // p_value > level (negative_curvature: p_value <= level); false when inconclusive
  // The engine's effective-sample rule (stats/verdict.hpp), for the tests the engine estimates (gradient,
  // loss): too few effective samples for the normal approximation is no confirmation either way.
  bool inconclusive = false;
  double tail_error = 0;
  std::optional<CaseResult> engine;  // the engine's result (gradient, loss); empty for the others
  double estimate = std::numeric_limits<double>::quiet_NaN();   // negative_curvature: the MC second difference
  double reference = std::numeric_limits<double>::quiet_NaN();  // and the closed-form one
};

struct McCheck {
  std::vector<McTest> tests;
  bool passed = true;
  double alpha = 0;
};

// The check at W (no zero row: InputError naming `student` otherwise). The Hessian test runs only when
// K >= 2 (there is no off-diagonal block otherwise).
McCheck mc_check(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, const McCheckOptions& o);

// The sampled off-diagonal blocks alone: for each pair j < k (in order) the d(d+1)/2 upper-triangle entries
// (r <= c, row by row); mean and standard error. Exposed for tests.
struct GatePairEstimate {
  std::vector<double> mean, std_error;
  uint64_t samples = 0;
};
GatePairEstimate estimate_gate_pair_blocks(const double* W, int64_t K, int64_t d, uint64_t samples, uint64_t seed,
                                           int threads);

// The negative-curvature test alone (see above); level is the test's own level.
McTest curvature_test(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                      const std::vector<double>& direction, double step, uint64_t samples, uint64_t seed, double level);

}  // namespace relumc
