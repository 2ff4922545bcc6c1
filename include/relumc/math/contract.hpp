// SPDX-License-Identifier: MIT
// The versions of the sample contract (relumc/math/sample_contract.hpp; docs/sample-contract.md).
//
//   v1  (default) the reference: double Box-Muller normals (or, with precision float, float ones from a
//       23-bit radius uniform), relumc's fdlibm/musl-style polynomials. Unchanged bit for bit since it
//       was defined; every result written before contracts had versions is a v1 result.
//   v2  fast: float normals from the same Philox words, relumc's own division-free float polynomials,
//       a 31-bit radius uniform (the tails reach 6.66, as v1's double does), per-sample arithmetic in
//       float, sums in double. v2 is always float: precision double is v1's alone.
//
// Numbers are only comparable within one version; every output, journal and baseline records it.
//
// v2's bias bound (derived in docs/sample-contract.md, "Tails and moments"; the parts that depend on the
// polynomials are recomputed by tests/unit/test_contract_v2.cpp by enumerating every radius and angle
// word): the second and fourth moments of a v2 coordinate differ from the Gaussian's by at most
//   |E x^2 - 1| <= kV2SecondMomentBias,   |E x^4 - 3| <= kV2FourthMomentBias,
// dominated by the rounding of the float product radius x cos (any float32 normal carries it). A Monte
// Carlo mean over N samples has standard errors sqrt(2 / N) and sqrt(96 / N) for those moments, so the
// bias stays within 0.1 standard error up to kV2MaxSamples = min((0.1 sqrt(2) / b2)^2, (0.1 sqrt(96) / b4)^2).
// A case with more samples never runs on v2: it is refused (check_contract, relumc/core/case.hpp), naming
// the field `contract`, so that no deep run is silently biased.
//
// Usage:
//   relumc::Contract c = relumc::parse_contract("v2").value();      // to_string(c) == "v2"
#pragma once

#include "relumc/core/config.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace relumc {

enum class Contract : int { V1 = 1, V2 = 2 };

inline constexpr Contract kContracts[] = {Contract::V1, Contract::V2};
inline constexpr Contract kDefaultContract = Contract::V1;

inline constexpr std::string_view to_string(Contract c) {
  switch (c) {
    case Contract::V1: return "v1";
    case Contract::V2: return "v2";
  }
  return "?";
}

inline std::optional<Contract> parse_contract(std::string_view s) {
  for (Contract c : kContracts)
    if (s == to_string(c)) return c;
  return std::nullopt;
}

// v2's moment bias bounds (absolute, for a standard normal's E x^2 = 1 and E x^4 = 3) and the largest N
// at which they stay within 0.1 standard error of the Monte Carlo moments (see the header comment).
inline constexpr double kV2SecondMomentBias = 1.21e-7;
inline constexpr double kV2FourthMomentBias = 7.2e-7;
inline constexpr uint64_t kV2MaxSamples = 1300000000000ull;  // 1.3e12

}  // namespace relumc
