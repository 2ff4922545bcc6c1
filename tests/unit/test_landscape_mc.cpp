// SPDX-License-Identifier: MIT
// The landscape confirmed by Monte Carlo, and the census: the check passes at a critical point and rejects
// wrong Hessians, a non-zero gradient claimed zero and a positive curvature claimed negative (fixed seeds,
// thresholds from the standard errors); the census accounts for every run, finds the global minimum as one
// family, does not depend on the thread count, and its k = 6 spurious minimum is confirmed by the engine.
#include "relumc/core/errors.hpp"
#include "relumc/landscape/census.hpp"
#include "relumc/landscape/critical.hpp"
#include "relumc/landscape/hessian.hpp"
#include "relumc/landscape/mc_check.hpp"
#include "relumc/math/closed_forms.hpp"
#include "tests/support/landscape_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <vector>

using namespace relumc;
using relumc::testing::identity_rows;

// Monte Carlo: a global minimum with teacher rows at angle 1 (so that theta-swap is wrong there too).
namespace {
std::vector<double> tilted_teacher() { return {1, 0, 0, std::cos(1.0), std::sin(1.0), 0}; }
}  // namespace

TEST(LandscapeMonteCarlo, ConfirmsAGlobalMinimum) {
  const std::vector<double> T = tilted_teacher();
  McCheckOptions o;
  o.samples = 200000;
  o.seed = 3;
  const McCheck m = mc_check(T.data(), 2, T.data(), 2, 3, o);
  ASSERT_EQ(m.tests.size(), 3u);
  for (const McTest& t : m.tests) EXPECT_TRUE(t.passed) << t.name << " p=" << t.p_value;
  EXPECT_TRUE(m.passed);
  EXPECT_EQ(m.tests[2].components, 6);
}

// The same samples reject plausibly wrong off-diagonal blocks: the differences are s/(2 pi) ~ 0.13 (drop-sin)
// and (pi - 2 theta)/(2 pi) ~ 0.18 (theta-swap) per diagonal entry, against standard errors of about
// sqrt(Var/N) <= sqrt(3/N) ~ 0.004 at N = 2e5: z of order 30.
TEST(LandscapeMonteCarlo, RejectsWrongHessians) {
  const std::vector<double> T = tilted_teacher();
  for (HessianFormula f : {HessianFormula::DropSin, HessianFormula::ThetaSwap}) {
    McCheckOptions o;
    o.samples = 200000;
    o.seed = 3;
    o.hessian_formula = f;
    const McCheck m = mc_check(T.data(), 2, T.data(), 2, 3, o);
    EXPECT_FALSE(m.tests[2].passed) << to_string(f);
    EXPECT_GT(m.tests[2].max_abs_z, 10) << to_string(f);
    EXPECT_FALSE(m.passed);
  }
}

TEST(LandscapeMonteCarlo, RejectsANonZeroGradient) {
  const std::vector<double> T = tilted_teacher();
  std::vector<double> W = T;
  W[0] = 1.1;  // |grad| ~ 0.05, against standard errors ~ 0.003 at N = 2e5
  McCheckOptions o;
  o.samples = 200000;
  o.seed = 3;
  const McCheck m = mc_check(W.data(), 2, T.data(), 2, 3, o);
  EXPECT_FALSE(m.tests[0].passed);
  EXPECT_EQ(m.tests[0].name, "gradient_zero");
  EXPECT_TRUE(m.tests[1].passed);  // the loss is still the closed-form loss
  o.gradient_is_zero = false;      // against the closed-form gradient instead: the same samples agree
  const McCheck cf = mc_check(W.data(), 2, T.data(), 2, 3, o);
  EXPECT_EQ(cf.tests[0].name, "gradient");
  EXPECT_TRUE(cf.tests[0].passed) << cf.tests[0].p_value;
}

TEST(LandscapeMonteCarlo, SamplerIsDeterministicAcrossThreads) {
  const std::vector<double> T = tilted_teacher();
  const GatePairEstimate a = estimate_gate_pair_blocks(T.data(), 2, 3, 5000, 9, 1);
  const GatePairEstimate b = estimate_gate_pair_blocks(T.data(), 2, 3, 5000, 9, 2);
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.std_error, b.std_error);
}

// The census: every run accounted for, the global minimum found and recognised as one family, the result
// independent of the thread count.
TEST(LandscapeCensus, SmallCensusesEndAtTheGlobalMinimum) {
  for (int64_t k = 2; k <= 4; ++k) {
    CensusSpec s;
    s.k = s.K = k;
    s.runs = 8;
    s.seed = 1;
    s.threads = 1;
    const Census c = run_census(s);
    EXPECT_EQ(c.global + c.spurious + c.saddles + c.kinks + c.not_critical, s.runs);
    int64_t in_families = 0;
    for (const CensusFamily& f : c.families) in_families += f.runs;
    EXPECT_EQ(in_families, s.runs - c.kinks - c.not_critical);
    // At k = K <= 4 from these starts every run reaches W* up to a permutation (Safran and Shamir see
    // spurious minima only from k = 6).
    EXPECT_EQ(c.global, s.runs) << "k=" << k;
    ASSERT_EQ(c.families.size(), 1u);
    const CensusFamily& f = c.families[0];
    EXPECT_EQ(f.kind, PointKind::Minimum);
    EXPECT_EQ(f.k1, 0);
    EXPECT_LT(std::fabs(f.loss), 1e-12);
    const std::vector<double> I = identity_rows(k);
    EXPECT_NEAR(f.lambda_min, analyze_point(I.data(), k, I.data(), k, k, 1e-8).eigen.values.front(), 1e-9);
    EXPECT_GE(c.global_ci[0], 0.6);
    EXPECT_EQ(c.global_ci[1], 1.0);
    s.threads = 2;
    const Census c2 = run_census(s);
    for (size_t r = 0; r < c.runs.size(); ++r) {
      EXPECT_EQ(c.runs[r].student, c2.runs[r].student);
      EXPECT_EQ(c.runs[r].steps, c2.runs[r].steps);
    }
  }
}

// k = K = 6 (the smallest size where Safran and Shamir report spurious minima): among 50 starts under seed 1,
// one ends at a spurious local minimum; the Hessian says minimum (index 0, nullity 0, lambda_min > 0) and the
// Monte Carlo engine confirms it is critical (gradient statistically zero), its loss, and its Hessian blocks.
TEST(LandscapeCensus, ASpuriousMinimumAtKSixIsConfirmedByMonteCarlo) {
  CensusSpec s;
  s.k = s.K = 6;
  s.runs = 50;
  s.seed = 1;
  const Census c = run_census(s);
  ASSERT_GE(c.spurious, 1);
  const CensusRun* spurious = nullptr;
  for (const CensusRun& r : c.runs)
    if (r.spurious) spurious = &r;
  ASSERT_NE(spurious, nullptr);
  EXPECT_EQ(spurious->kind, PointKind::Minimum);
  EXPECT_EQ(spurious->index, 0);
  EXPECT_EQ(spurious->nullity, 0);
  EXPECT_GT(spurious->lambda_min, 0);
  EXPECT_GE(spurious->loss, s.spurious_loss);
  EXPECT_EQ(spurious->k1, 1);  // one student anti-aligned with its matched teacher row
  const std::vector<double> I = identity_rows(6);
  McCheckOptions o;
  o.samples = 100000;
  o.seed = 4;
  const McCheck m = mc_check(spurious->student.data(), 6, I.data(), 6, 6, o);
  for (const McTest& t : m.tests) EXPECT_TRUE(t.passed) << t.name << " p=" << t.p_value;
}

TEST(LandscapeCensus, SpecIsChecked) {
  CensusSpec s;
  s.k = 3;
  s.d = 2;
  try {
    check_census_spec(s);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "dim");
  }
  s = {};
  s.lr = -1;
  EXPECT_THROW(check_census_spec(s), InputError);
}

// A saddle's negative curvature, confirmed by Monte Carlo on common random numbers: the MC second difference
// of the loss along the most negative eigenvector is significantly negative and agrees with the closed form;
// along the most positive eigenvector the same test finds no negative curvature (it can fail).
TEST(LandscapeMonteCarlo, ConfirmsTheSaddlesNegativeCurvature) {
  const std::vector<double> I = identity_rows(2);
  const std::vector<double> W0 = {0.4, 0.4, 0.4, 0.4};
  const CriticalResult r = find_critical_point(W0.data(), 2, I.data(), 2, 2, {});
  ASSERT_EQ(r.kind, PointKind::Saddle);
  std::vector<double> down(4), up(4);
  for (int64_t i = 0; i < 4; ++i) down[i] = r.analysis.eigen.vectors[i * 4 + 0], up[i] = r.analysis.eigen.vectors[i * 4 + 3];
  const McTest t = curvature_test(r.student.data(), 2, I.data(), 2, 2, down, 0.05, 100000, 5, 0.01);
  EXPECT_TRUE(t.passed) << t.p_value;
  EXPECT_LT(t.estimate, 0);
  EXPECT_LT(t.reference, 0);
  // The MC mean is within 5 standard errors of the closed-form second difference (se = |mean| / z).
  EXPECT_LT(std::fabs(t.estimate - t.reference), 5 * std::fabs(t.estimate) / t.max_abs_z);
  const McTest u = curvature_test(r.student.data(), 2, I.data(), 2, 2, up, 0.05, 100000, 5, 0.01);
  EXPECT_FALSE(u.passed) << u.p_value;
  EXPECT_GT(u.estimate, 0);
  // In the full check it is one more test, sharing the level.
  McCheckOptions o;
  o.samples = 100000;
  o.seed = 5;
  o.curvature_direction = down;
  const McCheck m = mc_check(r.student.data(), 2, I.data(), 2, 2, o);
  ASSERT_EQ(m.tests.size(), 4u);
  EXPECT_EQ(m.tests[3].name, "negative_curvature");
  EXPECT_DOUBLE_EQ(m.tests[3].level, 0.01 / 4);
  EXPECT_TRUE(m.passed);
}

// The census's frontend hooks: `done` counts finished runs, `stop` throws Interrupted; the numbers do not move.
TEST(LandscapeCensus, StopFlagAndProgressHooks) {
  CensusSpec s;
  s.k = s.K = 3;
  s.runs = 4;
  s.threads = 1;
  const Census a = run_census(s);
  std::atomic<uint64_t> done{0};
  std::atomic<bool> stop{false};
  s.done = &done;
  s.stop = &stop;
  const Census b = run_census(s);
  EXPECT_EQ(done.load(), 4u);
  for (size_t r = 0; r < a.runs.size(); ++r) EXPECT_EQ(a.runs[r].student, b.runs[r].student);
  stop = true;
  EXPECT_THROW(run_census(s), Interrupted);
}
