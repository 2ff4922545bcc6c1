// SPDX-License-Identifier: MIT
// placeholder compiled until the experiment lands
#include "host/dynamics/experiments.hpp"
namespace relumc {
bool experiment_batch_gap(const ExperimentOptions&) { return false; }
}
