// SPDX-License-Identifier: MIT
// The engine cannot be crashed or tricked by what it reads and writes: JSON inputs nested without end,
// with a key given twice, or that are not regular files; outputs that are devices, FIFOs or symlinks;
// temporary files a killed run left behind; a hand-edited journal. Each test fails without its fix.
#include "relumc/relumc.hpp"
#include "tests/support/cli_support.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <string>

namespace relumc {
namespace {

using testing::slurp;
using testing::TempDirTest;
using testing::write_text;
namespace fs = std::filesystem;

// The message of the InputError that f throws ("" and a failure when it throws none).
template <class F>
std::string refusal(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return "";
}

std::string nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(StrictJson, NestingIsBoundedAndNeverRecursedInto) {
  EXPECT_NO_THROW(detail::parse_json_strict(nested(detail::kMaxJsonDepth), "doc"));
  EXPECT_NE(refusal([] { detail::parse_json_strict(nested(detail::kMaxJsonDepth + 1), "doc"); }).find("nested deeper"),
            std::string::npos);
  // 70000 levels crashed the suite reader (a recursive dump of the value in the message): now refused.
  const std::string deep = nested(70000);
  EXPECT_NE(refusal([&] { parse_suite(deep, "deep.json"); }).find("deep.json is not valid JSON: nested deeper"),
            std::string::npos);
  // A value shown in a message is summarised when deep, never dumped recursively.
  const detail::json v = detail::json::parse(nested(20));
  EXPECT_NE(detail::show(v).find("nested more than 8 levels"), std::string::npos) << detail::show(v);
}

TEST(StrictJson, AKeyGivenTwiceIsRefused) {
  const std::string m = refusal([] { detail::parse_json_strict(R"({"e": [1, 0], "w": [0, 1], "w": [1, 1]})", "w.json"); });
  EXPECT_NE(m.find("the key \"w\" appears twice"), std::string::npos) << m;
  // The same key in two different objects is fine.
  EXPECT_NO_THROW(detail::parse_json_strict(R"({"a": {"x": 1}, "b": {"x": 2}})", "ok.json"));
  const std::string s = refusal([] { parse_suite(R"({"suite": "a", "suite": "b", "groups": []})", "s.json"); });
  EXPECT_NE(s.find("\"suite\" appears twice"), std::string::npos) << s;
}

class Files : public TempDirTest {};

TEST_F(Files, InputsMustBeRegularFilesOfBoundedSize) {
  EXPECT_NE(refusal([&] { detail::read_input_file(root_.string(), "weights file"); }).find("is a directory"),
            std::string::npos);
  EXPECT_NE(refusal([] { detail::read_input_file("/dev/zero", "weights file"); }).find("not a regular file"),
            std::string::npos);
  EXPECT_NE(refusal([&] { detail::read_input_file((root_ / "none").string(), "weights file"); }).find("no such file"),
            std::string::npos);
  write_text(root_ / "big.json", std::string(2000, ' ') + "{}");
  EXPECT_NE(refusal([&] { detail::read_input_file((root_ / "big.json").string(), "suite file", 1000); })
                .find("2002 bytes, more than the 1000"),
            std::string::npos);
  EXPECT_NE(refusal([] { cases_from_weights_file("/dev/zero", {Quantity::Grad}, {1000}); }).find("not a regular file"),
            std::string::npos);
}

TEST_F(Files, OnlyRegularFilesAreReplacedAndSymlinksAreFollowed) {
  const fs::path fifo = root_ / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THROW(write_file_atomically(fifo.string(), "x"), std::runtime_error);
  EXPECT_TRUE(fs::is_fifo(fifo));  // still a FIFO, not replaced by a file
  EXPECT_NE(refusal([&] { check_writable_file(fifo.string(), "record"); }).find("`record`"), std::string::npos);
  EXPECT_NE(refusal([] { check_writable_file("/dev/full", "record"); }).find("not a regular file"), std::string::npos);
  EXPECT_NE(refusal([] { check_writable_file("", "record"); }).find("`record` is empty"), std::string::npos);
  fs::create_directory(root_ / "dir");
  EXPECT_THROW(write_file_atomically((root_ / "dir").string(), "x"), std::runtime_error);
  // A symlink is followed: the file it names is replaced and the link stays a link.
  write_text(root_ / "target.json", "old");
  fs::create_symlink(root_ / "target.json", root_ / "link.json");
  write_file_atomically((root_ / "link.json").string(), "new");
  EXPECT_TRUE(fs::is_symlink(root_ / "link.json"));
  EXPECT_EQ(slurp(root_ / "target.json"), "new");
}

TEST_F(Files, TemporariesOfDeadWritersAreRemoved) {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);  // a pid that no longer runs
  const fs::path dead = root_ / ("results.csv.tmp." + std::to_string(child));
  const fs::path alive = root_ / ("results.csv.tmp." + std::to_string(getppid()));  // a running process
  write_text(dead, "left by a SIGKILL");
  write_text(alive, "being written");
  write_file_atomically((root_ / "results.csv").string(), "a,b\n");
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_EQ(slurp(root_ / "results.csv"), "a,b\n");
}

// F6: two runs in one --out interleaved their journal lines; the directory is now locked for a run.
TEST_F(Files, AnOutputDirectoryHoldsOneRunAtATime) {
  const std::string dir = root_.string();
  {
    const DirectoryLock held(dir, "out");
    const std::string m = refusal([&] { DirectoryLock second(dir, "out"); });
    EXPECT_NE(m.find(fmt::format("in use by another relumc run (pid {})", getpid())), std::string::npos) << m;
    GridSpec spec;
    spec.quantities = {Quantity::Loss};
    spec.angles = {1.0};
    spec.dims = {3};
    spec.samples = {1000};
    VerifyOutput out;
    out.dir = dir;
    EXPECT_NE(refusal([&] { verify_to_directory(build_grid(spec, 1), VerifyOptions{}, out); }).find("`out`"),
              std::string::npos);
    EXPECT_FALSE(fs::exists(root_ / "journal.jsonl"));  // the refused run wrote nothing
  }
  EXPECT_FALSE(fs::exists(root_ / ".relumc.lock"));  // released and removed
  EXPECT_NO_THROW(DirectoryLock again(dir, "out"));
}

TEST_F(Files, AJournalledNMustBeTheRunsN) {
  GridSpec spec;
  spec.quantities = {Quantity::Loss};
  spec.angles = {0.5, 1.5};
  spec.norms = {1.0};
  spec.dims = {3};
  spec.samples = {4000};
  VerifyOptions opt;
  opt.threads = 2;
  VerifyOutput out;
  out.dir = (root_ / "out").string();
  verify_to_directory(build_grid(spec, 1), opt, out);
  // Hand-edit the journal: case 0 "ran" with 2 samples, and the run is no longer complete.
  std::vector<std::string> lines = testing::lines_of(slurp(root_ / "out/journal.jsonl"));
  ASSERT_EQ(lines.size(), 4u);
  const size_t at = lines[1].find("\"samples\":4000");
  ASSERT_NE(at, std::string::npos) << lines[1];
  lines[1].replace(at, 14, "\"samples\":2");
  write_text(root_ / "out/journal.jsonl", lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n");
  out.resume = true;
  const std::string m = refusal([&] { verify_to_directory(build_grid(spec, 1), opt, out); });
  EXPECT_NE(m.find("journalled with N = 2, but this run's N is 4000"), std::string::npos) << m;
}

// Found by fuzzing the journal reader (tests/fuzz/fuzz_journal.cpp): a header or case line whose
// relumc_journal, complete or seconds had another JSON type escaped as nlohmann's type_error ("type must be
// number, but is string", naming neither file nor line), and a line whose mean and std_error differ in length
// was only refused later, by the run. Each is now an InputError naming the line.
TEST_F(Files, JournalFieldsOfTheWrongTypeAreRefusedNamingTheLine) {
  const nlohmann::ordered_json config = {{"cases", 1}};
  const std::string dir = (root_ / "j").string();
  fs::create_directories(dir);
  const std::string good =
      "{\"case\":0,\"samples\":1000,\"mean\":[1],\"std_error\":[1],\"mean_skewness\":[0],\"mean_kurtosis\":[0],"
      "\"batches\":256,\"span_dim\":0,\"span_cov\":[],\"perp_var\":[]";
  for (auto [text, needle] : {std::pair<std::string, std::string>{"{\"relumc_journal\":\"1\",\"config\":{}}\n",
                                                                  "not a relumc journal"},
                              {"{\"relumc_journal\":1.5,\"config\":{}}\n", "not a relumc journal"},
                              {"{\"relumc_journal\":2,\"config\":{}}\n{\"complete\":3}\n", "line 2: 'complete'"},
                              {"{\"relumc_journal\":2,\"config\":{}}\n" + good + ",\"seconds\":\"x\"}\n",
                               "line 2: 'seconds'"},
                              {"{\"relumc_journal\":2,\"config\":{}}\n" + good + ",\"std_error\":[1,2]}\n",
                               "line 2: 'mean' has 1 numbers but 'std_error' 2"}}) {
    write_text(root_ / "j/journal.jsonl", text);
    const std::string m = refusal([&] { Journal j(dir, config, true, false, Distribution::single()); });
    EXPECT_NE(m.find(needle), std::string::npos) << text << " -> " << m;
  }
}

// F2/F3: teacher norms of 1e200 crashed the matching (brute force over infinite costs) and 1e155 hung
// the Hungarian algorithm. Distances no longer overflow, a non-finite cost has a defined answer, and
// dynamics refuse norms where the loss itself cannot be computed.
TEST(Matching, HugeRowsAndNonFiniteCostsEndCleanly) {
  const std::vector<double> W{1e200, 0, 0, 1e200}, Wstar{0, 1e200, 1e200, 0};
  const std::vector<double> dist = row_distances(W.data(), 2, Wstar.data(), 2, 2);
  for (double v : dist) EXPECT_TRUE(std::isfinite(v)) << v;
  EXPECT_EQ(best_matching(dist, 2, 2).perm, (std::vector<int64_t>{1, 0}));
  const double inf = std::numeric_limits<double>::infinity();
  for (int64_t n : {int64_t{3}, int64_t{8}}) {  // brute force, then Hungarian
    std::vector<double> cost(static_cast<size_t>(n * n), 1.0);
    cost[1] = inf;
    cost[2] = std::nan("");
    const Matching m = best_matching(cost, n, n);
    EXPECT_EQ(m.perm, std::vector<int64_t>(static_cast<size_t>(n), -1));
    EXPECT_TRUE(std::isinf(m.cost));
  }
}

TEST(DynamicsScale, TeacherNormsWhereTheLossOverflowsAreRefused) {
  for (double norm : {1e200, 1e155, 1e-160}) {
    DynamicsSpec s;
    s.K = 8;
    s.Kstar = 8;
    s.d = 10;
    s.teacher = orthonormal_teacher(8, 10, norm);
    const std::string m = refusal([&] { validate(s); });
    EXPECT_NE(m.find(fmt::format("has norm {:g}", norm)), std::string::npos) << m;
  }
}

// F10: what could never fit is refused before it is allocated, naming the figure and the limit.
TEST(MemoryGuards, GridsSchedulesAndTrajectoriesThatCannotFitAreRefused) {
  GridSpec spec;
  spec.quantities = {Quantity::Grad};
  spec.angles = {1.0};
  spec.dims = {int64_t{1} << 24};
  spec.units = {4096};
  spec.samples = {1000};
  std::string m = refusal([&] { build_grid(spec, 1); });
  EXPECT_NE(m.find("GB, more than the"), std::string::npos) << m;
  spec.dims = {100};
  spec.units = {64};
  spec.random_cases = 1000000;
  m = refusal([&] { build_grid(spec, 1); });
  EXPECT_NE(m.find("GB, more than the"), std::string::npos) << m;
  try {
    record_schedule(int64_t{1000000000000}, 1);
    ADD_FAILURE() << "a schedule of 1e12 steps was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "record_steps");
  }
  EXPECT_EQ(record_schedule(10, 4), (std::vector<int64_t>{0, 4, 8, 10}));
  DynamicsSpec d;
  d.K = 8;
  d.Kstar = 8;
  d.d = 8;
  d.teacher = orthonormal_teacher(8, 8, 1.0);
  d.steps = 100000000;
  d.runs = 100;
  d.record_steps = record_schedule(d.steps, 1000);  // small enough to build, too large to keep for 100 runs
  d.runs = 1000000;
  m = refusal([&] { validate(d); });
  EXPECT_NE(m.find("`record_steps` the recorded trajectories"), std::string::npos) << m;
}

// F12: a norm beyond double's range of squares is named with its true value, not "inf" or "zero vector".
TEST(Messages, NormsOutOfRangeAreNamedAsTheyAre) {
  for (double norm : {1e300, 1e-300}) {
    GridSpec spec;
    spec.quantities = {Quantity::Gating};
    spec.angles = {1.0};
    spec.norms = {norm};
    spec.dims = {3};
    spec.samples = {1000};
    const std::string m = refusal([&] { build_grid(spec, 1); });
    EXPECT_NE(m.find(fmt::format("has norm {:g}", norm)), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace relumc
