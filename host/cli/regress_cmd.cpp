// SPDX-License-Identifier: MIT
// relumc regress SUITE: run a regression suite, optionally record a baseline and compare with one.
// Everything that can be refused (suite, baseline, backend, output places) is checked before any
// work, so bad input exits 2 with nothing written; output files are written atomically.
#include "host/cli/common.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

namespace relumc::cli {
namespace {

struct RegressFlags {
  std::string suite, record, baseline, out = "relumc-regress-out", gate, contract;
  bool quiet = false;
};

int run_regress(const RegressFlags& f) {
  require_one_process("regress");
  std::optional<Contract> contract;
  if (!f.contract.empty()) contract = parse_or_throw<Contract>(f.contract, "contract", parse_contract, "v1, v2");
  const Suite suite = load_suite(f.suite, contract);
  const ThroughputGate gate =
      f.gate.empty() ? suite.throughput_gate
                     : parse_or_throw<ThroughputGate>(f.gate, "--throughput-gate", parse_throughput_gate,
                                                      "same-machine, always, never");
  std::unique_ptr<Baseline> base;
  if (!f.baseline.empty()) base = std::make_unique<Baseline>(load_baseline(f.baseline, suite));
  cpu_kernel_name(suite.cpu_kernel);  // cpu_kernel simd on a CPU without an FMA target: named now
  std::string note;
  const Backend backend = resolve_suite_backend(suite, f.suite, &note);
  if (!f.record.empty()) check_writable_file(f.record, "record");  // before --out is created: a refusal leaves nothing
  ensure_writable_dir(f.out);
  const DirectoryLock lock(f.out, "out");  // one run at a time in --out

  const SuiteRun run = run_suite(suite, backend, note, !f.quiet);
  std::unique_ptr<Comparison> cmp;
  if (base) cmp = std::make_unique<Comparison>(compare(run, *base, gate));

  // One set: on a full disk the previous outputs (and baseline) stay as they were, never a mix of two runs.
  std::vector<std::pair<std::string, std::string>> outputs{
      {f.out + "/results.csv", suite_results_csv(run)},
      {f.out + "/throughput.csv", suite_throughput_csv(run)},
      {f.out + "/results.json", suite_results_json(run, cmp.get(), f.baseline)}};
  if (!f.record.empty()) outputs.emplace_back(f.record, baseline_json(run));
  write_files_atomically(outputs);
  if (!f.quiet) {
    print_suite_table(run, stdout);
    if (cmp) {
      fmt::print("\ncomparison with baseline {} (recorded {}):\n", f.baseline, base->recorded_at);
      print_comparison(*cmp, stdout);
    }
    fmt::print("wrote {0}/results.csv, {0}/throughput.csv and {0}/results.json{1}\n", f.out,
               f.record.empty() ? "" : ", baseline " + f.record);
  } else if (cmp && !cmp->passed) {
    print_comparison(*cmp, stdout);  // even --quiet says why it failed
  }
  if (!run.passed && !f.record.empty())
    fmt::print(stderr, "relumc: warning: the recorded baseline {} holds failed verdicts\n", f.record);
  const bool passed = cmp ? cmp->passed : run.passed;
  return passed ? kExitPass : kExitFail;
}

}  // namespace

Command add_regress_command(CLI::App& app) {
  auto flags = std::make_shared<RegressFlags>();
  CLI::App* cmd = app.add_subcommand("regress", "run a regression suite (JSON); record a baseline or compare with one");
  cmd->add_option("SUITE", flags->suite,
                  "suite file (JSON with comments; docs/regression-suites.md); shipped: suites/cpu-smoke.json, "
                  "gpu-h200.json in the source tree and in PREFIX/share/relumc/suites")
      ->required();
  cmd->add_option("--record", flags->record, "write a baseline of this run to FILE (its directory must exist)")->type_name("FILE")->check(kPath);
  cmd->add_option("--baseline", flags->baseline, "compare with a baseline recorded earlier by --record")->type_name("FILE")->check(kPath);
  cmd->add_option("--out,-o", flags->out, "output directory for results.csv, throughput.csv and results.json")
      ->type_name("DIR")->check(kPath)->capture_default_str();
  cmd->add_option("--throughput-gate", flags->gate,
                  "when a throughput drop fails the comparison: same-machine | always | never (default: the suite's)");
  cmd->add_option("--contract", flags->contract,
                  "sample contract of every case and check: v1 | v2 (default: the suite's, else v1)");
  cmd->add_flag("--quiet", flags->quiet, "no table on stdout, no progress line");
  cmd->footer(examples({{"relumc regress suites/cpu-smoke.json --record base.json", "run it and keep a baseline"},
                        {"relumc regress suites/cpu-smoke.json --baseline base.json", "later: compare with it"}}));
  return {cmd, [flags] { return run_regress(*flags); }};
}

}  // namespace relumc::cli
