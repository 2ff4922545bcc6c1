// SPDX-License-Identifier: MIT
// `relumc info`: backends, CPU features, GPUs and build options of this build on this machine.
#pragma once

#include <cstdio>
#include <string>

namespace relumc {

inline constexpr const char* kVersion = "0.1.0";

void print_info(std::FILE* out);

// Small facts about this machine, shared by `relumc info` and regression baselines.
std::string cpu_model_name();  // /proc/cpuinfo "model name", or "unknown"
std::string host_name();       // gethostname(2), or "unknown"
unsigned hardware_threads();   // std::thread::hardware_concurrency()

}  // namespace relumc
