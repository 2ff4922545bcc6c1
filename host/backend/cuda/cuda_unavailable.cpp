// SPDX-License-Identifier: MIT
// Built instead of kernels/ when CMake found no CUDA compiler: the CUDA seam says why it is absent.
#include "relumc/backend/cuda/cuda_backend.hpp"
#include "relumc/backend/cuda/cuda_tiles.hpp"
#include "relumc/backend/estimate.hpp"

namespace relumc {

namespace {
const char* const kNoCuda = "this build has no CUDA support (no CUDA compiler was found at configure time)";
}

bool cuda_usable(std::string* why_not) {
  if (why_not) *why_not = kNoCuda;
  return false;
}

Estimate estimate_cuda(const Case& c, const EstimateOptions& opt, const CudaOptions&) {
  detail::check_cuda_case(c);  // a bad case is bad input in every build
  check_contract(opt.contract, opt.precision, c.samples);
  throw CudaError(std::string("CUDA backend: ") + kNoCuda);
}

double rng_floor_cuda(uint64_t, uint32_t, uint64_t, int64_t, Precision, const CudaOptions&, float*, Contract) {
  throw CudaError(std::string("CUDA backend: ") + kNoCuda);
}

template <class T>
std::vector<T> draw_samples_cuda(uint64_t, uint32_t, uint64_t, uint64_t, int64_t, int, Contract) {
  throw CudaError(std::string("CUDA backend: ") + kNoCuda);
}
template std::vector<float> draw_samples_cuda<float>(uint64_t, uint32_t, uint64_t, uint64_t, int64_t, int, Contract);
template std::vector<double> draw_samples_cuda<double>(uint64_t, uint32_t, uint64_t, uint64_t, int64_t, int, Contract);

}  // namespace relumc
