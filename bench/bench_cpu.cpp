// SPDX-License-Identifier: MIT
// CPU throughput: the rng floor (draw the same normals and only sum them) and the estimators, at
// d in {10, 100}, K = K* in {1, 4}, threads 1 and 2. Counters: samples/s and normals/s.
//   ./build/bench/bench_cpu --benchmark_counters_tabular=true
#include "relumc/estimate.hpp"
#include "relumc/sample_contract.hpp"
#include "relumc/sweep.hpp"

#include <benchmark/benchmark.h>

#include <vector>

namespace {

uint64_t samples_for(int64_t d) { return static_cast<uint64_t>(4e7 / static_cast<double>(d)); }

void set_counters(benchmark::State& state, uint64_t n, int64_t d) {
  const double total = static_cast<double>(n) * static_cast<double>(state.iterations());
  state.counters["samples/s"] = benchmark::Counter(total, benchmark::Counter::kIsRate);
  state.counters["normals/s"] = benchmark::Counter(total * static_cast<double>(d), benchmark::Counter::kIsRate);
}

// The same fixed chunks and OpenMP loop as the estimator, with nothing but a sum per sample.
void BM_RngFloor(benchmark::State& state) {
  const int64_t d = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const uint64_t n = samples_for(d);
  const uint64_t chunks = relumc::chunk_count(n, d);
  for (auto _ : state) {
    std::vector<double> partial(chunks, 0.0);
#pragma omp parallel num_threads(threads)
    {
      std::vector<double> x(d);
#pragma omp for schedule(dynamic, 1)
      for (int64_t k = 0; k < static_cast<int64_t>(chunks); ++k) {
        double s = 0;
        for (uint64_t i = relumc::chunk_begin(n, chunks, k); i < relumc::chunk_begin(n, chunks, k + 1); ++i) {
          relumc::draw_sample<double>(1, 0, i, d, x.data());
          for (double v : x) s += v;
        }
        partial[k] = s;
      }
    }
    benchmark::DoNotOptimize(partial.data());
  }
  set_counters(state, n, d);
}

void BM_Estimator(benchmark::State& state) {
  const auto q = static_cast<relumc::Quantity>(state.range(0));
  const int64_t d = state.range(1), K = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  relumc::GridSpec spec;
  spec.quantities = {q};
  spec.angles = {1.0};
  spec.norms = {1.0};
  spec.dims = {d};
  spec.units = {K};
  spec.teacher_units = {K};
  spec.samples = {samples_for(d)};
  const relumc::Case c = relumc::build_grid(spec, 1).front();
  relumc::EstimateOptions opt;
  opt.threads = threads;
  for (auto _ : state) benchmark::DoNotOptimize(relumc::estimate_cpu(c, opt).mean.data());
  state.SetLabel(std::string(relumc::to_string(q)));
  set_counters(state, c.samples, d);
}

}  // namespace

BENCHMARK(BM_RngFloor)->ArgNames({"d", "threads"})->ArgsProduct({{10, 100}, {1, 2}})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Estimator)
    ->ArgNames({"quantity", "d", "K", "threads"})
    ->ArgsProduct({{static_cast<int>(relumc::Quantity::Grad)}, {10, 100}, {1, 4}, {1, 2}})
    ->ArgsProduct({{static_cast<int>(relumc::Quantity::Gating), static_cast<int>(relumc::Quantity::Loss)}, {10, 100}, {1}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
