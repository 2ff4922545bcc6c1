// SPDX-License-Identifier: MIT
// The journal of a verification run: DIR/journal.jsonl, what makes a long sweep crash-safe.
//
// Line 1 is a header with the run's configuration (everything that changes a case's numbers: version,
// seed, precision, contract, backend, formula, the sample-count plan and a hash of the case list); then one line
// per finished case, appended, flushed and fdatasync'ed as the case finishes:
//   {"case": k, "samples": N, "mean": [...], "std_error": [...], "seconds": s}
// and a last line {"complete": true} once the results files are written. Doubles are written with the
// shortest digits that round-trip, so a resumed run's estimates are the original ones bit for bit. A line torn by a
// crash (no newline at the end) is ignored and overwritten.
//
// Usage:
//   relumc::Journal j(dir, relumc::journal_config(opt, cases), /*resume=*/true, /*restart=*/false, dist);
//   opt.journal = &j;
//   relumc::VerifyReport rep = relumc::run_verification(cases, opt);  // skips j.finished(), appends the rest
//   ... write the results files ...;  j.complete();
#pragma once

#include "relumc/run/distribution.hpp"
#include "relumc/backend/estimate.hpp"
#include "relumc/run/verify.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace relumc {

// What a journal must match to be resumed.
nlohmann::ordered_json journal_config(const VerifyOptions& opt, const std::vector<Case>& cases);

class Journal {
 public:
  struct Entry {
    Estimate estimate;
    double seconds = 0;
  };

  // resume = false: starts a new journal, refusing (InputError) to discard an unfinished one unless
  // restart. resume = true: keeps the finished cases of the journal in dir (none there: starts anew, with
  // a note on stderr), refusing when its configuration differs and naming what differs. Only the
  // root rank touches the file; the others receive its content.
  Journal(std::string dir, nlohmann::ordered_json config, bool resume, bool restart, const Distribution& dist);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::map<size_t, Entry>& finished() const { return finished_; }
  void append(size_t k, const Estimate& e, double seconds);
  void complete();
  const std::string& path() const { return path_; }

 private:
  void open_for_append(long keep_bytes);
  void write_line(const std::string& line);

  std::string path_;
  std::map<size_t, Entry> finished_;
  std::FILE* file_ = nullptr;
  bool root_ = true;
};

}  // namespace relumc
