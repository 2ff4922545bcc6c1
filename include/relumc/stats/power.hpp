// SPDX-License-Identifier: MIT
// Power analysis: for deliberately wrong closed forms, the smallest N on a ladder at which the engine
// rejects them, and that the correct one is kept.
#pragma once

#include "relumc/run/verify.hpp"

#include <cstdint>
#include <vector>

namespace relumc {

// Power: the smallest N on the ladder at which the case, compared with formula `wrong`, is rejected at
// level alpha (0 when none is). Each rung uses fresh samples (stream = the rung's index).
uint64_t samples_to_reject(Case c, Formula wrong, const VerifyOptions& opt, const std::vector<uint64_t>& ladder);

}  // namespace relumc
