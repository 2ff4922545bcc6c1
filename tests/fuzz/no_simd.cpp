// SPDX-License-Identifier: MIT
// The fuzz build's CPU kernel has no SIMD instantiation (Highway is not built with clang's sanitizers here):
// the functions of host/backend/cpu/cpu_simd.cpp, each saying "no SIMD kernel", so that the readers link.
// Nothing the harnesses call estimates anything.
#include "host/backend/cpu/cpu_kernel.hpp"

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

}  // namespace relumc
