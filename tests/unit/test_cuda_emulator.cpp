// SPDX-License-Identifier: MIT
// The CUDA emulator (tests/support/cuda_emulator.hpp) says no: barriers at different call sites, a thread
// returning while others wait, runaway blocks, launches beyond CUDA's limits; and it poisons shared and
// device memory with NaN. Built with the sanitizers of test_cuda_emulated (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "tests/support/cuda_emulator.hpp"  // after every other header: it defines the CUDA keywords

namespace relumc::emu {
inline void PrintTo(Schedule s, std::ostream* os) { *os << to_string(s); }
}  // namespace relumc::emu

namespace {

namespace emu = relumc::emu;

// Sets the emulator's schedule for a scope.
class ScopedSchedule {
 public:
  explicit ScopedSchedule(emu::Schedule s) : saved_(emu::config()) { emu::config().schedule = s; }
  ~ScopedSchedule() { emu::config() = saved_; }

 private:
  emu::Config saved_;
};

__global__ void divergent_barrier_kernel() {
  if (threadIdx.x % 2 == 0) {
    __syncthreads();
  } else {
    __syncthreads();
  }
}

__global__ void early_return_kernel() {
  if (threadIdx.x == 1) return;
  __syncthreads();
}

__global__ void runaway_kernel() {
  for (;;) __syncthreads();
}

class EmulatorDeathTest : public ::testing::TestWithParam<emu::Schedule> {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_P(EmulatorDeathTest, BarriersAtDifferentCallSitesAbort) {
  ScopedSchedule s(GetParam());
  EXPECT_DEATH(
      emu::launch(dim3(2), dim3(4), 0, divergent_barrier_kernel),
      "block 0: threads wait at different __syncthreads\\(\\): thread [0-9] at .*test_cuda_emulator.cpp:[0-9]+, "
      "thread [0-9] at .*test_cuda_emulator.cpp:[0-9]+");
}

TEST_P(EmulatorDeathTest, ReturningWhileOthersWaitAborts) {
  ScopedSchedule s(GetParam());
  EXPECT_DEATH(emu::launch(dim3(1), dim3(3), 0, early_return_kernel),
               "block 0: thread [0-9] (returned from the kernel while|waits at __syncthreads).*test_cuda_emulator.cpp");
}

TEST_P(EmulatorDeathTest, RunawayBlocksAbort) {
  ScopedSchedule s(GetParam());
  emu::config().max_rounds = 100;
  EXPECT_DEATH(emu::launch(dim3(1), dim3(2), 0, runaway_kernel), "more than 100 __syncthreads\\(\\) rounds");
}

INSTANTIATE_TEST_SUITE_P(Schedules, EmulatorDeathTest,
                         ::testing::Values(emu::Schedule::Forward, emu::Schedule::Reverse, emu::Schedule::Concurrent),
                         [](const auto& info) { return std::string(emu::to_string(info.param)); });

__global__ void noop_kernel(int) {}
__global__ void big_shared_kernel(int) {}

TEST(Emulator, LaunchesBeyondTheHardwareLimitsAreRefused) {
  EXPECT_NO_THROW(emu::launch(dim3(1), dim3(1024), 48 * 1024, noop_kernel, 0));
  EXPECT_NO_THROW(emu::launch(dim3(1, 65535), dim3(1), 0, noop_kernel, 0));
  EXPECT_THROW(emu::launch(dim3(1), dim3(1025), 0, noop_kernel, 0), emu::LaunchError);
  EXPECT_THROW(emu::launch(dim3(1), dim3(32, 32, 2), 0, noop_kernel, 0), emu::LaunchError);
  EXPECT_THROW(emu::launch(dim3(1), dim3(1, 1, 65), 0, noop_kernel, 0), emu::LaunchError);
  EXPECT_THROW(emu::launch(dim3(1), dim3(0), 0, noop_kernel, 0), emu::LaunchError);
  EXPECT_THROW(emu::launch(dim3(1, 65536), dim3(1), 0, noop_kernel, 0), emu::LaunchError);
  EXPECT_THROW(emu::launch(dim3(1, 1, 65536), dim3(1), 0, noop_kernel, 0), emu::LaunchError);
  EXPECT_THROW(emu::launch(dim3(0), dim3(1), 0, noop_kernel, 0), emu::LaunchError);
  // Over 48 KiB only once raised, and never over 227 KiB.
  EXPECT_THROW(emu::launch(dim3(1), dim3(1), 48 * 1024 + 1, big_shared_kernel, 0), emu::LaunchError);
  EXPECT_THROW(emu::set_max_dynamic_shared(big_shared_kernel, 227 * 1024 + 1), emu::LaunchError);
  emu::set_max_dynamic_shared(big_shared_kernel, 100 * 1024);
  EXPECT_NO_THROW(emu::launch(dim3(1), dim3(1), 100 * 1024, big_shared_kernel, 0));
  EXPECT_THROW(emu::launch(dim3(1), dim3(1), 100 * 1024 + 1, big_shared_kernel, 0), emu::LaunchError);
}

// Block b reads its shared memory before writing it, then writes it: every block sees NaN, as float and
// as double (the buffer is poisoned again for each block), and so does device memory from alloc.
__global__ void poison_probe(float* f, double* d) {
  RELUMC_DYNAMIC_SHARED(unsigned char, s);
  if (threadIdx.x == 0) {
    float fv;
    double dv;
    std::memcpy(&fv, s + 4, sizeof fv);
    std::memcpy(&dv, s + 8, sizeof dv);
    f[blockIdx.x] = fv;
    d[blockIdx.x] = dv;
  }
  __syncthreads();
  s[threadIdx.x] = 0;
}

TEST(Emulator, SharedAndDeviceMemoryArePoisonedWithNaN) {
  std::vector<float> f = emu::alloc<float>(3);
  std::vector<double> d = emu::alloc<double>(3);
  EXPECT_TRUE(std::isnan(f[0]) && std::isnan(d[0]));
  for (emu::Schedule s : {emu::Schedule::Forward, emu::Schedule::Concurrent}) {
    ScopedSchedule scope(s);
    emu::launch(dim3(3), dim3(16), 16, poison_probe, f.data(), d.data());
    for (int b = 0; b < 3; ++b)
      EXPECT_TRUE(std::isnan(f[static_cast<size_t>(b)]) && std::isnan(d[static_cast<size_t>(b)])) << b;
  }
}

}  // namespace
