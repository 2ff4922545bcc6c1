// SPDX-License-Identifier: MIT
// Running a regression suite (relumc/regress/suite.hpp): every case group, with Holm at the suite's alpha
// across the whole suite, and every throughput check.
#pragma once

#include "relumc/regress/suite.hpp"

#include <string>
#include <vector>

namespace relumc {

struct SuiteCase {
  std::string id;
  size_t group = 0;
  Case c;
  CaseResult r;
};

struct ThroughputResult {
  std::string id;
  ThroughputCheck check;
  std::vector<double> seconds;  // per repetition
  double samples_per_s = 0;     // best or median of the repetitions, as the check says
  double normals_per_s = 0;     // samples_per_s * d
};

struct SuiteRun {
  Suite suite;
  Backend backend = Backend::Cpu;
  std::string backend_note;
  std::vector<SuiteCase> cases;
  std::vector<ThroughputResult> throughput;
  bool passed = true;  // no case rejected by Holm at the suite's alpha
  int threads = 1;
  std::string cpu_kernel;
  double seconds = 0;
};

// The suite's backend on this machine (resolve_backend with the suite's inputs: a group with a non-Gaussian
// input keeps auto on the CPU and refuses cuda). InputError names the suite (`where`: its file) and why.
Backend resolve_suite_backend(const Suite& s, const std::string& where, std::string* note);

// Runs every group (Holm across the whole suite) and every throughput check on a resolved backend.
SuiteRun run_suite(const Suite& s, Backend backend, const std::string& backend_note, bool progress);

// Times one throughput check: one untimed warm-up, then `repetitions` timed estimates.
ThroughputResult measure_throughput(const ThroughputCheck& t, size_t index, const Suite& s, Backend backend);

}  // namespace relumc
