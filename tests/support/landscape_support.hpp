// SPDX-License-Identifier: MIT
// Shared fixtures of the landscape tests (tests/unit/test_landscape*.cpp): seeded Gaussian matrices drawn by
// the sample contract, identity teachers.
#pragma once

#include "relumc/math/sample_contract.hpp"

#include <cstdint>
#include <vector>

namespace relumc::testing {

// rows x d, i.i.d. N(0, scale^2) entries: row r is sample r of stream 7 under seed.
inline std::vector<double> gaussian_matrix(int64_t rows, int64_t d, uint64_t seed, double scale = 1.0) {
  std::vector<double> m(static_cast<size_t>(rows * d));
  for (int64_t r = 0; r < rows; ++r) draw_sample<double>(seed, 7, static_cast<uint64_t>(r), d, m.data() + r * d);
  for (double& x : m) x *= scale;
  return m;
}

// The rows e_0 .. e_{n-1} of R^n.
inline std::vector<double> identity_rows(int64_t n) {
  std::vector<double> t(static_cast<size_t>(n * n), 0.0);
  for (int64_t k = 0; k < n; ++k) t[static_cast<size_t>(k * n + k)] = 1;
  return t;
}

}  // namespace relumc::testing
