// SPDX-License-Identifier: MIT
// `relumc dynamics` end to end: outputs and their schema, bit-identical files whatever the thread
// count, an experiment's exit status, and bad input (exit 2, the value named, nothing written).
// The fork/exec runner is tests/cli_support.hpp's.
#include "tests/support/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace relumc::testing;
using Result = RunResult;

class DynamicsCli : public TempDirTest {
 protected:

  Result run(const std::vector<std::string>& args) { return run_cli(args, root_); }

  void write(const std::string& name, const std::string& text) { std::ofstream(root_ / name) << text; }

  // Exit 2, "relumc: error:" naming `needle`, and no output directory created.
  void expect_rejected(std::vector<std::string> args, const std::string& needle) {
    const fs::path out = root_ / "out-bad";
    args.insert(args.begin(), "dynamics");
    args.insert(args.end(), {"-o", out.string(), "--quiet"});
    const Result r = run(args);
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    EXPECT_EQ(r.status, 2) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << cmd << "\nstderr: " << r.err;
    EXPECT_FALSE(fs::exists(out)) << cmd;
  }
};

}  // namespace

TEST_F(DynamicsCli, WritesRunsTrajectoriesAndSummary) {
  const fs::path out = root_ / "out";
  const Result r = run({"dynamics", "-K", "2", "-d", "3", "--steps", "60", "--runs", "5", "--batch", "4",
                        "--compare-population", "--record", "0,30,60", "-o", out.string(), "--quiet"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(j["runs"].size(), 5u);
  EXPECT_EQ(j["spec"]["K"], 2);
  EXPECT_EQ(j["spec"]["batch"], 4);
  EXPECT_EQ(j["spec"]["contract"], "v1");
  int64_t total = 0;
  for (const auto& [k, v] : j["outcomes"].items()) total += v.get<int64_t>();
  EXPECT_EQ(total, 5);
  for (const json& run : j["runs"]) {
    EXPECT_EQ(run["start"].size(), 2u);
    EXPECT_TRUE(run["final_gap"].is_number());  // compare_population: a real distance
  }
  const std::string traj = slurp(out / "trajectories.csv");
  EXPECT_EQ(std::count(traj.begin(), traj.end(), '\n'), 1 + 5 * 3);
  EXPECT_EQ(traj.find("nan"), std::string::npos);
  EXPECT_NE(traj.find("dist_1"), std::string::npos);
  EXPECT_NE(traj.find("M_1_1"), std::string::npos);
}

TEST_F(DynamicsCli, FilesAreBitIdenticalWhateverTheThreadCount) {
  std::vector<std::string> texts;
  for (const char* threads : {"1", "2", "3"}) {
    const fs::path out = root_ / (std::string("t") + threads);
    const Result r = run({"dynamics", "-K", "2", "-d", "4", "--steps", "40", "--runs", "7", "--batch", "3",
                          "--compare-population", "--init", "ball", "--init-radius", "0.5", "--threads", threads, "-o",
                          out.string(), "--quiet"});
    ASSERT_EQ(r.status, 0) << r.err;
    json j = json::parse(slurp(out / "summary.json"));
    j.erase("run");  // threads and seconds: the only part allowed to differ
    texts.push_back(slurp(out / "runs.csv") + slurp(out / "trajectories.csv") + j.dump());
  }
  EXPECT_EQ(texts[0], texts[1]);
  EXPECT_EQ(texts[0], texts[2]);
}

TEST_F(DynamicsCli, WeightsFileStartAndTeacher) {
  write("w.json", R"({"student": [[0.5, 0.2, 0.0]], "teacher": [[1.0, 0.0, 0.0]]})");
  const fs::path out = root_ / "out";
  const Result r = run({"dynamics", "--init", "weights", "--weights", (root_ / "w.json").string(), "--lr", "0.5",
                        "--steps", "400", "-o", out.string(), "--quiet"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(j["runs"][0]["outcome"], "recovered");  // inside Tian's region |w - w*| < |w*|
  EXPECT_EQ(j["spec"]["d"], 3);
}

TEST_F(DynamicsCli, OneReluRadiusExperimentPassesItsCheck) {
  const fs::path out = root_ / "exp";
  const Result r = run({"dynamics", "--experiment", "one-relu-radius", "--runs", "30", "-o", out.string(), "--quiet"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(slurp(out / "radius.json"));
  EXPECT_TRUE(j["passed"].get<bool>());
  EXPECT_EQ(j["rows"].size(), 27u);
  EXPECT_TRUE(fs::exists(out / "radius.csv"));
}

TEST_F(DynamicsCli, BadInputExitsTwoNamingTheValue) {
  write("zero.json", R"({"student": [[1, 0, 0], [0, 0, 0]]})");
  write("two.json", R"({"student": [[1, 0, 0], [0, 1, 0]]})");
  write("ragged.json", R"({"student": [[1, 0, 0], [0, 1]]})");
  write("teacher.json", R"({"student": [[1, 0, 0]], "teacher": [[1, 0]]})");
  const std::string zero = (root_ / "zero.json").string(), two = (root_ / "two.json").string();
  expect_rejected({"--lr", "0"}, "--lr 0");
  expect_rejected({"--lr", "-0.5"}, "--lr -0.5");
  expect_rejected({"--lr", "nan"}, "--lr: nan");
  expect_rejected({"--init-std", "nan"}, "--init-std: nan");
  expect_rejected({"--init", "ball", "--init-radius", "0"}, "--init-radius 0");
  expect_rejected({"--init", "weights", "--weights", zero}, "row 1 is zero");
  expect_rejected({"--init", "weights", "--weights", two, "-K", "3"}, "K = 2");
  expect_rejected({"--init", "weights", "--weights", two, "-d", "4"}, "d = 3");
  expect_rejected({"--init", "weights", "--weights", (root_ / "ragged.json").string()}, "ragged");
  expect_rejected({"--init", "weights", "--weights", (root_ / "teacher.json").string()}, "teacher rows have d = 2");
  expect_rejected({"--init", "weights", "--weights", (root_ / "missing.json").string()}, "cannot be read");
  expect_rejected({"--init", "symmetric", "-K", "2", "--teacher-units", "3", "-d", "3"}, "K = K*");
  expect_rejected({"--init", "symmetric", "--sym-x", "nan"}, "--sym-x: nan");
  expect_rejected({"--init", "symmetric", "--delta", "-1"}, "--delta -1");
  expect_rejected({"--init", "bogus"}, "bogus");
  expect_rejected({"--steps", "100", "--record", "5000"}, "record step 5000");
  expect_rejected({"--compare-population"}, "--compare-population");
  expect_rejected({"--teacher-norm", "0"}, "--teacher-norm 0");
  expect_rejected({"-K", "3", "-d", "2"}, "d >= K*");
  expect_rejected({"--experiment", "nope"}, "nope");
  expect_rejected({"--formula", "wrong"}, "wrong");
}
