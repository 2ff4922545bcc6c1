// SPDX-License-Identifier: MIT
// The journal of a census: DIR/journal.jsonl, what makes a long census resumable (the conventions of
// relumc/run/journal.hpp, `relumc verify`'s journal).
//
// Line 1 is a header with the census's spec (everything that changes a run's numbers: version, k, K, d, runs,
// seed, init, lr, the budgets and tolerances); then one line per finished run, appended, flushed and
// fdatasync'ed as the run finishes:
//   {"run": r, "kind": "minimum", "k1": 1, "loss": .., "lambda_min": .., "gradient_norm": .., "index": ..,
//    "nullity": .., "steps": .., "newton_iterations": .., "escapes": .., "student": [..], "eigenvalues": [..]}
// and a last line {"complete": true} once the results files are written. Doubles are written with the shortest
// digits that round-trip (an undefined one, e.g. lambda_min at a kink, as null), so a resumed census holds the
// original runs bit for bit and its families and counts equal an uninterrupted census's. A line torn by a crash
// (no newline at the end) is ignored and overwritten.
//
// Usage:
//   relumc::CensusJournal j(dir, spec, /*resume=*/true, /*restart=*/false);
//   spec.journal = &j;
//   relumc::Census c = relumc::run_census(spec);   // takes j.finished(), appends the rest
//   ... write the results files ...;  j.complete();
#pragma once

#include "relumc/landscape/census.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <string>

namespace relumc {

// What a census journal must match to be resumed (keys are the spec's field names).
nlohmann::ordered_json census_journal_config(const CensusSpec& s);

class CensusJournal {
 public:
  // resume = false: starts a new journal, refusing (InputError) to discard an unfinished one unless restart.
  // resume = true: keeps the finished runs of the journal in dir (none there: starts anew, with a note on
  // stderr), refusing when its spec differs and naming the field that differs.
  CensusJournal(std::string dir, const CensusSpec& s, bool resume, bool restart);
  ~CensusJournal();
  CensusJournal(const CensusJournal&) = delete;
  CensusJournal& operator=(const CensusJournal&) = delete;

  const std::map<int64_t, CensusRun>& finished() const { return finished_; }
  // Not thread-safe: run_census calls it inside a critical section.
  void append(const CensusRun& r);
  void complete();
  const std::string& path() const { return path_; }

 private:
  void write_line(const std::string& line);

  std::string path_;
  std::map<int64_t, CensusRun> finished_;
  std::FILE* file_ = nullptr;
};

struct CensusOutput {
  Census census;
  std::vector<McCheck> checks;  // one per family, with mc (else empty)
};

// The whole census into dir: checks the spec, makes dir (field out), locks it, opens the journal (resume /
// restart as above), runs the census with a progress line on stderr (when `progress` and stderr is a terminal),
// the Monte Carlo check of every family when mc is given, writes census.json and census_runs.csv atomically,
// then marks the journal complete. Bad input throws InputError before anything is written; s.stop set throws
// Interrupted, the finished runs left in the journal.
CensusOutput census_to_directory(const CensusSpec& s, const std::string& dir, bool resume, bool restart, bool progress,
                                 const McCheckOptions* mc = nullptr);

}  // namespace relumc
