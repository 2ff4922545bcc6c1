// SPDX-License-Identifier: MIT
// Machine and build identity of a regression baseline: which machine measured the throughputs, and
// which build computed the numbers.
#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/core/machine.hpp"
#include "relumc/core/version.hpp"
#include "relumc/regress/identity.hpp"
#include "relumc_build_info.hpp"  // generated at configure time (CMakeLists.txt)

namespace relumc {

MachineIdentity this_machine() {
  MachineIdentity m;
  m.cpu_model = cpu_model_name();
  m.hostname = host_name();
  m.hardware_threads = hardware_threads();
  m.simd_kernel = cpu_kernel_name(CpuKernel::Auto);
  return m;
}

BuildIdentity this_build() {
  BuildIdentity b;
  b.version = kVersion;
  b.git_commit = RELUMC_BUILD_GIT_COMMIT;
  b.compiler = RELUMC_BUILD_COMPILER;
  b.build_type = RELUMC_BUILD_TYPE;
  b.flags = RELUMC_BUILD_FLAGS;
#ifdef RELUMC_HAVE_CUDA
  b.cuda = true;
#endif
  return b;
}

}  // namespace relumc
