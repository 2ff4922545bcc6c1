// SPDX-License-Identifier: MIT
// Small facts about this machine, shared by `relumc info` and regression baselines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace relumc {

std::string cpu_model_name();  // /proc/cpuinfo "model name", or "unknown"
std::string host_name();       // gethostname(2), or "unknown"
unsigned hardware_threads();   // std::thread::hardware_concurrency()

// The memory a run may plan to hold: half of this machine's physical memory (at least 1 GiB). Runs whose
// cases, trajectories or outputs would need more are refused before they allocate (InputError naming
// the figure and this limit), never left to end in bad_alloc.
uint64_t memory_budget_bytes();

// Throws InputError naming `field` (none when empty), `what` and both figures when bytes >
// memory_budget_bytes().
void check_memory(uint64_t bytes, std::string_view field, std::string_view what);

// The first value of a /proc/cpuinfo field ("" when absent, e.g. off Linux).
std::string cpuinfo_field(const std::string& name);

}  // namespace relumc
