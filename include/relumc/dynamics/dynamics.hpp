// SPDX-License-Identifier: MIT
// Gradient descent on the student W (K x d) against a teacher W* (K* x d), many runs at once.
//
// Two gradients (docs/mathematics.md):
//   population (batch = 0): the closed form E grad_j of relumc/math/closed_forms.hpp (population_gradient),
//     with the closed-form loss population_loss; no randomness after the initialisation.
//   sampled (batch = B >= 1): the mean of B per-sample gradients grad_j l(x) = x 1(w_j.x > 0) r(x),
//     r(x) = g(x; W) - g(x; W*), with x drawn by the sample contract (relumc/math/sample_contract.hpp; `contract`
//     v1: double normals, v2: v2's float normals widened exactly to double; the rest in double either way) and
//     the per-sample coefficient from relumc/math/detail/lane_math-inl.hpp (Residual, GradientCoefficient),
//     the very code the Monte Carlo engine uses.
//
// Randomness layout (every run is reproducible bit for bit from (seed, run index)):
//   sampled gradient of run r at step t:  stream r, sample indices t*B .. t*B + B-1 (in that order)
//   initialisation of run r (always v1):  stream kInitStreamBase + r, sample index j for row j's
//                                         normal vector; Philox block (kInitStreamBase + r, K + j, 0)
//                                         word 0 for the radius of row j (ball); uniform: entry c of
//                                         row j from Philox block (kInitStreamBase + r, 2K + j, c / 4),
//                                         word c % 4 (exact uniform in (0, 1) from 32 bits)
// Runs are independent: OpenMP spreads them over threads, each run is one sequential loop in a fixed
// order, so results are bit-identical whatever the thread count (tested).
//
// Usage:
//   relumc::DynamicsSpec s;
//   s.d = 10; s.K = s.Kstar = 2; s.teacher = relumc::orthonormal_teacher(2, 10);
//   s.init.kind = relumc::InitKind::Gaussian; s.init.std = 0.3; s.runs = 1000; s.steps = 2000;
//   s.record_steps = {0, 100, 2000};
//   std::vector<relumc::RunResult> runs = relumc::run_dynamics(s);   // runs[r].outcome, .records, ...
#pragma once

#include "relumc/core/case.hpp"
#include "relumc/math/closed_forms.hpp"
#include "relumc/math/sample_contract.hpp"

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace relumc {

// Initialisation streams sit in the upper half, apart from the sampled-gradient streams (run index).
inline constexpr uint32_t kInitStreamBase = kGeometryStreamBase;

enum class InitKind { Gaussian, Ball, Weights, Symmetric, Uniform };
enum class Outcome { Recovered, Stalled, Diverged, NotConverged };

std::string_view to_string(InitKind k);
std::string_view to_string(Outcome o);

struct InitSpec {
  InitKind kind = InitKind::Gaussian;
  double std = 0.1;             // Gaussian: i.i.d. entries N(0, std^2)
  double radius = 0.1;          // Ball: each row uniform in the ball {|w| <= radius} of R^d (around 0)
  double half_width = 0.1;      // Uniform: i.i.d. entries U(-half_width, half_width) (Xavier / Glorot uniform:
                                // half_width = sqrt(6 / (fan_in + fan_out)))
  std::vector<double> weights;  // Weights: K x d, the same start for every run
  // Symmetric (K = K*, orthonormal teacher): w_j = x w*_j + y sum_{j' != j} w*_j' + delta u_j, with u_j
  // a uniformly random unit vector of R^d (per run and row; delta = 0 gives exact symmetry when x = y).
  double x = 0.5, y = 0.5, delta = 0;
};

struct DynamicsSpec {
  int64_t d = 1, K = 1, Kstar = 1;
  std::vector<double> teacher;  // K* x d, row-major, nonzero rows
  InitSpec init;
  double lr = 0.1;
  int64_t steps = 1000;               // step budget
  int64_t batch = 0;                  // 0: population gradient; B >= 1: B fresh samples per step (SGD)
  bool compare_population = false;    // batch > 0: also run population GD from the same start, in lockstep
  std::vector<int64_t> record_steps;  // steps in [0, steps] to record (step 0 = the start); the endpoint
                                      // is always reported, recorded or not
  int64_t runs = 1;
  uint64_t seed = 1;
  // Endpoint classification, relative to the teacher scale s = |W*|_F (see classify_endpoint).
  double recover_tol = 1e-4;
  double stall_tol = 1e-6;
  double diverge_norm = 1e6;
  double stop_tol = 1e-13;  // a population run stops once |grad|_F <= stop_tol * s (a fixed point)
  bool stop_when_recovered = false;  // stop at steps_to_recover (experiments that only need the outcome)
  // The population gradient's closed form: a deliberately wrong one lets tests see the classifier say no.
  Formula formula = Formula::Tian;
  // The sample contract of the sampled gradients (the starts are drawn under v1 whatever it is, so v1 and v2
  // runs start from the same weights).
  Contract contract = Contract::V1;
  int threads = 0;  // 0: all
  // A stop request (may be null): checked before every step; once set, run_dynamics stops every run and throws
  // Interrupted (nothing partial is returned). Frontends set it on Ctrl-C.
  const std::atomic<bool>* stop = nullptr;
};

// One recorded step. dist[j] = |w_j - w*_pi(j)| for the best matching pi (NaN: row j unmatched, K > K*).
struct Snapshot {
  int64_t step = 0;
  double loss = 0;       // closed-form population loss
  double grad_norm = 0;  // |E grad|_F (NaN when a row is zero: the gradient is undefined there)
  std::vector<double> dist;                                  // K
  std::vector<double> Q, M;                                  // W W^T (K x K), W W*^T (K x K*)
  double gap = std::numeric_limits<double>::quiet_NaN();     // |W_sgd - W_pop|_F (compare_population)
};

struct Endpoint {
  Outcome outcome = Outcome::NotConverged;
  double loss = 0, grad_norm = 0, max_dist = 0;  // max_dist: max_j dist[j] over matched rows
  std::vector<int64_t> perm;                     // the best matching
  std::string note;                              // why, in words
};

struct RunResult {
  int64_t run = 0;
  std::vector<double> start, final_weights;  // K x d
  std::vector<Snapshot> records;
  Endpoint end;
  int64_t steps_run = 0;           // < steps when a population run reached a fixed point or diverged
  int64_t steps_to_recover = -1;   // first step with every row within recover_tol * s of a distinct teacher row
  double max_gap = std::numeric_limits<double>::quiet_NaN();  // over all steps (compare_population)
  double final_gap = std::numeric_limits<double>::quiet_NaN();
};

// Throws InputError naming the bad value (sizes, NaN/inf, zero rows, lr <= 0, symmetric init on a
// non-orthonormal teacher, ...).
void validate(const DynamicsSpec& s);

// The steps 0, every, 2 every, ... and `steps` itself (the endpoint): what --record-every records.
// InputError (field record_steps) when the schedule alone could not fit in memory.
std::vector<int64_t> record_schedule(int64_t steps, int64_t every);

// The range of row norms (teacher rows, an initial student) that validate accepts: the loss has degree 2,
// so beyond it its terms overflow or underflow.
inline constexpr double kMinRowNorm = 1e-100, kMaxRowNorm = 1e100;

// Rows e_0 .. e_{K*-1} of R^d times scale (needs d >= K*). Gaussian inputs are rotation invariant, so
// any orthonormal teacher behaves the same.
std::vector<double> orthonormal_teacher(int64_t Kstar, int64_t d, double scale = 1.0);

// The start of run `run` (K x d), following the layout above.
std::vector<double> initial_weights(const DynamicsSpec& s, int64_t run);

// Mean of the B per-sample gradients of samples first .. first+B-1 of `stream` (K x d into out), x drawn
// under `contract`.
void sampled_gradient(const double* W, int64_t K, const double* Wstar, int64_t Kstar, int64_t d, uint64_t seed,
                      uint32_t stream, uint64_t first, int64_t B, double* out, Contract contract = Contract::V1);

// The endpoint's class, in this order: diverged (non-finite, or |W|_F > diverge_norm * s); recovered
// (K = K*: every matched |w_j - w*_pi(j)| <= recover_tol * s; K != K*: loss <= (recover_tol * s)^2,
// the teacher function recovered); stalled (a zero row, or |E grad|_F <= stall_tol * s: a critical
// point that is not the teacher); otherwise not converged within the budget.
Endpoint classify_endpoint(const DynamicsSpec& s, const std::vector<double>& W);

// Loss, gradient norm, best-matching distances and overlaps of W.
Snapshot snapshot(const DynamicsSpec& s, const std::vector<double>& W, int64_t step);

// All runs. progress (may be null) is advanced by one per step of each run. Throws Interrupted when s.stop is set.
std::vector<RunResult> run_dynamics(const DynamicsSpec& s, std::atomic<uint64_t>* progress = nullptr);

}  // namespace relumc
