// SPDX-License-Identifier: MIT
// The sample planner (--target-rel-error, --time-budget; host/plan/sample_plan.cpp): Stein's two-stage
// procedure keeps the verdict's level (calibration under planning), still rejects wrong formulas
// (power), reaches the relative error it was asked for, honours a time budget, and is deterministic.
#include "relumc/plan/sweep.hpp"
#include "relumc/run/verify.hpp"
#include "tests/support/estimator_cases.hpp"
#include "tests/support/stats_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

namespace {

using relumc::Case;
using relumc::GridSpec;
using relumc::Quantity;

constexpr uint64_t kSeed = 20171703;
constexpr int kThreads = 2;

// The grid of tests/unit/test_verdicts.cpp's calibration test: gating, grad and loss, K != K*, random cases.
std::vector<Case> calibration_cases() {
  return relumc::build_grid(relumc::testing::calibration_grid(2000), kSeed);  // N: a placeholder the planner sets
}

relumc::VerifyOptions planned(double target) {
  relumc::VerifyOptions opt;
  opt.seed = kSeed;
  opt.threads = kThreads;
  opt.alpha = 0.05;
  opt.target_rel_error = target;
  opt.pilot_samples = 2000;
  return opt;
}

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// N depends on the pilot only, the verdict on the fresh stage-2 samples only: the number of cases
// rejected alone at alpha is Binomial(n, alpha) as with a fixed N, inside the exact 99.9% band. A
// procedure that reused the pilot's samples, or chose N from the stage-2 data, would show here.
TEST(SamplePlan, KeepsTheLevel) {
  const std::vector<Case> cases = calibration_cases();
  ASSERT_GE(cases.size(), 200u);
  const relumc::VerifyReport rep = relumc::run_verification(cases, planned(0.05));
  ASSERT_TRUE(rep.plan.used);
  int rejected = 0;
  for (const auto& r : rep.results) rejected += r.p_value <= 0.05 ? 1 : 0;
  const int n = static_cast<int>(cases.size());
  const auto [lo, hi] = relumc::testing::binomial_band(n, 0.05, 0.0005);
  std::printf("[ plan calibration ] %d cases, %llu samples planned, rejected alone at 0.05: %d (band [%d, %d])\n", n,
              static_cast<unsigned long long>(rep.plan.planned_samples), rejected, lo, hi);
  EXPECT_GE(rejected, lo);
  EXPECT_LE(rejected, hi);
}

// |se| / |cf| of the stage-2 estimate is the target up to the pilot's error in estimating the
// standard deviation: its relative error is about sqrt((kappa - 1) / (4 n0)) for a per-sample kurtosis
// kappa. Bounding kappa by 100 (these products of half-Gaussians are far lighter-tailed) and allowing 5
// of those deviations with n0 = 2000 gives a band of +-5 * sqrt(99 / 8000) = +-0.56 on the ratio; with
// n0 = 20000 it is +-0.18, which is what this test uses.
TEST(SamplePlan, ReachesTheTargetRelativeError) {
  std::vector<Case> cases = calibration_cases();
  cases.resize(60);
  relumc::VerifyOptions opt = planned(0.02);
  opt.pilot_samples = 20000;
  const relumc::VerifyReport rep = relumc::run_verification(cases, opt);
  int checked = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    const double cf = norm(rep.results[k].closed_form), se = norm(rep.results[k].estimate.std_error);
    if (cf == 0 || se == 0 || rep.cases[k].samples == opt.pilot_samples) continue;  // clamped at the pilot's N
    ++checked;
    EXPECT_NEAR(se / cf / opt.target_rel_error, 1.0, 0.18) << "case " << k << " N = " << rep.cases[k].samples;
  }
  EXPECT_GE(checked, 30);
}

TEST(SamplePlan, WrongFormulaIsStillRejected) {
  std::vector<Case> cases = calibration_cases();
  cases.resize(40);
  relumc::VerifyOptions opt = planned(0.01);
  opt.formula = relumc::Formula::LostHalf;
  opt.alpha = 0.01;
  const relumc::VerifyReport rep = relumc::run_verification(cases, opt);
  EXPECT_FALSE(rep.passed);
  int rejected = 0;
  for (const auto& r : rep.results) rejected += r.passed ? 0 : 1;
  EXPECT_GE(rejected, 30) << "a lost factor 1/2 is a 100% relative error, 100 times the target";
}

TEST(SamplePlan, DeterministicWithoutABudget) {
  std::vector<Case> a = calibration_cases(), b = a;
  a.resize(30);
  b.resize(30);
  const std::vector<bool> todo(30, true);
  relumc::plan_samples(a, todo, planned(0.03));
  relumc::VerifyOptions one_thread = planned(0.03);
  one_thread.threads = 1;
  relumc::plan_samples(b, todo, one_thread);
  for (size_t k = 0; k < a.size(); ++k) EXPECT_EQ(a[k].samples, b[k].samples) << k;
}

TEST(SamplePlan, TimeBudgetRaisesTheCommonTargetOrLeavesIt) {
  std::vector<Case> cases = calibration_cases();
  cases.resize(20);
  const std::vector<bool> todo(cases.size(), true);
  // A budget the pilots alone exceed: every N falls back to the pilot's, and the target rises.
  relumc::VerifyOptions tight = planned(1e-4);
  tight.time_budget = 1e-6;
  std::vector<Case> t = cases;
  const relumc::SamplePlan pt = relumc::plan_samples(t, todo, tight);
  EXPECT_GT(pt.effective_rel_error, tight.target_rel_error);
  for (const Case& c : t) EXPECT_EQ(c.samples, tight.pilot_samples);
  // A generous budget leaves the target as asked.
  relumc::VerifyOptions wide = planned(0.05);
  wide.time_budget = 1e6;
  std::vector<Case> w = cases;
  const relumc::SamplePlan pw = relumc::plan_samples(w, todo, wide);
  EXPECT_EQ(pw.effective_rel_error, 0.05);
  // A budget alone (no target) that is ample: the common target falls until every N reaches the
  // ceiling, and the predicted time fits in the budget. (No assertion depends on this machine's speed.)
  relumc::VerifyOptions budget = planned(0);
  budget.time_budget = 1e6;
  budget.max_samples = 1000000;
  std::vector<Case> u = cases;
  const relumc::SamplePlan pu = relumc::plan_samples(u, todo, budget);
  EXPECT_LE(pu.planned_seconds, budget.time_budget);
  for (const Case& c : u) EXPECT_EQ(c.samples, budget.max_samples);
}

TEST(SamplePlan, SkipsFinishedCasesAndRefusesRoughPilots) {
  std::vector<Case> cases = calibration_cases();
  cases.resize(4);
  std::vector<bool> todo{true, false, true, false};
  const uint64_t before = cases[1].samples;
  relumc::plan_samples(cases, todo, planned(0.05));
  EXPECT_EQ(cases[1].samples, before);
  relumc::VerifyOptions rough = planned(0.05);
  rough.pilot_samples = 100;
  EXPECT_THROW(relumc::plan_samples(cases, todo, rough), relumc::InputError);
  rough = planned(0.05);
  rough.max_samples = 1000;
  EXPECT_THROW(relumc::plan_samples(cases, todo, rough), relumc::InputError);
}

}  // namespace
