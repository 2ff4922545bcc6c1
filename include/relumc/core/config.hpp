// SPDX-License-Identifier: MIT
// relumc configuration: the single host/device macro and project-wide constants.
//
// Headers that hold math include this first and no CUDA header, so g++ alone builds the CPU path
// and nvcc compiles the very same functions for the device.
#pragma once

#if defined(__CUDACC__)
#define RELUMC_HD __host__ __device__
#else
#define RELUMC_HD
#endif

namespace relumc {

inline constexpr double kPi = 3.14159265358979323846264338327950288;

}  // namespace relumc
