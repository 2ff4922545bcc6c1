// SPDX-License-Identifier: MIT
// Running a verification: estimate every case on a backend, test it, apply Holm across the sweep.
//
// Usage:
//   relumc::VerifyOptions opt;  opt.alpha = 0.01;
//   relumc::VerifyReport rep = relumc::run_verification(relumc::build_grid(spec, opt.seed), opt);
//   return rep.passed ? 0 : 1;
#pragma once

#include "relumc/core/case.hpp"
#include "relumc/backend/estimate.hpp"
#include "relumc/plan/sample_plan.hpp"
#include "relumc/stats/verdict.hpp"

#include <atomic>
#include <string>
#include <vector>

namespace relumc {

class Journal;

struct VerifyOptions {
  uint64_t seed = 1;
  int threads = 0;
  Precision precision = Precision::Double;
  Contract contract = Contract::V1;  // the sample contract (relumc/math/contract.hpp); v2 needs precision float
  Backend backend = Backend::Cpu;  // resolved (never Auto)
  CpuKernel cpu_kernel = CpuKernel::Auto;
  std::vector<int> cuda_devices;  // cuda backend: devices sharing the chunks (empty: one)
  double alpha = 0.01;
  Test test = Test::Sidak;          // how a case's components are combined into its p-value (verdict.hpp)
  Formula formula = Formula::Tian;  // a wrong formula only to show the engine rejects it
  bool progress = false;            // progress line on stderr

  // Several processes (MPI ranks) sharing the chunks of every case; null: this process alone.
  const Distribution* distribution = nullptr;
  // Stop request checked at chunk boundaries (relumc/run/interrupt.hpp); run_verification then throws
  // Interrupted, with every finished case in the journal.
  const std::atomic<bool>* stop = nullptr;
  // Samples done so far, counted by every estimate (may be null): a caller's own progress display.
  std::atomic<uint64_t>* samples_done = nullptr;
  // The closed forms to test each case against, one per case of components(case) numbers (may be null:
  // closed_form(case, formula)): a user's own formula (the Python module's relumc.check).
  const std::vector<std::vector<double>>* closed_forms = nullptr;
  // Journal (crash safety, relumc/run/journal.hpp), may be null: its finished cases are taken as they are,
  // and every newly finished case is appended to it.
  Journal* journal = nullptr;

  // Sample-count planning (relumc/plan/sample_plan.hpp), on when target_rel_error > 0 or time_budget > 0:
  // Stein's two-stage procedure. A pilot of pilot_samples on a separate stream estimates each case's
  // standard error; N is then chosen so that the root-mean-square relative error |se| / |cf| is
  // target_rel_error (or, under a time budget in seconds, the smallest common value the budget allows),
  // within [pilot_samples, max_samples]; the verdict uses only the N fresh samples of the second stage.
  double target_rel_error = 0;
  double time_budget = 0;
  uint64_t pilot_samples = 10000;
  uint64_t max_samples = 1000000000000ull;
};

struct VerifyReport {
  VerifyOptions options;
  std::vector<Case> cases;
  std::vector<CaseResult> results;
  bool passed = true;
  int threads = 1;
  std::string cpu_kernel;  // the CPU kernel that ran ("simd-AVX2", "scalar"); empty on other backends
  double seconds = 0;
  SamplePlan plan;
  size_t resumed_cases = 0;  // cases taken from the journal
  int ranks = 1;             // MPI ranks that shared the work
};

// The estimate options a verification run passes to every estimate (counter: progress, may be null).
EstimateOptions estimate_options(const VerifyOptions& opt, std::atomic<uint64_t>* counter);

// The options a run accepts (InputError naming the field): alpha in (0, 1); a resolved backend;
// cuda_devices only with the cuda backend, each >= 0 and listed once; the planner's settings
// (check_sample_plan); the contract with the precision and, for a planned run, max_samples (check_contract).
void check_verify_options(const VerifyOptions& opt);

// Every case's N under the run's contract (check_contract): v2 never runs a case past kV2MaxSamples.
void check_contract_cases(const VerifyOptions& opt, const std::vector<Case>& cases);

// Estimates and tests every case (skipping those the journal already holds), then applies Holm.
// Throws Interrupted when opt.stop is set (the journal keeps every finished case).
VerifyReport run_verification(std::vector<Case> cases, const VerifyOptions& opt);

// Where a verification writes (verify_to_directory).
struct VerifyOutput {
  std::string dir = "relumc-out";  // DIR: journal.jsonl, results.csv, results.json
  bool resume = false;             // continue the unfinished run journalled in DIR (same settings)
  bool restart = false;            // discard an unfinished run's journal in DIR
  std::string backend_note;        // why this backend (resolve_backend), recorded in results.json
};

// A whole verification into a directory, as `relumc verify` runs it: checks the options and DIR (bad input
// writes nothing), opens DIR/journal.jsonl (resuming or refusing an unfinished one, relumc/run/journal.hpp),
// runs every case, writes results.csv and results.json atomically and marks the journal complete. Under
// MPI only rank 0 touches DIR. Throws InputError before any work; Interrupted when opt.stop is set, its
// message saying how many cases the journal keeps; std::runtime_error when the final write fails, saying
// that the journal holds every case (rerun with resume).
VerifyReport verify_to_directory(std::vector<Case> cases, const VerifyOptions& opt, const VerifyOutput& out);

}  // namespace relumc
