// SPDX-License-Identifier: MIT
// Fuzzes the journal reader (relumc/run/journal.hpp): the input is DIR/journal.jsonl, resumed by a run of a
// fixed configuration; input byte 0 even puts that run's header first, so the fuzzer reaches the case lines.
#include "relumc/plan/sweep.hpp"
#include "relumc/run/journal.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <cstdlib>

// The resume note on stderr each input prints: run with -close_fd_mask=2 (run_fuzz.sh does).

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const nlohmann::ordered_json config = [] {
    relumc::GridSpec spec;
    spec.quantities = {relumc::Quantity::Gating, relumc::Quantity::Grad};
    spec.angles = {1.0};
    spec.norms = {1.0};
    spec.dims = {2};
    spec.samples = {1000};
    relumc::VerifyOptions opt;
    return relumc::journal_config(opt, relumc::build_grid(spec, opt.seed));
  }();
  if (size == 0) return 0;
  // Byte 0 even: the run's own header line, then the input (the case lines); odd: the input alone.
  static const std::string header = nlohmann::ordered_json{{"relumc_journal", 1}, {"config", config}}.dump() + "\n";
  const std::string body = relumc::fuzz::text_of(data + 1, size - 1);
  (void)relumc::fuzz::scratch_file("journal.jsonl", data[0] % 2 == 0 ? header + body : body);
  try {
    relumc::Journal j(relumc::fuzz::scratch_dir(), config, /*resume=*/true, /*restart=*/false, relumc::Distribution::single());
    for (const auto& [k, e] : j.finished())
      if (e.estimate.mean.size() != e.estimate.std_error.size()) std::abort();  // what a resume relies on
  } catch (const relumc::InputError&) {
  }
  return 0;
}
