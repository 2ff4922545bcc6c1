// SPDX-License-Identifier: MIT
// relumc: the whole public library in one include, for frontends (the CLI, the Python module) and
// users. Each area's headers can also be included alone.
//
//   core      configuration, version, errors, the verification case
//   math      closed forms, input distributions, the sample contract (host and device)
//   plan      grids and weights files -> cases; the sample planner
//   backend   estimates on the CPU (SIMD) or CUDA, chunking, backend resolution
//   stats     verdicts (z, Sidak, Holm, slopes) and power
//   run       a verification run: verify, journal, progress, stop requests, MPI ranks
//   io        output files (atomic), JSON helpers, results writers, `info`, shipped resources
//   regress   regression suites and baselines
//   dynamics  gradient descent on the student, matching, experiments
//   landscape the loss landscape: Hessian, spectrum, critical points, their Monte Carlo check
//
// Usage:
//   #include <relumc/relumc.hpp>
//   relumc::GridSpec spec;  spec.quantities = {relumc::Quantity::Grad};  spec.angles = {1.0};
//   relumc::VerifyOptions opt;  opt.backend = relumc::resolve_backend(relumc::Backend::Auto, nullptr);
//   relumc::VerifyReport rep = relumc::run_verification(relumc::build_grid(spec, opt.seed), opt);
#pragma once

#include "relumc/core/case.hpp"
#include "relumc/core/config.hpp"
#include "relumc/core/errors.hpp"
#include "relumc/core/hash.hpp"
#include "relumc/core/machine.hpp"
#include "relumc/core/version.hpp"
#include "relumc/math/closed_forms.hpp"
#include "relumc/math/input.hpp"
#include "relumc/math/sample_contract.hpp"
#include "relumc/plan/sample_plan.hpp"
#include "relumc/plan/sweep.hpp"
#include "relumc/plan/weights_file.hpp"
#include "relumc/backend/estimate.hpp"
#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/backend/cuda/cuda_backend.hpp"
#include "relumc/stats/power.hpp"
#include "relumc/stats/verdict.hpp"
#include "relumc/run/distribution.hpp"
#include "relumc/run/interrupt.hpp"
#include "relumc/run/journal.hpp"
#include "relumc/run/progress.hpp"
#include "relumc/run/verify.hpp"
#include "relumc/io/files.hpp"
#include "relumc/io/info.hpp"
#include "relumc/io/json.hpp"
#include "relumc/io/numbers.hpp"
#include "relumc/io/resources.hpp"
#include "relumc/io/results.hpp"
#include "relumc/io/schema.hpp"
#include "relumc/regress/baseline.hpp"
#include "relumc/regress/identity.hpp"
#include "relumc/regress/report.hpp"
#include "relumc/regress/run.hpp"
#include "relumc/regress/suite.hpp"
#include "relumc/dynamics/dynamics.hpp"
#include "relumc/dynamics/experiments.hpp"
#include "relumc/dynamics/matching.hpp"
#include "relumc/dynamics/report.hpp"
#include "relumc/dynamics/weights.hpp"
#include "relumc/landscape/census.hpp"
#include "relumc/landscape/critical.hpp"
#include "relumc/landscape/eigen.hpp"
#include "relumc/landscape/hessian.hpp"
#include "relumc/landscape/mc_check.hpp"
#include "relumc/landscape/report.hpp"
#include "relumc/landscape/weights.hpp"
