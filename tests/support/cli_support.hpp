// SPDX-License-Identifier: MIT
// Running the built `relumc` binary from tests: fork/exec with stdout and stderr captured, a deadline,
// and small file helpers. Shared by the end-to-end tests (test_cli, test_resume).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace relumc::testing {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int kPass = 0, kFail = 1, kUsage = 2;
constexpr int kTimeoutSeconds = 60;

struct RunResult {
  int status = -1;  // exit status; 128 + signal when killed by a signal
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Starts relumc with `args` in the background; stdout and stderr go to logdir/stdout.log, stderr.log.
inline pid_t spawn_cli(const std::vector<std::string>& args, const fs::path& logdir) {
  const fs::path out_log = logdir / "stdout.log", err_log = logdir / "stderr.log";
  std::vector<std::string> argv_s{RELUMC_CLI_PATH};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork failed: " << std::strerror(errno);
    return pid;
  }
  if (pid == 0) {
    const int o = open(out_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) _exit(126);
    dup2(o, STDOUT_FILENO);
    dup2(e, STDERR_FILENO);
    close(o);
    close(e);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Waits for a spawned relumc (killing it past the deadline) and reads back its output.
inline RunResult wait_cli(pid_t pid, const fs::path& logdir, int timeout_seconds = kTimeoutSeconds) {
  RunResult res;
  if (pid < 0) return res;
  int wstatus = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  for (;;) {
    const pid_t r = waitpid(pid, &wstatus, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &wstatus, 0);
      ADD_FAILURE() << "relumc ran past " << timeout_seconds << " s and was killed";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFEXITED(wstatus)) res.status = WEXITSTATUS(wstatus);
  else if (WIFSIGNALED(wstatus)) res.status = 128 + WTERMSIG(wstatus);
  const fs::path out_log = logdir / "stdout.log", err_log = logdir / "stderr.log";
  res.out = slurp(out_log);
  res.err = slurp(err_log);
  fs::remove(out_log);
  fs::remove(err_log);
  return res;
}

// Runs relumc with `args` to the end; stdout and stderr are captured through files in `logdir`.
inline RunResult run_cli(const std::vector<std::string>& args, const fs::path& logdir) {
  return wait_cli(spawn_cli(args, logdir), logdir);
}

inline std::string describe(const std::vector<std::string>& args, const RunResult& r) {
  std::string cmd = "relumc";
  for (const std::string& a : args) cmd += " '" + a + "'";
  return cmd + "\n  exit status: " + std::to_string(r.status) + "\n  stdout: " + r.out + "\n  stderr: " + r.err;
}

// Every file below dir (recursively), as paths relative to dir.
inline std::set<std::string> files_under(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec))
    if (!it->is_directory()) out.insert(fs::relative(it->path(), dir).string());
  return out;
}

// Every number in the document is finite (nlohmann cannot even parse NaN, but a writer could emit one).
inline void expect_all_finite(const json& j, const std::string& where) {
  if (j.is_number()) {
    EXPECT_TRUE(std::isfinite(j.get<double>())) << where;
  } else if (j.is_array()) {
    for (size_t k = 0; k < j.size(); ++k) expect_all_finite(j[k], where + "[" + std::to_string(k) + "]");
  } else if (j.is_object()) {
    for (const auto& [key, v] : j.items()) expect_all_finite(v, where + "." + key);
  }
}

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) out.push_back(cur), cur.clear();
    else cur += c;
  }
  out.push_back(cur);
  return out;
}

inline std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out = split(s, '\n');
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

// A test that runs relumc in its own temporary directory root_ (/tmp/relumc-test-XXXXXX), removed
// afterwards, with write permission given back wherever a test took it away.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/relumc-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr) << std::strerror(errno);
    root_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root_, ec); it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_directory()) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(root_, ec);
  }
  fs::path root_;
};

}  // namespace relumc::testing
