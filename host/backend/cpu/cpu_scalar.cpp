// SPDX-License-Identifier: MIT
// The scalar instantiation of the CPU chunk kernel: one sample per lane group, Random123 Philox.
// Portable (any CPU, any compiler), and the bit-for-bit reference of the SIMD path.
#include "host/backend/cpu/cpu_kernel.hpp"
#include "relumc/math/sample_contract.hpp"

#include <stdexcept>
#include <type_traits>
#include <memory>
#include <vector>

namespace relumc {
namespace {

#define RELUMC_LANE_FN inline
#include "host/backend/cpu/cpu_kernel-inl.hpp"
#undef RELUMC_LANE_FN

}  // namespace

template <class T>
void accumulate_chunk_scalar(const ChunkArgs<T>& a, uint64_t begin, uint64_t end, double* S, double* Q,
                             std::atomic<uint64_t>* done) {
  if (a.contract == Contract::V2) {
    if constexpr (std::is_same_v<T, float>) {
      AccumulateChunkLanes<Contract::V2>(Scalar<float>{}, Scalar<uint64_t>{}, Scalar<double>{}, a, begin, end, S, Q, done);
      return;
    }
    throw std::logic_error("contract v2 draws float samples: the double kernel cannot run it");
  }
  AccumulateChunkLanes<Contract::V1>(Scalar<T>{}, Scalar<uint64_t>{}, Scalar<double>{}, a, begin, end, S, Q, done);
}

double rng_floor_scalar(const ChunkArgs<double>& a, uint64_t begin, uint64_t end) {
  return SumNormalsLanes<Contract::V1, false>(Scalar<double>{}, Scalar<uint64_t>{}, Scalar<double>{}, a, begin, end);
}

double rng_floor_scalar(const ChunkArgs<float>& a, uint64_t begin, uint64_t end) {
  if (a.contract == Contract::V2)
    return SumNormalsLanes<Contract::V2, false>(Scalar<float>{}, Scalar<uint64_t>{}, Scalar<double>{}, a, begin, end);
  return SumNormalsLanes<Contract::V1, false>(Scalar<float>{}, Scalar<uint64_t>{}, Scalar<double>{}, a, begin, end);
}

template void accumulate_chunk_scalar<double>(const ChunkArgs<double>&, uint64_t, uint64_t, double*, double*,
                                              std::atomic<uint64_t>*);
template void accumulate_chunk_scalar<float>(const ChunkArgs<float>&, uint64_t, uint64_t, double*, double*,
                                             std::atomic<uint64_t>*);

}  // namespace relumc
