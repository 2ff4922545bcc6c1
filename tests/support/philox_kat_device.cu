// SPDX-License-Identifier: MIT
// The device front end of the Philox known answers (tests/support/philox_kat.hpp): the library's
// relumc::philox_block, compiled by nvcc exactly as the estimator kernels include it, run on the device
// for arbitrary counters (Random123's kat_dev_execute.h plays this part there). Test-only; linked into
// test_cuda when the build has CUDA.
#include "kernels/cuda_check.cuh"
#include "relumc/math/sample_contract.hpp"
#include "tests/support/philox_kat.hpp"

#include <string>
#include <vector>

namespace relumc::testing {
namespace {

__global__ void philox_words_kernel(uint64_t seed, uint32_t stream, uint64_t first, uint32_t j, uint64_t count,
                                    uint32_t* out) {
  const uint64_t s = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (s >= count) return;
  const PhiloxWords w = philox_block(seed, stream, first + s, j);  // i wraps mod 2^64 as on the host
  for (int t = 0; t < 4; ++t) out[4 * s + t] = w.r[t];
}

}  // namespace

std::vector<uint32_t> philox_words_device(uint64_t seed, uint32_t stream, uint64_t first, uint32_t j, size_t count) {
  std::string why;
  if (!cuda_usable(&why)) throw CudaError("CUDA backend: " + why);
  std::vector<uint32_t> words(4 * count);
  if (count == 0) return words;
  uint32_t* d_words = nullptr;
  RELUMC_CUDA_CHECK(cudaSetDevice(0));
  RELUMC_CUDA_CHECK(cudaMalloc(&d_words, words.size() * sizeof(uint32_t)));
  try {
    // 32 threads per block: a count that is not a warp multiple leaves idle lanes in the last block.
    philox_words_kernel<<<static_cast<unsigned>((count + 31) / 32), 32>>>(seed, stream, first, j, count, d_words);
    RELUMC_CUDA_CHECK_LAUNCH();
    RELUMC_CUDA_CHECK(cudaMemcpy(words.data(), d_words, words.size() * sizeof(uint32_t), cudaMemcpyDeviceToHost));
  } catch (...) {
    cudaFree(d_words);
    throw;
  }
  RELUMC_CUDA_CHECK(cudaFree(d_words));
  return words;
}

}  // namespace relumc::testing
