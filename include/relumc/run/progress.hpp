// SPDX-License-Identifier: MIT
// Progress of a long run on stderr: a line refreshed twice a second, only when stderr is a terminal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace relumc {

class Progress {
 public:
  // cost_per_sample[k]: relative cost of one sample of case k; samples[k]: its N.
  // enabled && isatty(stderr) turns the line on.
  Progress(std::vector<double> cost_per_sample, const std::vector<uint64_t>& samples, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void begin_case(size_t k);
  std::atomic<uint64_t>* counter() { return &samples_done_; }
  void finish();

 private:
  void loop();
  void print();

  std::vector<double> per_sample_, work_before_;
  std::atomic<size_t> current_{0};
  std::atomic<uint64_t> samples_done_{0};
  bool on_ = false;
  bool stop_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace relumc
