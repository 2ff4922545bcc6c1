// SPDX-License-Identifier: MIT
// Running a verification: estimate every case on a backend, test it, apply Holm across the sweep.
//
// Usage:
//   relumc::VerifyOptions opt;  opt.alpha = 0.01;
//   relumc::VerifyReport rep = relumc::run_verification(relumc::build_grid(spec, opt.seed), opt);
//   return rep.passed ? 0 : 1;
#pragma once

#include "relumc/case.hpp"
#include "relumc/estimate.hpp"
#include "relumc/verdict.hpp"

#include <string>
#include <vector>

namespace relumc {

struct VerifyOptions {
  uint64_t seed = 1;
  int threads = 0;
  Precision precision = Precision::Double;
  Backend backend = Backend::Cpu;  // resolved (never Auto)
  CpuKernel cpu_kernel = CpuKernel::Auto;
  double alpha = 0.01;
  Formula formula = Formula::Tian;  // a wrong formula only to show the engine rejects it
  bool progress = false;            // progress line on stderr
};

struct VerifyReport {
  VerifyOptions options;
  std::vector<Case> cases;
  std::vector<CaseResult> results;
  bool passed = true;
  int threads = 1;
  std::string cpu_kernel;  // the CPU kernel that ran ("simd-AVX2", "scalar"); empty on other backends
  double seconds = 0;
};

// auto -> cuda when a usable device and CUDA estimators exist, else cpu. Throws InputError when cuda
// is asked for and cannot be used, naming why. `note` says what was chosen and why.
Backend resolve_backend(Backend requested, std::string* note);

Estimate estimate(const Case& c, const EstimateOptions& opt, Backend backend);

VerifyReport run_verification(std::vector<Case> cases, const VerifyOptions& opt);

// Power: the smallest N on the ladder at which the case, compared with formula `wrong`, is rejected at
// level alpha (0 when none is). Each rung uses fresh samples (stream = the rung's index).
uint64_t samples_to_reject(Case c, Formula wrong, const VerifyOptions& opt, const std::vector<uint64_t>& ladder);

}  // namespace relumc
