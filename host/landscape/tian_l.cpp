// SPDX-License-Identifier: MIT
// Tian's L_jj' for two students in the teacher plane (include/relumc/landscape/tian_l.hpp).
#include "relumc/landscape/tian_l.hpp"

#include "relumc/core/errors.hpp"
#include "relumc/math/closed_forms.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace relumc {

namespace {


// L at theta in (0, pi], phi in [0, 2 pi], inputs already checked.
TianL compute(double theta, double phi) {
  TianL t;
  t.theta = theta;
  t.phi = phi;
  const double e[2][2] = {{1, 0}, {std::cos(theta), std::sin(theta)}};
  const double es[2] = {std::cos(phi), std::sin(phi)};
  for (int j = 0; j < 2; ++j) {
    for (int k = 0; k < 2; ++k) t.M_r[j][k] = tian_m(e[j], e[j], e[k]);
    t.M_star_r[j] = tian_m(e[j], e[j], es);
  }
  // split's order: the pair (1, 2), then (2, 1).
  for (int k = 0; k < 2; ++k) {
    t.M_off[0][k] = tian_m(e[0], e[1], e[k]);
    t.M_off[1][k] = tian_m(e[1], e[0], e[k]);
  }
  t.M_star_off[0] = tian_m(e[0], e[1], es);
  t.M_star_off[1] = tian_m(e[1], e[0], es);
  // norms = M_r^-1 M*_r by Cramer's rule (2 x 2; det = pi^2 - M_12(e_2)^2 > 0 for theta in (0, pi]).
  const double det = t.M_r[0][0] * t.M_r[1][1] - t.M_r[0][1] * t.M_r[1][0];
  t.norms[0] = (t.M_r[1][1] * t.M_star_r[0] - t.M_r[0][1] * t.M_star_r[1]) / det;
  t.norms[1] = (t.M_r[0][0] * t.M_star_r[1] - t.M_r[1][0] * t.M_star_r[0]) / det;
  for (int r = 0; r < 2; ++r) t.L[r] = t.M_star_off[r] - (t.M_off[r][0] * t.norms[0] + t.M_off[r][1] * t.norms[1]);
  return t;
}

void check_steps(int64_t n, const char* field) {
  if (n < 2 || n > 4001) throw InputError(field, fmt::format("{} must be an integer in [2, 4001]", n));
}

}  // namespace

double tian_m(const double* ej, const double* ejp, const double* u) {
  const double a = angle(ej, u, 2);
  return (kPi - a) * dot(u, ejp, 2) + std::sin(a) * dot(ej, ejp, 2);
}

TianL tian_l(double theta, double phi) {
  if (!std::isfinite(theta) || !(theta > 0 && theta <= kPi))
    throw InputError("theta", fmt::format("{} must be a number in (0, pi]: the angle between the two students", theta));
  if (!std::isfinite(phi) || !(phi >= 0 && phi <= 2 * kPi))
    throw InputError("phi", fmt::format("{} must be a number in [0, 2 pi]: the teacher's angle", phi));
  return compute(theta, phi);
}

TianLMap tian_l_map(int64_t phi_steps, int64_t theta_steps) {
  check_steps(phi_steps, "phi_steps");
  check_steps(theta_steps, "theta_steps");
  TianLMap m;
  m.phi_steps = phi_steps;
  m.theta_steps = theta_steps;
  for (int64_t i = 0; i < phi_steps; ++i)
    m.phi.push_back(i + 1 == phi_steps ? 2 * kPi : 2 * kPi * static_cast<double>(i) / static_cast<double>(phi_steps - 1));
  for (int64_t k = 0; k < theta_steps; ++k)
    m.theta.push_back(k + 1 == theta_steps ? kPi : kPi * static_cast<double>(k) / static_cast<double>(theta_steps - 1));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  m.L12.assign(static_cast<size_t>(phi_steps * theta_steps), nan);
  m.L21.assign(m.L12.size(), nan);
  for (int64_t k = 1; k < theta_steps; ++k)  // theta = 0: undefined
    for (int64_t i = 0; i < phi_steps; ++i) {
      const TianL t = compute(m.theta[static_cast<size_t>(k)], m.phi[static_cast<size_t>(i)]);
      m.L12[static_cast<size_t>(k * phi_steps + i)] = t.L[0];
      m.L21[static_cast<size_t>(k * phi_steps + i)] = t.L[1];
    }
  return m;
}

}  // namespace relumc
