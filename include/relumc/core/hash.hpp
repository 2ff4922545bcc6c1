// SPDX-License-Identifier: MIT
// 64-bit FNV-1a: a short fingerprint of bytes (journal case lists, suite documents); not for security.
//
// Usage:
//   relumc::Fnv1a h;  h.add(&x, sizeof x);  h.add(text);  uint64_t v = h.value();
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace relumc {

class Fnv1a {
 public:
  void add(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h_ = (h_ ^ b[i]) * 1099511628211ull;
  }
  void add(std::string_view s) { add(s.data(), s.size()); }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 1469598103934665603ull;
};

inline uint64_t fnv1a(std::string_view s) {
  Fnv1a h;
  h.add(s);
  return h.value();
}

}  // namespace relumc
