// SPDX-License-Identifier: MIT
// Machine and build identity of a regression baseline: which machine measured the throughputs, and which
// build computed the numbers.
#pragma once

#include <string>

namespace relumc {

struct MachineIdentity {
  std::string cpu_model, hostname, simd_kernel;
  unsigned hardware_threads = 0;
};
struct BuildIdentity {
  std::string version, git_commit, compiler, build_type, flags;
  bool cuda = false;
};
MachineIdentity this_machine();
BuildIdentity this_build();

}  // namespace relumc
