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

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
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

// A bound as a person reads it: 2^24, 2^64-1, 1e12; small numbers plainly.
inline std::string bound_text(long double v) {
  for (int k = 16; k <= 64; ++k) {
    const long double p = std::ldexp(1.0L, k);
    if (v == p) return fmt::format("2^{}", k);
    if (v == p - 1) return fmt::format("2^{}-1", k);
  }
  long double p = 1e5L;
  for (int k = 6; k <= 18; ++k)
    if (v == (p *= 10)) return fmt::format("1e{}", k);
  return fmt::format("{:.0Lf}", v);
}

// Integer flags are checked on their text, so "-1" never wraps into a huge seed and an overflowing
// value is named as the user typed it.
inline CLI::Validator integer_in(long double lo, long double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789-") != std::string::npos ||
            text.find('-', 1) != std::string::npos)
          return fmt::format("'{}' is not an integer", text);
        const long double v = std::strtold(text.c_str(), nullptr);
        if (v < lo || v > hi) return fmt::format("{} is outside [{}, {}]", text, bound_text(lo), bound_text(hi));
        return std::string();
      },
      fmt::format("INT in [{}, {}]", bound_text(lo), bound_text(hi)));
}

inline const CLI::Validator kSeed = integer_in(0, 18446744073709551615.0L);
inline const CLI::Validator kDim = integer_in(1, 1 << 24);
inline const CLI::Validator kUnits = integer_in(1, 4096);
inline const CLI::Validator kThreads = integer_in(0, 4096);
// A number flag's text must be a finite number as written: "1e400" is named as typed, not as "inf".
inline const CLI::Validator kFinite = CLI::Validator(
    [](std::string& text) {
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(text.c_str(), &end);
      if (end == text.c_str() || *end != '\0') return fmt::format("'{}' is not a number", text);
      if (!std::isfinite(v) || errno == ERANGE)
        return fmt::format("{} is not a finite number in double's range (about 1e-308 to 1e308)", text);
      return std::string();
    },
    "NUMBER");
// A file or directory flag given an empty text names nothing: refused rather than read as "not given".
inline const CLI::Validator kPath = CLI::Validator(
    [](std::string& text) { return text.empty() ? std::string("an empty path names no file") : std::string(); }, "PATH");

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

// Only verify splits its work across MPI ranks; the other subcommands would run in full on every rank
// and every rank would write. Under mpirun with several ranks they are refused (on every rank, exit 2).
inline void require_one_process(const char* subcommand) {
  const Distribution& dist = Distribution::process();
  if (dist.size() > 1)
    throw InputError(fmt::format("relumc {} runs in one process, and this is {}: start it without mpirun (or with "
                                 "-np 1); only relumc verify splits its work across ranks",
                                 subcommand, dist.describe()));
}

// A named choice (quantity, precision, ...) parsed from its flag's text; InputError naming the field.
template <class T, class Parse>
T parse_or_throw(const std::string& text, const char* field, Parse parse, const char* allowed) {
  const auto v = parse(text);
  if (!v) throw InputError(field, fmt::format("'{}' is not one of: {}", text, allowed));
  return *v;
}

// Help lines fit this many columns (tests/cli/test_cli_usage.cpp holds every help text to it).
constexpr size_t kHelpWidth = 100;

// The footer of a subcommand's help: "Examples:" and one line per (command, comment), the comments
// aligned as shell comments, so a line can be pasted as it is.
inline std::string examples(std::initializer_list<std::pair<const char*, const char*>> lines) {
  size_t width = 0;
  for (const auto& [cmd, what] : lines) width = std::max(width, std::string_view(cmd).size());
  std::string out = "Examples:";
  for (const auto& [cmd, what] : lines) {
    std::string line = fmt::format("  {:<{}}  # {}", cmd, width, what);
    if (line.size() > kHelpWidth) line = fmt::format("  {}  # {}", cmd, what);  // too long to align
    out += "\n" + line;
  }
  return out;
}

// Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions counted once,
// each substring edited at most once): how many insertions, deletions, substitutions or swaps of two
// neighbours turn a into b. "verfy" -> "verify" is 1, "--sampels" -> "--samples" is 1.
inline size_t edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

// The candidates closest to word, at most 2 edits away and at most half its length (leading dashes
// not counted), so "-x" suggests nothing rather than every one-letter flag. Empty when none is close.
inline std::vector<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
  const size_t letters = word.size() - std::min(word.find_first_not_of('-'), word.size());
  size_t best = std::min<size_t>(2, letters / 2);
  std::vector<std::string> out;
  for (const std::string& c : candidates) {
    const size_t dist = edit_distance(word, c);
    if (dist == 0 || dist > best) continue;
    if (dist < best) best = dist, out.clear();
    out.push_back(c);
  }
  return out;
}

// "did you mean 'a'?" or "did you mean 'a' or 'b'?"; empty without suggestions.
inline std::string did_you_mean(const std::vector<std::string>& suggestions) {
  std::string out;
  for (size_t i = 0; i < suggestions.size(); ++i)
    out += (i == 0 ? "did you mean '" : i + 1 == suggestions.size() ? " or '" : ", '") + suggestions[i] + "'";
  return out.empty() ? out : out + "?";
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
Command add_landscape_command(CLI::App& app);

}  // namespace relumc::cli
