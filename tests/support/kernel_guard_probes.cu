// SPDX-License-Identifier: MIT
// Kernels that break the static kernel guards on purpose (kernels/guards/check_kernels.py), compiled to
// PTX only, never linked or run: CTest's Guards.KernelChecksCatchViolations shows that each check can fail.
//   spill_probe:      __launch_bounds__(1024) caps it at 64 registers, and 96 live values do not fit (spill)
//   unbounded_probe:  no __launch_bounds__ (launch-bounds), launched with a run-time block size (launch-site)
//   small_probe:      bounded to 64 threads but launched with 256 (launch-site)
#include <cstdint>

namespace relumc::guard_probes {

constexpr int kProbeLive = 96;
constexpr int kTooManyThreads = 256;

__global__ void __launch_bounds__(1024) spill_probe(const float* in, float* out, int n) {
  float v[kProbeLive];
#pragma unroll
  for (int i = 0; i < kProbeLive; ++i) v[i] = in[threadIdx.x + i * n];
  // Every output needs every input, in an order the compiler cannot shorten: all 96 stay live.
#pragma unroll
  for (int j = 0; j < 8; ++j) {
    float s = 0.0f;
#pragma unroll
    for (int i = 0; i < kProbeLive; ++i) s = fmaf(s, v[(i * (j + 3)) % kProbeLive], v[i]);
    out[threadIdx.x + j * n] = s;
  }
}

__global__ void unbounded_probe(float* out) { out[threadIdx.x] = 1.0f; }

__global__ void __launch_bounds__(64) small_probe(float* out) { out[threadIdx.x] = 2.0f; }

void launch_probes(const float* in, float* out, int threads) {
  spill_probe<<<1, 1024>>>(in, out, 1024);
  unbounded_probe<<<1, threads>>>(out);
  small_probe<<<1, kTooManyThreads>>>(out);
}

}  // namespace relumc::guard_probes
