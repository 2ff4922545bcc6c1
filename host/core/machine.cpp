// SPDX-License-Identifier: MIT
#include "relumc/core/machine.hpp"

#include "relumc/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <fstream>
#include <thread>

#include <unistd.h>

namespace relumc {

std::string cpuinfo_field(const std::string& name) {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name, 0) == 0 && line.find(':') != std::string::npos) return line.substr(line.find(':') + 2);
  return "";
}

std::string cpu_model_name() {
  const std::string model = cpuinfo_field("model name");
  return model.empty() ? "unknown" : model;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
  return buf;
}

unsigned hardware_threads() { return std::thread::hardware_concurrency(); }

uint64_t memory_budget_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  const uint64_t physical = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
  return std::max<uint64_t>(physical / 2, uint64_t{1} << 30);
}

void check_memory(uint64_t bytes, std::string_view field, std::string_view what) {
  const uint64_t budget = memory_budget_bytes();
  if (bytes <= budget) return;
  const std::string why = fmt::format("{} would need about {:.3g} GB, more than the {:.3g} GB a run may hold here "
                                        "(half of this machine's memory)", what, bytes / 1e9, budget / 1e9);
  if (field.empty()) throw InputError(why);
  throw InputError(field, why);
}

}  // namespace relumc
