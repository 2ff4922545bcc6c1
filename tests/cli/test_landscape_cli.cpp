// SPDX-License-Identifier: MIT
// `relumc landscape` end to end: the keys of hessian.json and critical.json, the classification of a known
// saddle and of the global minimum, the Monte Carlo check's verdict in the file and the exit status, a kink
// reported with no NaN written, and bad input (exit 2, the value named, nothing written).
#include "tests/support/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace relumc::testing;

class LandscapeCli : public TempDirTest {
 protected:
  RunResult run(const std::vector<std::string>& args) { return run_cli(args, root_); }

  fs::path weights(const std::string& name, const std::string& text) {
    const fs::path p = root_ / name;
    write_text(p, text);
    return p;
  }

  void expect_rejected(std::vector<std::string> args, const std::string& needle) {
    const fs::path out = root_ / "out-bad";
    args.insert(args.begin(), "landscape");
    args.insert(args.end(), {"-o", out.string(), "--quiet"});
    const RunResult r = run(args);
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    EXPECT_EQ(r.status, kUsage) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << cmd << "\nstderr: " << r.err;
    EXPECT_FALSE(fs::exists(out)) << cmd;
  }
};

const char* kSymmetric = R"({"student": [[0.4, 0.4], [0.4, 0.4]], "teacher": [[1, 0], [0, 1]]})";

}  // namespace

TEST_F(LandscapeCli, HessianWritesTheNamedKeys) {
  const fs::path w = weights("w.json", R"({"student": [[1, 0, 0], [0, 1, 0]]})");  // teacher: identity rows
  const fs::path out = root_ / "h";
  const RunResult r = run({"landscape", "hessian", "--weights", w.string(), "-o", out.string(), "--quiet"});
  ASSERT_EQ(r.status, kPass) << r.err;
  const json j = json::parse(slurp(out / "hessian.json"));
  for (const char* key : {"loss", "gradient", "gradient_norm", "eigenvalues", "index", "nullity", "tolerances", "hessian"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["eigenvalues"].size(), 6u);
  EXPECT_EQ(j["hessian"].size(), 6u);
  EXPECT_EQ(j["index"], 0);
  EXPECT_EQ(j["nullity"], 0);
  EXPECT_LT(j["gradient_norm"].get<double>(), 1e-15);
  EXPECT_GT(j["tolerances"]["eigen_abs"].get<double>(), 0);
  EXPECT_FALSE(j.contains("mc_check"));
  const std::string csv = slurp(out / "eigenvalues.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 7);
}

TEST_F(LandscapeCli, CriticalFindsTheSymmetricSaddleAndConfirmsItByMonteCarlo) {
  const fs::path w = weights("w.json", kSymmetric);
  const fs::path out = root_ / "c";
  const RunResult r = run({"landscape", "critical", "--weights", w.string(), "--mc-samples", "100000", "--seed", "2",
                           "-o", out.string(), "--quiet"});
  ASSERT_EQ(r.status, kPass) << r.err;
  const json j = json::parse(slurp(out / "critical.json"));
  EXPECT_EQ(j["kind"], "saddle");
  EXPECT_EQ(j["index"], 1);
  EXPECT_EQ(j["nullity"], 1);
  EXPECT_EQ(j["k1"], 0);
  EXPECT_EQ(j["student"].size(), 2u);
  EXPECT_TRUE(j["mc_check"]["passed"].get<bool>());
  ASSERT_EQ(j["mc_check"]["tests"].size(), 5u);  // a saddle: its negative curvature is checked too
  EXPECT_EQ(j["mc_check"]["tests"][0]["name"], "gradient_zero");
  EXPECT_EQ(j["mc_check"]["tests"][3]["name"], "hessian_diagonal");
  EXPECT_EQ(j["mc_check"]["tests"][4]["name"], "negative_curvature");
  EXPECT_LT(j["mc_check"]["tests"][4]["mc_second_difference"].get<double>(), 0);
}

TEST_F(LandscapeCli, HessianChecksTheClosedFormGradientAndCriticalRefusesANonCriticalEnd) {
  // hessian compares the MC gradient with the closed-form gradient (pass); critical with a start that it may
  // not move from (--max-iterations 0) is not critical: exit 1, kind not-critical, no MC check.
  const fs::path w = weights("w.json", kSymmetric);
  const RunResult h = run({"landscape", "hessian", "--weights", w.string(), "--mc-samples", "50000", "-o",
                           (root_ / "h").string(), "--quiet"});
  EXPECT_EQ(h.status, kPass) << h.err;
  EXPECT_EQ(json::parse(slurp(root_ / "h" / "hessian.json"))["mc_check"]["tests"][0]["name"], "gradient");
  const RunResult c = run({"landscape", "critical", "--weights", w.string(), "--max-iterations", "0", "--mc-samples",
                           "50000", "-o", (root_ / "c").string(), "--quiet"});
  EXPECT_EQ(c.status, kFail) << c.err;
  const json j = json::parse(slurp(root_ / "c" / "critical.json"));
  EXPECT_EQ(j["kind"], "not-critical");
  EXPECT_FALSE(j.contains("mc_check"));
}

TEST_F(LandscapeCli, AZeroRowIsReportedAsAKinkWithoutNaN) {
  const fs::path w = weights("w.json", R"({"student": [[0, 0], [0.4, 0.4]], "teacher": [[1, 0], [0, 1]]})");
  for (const char* sub : {"hessian", "critical"}) {
    const fs::path out = root_ / sub;
    const RunResult r = run({"landscape", sub, "--weights", w.string(), "-o", out.string(), "--quiet"});
    ASSERT_EQ(r.status, kPass) << r.err;
    const std::string text = slurp(out / (std::string(sub) + ".json"));
    EXPECT_EQ(lower(text).find("nan"), std::string::npos);
    const json j = json::parse(text);
    EXPECT_EQ(j["kink"], 0);
    EXPECT_TRUE(j["gradient_norm"].is_null());
    EXPECT_TRUE(j["eigenvalues"].empty());
    if (std::string(sub) == "critical") { EXPECT_EQ(j["kind"], "kink"); }
  }
}

TEST_F(LandscapeCli, BadInputExitsTwoNamingTheValueAndWritesNothing) {
  const std::string good = weights("good.json", kSymmetric).string();
  const std::string zero_teacher = weights("zt.json", R"({"student": [[1, 0]], "teacher": [[0, 0]]})").string();
  const std::string ragged = weights("rag.json", R"({"student": [[1, 0], [1]]})").string();
  const std::string wide = weights("wide.json", R"({"student": [[1, 0], [0, 1], [1, 1]]})").string();
  expect_rejected({"hessian", "--weights", (root_ / "missing.json").string()}, "missing.json");
  expect_rejected({"hessian", "--weights", zero_teacher}, "teacher row 0 is the zero vector");
  expect_rejected({"critical", "--weights", ragged}, "ragged");
  expect_rejected({"hessian", "--weights", wide}, "d >= K");
  expect_rejected({"hessian", "--weights", good, "--eigen-tol", "0"}, "--eigen-tol 0");
  expect_rejected({"critical", "--weights", good, "--gradient-tol", "-1"}, "--gradient-tol -1");
  expect_rejected({"critical", "--weights", good, "--kink-tol", "2"}, "--kink-tol 2");
  expect_rejected({"hessian", "--weights", good, "--mc-samples", "1"}, "--mc-samples 1");
  expect_rejected({"hessian", "--weights", good, "--alpha", "1.5"}, "--alpha 1.5");
  expect_rejected({"hessian"}, "--weights");
}

TEST_F(LandscapeCli, CensusWritesSharesAndFamilies) {
  const fs::path out = root_ / "census";
  const RunResult r = run({"landscape", "census", "-k", "3", "-K", "3", "--runs", "6", "--seed", "2", "-o", out.string(),
                           "--quiet"});
  ASSERT_EQ(r.status, kPass) << r.err;
  const json j = json::parse(slurp(out / "census.json"));
  for (const char* key : {"runs", "share_global", "share_spurious", "share_global_ci95_wilson", "families"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["runs"], 6);
  ASSERT_FALSE(j["families"].empty());
  for (const char* key : {"k1", "runs", "loss", "lambda_min", "kind"}) EXPECT_TRUE(j["families"][0].contains(key)) << key;
  const std::string csv = slurp(out / "census_runs.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 7);
  const fs::path mc = root_ / "census-mc";  // every family confirmed by Monte Carlo
  const RunResult m = run({"landscape", "census", "-k", "3", "-K", "3", "--runs", "6", "--seed", "2", "--mc-samples",
                           "50000", "-o", mc.string(), "--quiet"});
  ASSERT_EQ(m.status, kPass) << m.err;
  for (const json& fam : json::parse(slurp(mc / "census.json"))["families"])
    EXPECT_TRUE(fam["mc_check"]["passed"].get<bool>()) << fam.dump();
  expect_rejected({"census", "-k", "3", "-d", "2"}, "--dim 2");
  expect_rejected({"census", "--mc-samples", "1"}, "--mc-samples 1");
  expect_rejected({"census", "--alpha", "0"}, "--alpha 0");
  expect_rejected({"census", "--lr", "0"}, "--lr 0");
  expect_rejected({"census", "--switch-tol", "-1"}, "--switch-tol -1");
}

// The census journal through the CLI: a journal cut after three runs (an interruption) is resumed with
// --resume to the same census.json and census_runs.csv as a straight run (all but the "run" timing block); a
// different seed or --init is refused naming the flag, nothing else written; an unfinished journal is not
// discarded without --restart; --init xavier is recorded in the spec.
TEST_F(LandscapeCli, CensusResumesFromItsJournal) {
  const fs::path straight = root_ / "census-straight", cut = root_ / "census-cut";
  auto with = [&](std::vector<std::string> extra, const fs::path& out) {
    std::vector<std::string> a = {"landscape", "census", "-k", "7", "-K", "7", "--runs", "8", "--threads", "2", "--quiet"};
    if (std::find(extra.begin(), extra.end(), "--seed") == extra.end()) a.insert(a.end(), {"--seed", "3"});
    a.insert(a.end(), extra.begin(), extra.end());
    a.push_back("-o");
    a.push_back(out.string());
    return run(a);
  };
  ASSERT_EQ(with({}, straight).status, kPass);
  const std::string journal = slurp(straight / "journal.jsonl");
  EXPECT_NE(journal.find("{\"complete\":true}"), std::string::npos);
  // Header and the first three runs (in finishing order), then a torn line: what a crash leaves.
  size_t pos = 0;
  for (int line = 0; line < 4; ++line) pos = journal.find('\n', pos) + 1;
  fs::create_directories(cut);
  {
    std::ofstream f(cut / "journal.jsonl", std::ios::binary);
    f << journal.substr(0, pos) << "{\"run\": 5, \"kind\": \"mini";
  }
  const RunResult refused = with({}, cut);
  EXPECT_EQ(refused.status, kUsage);
  EXPECT_NE(refused.err.find("--restart"), std::string::npos) << refused.err;
  const RunResult seed = with({"--resume", "--seed", "4"}, cut);
  EXPECT_EQ(seed.status, kUsage);
  EXPECT_NE(seed.err.find("--seed was 3, this run has 4"), std::string::npos) << seed.err;
  const RunResult init = with({"--resume", "--init", "xavier"}, cut);
  EXPECT_EQ(init.status, kUsage);
  EXPECT_NE(init.err.find("--init was \"gaussian\""), std::string::npos) << init.err;
  EXPECT_FALSE(fs::exists(cut / "census.json"));
  const RunResult resumed = with({"--resume"}, cut);
  ASSERT_EQ(resumed.status, kPass) << resumed.err;
  EXPECT_NE(resumed.err.find("3 of 8 runs already done"), std::string::npos) << resumed.err;
  json a = json::parse(slurp(straight / "census.json")), b = json::parse(slurp(cut / "census.json"));
  a.erase("run"), b.erase("run");
  EXPECT_EQ(a, b);
  EXPECT_EQ(slurp(straight / "census_runs.csv"), slurp(cut / "census_runs.csv"));
  const fs::path xavier = root_ / "census-xavier";
  ASSERT_EQ(with({"--init", "xavier"}, xavier).status, kPass);
  EXPECT_EQ(json::parse(slurp(xavier / "census.json"))["spec"]["init"].get<std::string>().rfind("xavier", 0), 0u);
  expect_rejected({"census", "--init", "he"}, "--init 'he'");
}

TEST_F(LandscapeCli, TianLWritesThePointAndTheMap) {
  const fs::path out = root_ / "tl";
  RunResult r = run({"landscape", "tian-l", "--theta", "1.5707963267948966", "--phi", "3.141592653589793", "-o", out.string()});
  ASSERT_EQ(r.status, kPass) << r.err;
  EXPECT_NE(r.out.find("L_12"), std::string::npos) << r.out;
  const json j = json::parse(slurp(out / "tian_l.json"));
  for (const char* key : {"schema_version", "command", "mode", "theta", "phi", "students", "teacher", "M_r", "M_off", "M_star_r",
                          "M_star_off", "norms", "L_12", "L_21"})
    EXPECT_TRUE(j.contains(key)) << key;
  const double pi = std::acos(-1.0), D = pi * pi - 1;  // worked by hand in test_tian_l.cpp
  EXPECT_NEAR(j["L_12"].get<double>(), -(pi / 2) * pi / D, 1e-14);
  EXPECT_NEAR(j["L_21"].get<double>(), -pi / 2 + (pi / 2) / D, 1e-14);

  const fs::path map = root_ / "map";
  r = run({"landscape", "tian-l", "--map", "--phi-steps", "9", "--theta-steps", "5", "-o", map.string(), "--quiet"});
  ASSERT_EQ(r.status, kPass) << r.err;  // with or without matplotlib: a failed plot is only a warning
  const std::string csv = slurp(map / "tian_l_map.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 9 * 5);
  EXPECT_EQ(csv.find("nan"), std::string::npos);
  const json m = json::parse(slurp(map / "tian_l_map.json"));
  EXPECT_EQ(m["L_12"].size(), 5u);
  EXPECT_EQ(m["L_12"][0].size(), 9u);
  EXPECT_TRUE(m["L_12"][0][0].is_null());  // theta = 0: undefined
  EXPECT_TRUE(m["L_21"][4][3].is_number());
}

TEST_F(LandscapeCli, TianLRejectsBadInput) {
  expect_rejected({"tian-l", "--theta", "0", "--phi", "1"}, "theta");
  expect_rejected({"tian-l", "--theta", "3.5", "--phi", "1"}, "theta");
  expect_rejected({"tian-l", "--theta", "1", "--phi", "-0.5"}, "phi");
  expect_rejected({"tian-l", "--theta", "1", "--phi", "nan"}, "phi");
  expect_rejected({"tian-l", "--theta", "1"}, "phi");
  expect_rejected({"tian-l", "--map", "--phi-steps", "1"}, "phi-steps");
  expect_rejected({"tian-l", "--map", "--theta", "1"}, "theta");
}

// `landscape ode`: both flows from a start near the global minimum (K = K* = 3, d = 3; teacher the identity rows)
// agree, the fixed point is Q = M = P (attractive; the slowest eigenvalue -(1/4 - 1/(2 pi)) of the Hessian at W*), the
// trajectory CSV has the promised columns and no NaN, and --no-plot writes no PNG.
TEST_F(LandscapeCli, OdeIntegratesBothFlowsAndFindsTheGlobalMinimum) {
  const fs::path w = weights("w.json", R"({"student": [[0.9, 0.3, -0.2], [0.1, 0.5, 0.4], [-0.3, 0.2, 0.8]]})");
  const fs::path out = root_ / "ode";
  const RunResult r = run({"landscape", "ode", "--weights", w.string(), "--t-end", "60", "--dt", "0.1", "--samples", "31",
                           "--no-plot", "-o", out.string(), "--quiet"});
  ASSERT_EQ(r.status, kPass) << r.err;
  const json j = json::parse(slurp(out / "ode.json"));
  EXPECT_EQ(j["command"], "landscape ode");
  EXPECT_TRUE(j["flows_agree"].get<bool>());
  EXPECT_TRUE(j["first_disagreement_t"].is_null());
  EXPECT_EQ(j["spec"]["steps"], 600);
  EXPECT_EQ(j["fixed_point"]["stability"], "attractive");
  EXPECT_TRUE(j["fixed_point"]["converged"].get<bool>());
  EXPECT_EQ(j["fixed_point"]["eigenvalues"].size(), 15u);  // 6 of Q, 9 of M
  EXPECT_NEAR(j["fixed_point"]["eigenvalues"][0]["re"].get<double>(), -(0.25 - 1 / (2 * M_PI)), 1e-10);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) EXPECT_NEAR(j["fixed_point"]["M"][a][b].get<double>(), a == b ? 1.0 : 0.0, 1e-10);
  EXPECT_EQ(j["critical"]["kind"], "minimum");
  EXPECT_LT(j["critical"]["distance_to_fixed_point"].get<double>(), 1e-10);
  EXPECT_EQ(j["k1"], 0);
  const std::string csv = slurp(out / "ode_trajectory.csv");
  EXPECT_EQ(csv.rfind("t,loss,Q_0_0,", 0), 0u);
  EXPECT_NE(csv.find(",M_2_2,loss_w,deviation,gram_min_eigenvalue\n"), std::string::npos);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 32);
  EXPECT_EQ(csv.find("nan"), std::string::npos);
  EXPECT_FALSE(fs::exists(out / "ode.png"));
}

TEST_F(LandscapeCli, OdeRefusesBadInput) {
  const fs::path w = weights("w.json", R"({"student": [[1, 0], [0, 1]]})");
  const fs::path kink = weights("k.json", R"({"student": [[0, 0], [0, 1]]})");
  expect_rejected({"ode", "--weights", w.string(), "--dt", "0"}, "--dt");
  expect_rejected({"ode", "--weights", w.string(), "--t-end", "-1"}, "--t-end");
  expect_rejected({"ode", "--weights", w.string(), "--samples", "1"}, "--samples");
  expect_rejected({"ode", "--weights", w.string(), "--field-tol", "2"}, "--field-tol");
  expect_rejected({"ode", "--weights", kink.string()}, "k.json");
}
