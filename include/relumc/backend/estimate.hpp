// SPDX-License-Identifier: MIT
// Monte Carlo estimates of a case's quantity, and the backends that compute them.
//
// Determinism: the N samples of a case are cut into fixed chunks by index (their number depends only
// on N and the quantity's size, never on threads); each chunk is summed into eight lane partials in
// sample order in double (host/backend/cpu/cpu_kernel.hpp); chunk sums are combined in chunk order. The same seed,
// precision, contract and backend therefore give bit-identical estimates whatever the thread count, CPU kernel or
// number of MPI ranks (which split the chunks, relumc/run/distribution.hpp).
//
// Usage:
//   relumc::Estimate e = relumc::estimate(c, {.seed = 1, .threads = 2}, relumc::Backend::Cpu);
#pragma once

#include "relumc/core/case.hpp"
#include "relumc/run/distribution.hpp"

#include <atomic>
#include <optional>
#include <string_view>
#include <cstdint>
#include <string>
#include <vector>

namespace relumc {

struct Estimate {
  std::vector<double> mean;    // components(c) numbers
  std::vector<double> std_error;// per component: sqrt(sample variance / N), from the samples alone
  uint64_t samples = 0;
  // The shape of the mean's sampling distribution, per component, from the B chunk means (batch means):
  // skewness g1 / sqrt(B) and excess kurtosis g2 / B, where g1, g2 are the batch means' sample skewness
  // and excess kurtosis (0 where the batch means do not vary). They say whether the normal approximation of
  // the test holds (stats/verdict.hpp: effective-sample rule). Empty: not known.
  std::vector<double> mean_skewness, mean_kurtosis;
  uint64_t batches = 0;  // B
  // The span test's statistics (stats/span_test.hpp), at the case's normalised scale: p = span_dim
  // coordinates in span(W, W*), span_cov their p x p covariance of the mean (row-major), perp_var per row
  // the variance of the mean per coordinate outside the span. Empty where the span test does not apply.
  int64_t span_dim = 0;
  std::vector<double> span_cov, perp_var;
};

// Which CPU chunk kernel: auto (SIMD when the CPU has an FMA target, else scalar), or one forced.
// All of them return bit-identical estimates (host/backend/cpu/cpu_kernel.hpp).
enum class CpuKernel { Auto, Simd, Scalar };
std::string_view to_string(CpuKernel k);
std::optional<CpuKernel> parse_cpu_kernel(std::string_view s);

struct EstimateOptions {
  uint64_t seed = 1;
  int threads = 0;  // 0: all OpenMP threads
  Precision precision = Precision::Double;
  // The sample contract's version (relumc/math/contract.hpp): v1 the reference; v2 fast, float only
  // (precision must be float) and only for N <= kV2MaxSamples (check_contract).
  Contract contract = Contract::V1;
  CpuKernel cpu_kernel = CpuKernel::Auto;
  std::atomic<uint64_t>* samples_done = nullptr;  // progress counter, may be null
  // Ranks sharing the chunks (null: this process alone). Every rank must call with the same case.
  const Distribution* distribution = nullptr;
  // Checked before each chunk (may be null): once set, the remaining chunks are skipped and the
  // estimate throws Interrupted (on every rank).
  const std::atomic<bool>* stop = nullptr;
  // cuda backend: the devices this process uses, sharing its chunks in contiguous ranges (results do
  // not depend on them). Empty: one device (the node-local MPI rank modulo the device count).
  std::vector<int> cuda_devices;
};

enum class Backend { Auto, Cpu, Cuda };
std::string_view to_string(Backend b);
std::optional<Backend> parse_backend(std::string_view s);

// Fixed chunking of [0, N): the number of chunks, and the first index of chunk k.
uint64_t chunk_count(uint64_t samples, int64_t components);
uint64_t chunk_begin(uint64_t samples, uint64_t chunks, uint64_t k);

// The one combination every backend uses: partial holds, per chunk, m sums then m sums of squares;
// they are added in chunk order, then mean = sum / N and se = sqrt(sample variance / N). The chunk sums,
// divided by their sizes, are also the batch means that give mean_skewness and mean_kurtosis, and, when
// the case is given (as the backends see it: at its normalised scale), the span test's statistics.
Estimate combine_chunk_sums(const std::vector<double>& partial, uint64_t chunks, int64_t m, uint64_t N,
                            const Case* c = nullptr);

// auto -> cuda when a usable device exists and every input is Gaussian (the CUDA kernels draw Gaussian
// inputs only), else cpu. Throws InputError when cuda is asked for and cannot be used, naming why.
// `note` (may be null) says what was chosen and why.
Backend resolve_backend(Backend requested, std::string* note, InputKind input = InputKind::Gaussian);

// The estimate of c on a resolved backend (cpu or cuda; auto is refused). Refuses (InputError, check_contract)
// contract v2 in double or past kV2MaxSamples.
Estimate estimate(const Case& c, const EstimateOptions& opt, Backend backend);

}  // namespace relumc
