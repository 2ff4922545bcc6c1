// SPDX-License-Identifier: MIT
// The fuzz build has no CPU chunk kernel: the readers need the backend's names and checks
// (host/backend/cpu/cpu_backend.cpp), never an estimate, and the kernels are the slowest sources to compile. The
// functions of host/backend/cpu/cpu_simd.cpp say "no SIMD kernel"; those of cpu_scalar.cpp throw if called.
#include "host/backend/cpu/cpu_kernel.hpp"

#include <stdexcept>

namespace relumc {

bool accumulate_chunk_simd(const ChunkArgs<double>&, uint64_t, uint64_t, double*, double*, std::atomic<uint64_t>*) { return false; }
bool accumulate_chunk_simd(const ChunkArgs<float>&, uint64_t, uint64_t, double*, double*, std::atomic<uint64_t>*) { return false; }
bool rng_floor_simd(const ChunkArgs<double>&, uint64_t, uint64_t, double*) { return false; }
bool rng_floor_simd(const ChunkArgs<float>&, uint64_t, uint64_t, double*) { return false; }
bool philox_words_simd(uint64_t, uint32_t, uint64_t, uint32_t, size_t, uint32_t*) { return false; }
bool draw_samples_simd(const ChunkArgs<float>&, uint64_t, size_t, float*) { return false; }
bool simd_kernel_available() { return false; }
std::vector<std::string> simd_targets_supported() { return {}; }
std::string simd_target_name() { return "none (fuzz build)"; }
bool use_simd_target_for_test(const std::string&) { return false; }

template <class T>
void accumulate_chunk_scalar(const ChunkArgs<T>&, uint64_t, uint64_t, double*, double*, std::atomic<uint64_t>*) {
  throw std::logic_error("the fuzz build has no chunk kernel");
}
template void accumulate_chunk_scalar<double>(const ChunkArgs<double>&, uint64_t, uint64_t, double*, double*,
                                              std::atomic<uint64_t>*);
template void accumulate_chunk_scalar<float>(const ChunkArgs<float>&, uint64_t, uint64_t, double*, double*,
                                             std::atomic<uint64_t>*);
double rng_floor_scalar(const ChunkArgs<double>&, uint64_t, uint64_t) { throw std::logic_error("no chunk kernel"); }
double rng_floor_scalar(const ChunkArgs<float>&, uint64_t, uint64_t) { throw std::logic_error("no chunk kernel"); }

}  // namespace relumc
