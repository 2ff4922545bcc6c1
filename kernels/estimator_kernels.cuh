// SPDX-License-Identifier: MIT
// The fused estimator's two thin kernels, in a header so that nvcc (kernels/estimator.cu) and the host
// emulator (tests/support/cuda_emulator.hpp, tests/unit/test_cuda_emulated.cpp) compile the same source:
//   estimator_kernel: block (g, y) advances range g of chunk y of the batch by one slice
//                     (relumc/backend/cuda/launch_plan.hpp; per-block logic in kernels/estimator_agent.cuh)
//   chunk_sum_kernel: per (chunk, component), the G range sums added in range order
// The launcher (kernels/estimator.cu) picks the grid and checks every launch.
#pragma once

#include "kernels/estimator_agent.cuh"
#include "relumc/backend/cuda/launch_plan.hpp"
#include "relumc/core/case.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

// The block's dynamic shared memory as T* name. The emulator defines it first (the block's poisoned
// buffer); under nvcc it is the extern __shared__ array.
#ifndef RELUMC_DYNAMIC_SHARED
#define RELUMC_DYNAMIC_SHARED(T, name)                                \
  extern __shared__ __align__(16) unsigned char relumc_smem_##name[]; \
  T* name = reinterpret_cast<T*>(relumc_smem_##name)
#endif

namespace relumc::detail {
// The kernels have internal linkage: each is private to the one translation unit that launches it
// (estimator.cu under nvcc, the emulated test under g++), so the two builds never meet at link time.
namespace {

// Block (g, y) owns range b = y G + g, [bounds[b], bounds[b + 1]), and its 2m accumulators at
// acc + b 2m; this launch adds the samples [offset, offset + slice) of its range (slice_of), after
// zeroing the accumulators when offset is 0.
// Bounded at 1024 threads, the largest block the launcher accepts (CudaOptions::block_threads): ptxas then
// keeps to 64 registers, so every block size the options allow launches (kernels/guards/kernel_guards.cmake).
// One kernel per precision T and contract Version (p.contract == Version): <double, V1>, <float, V1>,
// <float, V2>.
template <class T, Contract Version>
__global__ void __launch_bounds__(1024) estimator_kernel(EstimatorParams<T> p, const uint64_t* bounds, uint64_t offset, uint64_t slice,
                                 double* acc) {
  RELUMC_DYNAMIC_SHARED(T, smem);
  const size_t block = static_cast<size_t>(blockIdx.y) * gridDim.x + blockIdx.x;
  const SampleRange r = slice_of(bounds[block], bounds[block + 1], offset, slice);
  estimate_range<Version>(p, r.begin, r.end, offset == 0, acc + block * 2 * p.components, smem);
}

// The estimator kernel of contract `contract` in precision T (v2 is float only: check_contract).
template <class T>
using EstimatorKernel = void (*)(EstimatorParams<T>, const uint64_t*, uint64_t, uint64_t, double*);
template <class T>
EstimatorKernel<T> estimator_kernel_for(Contract contract) {
  if constexpr (sizeof(T) == 4) {
    if (contract == Contract::V2) return estimator_kernel<T, Contract::V2>;
  }
  return estimator_kernel<T, Contract::V1>;
}

// out[y][a] = sum over g in order of acc[y][g][a], for a < width, y < chunks.
__global__ void __launch_bounds__(256) chunk_sum_kernel(const double* acc, int G, int64_t width, int64_t chunks, double* out) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= chunks * width) return;
  const int64_t y = i / width, a = i % width;
  const double* src = acc + static_cast<size_t>(y) * G * width + a;
  double s = 0.0;
  for (int g = 0; g < G; ++g) s = s + src[static_cast<size_t>(g) * width];
  out[i] = s;
}

}  // namespace

inline constexpr int kChunkSumThreads = 256;

// The K + K* rows of case c (student rows, then teacher rows) in T, each padded with zeros to
// row_stride_of(d) elements: the layout estimator_params' `rows` points to.
template <class T>
std::vector<T> padded_rows(const Case& c) {
  const int64_t stride = row_stride_of(c.d);
  std::vector<T> rows(static_cast<size_t>((c.K + c.Kstar) * stride), T(0));
  for (int64_t u = 0; u < c.K + c.Kstar; ++u) {
    const double* src = u < c.K ? c.student.data() + u * c.d : c.teacher.data() + (u - c.K) * c.d;
    for (int64_t k = 0; k < c.d; ++k) rows[static_cast<size_t>(u * stride + k)] = static_cast<T>(src[k]);
  }
  return rows;
}

// The kernel parameters of case c (rows: padded_rows(c), already on the device).
template <class T>
EstimatorParams<T> estimator_params(const Case& c, uint64_t seed, const TilePlan& plan, const T* rows,
                                    Contract contract = Contract::V1) {
  EstimatorParams<T> p{};
  p.quantity = c.quantity;
  p.d = c.d;
  p.row_stride = row_stride_of(c.d);
  p.K = c.K;
  p.Kstar = c.Kstar;
  p.components = components(c);
  p.rows = rows;
  p.seed = seed;
  p.keys = philox_keys(seed);
  p.stream = c.stream;
  p.plan = plan;
  p.contract = contract;
  return p;
}

}  // namespace relumc::detail
