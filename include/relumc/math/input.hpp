// SPDX-License-Identifier: MIT
// Input distributions of x (docs/mathematics.md, "Other input distributions"): which ones relumc draws, and how
// their closed forms relate to the Gaussian ones.
//
//   gaussian  N(0, I_d)                                   E|x|^2/d = 1        closed form: exact
//   sphere    uniform on the sphere of radius R            E|x|^2/d = R^2/d    exact: R^2/d x Gaussian
//   ball      uniform in the ball of radius R              E|x|^2/d = R^2/(d+2) exact: R^2/(d+2) x Gaussian
//   cube      uniform in [-1/2, 1/2]^d                     E|x|^2/d = 1/12     none: measured against 1/12 x Gaussian
//
// Every quantity relumc estimates is homogeneous of degree 2 in x, and for a spherically symmetric
// x = r u (u uniform on the unit sphere, independent of r) each expectation is (E r^2 / d) times the
// Gaussian one. The cube is not spherically symmetric: its cases are measurements of the deviation
// from the variance-scaled formula, never verdicts (host/stats/verdict.cpp). How x_i is drawn, to the bit,
// is the sample contract (relumc/math/sample_contract.hpp); R defaults to 1 (the unit sphere and ball), so
// the scale is not 1 and a missing scale factor is caught (R = sqrt(d) on the sphere gives exactly
// the Gaussian values).
//
// Usage:
//   relumc::Case c = ...;  c.input = relumc::InputKind::Ball;  c.radius = 2.0;
//   double s = relumc::input_second_moment(c.input, c.radius, c.d);   // 4 / (d + 2)
#pragma once

#include "relumc/core/config.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace relumc {

enum class InputKind : int { Gaussian = 0, Sphere, Ball, Cube };

inline constexpr InputKind kInputKinds[] = {InputKind::Gaussian, InputKind::Sphere, InputKind::Ball, InputKind::Cube};

// Radius limits of sphere and ball. In float the per-sample loss is of order (R |w|)^4 / 4: at R = 1e30
// it overflows and at R = 1e-30 the projections underflow (measured: verdicts fail there, pass at
// 1e-8 and 1e8); [1e-6, 1e6] leaves the weights room on both sides, in either precision.
inline constexpr double kMinRadius = 1e-6, kMaxRadius = 1e6;
inline constexpr double kDefaultRadius = 1.0;

inline constexpr std::string_view to_string(InputKind k) {
  switch (k) {
    case InputKind::Gaussian: return "gaussian";
    case InputKind::Sphere: return "sphere";
    case InputKind::Ball: return "ball";
    case InputKind::Cube: return "cube";
  }
  return "?";
}

inline std::optional<InputKind> parse_input(std::string_view s) {
  for (InputKind k : kInputKinds)
    if (s == to_string(k)) return k;
  return std::nullopt;
}

// Whether the input takes a radius (sphere and ball).
RELUMC_HD inline constexpr bool has_radius(InputKind k) { return k == InputKind::Sphere || k == InputKind::Ball; }

// Whether the scaled Gaussian closed form is exact for this input (spherically symmetric inputs).
RELUMC_HD inline constexpr bool has_exact_closed_form(InputKind k) { return k != InputKind::Cube; }

// E|x|^2 / d: the factor between this input's expectations and the Gaussian ones (exact for
// gaussian, sphere, ball; for the cube, the variance 1/12 that the measured formula is scaled by).
RELUMC_HD inline double input_second_moment(InputKind k, double radius, int64_t d) {
  switch (k) {
    case InputKind::Gaussian: return 1.0;
    case InputKind::Sphere: return radius * radius / static_cast<double>(d);
    case InputKind::Ball: return radius * radius / static_cast<double>(d + 2);
    case InputKind::Cube: return 1.0 / 12.0;
  }
  return 1.0;
}

// Coordinates the contract draws for one sample of dimension d: the ball draws d + 2 Gaussians.
RELUMC_HD inline constexpr int64_t drawn_coordinates(InputKind k, int64_t d) { return k == InputKind::Ball ? d + 2 : d; }

}  // namespace relumc
