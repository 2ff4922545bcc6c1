// SPDX-License-Identifier: MIT
// Baselines of a regression suite and the comparison of a run against one.
//
// A baseline (JSON, schema in docs/regression-suites.md) records, per case id, the verdict, p-value, Holm p-value,
// relative error and largest |z|; per throughput check, samples/s and normals/s; and the identity of
// the machine (CPU model, hardware threads, hostname, SIMD kernel) and of the build (version, git
// commit, compiler, build type, flags, CUDA). compare() lists what changed. It fails on a failed
// verdict now, and on a throughput drop beyond the suite's tolerance when the gate applies: by default
// only when the baseline was recorded on the same machine with the same threads (a different machine
// is reported, not gated), or always/never (suite "throughput_gate" or --throughput-gate).
//
// Usage:
//   relumc::Baseline b = relumc::load_baseline("base.json", suite);   // refuses another suite's file
//   relumc::Comparison c = relumc::compare(run, b, suite.throughput_gate);
//   relumc::print_comparison(c, stdout);   // relumc/regress/report.hpp
//   relumc::write_file_atomically("new.json", relumc::baseline_json(run));
#pragma once

#include "relumc/regress/identity.hpp"
#include "relumc/regress/run.hpp"

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace relumc {

struct BaselineCase {
  bool passed = true;
  double p_value = 1, p_holm = 1, rel_error = 0, max_abs_z = 0;  // NaN where the file says null
};
struct BaselineThroughput {
  double samples_per_s = 0, normals_per_s = 0;
};

struct Baseline {
  std::string path;
  std::string suite, suite_digest, backend, precision, recorded_at;
  std::string contract = "v1";  // absent in baselines from before the contract had versions: v1
  uint64_t seed = 0;
  int threads = 0;
  MachineIdentity machine;
  BuildIdentity build;
  std::map<std::string, BaselineCase> cases;
  std::map<std::string, BaselineThroughput> throughput;
};

// The baseline of a run (what --record writes).
std::string baseline_json(const SuiteRun& run);
// Reads and validates a baseline; throws InputError naming the file and the key when it is malformed,
// and refuses (InputError, saying why) a baseline recorded for another suite or with a newer
// "schema_version" than kSchemaVersion (none: a baseline from before the key, read as version 1).
Baseline parse_baseline(const std::string& text, const std::string& where, const Suite& suite);
Baseline load_baseline(const std::string& path, const Suite& suite);

struct Change {
  std::string kind;  // "verdict", "new case", "missing case", "numbers", "throughput", "new check", "missing check"
  std::string id, before, after, note;
  bool fails = false;  // this change makes the comparison fail
};

struct Comparison {
  std::vector<Change> changes;
  std::vector<std::string> notes;  // identity and configuration differences
  size_t cases_identical = 0, cases_compared = 0, failed_verdicts = 0, throughput_drops = 0;
  bool same_machine = true, throughput_gated = true;
  double tolerance = 0.25;
  bool passed = true;  // no failed verdict now, and no gated throughput drop beyond the tolerance
};

Comparison compare(const SuiteRun& run, const Baseline& base, ThroughputGate gate);
}  // namespace relumc
