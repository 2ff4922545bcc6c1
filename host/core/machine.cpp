// SPDX-License-Identifier: MIT
#include "relumc/core/machine.hpp"

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

}  // namespace relumc
