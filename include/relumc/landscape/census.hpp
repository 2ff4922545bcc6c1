// SPDX-License-Identifier: MIT
// A census of where gradient descent ends (docs/landscape.md, "census"), in the setting of Safran and
// Shamir (ICML 2018): teacher = the identity rows e_0 .. e_{k-1} of R^d, K students with i.i.d. N(0, 1/d)
// entries, population gradient descent on J with step lr until |grad J|_F <= switch_tol |W*|_F (the basin
// settled), then the Newton polish of relumc/landscape/critical.hpp and the Hessian's classification
// (gradient-only stopping would call a slow saddle a minimum). Where the polish does not converge (a surplus
// student shrinking to the zero row, a kink where J is not C^2), gradient descent continues to Newton's gradient
// tolerance, stopping at a kink, and that point is classified. A run is global when it ends at loss
// < spurious_loss at a minimum, a degenerate point or a kink (J >= 0; counted in global_kinks too when at a
// kink), spurious when it ends at a minimum (or degenerate point) with loss >= spurious_loss; runs ending at
// saddles, kinks above the threshold or nowhere (the step budget ran out, the polish failed) are counted apart.
// With escape_saddles, a run that lands on a saddle is pushed along the Hessian's most negative eigenvector
// (by escape_step |W*|_F) and descends again, at most max_escapes times.
//
// Families: the distinct end points up to the symmetries of J (a permutation of the students, and of the
// teacher rows with the coordinates), recognised by what those symmetries keep: the same kind, the same k1
// and the same loss within 1e-9 |W*|_F^2. (Not the spectrum: the points of one manifold of critical points,
// e.g. an over-parameterised minimum, share their loss but not their spectrum, and count as one family.)
// lambda_min of a family is its representative's (the first run that ended there).
//
// Randomness: run r starts from relumc::initial_weights (relumc/dynamics/dynamics.hpp), stream
// kInitStreamBase + r under `seed`: the layout of `relumc dynamics`. init Gaussian: i.i.d. N(0, 1/d) entries;
// init Xavier: i.i.d. U(-a, a), a = sqrt(6 / (d + K)) (Glorot and Bengio's uniform rule for a K x d layer: fan in
// d, fan out K; variance 2/(d + K), which is 1/d when K = d). Runs are independent and spread over threads; the
// result does not depend on the thread count.
//
// Resumable: with a CensusJournal (relumc/landscape/census_journal.hpp) the runs it holds are taken from it and
// every run finished now is appended to it; a run is a pure function of (spec, run index), so an interrupted and
// resumed census equals an uninterrupted one bit for bit (tested).
//
// Usage:
//   relumc::CensusSpec s;  s.k = s.K = 4;  s.runs = 100;
//   relumc::Census c = relumc::run_census(s);   // c.share_global, c.families, c.runs
#pragma once

#include "relumc/landscape/critical.hpp"
#include "relumc/landscape/mc_check.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

namespace relumc {

class CensusJournal;

enum class CensusInit { Gaussian, Xavier };
std::string_view to_string(CensusInit i);
// "gaussian" or "xavier"; InputError (field init) otherwise.
CensusInit parse_census_init(std::string_view text);

struct CensusSpec {
  int64_t k = 2;    // teacher rows
  int64_t K = 2;    // student rows
  int64_t d = 0;    // input dimension; 0: d = k
  int64_t runs = 100;
  uint64_t seed = 1;
  CensusInit init = CensusInit::Gaussian;
  double lr = 0.1;
  int64_t max_steps = 100000;     // gradient-descent budget per run (per descent, after an escape too)
  double switch_tol = 1e-6;       // Newton takes over at |grad J|_F <= switch_tol |W*|_F
  double spurious_loss = 1e-3;    // Safran and Shamir's threshold
  bool escape_saddles = false;
  int max_escapes = 5;
  double escape_step = 1e-2;
  CriticalOptions newton;
  int threads = 0;  // 0: all
  // Frontend hooks (may be null; the numbers never depend on them): `done` is advanced by one per finished run;
  // `stop` is checked between runs and between descent steps; once set, run_census throws Interrupted.
  std::atomic<uint64_t>* done = nullptr;
  const std::atomic<bool>* stop = nullptr;
  // Resumability (may be null): runs held by the journal are not run again; each run finished now is appended.
  CensusJournal* journal = nullptr;
  // At most this many runs are started by this call (0: no limit); when runs are left over, run_census throws
  // Interrupted after the started ones finished (and were journalled). A deterministic interruption, for tests.
  int64_t run_budget = 0;
};

// Throws InputError naming the field (teacher_rows = k, units = K, dim = d >= k, runs, lr, the tolerances,
// the Newton options).
void check_census_spec(const CensusSpec& s);

struct CensusRun {
  int64_t run = 0;
  PointKind kind = PointKind::NotCritical;
  int64_t k1 = 0;
  double loss = 0, lambda_min = 0, gradient_norm = 0;
  int64_t index = 0, nullity = 0;
  int64_t steps = 0;             // gradient-descent steps, all descents together
  int newton_iterations = 0;
  int escapes = 0;
  // Wall time of this run's gradient descent and of its Newton polish + classification (timing only: not part of
  // the numbers, not journalled).
  double descent_seconds = 0, newton_seconds = 0;
  bool global = false, spurious = false;
  int64_t family = -1;           // index into Census::families (-1: not critical)
  std::vector<double> student;   // K x d, where the run ended
  std::vector<double> eigenvalues;
};

struct CensusFamily {
  PointKind kind = PointKind::Minimum;
  int64_t k1 = 0, runs = 0, index = 0, nullity = 0;
  double loss = 0, lambda_min = 0;
  int64_t first_run = 0;  // a representative
};

struct Census {
  CensusSpec spec;
  std::vector<CensusRun> runs;
  std::vector<CensusFamily> families;  // by ascending loss
  // A partition of the runs: global + spurious + saddles + kinks + not_critical = runs. kinks: runs at a kink
  // with loss >= spurious_loss; global_kinks: the global runs that ended at a kink (a surplus student at zero).
  int64_t global = 0, spurious = 0, saddles = 0, kinks = 0, not_critical = 0, global_kinks = 0;
  double share_global = 0, share_spurious = 0;
  std::array<double, 2> global_ci{}, spurious_ci{};  // 95% Wilson
  double seconds = 0;
  int threads = 1;
  // Summed over the runs run now (not those taken from a journal): where the time goes.
  double descent_seconds = 0, newton_seconds = 0;
};

// Throws Interrupted when s.stop is set or s.run_budget leaves runs undone (nothing partial is returned; with a
// journal, every run that finished is in it).
Census run_census(const CensusSpec& s);

// Sets r.global and r.spurious from r.kind and r.loss (the rule above).
void classify_run(CensusRun& r, double spurious_loss);

// The start of run r (K x d) under s.init: what run_census descends from.
std::vector<double> census_start(const CensusSpec& s, int64_t run);

// The Monte Carlo check (relumc/landscape/mc_check.hpp) of every family's representative (its first run's end
// point): the gradient statistically zero, the loss, the off-diagonal Hessian blocks and, at a saddle, the
// negative curvature. The level is split over the families (Bonferroni): each family is checked at
// o.alpha / families, so a census of correct points fails with probability at most o.alpha.
std::vector<McCheck> check_families(const Census& c, const McCheckOptions& o);

}  // namespace relumc
