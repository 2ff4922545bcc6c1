// SPDX-License-Identifier: MIT
// Regression suites: a suite file (JSON, schema in docs/regression-suites.md) lists case groups
// (each a `relumc verify` grid, optionally with a deliberately wrong formula) and throughput checks.
// run_suite estimates every case, applies Holm at the suite's alpha across the WHOLE suite (all groups
// together), and times every throughput check. Running a suite: relumc/regress/run.hpp; baselines
// and comparisons: relumc/regress/baseline.hpp.
//
// Determinism: case k of group g uses sample stream (g << 20) + k, so a group's numbers depend only on
// the suite's seed, precision and that group, never on the other groups or on threads; the same suite
// gives bit-identical case numbers on every run with the same backend.
//
// Usage:
//   relumc::Suite s = relumc::load_suite("suites/cpu-smoke.json");      // throws InputError naming the key
//   std::string note;
//   relumc::Backend b = relumc::resolve_backend(s.backend, &note);     // throws when cuda is unusable
//   relumc::SuiteRun run = relumc::run_suite(s, b, note, /*progress=*/true);
//   return run.passed ? 0 : 1;
#pragma once

#include "relumc/core/case.hpp"
#include "relumc/backend/estimate.hpp"
#include "relumc/plan/sweep.hpp"
#include "relumc/stats/verdict.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relumc {

// Groups and cases per group are bounded so that streams (g << 20) + k stay below the geometry streams.
inline constexpr size_t kMaxSuiteGroups = 2047;
inline constexpr size_t kMaxGroupCases = size_t{1} << 20;

struct CaseGroup {
  std::string name;  // optional label, for tables
  GridSpec grid;
  Formula formula = Formula::Tian;  // a wrong one only to show the suite can fail
};

enum class ThroughputStatistic { Best, Median };
// When a throughput drop beyond the tolerance fails the comparison: only when the baseline was recorded
// on the same machine with the same thread count (default), always, or never.
enum class ThroughputGate { SameMachine, Always, Never };
std::string_view to_string(ThroughputStatistic s);
std::string_view to_string(ThroughputGate g);
std::optional<ThroughputGate> parse_throughput_gate(std::string_view s);

struct ThroughputCheck {
  std::string name;  // optional label
  Quantity quantity = Quantity::Grad;
  int64_t d = 1, K = 1, Kstar = 1;
  uint64_t samples = 0;
  Precision precision = Precision::Double;
  Contract contract = Contract::V1;  // default: the suite's
  int repetitions = 3;
  ThroughputStatistic statistic = ThroughputStatistic::Best;
};

struct Suite {
  std::string name, description;
  uint64_t seed = 1;
  double alpha = 0.01;  // family-wise, Holm across every case of every group
  Backend backend = Backend::Auto;
  Precision precision = Precision::Double;  // default: the contract's (default_precision: v1 double, v2 float)
  Contract contract = Contract::V1;         // the sample contract of every case (and default of the checks)
  CpuKernel cpu_kernel = CpuKernel::Auto;
  int threads = 0;  // 0: all
  std::vector<CaseGroup> groups;
  std::vector<ThroughputCheck> throughput;
  double throughput_tolerance = 0.25;  // a drop of more than this fraction (new/old < 1 - tol) fails
  ThroughputGate throughput_gate = ThroughputGate::SameMachine;
  std::string digest;  // FNV-1a of the parsed document (comments and spacing excluded)
};

// Parses and validates a suite strictly: unknown keys, wrong types and out-of-range values throw
// InputError "<where>: <key path> = <value>: <why>". Every group's grid is built once here, so a suite
// that loads is a suite that runs. `where` names the source in messages (usually the file name).
// `contract` (when given) replaces the suite's "contract" and that of every check (the digest stays the file's;
// results and baselines record the contract that ran); replaced by v2, every precision is float (a suite's
// "precision" is a v1 setting). Under v2 every case and check must pass check_contract: float (a file that
// says "contract": "v2" with "precision": "double" is refused), N <= kV2MaxSamples.
Suite parse_suite(const std::string& text, const std::string& where, std::optional<Contract> contract = std::nullopt);
Suite load_suite(const std::string& path, std::optional<Contract> contract = std::nullopt);

// The cases of group g, with their streams set to (g << 20) + k.
std::vector<Case> group_cases(const Suite& s, size_t g);

// Stable case ids: "g<group>:<quantity>:d=..:K=..:K*=..:<angle=..|random>:norm=..[:ratio=..]:N=..",
// with "#2", "#3", ... appended to repeated coordinates (duplicate grid values, random cases). They
// depend only on the group index and the grid coordinates, never on the numbers computed.
std::vector<std::string> case_ids(const std::vector<Case>& cases, size_t group);
std::string throughput_id(const ThroughputCheck& t, size_t index);

}  // namespace relumc
