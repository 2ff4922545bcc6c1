// SPDX-License-Identifier: MIT
// `relumc info`: what this build and this machine offer: backends, CPU features and the kernel the
// CPU path runs, GPUs, build options. Detected once, here, and the same names appear in results.json.
#include "relumc/io/info.hpp"

#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/backend/cuda/cuda_backend.hpp"
#include "relumc/core/machine.hpp"
#include "relumc/core/version.hpp"
#include "relumc/run/distribution.hpp"

#include "host/backend/cpu/cpu_kernel.hpp"
#include "relumc/backend/estimate.hpp"

#include <fmt/format.h>

#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relumc {
namespace {

// The vector features that matter to the CPU kernel, as the kernel reports them.
std::string vector_flags() {
  const std::string flags = " " + cpuinfo_field("flags") + " ";
  std::string out;
  for (const char* f : {"sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl"})
    if (flags.find(std::string(" ") + f + " ") != std::string::npos) out += (out.empty() ? "" : " ") + std::string(f);
  return out.empty() ? "unknown" : out;
}

}  // namespace

void print_info(std::FILE* out) {
  fmt::print(out, "relumc {}\n", kVersion);
  fmt::print(out, "build: {}; CUDA backend compiled: {}; -march=native: {}; sample contract: bit-exact (own ln/sin/cos, "
                  "-ffp-contract=off)\n",
#ifdef NDEBUG
             "release",
#else
             "debug",
#endif
#ifdef RELUMC_HAVE_CUDA
             "yes",
#else
             "no",
#endif
#ifdef RELUMC_BUILD_NATIVE
             "yes"
#else
             "no"
#endif
  );
  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads();
#endif
  fmt::print(out, "cpu: {}; {} hardware threads; OpenMP threads {}\n", cpu_model_name(), hardware_threads(), threads);
  fmt::print(out, "cpu vector features: {}\n", vector_flags());
  std::string targets;
  for (const std::string& t : simd_targets_supported()) targets += (targets.empty() ? "" : " ") + t;
  fmt::print(out, "cpu SIMD targets (Highway, best first): {}\n", targets.empty() ? "none" : targets);
  fmt::print(out, "cpu kernel (auto): {}{}\n", cpu_kernel_name(CpuKernel::Auto),
             simd_kernel_available() ? "" : " (the best target has no fused multiply-add)");
  std::string why;
  const bool gpu = cuda_usable(&why);
  fmt::print(out, "gpu: {}\n", gpu ? "a usable CUDA device is present" : "none usable: " + why);
  fmt::print(out, "backends: cpu{}\n", gpu ? ", cuda (fused estimators; not yet validated on hardware, bench/RESULTS.md)" : "");
  fmt::print(out, "processes: {}{}\n", Distribution::process().describe(),
             mpi_built() ? " (MPI built: mpirun -np R relumc ... splits every case's chunks)" : " (MPI not built)");
}

}  // namespace relumc
