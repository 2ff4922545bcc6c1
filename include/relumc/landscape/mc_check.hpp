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
//             are not sampled (they hold a delta function; see docs/landscape.md).
// Each test runs at level alpha / (number of tests) (Bonferroni across the check), so the whole check
// wrongly fails a correct point with probability at most alpha.
//
// Streams under `seed` (contract v1): gradient 0, loss 1, Hessian blocks 2. The Hessian sampler draws x_i
// with draw_sample (relumc/math/sample_contract.hpp) and sums each entry in sample order, so the result
// depends only on (seed, samples) and never on the thread count.
//
// Usage:
//   relumc::McCheck m = relumc::mc_check(W, K, Wstar, Kstar, d, {.samples = 200000, .seed = 7});
//   m.passed; m.tests[0].p_value
#pragma once

#include "relumc/landscape/hessian.hpp"

#include <cstdint>
#include <string>
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
};

// Throws InputError naming the field: samples in [2, 1e12], alpha in (0, 1).
void check_mc_options(const McCheckOptions& o);

struct McTest {
  std::string name;        // gradient_zero | gradient | loss | hessian_offdiagonal
  int64_t components = 0;  // numbers tested
  uint64_t samples = 0;
  double max_abs_z = 0;
  double p_value = 1;      // Sidak over the components
  double level = 0;        // alpha / number of tests
  bool passed = true;      // p_value > level
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

}  // namespace relumc
