// SPDX-License-Identifier: MIT
#include "relumc/stats/power.hpp"

namespace relumc {

uint64_t samples_to_reject(Case c, Formula wrong, const VerifyOptions& opt, const std::vector<uint64_t>& ladder) {
  for (size_t k = 0; k < ladder.size(); ++k) {
    c.samples = ladder[k];
    c.stream = static_cast<uint32_t>(k);
    const EstimateOptions eo = estimate_options(opt, nullptr);
    std::vector<CaseResult> one{test_case(c, closed_form(c, wrong), estimate(c, eo, opt.backend), opt.precision)};
    if (!apply_holm(one, opt.alpha)) return ladder[k];
  }
  return 0;
}

}  // namespace relumc
