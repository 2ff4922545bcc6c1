// SPDX-License-Identifier: MIT
// CPU throughput: the rng floor (the same normals, drawn by the same code, only summed) and the
// estimators, at d in {10, 100, 1000}, K = K* in {1, 4, 16}, threads 1 and 2, for the SIMD kernel
// (kernel:0, auto) and the scalar reference (kernel:2). Counters: samples/s and normals/s.
// BM_RngFloorV2 and BM_EstimatorV2: the same under sample contract v2 (float normals, full float vectors:
// docs/sample-contract.md), the v1 ones being the double reference.
//   ./build/bench/bench_cpu --benchmark_counters_tabular=true
//   bench/compare_cpu.sh    (the same, beside NumPy and PyTorch, as a table of ratios)
#include "bench/bench_support.hpp"
#include "host/backend/cpu/cpu_kernel.hpp"
#include "relumc/backend/cpu/cpu_backend.hpp"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

uint64_t samples_for(int64_t d) { return static_cast<uint64_t>(4e7 / static_cast<double>(d)); }

using relumc::bench::set_rate_counters;

relumc::CpuKernel kernel_arg(const benchmark::State& state, int index) {
  return static_cast<relumc::CpuKernel>(state.range(index));
}

// The same fixed chunks and OpenMP loop as the estimator, with nothing but a sum of the normals: the
// floor of one contract (T: double for v1, float for v2), drawn exactly as its estimator draws them.
template <class T>
void rng_floor(benchmark::State& state, relumc::Contract contract, const char* label) {
  const int64_t d = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const relumc::CpuKernel kernel = kernel_arg(state, 2);
  const bool simd = kernel != relumc::CpuKernel::Scalar;
  state.SetLabel(relumc::cpu_kernel_name(kernel) + label);
  const uint64_t n = samples_for(d);
  const uint64_t chunks = relumc::chunk_count(n, d);
  relumc::ChunkArgs<T> a;
  a.d = d;
  a.seed = 1;
  a.contract = contract;
  for (auto _ : state) {
    std::vector<double> partial(chunks, 0.0);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t k = 0; k < static_cast<int64_t>(chunks); ++k) {
      const uint64_t begin = relumc::chunk_begin(n, chunks, k), end = relumc::chunk_begin(n, chunks, k + 1);
      if (!simd || !relumc::rng_floor_simd(a, begin, end, &partial[k]))
        partial[k] = relumc::rng_floor_scalar(a, begin, end);
    }
    benchmark::DoNotOptimize(partial.data());
  }
  set_rate_counters(state, n, d);
}

void BM_RngFloor(benchmark::State& state) { rng_floor<double>(state, relumc::Contract::V1, ""); }
void BM_RngFloorV2(benchmark::State& state) { rng_floor<float>(state, relumc::Contract::V2, " v2"); }

void BM_Estimator(benchmark::State& state) {
  const auto q = static_cast<relumc::Quantity>(state.range(0));
  const int64_t d = state.range(1), K = state.range(2);
  const relumc::Case c = relumc::bench::bench_case(q, d, K, samples_for(d));
  relumc::EstimateOptions opt;
  opt.threads = static_cast<int>(state.range(3));
  opt.cpu_kernel = kernel_arg(state, 4);
  for (auto _ : state) benchmark::DoNotOptimize(relumc::estimate_cpu(c, opt).mean.data());
  state.SetLabel(std::string(relumc::to_string(q)) + " " + relumc::cpu_kernel_name(opt.cpu_kernel));
  set_rate_counters(state, c.samples, d);
}

void BM_EstimatorV2(benchmark::State& state) {
  const auto q = static_cast<relumc::Quantity>(state.range(0));
  const int64_t d = state.range(1), K = state.range(2);
  const relumc::Case c = relumc::bench::bench_case(q, d, K, samples_for(d));
  relumc::EstimateOptions opt;
  opt.threads = static_cast<int>(state.range(3));
  opt.cpu_kernel = kernel_arg(state, 4);
  opt.contract = relumc::Contract::V2;
  opt.precision = relumc::Precision::Float;
  for (auto _ : state) benchmark::DoNotOptimize(relumc::estimate_cpu(c, opt).mean.data());
  state.SetLabel(std::string(relumc::to_string(q)) + " " + relumc::cpu_kernel_name(opt.cpu_kernel) + " v2");
  set_rate_counters(state, c.samples, d);
}

constexpr int kAuto = static_cast<int>(relumc::CpuKernel::Auto);
constexpr int kScalar = static_cast<int>(relumc::CpuKernel::Scalar);
constexpr int kGrad = static_cast<int>(relumc::Quantity::Grad);

}  // namespace

// The same axes for both contracts, so their rows compare one to one.
static void FloorArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"d", "threads", "kernel"})
      ->ArgsProduct({{10, 100, 1000}, {1, 2}, {kAuto, kScalar}})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}
static void GradArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"quantity", "d", "K", "threads", "kernel"})
      ->ArgsProduct({{kGrad}, {10, 100, 1000}, {1, 4, 16}, {1, 2}, {kAuto, kScalar}})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

BENCHMARK(BM_RngFloor)->Apply(FloorArgs);
BENCHMARK(BM_Estimator)
    ->Apply(GradArgs)
    ->ArgsProduct({{static_cast<int>(relumc::Quantity::Gating), static_cast<int>(relumc::Quantity::Loss)},
                   {10, 100, 1000}, {1}, {1, 2}, {kAuto, kScalar}});

BENCHMARK(BM_RngFloorV2)->Apply(FloorArgs);
BENCHMARK(BM_EstimatorV2)->Apply(GradArgs);

BENCHMARK_MAIN();
