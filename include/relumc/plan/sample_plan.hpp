// SPDX-License-Identifier: MIT
// The sample planner: Stein's two-stage procedure. A pilot on a separate stream estimates each case's
// standard error and throughput; N is then chosen for a target root-mean-square relative error |se|/|cf|
// (or, under a time budget, the smallest common one the budget allows), and the verdict uses only the N
// fresh samples of the second stage (VerifyOptions::target_rel_error, relumc/run/verify.hpp).
#pragma once

#include "relumc/core/case.hpp"

#include <cstdint>
#include <vector>

namespace relumc {

struct VerifyOptions;

// What the sample planner did (for the report).
struct SamplePlan {
  bool used = false;
  double target_rel_error = 0;     // asked for (0: none, budget only)
  double effective_rel_error = 0;  // the target the N were chosen for (larger when the budget binds)
  double pilot_seconds = 0;
  double planned_seconds = 0;      // the second stage's predicted time, from the pilots' rates
  uint64_t planned_samples = 0;    // sum of the second stage's N
};

// Stream of a case's pilot (the planner's first stage): disjoint from every case's own stream and from
// the geometry streams, so the second stage's samples are independent of the chosen N.
inline constexpr uint32_t kPilotStreamBase = 0x40000000u;

// The planner (host/plan/sample_plan.cpp): chooses the N of cases[k] for every k with todo[k], as described
// at VerifyOptions::target_rel_error. Every rank returns the root's plan.
SamplePlan plan_samples(std::vector<Case>& cases, const std::vector<bool>& todo, const VerifyOptions& opt);
// The planner's settings: target_rel_error in [0, 1) and time_budget >= 0 and finite (0: off),
// pilot_samples >= 1000 and max_samples >= pilot_samples; InputError naming the field otherwise.
void check_sample_plan(const VerifyOptions& opt);

}  // namespace relumc
