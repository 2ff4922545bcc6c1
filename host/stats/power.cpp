// SPDX-License-Identifier: MIT
#include "relumc/stats/power.hpp"

#include "relumc/plan/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace relumc {

uint64_t samples_to_reject(Case c, Formula wrong, const VerifyOptions& opt, const std::vector<uint64_t>& ladder) {
  for (size_t k = 0; k < ladder.size(); ++k) {
    c.samples = ladder[k];
    c.stream = static_cast<uint32_t>(k);
    const EstimateOptions eo = estimate_options(opt, nullptr);
    std::vector<CaseResult> one{test_case(c, closed_form(c, wrong), estimate(c, eo, opt.backend), opt.precision, opt.test)};
    if (!apply_holm(one, opt.alpha)) return ladder[k];
  }
  return 0;
}

PowerReport power_analysis(const PowerSpec& spec) {
  PowerReport rep;
  for (uint64_t n = 1000; n <= spec.max_samples && n <= kMaxSamples / 10; n *= 10) rep.ladder.push_back(n);
  if (rep.ladder.empty()) throw InputError("max_samples", fmt::format("{} is below 1000", spec.max_samples));
  GridSpec grid;
  grid.quantities = spec.quantities;
  grid.angles = {spec.angle};
  grid.norms = {spec.norm};
  grid.ratios = {spec.ratio};
  grid.dims = {spec.dim};
  grid.samples = {rep.ladder.front()};
  const std::vector<Case> cases = build_grid(grid, spec.seed);
  VerifyOptions opt;
  opt.seed = spec.seed;
  opt.threads = spec.threads;
  opt.alpha = spec.alpha;
  opt.backend = spec.backend;
  opt.contract = spec.contract;
  opt.test = spec.test;
  opt.precision = default_precision(spec.contract);
  check_verify_options(opt);
  check_contract(opt.contract, opt.precision, rep.ladder.back());  // the top of the ladder, before any work
  for (const Case& c : cases) {
    const std::vector<double> truth = closed_form(c);
    for (Formula f : {Formula::Tian, Formula::SinSign, Formula::ThetaSwap, Formula::LostHalf, Formula::NormSwap}) {
      PowerRow row;
      row.quantity = c.quantity;
      row.formula = f;
      const std::vector<double> cf = closed_form(c, f);
      double gap = 0, scale = 0;
      for (size_t a = 0; a < cf.size(); ++a) gap = std::max(gap, std::fabs(cf[a] - truth[a])), scale += truth[a] * truth[a];
      row.applicable = f == Formula::Tian || gap > 1e-12 * std::sqrt(scale);
      if (row.applicable) {
        row.rejected_at = samples_to_reject(c, f, opt, rep.ladder);
        rep.passed = rep.passed && (f == Formula::Tian ? row.rejected_at == 0 : row.rejected_at != 0);
      }
      rep.rows.push_back(row);
    }
  }
  return rep;
}

}  // namespace relumc
