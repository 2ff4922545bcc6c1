// SPDX-License-Identifier: MIT
// Weights file of `relumc dynamics --init weights`: {"student": [[...], ...], "teacher": [[...], ...]},
// rows are units; "teacher" is optional (default: the orthonormal teacher). The same format as the
// grad/loss weights files of `relumc verify`.
//
// Usage:
//   relumc::DynamicsWeights w = relumc::load_dynamics_weights("start.json");   // w.student, w.K, w.d
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace relumc {

struct DynamicsWeights {
  std::vector<double> student, teacher;  // row-major; teacher empty when the file has none
  int64_t K = 0, Kstar = 0, d = 0;
};

// Throws InputError naming the problem: unreadable file, bad JSON, unknown key, ragged rows, a
// non-number, student and teacher rows of different d.
DynamicsWeights load_dynamics_weights(const std::string& path);

}  // namespace relumc
