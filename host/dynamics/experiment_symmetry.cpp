// SPDX-License-Identifier: MIT
// placeholder compiled until the experiment lands
#include "host/dynamics/experiments.hpp"
namespace relumc {
bool experiment_symmetry_breaking(const ExperimentOptions&) { return false; }
}
