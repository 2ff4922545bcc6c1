// SPDX-License-Identifier: MIT
// Tian's L_jj' (ICML 2017, section on two ReLUs in the plane; the author's code yuandong-tian/ICML17_ReLU,
// utils.py construct_M / split and fig_L.py / fig_verify.py), docs/landscape.md "Tian's L".
//
// Two students in the teacher plane at unit directions e_1 = (1, 0), e_2 = (cos theta, sin theta), theta in
// (0, pi]; a teacher at unit direction e* = (cos phi, sin phi), phi in [0, 2 pi]. With
//   M_jj'(u) = (pi - angle(e_j, u)) <u, e_j'> + sin(angle(e_j, u)) <e_j, e_j'>
// (no 1/(2 pi): 2 pi times the projection on e_j' of the gradient term h(w_j, u) of a unit vector u), the
// projection of grad_j on e_j' is proportional to sum_m M_jj'(e*_m) |w*_m| - sum_k M_jj'(e_k) |w_k|. The
// diagonal equations (j = j') give the norms |w| = M_r^-1 M*_r |w*|; the off-diagonal ones then read
// L |w*| = 0 with L = M*_off - M_off M_r^-1 M*_r: rows (1, 2) and (2, 1) (split's order), one column per
// teacher. Each column depends on its teacher's direction only, so the column of a teacher at phi is
// (L_12(theta, phi), L_21(theta, phi)), the curves of fig_L.py. If a row of L has one strict sign over all
// teachers, no in-plane critical point has these student directions.
//
// M_r (M_r[j][k] = M_jj(e_k)) is symmetric, with det M_r -> 0 as theta -> 0 (the two students coincide):
// theta = 0 is refused (the author's code writes NaN there).
//
// Usage:
//   const relumc::TianL t = relumc::tian_l(3 * M_PI / 8, 1.0);   // t.L[0] = L_12, t.L[1] = L_21
//   const relumc::TianLMap m = relumc::tian_l_map(201, 101);    // over [0, 2 pi] x [0, pi]
#pragma once

#include <cstdint>
#include <vector>

namespace relumc {

// M_jj'(u) for the unit directions e_j, e_j' and u in the plane (2-vectors).
double tian_m(const double* ej, const double* ejp, const double* u);

struct TianL {
  double theta = 0, phi = 0;
  double M_r[2][2] = {};      // M_r[j][k] = M_jj(e_k): the students' diagonal equations
  double M_off[2][2] = {};    // M_off[r][k]: r = 0 the pair (1, 2), r = 1 the pair (2, 1); column the student k
  double M_star_r[2] = {};    // M_jj(e*)
  double M_star_off[2] = {};  // M_12(e*), M_21(e*)
  double norms[2] = {};       // M_r^-1 M*_r: the student norms per unit teacher norm (one teacher at phi)
  double L[2] = {};           // L_12, L_21
};

// Throws InputError naming "theta" (not finite or outside (0, pi]) or "phi" (not finite or outside [0, 2 pi]).
TianL tian_l(double theta, double phi);

// L over the grid phi_i = 2 pi i / (phi_steps - 1), theta_k = pi k / (theta_steps - 1) (linspace, both ends
// included, as fig_verify.py). Row-major [theta_k][phi_i]; at theta = 0 the value is NaN (undefined; null in
// the files). Throws InputError naming "phi_steps" / "theta_steps" outside [2, 4001].
struct TianLMap {
  int64_t phi_steps = 0, theta_steps = 0;
  std::vector<double> phi, theta;
  std::vector<double> L12, L21;  // theta_steps x phi_steps
};
TianLMap tian_l_map(int64_t phi_steps, int64_t theta_steps);

}  // namespace relumc
