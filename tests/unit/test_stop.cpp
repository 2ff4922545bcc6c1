// SPDX-License-Identifier: MIT
// Stop requests (relumc/run/interrupt.hpp, EstimateOptions::stop) on the CPU backend: a stop acts inside a
// chunk, within a fraction of a second at any N (it was read between chunks only, at most 256 per case, so
// SIGTERM took 15 s at N = 1e11 and never acted at 1e19); the pieces a chunk is summed in to read it change
// no bit of any estimate; and a second signal, of either kind, ends the process.
#include "host/backend/cpu/cpu_kernel.hpp"
#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/plan/sweep.hpp"
#include "relumc/run/interrupt.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace relumc {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<Case> grid(std::vector<uint64_t> samples, std::vector<int64_t> dims = {2}) {
  GridSpec spec;
  spec.angles = {0.7};
  spec.norms = {1.3};
  spec.dims = std::move(dims);
  spec.units = {2};
  spec.teacher_units = {2};
  spec.samples = std::move(samples);
  return build_grid(spec, 5);
}

// Ends the process with a failure when the test has not finished after `seconds`: an estimate that ignores
// its stop request cannot be interrupted from outside.
class Watchdog {
 public:
  explicit Watchdog(int seconds)
      : thread_([this, seconds] {
          const auto deadline = Clock::now() + std::chrono::seconds(seconds);
          while (!done_.load() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
          if (!done_.load()) {
            std::fprintf(stderr, "FAILED: the estimate ignored its stop request for %d s\n", seconds);
            std::fflush(stderr);
            std::_Exit(1);
          }
        }) {}
  ~Watchdog() {
    done_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// The time from a stop request, set 150 ms into the estimate of c, to the estimate's Interrupted.
double seconds_to_stop(const Case& c, int threads) {
  std::atomic<bool> stop{false};
  EstimateOptions opt;
  opt.threads = threads;
  opt.stop = &stop;
  Clock::time_point requested;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    requested = Clock::now();
    stop.store(true);
  });
  bool interrupted = false;
  try {
    (void)estimate_cpu(c, opt);
  } catch (const Interrupted&) {
    interrupted = true;
  }
  const Clock::time_point end = Clock::now();
  stopper.join();
  EXPECT_TRUE(interrupted) << "N = " << c.samples;
  return std::chrono::duration<double>(end - requested).count();
}

// A stop request set while a case runs ends it within a fraction of a second, for N whose chunks take hours
// (1e15: 4e12 samples a chunk) or could never end (1e19), every quantity, small and large d.
TEST(StopLatency, AStopActsInsideAChunkAtAnyN) {
  Watchdog watchdog(60);
  for (uint64_t N : {uint64_t{1000000000000000}, uint64_t{10000000000000000000u}})  // 1e15, 1e19
    for (const Case& c : grid({N}, {2, 100}))
      EXPECT_LT(seconds_to_stop(c, 2), 1.0) << to_string(c.quantity) << " d " << c.d << " N " << N;
  EXPECT_LT(seconds_to_stop(grid({uint64_t{1} << 40}, {100})[0], 1), 1.0) << "one thread";
}

// The piece size is only when the stop request is read: 256 samples and pieces as long as the chunk give
// the same bits, every quantity, input, precision and contract, on one thread and two.
TEST(StopLatency, ThePieceSizeChangesNoBit) {
  std::vector<Case> cases = grid({200003});
  for (InputKind input : {InputKind::Sphere, InputKind::Cube})
    for (Case c : grid({200003})) {
      c.input = input;
      c.radius = has_radius(input) ? 2.5 : 0.0;
      cases.push_back(c);
    }
  for (const Case& c : cases)
    for (auto [p, contract] : {std::pair{Precision::Double, Contract::V1}, std::pair{Precision::Float, Contract::V1},
                               std::pair{Precision::Float, Contract::V2}})
      for (int threads : {1, 2}) {
        EstimateOptions opt;
        opt.seed = 9;
        opt.threads = threads;
        opt.precision = p;
        opt.contract = contract;
        ASSERT_TRUE(set_stop_check_samples_for_test(uint64_t{1} << 40));  // one piece per chunk
        const Estimate whole = estimate_cpu(c, opt);
        ASSERT_TRUE(set_stop_check_samples_for_test(kV2FlushSamples));
        const Estimate pieces = estimate_cpu(c, opt);
        ASSERT_TRUE(set_stop_check_samples_for_test(0));
        const Estimate normal = estimate_cpu(c, opt);
        const std::string where = std::string(to_string(c.quantity)) + " " + std::string(to_string(c.input)) + " " +
                                  std::string(to_string(contract)) + " N " + std::to_string(c.samples);
        EXPECT_EQ(whole.mean, pieces.mean) << where;  // == on doubles: bit for bit (none is NaN)
        EXPECT_EQ(whole.std_error, pieces.std_error) << where;
        EXPECT_EQ(whole.mean, normal.mean) << where;
        EXPECT_EQ(whole.std_error, normal.std_error) << where;
      }
  EXPECT_FALSE(set_stop_check_samples_for_test(100)) << "a piece must be a multiple of kV2FlushSamples";
}

// The piece is sized to the case: a few milliseconds of work whatever d and K, a multiple of 256.
TEST(StopLatency, PiecesAreSizedToTheCase) {
  EXPECT_EQ(stop_check_samples(Quantity::Loss, 2, 1, 1) % kV2FlushSamples, 0u);
  EXPECT_LE(stop_check_samples(Quantity::Loss, 2, 1, 1), kStopCheckMaxSamples);
  EXPECT_GT(stop_check_samples(Quantity::Loss, 2, 1, 1), stop_check_samples(Quantity::Grad, 100, 16, 16));
  EXPECT_EQ(stop_check_samples(Quantity::Grad, 100000, 1000, 1000), kV2FlushSamples);  // never below one block
}

// SIGTERM then SIGINT (or the reverse) must end the process: the first sets the flag, the second of either
// kind takes the default action. Before, only the signal that came first was reset, so SIGTERM then Ctrl-C
// left a process that ignored both until its next chunk boundary.
TEST(StopSignals, ASecondSignalOfEitherKindEndsTheProcess) {
  for (auto [first, second] : {std::pair{SIGTERM, SIGINT}, std::pair{SIGINT, SIGTERM}, std::pair{SIGINT, SIGINT}}) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const std::atomic<bool>* flag = install_stop_handlers();
      raise(first);
      if (!flag->load() || stop_signal() != first) _exit(3);
      raise(second);
      sleep(5);
      _exit(0);  // the second signal did not end the process
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "signal " << first << " then " << second << ": exited with "
                                     << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << " (3: no flag; 0: ignored)";
    EXPECT_EQ(WTERMSIG(status), second);
  }
}

}  // namespace
}  // namespace relumc
