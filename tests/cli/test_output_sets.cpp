// SPDX-License-Identifier: MIT
// A run's outputs are one set (relumc::write_files_atomically): when the disk fills while they are written,
// `regress` and `dynamics` leave the previous run's files exactly as they were (and no temporaries), never a
// mix of old and new files. The full disk is a file-size limit (RLIMIT_FSIZE, EFBIG) small enough that the
// first files of the set fit and a later one does not; no root or tmpfs needed.
#include "tests/support/cli_support.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include <map>
#include <string>
#include <vector>

namespace {

using namespace relumc::testing;

// Runs relumc in dir with files limited to `max_bytes` (writes past it fail with EFBIG, SIGXFSZ ignored).
RunResult run_with_file_limit(const std::vector<std::string>& args, const fs::path& dir, rlim_t max_bytes) {
  std::vector<std::string> argv_s{RELUMC_CLI_PATH};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const fs::path out_log = dir / "stdout.log", err_log = dir / "stderr.log";
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) _exit(126);
    dup2(o, STDOUT_FILENO);
    dup2(e, STDERR_FILENO);
    signal(SIGXFSZ, SIG_IGN);  // kept across exec: the write fails with EFBIG instead
    const struct rlimit lim {max_bytes, max_bytes};
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(125);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return wait_cli(pid, dir);
}

struct FileState {
  ino_t inode = 0;
  std::string content;
  bool operator==(const FileState& o) const { return inode == o.inode && content == o.content; }
};

// Every file under dir (but the logs) with its inode and content: a replaced file has a new inode.
std::map<std::string, FileState> state_of(const fs::path& dir) {
  std::map<std::string, FileState> out;
  for (const std::string& name : files_under(dir)) {
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0) continue;
    struct stat st {};
    stat((dir / name).c_str(), &st);
    out[name] = {st.st_ino, slurp(dir / name)};
  }
  return out;
}

class OutputSets : public TempDirTest {
 protected:
  // A first run writes the set; the second, with a file limit that the set's later files exceed, must fail
  // with exit 2 naming the file that could not be written, and leave everything as the first run left it.
  void expect_full_disk_keeps_the_previous_set(const std::vector<std::string>& first,
                                               const std::vector<std::string>& second, rlim_t limit,
                                               const std::string& failing) {
    const RunResult r0 = run_cli(first, root_);
    ASSERT_EQ(r0.status, kPass) << describe(first, r0);
    const std::map<std::string, FileState> before = state_of(root_);
    const RunResult r = run_with_file_limit(second, root_, limit);
    EXPECT_EQ(r.status, kUsage) << describe(second, r);
    EXPECT_NE(r.err.find(failing), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
    const std::map<std::string, FileState> after = state_of(root_);
    for (const auto& [name, s] : before) {
      ASSERT_TRUE(after.count(name)) << name << " was removed";
      EXPECT_TRUE(after.at(name) == s) << name << " was replaced by the failed run: a mix of two runs' outputs";
    }
    for (const auto& [name, s] : after)
      EXPECT_TRUE(before.count(name)) << name << " is new (a temporary left behind?)";
  }
};

TEST_F(OutputSets, RegressOnAFullDiskKeepsThePreviousOutputsAndBaseline) {
  write_text(root_ / "suite.json",
             R"({"suite": "tiny", "seed": 1, "alpha": 0.01, "backend": "cpu", "precision": "double", "threads": 1,
                 "groups": [{"name": "g", "quantities": ["gating"], "dims": [2], "angles": [1.0], "norms": [1],
                             "samples": [1000]}]})");
  const std::string suite = (root_ / "suite.json").string(), out = (root_ / "out").string(),
                    base = (root_ / "base.json").string();
  // results.csv and throughput.csv (a few hundred bytes) fit under 1000 bytes; results.json (kilobytes) does not.
  expect_full_disk_keeps_the_previous_set({"regress", suite, "--quiet", "-o", out, "--record", base},
                                          {"regress", suite, "--quiet", "-o", out, "--record", base}, 1000,
                                          "results.json");
}

TEST_F(OutputSets, DynamicsOnAFullDiskKeepsThePreviousOutputs) {
  const std::string out = (root_ / "out").string();
  // runs.csv fits under 1000 bytes; trajectories.csv does not.
  expect_full_disk_keeps_the_previous_set({"dynamics", "--steps", "20", "--runs", "2", "--quiet", "-o", out},
                                          {"dynamics", "--steps", "20", "--runs", "2", "--seed", "2", "--quiet", "-o", out},
                                          1000, "trajectories.csv");
}

}  // namespace
