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
  std::string contract = "v1", test = "sidak";
  uint64_t seed = 1;
  int threads = 0;
};

void add_power_flags(CLI::App& cmd, PowerFlags& f) {
  cmd.add_option("--quantity,-q", f.quantities, "gating | grad | loss")->delimiter(',')->capture_default_str();
  cmd.add_option("--dim,-d", f.dim, "input dimension")->check(kDim)->capture_default_str();
  cmd.add_option("--angle", f.angle, "angle in radians (a generic one: some wrong formulas agree at pi/2)")->check(kFinite)->capture_default_str();
  cmd.add_option("--norm", f.norm, "|w|")->check(kFinite)->capture_default_str();
  cmd.add_option("--ratio", f.ratio, "|w*|/|w|")->check(kFinite)->capture_default_str();
  cmd.add_option("--max-samples", f.max_samples, "top of the ladder 1e3, 1e4, ...")->capture_default_str();
  cmd.add_option("--alpha", f.alpha, "level of each test")->check(kFinite)->capture_default_str();
  cmd.add_option("--test", f.test, "per-case test: sidak (over the components) | span (Hotelling's T^2 in span(W, W*))")
      ->capture_default_str();
  cmd.add_option("--seed", f.seed, "seed")->check(kSeed)->capture_default_str();
  cmd.add_option("--contract", f.contract, "sample contract: v1 (the reference) | v2 (fast float normals)")
      ->capture_default_str();
  cmd.add_option("--threads", f.threads, "CPU threads (0: all)")->check(kThreads)->capture_default_str();
}

// Exit 0 when every wrong formula is rejected and the correct one is not, else 1.
int run_power(const PowerFlags& f) {
  require_one_process("power");
  PowerSpec spec;
  spec.quantities.clear();
  for (const std::string& q : f.quantities)
    spec.quantities.push_back(parse_or_throw<Quantity>(q, "quantity", parse_quantity, "gating, grad, loss"));
  spec.dim = f.dim;
  spec.angle = f.angle;
  spec.norm = f.norm;
  spec.ratio = f.ratio;
  spec.alpha = f.alpha;
  spec.test = parse_or_throw<Test>(f.test, "test", parse_test, "sidak, span");
  spec.max_samples = parse_samples(f.max_samples, "max_samples");
  spec.seed = f.seed;
  spec.threads = f.threads;
  spec.contract = parse_or_throw<Contract>(f.contract, "contract", parse_contract, "v1, v2");
  PowerReport rep;
  try {
    rep = power_analysis(spec);
  } catch (const InputError& e) {
    // The analysis builds a one-case grid: its fields are the grid's lists, which power's flags name singly.
    throw InputError(render_fields(e.what(), [](std::string_view f) {
      for (auto [grid, flag] : {std::pair{"angles", "angle"}, {"norms", "norm"}, {"ratios", "ratio"}, {"dims", "dim"}})
        if (f == grid) return "`" + std::string(flag) + "`";
      return "`" + std::string(f) + "`";
    }));
  }
  fmt::print("{:<7} {:<11} {}\n", "qty", "formula", "smallest N rejected at alpha");
  const double top = static_cast<double>(rep.ladder.back());
  for (const PowerRow& r : rep.rows) {
    const bool right = r.formula == Formula::Tian;
    const uint64_t n = r.rejected_at;
    fmt::print("{:<7} {:<11} {}\n", to_string(r.quantity), to_string(r.formula),
               !r.applicable ? std::string("n/a: equals the correct closed form at this case")
               : n ? fmt::format("{:.0e}{}", static_cast<double>(n), right ? "  (the correct formula: a false rejection)" : "")
                   : fmt::format("not rejected up to {:.0e}{}", top, right ? " (correct formula)" : "  LOW POWER"));
  }
  if (spec.contract != Contract::V1) fmt::print("contract: {}\n", to_string(spec.contract));
  fmt::print("POWER: {}\n", rep.passed ? "every wrong formula rejected, the correct one kept" : "FAIL");
  return rep.passed ? kExitPass : kExitFail;
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
