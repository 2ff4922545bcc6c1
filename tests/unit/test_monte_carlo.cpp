// SPDX-License-Identifier: MIT
// Monte Carlo pieces that are not one backend's: the chi-square helper the statistical tests derive their
// bands from, the fixed chunking of [0, N), and the CPU's estimates of the non-Gaussian inputs (the CUDA
// kernels draw Gaussian inputs only).
//
// What every backend must do on the same cases (agreement with the closed forms, determinism, the CPU
// as reference, honest standard errors, edge cases of N and d, stop requests) is written once in
// tests/unit/test_estimator.hpp and instantiated per backend (test_estimator_cpu.cpp, test_estimator_cuda.cpp).
#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/backend/estimate.hpp"
#include "relumc/core/case.hpp"
#include "relumc/plan/sweep.hpp"
#include "tests/support/estimator_cases.hpp"
#include "tests/support/stats_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <utility>

namespace {

using relumc::Case;
using relumc::GridSpec;
using relumc::Precision;
using relumc::Quantity;
using relumc::testing::chi2_quantile;
using relumc::testing::kSeed;
using relumc::testing::options;

// The helper is itself checked against published table values before anything relies on it.
TEST(MonteCarloHelpers, ChiSquareQuantilesMatchTables) {
  EXPECT_NEAR(chi2_quantile(1, 0.975), 5.023886187, 1e-7);
  EXPECT_NEAR(chi2_quantile(10, 0.95), 18.30703805, 1e-7);
  EXPECT_NEAR(chi2_quantile(10, 0.05), 3.940299136, 1e-7);
  EXPECT_NEAR(chi2_quantile(100, 0.999), 149.4493, 1e-3);
  EXPECT_NEAR(chi2_quantile(100, 0.001), 61.91800, 1e-3);
  // Large dof: Wilson-Hilferty is accurate to ~1e-4 relative there.
  const double k = 799, z = 3.290526731491894;  // z_{0.9995}
  const double wh = k * std::pow(1 - 2 / (9 * k) + z * std::sqrt(2 / (9 * k)), 3);
  EXPECT_NEAR(chi2_quantile(k, 0.9995), wh, 1e-3 * wh);
}

// The chunks partition [0, N) exactly, whatever N, including N not a multiple of the chunk count and
// N at the top of the 64-bit range (chunk_begin must not overflow).
TEST(MonteCarloEdges, ChunksPartitionTheSamples) {
  for (uint64_t N : {uint64_t{2}, uint64_t{3}, uint64_t{255}, uint64_t{256}, uint64_t{257}, uint64_t{1009},
                     uint64_t{65537}, uint64_t{1000000007}, relumc::kMaxSamples}) {
    for (int64_t m : {int64_t{1}, int64_t{7}, int64_t{800}, int64_t{1} << 22}) {
      const uint64_t chunks = relumc::chunk_count(N, m);
      ASSERT_GE(chunks, 1u);
      ASSERT_LE(chunks, N);
      EXPECT_EQ(relumc::chunk_begin(N, chunks, 0), 0u);
      EXPECT_EQ(relumc::chunk_begin(N, chunks, chunks), N) << "N " << N << " m " << m;
      for (uint64_t k = 0; k < chunks; ++k)
        EXPECT_LT(relumc::chunk_begin(N, chunks, k), relumc::chunk_begin(N, chunks, k + 1)) << "empty chunk " << k;
    }
  }
}

// The CPU estimator sums the contract's x_i of every input distribution (relumc/math/input.hpp): the
// estimate equals the plain-order sum (tests/support/estimator_cases.hpp) for sphere, ball and cube.
TEST(MonteCarloEdges, EveryInputMatchesThePlainSum) {
  for (auto [input, radius] : {std::pair{relumc::InputKind::Sphere, 1.7}, std::pair{relumc::InputKind::Ball, 0.6},
                               std::pair{relumc::InputKind::Cube, 0.0}}) {
    for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss}) {
      Case c = relumc::testing::edge_case(q, 1009);
      c.input = input;
      c.radius = radius;
      relumc::testing::expect_matches_reference<double>(c, relumc::estimate_cpu(c, options(Precision::Double)));
      relumc::testing::expect_matches_reference<float>(c, relumc::estimate_cpu(c, options(Precision::Float)));
    }
  }
}

}  // namespace
