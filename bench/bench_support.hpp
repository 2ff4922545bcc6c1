// SPDX-License-Identifier: MIT
// What the CPU and GPU benchmark suites share: the benchmark case and the throughput counters.
#pragma once

#include "relumc/core/case.hpp"
#include "relumc/plan/sweep.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>

namespace relumc::bench {

// The benchmarked case: quantity q at d, K = K* (gating: 1), angle 1, |w| = 1, N samples, seed 1.
inline Case bench_case(Quantity q, int64_t d, int64_t K, uint64_t samples) {
  GridSpec spec;
  spec.quantities = {q};
  spec.angles = {1.0};
  spec.norms = {1.0};
  spec.dims = {d};
  spec.units = {K};
  spec.teacher_units = {K};
  spec.samples = {samples};
  return build_grid(spec, 1).front();
}

// samples/s and normals/s for n samples of dimension d per iteration.
inline void set_rate_counters(benchmark::State& state, uint64_t n, int64_t d) {
  const double total = static_cast<double>(n) * static_cast<double>(state.iterations());
  state.counters["samples/s"] = benchmark::Counter(total, benchmark::Counter::kIsRate);
  state.counters["normals/s"] = benchmark::Counter(total * static_cast<double>(d), benchmark::Counter::kIsRate);
}

}  // namespace relumc::bench
