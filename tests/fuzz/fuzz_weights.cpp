// SPDX-License-Identifier: MIT
// Fuzzes both weights-file readers: verify's (relumc/plan/weights_file.hpp, every quantity) and dynamics'
// (relumc/dynamics/weights.hpp), on the same file.
#include "relumc/dynamics/weights.hpp"
#include "relumc/plan/weights_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = relumc::fuzz::scratch_file("weights.json", relumc::fuzz::text_of(data, size));
  try {
    (void)relumc::cases_from_weights_file(path, {relumc::Quantity::Gating, relumc::Quantity::Grad, relumc::Quantity::Loss},
                                          {1000});
  } catch (const relumc::InputError&) {
  }
  try {
    (void)relumc::load_dynamics_weights(path);
  } catch (const relumc::InputError&) {
  }
  return 0;
}
