// SPDX-License-Identifier: MIT
// The shipped dynamics experiments (`relumc dynamics --experiment NAME`), each reproducing a result of
// the paper (docs/mathematics.md, "Dynamics"), writing CSV + JSON into the output directory for
// host/plots/plot_dynamics.py to draw:
//   one-relu-radius    one ReLU, ball initialisation around 0: share of runs reaching w* against the
//                      radius eps sqrt(2 pi/(d+1)) |w*| and d, beside the bound (1 - eps)/2; check:
//                      every run that starts inside |w - w*| < |w*| recovers w* (Tian's theorem)
//   symmetry-breaking  K ReLUs, orthonormal teacher: endpoints from exact symmetry x = y, share and speed
//                      of recovery against the perturbation delta and K, the (x, y) field for K = 2;
//                      check: no exactly symmetric run is classified as recovered
//   batch-gap          |W_sgd - W_pop| against the batch size B; check: fitted slope -1/2 within 5 se
// Each returns whether its check holds (the CLI exits 0 or 1); progress lines go to stderr.
//
// Usage:
//   relumc::ExperimentOptions o; o.out = "out/radius";
//   bool ok = relumc::run_experiment("one-relu-radius", o);
#pragma once

#include "relumc/math/contract.hpp"

#include <cstdint>
#include <string>

namespace relumc {

struct ExperimentOptions {
  std::string out = "dynamics-out";
  uint64_t seed = 1;
  int threads = 0;    // 0: all
  int64_t runs = 0;   // runs per configuration; 0: the experiment's default
  bool quiet = false;
  Contract contract = Contract::V1;  // the sample contract of sampled gradients (batch-gap)
};

// Throws InputError for an unknown name.
bool run_experiment(const std::string& name, const ExperimentOptions& o);

bool experiment_one_relu_radius(const ExperimentOptions& o);
bool experiment_symmetry_breaking(const ExperimentOptions& o);
bool experiment_batch_gap(const ExperimentOptions& o);

// A progress line on stderr unless o.quiet.
void experiment_log(const ExperimentOptions& o, const std::string& line);

}  // namespace relumc
