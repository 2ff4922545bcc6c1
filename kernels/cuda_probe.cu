// SPDX-License-Identifier: MIT
// CUDA seam: is there a usable device? The estimator kernels (issue #3) will live beside this file.
#include "relumc/backend/cuda/cuda_backend.hpp"

#include <cuda_runtime.h>

#include <string>

namespace relumc {

bool cuda_usable(std::string* why_not) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    if (why_not) *why_not = std::string("no usable CUDA driver or device (") + cudaGetErrorString(err) + ")";
    return false;
  }
  if (count == 0) {
    if (why_not) *why_not = "no CUDA device found";
    return false;
  }
  return true;
}

}  // namespace relumc
