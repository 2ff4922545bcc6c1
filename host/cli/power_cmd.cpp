// SPDX-License-Identifier: MIT
// relumc power: for each deliberately wrong closed form, the smallest N at which the engine rejects it.
#include "host/cli/common.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

namespace relumc::cli {
namespace {

struct PowerFlags {
  std::vector<std::string> quantities{"gating", "grad", "loss"};
  int64_t dim = 5;
  double angle = 1.2, norm = 1.0, ratio = 1.5, alpha = 0.01;
  std::string max_samples = "1e7";
  uint64_t seed = 1;
  int threads = 0;
};

void add_power_flags(CLI::App& cmd, PowerFlags& f) {
  cmd.add_option("--quantity,-q", f.quantities, "gating | grad | loss")->delimiter(',')->capture_default_str();
  cmd.add_option("--dim,-d", f.dim, "input dimension")->check(kDim)->capture_default_str();
  cmd.add_option("--angle", f.angle, "angle in radians (a generic one: some wrong formulas agree at pi/2)")->capture_default_str();
  cmd.add_option("--norm", f.norm, "|w|")->capture_default_str();
  cmd.add_option("--ratio", f.ratio, "|w*|/|w|")->capture_default_str();
  cmd.add_option("--max-samples", f.max_samples, "top of the ladder 1e3, 1e4, ...")->capture_default_str();
  cmd.add_option("--alpha", f.alpha, "level of each test")->capture_default_str();
  cmd.add_option("--seed", f.seed, "seed")->check(kSeed)->capture_default_str();
  cmd.add_option("--threads", f.threads, "CPU threads (0: all)")->check(kThreads)->capture_default_str();
}

// For each wrong formula: the smallest N (on a x10 ladder) at which the engine rejects it.
// Exit 0 when every wrong formula is rejected and the correct one is not, else 1.
int run_power(const PowerFlags& f) {
  check_alpha(f.alpha);
  const uint64_t max_n = parse_samples(f.max_samples);
  std::vector<uint64_t> ladder;
  for (uint64_t n = 1000; n <= max_n && n <= kMaxSamples / 10; n *= 10) ladder.push_back(n);
  if (ladder.empty()) throw InputError(fmt::format("--max-samples {} is below 1000", f.max_samples));
  GridSpec spec;
  spec.angles = {f.angle};
  spec.norms = {f.norm};
  spec.ratios = {f.ratio};
  spec.dims = {f.dim};
  spec.samples = {ladder.front()};
  spec.quantities.clear();
  for (const std::string& q : f.quantities)
    spec.quantities.push_back(parse_or_throw<Quantity>(q, "--quantity", parse_quantity, "gating, grad, loss"));
  const std::vector<Case> cases = build_grid(spec, f.seed);
  VerifyOptions opt;
  opt.seed = f.seed;
  opt.threads = f.threads;
  opt.alpha = f.alpha;
  bool ok = true;
  fmt::print("{:<7} {:<11} {}\n", "qty", "formula", "smallest N rejected at alpha");
  for (const Case& c : cases) {
    const std::vector<double> truth = closed_form(c);
    for (Formula wrong : {Formula::Tian, Formula::SinSign, Formula::ThetaSwap, Formula::LostHalf, Formula::NormSwap}) {
      const std::vector<double> cf = closed_form(c, wrong);
      double gap = 0, scale = 0;
      for (size_t a = 0; a < cf.size(); ++a) gap = std::max(gap, std::fabs(cf[a] - truth[a])), scale += truth[a] * truth[a];
      if (wrong != Formula::Tian && gap <= 1e-12 * std::sqrt(scale)) {
        fmt::print("{:<7} {:<11} n/a: equals the correct closed form at this case\n", to_string(c.quantity), to_string(wrong));
        continue;
      }
      const uint64_t n = samples_to_reject(c, wrong, opt, ladder);
      const bool right = wrong == Formula::Tian;
      ok = ok && (right ? n == 0 : n != 0);
      fmt::print("{:<7} {:<11} {}\n", to_string(c.quantity), to_string(wrong),
                 n ? fmt::format("{:.0e}{}", static_cast<double>(n), right ? "  (the correct formula: a false rejection)" : "")
                   : fmt::format("not rejected up to {:.0e}{}", static_cast<double>(ladder.back()),
                                 right ? " (correct formula)" : "  LOW POWER"));
    }
  }
  fmt::print("POWER: {}\n", ok ? "every wrong formula rejected, the correct one kept" : "FAIL");
  return ok ? kExitPass : kExitFail;
}

}  // namespace

Command add_power_command(CLI::App& app) {
  auto flags = std::make_shared<PowerFlags>();
  CLI::App* cmd = app.add_subcommand("power", "the N at which the engine rejects each deliberately wrong closed form");
  add_power_flags(*cmd, *flags);
  cmd->footer(examples({{"relumc power", "every wrong formula, for gating, grad and loss"},
                        {"relumc power -q grad -d 20 --max-samples 1e8", "one quantity, a longer ladder"}}));
  return {cmd, [flags] { return run_power(*flags); }};
}

}  // namespace relumc::cli
