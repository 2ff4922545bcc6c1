// SPDX-License-Identifier: MIT
// User weights instead of a grid (docs/cli.md "Weights file").
#pragma once

#include "relumc/core/case.hpp"

#include <optional>
#include <string>
#include <vector>

namespace relumc {

// Weights file (JSON): {"e": [...], "w": [...]} for gating; {"student": [[...]], "teacher": [[...]]}
// for grad and loss; both may be present. One case per requested quantity and N.
// Every case gets `input` and its radius (input_radius, relumc/plan/sweep.hpp).
std::vector<Case> cases_from_weights_file(const std::string& path, const std::vector<Quantity>& quantities,
                                          const std::vector<uint64_t>& samples,
                                          InputKind input = InputKind::Gaussian,
                                          std::optional<double> radius = std::nullopt);

}  // namespace relumc
