// SPDX-License-Identifier: MIT
// Fuzzes the regression-suite reader (relumc/regress/suite.hpp): parse, then the cases of every group of a
// suite it accepts (the grids it would run), under both contracts.
#include "relumc/regress/suite.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::optional<relumc::Contract> contract =
      data[0] % 3 == 0 ? std::nullopt : std::optional(data[0] % 3 == 1 ? relumc::Contract::V1 : relumc::Contract::V2);
  try {
    const relumc::Suite s = relumc::parse_suite(relumc::fuzz::text_of(data + 1, size - 1), "fuzz", contract);
    for (size_t g = 0; g < s.groups.size(); ++g) (void)relumc::group_cases(s, g);
  } catch (const relumc::InputError&) {
  }
  return 0;
}
