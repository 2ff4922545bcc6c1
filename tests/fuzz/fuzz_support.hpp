// SPDX-License-Identifier: MIT
// Shared by the libFuzzer harnesses (tests/fuzz/run_fuzz.sh): the input as text, and a private file or
// directory for the readers that take a path. A reader may refuse its input only with relumc::InputError;
// anything else that escapes (another exception, a crash, a sanitizer report, a hang) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

namespace relumc::fuzz {

inline std::string text_of(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

// A scratch directory of this process (created once; the harness overwrites its files), removed at exit (a
// crash leaves it, beside the saved input).
inline const std::string& scratch_dir() {
  static char made[] = "/tmp/relumc-fuzz-XXXXXX";  // no destructor: still there when the atexit handler runs
  static const std::string dir = [] {
    if (!mkdtemp(made)) std::abort();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(made, ec);
    });
    return std::string(made);
  }();
  return dir;
}

// Writes text to scratch_dir()/name and returns the path.
inline std::string scratch_file(const std::string& name, const std::string& text) {
  const std::string path = scratch_dir() + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), f) != text.size()) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace relumc::fuzz
