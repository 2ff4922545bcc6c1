// SPDX-License-Identifier: MIT
// One CUDA check for every runtime call: RELUMC_CUDA_CHECK(call) throws relumc::CudaError naming the
// call, file:line and CUDA's reason; RELUMC_CUDA_CHECK_LAUNCH() follows every kernel launch
// (cudaPeekAtLastError, plus a device synchronisation when RELUMC_CUDA_DEBUG_SYNC is defined, so an
// asynchronous fault is reported at the launch that caused it). DeviceBuffer owns device memory, Event a
// CUDA event.
#pragma once

// Every .cu of the kernels includes this file. The sample contract is bit-exact (relumc/math/sample_contract.hpp):
// fast math (approximate division and square root, flushed subnormals, contraction) would change x_i and
// every term, so it is refused here; kernels/guards/check_kernels.py checks the PTX for the same.
#if defined(__USE_FAST_MATH__) || defined(__FAST_MATH__)
#error "relumc: the CUDA kernels must not be compiled with fast math (nvcc use_fast_math, -ffast-math): the sample contract is bit-exact"
#endif

#include "relumc/backend/cuda/cuda_backend.hpp"

#include <cuda_runtime.h>

#include <cstddef>
#include <string>

namespace relumc::detail {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line) {
  std::string why = std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
  if (err == cudaErrorMemoryAllocation) why += " (the device is out of memory)";
  if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver)
    why += " (no usable CUDA driver or device)";
  throw CudaError("CUDA error in " + std::string(call) + " at " + file + ":" + std::to_string(line) + ": " + why);
}

inline void cuda_check(cudaError_t err, const char* call, const char* file, int line) {
  if (err != cudaSuccess) throw_cuda_error(err, call, file, line);
}

// Device memory for n elements of T, freed on scope exit (errors on free are not thrown from a destructor).
template <class T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t n);
  ~DeviceBuffer() {
    if (p_) cudaFree(p_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  T* get() const { return p_; }
  size_t size() const { return n_; }

 private:
  T* p_ = nullptr;
  size_t n_ = 0;
};

// A CUDA event, destroyed on scope exit (errors on destroy are not thrown from a destructor).
class Event {
 public:
  Event();
  ~Event() {
    if (e_) cudaEventDestroy(e_);
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  void record();  // on the default stream
  // Waits for this event; the milliseconds from `earlier` to it.
  float elapsed_ms_since(const Event& earlier);

 private:
  cudaEvent_t e_ = nullptr;
};

}  // namespace relumc::detail

#define RELUMC_CUDA_CHECK(call) ::relumc::detail::cuda_check((call), #call, __FILE__, __LINE__)

#ifdef RELUMC_CUDA_DEBUG_SYNC
#define RELUMC_CUDA_CHECK_LAUNCH()                    \
  do {                                                \
    RELUMC_CUDA_CHECK(cudaPeekAtLastError());         \
    RELUMC_CUDA_CHECK(cudaDeviceSynchronize());       \
  } while (0)
#else
#define RELUMC_CUDA_CHECK_LAUNCH() RELUMC_CUDA_CHECK(cudaPeekAtLastError())
#endif

template <class T>
relumc::detail::DeviceBuffer<T>::DeviceBuffer(size_t n) : n_(n) {
  if (n > 0) RELUMC_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&p_), n * sizeof(T)));
}

inline relumc::detail::Event::Event() { RELUMC_CUDA_CHECK(cudaEventCreate(&e_)); }
inline void relumc::detail::Event::record() { RELUMC_CUDA_CHECK(cudaEventRecord(e_)); }
inline float relumc::detail::Event::elapsed_ms_since(const Event& earlier) {
  RELUMC_CUDA_CHECK(cudaEventSynchronize(e_));
  float ms = 0;
  RELUMC_CUDA_CHECK(cudaEventElapsedTime(&ms, earlier.e_, e_));
  return ms;
}
