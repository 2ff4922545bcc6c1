// SPDX-License-Identifier: MIT
// The census's machinery (docs/landscape.md, "Census"): its gradient is population_gradient bit for bit; the
// Xavier starts are Glorot-uniform and reproducible, the Gaussian starts unchanged; a census interrupted (by a
// run budget or the stop hook) and resumed from its journal equals an uninterrupted one bit for bit; a journal of
// another spec is refused naming the field; runs that end at saddles are counted apart from minima, and
// --escape-saddles continues them to minima.
#include "relumc/core/errors.hpp"
#include "relumc/dynamics/dynamics.hpp"
#include "relumc/landscape/census.hpp"
#include "relumc/landscape/census_journal.hpp"
#include "relumc/landscape/shared_gradient.hpp"
#include "relumc/math/closed_forms.hpp"
#include "relumc/math/sample_contract.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace relumc;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("relumc_test_census_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Every number of every run, and the families and counts, bit for bit.
void expect_same_census(const Census& a, const Census& b) {
  ASSERT_EQ(a.runs.size(), b.runs.size());
  for (size_t r = 0; r < a.runs.size(); ++r) {
    const CensusRun &x = a.runs[r], &y = b.runs[r];
    EXPECT_EQ(x.run, y.run);
    EXPECT_EQ(x.kind, y.kind) << "run " << r;
    EXPECT_EQ(x.k1, y.k1);
    EXPECT_TRUE(same_bits(x.loss, y.loss)) << "run " << r;
    EXPECT_TRUE(same_bits(x.lambda_min, y.lambda_min)) << "run " << r;
    EXPECT_TRUE(same_bits(x.gradient_norm, y.gradient_norm));
    EXPECT_EQ(x.index, y.index);
    EXPECT_EQ(x.nullity, y.nullity);
    EXPECT_EQ(x.steps, y.steps);
    EXPECT_EQ(x.newton_iterations, y.newton_iterations);
    EXPECT_EQ(x.escapes, y.escapes);
    EXPECT_EQ(x.global, y.global);
    EXPECT_EQ(x.spurious, y.spurious);
    EXPECT_EQ(x.family, y.family);
    EXPECT_EQ(0, std::memcmp(x.student.data(), y.student.data(), x.student.size() * sizeof(double)));
    EXPECT_EQ(x.student.size(), y.student.size());
    EXPECT_EQ(x.eigenvalues.size(), y.eigenvalues.size());
    EXPECT_EQ(0, std::memcmp(x.eigenvalues.data(), y.eigenvalues.data(), x.eigenvalues.size() * sizeof(double)));
  }
  EXPECT_EQ(a.global, b.global);
  EXPECT_EQ(a.spurious, b.spurious);
  EXPECT_EQ(a.saddles, b.saddles);
  EXPECT_EQ(a.kinks, b.kinks);
  EXPECT_EQ(a.not_critical, b.not_critical);
  ASSERT_EQ(a.families.size(), b.families.size());
  for (size_t f = 0; f < a.families.size(); ++f) {
    EXPECT_EQ(a.families[f].k1, b.families[f].k1);
    EXPECT_EQ(a.families[f].runs, b.families[f].runs);
    EXPECT_EQ(a.families[f].kind, b.families[f].kind);
    EXPECT_EQ(a.families[f].first_run, b.families[f].first_run);
    EXPECT_TRUE(same_bits(a.families[f].loss, b.families[f].loss));
    EXPECT_TRUE(same_bits(a.families[f].lambda_min, b.families[f].lambda_min));
  }
  EXPECT_TRUE(same_bits(a.share_spurious, b.share_spurious));
  EXPECT_TRUE(same_bits(a.spurious_ci[0], b.spurious_ci[0]));
  EXPECT_TRUE(same_bits(a.spurious_ci[1], b.spurious_ci[1]));
}

}  // namespace

// The shared-work gradient is the closed form's, bit for bit, at random points of several shapes (K < k, K = k,
// K > k, d > k), including coincident and opposite rows (theta = 0 and pi exactly).
TEST(LandscapeCensus, SharedGradientIsPopulationGradientBitForBit) {
  const int64_t shapes[][3] = {{1, 1, 1}, {2, 3, 3}, {3, 2, 4}, {6, 6, 6}, {7, 6, 9}, {17, 17, 17}, {5, 8, 8}};
  uint64_t index = 0;
  for (const auto& sh : shapes) {
    const int64_t K = sh[0], k = sh[1], d = sh[2];
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<double> W(static_cast<size_t>(K * d)), T(static_cast<size_t>(k * d));
      draw_sample<double>(7, 11, index++, K * d, W.data());
      draw_sample<double>(7, 12, index++, k * d, T.data());
      if (trial == 1 && K >= 2) {  // coincident and opposite rows
        for (int64_t c = 0; c < d; ++c) W[d + c] = (K >= 3 ? 1 : -1) * W[c];
        if (K >= 3)
          for (int64_t c = 0; c < d; ++c) W[2 * d + c] = -2 * W[c];
      }
      std::vector<double> g1(W.size()), g2(W.size());
      population_gradient(W.data(), K, T.data(), k, d, g1.data());
      SharedGradient shared(T.data(), K, k, d);
      shared(W.data(), g2.data());
      EXPECT_EQ(0, std::memcmp(g1.data(), g2.data(), g1.size() * sizeof(double)))
          << "K=" << K << " k=" << k << " d=" << d << " trial " << trial;
    }
  }
}

// Xavier starts: entries in (-a, a), a = sqrt(6/(d + K)), mean 0 and variance a^2/3 within 5 standard errors
// (Var X = a^2/3, Var X^2 = 4 a^4/45); reproducible from (seed, run) and different across runs; the Gaussian
// starts are still relumc::initial_weights' with std 1/sqrt(d) (bit for bit).
TEST(LandscapeCensus, XavierStartsAreGlorotUniformAndReproducible) {
  CensusSpec s;
  s.k = 6, s.K = 9, s.d = 8, s.seed = 3, s.init = CensusInit::Xavier;
  const double a = std::sqrt(6.0 / (8 + 9));
  double sum = 0, sum2 = 0, amax = 0;
  int64_t n = 0;
  for (int64_t r = 0; r < 400; ++r) {
    const std::vector<double> W = census_start(s, r);
    ASSERT_EQ(W.size(), 72u);
    for (double x : W) {
      EXPECT_LT(std::fabs(x), a);
      sum += x, sum2 += x * x, amax = std::max(amax, std::fabs(x));
      ++n;
    }
  }
  const double N = static_cast<double>(n);
  EXPECT_LT(std::fabs(sum / N), 5 * std::sqrt(a * a / 3 / N));
  EXPECT_LT(std::fabs(sum2 / N - a * a / 3), 5 * std::sqrt(4 * a * a * a * a / 45 / N));
  EXPECT_GT(amax, a * (1 - 20 / N));  // P(max |x| < a (1 - t)) = (1 - t)^N: here e^-20
  EXPECT_EQ(census_start(s, 5), census_start(s, 5));
  EXPECT_NE(census_start(s, 5), census_start(s, 6));
  s.init = CensusInit::Gaussian;
  DynamicsSpec ds;
  ds.d = 8, ds.K = 9, ds.Kstar = 6, ds.seed = 3;
  ds.init.kind = InitKind::Gaussian;
  ds.init.std = 1 / std::sqrt(8.0);
  EXPECT_EQ(census_start(s, 5), initial_weights(ds, 5));
  EXPECT_EQ(parse_census_init("xavier"), CensusInit::Xavier);
  try {
    parse_census_init("he");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "init");
  }
}

// Interrupted twice by a run budget and once by the stop hook, resumed from the journal each time: the same
// census as one run straight through, every number bit for bit (2 threads, so the order runs finish in varies).
TEST(LandscapeCensus, ResumedCensusEqualsAnUninterruptedOne) {
  CensusSpec s;
  s.k = s.K = 8;
  s.runs = 24;
  s.seed = 1;
  s.threads = 2;
  const Census straight = run_census(s);
  ASSERT_GE(straight.spurious, 1);  // (seed 1: 6 of these 24 runs end at spurious minima, in 2 families)
  ASSERT_GE(straight.global, 1);
  const fs::path dir = fresh_dir("resume");
  {
    CensusJournal j(dir.string(), s, false, false);
    CensusSpec t = s;
    t.journal = &j;
    t.run_budget = 7;
    EXPECT_THROW(run_census(t), Interrupted);
    EXPECT_EQ(j.finished().size(), 7u);
  }
  {
    CensusJournal j(dir.string(), s, true, false);
    EXPECT_EQ(j.finished().size(), 7u);
    CensusSpec t = s;
    t.journal = &j;
    t.run_budget = 5;
    EXPECT_THROW(run_census(t), Interrupted);
    EXPECT_EQ(j.finished().size(), 12u);
  }
  {  // the stop hook, set from another thread once a few more runs finished
    CensusJournal j(dir.string(), s, true, false);
    CensusSpec t = s;
    std::atomic<uint64_t> done{0};
    std::atomic<bool> stop{false};
    t.journal = &j, t.done = &done, t.stop = &stop;
    std::thread watcher([&] {
      while (done.load() < 15) std::this_thread::yield();
      stop = true;
    });
    EXPECT_THROW(run_census(t), Interrupted);
    watcher.join();
    EXPECT_GE(j.finished().size(), 15u);
    EXPECT_LT(j.finished().size(), 24u);
  }
  CensusJournal j(dir.string(), s, true, false);
  CensusSpec t = s;
  t.journal = &j;
  const Census resumed = run_census(t);
  expect_same_census(straight, resumed);
  j.complete();
  // Once complete, a new census in the same directory starts afresh (no refusal), with nothing held.
  CensusJournal again(dir.string(), s, false, false);
  EXPECT_TRUE(again.finished().empty());
  fs::remove_all(dir);
}

// Resuming with another spec is refused naming the field; an unfinished journal is not discarded without
// restart; restart discards it.
TEST(LandscapeCensus, JournalOfAnotherSpecIsRefusedNamingTheField) {
  CensusSpec s;
  s.k = s.K = 3;
  s.runs = 6;
  s.threads = 1;
  const fs::path dir = fresh_dir("spec");
  {
    CensusJournal j(dir.string(), s, false, false);
    CensusSpec t = s;
    t.journal = &j;
    t.run_budget = 2;
    EXPECT_THROW(run_census(t), Interrupted);
  }
  auto refused = [&](CensusSpec other, const std::string& field) {
    try {
      CensusJournal j(dir.string(), other, true, false);
      ADD_FAILURE() << field << " was not refused";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("`" + field + "` was"), std::string::npos) << e.what();
    }
  };
  CensusSpec o = s;
  o.seed = 2;
  refused(o, "seed");
  o = s, o.lr = 0.05;
  refused(o, "lr");
  o = s, o.init = CensusInit::Xavier;
  refused(o, "init");
  o = s, o.runs = 7;
  refused(o, "runs");
  o = s, o.d = 4;
  refused(o, "dim");
  try {
    CensusJournal j(dir.string(), s, false, false);
    ADD_FAILURE() << "an unfinished journal was discarded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unfinished census (2 runs done)"), std::string::npos) << e.what();
  }
  CensusJournal j(dir.string(), s, false, true);  // restart
  EXPECT_TRUE(j.finished().empty());
  fs::remove_all(dir);
}

// Runs that end at saddles are counted apart from minima. Handing over to Newton far from a settled basin
// (switch at |grad J| <= 0.3 |W*|_F) lands most k = K = 4 runs on saddles (index > 0; neither global nor
// spurious); --escape-saddles (step 0.5 |W*|_F) continues each along its negative curvature to a minimum.
TEST(LandscapeCensus, SaddlesAreReportedApartAndEscapeSaddlesLeavesThem) {
  CensusSpec s;
  s.k = s.K = 4;
  s.runs = 12;
  s.seed = 1;
  s.threads = 2;
  s.switch_tol = 0.3;
  const Census c = run_census(s);
  ASSERT_GE(c.saddles, 1);
  EXPECT_EQ(c.global + c.spurious + c.saddles + c.kinks + c.not_critical, s.runs);
  for (const CensusRun& r : c.runs)
    if (r.kind == PointKind::Saddle) {
      EXPECT_GT(r.index, 0);
      EXPECT_FALSE(r.global);
      EXPECT_FALSE(r.spurious);
      EXPECT_EQ(c.families[static_cast<size_t>(r.family)].kind, PointKind::Saddle);
    }
  s.escape_saddles = true;
  s.escape_step = 0.5;
  s.max_escapes = 50;
  const Census e = run_census(s);
  EXPECT_EQ(e.saddles, 0);
  for (size_t r = 0; r < c.runs.size(); ++r)
    if (c.runs[r].kind == PointKind::Saddle) {
      EXPECT_GE(e.runs[r].escapes, 1);
      EXPECT_TRUE(e.runs[r].kind == PointKind::Minimum || e.runs[r].kind == PointKind::NotCritical) << r;
      if (e.runs[r].kind == PointKind::Minimum) { EXPECT_LT(e.runs[r].loss, c.runs[r].loss); }
    } else {
      EXPECT_EQ(e.runs[r].escapes, 0);
    }
}

// With a surplus student (k = 12, K = 13) some runs shrink one student towards the zero row, a kink where J is not
// C^2: the Newton polish used to stall at the kink tolerance and the run ended "not-critical" (3 of these 10 runs
// did). Gradient descent now continues to the kink: those runs are global (loss below the threshold) and counted in
// global_kinks, with the shrunk row at most kink_tol |W*|_F long; the five counts still partition the runs.
TEST(LandscapeCensus, SurplusStudentShrinkingToZeroIsAGlobalKink) {
  CensusSpec s;
  s.k = 12, s.K = 13, s.runs = 10, s.seed = 1, s.threads = 2;
  const Census c = run_census(s);
  EXPECT_EQ(c.not_critical, 0);
  EXPECT_GE(c.global_kinks, 1);
  EXPECT_EQ(c.global + c.spurious + c.saddles + c.kinks + c.not_critical, s.runs);
  const double scale = std::sqrt(12.0);
  int64_t at_kink = 0;
  for (const CensusRun& r : c.runs) {
    if (r.kind != PointKind::Kink) continue;
    ++at_kink;
    EXPECT_TRUE(r.global);
    EXPECT_LT(r.loss, s.spurious_loss);
    double shortest = INFINITY;
    for (int64_t j = 0; j < s.K; ++j) shortest = std::min(shortest, norm(r.student.data() + j * 12, 12));
    EXPECT_LE(shortest, s.newton.kink_tol * scale);
  }
  EXPECT_EQ(at_kink, c.global_kinks);
}
