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

GatePairEstimate estimate_gate_pair_blocks(const double* W, int64_t K, int64_t d, uint64_t samples, uint64_t seed,
                                           int threads) {
  const int64_t tri = d * (d + 1) / 2, pairs = K * (K - 1) / 2, m = pairs * tri;
  std::vector<double> sum(static_cast<size_t>(m), 0.0), sq(static_cast<size_t>(m), 0.0);
  std::vector<std::pair<int64_t, int64_t>> pair_list;
  for (int64_t j = 0; j < K; ++j)
    for (int64_t k = j + 1; k < K; ++k) pair_list.emplace_back(j, k);
  constexpr uint64_t kBlock = 2048;  // samples drawn together, then summed pair by pair in sample order
  std::vector<double> X(static_cast<size_t>(kBlock * d));
  std::vector<unsigned char> gate(static_cast<size_t>(kBlock * K));
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
  for (uint64_t first = 0; first < samples; first += kBlock) {
    const uint64_t count = std::min<uint64_t>(kBlock, samples - first);
#pragma omp parallel for num_threads(nthreads) schedule(static)
    for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) {
      double* x = X.data() + i * d;
      draw_sample<double>(seed, 2, first + static_cast<uint64_t>(i), d, x);
      for (int64_t j = 0; j < K; ++j) gate[static_cast<size_t>(i * K + j)] = dot(W + j * d, x, d) > 0;
    }
#pragma omp parallel for num_threads(nthreads) schedule(static)
    for (int64_t p = 0; p < pairs; ++p) {
      const auto [j, k] = pair_list[static_cast<size_t>(p)];
      double* s = sum.data() + p * tri;
      double* q = sq.data() + p * tri;
      for (uint64_t i = 0; i < count; ++i) {
        if (!gate[static_cast<size_t>(static_cast<int64_t>(i) * K + j)] || !gate[static_cast<size_t>(static_cast<int64_t>(i) * K + k)]) continue;  // the sample's matrix is 0
        const double* x = X.data() + i * d;
        int64_t a = 0;
        for (int64_t r = 0; r < d; ++r)
          for (int64_t c = r; c < d; ++c, ++a) {
            const double v = x[r] * x[c];
            s[a] += v;
            q[a] += v * v;
          }
      }
    }
  }
  GatePairEstimate e;
  e.samples = samples;
  e.mean.resize(static_cast<size_t>(m));
  e.std_error.resize(static_cast<size_t>(m));
  const double N = static_cast<double>(samples);
  for (int64_t a = 0; a < m; ++a) {
    const double mean = sum[a] / N;
    const double var = std::max(0.0, (sq[a] / N - mean * mean) * N / (N - 1));
    e.mean[a] = mean;
    e.std_error[a] = std::sqrt(var / N);
  }
  return e;
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
  std::vector<double> plus(W, W + n), minus(W, W + n), x(static_cast<size_t>(d));
  for (int64_t i = 0; i < n; ++i) plus[i] += eps * direction[i] / nv, minus[i] -= eps * direction[i] / nv;
  auto per_sample_loss = [&](const double* M) {
    double r = 0;
    for (int64_t j = 0; j < K; ++j) r += std::max(0.0, dot(M + j * d, x.data(), d));
    for (int64_t m = 0; m < Kstar; ++m) r -= std::max(0.0, dot(Wstar + m * d, x.data(), d));
    return 0.5 * r * r;
  };
  double sum = 0, sq = 0;
  for (uint64_t i = 0; i < samples; ++i) {  // in sample order: deterministic
    draw_sample<double>(seed, 3, i, d, x.data());
    const double q = per_sample_loss(plus.data()) + per_sample_loss(minus.data()) - 2 * per_sample_loss(W);
    sum += q;
    sq += q * q;
  }
  const double N = static_cast<double>(samples), mean = sum / N;
  const double se = std::sqrt(std::max(0.0, (sq / N - mean * mean) * N / (N - 1)) / N);
  McTest t;
  t.name = "negative_curvature";
  t.components = 1;
  t.samples = samples;
  t.estimate = mean;
  t.reference = population_loss(plus.data(), K, Wstar, Kstar, d) + population_loss(minus.data(), K, Wstar, Kstar, d) -
                2 * population_loss(W, K, Wstar, Kstar, d);
  const double z = se > 0 ? mean / se : (mean < 0 ? -INFINITY : INFINITY);
  t.max_abs_z = std::fabs(z);
  t.p_value = 0.5 * std::erfc(-z / std::sqrt(2.0));  // P(Z >= z): small when the mean is clearly negative
  t.level = level;
  t.passed = t.p_value <= level;
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
  t.engine = r;
  return t;
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
    std::vector<double> block(static_cast<size_t>(d * d));
    const double floor = 16 * std::numeric_limits<double>::epsilon();  // the entries are of order 1
    McTest t;
    t.name = "hessian_offdiagonal";
    t.samples = o.samples;
    double pmin = 1;
    size_t a = 0;
    for (int64_t j = 0; j < K; ++j)
      for (int64_t k = j + 1; k < K; ++k) {
        gate_pair_block(W + j * d, W + k * d, d, block.data(), o.hessian_formula);
        for (int64_t r = 0; r < d; ++r)
          for (int64_t c = r; c < d; ++c, ++a) {
            const double z = (e.mean[a] - block[r * d + c]) / std::sqrt(e.std_error[a] * e.std_error[a] + floor * floor);
            t.max_abs_z = std::max(t.max_abs_z, std::fabs(z));
            pmin = std::min(pmin, normal_two_sided_p(z));
          }
      }
    t.components = static_cast<int64_t>(a);
    t.p_value = sidak_p(pmin, static_cast<double>(a));
    out.tests.push_back(t);
  }
  const bool curvature = !o.curvature_direction.empty();
  const double level = o.alpha / static_cast<double>(out.tests.size() + (curvature ? 1 : 0));
  for (McTest& t : out.tests) {
    t.level = level;
    if (t.engine) {
      std::vector<CaseResult> one{*t.engine};
      apply_holm(one, level);
      t.inconclusive = one[0].inconclusive;
      t.tail_error = one[0].tail_error;
    }
    t.passed = !t.inconclusive && t.p_value > t.level;
  }
  if (curvature)
    out.tests.push_back(curvature_test(W, K, Wstar, Kstar, d, o.curvature_direction, o.curvature_step, o.samples, o.seed, level));
  for (const McTest& t : out.tests) out.passed = out.passed && t.passed;
  return out;
}

}  // namespace relumc
