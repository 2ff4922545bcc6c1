// SPDX-License-Identifier: MIT
// The sample contract on the device, alone: the rng floor of the benchmarks (draw the estimator's
// normals and only sum them) and the test-only path that writes a few x_i to memory so tests can
// compare them with the CPU's bit for bit (that kernel is in kernels/sample_kernels.cuh, so the host
// emulator runs it too). Compiled with --fmad=false like the estimator.
#include "kernels/cuda_check.cuh"
#include "kernels/sample_kernels.cuh"
#include "relumc/backend/cuda/cuda_backend.hpp"
#include "relumc/math/sample_contract.hpp"

#include <cub/block/block_reduce.cuh>

#include <algorithm>
#include <vector>

namespace relumc {
namespace {

using detail::DeviceBuffer;

constexpr int kFloorThreads = 256;

// Block b sums the normals of samples [bounds[b], bounds[b+1]), thread t taking samples t, t + 256, ...
// (each sample's d coordinates in order, summed in T, then added to the thread's double); the threads' sums
// meet in CUB's fixed reduction tree. The sum is only there so the draw cannot be optimised away: the
// contract is a template argument and a sample's whole blocks are summed without a per-normal bound, so
// the loop is the draw and little else (bench/sass_budget.py counts it as the floor).
template <class T, Contract C>
__global__ void __launch_bounds__(kFloorThreads)
rng_floor_kernel(PhiloxKeys keys, uint32_t stream, int64_t d, const uint64_t* bounds, double* block_sums) {
  using Reduce = cub::BlockReduce<double, kFloorThreads>;
  __shared__ typename Reduce::TempStorage temp;
  double acc = 0.0;
  const int64_t whole = d / 4, rest = d % 4;
  // Offsets within the block's range, stepped without wrapping (a range may end within 256 of 2^64).
  const uint64_t lo = bounds[blockIdx.x], count = bounds[blockIdx.x + 1] - lo;
  for (uint64_t o = threadIdx.x; o < count; o = count - o > kFloorThreads ? o + kFloorThreads : count) {
    const uint64_t i = lo + o;
    T sample = 0;
    for (int64_t j = 0; j < whole; ++j) {
      T z[4];
      block_normals<T>(C, philox_block(keys, stream, i, static_cast<uint32_t>(j)), z);
      sample = sample + z[0] + z[1] + z[2] + z[3];
    }
    if (rest > 0) {
      T z[4];
      block_normals<T>(C, philox_block(keys, stream, i, static_cast<uint32_t>(whole)), z);
      for (int64_t t = 0; t < rest; ++t) sample = sample + z[t];
    }
    acc = acc + static_cast<double>(sample);
  }
  const double total = Reduce(temp).Sum(acc);
  if (threadIdx.x == 0) block_sums[blockIdx.x] = total;
}

template <class T, Contract C>
double rng_floor_t(uint64_t seed, uint32_t stream, uint64_t samples, int64_t d, const CudaOptions& co, float* ms) {
  const int device = co.device < 0 ? 0 : co.device;
  RELUMC_CUDA_CHECK(cudaSetDevice(device));
  int sms = 0, per_sm = 0;
  RELUMC_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  RELUMC_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, rng_floor_kernel<T, C>, kFloorThreads, 0));
  // One wave of resident blocks; the block count only changes the order of the (benchmark-only) sum.
  const uint64_t resident = std::max<uint64_t>(1, static_cast<uint64_t>(per_sm) * static_cast<uint64_t>(sms));
  const uint64_t blocks = std::max<uint64_t>(1, std::min<uint64_t>(resident, (samples + kFloorThreads - 1) / kFloorThreads));
  std::vector<uint64_t> bounds(blocks + 1);
  for (uint64_t b = 0; b <= blocks; ++b)
    bounds[b] = static_cast<uint64_t>(static_cast<unsigned __int128>(samples) * b / blocks);
  DeviceBuffer<uint64_t> d_bounds(bounds.size());
  DeviceBuffer<double> d_sums(blocks);
  RELUMC_CUDA_CHECK(cudaMemcpy(d_bounds.get(), bounds.data(), bounds.size() * sizeof(uint64_t), cudaMemcpyHostToDevice));
  detail::Event start, stop;
  start.record();
  rng_floor_kernel<T, C><<<static_cast<unsigned>(blocks), kFloorThreads>>>(philox_keys(seed), stream, d, d_bounds.get(),
                                                                          d_sums.get());
  RELUMC_CUDA_CHECK_LAUNCH();
  stop.record();
  const float elapsed = stop.elapsed_ms_since(start);
  if (ms) *ms = elapsed;
  std::vector<double> sums(blocks);
  RELUMC_CUDA_CHECK(cudaMemcpy(sums.data(), d_sums.get(), blocks * sizeof(double), cudaMemcpyDeviceToHost));
  double total = 0;
  for (double s : sums) total += s;
  return total;
}

}  // namespace

double rng_floor_cuda(uint64_t seed, uint32_t stream, uint64_t samples, int64_t d, Precision precision,
                      const CudaOptions& cuda, float* gpu_ms, Contract contract) {
  if (d < 1) throw InputError("rng floor: d must be at least 1");
  check_contract(contract, precision, 0);
  std::string why;
  if (!cuda_usable(&why)) throw CudaError("CUDA backend: " + why);
  if (precision == Precision::Double) return rng_floor_t<double, Contract::V1>(seed, stream, samples, d, cuda, gpu_ms);
  return contract == Contract::V2 ? rng_floor_t<float, Contract::V2>(seed, stream, samples, d, cuda, gpu_ms)
                                  : rng_floor_t<float, Contract::V1>(seed, stream, samples, d, cuda, gpu_ms);
}

template <class T>
std::vector<T> draw_samples_cuda(uint64_t seed, uint32_t stream, uint64_t first, uint64_t count, int64_t d, int device,
                                 Contract contract) {
  std::string why;
  if (!cuda_usable(&why)) throw CudaError("CUDA backend: " + why);
  RELUMC_CUDA_CHECK(cudaSetDevice(device));
  std::vector<T> x(static_cast<size_t>(count * d));
  if (x.empty()) return x;
  DeviceBuffer<T> d_x(x.size());
  detail::draw_samples_kernel<T><<<static_cast<unsigned>((count + 127) / 128), 128>>>(contract, seed, stream, first, count,
                                                                                      d, d_x.get());
  RELUMC_CUDA_CHECK_LAUNCH();
  RELUMC_CUDA_CHECK(cudaMemcpy(x.data(), d_x.get(), x.size() * sizeof(T), cudaMemcpyDeviceToHost));
  return x;
}

template std::vector<float> draw_samples_cuda<float>(uint64_t, uint32_t, uint64_t, uint64_t, int64_t, int, Contract);
template std::vector<double> draw_samples_cuda<double>(uint64_t, uint32_t, uint64_t, uint64_t, int64_t, int, Contract);

}  // namespace relumc
