// SPDX-License-Identifier: MIT
// The weights file of `relumc landscape`: the format of `relumc verify` and `relumc dynamics`
// ({"student": [[...]], "teacher": [[...]]}, rows are units), read by the dynamics reader
// (relumc/dynamics/weights.hpp). Without "teacher" the teacher is the identity rows e_0 .. e_{K-1} (K* = K,
// needs d >= K). Unlike `verify`, a zero student row is accepted: it is a kink of J, which the landscape
// commands report rather than refuse.
//
// Usage:
//   relumc::LandscapeWeights w = relumc::load_landscape_weights("point.json");   // w.student, w.K, w.d
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace relumc {

struct LandscapeWeights {
  std::vector<double> student, teacher;  // row-major
  int64_t K = 0, Kstar = 0, d = 0;
};

// Throws InputError naming the file and the value: what load_dynamics_weights refuses, a teacher row
// that is zero, a row whose norm is outside [kMinRowNorm, kMaxRowNorm] (a zero student row excepted), and
// more than kMaxLandscapeParameters = K d numbers (the Hessian has (K d)^2 entries).
inline constexpr int64_t kMaxLandscapeParameters = 1024;  // a (K d)^2 Hessian: QL in seconds
LandscapeWeights load_landscape_weights(const std::string& path);

}  // namespace relumc
