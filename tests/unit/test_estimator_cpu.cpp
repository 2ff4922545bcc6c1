// SPDX-License-Identifier: MIT
// The estimator tests of tests/unit/test_estimator.hpp on the CPU backend (always runs).
#include "tests/unit/test_estimator.hpp"

namespace relumc::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Cpu, Estimator, ::testing::Types<CpuBackend>);
}  // namespace relumc::testing
