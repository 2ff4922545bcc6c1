// SPDX-License-Identifier: MIT
// The version of the JSON output files' layout: the first key, "schema_version", of verify's
// results.json, dynamics' summary.json and experiment JSON files, and the regression suite's
// results.json and baseline. The JSON Schemas in docs/schema/ describe version 1. Raise it when a
// key is removed, renamed or changes meaning; adding a key does not need a new version.
#pragma once

namespace relumc {

inline constexpr int kSchemaVersion = 1;

}  // namespace relumc
