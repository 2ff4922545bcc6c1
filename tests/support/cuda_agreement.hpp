// SPDX-License-Identifier: MIT
// The rounding bound between two estimates of the same samples summed in different orders
// (tests/unit/test_estimator.hpp). Both backends form bit-identical per-sample terms t_i (same x_i, same
// projections, same coefficients) and differ only in how they add them in double:
//   CPU: 8 sequential lane sums per chunk, combined pairwise (3 levels), then chunks in order;
//   GPU: G sequential range sums per chunk, added in order, then chunks in order.
// Every term passes through at most L = n_max + G + 3 + chunks additions (n_max: largest chunk), so
// each computed sum is within gamma_L sum|t_i| of the exact one (Higham, Accuracy and Stability,
// eq. 4.3), and the two within 2 gamma_L sum|t_i|; gamma_L = L u / (1 - L u), u = 2^-53.
// sum|t_i| is bounded by Cauchy-Schwarz, sqrt(N sum t_i^2), and sum t_i^2 is rebuilt from the
// reference estimate: N (N - 1) se^2 + N mean^2 (1% slack covers that reconstruction's rounding).
// The same argument bounds the variance numerators sumsq - sum * mean, hence se.
// Contract v2's CPU sums go through float partials of at most 16 terms (host/backend/cpu/cpu_kernel.hpp):
// float_terms = 16 adds gamma_15 in float (u = 2^-24) to the bound.
#pragma once

#include "relumc/backend/estimate.hpp"

#include <cmath>
#include <sstream>
#include <string>

namespace relumc::testing {

inline double gamma_n(double n) {
  const double u = std::ldexp(1.0, -53);
  return n * u / (1 - n * u);
}

// Empty when a and b agree within the bound for every component; else which component and by how much.
// L: the longest chain of additions (see above).
inline std::string rounding_disagreement(const Estimate& ref, const Estimate& other, double L, int float_terms = 0) {
  const double uf = std::ldexp(1.0, -24), nf = float_terms > 1 ? float_terms - 1 : 0;
  const double u = std::ldexp(1.0, -53), g = gamma_n(L + 2) + nf * uf / (1 - nf * uf);
  const double N = static_cast<double>(ref.samples);
  std::ostringstream why;
  if (ref.mean.size() != other.mean.size() || ref.samples != other.samples) return "shapes or sample counts differ";
  for (size_t a = 0; a < ref.mean.size(); ++a) {
    const double mean = ref.mean[a], se = ref.std_error[a];
    const double Q = 1.01 * (N * (N - 1) * se * se + N * mean * mean);  // >= sum t^2
    const double A = std::sqrt(N * Q);                                   // >= sum |t|
    const double mean_bound = 2 * g * A / N + 4 * u * std::abs(mean);
    const double dmean = std::abs(other.mean[a] - mean);
    const double V_bound = 2 * g * Q + 4 * g * A * std::abs(mean) + 8 * u * (Q + N * mean * mean);
    const double dV = std::abs(other.std_error[a] * other.std_error[a] - se * se) * N * (N - 1);
    if (!(dmean <= mean_bound) || !(dV <= V_bound + 8 * u * se * se * N * N)) {
      why << "component " << a << ": mean " << mean << " vs " << other.mean[a] << " (|diff| " << dmean
          << ", bound " << mean_bound << "); se " << se << " vs " << other.std_error[a] << " (|d var numerator| "
          << dV << ", bound " << V_bound << ")";
      return why.str();
    }
  }
  return {};
}

// L for a case of N samples with m components cut into G ranges per chunk on the GPU.
inline double longest_chain(uint64_t N, int64_t m, int G) {
  const uint64_t chunks = chunk_count(N, m);
  uint64_t n_max = 0;
  for (uint64_t k = 0; k < chunks; ++k) {
    const uint64_t n = chunk_begin(N, chunks, k + 1) - chunk_begin(N, chunks, k);
    n_max = n > n_max ? n : n_max;
  }
  return static_cast<double>(n_max + static_cast<uint64_t>(G) + 3 + chunks);
}

}  // namespace relumc::testing
