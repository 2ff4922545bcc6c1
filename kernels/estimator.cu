// SPDX-License-Identifier: MIT
// The CUDA estimators: launcher (estimate_cuda, relumc/backend/cuda/cuda_backend.hpp) and its two thin kernels.
//   estimator_kernel: block (g, y) adds range g of chunk y of the batch (kernels/estimator_agent.cuh)
//   chunk_sum_kernel: per (chunk, component), the G range sums added in range order
// Chunk sums come back to the host and are combined in chunk order, as in host/backend/cpu/cpu_backend.cpp.
// Compiled with --fmad=false (CMakeLists.txt): nvcc would otherwise contract a*b+c, and the per-sample
// terms would no longer be the CPU's bits.
#include "kernels/cuda_check.cuh"
#include "kernels/estimator_agent.cuh"
#include "relumc/backend/cuda/cuda_backend.hpp"

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

template <class T>
__global__ void estimator_kernel(EstimatorParams<T> p, const uint64_t* bounds, double* acc) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  const size_t block = static_cast<size_t>(blockIdx.y) * gridDim.x + blockIdx.x;
  detail::estimate_range(p, bounds[block], bounds[block + 1], acc + block * 2 * p.components,
                         reinterpret_cast<T*>(smem_raw));
}

// out[y][a] = sum over g in order of acc[y][g][a], for a < 2m.
__global__ void chunk_sum_kernel(const double* acc, int G, int64_t width, int64_t chunks, double* out) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= chunks * width) return;
  const int64_t y = i / width, a = i % width;
  const double* src = acc + static_cast<size_t>(y) * G * width + a;
  double s = 0.0;
  for (int g = 0; g < G; ++g) s = s + src[static_cast<size_t>(g) * width];
  out[i] = s;
}

int checked_launch_value(int v, int def, int lo, int hi, const char* what) {
  if (v == 0) return def;
  if (v < lo || v > hi) throw InputError(fmt::format("CUDA {} = {}: must be {}..{} (0 picks)", what, v, lo, hi));
  return v;
}

// Chunks [k_from, k_to) of case c on one device: their sums and sums of squares into partial (chunk k
// at partial + k * 2m). Returns false when a stop request ended it early.
template <class T>
bool run_chunks(const Case& c, const EstimateOptions& opt, const CudaOptions& co, int device, uint64_t k_from,
                uint64_t k_to, double* partial) {
  const int threads = checked_launch_value(co.block_threads, kDefaultBlockThreads, 1, 1024, "block size");
  const int G = checked_launch_value(co.blocks_per_chunk, kDefaultBlocksPerChunk, 1, 65535, "blocks per chunk");
  RELUMC_CUDA_CHECK(cudaSetDevice(device));
  cudaDeviceProp prop{};
  RELUMC_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  const size_t budget = std::min<size_t>(detail::kSharedBudget, prop.sharedMemPerBlockOptin);

  EstimatorParams<T> p{};
  p.quantity = c.quantity;
  p.d = c.d;
  p.K = c.K;
  p.Kstar = c.Kstar;
  p.components = components(c);
  p.seed = opt.seed;
  p.stream = c.stream;
  p.contract = opt.contract;
  p.plan = detail::plan_tiles(c, sizeof(T), co.tile_samples, co.coord_tile, budget);
  const size_t width = static_cast<size_t>(2 * p.components);
  if (k_from >= k_to) return true;

  std::vector<T> rows(c.student.begin(), c.student.end());
  rows.insert(rows.end(), c.teacher.begin(), c.teacher.end());
  DeviceBuffer<T> d_rows(rows.size());
  RELUMC_CUDA_CHECK(cudaMemcpy(d_rows.get(), rows.data(), rows.size() * sizeof(T), cudaMemcpyHostToDevice));
  p.rows = d_rows.get();
  if (p.plan.shared_bytes > 48 * 1024)
    RELUMC_CUDA_CHECK(cudaFuncSetAttribute(estimator_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           static_cast<int>(p.plan.shared_bytes)));

  const uint64_t N = c.samples;
  const uint64_t chunks = chunk_count(N, p.components);
  // Chunks per batch: enough blocks to fill the device a few times over, accumulators within 1 GiB.
  const uint64_t by_memory = std::max<uint64_t>(1, (uint64_t{1} << 30) / (static_cast<uint64_t>(G) * width * sizeof(double)));
  const uint64_t by_fill = std::max<uint64_t>(1, (8 * static_cast<uint64_t>(prop.multiProcessorCount) + G - 1) / G);
  const uint64_t batch = std::min({by_memory, by_fill, k_to - k_from});

  DeviceBuffer<uint64_t> d_bounds(batch * G + 1);
  DeviceBuffer<double> d_acc(batch * G * width);
  DeviceBuffer<double> d_chunk(batch * width);
  std::vector<uint64_t> bounds(batch * G + 1);
  cudaEvent_t t0 = nullptr, t1 = nullptr;
  if (co.gpu_ms) {
    RELUMC_CUDA_CHECK(cudaEventCreate(&t0));
    RELUMC_CUDA_CHECK(cudaEventCreate(&t1));
    RELUMC_CUDA_CHECK(cudaEventRecord(t0));
  }
  for (uint64_t k0 = k_from; k0 < k_to; k0 += batch) {
    if (opt.stop && opt.stop->load(std::memory_order_relaxed)) return false;
    const uint64_t nb = std::min(batch, k_to - k0);
    // Range g of chunk k: [b + n g / G, b + n (g + 1) / G), b and n the chunk's start and size.
    for (uint64_t y = 0; y < nb; ++y) {
      const uint64_t b = chunk_begin(N, chunks, k0 + y), n = chunk_begin(N, chunks, k0 + y + 1) - b;
      for (int g = 0; g < G; ++g)
        bounds[y * G + g] = b + static_cast<uint64_t>(static_cast<unsigned __int128>(n) * g / G);
    }
    bounds[nb * G] = chunk_begin(N, chunks, k0 + nb);
    RELUMC_CUDA_CHECK(cudaMemcpy(d_bounds.get(), bounds.data(), (nb * G + 1) * sizeof(uint64_t), cudaMemcpyHostToDevice));
    estimator_kernel<T><<<dim3(G, static_cast<unsigned>(nb)), threads, p.plan.shared_bytes>>>(p, d_bounds.get(), d_acc.get());
    RELUMC_CUDA_CHECK_LAUNCH();
    const int64_t total = static_cast<int64_t>(nb * width);
    chunk_sum_kernel<<<static_cast<unsigned>((total + 255) / 256), 256>>>(d_acc.get(), G, static_cast<int64_t>(width),
                                                                         static_cast<int64_t>(nb), d_chunk.get());
    RELUMC_CUDA_CHECK_LAUNCH();
    RELUMC_CUDA_CHECK(cudaMemcpy(partial + k0 * width, d_chunk.get(), nb * width * sizeof(double),
                                 cudaMemcpyDeviceToHost));  // synchronises: kernel faults surface here
    if (opt.samples_done) opt.samples_done->fetch_add(bounds[nb * G] - bounds[0], std::memory_order_relaxed);
  }
  if (co.gpu_ms) {
    RELUMC_CUDA_CHECK(cudaEventRecord(t1));
    RELUMC_CUDA_CHECK(cudaEventSynchronize(t1));
    RELUMC_CUDA_CHECK(cudaEventElapsedTime(co.gpu_ms, t0, t1));
    RELUMC_CUDA_CHECK(cudaEventDestroy(t0));
    RELUMC_CUDA_CHECK(cudaEventDestroy(t1));
  }
  return true;
}

// The devices this process uses: opt.cuda_devices, else co.device, else MPI rank mod device count.
std::vector<int> devices_for(const EstimateOptions& opt, const CudaOptions& co, const Distribution& dist) {
  int count = 0;
  RELUMC_CUDA_CHECK(cudaGetDeviceCount(&count));
  std::vector<int> devices = opt.cuda_devices;
  if (devices.empty()) devices.push_back(co.device >= 0 ? co.device : dist.rank() % count);
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
  if (dist.any(stopped)) throw Interrupted("stopped at a chunk boundary");
  // The CPU's own combination (host/backend/cpu/cpu_backend.cpp): chunk order, then mean and standard error.
  return combine_chunk_sums(partial, chunks, m, N);
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
