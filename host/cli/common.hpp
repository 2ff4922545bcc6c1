// SPDX-License-Identifier: MIT
// What every relumc subcommand shares: exit codes, checked integer flags, parsing of named values,
// running a shipped plot script.
// Each subcommand lives in its own file (host/cli/<name>_cmd.cpp) and registers itself with
// add_<name>_command; main.cpp only dispatches.
#pragma once

#include "relumc/relumc.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

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

// Runs `/usr/bin/python3 SCRIPT dir`, SCRIPT being the shipped plot script `script` (a resource such as
// "plots/plot_dynamics.py", found beside the binary: relumc/io/resources.hpp), by posix_spawn: argv, no
// shell. With quiet, the script's stdout (the files it wrote) goes to /dev/null; its stderr stays.
// Returns false, with a warning on stderr saying why, when the script is missing or fails.
inline bool run_plot_script(std::string_view script, const std::string& dir, bool quiet) {
  std::string path;
  try {
    path = resource_path(script);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "relumc: warning: plotting failed: %s\n", e.what());
    return false;
  }
  std::vector<std::string> args{"/usr/bin/python3", path, dir};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  std::fflush(stdout);  // our own output first
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  std::string why;
  if (rc != 0) {
    why = std::string("cannot start it: ") + std::strerror(rc);
  } else {
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    if (r != pid) why = std::string("waitpid: ") + std::strerror(errno);
    else if (WIFSIGNALED(status)) why = fmt::format("killed by signal {}", WTERMSIG(status));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) why = fmt::format("exit status {}", WEXITSTATUS(status));
  }
  if (why.empty()) return true;
  std::fprintf(stderr, "relumc: warning: plotting failed (%s): %s %s %s (needs python3-matplotlib)\n", why.c_str(),
               args[0].c_str(), path.c_str(), dir.c_str());
  return false;
}

Command add_verify_command(CLI::App& app);
Command add_power_command(CLI::App& app);
Command add_regress_command(CLI::App& app);
Command add_dynamics_command(CLI::App& app);

}  // namespace relumc::cli
