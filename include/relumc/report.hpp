// SPDX-License-Identifier: MIT
// Writers: the table on stdout, DIR/results.csv and DIR/results.json (schema in README.md).
// Files are written atomically: a temporary file in the same directory, flushed, then renamed.
#pragma once

#include "relumc/verify.hpp"

#include <cstdio>
#include <string>

namespace relumc {

// Creates dir if needed and checks that a file can be written there; throws InputError naming why.
void ensure_writable_dir(const std::string& dir);

// Writes content to path through a temporary file and rename(2).
void write_file_atomically(const std::string& path, const std::string& content);

std::string results_json(const VerifyReport& rep, const std::string& backend_note);
std::string results_csv(const VerifyReport& rep);
void print_table(const VerifyReport& rep, const std::string& backend_note, std::FILE* out);

}  // namespace relumc
