// SPDX-License-Identifier: MIT
// The CUDA backend's launchers, in plain C++: no CUDA header, no stream, no device pointer, so host code
// and tests compile with g++ and the CUDA boundary sits in kernels/*.cu (docs/architecture.md).
//
// What the GPU computes (kernels/estimator.cu, per-sample logic in kernels/estimator_agent.cuh):
// the same fixed chunks as the CPU (chunk_count/chunk_begin); chunk k is cut into G = blocks_per_chunk
// contiguous sample ranges, one thread block each. A block draws a tile of samples from the sample
// contract into shared memory (X never reaches global memory), projects them on the rows with the same
// fused multiply-add chain in coordinate order as the CPU, gates them, and adds each component's terms
// in sample order into that component's double accumulators (one owner thread per component; a thread
// owns 16 bytes of consecutive ones: four in float, two in double). The G
// range sums of a chunk are added in range order, the chunk sums on the host in chunk order, and
// mean / standard error follow from sum and sum of squares exactly as in host/backend/cpu/cpu_backend.cpp.
//
// The block partials are not reduced with a CUB tree: a tree's shape follows the block size, and
// ordered sums keep the numbers independent of it (and of the tile shape, device and device count).
// CUB's BlockReduce serves the rng floor (kernels/sample_kernels.cu), whose sum is only a benchmark.
//
// Launches (relumc/backend/cuda/launch_plan.hpp): one grid holds the chunks whose G blocks are resident at
// once (occupancy), and each launch advances every block by a slice of its range, sized so a launch
// takes about 0.2 s: stop requests and the progress counter act between launches, within a second. A
// block carries its sums from one slice to the next, so neither the batch nor the slices change a bit.
// tests/unit/test_cuda_emulated.cpp runs these kernels and this launch loop on the CPU, through a checked
// emulator, against a sequential reference of this order.
//
// Determinism: the numbers depend on (seed, case, precision, G) only, never on the block size, tile
// shape, batch, slices, device or number of devices: every sum is a sequential sum in a fixed order. Same inputs =>
// bit-identical results. The per-sample terms are bit-identical to the CPU's (same x_i, same
// projections, same coefficients); the CPU sums them in another order (eight lane partials), so the
// two backends agree to the rounding of the sums: per component
//   |sum_gpu - sum_cpu| <= 2 gamma_L sum_i |t_i|,  gamma_L = L u / (1 - L u), u = 2^-53,
// with L the longest chain of additions (samples per chunk + number of chunks); tests/unit/test_estimator.hpp.
//
// Usage:
//   relumc::Estimate e = relumc::estimate_cuda(c, {.seed = 1}, {});
//   std::vector<double> x = relumc::draw_samples_cuda<double>(1, 0, 0, 3, 10);  // x_0..x_2, d = 10
#pragma once

#include "relumc/core/case.hpp"
#include "relumc/backend/estimate.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace relumc {

// A CUDA runtime call failed: the message names the call, the file:line and CUDA's reason
// (e.g. "out of memory", "no CUDA-capable device is detected").
class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Launch shape. Zero means "pick": the defaults below. Only blocks_per_chunk changes the numbers
// (it fixes how a chunk is cut into ranges); the others change speed only, so tests vary them freely.
struct CudaOptions {
  int device = -1;               // CUDA device ordinal; -1: node-local MPI rank modulo the device count (one process: 0)
  int block_threads = 0;         // threads per block (default 128; any value in 1..1024)
  int blocks_per_chunk = 0;      // G (default kDefaultBlocksPerChunk)
  int tile_samples = 0;          // samples per shared-memory tile (default: fit the shared budget, <= 64)
  int coord_tile = 0;            // coordinates per tile, a multiple of 4 (default: all of d when it fits)
  float* gpu_ms = nullptr;       // if set: device time of the estimate's batches, from CUDA events (bench/)
};

inline constexpr int kDefaultBlockThreads = 128;
inline constexpr int kDefaultBlocksPerChunk = 16;

// True when this build has CUDA and a usable device; otherwise false, with why not in *why_not.
bool cuda_usable(std::string* why_not);

// Mean and standard error of c's quantity on the GPU. The kernels draw Gaussian inputs only: any other
// c.input is refused (InputError, field input). Throws InputError for a bad case or options and
// CudaError when CUDA is unusable (no driver, no device, out of memory), naming why. Honours
// opt.seed, opt.precision, opt.contract, opt.samples_done, opt.stop (both between launches, < 1 s apart: Interrupted) and
// opt.distribution (MPI ranks split the chunks as on the CPU).
Estimate estimate_cuda(const Case& c, const EstimateOptions& opt, const CudaOptions& cuda = {});

// The rng floor of the benchmarks: draws the normals of samples [0, samples) of dimension d in
// precision T under `contract` exactly as the estimator does and only sums them (per block with CUB, blocks
// on the host). Returns the sum; *gpu_ms (may be null) gets the kernel time from CUDA events.
double rng_floor_cuda(uint64_t seed, uint32_t stream, uint64_t samples, int64_t d, Precision precision,
                      const CudaOptions& cuda = {}, float* gpu_ms = nullptr, Contract contract = Contract::V1);

// Test-only path: x_first .. x_{first+count-1} (count x d, row-major) drawn on the device under `contract`
// (v2 with T = double: v2's float normals, widened).
template <class T>
std::vector<T> draw_samples_cuda(uint64_t seed, uint32_t stream, uint64_t first, uint64_t count, int64_t d,
                                 int device = 0, Contract contract = Contract::V1);

}  // namespace relumc
