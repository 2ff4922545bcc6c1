// SPDX-License-Identifier: MIT
// The estimator tests of tests/unit/test_estimator.hpp on the CUDA backend. Compiled by g++ in every
// build; each test skips itself, saying why, where relumc::cuda_usable() is false (no CUDA in the build,
// no driver, no device).
#include "tests/unit/test_estimator.hpp"

namespace relumc::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Cuda, Estimator, ::testing::Types<CudaBackend>);
}  // namespace relumc::testing
