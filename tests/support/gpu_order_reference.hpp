// SPDX-License-Identifier: MIT
// The documented GPU summation order (relumc/backend/cuda/cuda_backend.hpp), written plainly and
// sequentially: the reference the emulated kernels are held to bit for bit (tests/unit/test_cuda_emulated.cpp).
//   per-sample terms: the contract's x_i (the CPU's draw), projections as one fused multiply-add chain in
//                     coordinate order from 0, the lane math's coefficients, t = double(C x) (loss: double(C));
//   a range:          m sums and m sums of squares (one fma each), sequential in sample order from 0;
//   a chunk:          its G ranges [b + n g / G, b + n (g + 1) / G), their sums added in range order from 0.
// Chunk sums then combine in chunk order through combine_chunk_sums, as on every backend.
//
// A contract C provides: using Real (the lane type) and static draw(seed, stream, i, d, x), the CPU's x_i.
#pragma once

#include "relumc/backend/estimate.hpp"
#include "relumc/core/case.hpp"
#include "relumc/math/sample_contract.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

namespace relumc::testing {

// The per-sample terms of case c: the contract's x_i, projections as one fused multiply-add chain in
// coordinate order from 0, the lane math's coefficients, and t = double(C x) (loss: double(C)).
template <class C>
class SampleTerms {
 public:
  using T = typename C::Real;
  SampleTerms(const Case& c, uint64_t seed)
      : c_(c),
        seed_(seed),
        W_(c.student.begin(), c.student.end()),
        Ws_(c.teacher.begin(), c.teacher.end()),
        x_(static_cast<size_t>(c.d)),
        p_(static_cast<size_t>(c.K)),
        q_(static_cast<size_t>(c.Kstar)),
        coef_(static_cast<size_t>(c.K)) {}

  void operator()(uint64_t i, std::vector<double>& t) {
    const int64_t d = c_.d, K = c_.K, Ks = c_.Kstar;
    C::draw(seed_, c_.stream, i, d, x_.data());
    const Scalar<T> sd;
    auto project = [&](const std::vector<T>& rows, int64_t u) {
      T s = 0;
      for (int64_t a = 0; a < d; ++a)
        s = MulAdd(rows[static_cast<size_t>(u * d + a)], x_[static_cast<size_t>(a)], s);
      return s;
    };
    for (int64_t j = 0; j < K; ++j) p_[static_cast<size_t>(j)] = project(W_, j);
    for (int64_t k = 0; k < Ks; ++k) q_[static_cast<size_t>(k)] = project(Ws_, k);
    const T r = Residual(sd, p_.data(), K, q_.data(), Ks, 1);
    t.assign(static_cast<size_t>(components(c_)), 0.0);
    switch (c_.quantity) {
      case Quantity::Loss:
        t[0] = static_cast<double>(SampleLoss(sd, r));
        return;
      case Quantity::Gating:
        coef_[0] = GatingCoefficient(sd, q_[0], p_[0]);
        break;
      case Quantity::Grad:
        for (int64_t j = 0; j < K; ++j)
          coef_[static_cast<size_t>(j)] = GradientCoefficient(sd, p_[static_cast<size_t>(j)], r);
        break;
    }
    const int64_t rows = c_.quantity == Quantity::Grad ? K : 1;
    for (int64_t j = 0; j < rows; ++j)
      for (int64_t a = 0; a < d; ++a)
        t[static_cast<size_t>(j * d + a)] =
            static_cast<double>(coef_[static_cast<size_t>(j)] * x_[static_cast<size_t>(a)]);
  }

 private:
  const Case& c_;
  uint64_t seed_;
  std::vector<T> W_, Ws_, x_, p_, q_, coef_;
};

// One range's sums (m sums, then m sums of squares), each a sequential sum in sample order from 0.
template <class C>
std::vector<double> range_sums(const Case& c, uint64_t seed, uint64_t begin, uint64_t end) {
  const size_t m = static_cast<size_t>(components(c));
  std::vector<double> s(2 * m, 0.0), t;
  SampleTerms<C> terms(c, seed);
  for (uint64_t i = begin; i != end; ++i) {
    terms(i, t);
    for (size_t a = 0; a < m; ++a) {
      s[a] = s[a] + t[a];
      s[m + a] = std::fma(t[a], t[a], s[m + a]);
    }
  }
  return s;
}

// Chunk sums in the documented GPU order: chunk k cut into G ranges [b + n g / G, b + n (g + 1) / G),
// the range sums added in range order from 0.
template <class C>
std::vector<double> gpu_order_chunk_sums(const Case& c, uint64_t seed, int G) {
  const int64_t m = components(c);
  const uint64_t N = c.samples, chunks = chunk_count(N, m);
  const size_t width = static_cast<size_t>(2 * m);
  std::vector<double> partial(static_cast<size_t>(chunks) * width, 0.0);
  for (uint64_t k = 0; k < chunks; ++k) {
    const uint64_t b = chunk_begin(N, chunks, k), n = chunk_begin(N, chunks, k + 1) - b;
    double* out = partial.data() + k * width;
    for (int g = 0; g < G; ++g) {
      const uint64_t lo = b + static_cast<uint64_t>(static_cast<unsigned __int128>(n) * g / G);
      const uint64_t hi = b + static_cast<uint64_t>(static_cast<unsigned __int128>(n) * (g + 1) / G);
      const std::vector<double> r = range_sums<C>(c, seed, lo, hi);
      for (size_t a = 0; a < width; ++a) out[a] = out[a] + r[a];
    }
  }
  return partial;
}

}  // namespace relumc::testing
