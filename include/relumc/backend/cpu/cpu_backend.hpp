// SPDX-License-Identifier: MIT
// The CPU backend: OpenMP over the fixed chunks, each summed by a chunk kernel (SIMD through Google
// Highway with run-time dispatch, or the scalar reference; host/backend/cpu/cpu_kernel.hpp). Every kernel
// gives bit-identical estimates.
//
// Usage:
//   relumc::Estimate e = relumc::estimate_cpu(c, {.seed = 1, .threads = 2});
#pragma once

#include "relumc/backend/estimate.hpp"

#include <string>

namespace relumc {

Estimate estimate_cpu(const Case& c, const EstimateOptions& opt);

// The kernel an estimate with `k` runs on this CPU: "simd-AVX2", "simd-AVX3", ... or "scalar".
// Throws InputError (field cpu_kernel) when k is Simd and the CPU cannot run it.
std::string cpu_kernel_name(CpuKernel k);

}  // namespace relumc
