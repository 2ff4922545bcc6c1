// SPDX-License-Identifier: MIT
// Crash safety of `relumc verify` (relumc/run/journal.hpp): a run killed with SIGKILL in the middle and then
// resumed gives results byte-identical to an uninterrupted run; SIGINT or SIGTERM stops within a second with
// a resumable journal; a journal from another configuration, an unfinished journal without --resume, or
// a corrupt one are refused with a message naming why, and nothing is lost.
#include "tests/support/cli_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace relumc::testing;

// results.json without its "run" object (timings, threads, resumed count: facts of the run, not results).
std::string results_without_run(const fs::path& dir) {
  const std::string text = slurp(dir / "results.json");
  const size_t at = text.find("\n \"run\":");
  return at == std::string::npos ? text : text.substr(0, at);
}

size_t journal_lines(const fs::path& dir) { return lines_of(slurp(dir / "journal.jsonl")).size(); }

class Resume : public TempDirTest {
 protected:
  // A sweep of 120 cases of a few milliseconds each: long enough to be killed in the middle.
  std::vector<std::string> sweep(const fs::path& out, const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> a{"verify", "--dims", "20,40", "--angle-steps", "5", "--norms", "1,2",
                               "--samples", "2e4,6e4", "--threads", "1", "--quiet", "--out", out.string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  // Starts the sweep and stops it with `sig` once the journal holds `lines` lines (header included).
  RunResult interrupt(const fs::path& out, int sig, size_t lines) const {
    const pid_t pid = spawn_cli(sweep(out), root_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (journal_lines(out) < lines && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    kill(pid, sig);
    return wait_cli(pid, root_);
  }
};

TEST_F(Resume, SigkillThenResumeIsByteIdenticalToAnUninterruptedRun) {
  const fs::path ref = root_ / "ref", out = root_ / "out";
  const RunResult r0 = run_cli(sweep(ref), root_);
  ASSERT_EQ(r0.status, kPass) << r0.err;
  const size_t total = journal_lines(ref);  // header + 120 cases + complete

  const RunResult killed = interrupt(out, SIGKILL, 6);
  ASSERT_EQ(killed.status, 128 + SIGKILL) << "the run ended before it could be killed: " << killed.err;
  const size_t kept = journal_lines(out);
  EXPECT_GE(kept, 6u);
  EXPECT_LT(kept, total) << "the kill came too late to test anything";
  EXPECT_FALSE(fs::exists(out / "results.json")) << "a killed run must not leave results";

  // Without --resume the unfinished journal is refused, not overwritten.
  const RunResult refused = run_cli(sweep(out), root_);
  EXPECT_EQ(refused.status, kUsage);
  EXPECT_NE(refused.err.find("--resume"), std::string::npos) << refused.err;
  EXPECT_EQ(journal_lines(out), kept) << "the refused run touched the journal";

  const RunResult resumed = run_cli(sweep(out, {"--resume"}), root_);
  ASSERT_EQ(resumed.status, kPass) << resumed.err;
  EXPECT_NE(resumed.err.find("already done"), std::string::npos) << resumed.err;
  EXPECT_EQ(slurp(out / "results.csv"), slurp(ref / "results.csv"));
  EXPECT_EQ(results_without_run(out), results_without_run(ref));
  EXPECT_NE(slurp(out / "results.json").find("\"resumed_cases\": " + std::to_string(kept - 1)), std::string::npos);
}

TEST_F(Resume, SigintStopsAtAChunkBoundaryAndLeavesAResumableJournal) {
  const fs::path ref = root_ / "ref", out = root_ / "out";
  ASSERT_EQ(run_cli(sweep(ref), root_).status, kPass);
  const RunResult stopped = interrupt(out, SIGINT, 4);
  ASSERT_EQ(stopped.status, 128 + SIGINT) << stopped.err;
  EXPECT_NE(stopped.err.find("--resume"), std::string::npos) << stopped.err;
  EXPECT_FALSE(fs::exists(out / "results.csv"));
  // The journal ends with whole lines only.
  const std::string j = slurp(out / "journal.jsonl");
  ASSERT_FALSE(j.empty());
  EXPECT_EQ(j.back(), '\n');
  const RunResult resumed = run_cli(sweep(out, {"--resume"}), root_);
  ASSERT_EQ(resumed.status, kPass) << resumed.err;
  EXPECT_EQ(slurp(out / "results.csv"), slurp(ref / "results.csv"));
  EXPECT_EQ(results_without_run(out), results_without_run(ref));
}

TEST_F(Resume, TornLastLineIsDroppedAndRecomputed) {
  const fs::path ref = root_ / "ref", out = root_ / "out";
  ASSERT_EQ(run_cli(sweep(ref), root_).status, kPass);
  std::vector<std::string> lines = lines_of(slurp(ref / "journal.jsonl"));
  // An unfinished journal: header and 10 cases, then half of the 11th line, as a crash mid-write leaves.
  std::string text;
  for (size_t i = 0; i < 11; ++i) text += lines[i] + "\n";
  text += lines[11].substr(0, lines[11].size() / 2);
  fs::create_directories(out);
  write_text(out / "journal.jsonl", text);
  const RunResult resumed = run_cli(sweep(out, {"--resume"}), root_);
  ASSERT_EQ(resumed.status, kPass) << resumed.err;
  EXPECT_EQ(slurp(out / "results.csv"), slurp(ref / "results.csv"));
  EXPECT_EQ(results_without_run(out), results_without_run(ref));
}

TEST_F(Resume, ResumedEstimatesAreTakenFromTheJournalNotRecomputed) {
  // Doctor one finished case's estimate in the journal: the resumed run must report the doctored
  // value (and reject it), which shows it neither recomputed nor silently ignored the journal.
  const fs::path out = root_ / "out";
  ASSERT_EQ(interrupt(out, SIGKILL, 3).status, 128 + SIGKILL);
  std::vector<std::string> lines = lines_of(slurp(out / "journal.jsonl"));
  ASSERT_GE(lines.size(), 2u);
  json e = json::parse(lines[1]);
  for (auto& x : e["mean"]) x = x.get<double>() + 0.5;
  lines[1] = e.dump();
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  write_text(out / "journal.jsonl", text);
  const RunResult resumed = run_cli(sweep(out, {"--resume"}), root_);
  EXPECT_EQ(resumed.status, kFail) << resumed.err;
  const json j = json::parse(slurp(out / "results.json"));
  EXPECT_EQ(j["cases"][e["case"].get<size_t>()]["passed"], false);
}

TEST_F(Resume, JournalOfAnotherConfigurationIsRefusedNamingTheDifference) {
  const fs::path out = root_ / "out";
  ASSERT_EQ(interrupt(out, SIGKILL, 3).status, 128 + SIGKILL);
  const std::string before = slurp(out / "journal.jsonl");
  struct Change {
    std::vector<std::string> flags;
    std::string named;
  };
  for (const Change& c : {Change{{"--seed", "7"}, "seed"}, Change{{"--precision", "float"}, "precision"},
                          Change{{"--contract", "v2"}, "contract"}, Change{{"--formula", "lost-half"}, "formula"}}) {
    const RunResult r = run_cli(sweep(out, [&] {
                                  std::vector<std::string> f = c.flags;
                                  f.push_back("--resume");
                                  return f;
                                }()),
                                root_);
    EXPECT_EQ(r.status, kUsage) << r.err;
    EXPECT_NE(r.err.find(c.named), std::string::npos) << r.err;
  }
  // A different grid: the case list differs.
  std::vector<std::string> grid = sweep(out, {"--resume"});
  grid[2] = "20,41";
  const RunResult r = run_cli(grid, root_);
  EXPECT_EQ(r.status, kUsage);
  EXPECT_NE(r.err.find("cases"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(out / "journal.jsonl"), before) << "a refused resume must leave the journal as it was";
  // --restart discards it and runs anew.
  EXPECT_EQ(run_cli(sweep(out, {"--restart"}), root_).status, kPass);
}

// A journal written before the contract had versions (no "contract" in its header) drew under v1: it
// resumes under v1 and is refused under v2, naming the contract.
TEST_F(Resume, JournalWithoutContractIsV1) {
  const fs::path out = root_ / "out";
  ASSERT_EQ(interrupt(out, SIGKILL, 3).status, 128 + SIGKILL);
  std::string text = slurp(out / "journal.jsonl");
  const size_t nl = text.find('\n');
  json header = json::parse(text.substr(0, nl));
  ASSERT_EQ(header["config"]["contract"], "v1");
  header["config"].erase("contract");
  text = header.dump() + text.substr(nl);
  write_text(out / "journal.jsonl", text);
  const RunResult v2 = run_cli(sweep(out, {"--contract", "v2", "--resume"}), root_);
  EXPECT_EQ(v2.status, kUsage) << v2.err;
  EXPECT_NE(v2.err.find("contract"), std::string::npos) << v2.err;
  EXPECT_EQ(slurp(out / "journal.jsonl"), text) << "a refused resume must leave the journal as it was";
  const RunResult v1 = run_cli(sweep(out, {"--resume"}), root_);
  EXPECT_EQ(v1.status, kPass) << v1.err;
  EXPECT_EQ(json::parse(slurp(out / "results.json"))["contract"], "v1");
}

TEST_F(Resume, CorruptOrForeignJournalIsRefused) {
  const fs::path out = root_ / "out";
  fs::create_directories(out);
  write_text(out / "journal.jsonl", "this is not a journal\n");
  RunResult r = run_cli(sweep(out, {"--resume"}), root_);
  EXPECT_EQ(r.status, kUsage);
  EXPECT_NE(r.err.find("not a relumc journal"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(out / "journal.jsonl"), "this is not a journal\n");

  ASSERT_EQ(interrupt(out / "b", SIGKILL, 4).status, 128 + SIGKILL);
  std::vector<std::string> lines = lines_of(slurp(out / "b" / "journal.jsonl"));
  lines[1] = "{\"case\": 0, \"samples\": ";  // a complete but corrupt line
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  write_text(out / "b" / "journal.jsonl", text);
  r = run_cli(sweep(out / "b", {"--resume"}), root_);
  EXPECT_EQ(r.status, kUsage);
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
}

TEST_F(Resume, ResumeWithoutJournalStartsAndCompleteJournalIsReplaced) {
  const fs::path out = root_ / "out";
  const RunResult first = run_cli(sweep(out, {"--resume"}), root_);
  EXPECT_EQ(first.status, kPass) << first.err;
  EXPECT_NE(first.err.find("no journal"), std::string::npos) << first.err;
  // A finished run's journal does not block the next run in the same directory.
  EXPECT_EQ(run_cli(sweep(out), root_).status, kPass);
  EXPECT_EQ(lines_of(slurp(out / "journal.jsonl")).back(), "{\"complete\":true}");
}

TEST_F(Resume, FailedResultsWriteLosesNothing) {
  // results.json cannot be written (a directory is in its place, as a full disk would make the write
  // fail): exit 2 naming why, and a --resume afterwards recomputes nothing.
  const fs::path ref = root_ / "ref", out = root_ / "out";
  ASSERT_EQ(run_cli(sweep(ref), root_).status, kPass);
  fs::create_directories(out / "results.json");
  const RunResult failed = run_cli(sweep(out), root_);
  EXPECT_EQ(failed.status, kUsage);
  EXPECT_NE(failed.err.find("--resume"), std::string::npos) << failed.err;
  EXPECT_EQ(journal_lines(out), journal_lines(ref) - 1) << "every case, not marked complete";
  fs::remove(out / "results.json");
  const RunResult resumed = run_cli(sweep(out, {"--resume"}), root_);
  ASSERT_EQ(resumed.status, kPass) << resumed.err;
  const std::string all = std::to_string(journal_lines(ref) - 2);  // minus header and completion line
  EXPECT_NE(resumed.err.find(all + " of " + all), std::string::npos) << resumed.err;
  EXPECT_EQ(slurp(out / "results.csv"), slurp(ref / "results.csv"));
  EXPECT_EQ(results_without_run(out), results_without_run(ref));
}

// F7: SIGTERM acts within a second at any N (it was read between chunks only: 15 s at 1e11, never at 1e19),
// with exit 128 + 15, no results, and a journal that --resume takes (it keeps the finished cases).
TEST_F(Resume, SigtermStopsWithinASecondAtAnyN) {
  for (const char* N : {"1e15", "1e19"}) {
    const fs::path out = root_ / (std::string("n") + N);
    // Two small cases first (journalled), then the ones that could run for hours.
    const std::vector<std::string> args{"verify", "-q", "gating", "-d", "2", "--angles", "0.5", "--norms", "1",
                                        "--samples", std::string("1e4,2e4,") + N, "--threads", "2", "--quiet",
                                        "--out", out.string()};
    for (const bool resume : {false, true}) {
      std::vector<std::string> a = args;
      if (resume) a.push_back("--resume");
      const pid_t pid = spawn_cli(a, root_);
      // The small cases are journalled within milliseconds; then a long case runs.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (journal_lines(out) < 3 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      kill(pid, SIGTERM);
      const auto sent = std::chrono::steady_clock::now();
      const RunResult r = wait_cli(pid, root_, 10);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
      const std::string what = std::string("-n 1e4,2e4,") + N + (resume ? " --resume" : "");
      EXPECT_LT(seconds, 2.0) << what;
      EXPECT_EQ(r.status, 128 + SIGTERM) << what << "\n" << r.err;
      EXPECT_NE(r.err.find("stopped by signal 15"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
      EXPECT_FALSE(fs::exists(out / "results.json"));
      const std::vector<std::string> lines = lines_of(slurp(out / "journal.jsonl"));
      ASSERT_EQ(lines.size(), 3u) << "the header and the two small cases: " << what;
      EXPECT_NE(lines[0].find("relumc_journal"), std::string::npos);
      if (resume) { EXPECT_NE(r.err.find("2 of 3"), std::string::npos) << "resumed the journalled cases: " << r.err; }
    }
  }
}

}  // namespace
