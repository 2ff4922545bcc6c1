// SPDX-License-Identifier: MIT
// SIGINT/SIGTERM as a stop request: the first one sets a flag that the estimators check often (the CPU
// every few milliseconds of work inside a chunk, the GPU between kernel launches; EstimateOptions::stop), so
// a run stops cleanly within about a second with its journal intact and can be resumed; a second one,
// SIGINT or SIGTERM, terminates at once (the default action).
#pragma once

#include <atomic>

namespace relumc {

// Installs the handlers (idempotent) and returns the flag they set.
const std::atomic<bool>* install_stop_handlers();
// Which signal stopped the run (0: none yet).
int stop_signal();

}  // namespace relumc
