// SPDX-License-Identifier: MIT
// Power analysis: for deliberately wrong closed forms, the smallest N on a ladder at which the engine
// rejects them, and that the correct one is kept.
#pragma once

#include "relumc/backend/estimate.hpp"
#include "relumc/run/verify.hpp"

#include <cstdint>
#include <vector>

namespace relumc {

// Power: the smallest N on the ladder at which the case, compared with formula `wrong`, is rejected at
// level alpha (0 when none is). Each rung uses fresh samples (stream = the rung's index).
uint64_t samples_to_reject(Case c, Formula wrong, const VerifyOptions& opt, const std::vector<uint64_t>& ladder);

// One case of the power grid (angle, norm, ratio, dimension) per quantity, on the ladder 1e3, 1e4, ...,
// max_samples.
struct PowerSpec {
  std::vector<Quantity> quantities{Quantity::Gating, Quantity::Grad, Quantity::Loss};
  int64_t dim = 5;
  double angle = 1.2;  // a generic angle: some wrong formulas agree with the right one at pi/2
  double norm = 1.0, ratio = 1.5;
  double alpha = 0.01;              // level of each test
  uint64_t max_samples = 10000000;  // top of the ladder
  uint64_t seed = 1;
  int threads = 0;
  Backend backend = Backend::Cpu;  // resolved
  Test test = Test::Sidak;           // the per-case test (verdict.hpp)
  Contract contract = Contract::V1;  // the sample contract; v2 draws and computes in float (default_precision)
};

struct PowerRow {
  Quantity quantity = Quantity::Grad;
  Formula formula = Formula::Tian;  // Tian: the correct formula, which should never be rejected
  bool applicable = true;           // false: this wrong formula equals the correct one at this case
  uint64_t rejected_at = 0;         // the smallest N on the ladder that rejects it; 0: none does
};

struct PowerReport {
  std::vector<uint64_t> ladder;
  std::vector<PowerRow> rows;  // per quantity: tian, then each wrong formula
  bool passed = true;          // every applicable wrong formula rejected, the correct one never
};

// For each quantity, the correct formula and each deliberately wrong one (sin-sign, theta-swap,
// lost-half, norm-swap) against fresh samples on the ladder. InputError naming the field on bad values
// (max_samples below 1000, alpha outside (0, 1), a bad grid).
PowerReport power_analysis(const PowerSpec& spec);

}  // namespace relumc
