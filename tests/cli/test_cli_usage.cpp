// SPDX-License-Identifier: MIT
// The command line as a person meets it: usage lines that say `relumc`, help that fits 100 columns
// and ends with examples, `relumc help [SUBCOMMAND]`, parse errors in relumc's style with a hint and
// "did you mean", and what the binary finds beside itself (plot scripts, suites: relumc/io/resources.hpp)
// for `verify --plot` and `dynamics --plot`.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "relumc/io/resources.hpp"
#include "tests/support/cli_support.hpp"

namespace fs = std::filesystem;
using namespace relumc::testing;

namespace {

constexpr size_t kWidth = 100;

class Usage : public TempDirTest {
 protected:
  RunResult run(const std::vector<std::string>& args) const { return run_cli(args, root_); }

  // The subcommands and their one-line descriptions, as `relumc help` lists them.
  std::map<std::string, std::string> listed() const {
    const RunResult r = run({"help"});
    EXPECT_EQ(r.status, kPass) << r.err;
    std::map<std::string, std::string> subs;
    bool in = false;
    for (const std::string& line : lines_of(r.out)) {
      if (line == "Subcommands:") {
        in = true;
      } else if (in && line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
        const size_t end = line.find(' ', 2), desc = line.find_first_not_of(' ', end);
        subs[line.substr(2, end - 2)] = desc == std::string::npos ? "" : line.substr(desc);
      } else if (in) {
        break;
      }
    }
    return subs;
  }
};

// A usage error in relumc's style: exit 2, nothing on stdout, "relumc: error: ..." then the hint.
void expect_usage_error(const std::vector<std::string>& args, const RunResult& r, const std::string& hint_sub,
                        const std::vector<std::string>& needles) {
  const std::string what = describe(args, r);
  EXPECT_EQ(r.status, kUsage) << what;
  EXPECT_TRUE(r.out.empty()) << what;
  const std::vector<std::string> lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 2u) << what;
  EXPECT_EQ(lines[0].rfind("relumc: error: ", 0), 0u) << what;
  EXPECT_EQ(lines[1], "run 'relumc " + (hint_sub.empty() ? "" : hint_sub + " ") + "--help' for usage") << what;
  EXPECT_EQ(r.err.find("Run with --help"), std::string::npos) << "CLI11's own wording leaked\n" << what;
  for (const std::string& n : needles) EXPECT_NE(lines[0].find(n), std::string::npos) << "missing '" << n << "'\n" << what;
}

TEST_F(Usage, UsageLinesSayRelumcNotThePath) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{{"--help"}, {"verify", "--help"}, {"help", "regress"}}) {
    const RunResult r = run(args);
    EXPECT_EQ(r.status, kPass) << describe(args, r);
    EXPECT_NE(r.out.find("Usage: relumc"), std::string::npos) << describe(args, r);
    EXPECT_EQ(r.out.find(RELUMC_CLI_PATH), std::string::npos) << "the binary's path leaked\n" << describe(args, r);
  }
}

TEST_F(Usage, EveryHelpLineFits100Columns) {
  const std::map<std::string, std::string> subs = listed();
  ASSERT_GE(subs.size(), 6u) << "verify, power, regress, dynamics, info, help";
  std::vector<std::vector<std::string>> calls{{"--help"}, {"help"}};
  for (const auto& [name, desc] : subs) {
    calls.push_back({name, "--help"});
    calls.push_back({"help", name});
  }
  for (const std::vector<std::string>& args : calls) {
    const RunResult r = run(args);
    ASSERT_EQ(r.status, kPass) << describe(args, r);
    for (const std::string& line : lines_of(r.out))
      EXPECT_LE(line.size(), kWidth) << "relumc " << args[0] << " " << (args.size() > 1 ? args[1] : "") << ":\n" << line;
  }
}

TEST_F(Usage, EachSubcommandHelpEndsWithTwoOrThreeExamples) {
  for (const auto& [name, desc] : listed()) {
    const RunResult r = run({name, "--help"});
    const std::vector<std::string> lines = lines_of(r.out);
    size_t at = lines.size();
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i] == "Examples:") at = i;
    ASSERT_LT(at, lines.size()) << "no Examples: in relumc " << name << " --help\n" << r.out;
    const size_t n = lines.size() - at - 1;
    EXPECT_TRUE(n == 2 || n == 3) << n << " example lines in relumc " << name << " --help\n" << r.out;
    for (size_t i = at + 1; i < lines.size(); ++i) {
      EXPECT_EQ(lines[i].rfind("  ", 0), 0u) << lines[i];
      EXPECT_NE(lines[i].find("relumc " + name), std::string::npos) << "an example of another command: " << lines[i];
    }
  }
}

TEST_F(Usage, BareRelumcListsTheSubcommandsAndExitsTwo) {
  const std::map<std::string, std::string> subs = listed();
  for (const char* name : {"verify", "power", "regress", "dynamics", "info", "help"}) {
    ASSERT_TRUE(subs.count(name)) << name << " is not listed by relumc help";
    EXPECT_FALSE(subs.at(name).empty()) << name << " has no one-line description";
  }
  const RunResult bare = run({});
  EXPECT_EQ(bare.status, kUsage) << bare.err;
  EXPECT_TRUE(bare.out.empty()) << bare.out;
  for (const auto& [name, desc] : subs)
    EXPECT_NE(bare.err.find("  " + name), std::string::npos) << name << " missing from bare relumc:\n" << bare.err;
  const RunResult help = run({"help"});
  EXPECT_EQ(bare.err, help.out) << "bare relumc and relumc help list differently";
  EXPECT_EQ(run({"--help"}).out, help.out);
}

TEST_F(Usage, HelpSubcommandIsTheSubcommandsHelp) {
  for (const char* name : {"verify", "power", "regress", "dynamics", "info", "help"}) {
    const RunResult via_help = run({"help", name}), direct = run({name, "--help"});
    EXPECT_EQ(via_help.status, kPass) << via_help.err;
    EXPECT_EQ(direct.status, kPass) << direct.err;
    EXPECT_EQ(via_help.out, direct.out) << "relumc help " << name << " differs from relumc " << name << " --help";
    EXPECT_NE(via_help.out.find(std::string("Usage: relumc ") + name), std::string::npos) << via_help.out;
  }
  const std::vector<std::string> nosuch{"help", "nosuch"};
  expect_usage_error(nosuch, run(nosuch), "", {"nosuch", "verify"});
  const std::vector<std::string> typo{"help", "verfy"};
  expect_usage_error(typo, run(typo), "", {"did you mean 'verify'?"});
}

TEST_F(Usage, ParseErrorsSpeakRelumcsStyle) {
  struct Case {
    std::vector<std::string> args;
    std::string sub;
    std::vector<std::string> needles;
  };
  const std::string out = (root_ / "out").string();
  const std::vector<Case> cases{
      {{"verify", "--no-such-flag", "-o", out}, "verify", {"--no-such-flag"}},        // unknown flag
      {{"verify", "-o", out, "--samples"}, "verify", {"--samples"}},                 // missing value
      {{"verify", "--resume", "--restart", "-o", out}, "verify", {"--resume", "--restart"}},  // excluded
      {{"verify", "-n", "1e4", "--time-budget", "5", "-o", out}, "verify", {"--time-budget"}},
      {{"verify", "--seed", "-1", "-o", out}, "verify", {"--seed", "-1"}},           // validator
      {{"verify", "--threads", "x", "-o", out}, "verify", {"--threads", "'x'"}},
      {{"verify", "--alpha", "abc", "-o", out}, "verify", {"--alpha", "abc"}},       // conversion
      {{"dynamics", "--steps", "-3", "-o", out}, "dynamics", {"--steps", "-3"}},
      {{"regress"}, "regress", {"SUITE"}},                                            // required positional
      {{"regress", "a.json", "b.json"}, "regress", {"b.json"}},                      // stray positional
      {{"power", "--dims", "3"}, "power", {"--dims"}},
      {{"verify", "--weights", "", "-o", out}, "verify", {"--weights", "empty path"}},  // not "no weights"
      {{"verify", "--weights", "w.json", "-d", "3", "-o", out}, "verify", {"--weights", "--dims"}},  // grid ignored
      {{"regress", "s.json", "--record", "", "-o", out}, "regress", {"--record", "empty path"}},
      {{"verify", "-o", ""}, "verify", {"--out", "empty path"}},
      {{"verify", "--angles", "1e400", "-o", out}, "verify", {"--angles", "1e400"}},  // named as typed, not "inf"
      {{"dynamics", "--lr", "nan", "-o", out}, "dynamics", {"--lr", "nan", "finite"}},
      {{"--out", out}, "", {"--out", "subcommand"}},                                 // a flag before the subcommand
      {{"nosuch"}, "", {"nosuch", "verify, power"}},                                 // unknown subcommand
      // A nested subcommand's hint names it whole, and its own flags.
      {{"landscape", "critical", "-o", out}, "landscape critical", {"--weights"}},   // required flag
      {{"landscape", "census", "-k", "x", "-o", out}, "landscape census", {"--teacher-rows", "'x'"}},
      {{"landscape", "hessian", "--weights", "w.json", "--eigen-tl", "3", "-o", out}, "landscape hessian",
       {"--eigen-tl", "did you mean '--eigen-tol'"}},
  };
  for (const Case& c : cases) {
    expect_usage_error(c.args, run(c.args), c.sub, c.needles);
    EXPECT_FALSE(fs::exists(out)) << "a usage error wrote " << out;
  }
}

TEST_F(Usage, DidYouMean) {
  struct Case {
    std::vector<std::string> args;
    std::string sub, suggestion;
  };
  const std::vector<Case> cases{
      {{"verfy"}, "", "did you mean 'verify'?"},
      {{"verfiy", "--quiet"}, "", "did you mean 'verify'?"},
      {{"dynamcis", "--steps", "3"}, "", "did you mean 'dynamics'?"},
      {{"verify", "--sampels", "10"}, "verify", "did you mean '--samples'?"},
      {{"verify", "--sampels=10"}, "verify", "did you mean '--samples'?"},
      {{"verify", "--quiet", "--treads", "2"}, "verify", "did you mean '--threads'?"},
      {{"power", "--dims", "3"}, "power", "did you mean '--dim'?"},
      {{"regress", "x.json", "--baseine", "b.json"}, "regress", "did you mean '--baseline'?"},
      {{"--verison"}, "", "did you mean '--version'?"},
  };
  for (const Case& c : cases) expect_usage_error(c.args, run(c.args), c.sub, {c.suggestion});
  // Nothing close: no suggestion, but the name of what was not understood.
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"zzzzzz"}, {"verify", "--zzzzzz"}, {"verify", "-x"}}) {
    const RunResult r = run(args);
    expect_usage_error(args, r, args.size() > 1 ? args[0] : "", {args.back()});
    EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << describe(args, r);
  }
}

// ---------------------------------------------------------------- resources and --plot

bool have_matplotlib() { return std::system("/usr/bin/python3 -c 'import matplotlib, numpy' >/dev/null 2>&1") == 0; }

TEST(Resources, FoundBesideTheBinaryOrNamedWhereLooked) {
  // This test binary sits in BUILD/tests: BUILD/tests/../share/relumc is the build tree's copy.
  for (const char* rel : {"plots/plot_dynamics.py", "plots/plot_results.py", "plots/plot_input_deviation.py",
                          "suites/cpu-smoke.json", "suites/gpu-h200.json"}) {
    const std::string p = relumc::resource_path(rel);
    EXPECT_TRUE(fs::is_regular_file(p)) << p;
    EXPECT_EQ(fs::path(p).filename(), fs::path(rel).filename());
    EXPECT_EQ(p.find(RELUMC_SOURCE_DIR "/host"), std::string::npos) << "found in the source tree, not beside the binary: " << p;
  }
  const std::vector<std::string> places = relumc::resource_candidates("plots/nosuch.py");
  ASSERT_EQ(places.size(), 2u);
  try {
    relumc::resource_path("plots/nosuch.py");
    ADD_FAILURE() << "a missing resource was found";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("plots/nosuch.py"), std::string::npos) << what;
    for (const std::string& p : places) EXPECT_NE(what.find(p), std::string::npos) << "does not name " << p << ": " << what;
  }
}

TEST_F(Usage, VerifyPlotDrawsAndAFailedPlotIsOnlyAWarning) {
  const std::vector<std::string> small{"verify", "-d", "3", "--angle-steps", "3", "--norms", "1", "-n", "2000",
                                       "--threads", "2", "--quiet", "--plot", "-o"};
  if (have_matplotlib()) {
    std::vector<std::string> args = small;
    args.push_back((root_ / "drawn").string());
    const RunResult r = run(args);
    EXPECT_EQ(r.status, kPass) << describe(args, r);
    EXPECT_TRUE(r.out.empty()) << "--quiet: the plot script's list of files goes to /dev/null\n" << r.out;
    for (const char* png : {"rel_error_vs_angle.png", "error_vs_samples.png"})
      EXPECT_TRUE(fs::exists(root_ / "drawn" / png)) << png << "\n" << describe(args, r);
  }
  // A matplotlib that cannot be imported: the plot fails, the verdict stands (exit 0, a warning);
  // dynamics --plot says so with exit 1 (docs/cli.md).
  fs::create_directories(root_ / "fake" / "matplotlib");
  write_text(root_ / "fake" / "matplotlib" / "__init__.py", "raise ImportError('matplotlib disabled by the test')\n");
  const char* old = std::getenv("PYTHONPATH");
  const std::string saved = old ? old : "";
  setenv("PYTHONPATH", (root_ / "fake").c_str(), 1);
  std::vector<std::string> args = small;
  args.push_back((root_ / "failed").string());
  const RunResult r = run(args);
  const RunResult dyn = run({"dynamics", "--steps", "5", "--quiet", "--plot", "-o", (root_ / "dyn").string()});
  if (old) setenv("PYTHONPATH", saved.c_str(), 1);
  else unsetenv("PYTHONPATH");
  EXPECT_EQ(r.status, kPass) << describe(args, r);
  EXPECT_NE(r.err.find("relumc: warning: plotting failed"), std::string::npos) << describe(args, r);
  EXPECT_TRUE(fs::exists(root_ / "failed" / "results.json"));
  EXPECT_EQ(dyn.status, kFail) << dyn.err;
  EXPECT_NE(dyn.err.find("relumc: warning: plotting failed"), std::string::npos) << dyn.err;
}

TEST_F(Usage, PlotScriptsAreTheOnesBesideTheBinary) {
  // A copy of relumc in P/bin with stand-in scripts in P/share/relumc/plots that leave a mark: --plot
  // runs what lies beside the binary, never a script of the source tree.
  const fs::path prefix = root_ / "p";
  fs::create_directories(prefix / "bin");
  fs::create_directories(prefix / "share" / "relumc" / "plots");
  fs::copy_file(RELUMC_CLI_PATH, prefix / "bin" / "relumc");
  for (const char* script : {"plot_dynamics.py", "plot_results.py"})
    write_text(prefix / "share" / "relumc" / "plots" / script,
               std::string("import sys\nopen(sys.argv[1] + '/mark', 'w').write('") + script + "')\n");
  const std::string bin = (prefix / "bin" / "relumc").string();
  const fs::path dyn = root_ / "dyn", ver = root_ / "ver";
  const std::string quiet = " --quiet --plot >/dev/null 2>&1";
  EXPECT_EQ(std::system(("'" + bin + "' dynamics --steps 5 -o '" + dyn.string() + "'" + quiet).c_str()), 0);
  EXPECT_EQ(slurp(dyn / "mark"), "plot_dynamics.py");
  EXPECT_EQ(std::system(("'" + bin + "' verify -d 3 --angle-steps 2 --norms 1 -n 2000 -o '" + ver.string() + "'" + quiet).c_str()), 0);
  EXPECT_EQ(slurp(ver / "mark"), "plot_results.py");
}

}  // namespace
