// SPDX-License-Identifier: MIT
// The test-only draw of x_i on the device, in a header so that nvcc (kernels/sample_kernels.cu) and the
// host emulator (tests/unit/test_cuda_emulated.cpp) compile the same source: thread s of the grid writes
// x_{first + s} (d coordinates, row s) with the library's draw_sample, the CPU's own function.
#pragma once

#include "relumc/math/sample_contract.hpp"

#include <cstdint>

namespace relumc::detail {
namespace {  // private to the translation unit that launches it (see kernels/estimator_kernels.cuh)

template <class T>
__global__ void __launch_bounds__(128) draw_samples_kernel(Contract contract, uint64_t seed, uint32_t stream,
                                                          uint64_t first, uint64_t count, int64_t d, T* x) {
  const uint64_t s = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (s < count) draw_sample<T>(contract, seed, stream, first + s, d, x + s * static_cast<uint64_t>(d));
}

}  // namespace
}  // namespace relumc::detail
