// SPDX-License-Identifier: MIT
// Weights files for the landscape commands, through the dynamics reader.
#include "relumc/landscape/weights.hpp"

#include "relumc/core/errors.hpp"
#include "relumc/dynamics/dynamics.hpp"
#include "relumc/dynamics/weights.hpp"
#include "relumc/math/closed_forms.hpp"

#include <fmt/format.h>

namespace relumc {

LandscapeWeights load_landscape_weights(const std::string& path) {
  const DynamicsWeights dw = load_dynamics_weights(path);
  LandscapeWeights w;
  w.student = dw.student;
  w.K = dw.K;
  w.d = dw.d;
  if (dw.teacher.empty()) {
    if (w.K > w.d)
      throw InputError(fmt::format("weights file '{}' has no \"teacher\", and the default (identity rows, K* = K = {}) "
                                   "needs d >= K, but d = {}",
                                   path, w.K, w.d));
    w.teacher = orthonormal_teacher(w.K, w.d);
    w.Kstar = w.K;
  } else {
    w.teacher = dw.teacher;
    w.Kstar = dw.Kstar;
  }
  if (w.K * w.d > kMaxLandscapeParameters)
    throw InputError(fmt::format("weights file '{}': K d = {} x {} = {} parameters, more than the {} a landscape "
                                 "Hessian may have",
                                 path, w.K, w.d, w.K * w.d, kMaxLandscapeParameters));
  auto check_rows = [&](const std::vector<double>& m, int64_t rows, const char* what, bool zero_ok) {
    for (int64_t r = 0; r < rows; ++r) {
      const double n = norm_without_overflow(m.data() + r * w.d, w.d);
      if (n == 0 && zero_ok) continue;
      if (n == 0) throw InputError(fmt::format("weights file '{}': {} row {} is the zero vector", path, what, r));
      if (!(n >= kMinRowNorm && n <= kMaxRowNorm))
        throw InputError(fmt::format("weights file '{}': {} row {} has norm {:g}, outside [{:g}, {:g}]", path, what, r, n,
                                     kMinRowNorm, kMaxRowNorm));
    }
  };
  check_rows(w.student, w.K, "student", true);
  check_rows(w.teacher, w.Kstar, "teacher", false);
  return w;
}

}  // namespace relumc
