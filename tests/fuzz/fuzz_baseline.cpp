// SPDX-License-Identifier: MIT
// Fuzzes the baseline reader (relumc/regress/baseline.hpp) against a fixed small suite (the seed corpus holds
// a baseline of it, so the fuzzer starts from documents that pass the identity checks).
#include "relumc/regress/baseline.hpp"
#include "relumc/regress/suite.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {
const char* kSuite = R"({"suite": "fuzz", "seed": 1, "alpha": 0.01, "backend": "cpu", "precision": "double", "threads": 1,
  "groups": [{"name": "g", "quantities": ["gating", "grad"], "dims": [2], "angles": [1.0], "norms": [1], "samples": [1000]}],
  "throughput": [{"name": "t", "quantity": "grad", "d": 4, "K": 1, "samples": 1000}]})";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const relumc::Suite suite = relumc::parse_suite(kSuite, "the fuzz suite");
  try {
    (void)relumc::parse_baseline(relumc::fuzz::text_of(data, size), "fuzz", suite);
  } catch (const relumc::InputError&) {
  }
  return 0;
}
