// SPDX-License-Identifier: MIT
// CPU backend: OpenMP over fixed sample chunks; inside a chunk the SIMD or the scalar chunk kernel
// (host/backend/cpu/cpu_kernel.hpp), which return the same bits. Lane partials and chunk sums are combined in a
// fixed order. No heap allocation per sample: each thread allocates its partials once per call. A chunk is
// summed in pieces of stop_check_samples() samples with the stop request read between them, so that a stop
// acts within milliseconds at any N; the pieces give the bits of one pass (cpu_kernel.hpp).
#include "host/backend/cpu/cpu_kernel.hpp"
#include "relumc/backend/cpu/cpu_backend.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relumc {

namespace {

// ((p0+p1)+(p2+p3))+((p4+p5)+(p6+p7)): the fixed combination of a component's lane partials.
double combine_lanes(const double* p) {
  static_assert(kPartialLanes == 8);
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

template <class T>
Estimate estimate_cpu_t(const Case& c, const EstimateOptions& opt, bool simd) {
  const int64_t m = components(c);
  const uint64_t N = c.samples;
  const uint64_t chunks = chunk_count(N, m);
  std::vector<T> rows(c.student.begin(), c.student.end());
  rows.insert(rows.end(), c.teacher.begin(), c.teacher.end());
  ChunkArgs<T> args;
  args.quantity = c.quantity;
  args.d = c.d;
  args.K = c.K;
  args.Kstar = c.Kstar;
  args.rows = rows.data();
  args.seed = opt.seed;
  args.stream = c.stream;
  args.input = c.input;
  args.radius = c.radius;
  args.contract = opt.contract;
  std::vector<double> partial(static_cast<size_t>(chunks) * 2 * m, 0.0);

  // This rank's contiguous range of chunks; the others arrive through allgather_chunks.
  const Distribution& dist = opt.distribution ? *opt.distribution : Distribution::single();
  const int64_t k_begin = static_cast<int64_t>(dist.first_chunk(chunks, dist.rank()));
  const int64_t k_end = static_cast<int64_t>(dist.first_chunk(chunks, dist.rank() + 1));
  std::atomic<bool> stopped{false};
  const uint64_t step = stop_check_samples(c.quantity, c.d, c.K, c.Kstar);

  int threads = opt.threads;
#ifdef _OPENMP
  if (threads <= 0) threads = omp_get_max_threads();
#pragma omp parallel num_threads(threads)
#endif
  {
    std::vector<double> S(static_cast<size_t>(m) * kPartialLanes), Q(S.size());
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (int64_t k = k_begin; k < k_end; ++k) {
      std::fill(S.begin(), S.end(), 0.0);
      std::fill(Q.begin(), Q.end(), 0.0);
      const uint64_t begin = chunk_begin(N, chunks, k), end = chunk_begin(N, chunks, k + 1);
      // The chunk in pieces of `step` samples, the stop request read before each: a piece starts a multiple of
      // kV2FlushSamples after the chunk's start, so the pieces add into S and Q exactly what one call would.
      for (uint64_t at = begin; at < end;) {
        if (stopped.load(std::memory_order_relaxed) || (opt.stop && opt.stop->load(std::memory_order_relaxed))) {
          stopped.store(true, std::memory_order_relaxed);
          break;  // a stop request: the chunk is abandoned, no partial result escapes
        }
        const uint64_t to = end - at > step ? at + step : end;
        if (!simd || !accumulate_chunk_simd(args, at, to, S.data(), Q.data(), opt.samples_done))
          accumulate_chunk_scalar(args, at, to, S.data(), Q.data(), opt.samples_done);
        at = to;
      }
      if (stopped.load(std::memory_order_relaxed)) continue;  // skip to the end of the loop
      double* out = partial.data() + static_cast<size_t>(k) * 2 * m;
      for (int64_t a = 0; a < m; ++a) {
        out[a] = combine_lanes(S.data() + a * kPartialLanes);
        out[m + a] = combine_lanes(Q.data() + a * kPartialLanes);
      }
    }
  }

  dist.allgather_chunks(partial.data(), chunks, static_cast<size_t>(2 * m));
  if (dist.any(stopped.load())) throw Interrupted("stopped by request inside a chunk");

  // Combine in chunk order: deterministic whatever the thread count or number of ranks.
  return combine_chunk_sums(partial, chunks, m, N, &c);
}

}  // namespace

namespace {
std::atomic<uint64_t> g_stop_check_for_test{0};
}  // namespace

bool set_stop_check_samples_for_test(uint64_t samples) {
  if (samples % kV2FlushSamples != 0) return false;
  g_stop_check_for_test.store(samples);
  return true;
}

uint64_t stop_check_samples(Quantity q, int64_t d, int64_t K, int64_t Kstar) {
  if (const uint64_t forced = g_stop_check_for_test.load()) return forced;
  // Per sample: d normals (about 8 multiply-adds each), d (K + K*) for the projections, d coef_rows for the sums.
  const uint64_t coef_rows = q == Quantity::Grad ? static_cast<uint64_t>(K) : 1;
  const uint64_t work = static_cast<uint64_t>(d) * (static_cast<uint64_t>(K + Kstar) + coef_rows + 8);
  const uint64_t want = std::clamp<uint64_t>(kStopCheckWork / std::max<uint64_t>(work, 1), kV2FlushSamples,
                                             kStopCheckMaxSamples);
  return want / kV2FlushSamples * kV2FlushSamples;
}

std::string_view to_string(CpuKernel k) {
  switch (k) {
    case CpuKernel::Auto: return "auto";
    case CpuKernel::Simd: return "simd";
    case CpuKernel::Scalar: return "scalar";
  }
  return "?";
}

std::optional<CpuKernel> parse_cpu_kernel(std::string_view s) {
  for (CpuKernel k : {CpuKernel::Auto, CpuKernel::Simd, CpuKernel::Scalar})
    if (s == to_string(k)) return k;
  return std::nullopt;
}

namespace {
// Whether an estimate with kernel k runs the SIMD kernel here; throws when k is Simd and it cannot.
bool uses_simd(CpuKernel k) {
  if (k == CpuKernel::Scalar) return false;
  if (simd_kernel_available()) return true;
  if (k == CpuKernel::Simd)
    throw InputError("cpu_kernel", "simd: this CPU's best SIMD target (" + simd_target_name() +
                     ") has no fused multiply-add, so it cannot reproduce the sample contract; use auto or scalar");
  return false;
}
}  // namespace

std::string cpu_kernel_name(CpuKernel k) { return uses_simd(k) ? "simd-" + simd_target_name() : "scalar"; }

Estimate estimate_cpu(const Case& c, const EstimateOptions& opt) {
  validate(c);  // N >= 2, sizes, finite nonzero rows: an estimate is never NaN
  check_contract(opt.contract, opt.precision, c.samples);  // v2: float only, N <= kV2MaxSamples
  const bool simd = uses_simd(opt.cpu_kernel);
  return opt.precision == Precision::Float ? estimate_cpu_t<float>(c, opt, simd) : estimate_cpu_t<double>(c, opt, simd);
}

}  // namespace relumc
