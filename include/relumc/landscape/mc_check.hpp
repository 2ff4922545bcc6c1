// SPDX-License-Identifier: MIT
// Monte Carlo confirmation of a landscape point by the engine's own estimates (docs/landscape.md):
//   gradient  the MC gradient (relumc::estimate, backend cpu) against the zero vector (at a critical point:
//             "statistically zero"), or against the closed-form gradient (any point), by the engine's test
//             (relumc/stats/verdict.hpp, test_case: per-component z, Sidak);
//   loss      the MC loss equals the closed-form loss (the same test);
//   hessian   every off-diagonal block H_jk = E[1(w_j.x > 0) 1(w_k.x > 0) x x^T] (its d(d+1)/2 distinct
//             entries, every pair j < k) against the closed form (or a deliberately wrong one, which the
//             check must reject): the mean of the per-sample matrices, per-entry z-scores with the standard
//             error from the samples and the rounding floor 16 eps, Sidak over the entries;
//   hessian_diagonal  every diagonal block H_jj (d(d+1)/2 entries per row j), by conditioning on w_j.x = 0:
//             H_jj = E[1(w_j.x > 0) x x^T] + E[delta(w_j.x) r(x) x x^T], r = g(x; W) - g(x; W*) (row j's own term
//             vanishes on w_j.x = 0). With u = w_j/|w_j|, x = (u.x) u + y, y = (I - u u^T) x is independent of
//             u.x ~ N(0, 1) and delta(w_j.x) = delta(u.x)/|w_j|, so E[delta(w_j.x) f(x)] = E[f(y)] / (sqrt(2 pi)
//             |w_j|). Per sample: 1(w_j.x > 0) x x^T + r(y) y y^T / (sqrt(2 pi) |w_j|), unbiased, against the
//             closed form (or a wrong one: DiagonalFormula). Central differences of the per-sample gradient
//             (estimate_diagonal_blocks_fd) are the other estimator, kept for the tests: they are biased O(h^2)
//             only where the Hessian is differentiable, which it is not where two rows are parallel (D carries
//             sin theta; at a global minimum, a symmetric saddle, a split row the bias is O(h));
//   negative_curvature (when a direction v is given, e.g. a saddle's most negative eigenvector): the mean of
//             the per-sample second difference q(x) = l(x; W + eps v) + l(x; W - eps v) - 2 l(x; W) (common
//             random numbers: one x for the three points), eps = curvature_step |W|_F, |v| = 1. J's second
//             difference is lambda eps^2 + O(eps^4); the test passes when the MC mean is significantly
//             negative: p = P(z' >= z) one-sided for H0 "no negative curvature", z = mean / se, pass when
//             p <= level. The closed-form second difference is reported beside it.
// Each test runs at level alpha / (number of tests) (Bonferroni across the check), so the whole check
// wrongly fails a correct point with probability at most alpha.
//
// Effective samples: every test applies the engine's rule (stats/verdict.hpp, docs/statistics.md): the
// samplers keep per-chunk sums over the engine's fixed chunks (backend/estimate.hpp, chunk_count), so the
// batch means give the mean's skewness and kurtosis; tail_error > 1/4 or fewer than 32 batches is
// "inconclusive" (no confirmation: passed false). The curvature test is one-sided: its tail error is the
// one-sided Edgeworth correction, gamma (2 z^2 + 1) phi(z) / 6 plus half the engine's two-sided term.
//
// Streams under `seed` (contract v1): gradient 0, loss 1, Hessian blocks 2, curvature 3, diagonal blocks 4.
// The samplers draw x_i with draw_sample (relumc/math/sample_contract.hpp) and sum each chunk in sample
// order, chunks in chunk order, so the result depends only on (seed, samples), never on the thread count.
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
  HessianFormula hessian_formula = HessianFormula::Exact;     // the closed form the sampled blocks are held to
  DiagonalFormula diagonal_formula = DiagonalFormula::Exact;  // and the diagonal blocks
  bool gradient = true, loss = true, hessian = true, hessian_diagonal = true;  // which tests to run
  bool gradient_is_zero = true;  // the gradient's reference: 0 (a critical point) or the closed form
  std::vector<double> curvature_direction;  // K x d, unit norm; empty: no curvature test
  double curvature_step = 0.05;             // eps / |W|_F
};

// Throws InputError naming the field: samples in [2, 1e12], alpha in (0, 1).
void check_mc_options(const McCheckOptions& o);

struct McTest {
  std::string name;  // gradient_zero | gradient | loss | hessian_offdiagonal | hessian_diagonal | negative_curvature
  int64_t components = 0;  // numbers tested
  uint64_t samples = 0;
  double max_abs_z = 0;
  double p_value = 1;      // Sidak over the components
  double level = 0;        // alpha / number of tests
  bool passed = true;      // p_value > level (negative_curvature: p_value <= level); false when inconclusive
  // The engine's effective-sample rule (stats/verdict.hpp), for every test: too few effective samples for
  // the normal approximation is no confirmation either way.
  bool inconclusive = false;
  double tail_error = 0;
  std::optional<CaseResult> engine;  // the engine's result (gradient, loss; the samplers' in the same form)
  double estimate = std::numeric_limits<double>::quiet_NaN();   // negative_curvature: the MC second difference
  double reference = std::numeric_limits<double>::quiet_NaN();  // and the closed-form one
  double std_error = std::numeric_limits<double>::quiet_NaN();  // one-number tests (loss, curvature): the MC se
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
// (r <= c, row by row); mean, standard error and batch moments (an engine Estimate). Exposed for tests.
using GatePairEstimate = Estimate;
GatePairEstimate estimate_gate_pair_blocks(const double* W, int64_t K, int64_t d, uint64_t samples, uint64_t seed,
                                           int threads);

// The diagonal blocks by conditioning on w_j.x = 0 (above): for each row j (in order) the d(d+1)/2
// upper-triangle entries. Stream 4.
Estimate estimate_diagonal_blocks(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                                  uint64_t samples, uint64_t seed, int threads);

// The same by central differences of the per-sample gradient on common random numbers: for coordinate b of row
// j, c_b(x) = [G(x; w_j + h e_b) - G(x; w_j - h e_b)] / (2 h), G(x; w) = 1(w.x > 0) r(x; w) (r with row j
// replaced by w), the per-sample FD block x c^T symmetrised; h_j = step |w_j|. Its mean is the central
// difference of the closed-form gradient (fd_bias gives it minus H_jj, exactly); its variance is O(1/(h N)) (the
// gate flips on a share O(h) of the samples, where the difference is O(1/h)). Where the Hessian is differentiable
// the bias is h^2/6 times a third derivative, and bias / se grows like h^(5/2) sqrt(N): fd_step(N) = (6 rho /
// sqrt N)^(2/5) with rho = kFdBiasOverSe makes it rho for third derivatives and per-sample variances of order 1
// (docs/landscape.md). Stream 4.
inline constexpr double kFdBiasOverSe = 0.05;
double fd_step(uint64_t samples);
Estimate estimate_diagonal_blocks_fd(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                                     double step, uint64_t samples, uint64_t seed, int threads);
std::vector<double> fd_bias(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, double step);

// The negative-curvature test alone (see above); level is the test's own level.
McTest curvature_test(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                      const std::vector<double>& direction, double step, uint64_t samples, uint64_t seed, double level);

}  // namespace relumc
