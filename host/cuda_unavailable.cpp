// SPDX-License-Identifier: MIT
// Built instead of kernels/ when CMake found no CUDA compiler.
#include "relumc/estimate.hpp"

namespace relumc {

bool cuda_usable(std::string* why_not) {
  if (why_not) *why_not = "this build has no CUDA support (no CUDA compiler was found at configure time)";
  return false;
}

}  // namespace relumc
