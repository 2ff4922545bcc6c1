// SPDX-License-Identifier: MIT
#include "relumc/dynamics/experiments.hpp"

#include "relumc/core/case.hpp"
#include "relumc/io/results.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace relumc {

bool run_experiment(const std::string& name, const ExperimentOptions& o) {
  if (o.runs < 0) throw InputError("runs", fmt::format("{} must be >= 1", o.runs));
  bool (*fn)(const ExperimentOptions&) = nullptr;
  if (name == "one-relu-radius") fn = experiment_one_relu_radius;
  else if (name == "symmetry-breaking") fn = experiment_symmetry_breaking;
  else if (name == "batch-gap") fn = experiment_batch_gap;
  else
    throw InputError("experiment", fmt::format("'{}' is not one of: one-relu-radius, symmetry-breaking, batch-gap", name));
  ensure_writable_dir(o.out);
  return fn(o);
}

void experiment_log(const ExperimentOptions& o, const std::string& line) {
  if (!o.quiet) std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace relumc
