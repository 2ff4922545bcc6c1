// SPDX-License-Identifier: MIT
// Writers of `relumc dynamics`: DIR/runs.csv (one row per run: the endpoint), DIR/trajectories.csv
// (one row per run and recorded step) and DIR/summary.json (the spec, the outcome counts and every
// run's endpoint). Schema in docs/dynamics.md. NaN is never written: an undefined value is an
// empty CSV field or a JSON null. Files are written atomically (relumc/io/files.hpp).
//
// Usage:
//   const auto runs = relumc::run_dynamics(spec);
//   relumc::write_dynamics_outputs("out", spec, runs, seconds, threads);
//   // or all of it, with progress:  relumc::dynamics_to_directory(spec, "out", true);
#pragma once

#include "relumc/dynamics/dynamics.hpp"

#include "relumc/io/numbers.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

namespace relumc {


// 95% Wilson score interval of a binomial proportion k / n.
std::array<double, 2> wilson_interval(int64_t k, int64_t n, double z = 1.959963984540054);

// Counts of each outcome, indexed by Outcome.
std::array<int64_t, 4> outcome_counts(const std::vector<RunResult>& runs);

nlohmann::ordered_json spec_json(const DynamicsSpec& s);
std::string runs_csv(const DynamicsSpec& s, const std::vector<RunResult>& runs);
std::string trajectories_csv(const DynamicsSpec& s, const std::vector<RunResult>& runs);
std::string summary_json(const DynamicsSpec& s, const std::vector<RunResult>& runs, double seconds, int threads);
void write_dynamics_outputs(const std::string& dir, const DynamicsSpec& s, const std::vector<RunResult>& runs,
                            double seconds, int threads);
void print_dynamics_summary(const DynamicsSpec& s, const std::vector<RunResult>& runs, std::FILE* out);

// What dynamics_to_directory ran.
struct DynamicsOutcome {
  std::vector<RunResult> runs;
  double seconds = 0;
  int threads = 1;
};

// A whole dynamics study into a directory, as `relumc dynamics` runs it: validates the spec and dir (bad
// input writes nothing), runs every start (a progress line on stderr when `progress` and stderr is a
// terminal), and writes runs.csv, trajectories.csv and summary.json atomically.
DynamicsOutcome dynamics_to_directory(const DynamicsSpec& s, const std::string& dir, bool progress);

}  // namespace relumc
