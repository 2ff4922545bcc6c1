// SPDX-License-Identifier: MIT
// The library's exceptions. The library speaks in fields, never in command-line flags: an InputError
// names the offending field between backquotes ("`lr` 0 must be a finite number > 0"), and each
// frontend renders the names its own way (the CLI as flags, `lr` -> --lr; host/cli/common.hpp).
//
// Usage:
//   throw relumc::InputError("lr", fmt::format("{} must be a finite number > 0", lr));
//   catch (const relumc::InputError& e) { e.field(); /* "lr" */ e.what(); /* "`lr` 0 must be ..." */ }
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace relumc {

// Bad input from the caller (the CLI prints the message and exits with status 2). Other fields the
// message refers to are written `like_this` too.
class InputError : public std::runtime_error {
 public:
  // A message that names no single field first (its text may still quote fields in backquotes).
  explicit InputError(const std::string& message) : std::runtime_error(message), detail_(message) {}
  // "`field` detail": the field whose value is bad, then what is wrong with it.
  InputError(std::string_view field, const std::string& detail)
      : std::runtime_error("`" + std::string(field) + "` " + detail), field_(field), detail_(detail) {}
  // The field named first ("" when the error names none), and the text after it.
  const std::string& field() const { return field_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string field_, detail_;
};

// Every `name` in text replaced by render(name) (the backquotes dropped). An unpaired backquote is kept.
inline std::string render_fields(std::string_view text, const std::function<std::string(std::string_view)>& render) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find('`', i);
    const size_t close = open == std::string_view::npos ? open : text.find('`', open + 1);
    if (close == std::string_view::npos) break;
    out.append(text.substr(i, open - i));
    out += render(text.substr(open + 1, close - open - 1));
    i = close + 1;
  }
  out.append(text.substr(i));
  return out;
}

// A stop request (SIGINT or SIGTERM, relumc/run/interrupt.hpp) ended an estimate (the CPU reads it inside
// chunks, the GPU between kernel launches); nothing partial is returned.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace relumc
