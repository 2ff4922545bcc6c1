// SPDX-License-Identifier: MIT
// The CPU chunk kernels (host/backend/cpu/cpu_kernel.hpp): the SIMD instantiation returns the scalar reference's
// bits, lane partial for lane partial, on shapes that are not multiples of the vector width or of the
// Philox block, on chunks that start anywhere (also across the 2^32 boundary of the sample index),
// in both precisions and both contracts, for every quantity; and whole estimates agree bit for bit across kernels.
// A chunk summed in pieces (the stop request is read between them) gives the bits of one pass, and a range
// that ends within a tile of 2^64 ends.
#include "host/backend/cpu/cpu_kernel.hpp"
#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/math/sample_contract.hpp"
#include "relumc/plan/sweep.hpp"
#include "tests/support/philox_kat.hpp"
#include "tests/support/v2_kat.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <limits>
#include <random>
#include <thread>
#include <vector>

namespace {

using relumc::ChunkArgs;
using relumc::Quantity;

struct Shape {
  Quantity q;
  int64_t d, K, Kstar;
};

template <class T>
void expect_same_partials(const Shape& s, uint64_t begin, uint64_t end, uint64_t seed,
                          relumc::InputKind input = relumc::InputKind::Gaussian, double radius = 0,
                          relumc::Contract contract = relumc::Contract::V1) {
  const int64_t rows = s.K + s.Kstar;
  std::mt19937_64 gen(seed ^ static_cast<uint64_t>(s.d * 131 + s.K * 7 + s.Kstar));
  std::normal_distribution<double> normal;
  std::vector<T> W(static_cast<size_t>(rows * s.d));
  for (T& w : W) w = static_cast<T>(normal(gen));
  ChunkArgs<T> a;
  a.quantity = s.q;
  a.d = s.d;
  a.K = s.K;
  a.Kstar = s.Kstar;
  a.rows = W.data();
  a.seed = seed;
  a.stream = 3;
  a.input = input;
  a.radius = radius;
  a.contract = contract;
  const int64_t m = s.q == Quantity::Loss ? 1 : (s.q == Quantity::Gating ? 1 : s.K) * s.d;
  const size_t n = static_cast<size_t>(m) * relumc::kPartialLanes;
  std::vector<double> S0(n, 0.0), Q0(n, 0.0), S1(n, 0.0), Q1(n, 0.0);
  relumc::accumulate_chunk_scalar(a, begin, end, S0.data(), Q0.data(), nullptr);
  ASSERT_TRUE(relumc::accumulate_chunk_simd(a, begin, end, S1.data(), Q1.data(), nullptr));
  size_t nonzero = 0;
  for (size_t t = 0; t < n; ++t) nonzero += S0[t] != 0.0;
  if (end - begin >= 16) { EXPECT_GT(nonzero, 0u) << "nothing was summed: the comparison would be empty"; }
  EXPECT_EQ(0, std::memcmp(S0.data(), S1.data(), n * sizeof(double)))
      << to_string(s.q) << " " << to_string(input) << " " << to_string(contract) << " d " << s.d << " K " << s.K
      << " K* " << s.Kstar << " [" << begin << ", " << end << ")";
  EXPECT_EQ(0, std::memcmp(Q0.data(), Q1.data(), n * sizeof(double)))
      << to_string(s.q) << " " << to_string(input) << " d " << s.d << " K " << s.K << " K* " << s.Kstar << " ["
      << begin << ", " << end << ")";
}

class CpuKernels : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!relumc::simd_kernel_available())
      GTEST_SKIP() << "no SIMD target with FMA on this CPU (best: " << relumc::simd_target_name() << ")";
  }
};

const Shape kShapes[] = {
    {Quantity::Gating, 1, 1, 1},  {Quantity::Gating, 3, 1, 1},  {Quantity::Gating, 13, 1, 1},
    {Quantity::Grad, 1, 1, 1},    {Quantity::Grad, 5, 3, 2},    {Quantity::Grad, 4, 7, 1},
    {Quantity::Grad, 17, 4, 4},   {Quantity::Grad, 9, 6, 9},    {Quantity::Loss, 2, 1, 1},
    {Quantity::Loss, 11, 5, 3},   {Quantity::Loss, 100, 16, 16}};

TEST_F(CpuKernels, SimdEqualsScalarBitForBitDouble) {
  for (const Shape& s : kShapes)
    for (auto [b, e] : {std::pair<uint64_t, uint64_t>{0, 1}, {0, 37}, {5, 64}, {1001, 1234}})
      expect_same_partials<double>(s, b, e, 17);
}

TEST_F(CpuKernels, SimdEqualsScalarBitForBitFloat) {
  for (const Shape& s : kShapes)
    for (auto [b, e] : {std::pair<uint64_t, uint64_t>{0, 1}, {0, 37}, {5, 64}, {1001, 1234}})
      expect_same_partials<float>(s, b, e, 17);
}

// Contract v2 (float only): the SIMD kernel runs its Gaussian in full float vectors (8 lanes on AVX2, 16 on
// AVX-512) with the words packed into 32-bit lanes, and must still return the scalar reference's bits,
// partial for partial, also for tails shorter than a vector and across the high counter word.
TEST_F(CpuKernels, SimdEqualsScalarBitForBitV2) {
  using relumc::Contract;
  using relumc::InputKind;
  for (const Shape& s : kShapes)
    for (auto [b, e] : {std::pair<uint64_t, uint64_t>{0, 1}, {0, 37}, {5, 64}, {1001, 1234}, {3, 300}, {17, 1000}})
      expect_same_partials<float>(s, b, e, 17, InputKind::Gaussian, 0, Contract::V2);
  const uint64_t two32 = uint64_t{1} << 32;
  for (const Shape& s : {Shape{Quantity::Grad, 6, 2, 3}, Shape{Quantity::Loss, 3, 2, 2}, Shape{Quantity::Gating, 5, 1, 1}})
    expect_same_partials<float>(s, two32 - 19, two32 + 29, 0x123456789abcdefull, InputKind::Gaussian, 0, Contract::V2);
  for (auto [input, radius] : {std::pair{InputKind::Sphere, 1.7}, std::pair{InputKind::Ball, 0.3},
                               std::pair{InputKind::Cube, 0.0}})
    for (const Shape& s : kShapes)
      for (auto [b, e] : {std::pair<uint64_t, uint64_t>{0, 37}, {1001, 1234}})
        expect_same_partials<float>(s, b, e, 17, input, radius, Contract::V2);
}

// Every SIMD target this CPU has (AVX2's 8 float lanes, AVX-512's 16, ...): v2, v1 float and v1 double return the
// scalar reference's bits, and v2's known answers come out of the target's own draw.
TEST_F(CpuKernels, EverySimdTargetEqualsScalarV2) {
  using relumc::Contract;
  using relumc::InputKind;
  const std::vector<std::string> targets = relumc::simd_targets_supported();
  for (const std::string& t : targets) {
    ASSERT_TRUE(relumc::use_simd_target_for_test(t)) << t;
    if (!relumc::simd_kernel_available()) continue;  // a target without FMA does not run the kernel
    EXPECT_EQ(relumc::simd_target_name(), t);
    for (const Shape& s : kShapes)
      for (auto [b, e] : {std::pair<uint64_t, uint64_t>{0, 37}, {5, 64}, {1001, 1234}}) {
        expect_same_partials<float>(s, b, e, 17, InputKind::Gaussian, 0, Contract::V2);
        expect_same_partials<float>(s, b, e, 17, InputKind::Gaussian, 0, Contract::V1);
        expect_same_partials<double>(s, b, e, 17);
      }
    expect_same_partials<float>(Shape{Quantity::Grad, 6, 2, 3}, (uint64_t{1} << 32) - 19, (uint64_t{1} << 32) + 29,
                                0x123456789abcdefull, InputKind::Gaussian, 0, Contract::V2);
    for (const auto& k : relumc::testing::kV2SampleKats) {
      relumc::ChunkArgs<float> a;
      a.d = k.d;
      a.seed = k.seed;
      a.stream = k.stream;
      a.contract = Contract::V2;
      std::vector<float> x(static_cast<size_t>(17 * k.d));
      ASSERT_TRUE(relumc::draw_samples_simd(a, k.i - 5, 17, x.data()));
      for (int64_t c = 0; c < k.d; ++c)
        EXPECT_EQ(relumc::testing::float_bits(x[static_cast<size_t>(5 * k.d + c)]), k.x[c]) << t << " coordinate " << c;
    }
    std::printf("[ target %s ] v2, v1 float and v1 double equal the scalar kernel\n", t.c_str());
  }
  relumc::use_simd_target_for_test("");
  EXPECT_FALSE(relumc::use_simd_target_for_test("NO_SUCH_TARGET"));
}

// v2's known answers (tests/support/v2_kat.hpp) through the SIMD kernel's own draw (full float vectors), with
// the answer's sample in every lane position; the other samples of each run equal the scalar draw_sample.
TEST_F(CpuKernels, SimdV2KnownAnswersInEveryLane) {
  for (const auto& k : relumc::testing::kV2SampleKats) {
    relumc::ChunkArgs<float> a;
    a.d = k.d;
    a.seed = k.seed;
    a.stream = k.stream;
    a.contract = relumc::Contract::V2;
    for (int s = 0; s < 2 * relumc::testing::kKatLaneOffsets; ++s) {
      const uint64_t first = k.i - static_cast<uint64_t>(s);
      const size_t count = static_cast<size_t>(s) + 5;
      std::vector<float> x(count * static_cast<size_t>(k.d));
      ASSERT_TRUE(relumc::draw_samples_simd(a, first, count, x.data()));
      for (int64_t c = 0; c < k.d; ++c)
        EXPECT_EQ(relumc::testing::float_bits(x[static_cast<size_t>(s * k.d + c)]), k.x[c])
            << "lane offset " << s << " coordinate " << c;
      std::vector<float> ref(static_cast<size_t>(k.d));
      for (size_t row = 0; row < count; ++row) {
        relumc::draw_sample<float>(relumc::Contract::V2, k.seed, k.stream, first + row, k.d, ref.data());
        EXPECT_EQ(0, std::memcmp(ref.data(), x.data() + row * static_cast<size_t>(k.d), ref.size() * sizeof(float)))
            << "row " << row;
      }
    }
  }
}

// Every input distribution (relumc/math/input.hpp): sphere and ball (radius != 1, so the scale factor is
// exercised) and cube draw the same bits on both kernels, every quantity, both precisions.
TEST_F(CpuKernels, SimdEqualsScalarBitForBitEveryInput) {
  using relumc::InputKind;
  for (auto [input, radius] : {std::pair{InputKind::Sphere, 1.7}, std::pair{InputKind::Ball, 0.3},
                               std::pair{InputKind::Cube, 0.0}})
    for (const Shape& s : kShapes)
      for (auto [b, e] : {std::pair<uint64_t, uint64_t>{0, 1}, {0, 37}, {1001, 1234}}) {
        expect_same_partials<double>(s, b, e, 17, input, radius);
        expect_same_partials<float>(s, b, e, 17, input, radius);
      }
  const uint64_t two32 = uint64_t{1} << 32;
  for (InputKind input : {InputKind::Sphere, InputKind::Ball, InputKind::Cube}) {
    expect_same_partials<double>(Shape{Quantity::Grad, 6, 2, 3}, two32 - 5, two32 + 21, 0x123456789abcdefull, input, 2.0);
    expect_same_partials<float>(Shape{Quantity::Loss, 3, 2, 2}, two32 - 3, two32 + 10, 0x123456789abcdefull, input, 2.0);
  }
}

// Sample indices whose high word changes inside one SIMD group, and a seed with both key words set.
TEST_F(CpuKernels, SimdEqualsScalarAcrossTheHighCounterWord) {
  const uint64_t two32 = uint64_t{1} << 32;
  for (const Shape& s : {Shape{Quantity::Grad, 6, 2, 3}, Shape{Quantity::Loss, 3, 2, 2}}) {
    expect_same_partials<double>(s, two32 - 5, two32 + 21, 0x123456789abcdefull);
    expect_same_partials<float>(s, two32 - 3, two32 + 10, 0x123456789abcdefull);
  }
}

// Whole estimates: every kernel, both precisions, several thread counts, identical to the last bit.
TEST_F(CpuKernels, EstimatesAreIdenticalAcrossKernelsAndThreads) {
  relumc::GridSpec spec;
  spec.quantities = {Quantity::Gating, Quantity::Grad, Quantity::Loss};
  spec.angles = {0.7};
  spec.norms = {1.3};
  spec.dims = {7};
  spec.units = {3};
  spec.teacher_units = {2};
  spec.samples = {20011};
  std::vector<relumc::Case> cases = relumc::build_grid(spec, 5);
  for (relumc::InputKind input : {relumc::InputKind::Sphere, relumc::InputKind::Ball, relumc::InputKind::Cube})
    for (relumc::Case c : relumc::build_grid(spec, 5)) {
      c.input = input;
      c.radius = relumc::has_radius(input) ? 2.5 : 0.0;
      cases.push_back(c);
    }
  for (const relumc::Case& c : cases) {
    for (auto [p, contract] : {std::pair{relumc::Precision::Double, relumc::Contract::V1},
                               std::pair{relumc::Precision::Float, relumc::Contract::V1},
                               std::pair{relumc::Precision::Float, relumc::Contract::V2}}) {
      relumc::EstimateOptions ref;
      ref.seed = 9;
      ref.threads = 1;
      ref.precision = p;
      ref.contract = contract;
      ref.cpu_kernel = relumc::CpuKernel::Scalar;
      const relumc::Estimate e0 = relumc::estimate_cpu(c, ref);
      for (relumc::CpuKernel k : {relumc::CpuKernel::Auto, relumc::CpuKernel::Simd}) {
        for (int threads : {1, 2, 3}) {
          relumc::EstimateOptions o = ref;
          o.cpu_kernel = k;
          o.threads = threads;
          const relumc::Estimate e1 = relumc::estimate_cpu(c, o);
          ASSERT_EQ(e0.mean.size(), e1.mean.size());
          EXPECT_EQ(0, std::memcmp(e0.mean.data(), e1.mean.data(), e0.mean.size() * sizeof(double)))
              << to_string(c.quantity) << " " << to_string(c.input) << " " << to_string(contract) << " kernel "
              << to_string(k) << " threads " << threads;
          EXPECT_EQ(0, std::memcmp(e0.std_error.data(), e1.std_error.data(), e0.std_error.size() * sizeof(double)));
        }
      }
    }
  }
}

// The Philox known answers (tests/support/philox_kat.hpp, the same vectors as the scalar and device front
// ends) through the SIMD kernel's own PhiloxLanes, with the answer's sample in every lane position; the
// other lanes of each run must equal the scalar relumc::philox_block of their sample.
TEST_F(CpuKernels, SimdPhiloxKnownAnswersInEveryLane) {
  using relumc::testing::Kat;
  for (const Kat& k : relumc::testing::kPhiloxKats) {
    for (int s = 0; s < relumc::testing::kKatLaneOffsets; ++s) {
      const uint64_t first = k.sample() - static_cast<uint64_t>(s);  // wraps for i = 0, as the counter does
      const size_t count = static_cast<size_t>(s) + 3;
      std::vector<uint32_t> words(4 * count, 0);
      ASSERT_TRUE(relumc::philox_words_simd(k.seed(), k.stream(), first, k.block(), count, words.data()));
      EXPECT_EQ(relumc::testing::kat_mismatch(k, words, static_cast<size_t>(s)), "") << "lane offset " << s;
      for (size_t row = 0; row < count; ++row) {
        const relumc::PhiloxWords w = relumc::philox_block(k.seed(), k.stream(), first + row, k.block());
        for (int t = 0; t < 4; ++t) EXPECT_EQ(words[4 * row + t], w.r[t]) << "row " << row << " word " << t;
      }
    }
  }
}

// ---- Pieces of a chunk (relumc::stop_check_samples) and ranges at the top of the sample index.

template <class T>
struct KernelCase {
  std::vector<T> W;
  ChunkArgs<T> a;
  size_t n = 0;  // doubles in S (and in Q)
};

template <class T>
KernelCase<T> kernel_case(const Shape& s, uint64_t seed, relumc::Contract contract,
                          relumc::InputKind input = relumc::InputKind::Gaussian, double radius = 0) {
  KernelCase<T> k;
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  k.W.resize(static_cast<size_t>((s.K + s.Kstar) * s.d));
  for (T& w : k.W) w = static_cast<T>(normal(gen));
  k.a.quantity = s.q;
  k.a.d = s.d;
  k.a.K = s.K;
  k.a.Kstar = s.Kstar;
  k.a.rows = k.W.data();
  k.a.seed = seed;
  k.a.stream = 5;
  k.a.input = input;
  k.a.radius = radius;
  k.a.contract = contract;
  const int64_t m = s.q == Quantity::Grad ? s.K * s.d : (s.q == Quantity::Loss ? 1 : s.d);
  k.n = static_cast<size_t>(m) * relumc::kPartialLanes;
  return k;
}

// S then Q of [begin, end) added by one kernel, cut at the given offsets from begin (none: one call).
template <class T>
std::vector<double> partials(const ChunkArgs<T>& a, size_t n, uint64_t begin, uint64_t end,
                             const std::vector<uint64_t>& cuts, bool simd) {
  std::vector<double> SQ(2 * n, 0.0);
  uint64_t at = begin;
  std::vector<uint64_t> bounds;
  for (uint64_t c : cuts) bounds.push_back(begin + c);
  bounds.push_back(end);
  for (uint64_t to : bounds) {
    if (!simd || !relumc::accumulate_chunk_simd(a, at, to, SQ.data(), SQ.data() + n, nullptr))
      relumc::accumulate_chunk_scalar(a, at, to, SQ.data(), SQ.data() + n, nullptr);
    at = to;
  }
  return SQ;
}

// The backend reads the stop request between pieces of a chunk that start at multiples of kV2FlushSamples from
// the chunk's start: summed in such pieces, S and Q hold the bits of one pass, on both kernels, both
// contracts, every input, whatever the chunk's start and a length that is no multiple of anything.
TEST(CpuChunkPieces, PiecesAtMultiplesOf256AreBitIdentical) {
  using relumc::Contract;
  using relumc::InputKind;
  const uint64_t P = relumc::kV2FlushSamples;
  const std::vector<std::vector<uint64_t>> cut_sets{{P}, {P, 2 * P}, {3 * P}, {P, 3 * P, 4 * P}};
  const Shape shapes[] = {{Quantity::Gating, 3, 1, 1}, {Quantity::Grad, 5, 3, 2}, {Quantity::Loss, 11, 5, 3},
                          {Quantity::Grad, 17, 4, 4}};
  std::vector<bool> kernels{false};
  if (relumc::simd_kernel_available()) kernels.push_back(true);
  for (bool simd : kernels)
    for (const Shape& s : shapes)
      for (auto [input, radius] : {std::pair{InputKind::Gaussian, 0.0}, std::pair{InputKind::Sphere, 1.7}})
        for (uint64_t begin : {uint64_t{0}, uint64_t{1001}, (uint64_t{1} << 32) - 700}) {
          const uint64_t end = begin + 5 * P + 77;
          const auto d1 = kernel_case<double>(s, 17, Contract::V1, input, radius);
          const auto f1 = kernel_case<float>(s, 17, Contract::V1, input, radius);
          const auto f2 = kernel_case<float>(s, 17, Contract::V2, input, radius);
          const std::vector<double> whole_d1 = partials(d1.a, d1.n, begin, end, {}, simd);
          const std::vector<double> whole_f1 = partials(f1.a, f1.n, begin, end, {}, simd);
          const std::vector<double> whole_f2 = partials(f2.a, f2.n, begin, end, {}, simd);
          for (const std::vector<uint64_t>& cuts : cut_sets) {
            const std::string where = std::string(simd ? "simd " : "scalar ") + std::string(to_string(s.q)) + " " +
                                      std::string(to_string(input)) + " begin " + std::to_string(begin) + " cuts " +
                                      std::to_string(cuts.size());
            EXPECT_EQ(partials(d1.a, d1.n, begin, end, cuts, simd), whole_d1) << "v1 double " << where;
            EXPECT_EQ(partials(f1.a, f1.n, begin, end, cuts, simd), whole_f1) << "v1 float " << where;
            EXPECT_EQ(partials(f2.a, f2.n, begin, end, cuts, simd), whole_f2) << "v2 " << where;
          }
        }
}

// Runs f on a thread; when it has not returned within `seconds` (a loop that never ends), the test fails and
// the process ends, since the thread cannot be stopped: a failure, not a hung test run.
template <class F>
void finishes_within(int seconds, const std::string& what, F f) {
  std::packaged_task<void()> task(f);
  std::future<void> done = task.get_future();
  std::thread t(std::move(task));
  if (done.wait_for(std::chrono::seconds(seconds)) != std::future_status::ready) {
    std::fprintf(stderr, "FAILED: %s did not end within %d s\n", what.c_str(), seconds);
    std::fflush(stderr);
    std::_Exit(1);
  }
  t.join();
  done.get();
}

// A range that ends within one tile of 2^64 (`first += stride` wrapped to a small index below end and the loop
// never ended): it ends, sums the right samples (each one's loss from the scalar draw_sample), and the SIMD
// kernel, both contracts, and the rng floor end there too.
TEST(CpuChunkRanges, ARangeEndingWithinATileOf2To64Ends) {
  using relumc::Contract;
  const uint64_t top = std::numeric_limits<uint64_t>::max();  // 2^64 - 1, the largest end there is
  const Shape s{Quantity::Loss, 3, 1, 1};
  for (auto [begin, end] : {std::pair{top - 100, top}, std::pair{top - 37, top - 1}, std::pair{top - 1, top}}) {
    const std::string where = "[2^64 - " + std::to_string(top - begin + 1) + ", 2^64 - " + std::to_string(top - end + 1) + ")";
    const auto d1 = kernel_case<double>(s, 23, Contract::V1);
    std::vector<double> SQ;
    finishes_within(10, "the scalar kernel on " + where, [&] { SQ = partials(d1.a, d1.n, begin, end, {}, false); });
    // The reference: sample begin + t's loss 0.5 r^2 goes to partial t mod 8, in order.
    std::vector<double> ref(2 * d1.n, 0.0);
    for (uint64_t i = begin, t = 0; i < end; ++i, ++t) {
      double x[3];
      relumc::draw_sample<double>(d1.a.seed, d1.a.stream, i, 3, x);
      double p = 0, q = 0;
      for (int k = 0; k < 3; ++k) {
        p = std::fma(d1.W[k], x[k], p);
        q = std::fma(d1.W[3 + k], x[k], q);
      }
      const double r = std::max(p, 0.0) - std::max(q, 0.0);
      const double v = 0.5 * r * r;
      ref[t % 8] += v;
      ref[d1.n + t % 8] = std::fma(v, v, ref[d1.n + t % 8]);
    }
    for (size_t k = 0; k < 2 * d1.n; ++k) EXPECT_DOUBLE_EQ(SQ[k], ref[k]) << where << " partial " << k;
    if (relumc::simd_kernel_available()) {
      std::vector<double> simd;
      finishes_within(10, "the SIMD kernel on " + where, [&] { simd = partials(d1.a, d1.n, begin, end, {}, true); });
      EXPECT_EQ(simd, SQ) << where;
    }
    const auto f2 = kernel_case<float>(s, 23, Contract::V2);
    finishes_within(10, "the v2 kernels on " + where, [&] {
      const std::vector<double> scalar = partials(f2.a, f2.n, begin, end, {}, false);
      if (relumc::simd_kernel_available()) { EXPECT_EQ(partials(f2.a, f2.n, begin, end, {}, true), scalar) << where; }
    });
    finishes_within(10, "the rng floor on " + where, [&] {
      (void)relumc::rng_floor_scalar(d1.a, begin, end);
      double sum = 0;
      (void)relumc::rng_floor_simd(d1.a, begin, end, &sum);
    });
  }
}

TEST(CpuKernelNames, ReportedAndParsed) {
  EXPECT_EQ(relumc::cpu_kernel_name(relumc::CpuKernel::Scalar), "scalar");
  EXPECT_FALSE(relumc::simd_target_name().empty());
  if (relumc::simd_kernel_available()) {
    EXPECT_EQ(relumc::cpu_kernel_name(relumc::CpuKernel::Auto), "simd-" + relumc::simd_target_name());
  }
  EXPECT_EQ(relumc::parse_cpu_kernel("simd"), relumc::CpuKernel::Simd);
  EXPECT_FALSE(relumc::parse_cpu_kernel("avx9").has_value());
}

}  // namespace
