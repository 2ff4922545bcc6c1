// SPDX-License-Identifier: MIT
// Writers: the table on stdout, DIR/results.csv and DIR/results.json (schema in docs/output.md).
// Files are written atomically: a temporary file in the same directory, flushed, then renamed.
#pragma once

#include "relumc/io/files.hpp"
#include "relumc/run/verify.hpp"

#include <cstdio>
#include <string>

namespace relumc {


std::string results_json(const VerifyReport& rep, const std::string& backend_note);
std::string results_csv(const VerifyReport& rep);
void print_table(const VerifyReport& rep, const std::string& backend_note, std::FILE* out);

}  // namespace relumc
