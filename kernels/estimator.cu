// SPDX-License-Identifier: MIT
// The CUDA estimators' launcher (estimate_cuda, relumc/backend/cuda/cuda_backend.hpp). Its two thin kernels
// are in kernels/estimator_kernels.cuh (per-block logic: kernels/estimator_agent.cuh), its batches and
// slices in relumc/backend/cuda/launch_plan.hpp (run_batches), which the host emulator runs as well
// (tests/unit/test_cuda_emulated.cpp). Chunk sums come back to the host and are combined in chunk order,
// as in host/backend/cpu/cpu_backend.cpp.
// Compiled with --fmad=false (CMakeLists.txt): nvcc would otherwise contract a*b+c, and the per-sample
// terms would no longer be the CPU's bits.
#include "kernels/cuda_check.cuh"
#include "kernels/estimator_kernels.cuh"
#include "relumc/backend/cuda/cuda_backend.hpp"
#include "relumc/backend/cuda/launch_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>
#include <vector>

namespace relumc {
namespace {

using detail::DeviceBuffer;
using detail::EstimatorParams;

int checked_launch_value(int v, int def, int lo, int hi, const char* what) {
  if (v == 0) return def;
  if (v < lo || v > hi) throw InputError(fmt::format("CUDA {} = {}: must be {}..{} (0 picks)", what, v, lo, hi));
  return v;
}

// The Device of detail::run_batches (relumc/backend/cuda/launch_plan.hpp) on a GPU: one batch's bounds,
// accumulators and chunk sums in device memory; each slice timed with CUDA events.
template <class T>
class GpuBatches {
 public:
  GpuBatches(const EstimatorParams<T>& p, int threads, int G, size_t width, uint64_t batch)
      : p_(p), threads_(threads), G_(G), width_(width), bounds_(batch * G + 1), acc_(batch * G * width),
        chunk_(batch * width) {}

  void set_bounds(const uint64_t* b, size_t count) {
    RELUMC_CUDA_CHECK(cudaMemcpy(bounds_.get(), b, count * sizeof(uint64_t), cudaMemcpyHostToDevice));
  }
  double run_slice(detail::GridShape grid, uint64_t offset, uint64_t slice) {
    start_.record();
    kernel_<<<dim3(grid.x, grid.y), threads_, p_.plan.shared_bytes>>>(p_, bounds_.get(), offset, slice, acc_.get());
    RELUMC_CUDA_CHECK_LAUNCH();
    stop_.record();
    return stop_.elapsed_ms_since(start_) / 1000.0;  // waits: kernel faults surface here
  }
  void finish_batch(uint64_t nb, double* out) {
    const int64_t total = static_cast<int64_t>(nb * width_);
    const unsigned blocks = static_cast<unsigned>((total + detail::kChunkSumThreads - 1) / detail::kChunkSumThreads);
    detail::chunk_sum_kernel<<<blocks, detail::kChunkSumThreads>>>(acc_.get(), G_, static_cast<int64_t>(width_),
                                                                   static_cast<int64_t>(nb), chunk_.get());
    RELUMC_CUDA_CHECK_LAUNCH();
    RELUMC_CUDA_CHECK(cudaMemcpy(out, chunk_.get(), nb * width_ * sizeof(double), cudaMemcpyDeviceToHost));
  }

 private:
  const EstimatorParams<T>& p_;
  const detail::EstimatorKernel<T> kernel_ = detail::estimator_kernel_for<T>(p_.contract);
  const int threads_, G_;
  const size_t width_;
  DeviceBuffer<uint64_t> bounds_;
  DeviceBuffer<double> acc_, chunk_;
  detail::Event start_, stop_;
};

// Chunks [k_from, k_to) of case c on one device: their sums and sums of squares into partial (chunk k
// at partial + k * 2m). Returns false when a stop request ended it early. The grid holds the blocks
// that are resident at once (occupancy), each launch a slice short enough for stop and progress to act
// within a second; neither changes a bit (relumc/backend/cuda/launch_plan.hpp).
template <class T>
bool run_chunks(const Case& c, const EstimateOptions& opt, const CudaOptions& co, int device, uint64_t k_from,
                uint64_t k_to, double* partial) {
  const int threads = checked_launch_value(co.block_threads, kDefaultBlockThreads, 1, 1024, "block size");
  const int G = checked_launch_value(co.blocks_per_chunk, kDefaultBlocksPerChunk, 1, 65535, "blocks per chunk");
  RELUMC_CUDA_CHECK(cudaSetDevice(device));
  int sms = 0, optin = 0;
  RELUMC_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  RELUMC_CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  const size_t budget = std::min<size_t>(detail::kSharedBudget, static_cast<size_t>(optin));
  const detail::TilePlan plan = detail::plan_tiles(c, sizeof(T), co.tile_samples, co.coord_tile, budget);
  const size_t width = static_cast<size_t>(2 * components(c));
  if (k_from >= k_to) return true;

  const std::vector<T> rows = detail::padded_rows<T>(c);
  DeviceBuffer<T> d_rows(rows.size());
  RELUMC_CUDA_CHECK(cudaMemcpy(d_rows.get(), rows.data(), rows.size() * sizeof(T), cudaMemcpyHostToDevice));
  const EstimatorParams<T> p = detail::estimator_params<T>(c, opt.seed, plan, d_rows.get(), opt.contract);
  const detail::EstimatorKernel<T> kernel = detail::estimator_kernel_for<T>(opt.contract);
  if (detail::needs_shared_opt_in(plan.shared_bytes))
    RELUMC_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           static_cast<int>(plan.shared_bytes)));
  int per_sm = 0;
  RELUMC_CUDA_CHECK(
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, threads, plan.shared_bytes));
  if (per_sm < 1)
    throw CudaError(fmt::format("CUDA estimator: no block of {} threads with {} bytes of shared memory fits on device {}",
                                threads, plan.shared_bytes, device));

  detail::ChunkWork w;
  w.samples = c.samples;
  w.chunks = chunk_count(c.samples, components(c));
  w.k_from = k_from;
  w.k_to = k_to;
  w.G = G;
  w.width = width;
  w.batch = detail::chunks_per_batch(static_cast<uint64_t>(per_sm) * static_cast<uint64_t>(sms), G, width, k_to - k_from);
  w.tile = plan.samples;
  w.slice = detail::first_slice(plan.samples);

  GpuBatches<T> gpu(p, threads, G, width, w.batch);
  if (!co.gpu_ms) return detail::run_batches(gpu, w, opt.stop, opt.samples_done, partial);
  detail::Event t0, t1;
  t0.record();
  const bool finished = detail::run_batches(gpu, w, opt.stop, opt.samples_done, partial);
  t1.record();
  *co.gpu_ms = t1.elapsed_ms_since(t0);
  return finished;
}

// The devices this process uses: opt.cuda_devices, else co.device, else the node-local MPI rank modulo
// the device count (ranks on one node take different devices, whatever the ranks on other nodes).
std::vector<int> devices_for(const EstimateOptions& opt, const CudaOptions& co, const Distribution& dist) {
  int count = 0;
  RELUMC_CUDA_CHECK(cudaGetDeviceCount(&count));
  std::vector<int> devices = opt.cuda_devices;
  if (devices.empty()) devices.push_back(co.device >= 0 ? co.device : dist.local_rank() % count);
  for (int dev : devices)
    if (dev < 0 || dev >= count)
      throw InputError(fmt::format("CUDA device {} does not exist: this machine has {} (0..{})", dev, count, count - 1));
  return devices;
}

template <class T>
Estimate estimate_cuda_t(const Case& c, const EstimateOptions& opt, const CudaOptions& co) {
  const Distribution& dist = opt.distribution ? *opt.distribution : Distribution::single();
  const std::vector<int> devices = devices_for(opt, co, dist);
  const int64_t m = components(c);
  const size_t width = static_cast<size_t>(2 * m);
  const uint64_t N = c.samples;
  const uint64_t chunks = chunk_count(N, m);
  const uint64_t k_begin = dist.first_chunk(chunks, dist.rank()), k_end = dist.first_chunk(chunks, dist.rank() + 1);
  std::vector<double> partial(static_cast<size_t>(chunks) * width, 0.0);

  // This rank's chunks, cut into contiguous ranges, one per device (like ranks cut the chunks): every
  // chunk's sums are computed the same way wherever they run, so the result does not depend on them.
  const size_t D = devices.size();
  std::vector<char> finished(D, 1);
  std::vector<std::exception_ptr> errors(D);
  auto range = [&](size_t i) {
    return k_begin + static_cast<uint64_t>(static_cast<unsigned __int128>(k_end - k_begin) * i / D);
  };
  auto work = [&](size_t i) {
    try {
      CudaOptions one = co;
      if (D > 1) one.gpu_ms = nullptr;
      finished[i] = run_chunks<T>(c, opt, one, devices[i], range(i), range(i + 1), partial.data());
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  if (D == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (size_t i = 0; i < D; ++i) pool.emplace_back(work, i);
    for (auto& t : pool) t.join();
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  bool stopped = false;
  for (char f : finished) stopped |= !f;

  dist.allgather_chunks(partial.data(), chunks, width);
  if (dist.any(stopped)) throw Interrupted("stopped between kernel launches");
  // The CPU's own combination (host/backend/cpu/cpu_backend.cpp): chunk order, then mean and standard error.
  return combine_chunk_sums(partial, chunks, m, N, &c);
}

}  // namespace

Estimate estimate_cuda(const Case& c, const EstimateOptions& opt, const CudaOptions& cuda) {
  detail::check_cuda_case(c);
  check_contract(opt.contract, opt.precision, c.samples);
  std::string why;
  if (!cuda_usable(&why)) throw CudaError("CUDA backend: " + why);
  return opt.precision == Precision::Float ? estimate_cuda_t<float>(c, opt, cuda) : estimate_cuda_t<double>(c, opt, cuda);
}

}  // namespace relumc
