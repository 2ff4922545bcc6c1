// SPDX-License-Identifier: MIT
// Small facts about this machine, shared by `relumc info` and regression baselines.
#pragma once

#include <string>

namespace relumc {

std::string cpu_model_name();  // /proc/cpuinfo "model name", or "unknown"
std::string host_name();       // gethostname(2), or "unknown"
unsigned hardware_threads();   // std::thread::hardware_concurrency()

// The first value of a /proc/cpuinfo field ("" when absent, e.g. off Linux).
std::string cpuinfo_field(const std::string& name);

}  // namespace relumc
