// SPDX-License-Identifier: MIT
// Bad input, caught by the library's parsers and validators and named there: every InputError carries
// the field it is about (e.field(), "" when it names none) and a message that names the bad value, and
// never a command-line flag (the library speaks in fields; only the CLI renders `field` as --field,
// host/cli/common.hpp). These are the checks tests/cli/test_cli.cpp used to make through one process
// spawn each; test_cli keeps one end-to-end test per error class (exit 2, the flag and value on stderr,
// nothing written).
//
// Each area is a table of bad calls (what is called, the field, the words the message must contain);
// the tests run each table, and NoMessageNamesAFlag runs them all again for the guard.
#include "host/backend/cpu/cpu_kernel.hpp"  // simd_kernel_available
#include "relumc/backend/cpu/cpu_backend.hpp"
#include "relumc/backend/cuda/cuda_backend.hpp"
#include "relumc/backend/estimate.hpp"
#include "relumc/core/case.hpp"
#include "relumc/dynamics/dynamics.hpp"
#include "relumc/dynamics/experiments.hpp"
#include "relumc/dynamics/weights.hpp"
#include "relumc/io/files.hpp"
#include "relumc/math/input.hpp"
#include "relumc/plan/sample_plan.hpp"
#include "relumc/plan/sweep.hpp"
#include "relumc/plan/weights_file.hpp"
#include "relumc/regress/suite.hpp"
#include "relumc/run/verify.hpp"
#include "tests/support/cli_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using relumc::Backend;
using relumc::Case;
using relumc::GridSpec;
using relumc::InputError;
using relumc::InputKind;
using relumc::Quantity;
using relumc::VerifyOptions;
using relumc::testing::files_under;
using relumc::testing::TempDirTest;
using relumc::testing::write_text;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// One bad call: what is called (for messages), the call, the InputError's field() ("" when the message
// names no single field), and words its what() must contain: the bad value first, then what else names it.
struct BadCall {
  std::string call;
  std::function<void()> run;
  std::string field;
  std::vector<std::string> needles;
};
using Table = std::vector<BadCall>;

// Runs b; expects an InputError with b's field, "`field` " leading its message when the field is named,
// and every needle in the message. Returns the message ("" when none was thrown).
std::string expect_input_error(const BadCall& b) {
  try {
    b.run();
    ADD_FAILURE() << b.call << ": accepted, expected an InputError naming `" << b.field << "`";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.field(), b.field) << b.call << ": " << what;
    if (!b.field.empty()) {
      EXPECT_EQ(what.rfind("`" + b.field + "` ", 0), 0u) << b.call << ": the message does not lead with the field: " << what;
      EXPECT_EQ(what, "`" + b.field + "` " + e.detail()) << b.call;
    }
    for (const std::string& n : b.needles)
      EXPECT_NE(what.find(n), std::string::npos) << b.call << ": the message does not name '" << n << "': " << what;
    return what;
  } catch (const std::exception& e) {
    ADD_FAILURE() << b.call << ": threw another exception than InputError: " << e.what();
  }
  return {};
}

void expect_all(const Table& table) {
  for (const BadCall& b : table) expect_input_error(b);
}

// ---------------------------------------------------------------- the grid (--angles, --norms, ...)

// A small valid grid (what the CLI tests ran: d = 3, three angles, |w| = 1, N = 2000).
GridSpec small_grid() {
  GridSpec g;
  g.dims = {3};
  g.angles = relumc::angle_steps(3);
  g.norms = {1};
  g.samples = {2000};
  return g;
}

// build_grid(small_grid() changed by edit).
BadCall grid(const std::string& call, const std::function<void(GridSpec&)>& edit, const std::string& field,
             std::vector<std::string> needles) {
  return {"build_grid " + call,
          [edit] {
            GridSpec g = small_grid();
            edit(g);
            relumc::build_grid(g, 1);
          },
          field, std::move(needles)};
}

Table grid_calls() {
  return {
      grid("angles 4", [](GridSpec& g) { g.angles = {4}; }, "angles", {"4", "[0, pi]"}),
      grid("angles -0.1", [](GridSpec& g) { g.angles = {-0.1}; }, "angles", {"-0.1"}),
      grid("angles 0.5,3.2", [](GridSpec& g) { g.angles = {0.5, 3.2}; }, "angles", {"3.2"}),
      grid("angles nan", [](GridSpec& g) { g.angles = {kNaN}; }, "angles", {"nan"}),
      grid("angles inf", [](GridSpec& g) { g.angles = {kInf}; }, "angles", {"inf"}),
      grid("norms inf", [](GridSpec& g) { g.norms = {kInf}; }, "norms", {"inf"}),
      grid("norms 0", [](GridSpec& g) { g.norms = {0}; }, "norms", {"0", "> 0"}),
      grid("ratios nan", [](GridSpec& g) { g.ratios = {kNaN}; }, "ratios", {"nan"}),
      grid("ratios -2", [](GridSpec& g) { g.ratios = {-2}; }, "ratios", {"-2"}),
      grid("dims 0", [](GridSpec& g) { g.dims = {0}; }, "dims", {"0", "[1, 2^24]"}),
      grid("dims -3", [](GridSpec& g) { g.dims = {-3}; }, "dims", {"-3"}),
      grid("dims 2^24 + 1", [](GridSpec& g) { g.dims = {(int64_t{1} << 24) + 1}; }, "dims", {"16777217"}),
      grid("units 0", [](GridSpec& g) { g.units = {0}; }, "units", {"0", "[1, 4096]"}),
      grid("teacher_units -1", [](GridSpec& g) { g.teacher_units = {-1}; }, "teacher_units", {"-1"}),
      grid("random_cases -1", [](GridSpec& g) { g.random_cases = -1; }, "random_cases", {"-1"}),
      grid("no quantity", [](GridSpec& g) { g.quantities.clear(); }, "quantities", {"empty"}),
      grid("no sample count", [](GridSpec& g) { g.samples.clear(); }, "samples", {"empty"}),
      // In d = 1 only the angles 0 and pi exist.
      grid("dims 1 angles 1.5", [](GridSpec& g) { g.dims = {1}, g.angles = {1.5}; }, "", {"1.5", "d >= 2"}),
      // parse_samples takes "1"; the case then refuses it (the standard error needs two samples).
      grid("samples 1", [](GridSpec& g) { g.samples = {1}; }, "", {"samples = 1", ">= 2"}),
      // The radius, through the grid (input_radius below has the rest).
      grid("gaussian radius 2", [](GridSpec& g) { g.radius = 2; }, "radius", {"2", "gaussian"}),
      grid("sphere radius 0", [](GridSpec& g) { g.input = InputKind::Sphere, g.radius = 0; }, "radius", {"0"}),
      {"angle_steps 0", [] { relumc::angle_steps(0); }, "", {"angle steps = 0", ">= 1"}},
  };
}

TEST(Parsers, GridValuesAreNamed) { expect_all(grid_calls()); }

TEST(Parsers, GoodGridsAreAccepted) {
  EXPECT_EQ(relumc::build_grid(small_grid(), 1).size(), 9u);  // 3 quantities x 3 angles
  GridSpec g = small_grid();
  g.dims = {1};
  g.angles = {0, relumc::kPi};
  EXPECT_EQ(relumc::build_grid(g, 1).size(), 6u);
  g = small_grid();
  g.input = InputKind::Ball;
  g.radius = 2.5;
  for (const Case& c : relumc::build_grid(g, 1)) EXPECT_EQ(c.radius, 2.5);
  EXPECT_EQ(relumc::angle_steps(1), std::vector<double>{0.0});
  EXPECT_EQ(relumc::angle_steps(3).back(), relumc::kPi);
}

// ---------------------------------------------------------------- sample counts (--samples, --pilot-samples)

BadCall samples(const std::string& text, std::vector<std::string> needles, const std::string& field = "samples") {
  if (needles.empty()) needles = {text};
  return {"parse_samples '" + text + "'", [text, field] { relumc::parse_samples(text, field); }, field,
          std::move(needles)};
}

Table sample_calls() {
  return {samples("0", {"0", ">= 2"}),
          samples("-5", {}),
          samples("1.5", {"1.5", "not an integer"}),
          samples("abc", {}),
          samples("1e20", {"1e20", "2^64"}),
          samples("99999999999999999999", {"99999999999999999999", "2^64"}),
          samples("inf", {}),
          samples("nan", {}),
          samples("", {"empty"}),
          samples("0x10", {}),  // strtod would read hexadecimal; the parser does not
          samples(" 5", {}),
          samples("+5", {}),
          samples("1e", {}),
          samples("abc", {"abc"}, "pilot_samples"),
          samples("1.5e0", {"1.5e0"}, "max_samples")};
}

TEST(Parsers, SampleCountsAreNamed) { expect_all(sample_calls()); }

TEST(Parsers, SampleCountsAcceptPlainAndScientificIntegers) {
  EXPECT_EQ(relumc::parse_samples("2000"), 2000u);
  EXPECT_EQ(relumc::parse_samples("1e3"), 1000u);
  EXPECT_EQ(relumc::parse_samples("2.5E6"), 2500000u);
  EXPECT_EQ(relumc::parse_samples("1e+4"), 10000u);
  EXPECT_EQ(relumc::parse_samples("1"), 1u);  // parsed; a case then refuses N < 2 (GridValuesAreNamed)
  EXPECT_EQ(relumc::parse_samples("18446744073709551615"), relumc::kMaxSamples);
}

// ---------------------------------------------------------------- input distributions (--input, --radius)

Table radius_calls() {
  auto radius = [](InputKind input, std::optional<double> r, const std::string& call, std::vector<std::string> needles) {
    return BadCall{"input_radius " + call, [input, r] { relumc::input_radius(input, r); }, "radius", std::move(needles)};
  };
  return {radius(InputKind::Sphere, 0.0, "sphere 0", {"0"}),
          radius(InputKind::Sphere, -1.0, "sphere -1", {"-1"}),
          radius(InputKind::Ball, kNaN, "ball nan", {"nan"}),
          radius(InputKind::Ball, kInf, "ball inf", {"inf"}),
          radius(InputKind::Ball, 1e30, "ball 1e30", {"1e+30"}),  // the value as fmt writes it
          radius(InputKind::Gaussian, 2.0, "gaussian 2", {"2", "gaussian", "`input` sphere and ball"}),
          radius(InputKind::Cube, 1.0, "cube 1", {"1", "cube"})};
}

TEST(Parsers, RadiiAreNamed) { expect_all(radius_calls()); }

TEST(Parsers, RadiusDefaultsAndBounds) {
  EXPECT_EQ(relumc::input_radius(InputKind::Gaussian, std::nullopt), 0.0);
  EXPECT_EQ(relumc::input_radius(InputKind::Cube, std::nullopt), 0.0);
  EXPECT_EQ(relumc::input_radius(InputKind::Sphere, std::nullopt), relumc::kDefaultRadius);
  EXPECT_EQ(relumc::input_radius(InputKind::Ball, relumc::kMinRadius), relumc::kMinRadius);
  EXPECT_EQ(relumc::input_radius(InputKind::Ball, relumc::kMaxRadius), relumc::kMaxRadius);
}

// ---------------------------------------------------------------- named choices (--quantity, --backend, ...)

// The parsers of named choices return nothing for an unknown name (the CLI turns that into an InputError
// naming its flag and the choices) and take back every name they print.
TEST(Parsers, UnknownChoicesAreNotParsed) {
  for (const char* s : {"hessian", "foo", "", "Gating", "grad "}) EXPECT_FALSE(relumc::parse_quantity(s)) << s;
  for (const char* s : {"nonsense", "", "Tian"}) EXPECT_FALSE(relumc::parse_formula(s)) << s;
  for (const char* s : {"half", "", "single", "Double"}) EXPECT_FALSE(relumc::parse_precision(s)) << s;
  for (const char* s : {"foo", "", "normal", "Sphere"}) EXPECT_FALSE(relumc::parse_input(s)) << s;
  for (const char* s : {"tpu", "", "gpu", "CUDA"}) EXPECT_FALSE(relumc::parse_backend(s)) << s;
  for (const char* s : {"avx9", "", "avx2", "SIMD"}) EXPECT_FALSE(relumc::parse_cpu_kernel(s)) << s;
}

TEST(Parsers, EveryChoiceParsesItsOwnName) {
  for (Quantity q : {Quantity::Gating, Quantity::Grad, Quantity::Loss})
    EXPECT_EQ(relumc::parse_quantity(relumc::to_string(q)), q);
  for (relumc::Formula f : {relumc::Formula::Tian, relumc::Formula::SinSign, relumc::Formula::ThetaSwap,
                            relumc::Formula::LostHalf, relumc::Formula::NormSwap, relumc::Formula::Unscaled})
    EXPECT_EQ(relumc::parse_formula(relumc::to_string(f)), f);
  for (relumc::Precision p : {relumc::Precision::Float, relumc::Precision::Double})
    EXPECT_EQ(relumc::parse_precision(relumc::to_string(p)), p);
  for (InputKind k : relumc::kInputKinds) EXPECT_EQ(relumc::parse_input(relumc::to_string(k)), k);
  for (Backend b : {Backend::Auto, Backend::Cpu, Backend::Cuda}) EXPECT_EQ(relumc::parse_backend(relumc::to_string(b)), b);
  for (relumc::CpuKernel k : {relumc::CpuKernel::Auto, relumc::CpuKernel::Simd, relumc::CpuKernel::Scalar})
    EXPECT_EQ(relumc::parse_cpu_kernel(relumc::to_string(k)), k);
}

// ---------------------------------------------------------------- cases (validate)

Case good_case() {
  Case c;
  c.quantity = Quantity::Grad;
  c.d = 3;
  c.K = 2;
  c.Kstar = 1;
  c.student = {1, 0.2, -0.3, -0.4, 0.9, 0.1};
  c.teacher = {0.5, 0.5, 0.5};
  c.samples = 2000;
  return c;
}

BadCall bad_case(const std::string& call, const std::function<void(Case&)>& edit, const std::string& field,
                 std::vector<std::string> needles) {
  return {"validate(Case) " + call,
          [edit] {
            Case c = good_case();
            edit(c);
            relumc::validate(c);
          },
          field, std::move(needles)};
}

Table case_calls() {
  return {
      bad_case("d 0", [](Case& c) { c.d = 0; }, "", {"d = 0", ">= 1"}),
      bad_case("K 0", [](Case& c) { c.K = 0; }, "", {"K = 0"}),
      bad_case("K* 0", [](Case& c) { c.Kstar = 0; }, "", {"K* = 0"}),
      bad_case("student size", [](Case& c) { c.student.pop_back(); }, "", {"student", "5 numbers", "2 rows"}),
      bad_case("teacher nan", [](Case& c) { c.teacher[1] = kNaN; }, "", {"teacher row 0 component 1", "nan"}),
      bad_case("student inf", [](Case& c) { c.student[4] = -kInf; }, "", {"student row 1 component 1", "-inf"}),
      bad_case("zero student row", [](Case& c) { c.student[3] = c.student[4] = c.student[5] = 0; }, "",
               {"student row 1", "zero"}),
      bad_case("gating zero w", [](Case& c) { c.quantity = Quantity::Gating, c.K = 1, c.student = {0, 0, 0}; }, "",
               {"w row 0", "zero"}),
      bad_case("gating two rows", [](Case& c) { c.quantity = Quantity::Gating, c.Kstar = 1; }, "", {"gating", "one e"}),
      bad_case("samples 1", [](Case& c) { c.samples = 1; }, "", {"samples = 1"}),
      bad_case("samples 0", [](Case& c) { c.samples = 0; }, "", {"samples = 0"}),
      bad_case("sphere radius 0", [](Case& c) { c.input = InputKind::Sphere, c.radius = 0; }, "radius", {"0", "sphere"}),
      bad_case("ball radius nan", [](Case& c) { c.input = InputKind::Ball, c.radius = kNaN; }, "radius", {"nan", "ball"}),
  };
}

TEST(Parsers, CasesAreValidatedNamingTheValue) {
  EXPECT_NO_THROW(relumc::validate(good_case()));
  expect_all(case_calls());
}

// ---------------------------------------------------------------- run options (--alpha, --devices, the planner)

VerifyOptions good_options() {
  VerifyOptions o;
  o.backend = Backend::Cpu;
  return o;
}

BadCall bad_options(const std::string& call, const std::function<void(VerifyOptions&)>& edit, const std::string& field,
                    std::vector<std::string> needles) {
  return {"check_verify_options " + call,
          [edit] {
            VerifyOptions o = good_options();
            edit(o);
            relumc::check_verify_options(o);
          },
          field, std::move(needles)};
}

Table option_calls() {
  return {
      bad_options("alpha 0", [](VerifyOptions& o) { o.alpha = 0; }, "alpha", {"0", "(0, 1)"}),
      bad_options("alpha 1.5", [](VerifyOptions& o) { o.alpha = 1.5; }, "alpha", {"1.5"}),
      bad_options("alpha 1", [](VerifyOptions& o) { o.alpha = 1; }, "alpha", {"1"}),
      bad_options("alpha nan", [](VerifyOptions& o) { o.alpha = kNaN; }, "alpha", {"nan"}),
      bad_options("backend auto", [](VerifyOptions& o) { o.backend = Backend::Auto; }, "backend", {"auto", "resolve"}),
      // Devices are for the cuda backend only, each a device number listed once (no device needed to check).
      bad_options("cpu with devices 0,1", [](VerifyOptions& o) { o.cuda_devices = {0, 1}; }, "cuda_devices",
                  {"0,1", "cuda", "cpu"}),
      bad_options("cuda devices 0,-1", [](VerifyOptions& o) { o.backend = Backend::Cuda, o.cuda_devices = {0, -1}; },
                  "cuda_devices", {"-1", "not a device number"}),
      bad_options("cuda devices 0,0", [](VerifyOptions& o) { o.backend = Backend::Cuda, o.cuda_devices = {0, 0}; },
                  "cuda_devices", {"device 0", "listed twice"}),
      // The planner's settings, through check_verify_options and check_sample_plan alike.
      bad_options("target_rel_error 1.5", [](VerifyOptions& o) { o.target_rel_error = 1.5; }, "target_rel_error",
                  {"1.5"}),
      bad_options("target_rel_error -0.1", [](VerifyOptions& o) { o.target_rel_error = -0.1; }, "target_rel_error",
                  {"-0.1"}),
      bad_options("time_budget inf", [](VerifyOptions& o) { o.time_budget = kInf; }, "time_budget", {"inf"}),
      bad_options("time_budget -1", [](VerifyOptions& o) { o.time_budget = -1; }, "time_budget", {"-1"}),
      bad_options("pilot_samples 999", [](VerifyOptions& o) { o.pilot_samples = 999; }, "pilot_samples",
                  {"999", "1000"}),
      bad_options("max_samples 5000 < pilot 10000", [](VerifyOptions& o) { o.max_samples = 5000; }, "max_samples",
                  {"5000", "10000", "`pilot_samples`"}),
      {"check_sample_plan pilot_samples 10",
       [] {
         VerifyOptions o = good_options();
         o.pilot_samples = 10;
         relumc::check_sample_plan(o);
       },
       "pilot_samples", {"10"}},
  };
}

TEST(Parsers, RunOptionsAreNamed) {
  EXPECT_NO_THROW(relumc::check_verify_options(good_options()));
  VerifyOptions cuda = good_options();
  cuda.backend = Backend::Cuda;
  cuda.cuda_devices = {0, 1};
  EXPECT_NO_THROW(relumc::check_verify_options(cuda));  // which devices exist is the estimate's to check
  expect_all(option_calls());
}

// ---------------------------------------------------------------- backends (--backend, --cpu-kernel)

Table backend_calls() {
  Table t{{"estimate on backend auto",
           [] { relumc::estimate(good_case(), {}, Backend::Auto); }, "backend", {"auto", "resolve"}}};
  std::string why;
  if (!relumc::cuda_usable(&why)) {
    t.push_back({"resolve_backend cuda without a usable device",
                 [] { relumc::resolve_backend(Backend::Cuda, nullptr); }, "backend", {"cuda", why}});
  } else {
    t.push_back({"resolve_backend cuda with a sphere input",
                 [] { relumc::resolve_backend(Backend::Cuda, nullptr, InputKind::Sphere); }, "backend",
                 {"cuda", "sphere", "Gaussian"}});
  }
  // The CUDA seam checks the case in every build (with or without CUDA): non-Gaussian inputs are refused.
  t.push_back({"estimate_cuda of a cube case",
               [] {
                 Case c = good_case();
                 c.input = InputKind::Cube;
                 relumc::estimate_cuda(c, {});
               },
               "input", {"cube", "Gaussian"}});
  if (!relumc::simd_kernel_available())  // a CPU without an FMA SIMD target cannot run the SIMD kernel
    t.push_back({"cpu_kernel_name simd", [] { relumc::cpu_kernel_name(relumc::CpuKernel::Simd); }, "cpu_kernel",
                 {"simd", "fused multiply-add"}});
  return t;
}

TEST(Parsers, BackendsAreNamed) {
  expect_all(backend_calls());
  std::string note;
  EXPECT_EQ(relumc::resolve_backend(Backend::Cpu, &note), Backend::Cpu);
  EXPECT_NE(note.find("cpu"), std::string::npos) << note;
  // auto never refuses: the CPU whenever CUDA cannot take the run, saying why.
  EXPECT_NO_THROW(relumc::resolve_backend(Backend::Auto, &note, InputKind::Cube));
  EXPECT_EQ(relumc::resolve_backend(Backend::Auto, &note, InputKind::Cube), Backend::Cpu);
  EXPECT_NE(note.find("cpu (auto"), std::string::npos) << note;
}

// ---------------------------------------------------------------- weights files (--weights)

BadCall weights(const fs::path& dir, const std::string& name, const std::string& text, std::vector<Quantity> q,
                std::vector<std::string> needles, std::vector<uint64_t> n = {2000},
                InputKind input = InputKind::Gaussian, std::optional<double> radius = std::nullopt,
                const std::string& field = "") {
  const fs::path p = dir / name;
  if (!text.empty()) write_text(p, text);
  return {"cases_from_weights_file " + name,
          [p, q, n, input, radius] { relumc::cases_from_weights_file(p.string(), q, n, input, radius); }, field,
          std::move(needles)};
}

Table weights_calls(const fs::path& dir) {
  const Quantity G = Quantity::Gating, D = Quantity::Grad, L = Quantity::Loss;
  const std::string gating = R"({"e": [1, 0, 0], "w": [0, 1, 1]})";
  return {
      // Zero rows.
      weights(dir, "zero-student.json", R"({"student": [[1, 2, 3], [0, 0, 0]], "teacher": [[1, 1, 1]]})", {D},
              {"student row 1", "zero"}),
      weights(dir, "zero-w.json", R"({"e": [1, 0, 0], "w": [0, 0, 0]})", {G}, {"w row 0", "zero"}),
      weights(dir, "zero-e.json", R"({"e": [0, 0, 0], "w": [1, 2, 3]})", {G}, {"e row 0", "zero"}),
      // Numbers JSON can write but a double cannot hold, and what JSON cannot write: the value and the file.
      weights(dir, "overflow.json", R"({"e": [1, 0, 1e999], "w": [1, 2, 3]})", {G}, {"1e999", "overflow.json"}),
      weights(dir, "overflow-student.json", R"({"student": [[1, -1e999, 3]], "teacher": [[1, 1, 1]]})", {L},
              {"1e999", "overflow-student.json"}),
      weights(dir, "nan.json", R"({"e": [1, 0, NaN], "w": [1, 2, 3]})", {G}, {"nan.json", "not valid JSON"}),
      weights(dir, "string.json", R"({"e": [1, "0", 1], "w": [1, 2, 3]})", {G}, {"e[1]", "\"0\"", "not a number"}),
      // Shapes.
      weights(dir, "ragged.json", R"({"student": [[1, 2, 3], [1, 2]], "teacher": [[1, 1, 1]]})", {D},
              {"student", "row 1", "ragged"}),
      weights(dir, "ragged-t.json", R"({"student": [[1, 2, 3]], "teacher": [[1, 1, 1], [1, 1, 1, 1]]})", {L},
              {"teacher", "row 1", "ragged"}),
      weights(dir, "mismatch.json", R"({"student": [[1, 2, 3]], "teacher": [[1, 1]]})", {D},
              {"mismatch.json", "student rows have d = 3", "teacher rows have d = 2"}),
      weights(dir, "mismatch-g.json", R"({"e": [1, 0], "w": [1, 2, 3, 4]})", {G},
              {"mismatch-g.json", "e has 2", "w has 4"}),
      weights(dir, "empty-e.json", R"({"e": [], "w": []})", {G}, {"e", "empty"}),
      weights(dir, "net.json", R"({"student": [[1, 2, 3]], "teacher": [[1, 1, 1]]})", {G},
              {"net.json", "gating", "\"e\""}),
      weights(dir, "gating-only.json", gating, {L}, {"gating-only.json", "loss", "\"student\""}),
      weights(dir, "unknown-key.json", R"({"e": [1, 0, 0], "w": [0, 1, 1], "bias": [1]})", {G},
              {"unknown-key.json", "\"bias\""}),
      // Unreadable or malformed.
      weights(dir, "malformed.json", R"({"e": [1, 0,)", {G}, {"malformed.json", "not valid JSON"}),
      weights(dir, "missing.json", "", {G}, {"missing.json", "cannot be read"}),
      weights(dir, "array.json", "[1, 2, 3]", {G}, {"array.json", "expected a JSON object"}),
      // The same checks of N and of the radius as the grid.
      weights(dir, "gating-n1.json", gating, {G}, {"samples = 1"}, {1}),
      weights(dir, "gating-n0.json", gating, {G}, {"samples = 0"}, {2000, 0}),
      weights(dir, "gating-radius.json", gating, {G}, {"2", "gaussian"}, {2000}, InputKind::Gaussian, 2.0, "radius"),
      weights(dir, "gating-ball.json", gating, {G}, {"0"}, {2000}, InputKind::Ball, 0.0, "radius"),
  };
}

class ParserFiles : public TempDirTest {};

TEST_F(ParserFiles, WeightsFilesAreNamed) {
  expect_all(weights_calls(root_));
  const fs::path good = root_ / "net.json";
  write_text(good, R"({"student": [[1, 0.2, -0.3], [-0.4, 0.9, 0.1]], "teacher": [[0.5, 0.5, 0.5]],
                     "e": [1, 0, 0.5], "w": [0.3, -1, 2]})");
  const std::vector<Case> cases =
      relumc::cases_from_weights_file(good.string(), {Quantity::Gating, Quantity::Grad}, {2000, 4000});
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_EQ(cases[0].d, 3);
  EXPECT_EQ(cases[2].K, 2);
  // `norm` as documented (case.hpp): |w| for gating; the root-mean-square student row norm for grad, not the
  // first row's: rows of squared norm 1.13 and 0.98.
  EXPECT_NEAR(cases[0].norm, std::sqrt(0.09 + 1 + 4), 1e-15);
  EXPECT_NEAR(cases[2].norm, std::sqrt((1.13 + 0.98) / 2), 1e-15);
}

// ---------------------------------------------------------------- output places (--out, --record)

Table output_calls(const fs::path& dir) {
  const fs::path file = dir / "file";
  write_text(file, "keep me");
  Table t{
      {"ensure_writable_dir under a file", [file] { relumc::ensure_writable_dir((file / "sub").string()); }, "out",
       {"file/sub", "cannot create"}},
      {"ensure_writable_dir on a file", [file] { relumc::ensure_writable_dir(file.string(), "dir"); }, "dir",
       {"file: cannot create the directory"}},
      {"check_writable_file in a missing directory",
       [dir] { relumc::check_writable_file((dir / "no-such-dir" / "b.json").string(), "record"); }, "record",
       {"no-such-dir", "does not exist"}},
      {"check_writable_file on a directory", [dir] { relumc::check_writable_file(dir.string(), "record"); }, "record",
       {"is a directory"}},
  };
  const fs::path ro = dir / "ro";
  fs::create_directory(ro);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec, fs::perm_options::replace);
  if (access(ro.c_str(), W_OK) != 0) {  // as root chmod does not make a directory read-only
    t.push_back({"ensure_writable_dir read-only", [ro] { relumc::ensure_writable_dir(ro.string()); }, "out",
                 {"ro", "not writable"}});
    t.push_back({"ensure_writable_dir under a read-only directory",
                 [ro] { relumc::ensure_writable_dir((ro / "sub").string()); }, "out", {"ro/sub"}});
  }
  return t;
}

TEST_F(ParserFiles, OutputPlacesAreNamedAndNothingIsWritten) {
  expect_all(output_calls(root_));
  EXPECT_EQ(relumc::testing::slurp(root_ / "file"), "keep me");
  EXPECT_EQ(files_under(root_), (std::set<std::string>{"file"}));
}

// Bad options or a bad case stop verify_to_directory before it creates anything (the CLI's "nothing
// written on bad input").
TEST_F(ParserFiles, VerifyToDirectoryWritesNothingOnBadInput) {
  const fs::path out = root_ / "out";
  relumc::VerifyOutput where;
  where.dir = out.string();
  VerifyOptions o = good_options();
  o.alpha = 0;
  expect_input_error({"verify_to_directory alpha 0",
                      [&] { relumc::verify_to_directory(relumc::build_grid(small_grid(), 1), o, where); }, "alpha",
                      {"0"}});
  std::vector<Case> cases = relumc::build_grid(small_grid(), 1);
  cases[4].samples = 1;
  expect_input_error({"verify_to_directory with a case of N = 1",
                      [&] { relumc::verify_to_directory(cases, good_options(), where); }, "", {"samples = 1"}});
  o = good_options();
  o.cuda_devices = {1};
  expect_input_error({"verify_to_directory cpu with devices",
                      [&] { relumc::verify_to_directory(relumc::build_grid(small_grid(), 1), o, where); },
                      "cuda_devices", {"1"}});
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(files_under(root_).empty());
}

// ---------------------------------------------------------------- suites and dynamics

Table suite_calls(const fs::path& dir) {
  const std::string suite = R"({"suite": "tiny", "seed": 7, "backend": "cpu", "threads": 2,
    "groups": [{"quantities": ["gating"], "dims": [3], "angles": [0.4], "norms": [1], "samples": [2000]}]})";
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = suite;
    return s.replace(s.find(from), from.size(), to);
  };
  auto file = [&](const std::string& name, const std::string& text) {
    write_text(dir / name, text);
    return (dir / name).string();
  };
  const std::string alpha = file("alpha.json", with("\"seed\": 7", "\"seed\": 7, \"alpha\": 1.5"));
  const std::string dims = file("dims.json", with("[3]", "[\"three\"]"));
  const std::string missing = (dir / "absent-suite.json").string();
  const std::string gpu = with("\"cpu\"", "\"gpu\"");
  return {{"load_suite alpha 1.5", [alpha] { relumc::load_suite(alpha); }, "", {"alpha.json", "alpha", "1.5"}},
          {"load_suite dims three", [dims] { relumc::load_suite(dims); }, "", {"dims.json", "groups[0].dims[0]", "\"three\""}},
          {"load_suite missing", [missing] { relumc::load_suite(missing); }, "", {"absent-suite.json", "cannot be read"}},
          {"parse_suite backend gpu", [gpu] { relumc::parse_suite(gpu, "s.json"); }, "",
           {"s.json", "backend", "gpu"}}};
}

TEST_F(ParserFiles, SuitesAreNamed) { expect_all(suite_calls(root_)); }

relumc::DynamicsSpec two_relus() {
  relumc::DynamicsSpec s;
  s.d = 3;
  s.K = s.Kstar = 2;
  s.teacher = relumc::orthonormal_teacher(2, 3);
  s.steps = 100;
  return s;
}

BadCall dynamics(const std::string& call, const std::function<void(relumc::DynamicsSpec&)>& edit,
                 const std::string& field, std::vector<std::string> needles) {
  return {"validate(DynamicsSpec) " + call,
          [edit] {
            relumc::DynamicsSpec s = two_relus();
            edit(s);
            relumc::validate(s);
          },
          field, std::move(needles)};
}

Table dynamics_calls(const fs::path& dir) {
  using relumc::DynamicsSpec;
  using relumc::InitKind;
  write_text(dir / "ragged.json", R"({"student": [[1, 0, 0], [0, 1]]})");
  write_text(dir / "teacher.json", R"({"student": [[1, 0, 0]], "teacher": [[1, 0]]})");
  const std::string ragged = (dir / "ragged.json").string(), teacher = (dir / "teacher.json").string(),
                    missing = (dir / "missing.json").string();
  return {
      dynamics("lr 0", [](DynamicsSpec& s) { s.lr = 0; }, "lr", {"0"}),
      dynamics("lr -0.5", [](DynamicsSpec& s) { s.lr = -0.5; }, "lr", {"-0.5"}),
      dynamics("lr nan", [](DynamicsSpec& s) { s.lr = kNaN; }, "lr", {"nan"}),
      dynamics("steps -1", [](DynamicsSpec& s) { s.steps = -1; }, "steps", {"-1"}),
      dynamics("batch -1", [](DynamicsSpec& s) { s.batch = -1; }, "batch", {"-1"}),
      dynamics("runs 0", [](DynamicsSpec& s) { s.runs = 0; }, "runs", {"0"}),
      dynamics("record step 5000", [](DynamicsSpec& s) { s.record_steps = {5000}; }, "record_steps",
               {"step 5000", "`steps` 100"}),
      dynamics("init std nan", [](DynamicsSpec& s) { s.init.std = kNaN; }, "init.std", {"nan"}),
      dynamics("init radius 0", [](DynamicsSpec& s) { s.init.kind = InitKind::Ball, s.init.radius = 0; },
               "init.radius", {"0"}),
      dynamics("symmetric x nan", [](DynamicsSpec& s) { s.init.kind = InitKind::Symmetric, s.init.x = kNaN; },
               "init.x", {"nan"}),
      dynamics("symmetric delta -1", [](DynamicsSpec& s) { s.init.kind = InitKind::Symmetric, s.init.delta = -1; },
               "init.delta", {"-1"}),
      dynamics("symmetric K != K*",
               [](DynamicsSpec& s) {
                 s.init.kind = InitKind::Symmetric;
                 s.K = 1;
               },
               "", {"K = K*", "K = 1"}),
      dynamics("zero start row",
               [](DynamicsSpec& s) {
                 s.init.kind = InitKind::Weights;
                 s.init.weights = {1, 0, 0, 0, 0, 0};
               },
               "", {"row 1 is zero"}),
      dynamics("teacher size", [](DynamicsSpec& s) { s.teacher.pop_back(); }, "", {"teacher", "5 numbers"}),
      {"load_dynamics_weights ragged", [ragged] { relumc::load_dynamics_weights(ragged); }, "", {"ragged"}},
      {"load_dynamics_weights teacher d", [teacher] { relumc::load_dynamics_weights(teacher); }, "",
       {"teacher rows have d = 2"}},
      {"load_dynamics_weights missing", [missing] { relumc::load_dynamics_weights(missing); }, "",
       {"missing.json", "cannot be read"}},
      {"run_experiment nope", [] { relumc::run_experiment("nope", {}); }, "experiment", {"nope"}},
      {"run_experiment runs -1",
       [] {
         relumc::ExperimentOptions o;
         o.runs = -1;
         relumc::run_experiment("one-relu-radius", o);
       },
       "runs", {"-1"}},
  };
}

TEST_F(ParserFiles, DynamicsSettingsAreNamed) {
  EXPECT_NO_THROW(relumc::validate(two_relus()));
  expect_all(dynamics_calls(root_));
}

// ---------------------------------------------------------------- the guard: the library never names a flag

// Every InputError above, from every area of the library: its message names fields (`like_this`), never
// a command-line flag ("--"): rendering flags is the CLI's business (host/cli/common.hpp), and another
// frontend (a binding, a config file) would otherwise show the user flags it does not have.
TEST_F(ParserFiles, NoMessageNamesAFlag) {
  for (const char* sub : {"w", "o", "s", "d"}) fs::create_directories(root_ / sub);
  std::vector<Table> tables{grid_calls(),     sample_calls(),          radius_calls(),           case_calls(),
                            option_calls(),   backend_calls(),         weights_calls(root_ / "w"),
                            output_calls(root_ / "o"), suite_calls(root_ / "s"), dynamics_calls(root_ / "d")};
  size_t checked = 0;
  for (const Table& t : tables)
    for (const BadCall& b : t) {
      const std::string what = expect_input_error(b);
      if (what.empty()) continue;
      ++checked;
      EXPECT_EQ(what.find("--"), std::string::npos) << b.call << " names a flag: " << what;
    }
  EXPECT_GT(checked, 100u);
}

}  // namespace
