// SPDX-License-Identifier: MIT
// End-to-end tests of the `relumc` command line: exit status (0 pass, 1 fail, 2 bad input or usage),
// error messages that name the flag and the bad value (one test per class of error: which values each
// parser refuses is tested on the library, without a process, in tests/unit/test_parsers.cpp), nothing
// written on bad input, the results.csv and results.json schema, weights files, and determinism across
// thread counts and reruns.
//
// Every test runs the built binary (RELUMC_CLI_PATH) by fork/exec in its own mkdtemp directory, with
// stdout and stderr captured separately, on tiny problems (d = 3, a few thousand samples).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relumc/backend/cuda/cuda_backend.hpp"
#include "tests/support/cli_support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;
using namespace relumc::testing;

namespace {

const std::vector<std::string> kSmall{"--dims", "3", "--angle-steps", "3", "--norms", "1",
                                      "--samples", "2000", "--threads", "2", "--quiet"};

class Cli : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    out_ = root_ / "out";
  }

  // `verify` + kSmall + extra + --out out_.
  std::vector<std::string> small(const std::vector<std::string>& extra, const fs::path& out = {}) const {
    std::vector<std::string> a{"verify"};
    a.insert(a.end(), kSmall.begin(), kSmall.end());
    a.insert(a.end(), extra.begin(), extra.end());
    a.push_back("--out");
    a.push_back((out.empty() ? out_ : out).string());
    return a;
  }

  RunResult run(const std::vector<std::string>& args) const { return run_cli(args, root_); }

  fs::path weights(const std::string& name, const std::string& text) const {
    const fs::path p = root_ / name;
    write_text(p, text);
    return p;
  }

  // The command exits 2, names every needle on stderr (case-insensitive; the temp root is masked so
  // digits in its random name do not count), and leaves no file at all in --out.
  RunResult expect_bad_input(const std::vector<std::string>& args, const std::vector<std::string>& needles,
                             const fs::path& out = {}) const {
    const RunResult r = run(args);
    const std::string what = describe(args, r);
    EXPECT_EQ(r.status, kUsage) << what;
    EXPECT_FALSE(r.err.empty()) << "no message on stderr\n" << what;
    std::string err = r.err;
    for (size_t at; (at = err.find(root_.string())) != std::string::npos;) err.replace(at, root_.string().size(), "<tmp>");
    for (const std::string& n : needles)
      EXPECT_NE(lower(err).find(lower(n)), std::string::npos) << "stderr does not name '" << n << "'\n" << what;
    const fs::path dir = out.empty() ? out_ : out;
    EXPECT_FALSE(fs::exists(dir / "results.csv")) << what;
    EXPECT_FALSE(fs::exists(dir / "results.json")) << what;
    const std::set<std::string> left = files_under(dir);
    EXPECT_TRUE(left.empty()) << "files left in --out: " << ::testing::PrintToString(left) << "\n" << what;
    return r;
  }

  json read_json() const {
    const std::string text = slurp(out_ / "results.json");
    EXPECT_EQ(text.find("NaN"), std::string::npos);
    EXPECT_EQ(text.find("Infinity"), std::string::npos);
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "results.json is not valid JSON:\n" << text;
    return j;
  }

  fs::path out_;
};

// ---------------------------------------------------------------- exit status and good runs

TEST_F(Cli, GoodRunExitsZeroAndWritesBothFiles) {
  const auto args = small({"-q", "gating,grad,loss", "--units", "2", "--teacher-units", "3"});
  const RunResult r = run(args);
  ASSERT_EQ(r.status, kPass) << describe(args, r);
  EXPECT_TRUE(r.out.empty()) << "--quiet must print no table: " << r.out;
  // Exactly the two results and the finished run's journal, no temporary or probe file left behind.
  EXPECT_EQ(files_under(out_), (std::set<std::string>{"journal.jsonl", "results.csv", "results.json"}));

  const json j = read_json();
  expect_all_finite(j, "results.json");
  ASSERT_TRUE(j.is_object());
  for (const char* key : {"backend", "alpha", "passed", "cases"}) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_TRUE(j["backend"].is_string());
  EXPECT_DOUBLE_EQ(j["alpha"].get<double>(), 0.01);
  EXPECT_EQ(j["passed"], true);
  ASSERT_TRUE(j["cases"].is_array());
  const json& cases = j["cases"];
  ASSERT_EQ(cases.size(), 9u);  // 3 quantities x 3 angles

  std::set<std::string> seen;
  for (const json& c : cases) {
    for (const char* key : {"quantity", "d", "samples", "seed", "closed_form", "estimate", "stderr", "rel_error",
                            "max_abs_z", "p_value", "passed"})
      EXPECT_TRUE(c.contains(key)) << key << " missing in " << c.dump();
    const std::string q = c["quantity"];
    seen.insert(q);
    EXPECT_EQ(c["d"], 3);
    EXPECT_EQ(c["samples"], 2000);
    EXPECT_EQ(c["seed"], 1);
    // Never rejected; at N = 2000 a skewed case may be inconclusive (docs/statistics.md), and then says so.
    EXPECT_TRUE(c["passed"] == true ? c["verdict"] == "pass" : c["passed"].is_null() && c["verdict"] == "inconclusive")
        << c.dump();
    // rel_error is null where the closed form is zero (gating at angle pi); never NaN.
    EXPECT_TRUE(c["rel_error"].is_number() || c["rel_error"].is_null()) << c["rel_error"];
    EXPECT_TRUE(c["max_abs_z"].is_number());
    EXPECT_TRUE(c["p_value"].is_number());
    for (const char* key : {"closed_form", "estimate", "stderr"}) {
      const json& v = c[key];
      if (q == "gating") {
        ASSERT_TRUE(v.is_array()) << key;
        ASSERT_EQ(v.size(), 3u) << key;
        for (const json& x : v) EXPECT_TRUE(x.is_number()) << key;
      } else if (q == "grad") {
        ASSERT_TRUE(v.is_array()) << key;
        ASSERT_EQ(v.size(), 2u) << key << ": rows must be the K = 2 student units";
        for (const json& row : v) {
          ASSERT_TRUE(row.is_array()) << key;
          ASSERT_EQ(row.size(), 3u) << key;
          for (const json& x : row) EXPECT_TRUE(x.is_number()) << key;
        }
      } else {
        EXPECT_EQ(q, "loss");
        EXPECT_TRUE(v.is_number()) << key << " must be a scalar for loss: " << v;
      }
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{"gating", "grad", "loss"}));

  // CSV: a header and one row per case, every row as wide as the header, in the JSON's order.
  const std::vector<std::string> csv = lines_of(slurp(out_ / "results.csv"));
  ASSERT_EQ(csv.size(), cases.size() + 1);
  const std::vector<std::string> header = split(csv[0], ',');
  const auto col = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  ASSERT_LT(col("quantity"), header.size());
  ASSERT_LT(col("passed"), header.size());
  for (size_t k = 0; k < cases.size(); ++k) {
    const std::vector<std::string> row = split(csv[k + 1], ',');
    ASSERT_EQ(row.size(), header.size()) << csv[k + 1];
    EXPECT_EQ(row[col("quantity")], cases[k]["quantity"].get<std::string>());
    EXPECT_EQ(row[col("passed")], cases[k]["passed"] == true ? "true" : "");
    EXPECT_EQ(row[col("verdict")], cases[k]["verdict"].get<std::string>());
    EXPECT_EQ(lower(csv[k + 1]).find("nan"), std::string::npos) << csv[k + 1];
  }
}

TEST_F(Cli, WrongFormulaIsRejectedWithExitOne) {
  std::vector<std::string> args{"verify", "--dims", "3", "--angle-steps", "3", "--norms", "1", "--samples", "1e5",
                                "--threads", "2", "--formula", "sin-sign", "--out", out_.string()};
  const RunResult r = run(args);
  ASSERT_EQ(r.status, kFail) << describe(args, r);
  const json j = read_json();
  EXPECT_EQ(j["passed"], false);
  EXPECT_NE(r.out.find("VERDICT: FAIL"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(out_ / "results.csv"));
}

TEST_F(Cli, TableEndsWithVerdictLine) {
  std::vector<std::string> args{"verify", "--dims", "3", "--angle-steps", "3", "--norms", "1", "--samples", "2000",
                                "--threads", "2", "--out", out_.string()};
  const RunResult r = run(args);
  ASSERT_EQ(r.status, kPass) << describe(args, r);
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_FALSE(lines.empty());
  size_t verdict = lines.size();
  for (size_t k = 0; k < lines.size(); ++k)
    if (lines[k].rfind("VERDICT: ", 0) == 0) verdict = k;
  ASSERT_LT(verdict, lines.size()) << "no VERDICT line on stdout:\n" << r.out;
  EXPECT_EQ(lines[verdict].rfind("VERDICT: PASS", 0), 0u) << lines[verdict];
  // The table ends there: at most the "wrote ..." note follows.
  for (size_t k = verdict + 1; k < lines.size(); ++k) EXPECT_EQ(lines[k].rfind("wrote ", 0), 0u) << lines[k];
}

TEST_F(Cli, SamplesAcceptScientificAndPlainIntegers) {
  const auto args = small({"-q", "gating", "--samples", "1e3", "--samples", "2000,3e3"});
  const RunResult r = run(args);
  ASSERT_EQ(r.status, kPass) << describe(args, r);
  const json j = read_json();
  std::set<uint64_t> samples;
  for (const json& c : j["cases"]) samples.insert(c["samples"].get<uint64_t>());
  // --samples 2000 from kSmall is replaced by the later occurrences or merged with them; either way these three run.
  for (uint64_t n : {1000u, 2000u, 3000u}) EXPECT_EQ(samples.count(n), 1u) << n;
  for (uint64_t n : samples) EXPECT_TRUE(n == 1000 || n == 2000 || n == 3000) << n;
}

TEST_F(Cli, SeveralQuantitiesCommaSeparatedAndRepeated) {
  {
    const auto args = small({"-q", "gating,loss", "--quantity", "grad"});
    const RunResult r = run(args);
    ASSERT_EQ(r.status, kPass) << describe(args, r);
    const json j = read_json();
    std::set<std::string> q;
    for (const json& c : j["cases"]) q.insert(c["quantity"].get<std::string>());
    EXPECT_EQ(q, (std::set<std::string>{"gating", "grad", "loss"}));
  }
  {
    const auto args = small({"--quantity", "loss"});
    const RunResult r = run(args);
    ASSERT_EQ(r.status, kPass) << describe(args, r);
    const json j = read_json();
    EXPECT_EQ(j["cases"].size(), 3u);
    for (const json& c : j["cases"]) EXPECT_EQ(c["quantity"], "loss");
  }
}

TEST_F(Cli, WeightsFileGating) {
  const fs::path w = weights("gating.json", R"({"e": [1.0, 0.0, 0.5], "w": [0.3, -1.0, 2.0]})");
  std::vector<std::string> args{"verify", "--weights", w.string(), "-q", "gating", "--samples", "2000,4000",
                                "--threads", "2", "--quiet", "--out", out_.string()};
  const RunResult r = run(args);
  ASSERT_EQ(r.status, kPass) << describe(args, r);
  const json j = read_json();
  expect_all_finite(j, "results.json");
  ASSERT_EQ(j["cases"].size(), 2u);
  for (const json& c : j["cases"]) {
    EXPECT_EQ(c["quantity"], "gating");
    EXPECT_EQ(c["d"], 3);
    ASSERT_TRUE(c["closed_form"].is_array());
    EXPECT_EQ(c["closed_form"].size(), 3u);
    EXPECT_EQ(c["estimate"].size(), 3u);
    EXPECT_NE(c["verdict"], "reject");
    EXPECT_TRUE(c["passed"] == true || c["verdict"] == "inconclusive") << c.dump();
  }
  EXPECT_EQ(lines_of(slurp(out_ / "results.csv")).size(), 3u);
}

TEST_F(Cli, WeightsFileGradAndLoss) {
  const fs::path w = weights("net.json", R"({"student": [[1.0, 0.2, -0.3], [-0.4, 0.9, 0.1]],
                                            "teacher": [[0.5, 0.5, 0.5], [1.0, -1.0, 0.0], [0.0, 0.3, 1.2]]})");
  std::vector<std::string> args{"verify", "--weights", w.string(), "-q", "grad,loss", "--samples", "3000",
                                "--threads", "2", "--quiet", "--out", out_.string()};
  const RunResult r = run(args);
  ASSERT_EQ(r.status, kPass) << describe(args, r);
  const json j = read_json();
  expect_all_finite(j, "results.json");
  ASSERT_EQ(j["cases"].size(), 2u);
  const json& grad = j["cases"][0];
  const json& loss = j["cases"][1];
  EXPECT_EQ(grad["quantity"], "grad");
  EXPECT_EQ(loss["quantity"], "loss");
  for (const char* key : {"closed_form", "estimate", "stderr"}) {
    ASSERT_TRUE(grad[key].is_array()) << key;
    ASSERT_EQ(grad[key].size(), 2u) << key;
    for (const json& row : grad[key]) EXPECT_EQ(row.size(), 3u) << key;
    EXPECT_TRUE(loss[key].is_number()) << key;
  }
  EXPECT_EQ(lines_of(slurp(out_ / "results.csv")).size(), 3u);
}

TEST_F(Cli, DeterministicAcrossThreadsAndReruns) {
  const auto args_for = [&](const fs::path& out, const char* threads, const char* kernel) {
    return std::vector<std::string>{"verify", "-q", "gating,grad,loss", "--dims", "2,5", "--angle-steps", "3",
                                    "--norms", "0.5,2", "--units", "2", "--teacher-units", "3", "--random-cases", "1",
                                    "--samples", "5000", "--seed", "7", "--threads", threads, "--cpu-kernel", kernel,
                                    "--quiet", "--out", out.string()};
  };
  struct Out {
    std::string json_without_run, csv;
  };
  const auto once = [&](const char* name, const char* threads, const char* kernel = "auto") {
    const fs::path out = root_ / name;
    const auto args = args_for(out, threads, kernel);
    const RunResult r = run(args);
    EXPECT_EQ(r.status, kPass) << describe(args, r);
    ordered_json j = ordered_json::parse(slurp(out / "results.json"));
    EXPECT_TRUE(j.contains("run"));
    j.erase("run");
    return Out{j.dump(1), slurp(out / "results.csv")};
  };
  const Out t1 = once("t1", "1"), t2 = once("t2", "2"), again = once("t2-again", "2");
  const Out scalar = once("scalar", "2", "scalar");
  ASSERT_FALSE(t1.csv.empty());
  EXPECT_EQ(t1.json_without_run, scalar.json_without_run) << "results.json differs between the SIMD and scalar kernels";
  EXPECT_EQ(t1.csv, scalar.csv) << "results.csv differs between the SIMD and scalar kernels";
  EXPECT_EQ(t1.json_without_run, t2.json_without_run) << "results.json differs between --threads 1 and 2";
  EXPECT_EQ(t2.json_without_run, again.json_without_run) << "results.json differs between reruns";
  EXPECT_EQ(t1.csv, t2.csv) << "results.csv differs between --threads 1 and 2";
  EXPECT_EQ(t2.csv, again.csv) << "results.csv differs between reruns";
}

// --contract v2 (docs/sample-contract.md): recorded in results.json (v1 too), float by default, the same bytes
// for any thread count and CPU kernel; refused with --precision double, past its N and for an unknown name.
TEST_F(Cli, ContractIsRecordedAndV2IsRefusedWhereItCannotRun) {
  const auto once = [&](const char* name, std::vector<std::string> extra, const char* threads = "2") {
    const fs::path out = root_ / name;
    auto args = small(extra, out);
    *(std::find(args.begin(), args.end(), "--threads") + 1) = threads;
    const RunResult r = run(args);
    EXPECT_EQ(r.status, kPass) << describe(args, r);
    ordered_json j = ordered_json::parse(slurp(out / "results.json"));
    j.erase("run");
    return j;
  };
  const ordered_json v1 = once("v1", {});
  EXPECT_EQ(v1["contract"], "v1");
  EXPECT_EQ(v1["precision"], "double");
  const ordered_json v2 = once("v2", {"--contract", "v2"});
  EXPECT_EQ(v2["contract"], "v2");
  EXPECT_EQ(v2["precision"], "float");
  const ordered_json v2f = once("v2f", {"--contract", "v2", "--precision", "float"}, "1");
  const ordered_json v2s = once("v2s", {"--contract", "v2", "--cpu-kernel", "scalar"});
  EXPECT_EQ(v2.dump(1), v2f.dump(1)) << "v2 differs between --threads 2 and 1";
  EXPECT_EQ(v2.dump(1), v2s.dump(1)) << "v2 differs between the SIMD and scalar kernels";
  const ordered_json v1f = once("v1f", {"--precision", "float"});
  EXPECT_NE(v1f["cases"][0]["estimate"], v2["cases"][0]["estimate"]) << "v2 draws other normals than v1 float";
  expect_bad_input(small({"--contract", "v2", "--precision", "double"}), {"--precision", "double", "v2"});
  expect_bad_input(small({"--contract", "v2", "--samples", "2e12"}), {"--contract", "0.1 standard error", "v1"});
  expect_bad_input(small({"--contract", "v3"}), {"--contract", "v3", "v1, v2"});
}

TEST_F(Cli, HelpAndVersionExitZero) {
  EXPECT_EQ(run({"--help"}).status, kPass);
  EXPECT_EQ(run({"verify", "--help"}).status, kPass);
  const RunResult v = run({"--version"});
  EXPECT_EQ(v.status, kPass);
  EXPECT_NE(v.out.find("relumc"), std::string::npos) << v.out;
}

TEST_F(Cli, InfoNamesBackendsCpuKernelAndGpu) {
  const RunResult r = run({"info"});
  EXPECT_EQ(r.status, kPass) << r.err;
  for (const char* what : {"backends: cpu", "cpu kernel", "cpu SIMD targets", "gpu:", "build:"})
    EXPECT_NE(r.out.find(what), std::string::npos) << "missing '" << what << "' in:\n" << r.out;
}

// ---------------------------------------------------------------- bad input: exit 2, named, nothing written
// One end-to-end test per class of error: what the library refuses (rendered by the CLI as --flag), what
// only the CLI checks (CLI11 usage, integer flags, subcommands), and the output place. Each value the
// library refuses is tested where it is refused, without a process (tests/unit/test_parsers.cpp).

// A grid value the library refuses (build_grid, field `angles`), shown as its flag.
TEST_F(Cli, BadGridValueIsNamedAsItsFlag) { expect_bad_input(small({"--angles", "4"}), {"--angles", "4"}); }

// A sample count the library's parser refuses (parse_samples, field `samples`).
TEST_F(Cli, BadSampleCountIsNamedAsItsFlag) { expect_bad_input(small({"--samples", "abc"}), {"--samples", "abc"}); }

// A weights file the library refuses: 1e999 is valid JSON grammar but overflows a double; the message
// names the value and the file.
TEST_F(Cli, BadWeightsFileIsNamed) {
  const fs::path big = weights("overflow.json", R"({"e": [1, 0, 1e999], "w": [1, 2, 3]})");
  // No grid flags beside --weights (they are refused there).
  expect_bad_input({"verify", "--weights", big.string(), "-q", "gating", "--samples", "2000", "--threads", "2", "--quiet",
                    "--out", out_.string()},
                   {"1e999", "overflow.json"});
}

// A radius the library refuses (input_radius, field `radius`).
TEST_F(Cli, BadRadiusIsNamedAsItsFlag) {
  expect_bad_input(small({"--input", "sphere", "--radius", "0"}), {"--radius", "0"});
}

// An unknown name of a choice (the library's parser returns nothing; the CLI names the flag and the value).
TEST_F(Cli, UnknownChoiceIsNamedWithItsFlag) {
  expect_bad_input(small({"--quantity", "hessian"}), {"--quantity", "hessian"});
}

// A field whose flag has another name (`cuda_devices` is --devices): the CLI's rendering, not the field.
TEST_F(Cli, RenamedFieldIsShownAsItsFlag) {
  const RunResult r = expect_bad_input(small({"--backend", "cpu", "--devices", "0,1"}), {"--devices 0,1", "cuda"});
  EXPECT_EQ(r.err.find("cuda_devices"), std::string::npos) << r.err;
}

// CLI11 usage errors: an unknown flag.
TEST_F(Cli, UsageErrorIsNamed) { expect_bad_input(small({"--no-such-flag"}), {"--no-such-flag"}); }

// Integer flags are checked on their text: -1 is not wrapped into a seed of 2^64 - 1.
TEST_F(Cli, IntegerFlagIsCheckedOnItsText) { expect_bad_input(small({"--seed", "-1"}), {"--seed", "-1"}); }

// A mistyped subcommand is named, not reported as "a subcommand is required".
TEST_F(Cli, UnknownSubcommandIsNamed) { expect_bad_input({"verfiy", "--out", out_.string()}, {"verfiy"}); }

// An --out that cannot be created (a regular file stands in its path): named, and the file is untouched.
TEST_F(Cli, UnwritableOutIsNamed) {
  const fs::path file = root_ / "file";
  write_text(file, "keep me");
  expect_bad_input(small({}, file / "sub"), {"--out", "file/sub"}, file / "sub");
  EXPECT_EQ(slurp(file), "keep me");
  EXPECT_EQ(files_under(root_), (std::set<std::string>{"file"}));
}

// --backend cuda where CUDA cannot run: exit 2 with the reason, not just the flag.
TEST_F(Cli, CudaBackendWithoutUsableCudaExitsTwoSayingWhy) {
  std::string why;
  if (relumc::cuda_usable(&why)) GTEST_SKIP() << "a usable CUDA backend is present";
  const RunResult r = expect_bad_input(small({"--backend", "cuda"}), {"--backend", "cuda"});
  // The reason, not just the flag: "--backend cuda: CUDA is not usable here: <why>".
  EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
}

}  // namespace

// ---------------------------------------------------------------- input distributions (--input, --radius)

namespace {
class CliInputs : public Cli {};
}  // namespace

// A Gaussian run writes exactly the schema of earlier versions (no input fields), so its files stay
// byte-identical; a sphere run records the input and radius per run and per case.
TEST_F(CliInputs, InputAndRadiusRecordedOnlyWhenNotGaussian) {
  ASSERT_EQ(run(small({})).status, kPass);
  json j = read_json();
  EXPECT_FALSE(j.contains("input"));
  EXPECT_FALSE(j["cases"][0].contains("input"));
  const std::string first_line = lines_of(slurp(out_ / "results.csv"))[0];
  EXPECT_EQ(first_line.substr(first_line.size() - 26), ",passed,verdict,tail_error");

  const auto args = small({"--input", "sphere", "--radius", "2", "-n", "20000"});
  const RunResult r = run(args);
  ASSERT_EQ(r.status, kPass) << describe(args, r);
  j = read_json();
  expect_all_finite(j, "results.json");
  EXPECT_EQ(j["input"], "sphere");
  EXPECT_EQ(j["radius"], 2.0);
  EXPECT_EQ(j["cases_measured"], 0);
  for (const json& c : j["cases"]) {
    EXPECT_EQ(c["input"], "sphere");
    EXPECT_EQ(c["radius"], 2.0);
    EXPECT_DOUBLE_EQ(c["input_second_moment"].get<double>(), 4.0 / 3.0);
    EXPECT_EQ(c["measured"], false);
    EXPECT_EQ(c["passed"], true);
  }
  const std::vector<std::string> csv = lines_of(slurp(out_ / "results.csv"));
  const std::vector<std::string> header = split(csv[0], ',');
  for (size_t k = 1; k < csv.size(); ++k) {
    const std::vector<std::string> row = split(csv[k], ',');
    ASSERT_EQ(row.size(), header.size());
    for (size_t a = 0; a < header.size(); ++a) {
      if (header[a] == "input") { EXPECT_EQ(row[a], "sphere"); }
      if (header[a] == "radius") { EXPECT_EQ(row[a], "2"); }
      if (header[a] == "measured") { EXPECT_EQ(row[a], "false"); }
    }
  }
}

// Sphere and ball: ordinary verdicts; without the scale (--formula unscaled) they fail with exit 1.
TEST_F(CliInputs, SphereAndBallFailWithoutTheScale) {
  for (const char* input : {"sphere", "ball"}) {
    const auto args = small({"--input", input, "--formula", "unscaled", "-n", "20000"});
    const RunResult r = run(args);
    EXPECT_EQ(r.status, kFail) << describe(args, r);
    EXPECT_EQ(read_json()["passed"], false) << input;
  }
}

// Cube: every case is a measurement: exit 0 (no verdict failed), "measured" in table, CSV and JSON,
// never counted as passed or failed, with the deviation and its standard error.
TEST_F(CliInputs, CubeCasesAreMeasurementsInEveryOutput) {
  std::vector<std::string> args{"verify", "--input", "cube", "--dims", "3", "--angle-steps", "3", "--norms", "1",
                                "--samples", "20000", "--threads", "2", "--out", out_.string()};
  const RunResult r = run(args);
  ASSERT_EQ(r.status, kPass) << describe(args, r);
  EXPECT_NE(r.out.find("measured (rel dev"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("VERDICT: none"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("pass "), std::string::npos) << r.out;
  const json j = read_json();
  EXPECT_EQ(j["input"], "cube");
  EXPECT_TRUE(j["radius"].is_null());
  EXPECT_EQ(j["cases_failed"], 0);
  EXPECT_EQ(j["cases_measured"], j["cases_total"]);
  for (const json& c : j["cases"]) {
    EXPECT_TRUE(c["passed"].is_null()) << c.dump();
    EXPECT_TRUE(c["p_holm"].is_null());
    EXPECT_EQ(c["measured"], true);
    EXPECT_DOUBLE_EQ(c["input_second_moment"].get<double>(), 1.0 / 12.0);
    EXPECT_TRUE(c["deviation_se"].is_number());
    EXPECT_TRUE(c["abs_deviation"].is_number());
  }
  const std::vector<std::string> csv = lines_of(slurp(out_ / "results.csv"));
  const std::vector<std::string> header = split(csv[0], ',');
  for (size_t k = 1; k < csv.size(); ++k) {
    const std::vector<std::string> row = split(csv[k], ',');
    ASSERT_EQ(row.size(), header.size());
    for (size_t a = 0; a < header.size(); ++a) {
      if (header[a] == "passed") { EXPECT_EQ(row[a], "") << csv[k]; }
      if (header[a] == "measured") { EXPECT_EQ(row[a], "true") << csv[k]; }
    }
  }
}

// host/plots/plot_input_deviation.py (run by run_cube_deviation.sh) on a small cube run: a table row per
// (quantity, d) and a PNG; on a run without measured cases it says so and exits 2. Skipped where
// Debian's python3 with numpy and matplotlib is missing.
TEST_F(CliInputs, DeviationPlotScriptOnACubeRun) {
  if (std::system("/usr/bin/python3 -c 'import numpy, matplotlib' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 with numpy and matplotlib is not available";
  const std::string script = std::string(RELUMC_SOURCE_DIR) + "/host/plots/plot_input_deviation.py";
  ASSERT_EQ(run(small({"--input", "cube", "-d", "2,5", "-q", "loss,gating"})).status, kPass);
  const std::string cmd = "/usr/bin/python3 " + script + " " + out_.string() + " >" + (root_ / "plot.log").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(root_ / "plot.log");
  EXPECT_GT(fs::file_size(out_ / "input_deviation.png"), 1000u);
  const std::vector<std::string> table = lines_of(slurp(out_ / "input_deviation.csv"));
  ASSERT_EQ(table.size(), 7u) << "header + (loss, gating) x (d = 2, 3, 5: kSmall's 3 and the 2, 5 added)";
  EXPECT_EQ(table[1].rfind("loss,2,", 0), 0u) << table[1];

  const fs::path gauss = root_ / "gauss";
  ASSERT_EQ(run(small({}, gauss)).status, kPass);
  const std::string bad = "/usr/bin/python3 " + script + " " + gauss.string() + " >" + (root_ / "plot.log").string() + " 2>&1";
  const int status = std::system(bad.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << slurp(root_ / "plot.log");
  EXPECT_NE(slurp(root_ / "plot.log").find("no measured case"), std::string::npos);
}
