// SPDX-License-Identifier: MIT
// GPU throughput (relumc/backend/cuda/cuda_backend.hpp), timed with CUDA events (UseManualTime):
//   BM_CudaRngFloor   the estimator's normals, drawn by the same code, only summed (the floor);
//   BM_CudaEstimator  the fused estimators: grad at d in {16, 128, 1024} x K = K* in {1, 4, 16},
//                     gating and loss at the same d (K = 1 and 4).
// Both at the same number of normals per run (2^33 / precision: N = 2^33 / d samples), arg
// precision 1 = double, 0 = float. Counters samples/s and normals/s (SetItemsProcessed = samples).
// BM_CudaRngFloorV2, BM_CudaEstimatorV2: the same under sample contract v2 (float; docs/sample-contract.md).
// Without a usable device every benchmark reports an error (SkipWithError) naming why.
//   ./build/bench/bench_cuda --benchmark_counters_tabular=true
//   bench/compare_gpu.sh   (beside PyTorch, JAX and CuPy, as a table of ratios)
#include "bench/bench_support.hpp"
#include "relumc/backend/cuda/cuda_backend.hpp"
#include "relumc/backend/estimate.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

constexpr double kNormalsPerRun = 8589934592.0;  // 2^33

uint64_t samples_for(int64_t d) { return static_cast<uint64_t>(kNormalsPerRun / static_cast<double>(d)); }

relumc::Precision precision_arg(const benchmark::State& state, int index) {
  return state.range(index) == 0 ? relumc::Precision::Float : relumc::Precision::Double;
}

bool skip_without_device(benchmark::State& state) {
  std::string why;
  if (relumc::cuda_usable(&why)) return false;
  state.SkipWithError(("no usable CUDA device: " + why).c_str());
  for (auto _ : state) {
  }
  return true;
}

void set_counters(benchmark::State& state, uint64_t n, int64_t d) {
  state.SetItemsProcessed(static_cast<int64_t>(static_cast<double>(n) * static_cast<double>(state.iterations())));
  relumc::bench::set_rate_counters(state, n, d);
}

void BM_CudaRngFloor(benchmark::State& state) {
  if (skip_without_device(state)) return;
  const int64_t d = state.range(0);
  const relumc::Precision p = precision_arg(state, 1);
  const uint64_t n = samples_for(d);
  relumc::rng_floor_cuda(1, 0, n / 64, d, p);  // warm-up: context, module load
  for (auto _ : state) {
    float ms = 0;
    benchmark::DoNotOptimize(relumc::rng_floor_cuda(1, 0, n, d, p, {}, &ms));
    state.SetIterationTime(ms / 1e3);
  }
  set_counters(state, n, d);
}

// One timed estimate of c on the GPU, after an untimed warm-up on a 64th of its samples. tile_samples: 0 lets
// the planner pick (64 samples where a tile fits 36 KiB), else forced (32: stop 19's shape, the occupancy A/B).
void time_estimate(benchmark::State& state, const relumc::Case& c, const relumc::EstimateOptions& opt,
                   int tile_samples = 0) {
  float ms = 0;
  relumc::CudaOptions co;
  co.gpu_ms = &ms;
  co.tile_samples = tile_samples;
  relumc::Case warm = c;
  warm.samples = c.samples / 64 + 2;
  relumc::estimate_cuda(warm, opt, co);
  for (auto _ : state) {
    benchmark::DoNotOptimize(relumc::estimate_cuda(c, opt, co).mean.data());
    state.SetIterationTime(ms / 1e3);
  }
  set_counters(state, c.samples, c.d);
}

void BM_CudaEstimator(benchmark::State& state) {
  if (skip_without_device(state)) return;
  const auto q = static_cast<relumc::Quantity>(state.range(0));
  const int64_t d = state.range(1), K = state.range(2);
  relumc::EstimateOptions opt;
  opt.precision = precision_arg(state, 3);
  state.SetLabel(std::string(relumc::to_string(q)));
  time_estimate(state, relumc::bench::bench_case(q, d, K, samples_for(d)), opt);
}

void BM_CudaRngFloorV2(benchmark::State& state) {
  if (skip_without_device(state)) return;
  const int64_t d = state.range(0);
  const uint64_t n = samples_for(d);
  const relumc::Precision p = relumc::Precision::Float;
  relumc::rng_floor_cuda(1, 0, n / 64, d, p, {}, nullptr, relumc::Contract::V2);
  for (auto _ : state) {
    float ms = 0;
    benchmark::DoNotOptimize(relumc::rng_floor_cuda(1, 0, n, d, p, {}, &ms, relumc::Contract::V2));
    state.SetIterationTime(ms / 1e3);
  }
  set_counters(state, n, d);
}

void BM_CudaEstimatorV2(benchmark::State& state) {
  if (skip_without_device(state)) return;
  const int64_t d = state.range(0), K = state.range(1);
  relumc::EstimateOptions opt;
  opt.precision = relumc::Precision::Float;
  opt.contract = relumc::Contract::V2;
  state.SetLabel("grad v2");
  time_estimate(state, relumc::bench::bench_case(relumc::Quantity::Grad, d, K, samples_for(d)), opt,
                static_cast<int>(state.range(2)));
}

constexpr int kGrad = static_cast<int>(relumc::Quantity::Grad);
constexpr int kGating = static_cast<int>(relumc::Quantity::Gating);
constexpr int kLoss = static_cast<int>(relumc::Quantity::Loss);

}  // namespace

BENCHMARK(BM_CudaRngFloor)
    ->ArgNames({"d", "double"})
    ->ArgsProduct({{16, 128, 1024}, {1, 0}})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK(BM_CudaEstimator)
    ->ArgNames({"quantity", "d", "K", "double"})
    ->ArgsProduct({{kGrad}, {16, 128, 1024}, {1, 4, 16}, {1, 0}})
    ->ArgsProduct({{kGating}, {16, 128, 1024}, {1}, {1, 0}})
    ->ArgsProduct({{kLoss}, {16, 128, 1024}, {1, 4}, {1, 0}})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

BENCHMARK(BM_CudaRngFloorV2)->ArgNames({"d"})->Args({16})->Args({128})->Args({1024})->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_CudaEstimatorV2)
    ->ArgNames({"d", "K", "tile"})
    ->ArgsProduct({{16, 128, 1024}, {1, 4, 16}, {0}})
    ->ArgsProduct({{128}, {1, 4}, {32}})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

BENCHMARK_MAIN();
