// SPDX-License-Identifier: MIT
#include "relumc/dynamics/weights.hpp"

#include "relumc/io/json.hpp"
#include "relumc/core/case.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace relumc {

namespace {

using nlohmann::json;

std::vector<double> parse_rows(const json& j, const std::string& where, int64_t& rows, int64_t& d) {
  if (!j.is_array() || j.empty()) throw InputError(fmt::format("{}: expected a non-empty array of rows", where));
  std::vector<double> m;
  rows = static_cast<int64_t>(j.size());
  for (size_t r = 0; r < j.size(); ++r) {
    const json& row = j[r];
    if (!row.is_array() || row.empty()) throw InputError(fmt::format("{}[{}]: expected a non-empty array of numbers", where, r));
    if (r == 0) d = static_cast<int64_t>(row.size());
    if (static_cast<int64_t>(row.size()) != d)
      throw InputError(fmt::format("{}: row {} has {} numbers but row 0 has {} (ragged)", where, r, row.size(), d));
    for (size_t c = 0; c < row.size(); ++c) {
      if (!row[c].is_number()) throw InputError(fmt::format("{}[{}][{}] = {} is not a number", where, r, c, row[c].dump()));
      m.push_back(row[c].get<double>());
    }
  }
  return m;
}

}  // namespace

DynamicsWeights load_dynamics_weights(const std::string& path) {
  const json j = detail::read_json_file(path, "weights file");
  if (!j.is_object()) throw InputError(fmt::format("weights file '{}': expected a JSON object", path));
  for (const auto& [key, value] : j.items())
    if (key != "student" && key != "teacher")
      throw InputError(fmt::format("weights file '{}': unknown key \"{}\" (expected student, teacher)", path, key));
  if (!j.contains("student")) throw InputError(fmt::format("weights file '{}': needs \"student\"", path));
  DynamicsWeights w;
  w.student = parse_rows(j["student"], fmt::format("weights file '{}': student", path), w.K, w.d);
  if (j.contains("teacher")) {
    int64_t dt = 0;
    w.teacher = parse_rows(j["teacher"], fmt::format("weights file '{}': teacher", path), w.Kstar, dt);
    if (dt != w.d)
      throw InputError(fmt::format("weights file '{}': student rows have d = {} but teacher rows have d = {}", path, w.d, dt));
  }
  return w;
}

}  // namespace relumc
