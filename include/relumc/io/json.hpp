// SPDX-License-Identifier: MIT
// Reading JSON files (weights, suites, baselines), and strict reading of JSON objects for suites and
// baselines: every error names the source, the key
// path ("groups[1].dims[2]") and the bad value; keys that were never read are reported as unknown.
#pragma once

#include "relumc/core/case.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>
#include <string>
#include <vector>

namespace relumc::detail {

using nlohmann::json;

// relumc's JSON inputs (weights, suites, baselines) nest a few levels; anything deeper, larger or with a
// key given twice is refused before it is used (a repeated key would otherwise silently keep the last).
inline constexpr int kMaxJsonDepth = 32;
inline constexpr std::uintmax_t kMaxJsonFileBytes = std::uintmax_t{64} << 20;  // 64 MiB

// Parses text strictly: nesting at most kMaxJsonDepth, no key twice in one object, // and /* */ comments
// only when `comments`. InputError "<where> is not valid JSON: <why>" otherwise (parse errors, and
// out_of_range for overflowing numbers such as 1e999).
template <class Json = json>
Json parse_json_strict(const std::string& text, const std::string& where, bool comments = false) {
  struct Refusal {
    std::string why;
  };
  std::vector<std::set<std::string>> keys;  // the keys seen in each open object
  const typename Json::parser_callback_t check = [&keys](int depth, typename Json::parse_event_t event, Json& parsed) {
    using E = typename Json::parse_event_t;
    if ((event == E::object_start || event == E::array_start) && depth >= kMaxJsonDepth)
      throw Refusal{fmt::format("nested deeper than {} levels", kMaxJsonDepth)};
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end && !keys.empty()) keys.pop_back();
    if (event == E::key && !keys.empty() && !keys.back().insert(parsed.template get<std::string>()).second)
      throw Refusal{fmt::format("the key \"{}\" appears twice in one object", parsed.template get<std::string>())};
    return true;
  };
  try {
    return Json::parse(text, check, /*allow_exceptions=*/true, /*ignore_comments=*/comments);
  } catch (const Refusal& r) {
    throw InputError(fmt::format("{} is not valid JSON: {}", where, r.why));
  } catch (const typename Json::exception& e) {
    throw InputError(fmt::format("{} is not valid JSON: {}", where, e.what()));
  }
}

// The text of a regular file of at most max_bytes; InputError naming `what` and the path otherwise (a
// directory, a device such as /dev/zero, a FIFO, a missing or unreadable file, a file too large).
inline std::string read_input_file(const std::string& path, const char* what,
                                   std::uintmax_t max_bytes = kMaxJsonFileBytes) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) throw InputError(fmt::format("{} '{}' cannot be read: no such file", what, path));
  if (std::filesystem::is_directory(st)) throw InputError(fmt::format("{} '{}' is a directory, not a file", what, path));
  if (!std::filesystem::is_regular_file(st))
    throw InputError(fmt::format("{} '{}' is not a regular file (a device, FIFO or socket)", what, path));
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes)
    throw InputError(fmt::format("{} '{}' has {} bytes, more than the {} a {} may have", what, path, size, max_bytes, what));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{} '{}' cannot be read", what, path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A whole JSON file (read_input_file, then parse_json_strict).
inline json read_json_file(const std::string& path, const char* what, bool comments = false) {
  return parse_json_strict(read_input_file(path, what), fmt::format("{} '{}'", what, path), comments);
}

// The value as the user wrote it, shortened for messages; a deeply nested value is summarised rather
// than written out (dump() recurses).
inline std::string show(const json& v) {
  int depth = 0;
  for (const json* p = &v; (p->is_array() || p->is_object()) && !p->empty(); p = &*p->begin())
    if (++depth > 8) return fmt::format("{} nested more than 8 levels", v.is_array() ? "an array" : "an object");
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

inline const char* type_name(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

class Fields {
 public:
  Fields(const json& j, std::string where, std::string path) : j_(j), where_(std::move(where)), path_(std::move(path)) {
    if (!j.is_object()) fail(path_, j, fmt::format("expected an object, found {}", type_name(j)));
  }

  [[noreturn]] void fail(const std::string& path, const json& v, const std::string& why) const {
    throw InputError(fmt::format("{}: {} = {}: {}", where_, path.empty() ? "(top level)" : path, show(v), why));
  }
  [[noreturn]] void missing(const std::string& key) const {
    throw InputError(fmt::format("{}: {}: missing required key", where_, at(key)));
  }

  std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& where() const { return where_; }
  bool has(const std::string& key) const { return j_.contains(key); }

  // The value of key, marked as read; null when absent (then `required` throws).
  const json* get(const std::string& key, bool required) {
    seen_.insert(key);
    auto it = j_.find(key);
    if (it == j_.end()) {
      if (required) missing(key);
      return nullptr;
    }
    return &*it;
  }

  std::string string(const std::string& key, bool required, std::string def = {}) {
    const json* v = get(key, required);
    if (!v) return def;
    if (!v->is_string()) fail(at(key), *v, fmt::format("expected a string, found {}", type_name(*v)));
    return v->get<std::string>();
  }
  bool boolean(const std::string& key, bool required, bool def = false) {
    const json* v = get(key, required);
    if (!v) return def;
    if (!v->is_boolean()) fail(at(key), *v, fmt::format("expected true or false, found {}", type_name(*v)));
    return v->get<bool>();
  }
  // A finite number; null is accepted only when `nullable` (returned as NaN).
  double number(const std::string& key, bool required, double def = 0, bool nullable = false) {
    const json* v = get(key, required);
    if (!v) return def;
    return number_value(*v, at(key), nullable);
  }
  double number_value(const json& v, const std::string& path, bool nullable = false) const {
    if (nullable && v.is_null()) return std::nan("");
    if (!v.is_number()) fail(path, v, fmt::format("expected a number, found {}", type_name(v)));
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(path, v, "not finite");
    return d;
  }
  // An integer in [lo, hi]; 1e5 written as a JSON number is accepted when it is integral.
  int64_t integer(const std::string& key, bool required, int64_t def, int64_t lo, int64_t hi) {
    const json* v = get(key, required);
    if (!v) return def;
    return integer_value(*v, at(key), lo, hi);
  }
  int64_t integer_value(const json& v, const std::string& path, int64_t lo, int64_t hi) const {
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(hi) || static_cast<int64_t>(u) < lo) fail(path, v, fmt::format("must be in [{}, {}]", lo, hi));
      return static_cast<int64_t>(u);
    }
    if (v.is_number_integer()) {
      const int64_t x = v.get<int64_t>();
      if (x < lo || x > hi) fail(path, v, fmt::format("must be in [{}, {}]", lo, hi));
      return x;
    }
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (d != std::floor(d)) fail(path, v, "expected an integer");
      if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)))
        fail(path, v, fmt::format("must be in [{}, {}]", lo, hi));
      return static_cast<int64_t>(d);
    }
    fail(path, v, fmt::format("expected an integer, found {}", type_name(v)));
  }
  // A non-empty array (or absent: nullptr unless required).
  const json* array(const std::string& key, bool required, bool allow_empty = false) {
    const json* v = get(key, required);
    if (!v) return nullptr;
    if (!v->is_array()) fail(at(key), *v, fmt::format("expected an array, found {}", type_name(*v)));
    if (v->empty() && !allow_empty) fail(at(key), *v, "empty array");
    return v;
  }

  // Call after reading every known key: the first key that was never read is an error.
  void reject_unknown() const {
    for (auto it = j_.begin(); it != j_.end(); ++it)
      if (!seen_.count(it.key()))
        throw InputError(fmt::format("{}: {}: unknown key (a typo?)", where_, at(it.key())));
  }

 private:
  const json& j_;
  std::string where_, path_;
  std::set<std::string> seen_;
};

}  // namespace relumc::detail
