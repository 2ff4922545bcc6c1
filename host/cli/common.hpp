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

// The flag a library field is set by: `lr` -> --lr, `pilot_samples` -> --pilot-samples, and the few whose
// flag has another name. The library never names a flag (include/relumc/core/errors.hpp).
inline std::string flag_for(std::string_view field) {
  static const std::pair<std::string_view, std::string_view> kRenamed[] = {
      {"cuda_devices", "--devices"}, {"quantities", "--quantity"}, {"init.std", "--init-std"},
      {"init.radius", "--init-radius"}, {"init.x", "--sym-x"}, {"init.y", "--sym-y"}, {"init.delta", "--delta"},
      {"record_steps", "--record"}, {"dir", "--out"}};
  for (const auto& [name, flag] : kRenamed)
    if (field == name) return std::string(flag);
  std::string flag = "--";
  for (char c : field) flag += (c == '_' || c == '.') ? '-' : c;
  return flag;
}

// A library message with every `field` shown as its flag.
inline std::string render_flags(std::string_view message) { return render_fields(message, flag_for); }

// A named choice (quantity, precision, ...) parsed from its flag's text; InputError naming the field.
template <class T, class Parse>
T parse_or_throw(const std::string& text, const char* field, Parse parse, const char* allowed) {
  const auto v = parse(text);
  if (!v) throw InputError(field, fmt::format("'{}' is not one of: {}", text, allowed));
  return *v;
}

Command add_verify_command(CLI::App& app);
Command add_power_command(CLI::App& app);
Command add_regress_command(CLI::App& app);
Command add_dynamics_command(CLI::App& app);

}  // namespace relumc::cli
