// SPDX-License-Identifier: MIT
// relumc command line. Thin: parse flags -> cases -> run_verification -> writers -> exit status.
// Exit status: 0 every verdict passes, 1 some verdict fails, 2 bad input or usage (nothing written).
#include "host/info.hpp"
#include "relumc/report.hpp"
#include "relumc/sweep.hpp"
#include "relumc/verify.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace {

constexpr int kExitPass = 0, kExitFail = 1, kExitUsage = 2;

struct VerifyFlags {
  std::vector<std::string> quantities{"gating", "grad", "loss"};
  std::string weights;
  std::vector<double> angles;
  int angle_steps = 7;
  std::vector<double> norms{0.5, 1.0, 2.0};
  std::vector<double> ratios{1.5};
  std::vector<int64_t> dims{2, 10, 100};
  std::vector<int64_t> units{1}, teacher_units{1};
  int random_cases = 0;
  std::vector<std::string> samples{"1e4", "1e5", "4e5"};
  uint64_t seed = 1;
  int threads = 0;
  double alpha = 0.01;
  std::string precision = "double", backend = "auto", cpu_kernel = "auto", formula = "tian", out = "relumc-out";
  bool quiet = false;
};

// Integer flags are checked on their text, so "-1" never wraps into a huge seed and an overflowing
// value is named as the user typed it.
CLI::Validator integer_in(long double lo, long double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789-") != std::string::npos ||
            text.find('-', 1) != std::string::npos)
          return fmt::format("'{}' is not an integer", text);
        const long double v = std::strtold(text.c_str(), nullptr);
        if (v < lo || v > hi) return fmt::format("{} is outside [{:.0Lf}, {:.0Lf}]", text, lo, hi);
        return std::string();
      },
      fmt::format("INT in [{:.0Lf}, {:.0Lf}]", lo, hi));
}

const CLI::Validator kSeed = integer_in(0, 18446744073709551615.0L);
const CLI::Validator kDim = integer_in(1, 1 << 24);
const CLI::Validator kUnits = integer_in(1, 4096);
const CLI::Validator kThreads = integer_in(0, 4096);

void add_verify_flags(CLI::App& cmd, VerifyFlags& f) {
  cmd.add_option("--quantity,-q", f.quantities, "gating | grad | loss (several allowed)")->delimiter(',')->capture_default_str();
  cmd.add_option("--weights", f.weights,
                 "JSON file: {\"e\":[..],\"w\":[..]} (gating), {\"student\":[[..]],\"teacher\":[[..]]} (grad, loss)");
  cmd.add_option("--angles", f.angles, "angles in radians, in [0, pi] (overrides --angle-steps)")->delimiter(',');
  cmd.add_option("--angle-steps", f.angle_steps, "equally spaced angles from 0 to pi")->check(integer_in(1, 1e6))->capture_default_str();
  cmd.add_option("--norms", f.norms, "student norms |w|")->delimiter(',')->capture_default_str();
  cmd.add_option("--ratios", f.ratios, "teacher/student norm ratios |w*|/|w| (grad, loss)")->delimiter(',')->capture_default_str();
  cmd.add_option("--dims,-d", f.dims, "input dimensions d")->delimiter(',')->check(kDim)->capture_default_str();
  cmd.add_option("--units,-K", f.units, "student units K (grad, loss)")->delimiter(',')->check(kUnits)->capture_default_str();
  cmd.add_option("--teacher-units", f.teacher_units, "teacher units K* (grad, loss)")->delimiter(',')->check(kUnits)->capture_default_str();
  cmd.add_option("--random-cases", f.random_cases, "extra random (W, W*) per shape, norm and ratio")->check(integer_in(0, 1e6))->capture_default_str();
  cmd.add_option("--samples,-n", f.samples, "sample counts N (1e9 accepted)")->delimiter(',')->capture_default_str();
  cmd.add_option("--seed", f.seed, "seed of the sample contract")->check(kSeed)->capture_default_str();
  cmd.add_option("--threads", f.threads, "CPU threads (0: all)")->check(kThreads)->capture_default_str();
  cmd.add_option("--alpha", f.alpha, "family-wise level of the verdict (Holm)")->capture_default_str();
  cmd.add_option("--precision", f.precision, "sample precision: float | double")->capture_default_str();
  cmd.add_option("--backend", f.backend, "auto | cpu | cuda")->capture_default_str();
  cmd.add_option("--cpu-kernel", f.cpu_kernel,
                 "auto | simd | scalar: the CPU chunk kernel (all give bit-identical results; scalar is the reference)")
      ->capture_default_str();
  cmd.add_option("--formula", f.formula,
                 "closed form to test: tian, or a deliberately wrong one (sin-sign, theta-swap, lost-half, norm-swap)")
      ->capture_default_str();
  cmd.add_option("--out,-o", f.out, "output directory for results.csv and results.json")->capture_default_str();
  cmd.add_flag("--quiet", f.quiet, "no table on stdout, no progress line");
}

template <class T, class Parse>
T parse_or_throw(const std::string& text, const char* flag, Parse parse, const char* allowed) {
  const auto v = parse(text);
  if (!v) throw relumc::InputError(fmt::format("{} '{}' is not one of: {}", flag, text, allowed));
  return *v;
}

void check_alpha(double alpha) {
  if (!(alpha > 0 && alpha < 1)) throw relumc::InputError(fmt::format("--alpha {} is outside (0, 1)", alpha));
}

int run_verify(const VerifyFlags& f) {
  using namespace relumc;
  std::vector<Quantity> quantities;
  for (const std::string& q : f.quantities)
    quantities.push_back(parse_or_throw<Quantity>(q, "--quantity", parse_quantity, "gating, grad, loss"));
  std::vector<uint64_t> samples;
  for (const std::string& s : f.samples) samples.push_back(parse_samples(s));
  for (uint64_t n : samples)
    if (n < 1000)
      std::fprintf(stderr, "relumc: warning: N = %llu is small: the z-test relies on the normal approximation of the mean, "
                   "and its verdicts are not calibrated below N ~ 1e3\n", static_cast<unsigned long long>(n));
  check_alpha(f.alpha);

  VerifyOptions opt;
  opt.seed = f.seed;
  opt.threads = f.threads;
  opt.alpha = f.alpha;
  opt.precision = parse_or_throw<Precision>(f.precision, "--precision", parse_precision, "float, double");
  opt.formula = parse_or_throw<Formula>(f.formula, "--formula", parse_formula,
                                        "tian, sin-sign, theta-swap, lost-half, norm-swap");
  const Backend requested = parse_or_throw<Backend>(f.backend, "--backend", parse_backend, "auto, cpu, cuda");
  opt.cpu_kernel = parse_or_throw<CpuKernel>(f.cpu_kernel, "--cpu-kernel", parse_cpu_kernel, "auto, simd, scalar");
  cpu_kernel_name(opt.cpu_kernel);  // --cpu-kernel simd on a CPU without an FMA target: named before any work
  opt.progress = !f.quiet;

  std::vector<Case> cases;
  if (!f.weights.empty()) {
    cases = cases_from_weights_file(f.weights, quantities, samples);
  } else {
    GridSpec spec;
    spec.quantities = quantities;
    spec.angles = f.angles.empty() ? angle_steps(f.angle_steps) : f.angles;
    spec.norms = f.norms;
    spec.ratios = f.ratios;
    spec.dims = f.dims;
    spec.units = f.units;
    spec.teacher_units = f.teacher_units;
    spec.random_cases = f.random_cases;
    spec.samples = samples;
    cases = build_grid(spec, opt.seed);
  }
  std::string backend_note;
  opt.backend = resolve_backend(requested, &backend_note);
  ensure_writable_dir(f.out);

  const VerifyReport rep = run_verification(std::move(cases), opt);
  write_file_atomically(f.out + "/results.csv", results_csv(rep));
  write_file_atomically(f.out + "/results.json", results_json(rep, backend_note));
  if (!f.quiet) {
    print_table(rep, backend_note, stdout);
    fmt::print("wrote {0}/results.csv and {0}/results.json\n", f.out);
  }
  return rep.passed ? kExitPass : kExitFail;
}

struct PowerFlags {
  std::vector<std::string> quantities{"gating", "grad", "loss"};
  int64_t dim = 5;
  double angle = 1.2, norm = 1.0, ratio = 1.5, alpha = 0.01;
  std::string max_samples = "1e7";
  uint64_t seed = 1;
  int threads = 0;
};

void add_power_flags(CLI::App& cmd, PowerFlags& f) {
  cmd.add_option("--quantity,-q", f.quantities, "gating | grad | loss")->delimiter(',')->capture_default_str();
  cmd.add_option("--dim,-d", f.dim, "input dimension")->check(kDim)->capture_default_str();
  cmd.add_option("--angle", f.angle, "angle in radians (a generic one: some wrong formulas agree at pi/2)")->capture_default_str();
  cmd.add_option("--norm", f.norm, "|w|")->capture_default_str();
  cmd.add_option("--ratio", f.ratio, "|w*|/|w|")->capture_default_str();
  cmd.add_option("--max-samples", f.max_samples, "top of the ladder 1e3, 1e4, ...")->capture_default_str();
  cmd.add_option("--alpha", f.alpha, "level of each test")->capture_default_str();
  cmd.add_option("--seed", f.seed, "seed")->check(kSeed)->capture_default_str();
  cmd.add_option("--threads", f.threads, "CPU threads (0: all)")->check(kThreads)->capture_default_str();
}

// For each wrong formula: the smallest N (on a x10 ladder) at which the engine rejects it.
// Exit 0 when every wrong formula is rejected and the correct one is not, else 1.
int run_power(const PowerFlags& f) {
  using namespace relumc;
  check_alpha(f.alpha);
  const uint64_t max_n = parse_samples(f.max_samples);
  std::vector<uint64_t> ladder;
  for (uint64_t n = 1000; n <= max_n && n <= kMaxSamples / 10; n *= 10) ladder.push_back(n);
  if (ladder.empty()) throw InputError(fmt::format("--max-samples {} is below 1000", f.max_samples));
  GridSpec spec;
  spec.angles = {f.angle};
  spec.norms = {f.norm};
  spec.ratios = {f.ratio};
  spec.dims = {f.dim};
  spec.samples = {ladder.front()};
  spec.quantities.clear();
  for (const std::string& q : f.quantities)
    spec.quantities.push_back(parse_or_throw<Quantity>(q, "--quantity", parse_quantity, "gating, grad, loss"));
  const std::vector<Case> cases = build_grid(spec, f.seed);
  VerifyOptions opt;
  opt.seed = f.seed;
  opt.threads = f.threads;
  opt.alpha = f.alpha;
  bool ok = true;
  fmt::print("{:<7} {:<11} {}\n", "qty", "formula", "smallest N rejected at alpha");
  for (const Case& c : cases) {
    const std::vector<double> truth = closed_form(c);
    for (Formula wrong : {Formula::Tian, Formula::SinSign, Formula::ThetaSwap, Formula::LostHalf, Formula::NormSwap}) {
      const std::vector<double> cf = closed_form(c, wrong);
      double gap = 0, scale = 0;
      for (size_t a = 0; a < cf.size(); ++a) gap = std::max(gap, std::fabs(cf[a] - truth[a])), scale += truth[a] * truth[a];
      if (wrong != Formula::Tian && gap <= 1e-12 * std::sqrt(scale)) {
        fmt::print("{:<7} {:<11} n/a: equals the correct closed form at this case\n", to_string(c.quantity), to_string(wrong));
        continue;
      }
      const uint64_t n = samples_to_reject(c, wrong, opt, ladder);
      const bool right = wrong == Formula::Tian;
      ok = ok && (right ? n == 0 : n != 0);
      fmt::print("{:<7} {:<11} {}\n", to_string(c.quantity), to_string(wrong),
                 n ? fmt::format("{:.0e}{}", static_cast<double>(n), right ? "  (the correct formula: a false rejection)" : "")
                   : fmt::format("not rejected up to {:.0e}{}", static_cast<double>(ladder.back()),
                                 right ? " (correct formula)" : "  LOW POWER"));
    }
  }
  fmt::print("POWER: {}\n", ok ? "every wrong formula rejected, the correct one kept" : "FAIL");
  return ok ? kExitPass : kExitFail;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"relumc: Monte Carlo verification of the population gradient of two-layer ReLU networks"};
  app.set_version_flag("--version", std::string("relumc ") + relumc::kVersion + " (relumc info: backends, CPU features, GPUs)");
  app.require_subcommand(1);
  VerifyFlags flags;
  CLI::App* verify = app.add_subcommand("verify", "compare closed forms with Monte Carlo estimates; exit 0 pass, 1 fail, 2 bad input");
  add_verify_flags(*verify, flags);
  PowerFlags power_flags;
  CLI::App* power = app.add_subcommand("power", "the N at which the engine rejects each deliberately wrong closed form");
  add_power_flags(*power, power_flags);
  CLI::App* info = app.add_subcommand("info", "backends, CPU features and kernel, GPUs, build options");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RequiredError& e) {
    if (!app.remaining().empty()) {
      std::fprintf(stderr, "relumc: error: unknown subcommand '%s' (expected verify, power or info; see --help)\n",
                   app.remaining().front().c_str());
      return kExitUsage;
    }
    app.exit(e);
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  try {
    if (info->parsed()) {
      relumc::print_info(stdout);
      return kExitPass;
    }
    return power->parsed() ? run_power(power_flags) : run_verify(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "relumc: error: %s\n", e.what());
    return kExitUsage;
  }
}
