// SPDX-License-Identifier: MIT
// The library API a frontend stands on (include/relumc/relumc.hpp): errors that name fields, not flags;
// grids with inputs; backend resolution with the Gaussian-only rule of the CUDA kernels; a whole
// verification into a directory; power analysis; suites with non-Gaussian inputs; dynamics into a
// directory. Everything here runs without a GPU.
#include "relumc/relumc.hpp"
#include "tests/support/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <string>

namespace relumc {
namespace {

using testing::TempDirTest;
namespace fs = std::filesystem;

using testing::lines_of;
using testing::slurp;

// The InputError that f throws (a failure when it throws none).
template <class F>
InputError error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "no InputError";
  return InputError("none");
}

TEST(Errors, CarryTheFieldAndRenderItPerFrontend) {
  const InputError e("pilot_samples", "10 is below `max_samples` 5");
  EXPECT_EQ(e.field(), "pilot_samples");
  EXPECT_EQ(e.detail(), "10 is below `max_samples` 5");
  EXPECT_STREQ(e.what(), "`pilot_samples` 10 is below `max_samples` 5");
  const auto flag = [](std::string_view f) { return "--" + std::string(f); };
  EXPECT_EQ(render_fields(e.what(), flag), "--pilot_samples 10 is below --max_samples 5");
  EXPECT_EQ(render_fields("no field here", flag), "no field here");
  EXPECT_EQ(render_fields("an `unpaired backquote", flag), "an `unpaired backquote");
  const InputError plain("weights file 'x': expected a JSON object");
  EXPECT_EQ(plain.field(), "");
  EXPECT_EQ(plain.detail(), plain.what());
}

TEST(Grid, InputAndRadiusReachEveryCase) {
  GridSpec spec;
  spec.quantities = {Quantity::Grad, Quantity::Loss};
  spec.angles = {0.5, 2.0};
  spec.dims = {3};
  spec.samples = {1000};
  spec.input = InputKind::Sphere;
  spec.radius = 2.5;
  for (const Case& c : build_grid(spec, 1)) {
    EXPECT_EQ(c.input, InputKind::Sphere);
    EXPECT_EQ(c.radius, 2.5);
  }
  spec.radius.reset();
  for (const Case& c : build_grid(spec, 1)) EXPECT_EQ(c.radius, kDefaultRadius);  // the default radius
  spec.input = InputKind::Cube;
  for (const Case& c : build_grid(spec, 1)) EXPECT_EQ(c.radius, 0);
  spec.radius = 1.0;  // the cube has no radius
  EXPECT_EQ(error_of([&] { build_grid(spec, 1); }).field(), "radius");
  spec.input = InputKind::Ball;
  spec.radius = 1e30;
  EXPECT_EQ(error_of([&] { build_grid(spec, 1); }).field(), "radius");
  spec.radius = 1.0;
  spec.dims = {0};
  EXPECT_EQ(error_of([&] { build_grid(spec, 1); }).field(), "dims");
  EXPECT_EQ(error_of([] { parse_samples("1e99", "max_samples"); }).field(), "max_samples");
}

TEST(Backend, ResolutionKeepsNonGaussianInputsOffCuda) {
  std::string note;
  EXPECT_EQ(resolve_backend(Backend::Cpu, &note, InputKind::Sphere), Backend::Cpu);
  EXPECT_EQ(note, "cpu (asked for)");
  // auto never picks cuda for a non-Gaussian input, whatever this machine has.
  EXPECT_EQ(resolve_backend(Backend::Auto, &note, InputKind::Cube), Backend::Cpu);
  EXPECT_NE(note.find("cpu (auto"), std::string::npos) << note;
  // cuda with a non-Gaussian input is refused: here either for the input or for the missing device.
  const InputError e = error_of([] { resolve_backend(Backend::Cuda, nullptr, InputKind::Ball); });
  EXPECT_EQ(e.field(), "backend");
  std::string why;
  if (cuda_usable(&why)) { EXPECT_NE(std::string(e.what()).find("Gaussian inputs only"), std::string::npos) << e.what(); }
}

TEST(Backend, EstimateCudaItselfRefusesNonGaussianInputs) {
  GridSpec spec;
  spec.quantities = {Quantity::Grad};
  spec.angles = {1.0};
  spec.dims = {4};
  spec.samples = {1000};
  spec.input = InputKind::Sphere;
  const Case c = build_grid(spec, 1).front();
  // A library caller that skips resolve_backend still gets no silently wrong numbers: with or without
  // CUDA in the build, and with or without a device.
  const InputError e = error_of([&] { estimate_cuda(c, {}); });
  EXPECT_EQ(e.field(), "input");
  EXPECT_NE(std::string(e.what()).find("sphere"), std::string::npos) << e.what();
  EXPECT_EQ(error_of([&] { estimate(c, {}, Backend::Cuda); }).field(), "input");
}

class VerifyToDirectory : public TempDirTest {
 protected:
  std::vector<Case> cases() const {
    GridSpec spec;
    spec.quantities = {Quantity::Gating, Quantity::Loss};
    spec.angles = {0.4, 1.9};
    spec.norms = {1.0};
    spec.dims = {3};
    spec.samples = {4000};
    return build_grid(spec, 1);  // 2 gating + 2 loss cases
  }
  VerifyOptions options() const {
    VerifyOptions opt;
    opt.threads = 2;
    return opt;
  }
};

TEST_F(VerifyToDirectory, JournalsRunsWritesAndCompletes) {
  VerifyOutput out;
  out.dir = (root_ / "out").string();
  out.backend_note = "cpu (asked for)";
  const VerifyReport rep = verify_to_directory(cases(), options(), out);
  EXPECT_TRUE(rep.passed);
  EXPECT_EQ(rep.cases.size(), 4u);
  const nlohmann::json j = nlohmann::json::parse(slurp(root_ / "out/results.json"));
  EXPECT_EQ(j["schema_version"], kSchemaVersion);
  EXPECT_EQ(j["backend_note"], "cpu (asked for)");
  EXPECT_EQ(j["cases"].size(), 4u);
  EXPECT_EQ(lines_of(slurp(root_ / "out/results.csv")).size(), 5u);  // header + 4 cases
  const std::vector<std::string> journal = lines_of(slurp(root_ / "out/journal.jsonl"));
  ASSERT_EQ(journal.size(), 6u);  // header, 4 cases, completion
  EXPECT_NE(journal.back().find("complete"), std::string::npos) << journal.back();
  // Byte for byte the numbers of run_verification on the same cases (the writers add nothing else).
  EXPECT_EQ(results_csv(rep), slurp(root_ / "out/results.csv"));
}

TEST_F(VerifyToDirectory, BadOptionsWriteNothing) {
  VerifyOutput out;
  out.dir = (root_ / "out").string();
  VerifyOptions opt = options();
  opt.alpha = 1.5;
  EXPECT_EQ(error_of([&] { verify_to_directory(cases(), opt, out); }).field(), "alpha");
  opt = options();
  opt.cuda_devices = {0};  // devices with the cpu backend
  EXPECT_EQ(error_of([&] { verify_to_directory(cases(), opt, out); }).field(), "cuda_devices");
  opt = options();
  opt.pilot_samples = 10;
  EXPECT_EQ(error_of([&] { verify_to_directory(cases(), opt, out); }).field(), "pilot_samples");
  opt = options();
  opt.target_rel_error = 2;
  EXPECT_EQ(error_of([&] { verify_to_directory(cases(), opt, out); }).field(), "target_rel_error");
  EXPECT_FALSE(fs::exists(root_ / "out"));
  // An unfinished journal is neither overwritten nor mixed.
  std::atomic<bool> stop{true};
  opt = options();
  opt.stop = &stop;
  try {
    verify_to_directory(cases(), opt, out);
    ADD_FAILURE() << "not interrupted";
  } catch (const Interrupted& e) {
    EXPECT_NE(std::string(e.what()).find("after 0 of 4 cases"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("`resume`"), std::string::npos) << e.what();
  }
  const InputError again = error_of([&] { verify_to_directory(cases(), options(), out); });
  EXPECT_NE(std::string(again.what()).find("`resume`"), std::string::npos) << again.what();
  out.resume = true;
  EXPECT_TRUE(verify_to_directory(cases(), options(), out).passed);
  EXPECT_TRUE(fs::exists(root_ / "out/results.json"));
}

TEST(Power, RejectsEveryWrongFormulaAndKeepsTheRightOne) {
  PowerSpec spec;
  spec.quantities = {Quantity::Grad};
  spec.max_samples = 1000000;
  spec.threads = 2;
  const PowerReport rep = power_analysis(spec);
  EXPECT_EQ(rep.ladder, (std::vector<uint64_t>{1000, 10000, 100000, 1000000}));
  ASSERT_EQ(rep.rows.size(), 5u);
  EXPECT_EQ(rep.rows[0].formula, Formula::Tian);
  EXPECT_EQ(rep.rows[0].rejected_at, 0u);
  for (size_t k = 1; k < rep.rows.size(); ++k)
    if (rep.rows[k].applicable) { EXPECT_GT(rep.rows[k].rejected_at, 0u) << to_string(rep.rows[k].formula); }
  EXPECT_TRUE(rep.passed);
  spec.max_samples = 999;
  EXPECT_EQ(error_of([&] { power_analysis(spec); }).field(), "max_samples");
}

TEST(Suite, GroupsMayUseNonGaussianInputs) {
  const std::string text = R"({"suite": "inputs", "seed": 1, "alpha": 0.01, "backend": "auto", "threads": 2,
    "groups": [
      {"quantities": ["grad"], "dims": [4], "angles": [1.0], "norms": [1], "samples": [20000]},
      {"quantities": ["grad", "loss"], "dims": [4], "angles": [1.0], "norms": [1], "samples": [20000],
       "input": "sphere", "radius": 2}]})";
  const Suite s = parse_suite(text, "inputs.json");
  std::string note;
  EXPECT_EQ(resolve_suite_backend(s, "inputs.json", &note), Backend::Cpu);  // never cuda with a sphere group
  const SuiteRun run = run_suite(s, Backend::Cpu, note, false);
  ASSERT_EQ(run.cases.size(), 3u);
  EXPECT_EQ(run.cases[0].c.input, InputKind::Gaussian);
  EXPECT_EQ(run.cases[0].id.find("input"), std::string::npos) << run.cases[0].id;  // ids of earlier versions
  EXPECT_EQ(run.cases[1].c.input, InputKind::Sphere);
  EXPECT_EQ(run.cases[1].c.radius, 2.0);
  EXPECT_NE(run.cases[1].id.find(":input=sphere:R=2"), std::string::npos) << run.cases[1].id;
  EXPECT_TRUE(run.passed);
  // A bad input or radius is named by its key, not by a flag.
  for (const char* bad : {R"("input": "disc")", R"("input": "cube", "radius": 1)"}) {
    const std::string t = std::string(R"({"suite": "x", "groups": [{"quantities": ["grad"], "dims": [3], "samples": [100], )") +
                          bad + "}]}";
    const InputError e = error_of([&] { parse_suite(t, "x.json"); });
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::string(bad).find("radius") != std::string::npos ? "radius" : "input"),
              std::string::npos) << e.what();
  }
}

class DynamicsToDirectory : public TempDirTest {};

TEST_F(DynamicsToDirectory, RunsAndWritesTheThreeFiles) {
  DynamicsSpec s;
  s.K = 2;
  s.Kstar = 2;
  s.d = 3;
  s.teacher = orthonormal_teacher(2, 3, 1.0);
  s.steps = 50;
  s.runs = 3;
  s.record_steps = {0, 50};
  const DynamicsOutcome o = dynamics_to_directory(s, (root_ / "dyn").string(), false);
  EXPECT_EQ(o.runs.size(), 3u);
  for (const char* f : {"runs.csv", "trajectories.csv", "summary.json"}) EXPECT_TRUE(fs::exists(root_ / "dyn" / f)) << f;
  s.lr = 0;
  const InputError e = error_of([&] { dynamics_to_directory(s, (root_ / "bad").string(), false); });
  EXPECT_EQ(e.field(), "lr");
  EXPECT_FALSE(fs::exists(root_ / "bad"));  // validated before the directory is made
}

}  // namespace
}  // namespace relumc
