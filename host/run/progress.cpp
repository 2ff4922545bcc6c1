// SPDX-License-Identifier: MIT
#include "relumc/run/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace relumc {

Progress::Progress(std::vector<double> cost_per_sample, const std::vector<uint64_t>& samples, bool enabled)
    : per_sample_(std::move(cost_per_sample)), start_(std::chrono::steady_clock::now()) {
  double acc = 0;
  for (size_t k = 0; k < per_sample_.size(); ++k) {
    work_before_.push_back(acc);
    acc += per_sample_[k] * static_cast<double>(samples[k]);
  }
  work_before_.push_back(acc);
  on_ = enabled && isatty(fileno(stderr)) && !per_sample_.empty();
  if (on_) thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() { finish(); }

void Progress::begin_case(size_t k) {
  samples_done_.store(0);
  current_.store(k);
}

void Progress::finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

void Progress::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; })) print();
}

void Progress::print() {
  const size_t k = current_.load();
  if (k >= per_sample_.size()) return;
  const double total = work_before_.back();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double done = std::min(total, work_before_[k] + static_cast<double>(samples_done_.load()) * per_sample_[k]);
  const double frac = total > 0 ? done / total : 0;
  const double eta = frac > 0.001 ? elapsed * (1 - frac) / frac : 0;
  std::fprintf(stderr, "\r\033[K[relumc] case %zu/%zu  %5.1f%%  %.0fs elapsed  ~%.0fs left", k + 1, per_sample_.size(),
               100 * frac, elapsed, eta);
  std::fflush(stderr);
}

}  // namespace relumc
