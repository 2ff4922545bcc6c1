// SPDX-License-Identifier: MIT
#include "relumc/run/interrupt.hpp"

#include <csignal>

namespace relumc {

namespace {
std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;
static_assert(std::atomic<bool>::is_always_lock_free, "the stop flag is set from a signal handler");

extern "C" void on_stop_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
  // A second signal, the same or the other one (SIGTERM then Ctrl-C), ends the process at once.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}
}  // namespace

const std::atomic<bool>* install_stop_handlers() {
  static const bool installed = [] {
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    return true;
  }();
  (void)installed;
  return &g_stop;
}

int stop_signal() { return static_cast<int>(g_signal); }

}  // namespace relumc
