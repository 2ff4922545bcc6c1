// SPDX-License-Identifier: MIT
// The census's gradient: population_gradient's numbers, bit for bit, with less work.
//
// Usage:
//   relumc::SharedGradient grad(T, K, k, d);   // T: the teacher (k x d), kept by pointer
//   grad(W, g);                                 // g = grad J at W (K x d, every row nonzero)
#pragma once

#include "relumc/math/closed_forms.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

namespace relumc {

// The closed-form gradient of relumc/math/closed_forms.hpp (population_gradient, Formula::Tian), bit for bit,
// with the work shared between terms: each row's norm and unit vector once per step (population_gradient
// recomputes them in every one of the K (K + k) terms, four times), and each angle once per unordered pair
// (angle(u, v) and angle(v, u) are the same doubles: (a - b)^2 = (b - a)^2, a + b = b + a). The arithmetic of
// each term is otherwise the same expressions in the same order (the build has -ffp-contract=off), so the
// census's numbers are unchanged (tested: Census.SharedGradientIsPopulationGradientBitForBit).
class SharedGradient {
 public:
  SharedGradient(const double* T, int64_t K, int64_t k, int64_t d) : T_(T), K_(K), k_(k), d_(d) {
    const size_t rows = static_cast<size_t>(K + k);
    unit_.resize(rows * static_cast<size_t>(d));
    norm_.resize(rows);
    theta_.resize(static_cast<size_t>(K * (K + k)));
    sin_.resize(theta_.size());
    for (int64_t m = 0; m < k; ++m) set_row(K + m, T + m * d);
  }

  // g = grad J at W (K x d). Every student row must be nonzero (descend stops at a kink first).
  inline void operator()(const double* W, double* g) {
    const int64_t K = K_, k = k_, d = d_, R = K + k;
    for (int64_t j = 0; j < K; ++j) set_row(j, W + j * d);
    for (int64_t j = 0; j < K; ++j)
      for (int64_t q = j; q < R; ++q) {  // q < K: student q; q >= K: teacher row q - K
        const double* a = &unit_[static_cast<size_t>(j * d)];
        const double* b = &unit_[static_cast<size_t>(q * d)];
        double diff = 0, sum = 0;
        for (int64_t c = 0; c < d; ++c) {
          diff += (a[c] - b[c]) * (a[c] - b[c]);
          sum += (a[c] + b[c]) * (a[c] + b[c]);
        }
        const double theta = 2 * atan2(sqrt(diff), sqrt(sum)), s = sin(theta);
        theta_[static_cast<size_t>(j * R + q)] = theta, sin_[static_cast<size_t>(j * R + q)] = s;
        if (q < K) theta_[static_cast<size_t>(q * R + j)] = theta, sin_[static_cast<size_t>(q * R + j)] = s;
      }
    for (int64_t j = 0; j < K; ++j) {
      double* row = g + j * d;
      const double* e = W + j * d;
      const double ne = norm_[static_cast<size_t>(j)];
      for (int64_t c = 0; c < d; ++c) row[c] = 0;
      for (int64_t q = 0; q < R; ++q) {
        const double* w = q < K ? W + q * d : T_ + (q - K) * d;
        const double nw = norm_[static_cast<size_t>(q)];
        const double theta = theta_[static_cast<size_t>(j * R + q)];
        const double prefactor = 1 / (2 * kPi) * (q < K ? 1.0 : -1.0);
        const double a = kPi - theta;
        const double b = nw * sin_[static_cast<size_t>(j * R + q)] / ne;
        for (int64_t c = 0; c < d; ++c) row[c] += prefactor * (a * w[c] + b * e[c]);
      }
    }
  }

 private:
  void set_row(int64_t i, const double* v) {
    const double n = norm(v, d_);
    norm_[static_cast<size_t>(i)] = n;
    double* u = &unit_[static_cast<size_t>(i * d_)];
    for (int64_t c = 0; c < d_; ++c) u[c] = v[c] / n;
  }

  const double* T_;
  int64_t K_, k_, d_;
  std::vector<double> unit_, norm_, theta_, sin_;
};

}  // namespace relumc
