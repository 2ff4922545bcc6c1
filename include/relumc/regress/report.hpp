// SPDX-License-Identifier: MIT
// Writers of a suite run: the table on stdout, DIR/results.json, DIR/results.csv (cases),
// DIR/throughput.csv, and the comparison with a baseline (docs/regression-suites.md).
#pragma once

#include "relumc/regress/baseline.hpp"

#include <cstdio>
#include <string>

namespace relumc {

void print_comparison(const Comparison& c, std::FILE* out);

// The run (and, when given, its comparison) as DIR/results.json, DIR/results.csv (cases) and
// DIR/throughput.csv (docs/regression-suites.md).
std::string suite_results_json(const SuiteRun& run, const Comparison* cmp, const std::string& baseline_path);
std::string suite_results_csv(const SuiteRun& run);
std::string suite_throughput_csv(const SuiteRun& run);
void print_suite_table(const SuiteRun& run, std::FILE* out);

}  // namespace relumc
