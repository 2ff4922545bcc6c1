// SPDX-License-Identifier: MIT
// The shipped CUDA kernel bodies, run on the CPU by the checked emulator (tests/support/cuda_emulator.hpp):
// the fused estimator (kernels/estimator_kernels.cuh, per-block logic kernels/estimator_agent.cuh) driven
// by the launcher's own loop (relumc/backend/cuda/launch_plan.hpp: run_batches), and the draw of x_i
// (kernels/sample_kernels.cuh). Built with AddressSanitizer and UndefinedBehaviorSanitizer in CI
// (tests/CMakeLists.txt); tests/support/run_tsan.sh runs it under ThreadSanitizer.
//
// What it holds, with no GPU:
//   - the estimator's chunk sums and estimates are bit-identical to a plain sequential reference of the
//     documented GPU order (relumc/backend/cuda/cuda_backend.hpp): per chunk G contiguous ranges, each a
//     sequential sum in sample order, range sums added in range order, chunks combined in chunk order;
//     for odd d, K != K*, tiny and odd N, block sizes 1, 7, 33, 128, G in {1, 2, 3, 16}, several tile
//     shapes, batch sizes and slices, three thread schedules, in every sample contract; chunks split
//     between devices or ranks change no bit either;
//   - ranges across 2^32 and ending at 2^64 - 1, launched directly;
//   - the emulated draws (draw_samples_kernel, and the agent's draw_tile) are the CPU's x_i bit for bit;
// The reference is tests/support/gpu_order_reference.hpp; the emulator's own checks are tested by
// test_cuda_emulator.cpp, the launch plan's arithmetic by test_launch_plan.cpp.
#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/backend/cuda/cuda_tiles.hpp"
#include "relumc/backend/cuda/launch_plan.hpp"
#include "relumc/backend/estimate.hpp"
#include "relumc/math/sample_contract.hpp"
#include "tests/support/cuda_agreement.hpp"
#include "tests/support/estimator_cases.hpp"
#include "tests/support/gpu_order_reference.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "tests/support/cuda_emulator.hpp"  // after every other header: it defines the CUDA keywords

#include "kernels/estimator_kernels.cuh"
#include "kernels/sample_kernels.cuh"

namespace {

using relumc::Case;
using relumc::Estimate;
using relumc::Quantity;
using relumc::detail::EstimatorParams;
using relumc::detail::TilePlan;
using relumc::testing::gpu_order_chunk_sums;
using relumc::testing::make_case;
using relumc::testing::range_sums;
namespace emu = relumc::emu;

// ---- the sample contracts ----------------------------------------------------------------------------
// Every contract the kernels implement, as a type: its real type, its kernels and parameters, and its
// draw of x_i on the CPU (the reference): v1 in double and float, and v2 (float only). The kernels and the
// per-sample math are the same for v1 float and v2; only the normals differ (block_normals(contract), the
// estimator kernel's contract argument).

template <class T>
struct V1 {
  using Real = T;
  using Params = EstimatorParams<T>;
  static constexpr auto kEstimator = relumc::detail::estimator_kernel<T, relumc::Contract::V1>;
  static constexpr auto kDrawSamples = relumc::detail::draw_samples_kernel<T>;
  static constexpr relumc::Contract kContract = relumc::Contract::V1;
  static std::string name() { return sizeof(T) == 4 ? "v1 float" : "v1 double"; }
  static Params params(const Case& c, uint64_t seed, const TilePlan& plan, const T* rows) {
    return relumc::detail::estimator_params<T>(c, seed, plan, rows);
  }
  static void draw(uint64_t seed, uint32_t stream, uint64_t i, int64_t d, T* x) {
    relumc::draw_sample<T>(seed, stream, i, d, x);
  }
};

struct V2 {
  using Real = float;
  using Params = EstimatorParams<float>;
  static constexpr auto kEstimator = relumc::detail::estimator_kernel<float, relumc::Contract::V2>;
  static constexpr auto kDrawSamples = relumc::detail::draw_samples_kernel<float>;
  static constexpr relumc::Contract kContract = relumc::Contract::V2;
  static std::string name() { return "v2 float"; }
  static Params params(const Case& c, uint64_t seed, const TilePlan& plan, const float* rows) {
    return relumc::detail::estimator_params<float>(c, seed, plan, rows, relumc::Contract::V2);
  }
  static void draw(uint64_t seed, uint32_t stream, uint64_t i, int64_t d, float* x) {
    relumc::draw_sample<float>(relumc::Contract::V2, seed, stream, i, d, x);
  }
};

using kContracts = ::testing::Types<V1<double>, V1<float>, V2>;

struct ContractName {
  template <class C>
  static std::string GetName(int) {
    return C::name() == "v2 float" ? "V2Float" : C::name() == "v1 float" ? "V1Float" : "V1Double";
  }
};

constexpr uint64_t kSeed = 20170806;

// Sets the emulator's schedule for a scope.
class ScopedSchedule {
 public:
  ScopedSchedule(emu::Schedule s, int concurrent_blocks = 1) : saved_(emu::config()) {
    emu::config().schedule = s;
    emu::config().concurrent_blocks = concurrent_blocks;
  }
  ~ScopedSchedule() { emu::config() = saved_; }

 private:
  emu::Config saved_;
};

// ---- the emulated launcher ----------------------------------------------------------------------------

struct Launch {
  int threads;           // block size
  int G;                 // ranges per chunk
  int tile_samples;      // 0: the plan picks
  int coord_tile;        // 0: the plan picks
  uint64_t resident;     // blocks resident at once on the emulated device (sets the batch)
  uint64_t first_slice;  // 0: the launcher's default
  emu::Schedule schedule;
  int concurrent_blocks;
};

std::string describe(const Launch& l) {
  return "threads " + std::to_string(l.threads) + " G " + std::to_string(l.G) + " tile " +
         std::to_string(l.tile_samples) + "x" + std::to_string(l.coord_tile) + " resident " +
         std::to_string(l.resident) + " slice " + std::to_string(l.first_slice) + " " + emu::to_string(l.schedule) +
         " x" + std::to_string(l.concurrent_blocks);
}

// The Device of run_batches on the emulator: GpuBatches of kernels/estimator.cu with emu::launch for
// <<<>>> and freshly poisoned buffers of the batch's exact sizes for device memory. The "seconds" a
// launch took are scripted, so that slices grow and shrink as on a GPU, reproducibly.
template <class C>
class EmulatedBatches {
 public:
  using T = typename C::Real;
  EmulatedBatches(const typename C::Params& p, int threads, int G, size_t width, std::vector<double> seconds)
      : p_(p), threads_(threads), G_(G), width_(width), seconds_(std::move(seconds)) {}

  void set_bounds(const uint64_t* b, size_t count) {
    bounds_ = emu::alloc<uint64_t>(count);
    std::copy(b, b + count, bounds_.begin());
    acc_ = emu::alloc<double>((count - 1) * width_);  // NaN until the kernel zeroes it
  }
  double run_slice(relumc::detail::GridShape grid, uint64_t offset, uint64_t slice) {
    emu::launch(dim3(grid.x, grid.y), dim3(static_cast<unsigned>(threads_)), p_.plan.shared_bytes, C::kEstimator, p_,
                bounds_.data(), offset, slice, acc_.data());
    ++launches;
    return seconds_[(launches - 1) % seconds_.size()];
  }
  void finish_batch(uint64_t nb, double* out) {
    std::vector<double> chunk = emu::alloc<double>(nb * width_);
    const int64_t total = static_cast<int64_t>(nb * width_);
    const int per = relumc::detail::kChunkSumThreads;
    emu::launch(dim3(static_cast<unsigned>((total + per - 1) / per)), dim3(per), 0, relumc::detail::chunk_sum_kernel,
                static_cast<const double*>(acc_.data()), G_, static_cast<int64_t>(width_), static_cast<int64_t>(nb),
                chunk.data());
    std::copy(chunk.begin(), chunk.end(), out);
  }
  size_t launches = 0;

 private:
  const typename C::Params& p_;
  const int threads_, G_;
  const size_t width_;
  std::vector<double> seconds_;
  std::vector<uint64_t> bounds_;
  std::vector<double> acc_;
};

struct EmulatedRun {
  std::vector<double> partial;  // chunk sums, chunks x 2m
  Estimate estimate;
  uint64_t samples_done = 0;
  size_t launches = 0;
};

// estimate_cuda's run_chunks for one device, on the emulator (same plan, same loop, same kernels).
template <class C>
EmulatedRun emulate_estimate(const Case& c, uint64_t seed, const Launch& l,
                             std::vector<double> seconds = {relumc::detail::kTargetLaunchSeconds}, uint64_t parts = 1) {
  using T = typename C::Real;
  const size_t budget = std::min(relumc::detail::kSharedBudget, emu::kSharedOptInMax);
  const TilePlan plan = relumc::detail::plan_tiles(c, sizeof(T), l.tile_samples, l.coord_tile, budget);
  const std::vector<T> rows = relumc::detail::padded_rows<T>(c);
  const typename C::Params p = C::params(c, seed, plan, rows.data());
  if (relumc::detail::needs_shared_opt_in(plan.shared_bytes))
    emu::set_max_dynamic_shared(C::kEstimator, plan.shared_bytes);
  const int64_t m = relumc::components(c);
  relumc::detail::ChunkWork w;
  w.samples = c.samples;
  w.chunks = relumc::chunk_count(c.samples, m);
  w.G = l.G;
  w.width = static_cast<size_t>(2 * m);
  w.tile = plan.samples;
  w.slice = l.first_slice ? l.first_slice : relumc::detail::first_slice(plan.samples);

  ScopedSchedule schedule(l.schedule, l.concurrent_blocks);
  EmulatedRun run;
  run.partial.assign(static_cast<size_t>(w.chunks) * w.width, std::numeric_limits<double>::quiet_NaN());
  std::atomic<uint64_t> done{0};
  // The chunks in `parts` contiguous ranges, one after another, as devices and MPI ranks take them.
  for (uint64_t part = 0; part < parts; ++part) {
    w.k_from = w.chunks * part / parts;
    w.k_to = w.chunks * (part + 1) / parts;
    w.batch = relumc::detail::chunks_per_batch(l.resident, l.G, w.width, w.k_to - w.k_from);
    EmulatedBatches<C> dev(p, l.threads, l.G, w.width, seconds);
    EXPECT_TRUE(relumc::detail::run_batches(dev, w, nullptr, &done, run.partial.data()));
    run.launches += dev.launches;
  }
  run.estimate = relumc::combine_chunk_sums(run.partial, w.chunks, m, c.samples);
  run.samples_done = done.load();
  return run;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// The first component where a and b differ, for the failure message.
std::string first_difference(const std::vector<double>& got, const std::vector<double>& want, size_t width) {
  if (got.size() != want.size()) return "sizes " + std::to_string(got.size()) + " vs " + std::to_string(want.size());
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(double)) != 0) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "chunk %zu entry %zu: emulated %.17g, reference %.17g", i / width, i % width,
                    got[i], want[i]);
      return buf;
    }
  return "none";
}

// ---- the test matrix -----------------------------------------------------------------------------------

struct CaseSpec {
  Quantity q;
  int64_t d, K, Kstar;
  uint64_t N;
};

// Odd d (1, 3, 17), K != K*, N tiny (2, 3), odd (129: as many chunks of one sample) and 1009 (256 chunks
// of 3 or 4 samples, so G = 16 leaves most ranges empty).
constexpr CaseSpec kCases[] = {{Quantity::Gating, 1, 1, 1, 2},  {Quantity::Gating, 17, 1, 1, 129},
                               {Quantity::Grad, 3, 2, 3, 1009}, {Quantity::Grad, 17, 3, 1, 3},
                               {Quantity::Grad, 1, 1, 2, 3},    {Quantity::Grad, 17, 2, 5, 1009},
                               {Quantity::Loss, 3, 3, 1, 2},    {Quantity::Loss, 17, 1, 2, 129}};

// Block sizes 1, 7, 33, 128 and G in {1, 2, 3, 16}; tiles picked or forced (coordinate tiles of 4, 8 and 12
// split d = 17, so x_i is drawn twice); batches of 1 chunk up to all of them; slices of 1, 2, 3 samples
// (cutting tiles) up to the default; all three schedules, blocks one or two at a time.
const Launch kLaunches[] = {
    {1, 1, 0, 0, 1000, 0, emu::Schedule::Forward, 1},   {7, 3, 5, 4, 13, 3, emu::Schedule::Reverse, 1},
    {33, 2, 0, 0, 1, 1, emu::Schedule::Forward, 1},     {128, 16, 3, 8, 64, 0, emu::Schedule::Concurrent, 2},
    {128, 1, 0, 0, 7, 2, emu::Schedule::Reverse, 1},    {7, 16, 1, 4, 1000, 0, emu::Schedule::Forward, 1},
    {33, 3, 32, 0, 5, 4, emu::Schedule::Concurrent, 1}, {1, 2, 2, 12, 3, 1, emu::Schedule::Reverse, 2},
};

// Emulated threads x blocks of a launch over the whole case: above 40000 it takes seconds (thread
// hand-offs), so 128 threads x G = 16 run on N = 2 and 3 only, where they cost the same as elsewhere.
bool too_costly(const Case& c, const Launch& l) {
  return relumc::chunk_count(c.samples, relumc::components(c)) * static_cast<uint64_t>(l.G * l.threads) > 40000;
}

template <class C>
class EmulatedEstimator : public ::testing::Test {};
TYPED_TEST_SUITE(EmulatedEstimator, kContracts, ContractName);

// Every case under every launch: the chunk sums are the reference's bits, hence the estimate too, and
// the progress counter counts every sample once.
TYPED_TEST(EmulatedEstimator, ChunkSumsAreTheGpuOrderReferenceBitForBit) {
  using C = TypeParam;
  for (const CaseSpec& cs : kCases) {
    const Case c = make_case(cs.q, cs.d, cs.K, cs.Kstar, cs.N, 11);
    const size_t width = static_cast<size_t>(2 * relumc::components(c));
    for (const Launch& l : kLaunches) {
      if (too_costly(c, l)) continue;
      SCOPED_TRACE(C::name() + " " + relumc::testing::describe_case(c) + " " + describe(l));
      const std::vector<double> want = gpu_order_chunk_sums<C>(c, kSeed, l.G);
      const EmulatedRun run = emulate_estimate<C>(c, kSeed, l);
      EXPECT_TRUE(same_bits(run.partial, want)) << first_difference(run.partial, want, width);
      const Estimate ref = relumc::combine_chunk_sums(want, relumc::chunk_count(c.samples, relumc::components(c)),
                                                      relumc::components(c), c.samples);
      EXPECT_TRUE(same_bits(run.estimate.mean, ref.mean));
      EXPECT_TRUE(same_bits(run.estimate.std_error, ref.std_error));
      EXPECT_EQ(run.samples_done, c.samples);
    }
  }
}

// Slices that grow and shrink from one launch to the next (scripted launch times) leave every bit as
// it was; so does a slice of one sample.
TYPED_TEST(EmulatedEstimator, SlicesChangeNoBit) {
  using C = TypeParam;
  const Case c = make_case(Quantity::Grad, 17, 2, 3, 4099, 3);  // 256 chunks of 16 or 17 samples
  const Launch base{7, 2, 3, 8, 300, 0, emu::Schedule::Forward, 1};
  const EmulatedRun one = emulate_estimate<C>(c, kSeed, base);
  EXPECT_TRUE(same_bits(one.partial, gpu_order_chunk_sums<C>(c, kSeed, 2)));
  Launch sliced = base;
  sliced.first_slice = 1;
  const EmulatedRun many = emulate_estimate<C>(c, kSeed, sliced, {5.0, 5.0, 0.01, 5.0, 0.001});
  EXPECT_GT(many.launches, one.launches + 2) << "the script should have cut the ranges into several slices";
  EXPECT_TRUE(same_bits(one.partial, many.partial));
  EXPECT_EQ(many.samples_done, c.samples);
}

// Chunks split into contiguous ranges (several devices, MPI ranks) give the bits of one range.
TYPED_TEST(EmulatedEstimator, ChunkRangesGiveTheBitsOfOne) {
  using C = TypeParam;
  const Case c = make_case(Quantity::Grad, 3, 2, 1, 1009, 8);
  const Launch l{7, 3, 0, 0, 20, 0, emu::Schedule::Reverse, 1};
  const EmulatedRun one = emulate_estimate<C>(c, kSeed, l);
  for (uint64_t parts : {2, 3, 7}) {
    const EmulatedRun split = emulate_estimate<C>(c, kSeed, l, {relumc::detail::kTargetLaunchSeconds}, parts);
    EXPECT_TRUE(same_bits(one.partial, split.partial)) << parts << " parts";
    EXPECT_EQ(split.samples_done, c.samples);
  }
}

// The emulated GPU and the CPU backend agree to the stated rounding bound (tests/support/cuda_agreement.hpp),
// as test_estimator_cuda.cpp holds on a device.
TYPED_TEST(EmulatedEstimator, AgreesWithTheCpuBackendToRounding) {
  using C = TypeParam;
  const Case c = make_case(Quantity::Grad, 17, 3, 2, 2003, 5);
  const Launch l{33, 3, 0, 0, 1000, 0, emu::Schedule::Forward, 1};
  const EmulatedRun run = emulate_estimate<C>(c, kSeed, l);
  relumc::EstimateOptions o;
  o.seed = kSeed;
  o.threads = 1;
  o.precision = sizeof(typename C::Real) == 4 ? relumc::Precision::Float : relumc::Precision::Double;
  o.contract = C::kContract;
  const Estimate cpu = relumc::estimate_cpu(c, o);
  const double L = relumc::testing::longest_chain(c.samples, relumc::components(c), l.G);
  // v2's CPU sums go through float partials of at most 16 terms (tests/support/cuda_agreement.hpp).
  EXPECT_EQ(relumc::testing::rounding_disagreement(cpu, run.estimate, L, C::kContract == relumc::Contract::V2 ? 16 : 0),
            "");
}

// Ranges launched directly (one chunk, G = 3) across 2^32 and ending at 2^64 - 2 and 2^64 - 1 (the last
// addressable end), each in slices; the accumulators and the chunk sum are the reference's bits.
TYPED_TEST(EmulatedEstimator, RangesAcross2To32AndEndingNear2To64) {
  using C = TypeParam;
  using T = typename C::Real;
  const uint64_t two32 = uint64_t{1} << 32, max = std::numeric_limits<uint64_t>::max();
  const std::vector<std::vector<uint64_t>> all_bounds = {{two32 - 45, two32 - 7, two32 + 30, two32 + 31},
                                                         {max - 80, max - 44, max - 40, max - 1},
                                                         {max - 76, max - 33, max - 3, max}};
  for (const CaseSpec cs : {CaseSpec{Quantity::Grad, 3, 2, 1, 0}, CaseSpec{Quantity::Loss, 17, 1, 2, 0},
                            CaseSpec{Quantity::Gating, 5, 1, 1, 0}})
    for (const std::vector<uint64_t>& b : all_bounds)
      for (const uint64_t slice : {uint64_t{7}, max}) {
        const Case c = make_case(cs.q, cs.d, cs.K, cs.Kstar, 100, 9);
        SCOPED_TRACE(C::name() + " " + relumc::testing::describe_case(c) + " bounds from " + std::to_string(b[0]) +
                     " slice " + std::to_string(slice));
        const TilePlan plan = relumc::detail::plan_tiles(c, sizeof(T), 32, 0);
        const std::vector<T> rows = relumc::detail::padded_rows<T>(c);
        const typename C::Params p = C::params(c, kSeed, plan, rows.data());
        const size_t width = static_cast<size_t>(2 * p.components);
        std::vector<uint64_t> bounds = emu::alloc<uint64_t>(b.size());
        std::copy(b.begin(), b.end(), bounds.begin());
        std::vector<double> acc = emu::alloc<double>(3 * width);
        const uint64_t longest = relumc::detail::longest_range(bounds.data(), 3);
        ScopedSchedule schedule(emu::Schedule::Reverse);
        uint64_t offset = 0;
        do {
          emu::launch(dim3(3), dim3(5), plan.shared_bytes, C::kEstimator, p, bounds.data(), offset, slice, acc.data());
          offset = slice < longest - offset ? offset + slice : longest;
        } while (offset < longest);
        std::vector<double> chunk_want(width, 0.0);
        for (size_t g = 0; g < 3; ++g) {
          const std::vector<double> want = range_sums<C>(c, kSeed, b[g], b[g + 1]);
          const std::vector<double> got(acc.begin() + static_cast<std::ptrdiff_t>(g * width),
                                        acc.begin() + static_cast<std::ptrdiff_t>((g + 1) * width));
          EXPECT_TRUE(same_bits(got, want)) << "range " << g << ": " << first_difference(got, want, width);
          for (size_t a = 0; a < width; ++a) chunk_want[a] = chunk_want[a] + want[a];
        }
        std::vector<double> chunk = emu::alloc<double>(width);
        emu::launch(dim3(1), dim3(64), 0, relumc::detail::chunk_sum_kernel, static_cast<const double*>(acc.data()), 3,
                    static_cast<int64_t>(width), int64_t{1}, chunk.data());
        EXPECT_TRUE(same_bits(chunk, chunk_want)) << first_difference(chunk, chunk_want, width);
      }
}

// X meets no shared-memory bank conflict, as the emulator counts them (emu::BankCount): the draw's 16-byte
// stores and the projection's and the accumulation's 16-byte loads, with the default plan and 128 threads at
// d = 128, K = K* in {1, 4} (64-sample tiles in float, 32 in double), the lanes of kernels/estimator_agent.cuh
// and X's stride from x_stride_of (an odd number of 16-byte units). With the stride left at `coords` (an even
// number of units) the same count finds conflicts: the check can say no.
TYPED_TEST(EmulatedEstimator, XTileMeetsNoBankConflict) {
  using C = TypeParam;
  using T = typename C::Real;
  for (int64_t K : {1, 4})
    for (bool even_stride : {false, true}) {
      const Case c = make_case(Quantity::Grad, 128, K, K, 1000, 5);
      TilePlan plan = relumc::detail::plan_tiles(c, sizeof(T), 0, 0);
      if (even_stride) {
        plan.x_stride = static_cast<size_t>(plan.coords);
        plan.shared_bytes = sizeof(T) * static_cast<size_t>(plan.samples) *
                            (plan.x_stride + static_cast<size_t>(plan.units + plan.coef_rows));
      }
      const std::vector<T> rows = relumc::detail::padded_rows<T>(c);
      const typename C::Params p = C::params(c, kSeed, plan, rows.data());
      if (relumc::detail::needs_shared_opt_in(plan.shared_bytes))
        emu::set_max_dynamic_shared(C::kEstimator, plan.shared_bytes);
      const uint64_t N = 2 * static_cast<uint64_t>(plan.samples);
      std::vector<uint64_t> bounds{0, N};
      std::vector<double> acc = emu::alloc<double>(static_cast<size_t>(2 * relumc::components(c)));
      ScopedSchedule schedule(emu::Schedule::Forward);
      emu::config().count_banks = true;
      emu::reset_bank_count();
      emu::launch(dim3(1), dim3(128), plan.shared_bytes, C::kEstimator, p, static_cast<const uint64_t*>(bounds.data()),
                  uint64_t{0}, N, acc.data());
      const emu::BankCount b = emu::bank_count();
      SCOPED_TRACE(C::name() + " K = " + std::to_string(K) + " tile " + std::to_string(plan.samples) + " x stride " +
                   std::to_string(plan.x_stride) + ": " + std::to_string(b.requests) + " requests, " +
                   std::to_string(b.phases) + " phases, " + std::to_string(b.wavefronts) + " wavefronts");
      EXPECT_GT(b.requests, 0u);
      if (even_stride) {
        EXPECT_GT(b.extra(), b.phases / 2);  // most phases at least two-way
      } else {
        EXPECT_EQ(b.extra(), 0u);
      }
    }
}

// The estimator's largest tiles fit the hardware: the plan's shared budget is within the opt-in limit.
TEST(EmulatedEstimatorPlan, SharedBudgetFitsTheDevice) {
  EXPECT_LE(relumc::detail::kSharedBudget, emu::kSharedOptInMax);
  EXPECT_GT(relumc::detail::kSharedBudget, relumc::detail::kSharedWithoutOptIn);  // so the launcher raises it
}

// ---- the draws -----------------------------------------------------------------------------------------

template <class C>
class EmulatedDraws : public ::testing::Test {};
TYPED_TEST_SUITE(EmulatedDraws, kContracts, ContractName);

// draw_samples_kernel (the device side of draw_samples_cuda) writes the CPU's x_i, bit for bit, for
// samples at 0, across 2^32 and wrapping past 2^64 (the counter wraps with i), 37 samples (not a warp
// multiple) with blocks of 1, 7, 33 and 128 threads.
TYPED_TEST(EmulatedDraws, DrawSamplesKernelWritesTheCpusSamples) {
  using C = TypeParam;
  using T = typename C::Real;
  const uint64_t count = 37;
  int round = 0;
  for (int64_t d : {1, 3, 5, 17})
    for (uint64_t first : {uint64_t{0}, (uint64_t{1} << 32) - 3, std::numeric_limits<uint64_t>::max() - 20}) {
      const unsigned threads = std::vector<unsigned>{1, 7, 33, 128}[static_cast<size_t>(round++ % 4)];
      std::vector<T> x = emu::alloc<T>(static_cast<size_t>(count * d));
      emu::launch(dim3(static_cast<unsigned>((count + threads - 1) / threads)), dim3(threads), 0, C::kDrawSamples,
                  C::kContract, uint64_t{7}, uint32_t{3}, first, count, d, x.data());
      std::vector<T> cpu(x.size());
      for (uint64_t s = 0; s < count; ++s) C::draw(7, 3, first + s, d, cpu.data() + s * static_cast<uint64_t>(d));
      EXPECT_EQ(0, std::memcmp(x.data(), cpu.data(), x.size() * sizeof(T)))
          << C::name() << " d " << d << " first " << first << " threads " << threads;
    }
}

// The agent's draw_tile puts the CPU's coordinates [k0, k0 + nk) of x_first .. x_{first+ns-1} into the
// tile, for every coordinate tile of d = 17 (tiles of 4, 8 and 12 coordinates; the last one partial).
template <class Params, class T>
__global__ void draw_tile_probe(Params p, uint64_t first, int ns, int64_t k0, int64_t nk, T* out) {
  RELUMC_DYNAMIC_SHARED(T, X);
  relumc::detail::draw_tile(p, first, ns, k0, nk, X);
  __syncthreads();
  for (int64_t item = threadIdx.x; item < ns * nk; item += blockDim.x)
    out[item] = X[static_cast<size_t>(item / nk) * p.plan.x_stride + static_cast<size_t>(item % nk)];
}

TYPED_TEST(EmulatedDraws, AgentDrawTileHoldsTheCpusCoordinates) {
  using C = TypeParam;
  using T = typename C::Real;
  const Case c = make_case(Quantity::Grad, 17, 2, 1, 100, 4);
  for (int coord_tile : {4, 8, 12})
    for (uint64_t first : {uint64_t{5}, (uint64_t{1} << 32) - 2, std::numeric_limits<uint64_t>::max() - 6}) {
      const TilePlan plan = relumc::detail::plan_tiles(c, sizeof(T), 7, coord_tile);
      const typename C::Params p = C::params(c, 7, plan, nullptr);
      std::vector<T> x(static_cast<size_t>(plan.samples * c.d));
      for (int s = 0; s < plan.samples; ++s)
        C::draw(7, c.stream, first + static_cast<uint64_t>(s), c.d, x.data() + s * c.d);
      for (int64_t ct = 0; ct < plan.coord_tiles; ++ct) {
        const int64_t k0 = ct * plan.coords, nk = std::min<int64_t>(plan.coords, c.d - k0);
        std::vector<T> out = emu::alloc<T>(static_cast<size_t>(plan.samples * nk));
        emu::launch(dim3(1), dim3(33), plan.shared_bytes, draw_tile_probe<typename C::Params, T>, p, first,
                    plan.samples, k0, nk, out.data());
        for (int s = 0; s < plan.samples; ++s)
          for (int64_t k = 0; k < nk; ++k)
            ASSERT_EQ(0, std::memcmp(&out[static_cast<size_t>(s * nk + k)], &x[static_cast<size_t>(s * c.d + k0 + k)],
                                     sizeof(T)))
                << C::name() << " coordinate tile " << coord_tile << " first " << first << " sample " << s
                << " coordinate " << k0 + k;
      }
    }
}

}  // namespace
