// SPDX-License-Identifier: MIT
// Weights files: user-given e, w (gating) and student, teacher matrices (grad, loss).
#include "relumc/io/json.hpp"
#include "relumc/plan/weights_file.hpp"
#include "relumc/plan/sweep.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

namespace relumc {

namespace {

using nlohmann::json;

std::vector<double> parse_vector(const json& j, const std::string& where) {
  if (!j.is_array()) throw InputError(fmt::format("{}: expected an array of numbers", where));
  if (j.empty()) throw InputError(fmt::format("{}: empty array (d must be >= 1)", where));
  std::vector<double> v;
  for (size_t k = 0; k < j.size(); ++k) {
    if (!j[k].is_number()) throw InputError(fmt::format("{}[{}] = {} is not a number", where, k, j[k].dump()));
    v.push_back(j[k].get<double>());
  }
  return v;
}

// Rows of equal length; returns the flattened matrix and sets rows and d.
std::vector<double> parse_matrix(const json& j, const std::string& where, int64_t& rows, int64_t& d) {
  if (!j.is_array() || j.empty()) throw InputError(fmt::format("{}: expected a non-empty array of rows", where));
  std::vector<double> m;
  rows = static_cast<int64_t>(j.size());
  for (size_t r = 0; r < j.size(); ++r) {
    const std::vector<double> row = parse_vector(j[r], fmt::format("{}[{}]", where, r));
    if (r == 0) d = static_cast<int64_t>(row.size());
    if (static_cast<int64_t>(row.size()) != d)
      throw InputError(fmt::format("{}: row {} has {} numbers but row 0 has {} (ragged)", where, r, row.size(), d));
    m.insert(m.end(), row.begin(), row.end());
  }
  return m;
}

}  // namespace

std::vector<Case> cases_from_weights_file(const std::string& path, const std::vector<Quantity>& quantities,
                                          const std::vector<uint64_t>& samples, InputKind input,
                                          std::optional<double> radius) {
  const double r = input_radius(input, radius);
  const json j = detail::read_json_file(path, "weights file");
  if (!j.is_object()) throw InputError(fmt::format("weights file '{}': expected a JSON object", path));
  for (const auto& [key, value] : j.items())
    if (key != "e" && key != "w" && key != "student" && key != "teacher")
      throw InputError(fmt::format("weights file '{}': unknown key \"{}\" (expected e, w, student, teacher)", path, key));

  std::vector<Case> cases;
  for (Quantity q : quantities) {
    Case c;
    c.quantity = q;
    c.origin = "weights";
    if (q == Quantity::Gating) {
      if (!j.contains("e") || !j.contains("w"))
        throw InputError(fmt::format("weights file '{}': gating needs \"e\" and \"w\"", path));
      c.teacher = parse_vector(j["e"], fmt::format("weights file '{}': e", path));
      c.student = parse_vector(j["w"], fmt::format("weights file '{}': w", path));
      if (c.teacher.size() != c.student.size())
        throw InputError(fmt::format("weights file '{}': e has {} components but w has {}", path, c.teacher.size(),
                                     c.student.size()));
      c.d = static_cast<int64_t>(c.student.size());
    } else {
      if (!j.contains("student") || !j.contains("teacher"))
        throw InputError(fmt::format("weights file '{}': {} needs \"student\" and \"teacher\"", path, to_string(q)));
      int64_t ds = 0, dt = 0;
      c.student = parse_matrix(j["student"], fmt::format("weights file '{}': student", path), c.K, ds);
      c.teacher = parse_matrix(j["teacher"], fmt::format("weights file '{}': teacher", path), c.Kstar, dt);
      if (ds != dt)
        throw InputError(fmt::format("weights file '{}': student rows have d = {} but teacher rows have d = {}", path, ds, dt));
      c.d = ds;
    }
    c.samples = samples.empty() ? 0 : samples.front();
    validate(c);
    // The documented `norm` (case.hpp): the root-mean-square student row norm, |W|_F / sqrt(K) (the row norm
    // itself for one row, and the grid's common row norm).
    c.norm = norm_without_overflow(c.student.data(), c.K * c.d) / std::sqrt(static_cast<double>(c.K));
    if (q == Quantity::Gating || (c.K == 1 && c.Kstar == 1)) c.angle = angle(c.teacher.data(), c.student.data(), c.d);
    for (uint64_t n : samples) {
      c.samples = n;
      cases.push_back(c);
    }
  }
  for (size_t k = 0; k < cases.size(); ++k) {
    cases[k].stream = static_cast<uint32_t>(k);
    cases[k].input = input;
    cases[k].radius = r;
    validate(cases[k]);
  }
  return cases;
}

}  // namespace relumc
