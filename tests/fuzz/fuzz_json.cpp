// SPDX-License-Identifier: MIT
// Fuzzes the strict JSON parser (relumc/io/json.hpp) every reader goes through: depth bound, repeated keys,
// comments on and off. Input byte 0 picks comments; the rest is the document.
#include "relumc/io/json.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool comments = data[0] & 1;
  try {
    (void)relumc::detail::parse_json_strict(relumc::fuzz::text_of(data + 1, size - 1), "fuzz", comments);
    (void)relumc::detail::parse_json_strict<nlohmann::ordered_json>(relumc::fuzz::text_of(data + 1, size - 1), "fuzz", comments);
  } catch (const relumc::InputError&) {
  }
  return 0;
}
