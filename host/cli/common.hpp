// SPDX-License-Identifier: MIT
// What every relumc subcommand shares: exit codes, checked integer flags, parsing of named values.
// Each subcommand lives in its own file (host/cli/<name>_cmd.cpp) and registers itself with
// add_<name>_command; main.cpp only dispatches.
#pragma once

#include "relumc/relumc.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <functional>
#include <string>

namespace relumc::cli {

// 0 every verdict passes, 1 some verdict fails, 2 bad input or usage (nothing written).
constexpr int kExitPass = 0, kExitFail = 1, kExitUsage = 2;

// A registered subcommand: its CLI11 node and what runs when it was parsed.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// Integer flags are checked on their text, so "-1" never wraps into a huge seed and an overflowing
// value is named as the user typed it.
inline CLI::Validator integer_in(long double lo, long double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789-") != std::string::npos ||
            text.find('-', 1) != std::string::npos)
          return fmt::format("'{}' is not an integer", text);
        const long double v = std::strtold(text.c_str(), nullptr);
        if (v < lo || v > hi) return fmt::format("{} is outside [{:.0Lf}, {:.0Lf}]", text, lo, hi);
        return std::string();
      },
      fmt::format("INT in [{:.0Lf}, {:.0Lf}]", lo, hi));
}

inline const CLI::Validator kSeed = integer_in(0, 18446744073709551615.0L);
inline const CLI::Validator kDim = integer_in(1, 1 << 24);
inline const CLI::Validator kUnits = integer_in(1, 4096);
inline const CLI::Validator kThreads = integer_in(0, 4096);

template <class T, class Parse>
T parse_or_throw(const std::string& text, const char* flag, Parse parse, const char* allowed) {
  const auto v = parse(text);
  if (!v) throw InputError(fmt::format("{} '{}' is not one of: {}", flag, text, allowed));
  return *v;
}

inline void check_alpha(double alpha) {
  if (!(alpha > 0 && alpha < 1)) throw InputError(fmt::format("--alpha {} is outside (0, 1)", alpha));
}

Command add_verify_command(CLI::App& app);
Command add_power_command(CLI::App& app);
Command add_regress_command(CLI::App& app);
Command add_dynamics_command(CLI::App& app);

}  // namespace relumc::cli
