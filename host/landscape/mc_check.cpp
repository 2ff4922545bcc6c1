// SPDX-License-Identifier: MIT
// Monte Carlo confirmation of a landscape point: the engine's estimates for the gradient and the loss,
// a small deterministic sampler for the off-diagonal Hessian blocks.
#include "relumc/landscape/mc_check.hpp"

#include "relumc/backend/estimate.hpp"
#include "relumc/core/case.hpp"
#include "relumc/core/errors.hpp"
#include "relumc/math/closed_forms.hpp"
#include "relumc/math/sample_contract.hpp"
#include "relumc/stats/verdict.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace relumc {

void check_mc_options(const McCheckOptions& o) {
  if (o.samples < 2 || o.samples > 1000000000000ull)
    throw InputError("mc_samples", fmt::format("{} must be in [2, 1e12]", o.samples));
  if (!(o.alpha > 0 && o.alpha < 1)) throw InputError("alpha", fmt::format("{} must be in (0, 1)", o.alpha));
}

namespace {

// The samplers' one shape: per-sample values (m numbers) summed per chunk of the engine's fixed chunking
// (chunk_count, chunk_begin), each chunk in sample order, chunks in parallel, then combine_chunk_sums in chunk
// order: mean, standard error and the batch moments of the effective-sample rule, independent of threads.
// fill(x, sum, sumsq, scratch) gets sample i's x (stream `stream`) and adds its m values and their squares to the
// chunk's sums (a sampler whose values are mostly 0 adds only the others); scratch is the thread's own
// `scratch_size` doubles.
template <class Fill>
Estimate chunked_estimate(int64_t m, int64_t d, uint64_t samples, uint64_t seed, uint32_t stream, int threads,
                          int64_t scratch_size, Fill fill) {
  const uint64_t chunks = chunk_count(samples, m);
  std::vector<double> partial(static_cast<size_t>(chunks * 2 * m), 0.0);
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<double> x(static_cast<size_t>(d)), scratch(static_cast<size_t>(scratch_size));
#pragma omp for schedule(dynamic)
    for (int64_t k = 0; k < static_cast<int64_t>(chunks); ++k) {
      double* s = partial.data() + k * 2 * m;
      double* q = s + m;
      for (uint64_t i = chunk_begin(samples, chunks, k); i < chunk_begin(samples, chunks, k + 1); ++i) {
        draw_sample<double>(seed, stream, i, d, x.data());
        fill(x.data(), s, q, scratch.data());
      }
    }
  }
  return combine_chunk_sums(partial, chunks, m, samples);
}

// A sampled test in the engine's form: per-component z = (mean - cf) / sqrt(se^2 + floor^2), Sidak over the
// components; the CaseResult carries the estimate so that mc_check applies the effective-sample rule to it.
McTest sampled_test(const char* name, const std::vector<double>& cf, const Estimate& e, double floor) {
  McTest t;
  t.name = name;
  t.components = static_cast<int64_t>(cf.size());
  t.samples = e.samples;
  double pmin = 1;
  bool finite = true;
  for (size_t a = 0; a < cf.size(); ++a) {
    const double z = (e.mean[a] - cf[a]) / std::sqrt(e.std_error[a] * e.std_error[a] + floor * floor);
    finite = finite && std::isfinite(z);
    t.max_abs_z = std::max(t.max_abs_z, std::fabs(z));
    pmin = std::min(pmin, normal_two_sided_p(z));
  }
  t.p_value = finite ? sidak_p(pmin, static_cast<double>(cf.size())) : 0.0;
  if (!finite) t.max_abs_z = std::numeric_limits<double>::quiet_NaN();
  CaseResult r;
  r.closed_form = cf;
  r.estimate = e;
  r.max_abs_z = t.max_abs_z;
  r.p_value = t.p_value;
  t.engine = std::move(r);
  return t;
}

// The one-sided Edgeworth correction to P(T <= -z) for the studentised mean T (Hall 1992: P(T <= x) = Phi(x) +
// gamma (2 x^2 + 1) phi(x) / 6 + O(1/N), gamma the mean's skewness; the O(1/N) term is half the two-sided one
// of edgeworth_tail_error), where it raises the rate of a false "negative", relative to the nominal Phi(-z).
double lower_tail_error(double z, double gamma, double kappa) {
  const double z2 = z * z, phi = std::exp(-0.5 * z2) / std::sqrt(2 * kPi);
  const double correction =
      gamma * (2 * z2 + 1) * phi / 6 + z * phi * (gamma * gamma * (z2 * z2 + 2 * z2 - 3) / 18 - kappa * (z2 - 3) / 12);
  return std::max(0.0, correction) / (0.5 * std::erfc(z / std::sqrt(2.0)));
}

}  // namespace

GatePairEstimate estimate_gate_pair_blocks(const double* W, int64_t K, int64_t d, uint64_t samples, uint64_t seed,
                                           int threads) {
  const int64_t tri = d * (d + 1) / 2, pairs = K * (K - 1) / 2;
  return chunked_estimate(std::max<int64_t>(1, pairs * tri), d, samples, seed, 2, threads, K,
                          [&](const double* x, double* s, double* q, double* gate) {
    for (int64_t j = 0; j < K; ++j) gate[j] = dot(W + j * d, x, d) > 0;
    int64_t a = 0;  // K = 1: no pair, one component that stays 0
    for (int64_t j = 0; j < K; ++j)
      for (int64_t k = j + 1; k < K; ++k) {
        if (gate[j] == 0 || gate[k] == 0) {  // the sample's matrix is 0: nothing to add
          a += tri;
          continue;
        }
        for (int64_t r = 0; r < d; ++r)
          for (int64_t c = r; c < d; ++c, ++a) {
            const double v = x[r] * x[c];
            s[a] += v, q[a] += v * v;
          }
      }
  });
}

double fd_step(uint64_t samples) { return std::pow(6 * kFdBiasOverSe / std::sqrt(static_cast<double>(samples)), 0.4); }

Estimate estimate_diagonal_blocks(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                                  uint64_t samples, uint64_t seed, int threads) {
  const int64_t tri = d * (d + 1) / 2;
  std::vector<double> inv(static_cast<size_t>(K));  // 1 / (sqrt(2 pi) |w_j|): the density of w_j.x at 0
  for (int64_t j = 0; j < K; ++j) inv[j] = 1 / (std::sqrt(2 * kPi) * norm(W + j * d, d));
  return chunked_estimate(K * tri, d, samples, seed, 4, threads, d, [&](const double* x, double* s, double* sq, double* y) {
    int64_t a = 0;
    for (int64_t j = 0; j < K; ++j) {
      const double* w = W + j * d;
      const double nw = norm(w, d), along = dot(w, x, d) / nw;
      for (int64_t c = 0; c < d; ++c) y[c] = x[c] - along * w[c] / nw;  // x projected on w_j.x = 0
      double r = 0;  // the residual there (row j's own term is 0 on the hyperplane)
      for (int64_t k = 0; k < K; ++k)
        if (k != j) r += std::max(0.0, dot(W + k * d, y, d));
      for (int64_t m = 0; m < Kstar; ++m) r -= std::max(0.0, dot(Wstar + m * d, y, d));
      const double open = along > 0 ? 1.0 : 0.0, delta = r * inv[j];
      for (int64_t p = 0; p < d; ++p)
        for (int64_t q = p; q < d; ++q, ++a) {
          const double v = open * x[p] * x[q] + delta * y[p] * y[q];
          s[a] += v, sq[a] += v * v;
        }
    }
  });
}

Estimate estimate_diagonal_blocks_fd(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                                     double step, uint64_t samples, uint64_t seed, int threads) {
  const int64_t tri = d * (d + 1) / 2;
  std::vector<double> h(static_cast<size_t>(K));
  for (int64_t j = 0; j < K; ++j) h[j] = step * norm(W + j * d, d);
  return chunked_estimate(K * tri, d, samples, seed, 4, threads, K + d,
                          [&](const double* x, double* s, double* sq, double* scratch) {
    double* u = scratch;      // K pre-activations
    double* c = scratch + K;  // d: the FD of the gate-times-residual along each coordinate
    double r0 = 0;
    for (int64_t m = 0; m < Kstar; ++m) r0 -= std::max(0.0, dot(Wstar + m * d, x, d));
    for (int64_t j = 0; j < K; ++j) u[j] = dot(W + j * d, x, d), r0 += std::max(0.0, u[j]);
    int64_t a = 0;
    for (int64_t j = 0; j < K; ++j) {
      // Row j moved by +-h e_b: its pre-activation is u_j +- h x_b, the residual's other terms stay.
      const double rest = r0 - std::max(0.0, u[j]);
      for (int64_t b = 0; b < d; ++b) {
        const double pp = u[j] + h[j] * x[b], pm = u[j] - h[j] * x[b];
        const double gp = pp > 0 ? rest + pp : 0.0, gm = pm > 0 ? rest + pm : 0.0;
        c[b] = (gp - gm) / (2 * h[j]);
      }
      for (int64_t r = 0; r < d; ++r)
        for (int64_t q = r; q < d; ++q, ++a) {
          const double v = 0.5 * (x[r] * c[q] + x[q] * c[r]);
          s[a] += v, sq[a] += v * v;
        }
    }
  });
}

std::vector<double> fd_bias(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, double step) {
  const int64_t n = K * d, tri = d * (d + 1) / 2;
  std::vector<double> out, exact(static_cast<size_t>(d * d)), fd(static_cast<size_t>(d * d)), M(W, W + n),
      gp(static_cast<size_t>(n)), gm(static_cast<size_t>(n));
  out.reserve(static_cast<size_t>(K * tri));
  for (int64_t j = 0; j < K; ++j) {
    diagonal_block(W, K, Wstar, Kstar, d, j, exact.data());
    const double h = step * norm(W + j * d, d);
    for (int64_t b = 0; b < d; ++b) {  // column b of row j's FD block, from the closed-form gradient
      const double w0 = M[j * d + b];
      M[j * d + b] = w0 + h;
      population_gradient(M.data(), K, Wstar, Kstar, d, gp.data());
      M[j * d + b] = w0 - h;
      population_gradient(M.data(), K, Wstar, Kstar, d, gm.data());
      M[j * d + b] = w0;
      for (int64_t r = 0; r < d; ++r) fd[r * d + b] = (gp[j * d + r] - gm[j * d + r]) / (2 * h);
    }
    for (int64_t r = 0; r < d; ++r)
      for (int64_t c = r; c < d; ++c) out.push_back(0.5 * (fd[r * d + c] + fd[c * d + r]) - exact[r * d + c]);
  }
  return out;
}

McTest curvature_test(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d,
                      const std::vector<double>& direction, double step, uint64_t samples, uint64_t seed, double level) {
  const int64_t n = K * d;
  if (static_cast<int64_t>(direction.size()) != n)
    throw InputError("curvature_direction", fmt::format("has {} numbers, the student {}", direction.size(), n));
  const double nv = norm(direction.data(), n);
  if (!(nv > 0) || !std::isfinite(nv)) throw InputError("curvature_direction", "must be a finite nonzero vector");
  if (!(step > 0) || !std::isfinite(step)) throw InputError("curvature_step", fmt::format("{} must be > 0", step));
  const double eps = step * norm(W, n);
  std::vector<double> plus(W, W + n), minus(W, W + n);
  for (int64_t i = 0; i < n; ++i) plus[i] += eps * direction[i] / nv, minus[i] -= eps * direction[i] / nv;
  auto per_sample_loss = [&](const double* M, const double* x) {
    double r = 0;
    for (int64_t j = 0; j < K; ++j) r += std::max(0.0, dot(M + j * d, x, d));
    for (int64_t m = 0; m < Kstar; ++m) r -= std::max(0.0, dot(Wstar + m * d, x, d));
    return 0.5 * r * r;
  };
  const Estimate e = chunked_estimate(1, d, samples, seed, 3, 0, 0, [&](const double* x, double* s, double* sq, double*) {
    const double v = per_sample_loss(plus.data(), x) + per_sample_loss(minus.data(), x) - 2 * per_sample_loss(W, x);
    s[0] += v, sq[0] += v * v;
  });
  const double mean = e.mean[0], se = e.std_error[0];
  McTest t;
  t.name = "negative_curvature";
  t.components = 1;
  t.samples = samples;
  t.estimate = mean;
  t.std_error = se;
  t.reference = population_loss(plus.data(), K, Wstar, Kstar, d) + population_loss(minus.data(), K, Wstar, Kstar, d) -
                2 * population_loss(W, K, Wstar, Kstar, d);
  const double z = se > 0 ? mean / se : (mean < 0 ? -INFINITY : INFINITY);
  t.max_abs_z = std::fabs(z);
  t.p_value = 0.5 * std::erfc(-z / std::sqrt(2.0));  // P(Z >= z): small when the mean is clearly negative
  t.level = level;
  // The effective-sample rule, one-sided: at the critical value z* (Phi(-z*) = level).
  const double zc = normal_two_sided_quantile(2 * level);
  t.tail_error = lower_tail_error(zc, e.mean_skewness[0], e.mean_kurtosis[0]);
  t.inconclusive = e.batches < kMinBatches || !(t.tail_error <= kMaxTailError);
  t.passed = !t.inconclusive && t.p_value <= level;
  return t;
}

namespace {

McTest engine_test(const char* name, Quantity q, uint32_t stream, const double* W, int64_t K, const double* Wstar,
                   int64_t Kstar, int64_t d, const std::vector<double>& cf, const McCheckOptions& o) {
  Case c;
  c.quantity = q;
  c.d = d, c.K = K, c.Kstar = Kstar;
  c.student.assign(W, W + K * d);
  c.teacher.assign(Wstar, Wstar + Kstar * d);
  c.samples = o.samples;
  c.stream = stream;
  c.origin = "weights";
  validate(c);
  EstimateOptions eo;
  eo.seed = o.seed;
  eo.threads = o.threads;
  const Estimate e = estimate(c, eo, Backend::Cpu);
  const CaseResult r = test_case(c, cf, e, Precision::Double);
  McTest t;
  t.name = name;
  t.components = static_cast<int64_t>(cf.size());
  t.samples = o.samples;
  t.max_abs_z = r.max_abs_z;
  t.p_value = r.p_value;
  if (cf.size() == 1) t.estimate = e.mean[0], t.std_error = e.std_error[0], t.reference = cf[0];
  t.engine = r;
  return t;
}

// The diagonal-block test: the conditioned estimate (unbiased) against the closed form (or a wrong one).
McTest diagonal_test(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, const McCheckOptions& o) {
  const Estimate e = estimate_diagonal_blocks(W, K, Wstar, Kstar, d, o.samples, o.seed, o.threads);
  std::vector<double> cf, block(static_cast<size_t>(d * d));
  for (int64_t j = 0; j < K; ++j) {
    diagonal_block(W, K, Wstar, Kstar, d, j, block.data(), o.diagonal_formula);
    for (int64_t r = 0; r < d; ++r)
      for (int64_t c = r; c < d; ++c) cf.push_back(block[r * d + c]);
  }
  // The entries are of order 1 (D carries |v| / |w_j|, scale-free): the rounding floor 16 eps.
  return sampled_test("hessian_diagonal", cf, e, 16 * std::numeric_limits<double>::epsilon());
}

}  // namespace

McCheck mc_check(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, const McCheckOptions& o) {
  check_mc_options(o);
  if (const int64_t j = kink_row(W, K, d); j >= 0)
    throw InputError("student", fmt::format("row {} is the zero vector: a kink, where J has no gradient to check", j));
  McCheck out;
  out.alpha = o.alpha;
  if (o.gradient) {
    std::vector<double> reference(static_cast<size_t>(K * d), 0.0);
    if (!o.gradient_is_zero) population_gradient(W, K, Wstar, Kstar, d, reference.data());
    out.tests.push_back(engine_test(o.gradient_is_zero ? "gradient_zero" : "gradient", Quantity::Grad, 0, W, K, Wstar,
                                    Kstar, d, reference, o));
  }
  if (o.loss)
    out.tests.push_back(engine_test("loss", Quantity::Loss, 1, W, K, Wstar, Kstar, d,
                                    {population_loss(W, K, Wstar, Kstar, d)}, o));
  if (o.hessian && K >= 2) {
    const GatePairEstimate e = estimate_gate_pair_blocks(W, K, d, o.samples, o.seed, o.threads);
    std::vector<double> cf, block(static_cast<size_t>(d * d));
    for (int64_t j = 0; j < K; ++j)
      for (int64_t k = j + 1; k < K; ++k) {
        gate_pair_block(W + j * d, W + k * d, d, block.data(), o.hessian_formula);
        for (int64_t r = 0; r < d; ++r)
          for (int64_t c = r; c < d; ++c) cf.push_back(block[r * d + c]);
      }
    // The entries are of order 1: the rounding floor 16 eps.
    out.tests.push_back(sampled_test("hessian_offdiagonal", cf, e, 16 * std::numeric_limits<double>::epsilon()));
  }
  if (o.hessian_diagonal) out.tests.push_back(diagonal_test(W, K, Wstar, Kstar, d, o));
  const bool curvature = !o.curvature_direction.empty();
  const double level = o.alpha / static_cast<double>(out.tests.size() + (curvature ? 1 : 0));
  for (McTest& t : out.tests) {
    t.level = level;
    std::vector<CaseResult> one{*t.engine};
    apply_holm(one, level);  // the effective-sample rule at the test's level
    t.inconclusive = one[0].inconclusive;
    t.tail_error = one[0].tail_error;
    t.passed = !t.inconclusive && t.p_value > t.level;
  }
  if (curvature)
    out.tests.push_back(curvature_test(W, K, Wstar, Kstar, d, o.curvature_direction, o.curvature_step, o.samples, o.seed, level));
  for (const McTest& t : out.tests) out.passed = out.passed && t.passed;
  return out;
}

}  // namespace relumc
