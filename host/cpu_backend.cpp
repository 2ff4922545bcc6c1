// SPDX-License-Identifier: MIT
// CPU backend: OpenMP over fixed sample chunks, one sample at a time inside a chunk, double sums.
// This is the reference path; the vectorised one is issue #4. No heap allocation per sample: each
// thread allocates its scratch (one sample, its projections) once per call.
#include "relumc/closed_forms.hpp"
#include "relumc/estimate.hpp"
#include "relumc/per_sample.hpp"
#include "relumc/sample_contract.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relumc {

std::string_view to_string(Backend b) {
  switch (b) {
    case Backend::Auto: return "auto";
    case Backend::Cpu: return "cpu";
    case Backend::Cuda: return "cuda";
  }
  return "?";
}

std::optional<Backend> parse_backend(std::string_view s) {
  for (Backend b : {Backend::Auto, Backend::Cpu, Backend::Cuda})
    if (s == to_string(b)) return b;
  return std::nullopt;
}

uint64_t chunk_count(uint64_t samples, int64_t components) {
  // At most 256 chunks, and at most ~2^24 doubles of chunk sums in memory.
  const uint64_t by_memory = std::max<uint64_t>(1, (uint64_t{1} << 24) / (2 * static_cast<uint64_t>(components)));
  return std::min<uint64_t>({samples, 256, by_memory});
}

uint64_t chunk_begin(uint64_t samples, uint64_t chunks, uint64_t k) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(samples) * k / chunks);
}

namespace {

constexpr uint64_t kProgressStride = 1 << 16;

template <class T>
struct Scratch {
  std::vector<T> x, p, q, coef;
  Scratch(int64_t d, int64_t K, int64_t Kstar) : x(d), p(K), q(Kstar), coef(K) {}
};

// Adds the samples [begin, end) of case c into sum and sumsq (components(c) each).
template <class T>
void accumulate_chunk(const Case& c, const std::vector<T>& W, const std::vector<T>& Ws, uint64_t seed,
                      uint64_t begin, uint64_t end, double* sum, double* sumsq, Scratch<T>& s,
                      std::atomic<uint64_t>* done) {
  const int64_t d = c.d, K = c.K, Ks = c.Kstar;
  T* x = s.x.data();
  uint64_t since_report = 0;
  for (uint64_t i = begin; i < end; ++i) {
    draw_sample<T>(seed, c.stream, i, d, x);
    for (int64_t j = 0; j < K; ++j) s.p[j] = dot(W.data() + j * d, x, d);
    for (int64_t k = 0; k < Ks; ++k) s.q[k] = dot(Ws.data() + k * d, x, d);
    switch (c.quantity) {
      case Quantity::Gating: s.coef[0] = gating_coefficient(s.q[0], s.p[0]); break;
      case Quantity::Grad: gradient_coefficients(s.p.data(), K, s.q.data(), Ks, s.coef.data()); break;
      case Quantity::Loss: {
        const double v = sample_loss(s.p.data(), K, s.q.data(), Ks);
        sum[0] += v;
        sumsq[0] += v * v;
        break;
      }
    }
    if (c.quantity != Quantity::Loss) {
      for (int64_t j = 0; j < K; ++j) {
        const T cj = s.coef[j];
        if (cj == T(0)) continue;  // gate closed or zero residual: adds exactly nothing
        double* sj = sum + j * d;
        double* qj = sumsq + j * d;
        for (int64_t k = 0; k < d; ++k) {
          const double v = static_cast<double>(cj * x[k]);
          sj[k] += v;
          qj[k] += v * v;
        }
      }
    }
    if (done && ++since_report == kProgressStride) {
      done->fetch_add(since_report, std::memory_order_relaxed);
      since_report = 0;
    }
  }
  if (done) done->fetch_add(since_report, std::memory_order_relaxed);
}

template <class T>
Estimate estimate_cpu_t(const Case& c, const EstimateOptions& opt) {
  const int64_t m = components(c);
  const uint64_t N = c.samples;
  const uint64_t chunks = chunk_count(N, m);
  const std::vector<T> W(c.student.begin(), c.student.end());
  const std::vector<T> Ws(c.teacher.begin(), c.teacher.end());
  std::vector<double> partial(static_cast<size_t>(chunks) * 2 * m, 0.0);

  int threads = opt.threads;
#ifdef _OPENMP
  if (threads <= 0) threads = omp_get_max_threads();
#pragma omp parallel num_threads(threads)
#endif
  {
    Scratch<T> scratch(c.d, c.K, c.Kstar);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (int64_t k = 0; k < static_cast<int64_t>(chunks); ++k) {
      double* sum = partial.data() + static_cast<size_t>(k) * 2 * m;
      accumulate_chunk<T>(c, W, Ws, opt.seed, chunk_begin(N, chunks, k), chunk_begin(N, chunks, k + 1), sum,
                          sum + m, scratch, opt.samples_done);
    }
  }

  // Combine in chunk order: deterministic whatever the thread count.
  std::vector<double> sum(m, 0.0), sumsq(m, 0.0);
  for (uint64_t k = 0; k < chunks; ++k) {
    const double* p = partial.data() + static_cast<size_t>(k) * 2 * m;
    for (int64_t a = 0; a < m; ++a) {
      sum[a] += p[a];
      sumsq[a] += p[m + a];
    }
  }
  Estimate e;
  e.samples = N;
  e.mean.resize(m);
  e.std_error.resize(m);
  const double n = static_cast<double>(N);
  for (int64_t a = 0; a < m; ++a) {
    e.mean[a] = sum[a] / n;
    const double var = std::max(0.0, (sumsq[a] - sum[a] * e.mean[a]) / (n - 1));
    e.std_error[a] = std::sqrt(var / n);
  }
  return e;
}

}  // namespace

Estimate estimate_cpu(const Case& c, const EstimateOptions& opt) {
  validate(c);  // N >= 2, sizes, finite nonzero rows: an estimate is never NaN
  return opt.precision == Precision::Float ? estimate_cpu_t<float>(c, opt) : estimate_cpu_t<double>(c, opt);
}

}  // namespace relumc
