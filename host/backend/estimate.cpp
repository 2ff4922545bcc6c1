// SPDX-License-Identifier: MIT
// What every backend shares: backend names and resolution, the fixed chunking, the one combination of
// chunk sums, and the dispatch of an estimate to its backend.
#include "relumc/backend/estimate.hpp"

#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/backend/cuda/cuda_backend.hpp"
#include "relumc/stats/span_test.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

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

// mean_skewness and mean_kurtosis from the chunk means b_k = S_k / n_k (chunk sizes differ by at most one,
// so the b_k are B equally weighted batch means): central moments of the b_k, g1 = m3 / m2^1.5 and
// g2 = m4 / m2^2 - 3; the mean of B such batches has skewness g1 / sqrt(B) and excess kurtosis g2 / B.
void batch_moments(const std::vector<double>& partial, uint64_t chunks, int64_t m, uint64_t N, Estimate& e) {
  e.batches = chunks;
  e.mean_skewness.assign(m, 0.0);
  e.mean_kurtosis.assign(m, 0.0);
  if (chunks < 3) return;
  const double B = static_cast<double>(chunks);
  std::vector<double> size(chunks);
  for (uint64_t k = 0; k < chunks; ++k)
    size[k] = static_cast<double>(chunk_begin(N, chunks, k + 1) - chunk_begin(N, chunks, k));
  for (int64_t a = 0; a < m; ++a) {
    double centre = 0;
    for (uint64_t k = 0; k < chunks; ++k) centre += partial[static_cast<size_t>(k) * 2 * m + a] / size[k];
    centre /= B;
    double m2 = 0, m3 = 0, m4 = 0;
    for (uint64_t k = 0; k < chunks; ++k) {
      const double t = partial[static_cast<size_t>(k) * 2 * m + a] / size[k] - centre;
      const double t2 = t * t;
      m2 += t2, m3 += t2 * t, m4 += t2 * t2;
    }
    m2 /= B, m3 /= B, m4 /= B;
    // No spread (an exact zero, or batch means equal to rounding): nothing to correct.
    if (!(m2 > 0) || !std::isfinite(m4) || m2 <= 1e-28 * centre * centre) continue;
    e.mean_skewness[a] = m3 / (m2 * std::sqrt(m2)) / std::sqrt(B);
    e.mean_kurtosis[a] = (m4 / (m2 * m2) - 3) / B;
  }
}

}  // namespace

Estimate combine_chunk_sums(const std::vector<double>& partial, uint64_t chunks, int64_t m, uint64_t N, const Case* c) {
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
  batch_moments(partial, chunks, m, N, e);
  if (c) span_statistics(*c, partial, N, e);
  return e;
}

Backend resolve_backend(Backend requested, std::string* note, InputKind input) {
  std::string why, said;
  const bool usable = cuda_usable(&why);
  Backend chosen = Backend::Cpu;
  switch (requested) {
    case Backend::Cpu:
      said = "cpu (asked for)";
      break;
    case Backend::Cuda:
      if (!usable) throw InputError("backend", fmt::format("cuda: CUDA is not usable here: {}", why));
      if (input != InputKind::Gaussian)
        throw InputError("backend", fmt::format("cuda with `input` {}: the CUDA kernels draw Gaussian inputs only so "
                                                "far; use `backend` cpu or auto", to_string(input)));
      said = "cuda (asked for)";
      chosen = Backend::Cuda;
      break;
    case Backend::Auto:
      if (usable && input == InputKind::Gaussian) {
        said = "cuda (auto: a usable CUDA device is present)";
        chosen = Backend::Cuda;
      } else if (usable) {
        said = fmt::format("cpu (auto: a CUDA device is usable, but the CUDA kernels draw Gaussian inputs only, not {})",
                           to_string(input));
      } else {
        said = fmt::format("cpu (auto: {})", why);
      }
      break;
  }
  if (note) *note = said;
  return chosen;
}

Estimate estimate(const Case& original, const EstimateOptions& opt, Backend backend) {
  check_contract(opt.contract, opt.precision, original.samples);
  // At the normalised scale (case.hpp, case_scale): scaling the weights by a power of two scales every
  // product and sum exactly, so this changes no bit where the unscaled estimate was representable.
  const CaseScale scale = case_scale(original);
  const Case c = normalised(original, scale);
  Estimate e;
  switch (backend) {
    case Backend::Cpu: e = estimate_cpu(c, opt); break;
    case Backend::Cuda: e = estimate_cuda(c, opt); break;  // refuses non-Gaussian inputs; without CUDA it throws, saying why
    case Backend::Auto: throw InputError("backend", "auto must be resolved (resolve_backend) before estimating");
  }
  rescale(e.mean, scale.result_exp);
  rescale(e.std_error, scale.result_exp);
  return e;
}

}  // namespace relumc
