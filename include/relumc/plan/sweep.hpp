// SPDX-License-Identifier: MIT
// The sweep planner: grids, random cases and weights files -> cases.
//
// Grid construction, for each (d, K, K*, |w|, |w*|/|w|, theta): K* teacher directions t_k are random
// unit vectors; student row j is |w| (cos(theta) t_{j mod K*} + sin(theta) r_j) with r_j a random unit
// vector orthogonal to t_{j mod K*}; teacher row k is ratio |w| t_k. For K = K* = 1 the student and
// teacher are at exactly the angle theta, in a random plane. Gating uses e = t_0 and w = student row 0.
// The random vectors come from the sample contract's geometry streams (seed, d, K, K*), so every case
// of one shape shares one frame, and no vector is axis-aligned. Random cases draw every row as an
// independent random direction, scaled to |w| (student) and ratio |w| (teacher).
#pragma once

#include "relumc/core/case.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relumc {

struct GridSpec {
  std::vector<Quantity> quantities{Quantity::Gating, Quantity::Grad, Quantity::Loss};
  std::vector<double> angles;   // radians, each in [0, pi]
  std::vector<double> norms{0.5, 1.0, 2.0};
  std::vector<double> ratios{1.5};
  std::vector<int64_t> dims{2, 10, 100};
  std::vector<int64_t> units{1};          // K
  std::vector<int64_t> teacher_units{1};  // K*
  int random_cases = 0;                   // extra random (W, W*) per (d, K, K*, norm, ratio), grad/loss
  std::vector<uint64_t> samples{100000};
  InputKind input = InputKind::Gaussian;  // distribution of x (relumc/math/input.hpp)
  std::optional<double> radius;           // sphere and ball: R (none: kDefaultRadius); refused for the others
};

// n equally spaced angles from 0 to pi inclusive.
std::vector<double> angle_steps(int n);

// All cases of the grid, validated, with stream = index, input and radius. Throws InputError naming the
// field on bad values.
std::vector<Case> build_grid(const GridSpec& spec, uint64_t seed);

// Parses a sample count: a positive integer, written plainly or in scientific notation ("1e9").
// The radius a case of this input gets: R for sphere and ball (none given: kDefaultRadius), checked to lie
// in [kMinRadius, kMaxRadius]; 0 for the inputs without one, which refuse a given radius (InputError).
double input_radius(InputKind input, std::optional<double> radius);

// Errors name `field` (the setting the text came from: samples, pilot_samples, max_samples, ...).
uint64_t parse_samples(const std::string& text, std::string_view field = "samples");

}  // namespace relumc
