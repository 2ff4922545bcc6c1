// SPDX-License-Identifier: MIT
// Numbers in output files: never a NaN or an infinity. JSON gets null and CSV an empty field where a
// value is undefined.
#pragma once

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

namespace relumc {

// A number, or null where it is undefined (non-finite).
inline nlohmann::ordered_json json_number(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

// How a CSV number is written: the shortest digits that round-trip, or 17 significant digits.
enum class CsvDigits { Shortest, Seventeen };

// A CSV field: the number, or empty where it is undefined (non-finite).
inline std::string csv_number(double v, CsvDigits digits = CsvDigits::Shortest) {
  if (!std::isfinite(v)) return std::string();
  return digits == CsvDigits::Shortest ? fmt::format("{}", v) : fmt::format("{:.17g}", v);
}

}  // namespace relumc
