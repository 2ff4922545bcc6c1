// SPDX-License-Identifier: MIT
// Output places and atomic writes. Checks run before any work, so bad input writes nothing; a file is
// written through a temporary file in the same directory, flushed, fsync'ed and renamed, so a reader
// never sees half of it.
//
// Usage:
//   relumc::ensure_writable_dir(dir, "out");                  // InputError naming `out` when it cannot be used
//   relumc::write_file_atomically(dir + "/results.json", text);
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relumc {

// Creates dir if needed and checks that a file can be written there; throws InputError naming `field`
// and why not.
void ensure_writable_dir(const std::string& dir, std::string_view field = "out");

// A file about to be written at path: its directory must exist and be writable, and what exists at path
// (after following a symlink) must be a regular file. Throws InputError naming `field` and why not.
void check_writable_file(const std::string& path, std::string_view field);

// An advisory lock on an output directory for the life of a run (flock on DIR/.relumc.lock, which holds
// the owner's pid and is removed on release), so two runs never interleave their journal lines or leave
// one run's results under the other's journal. A second run is refused (InputError naming `field`, the
// directory and the holder's pid). The directory must exist.
class DirectoryLock {
 public:
  DirectoryLock(const std::string& dir, std::string_view field);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

// Writes content to path through a temporary file and rename(2). Only a regular file is ever replaced:
// a symlink is followed to its target, and a device, FIFO, socket or directory at path is refused
// (std::runtime_error) with nothing written.
void write_file_atomically(const std::string& path, const std::string& content);

// The same for a set of (path, content) that belongs together (a run's outputs): every file is written to its
// temporary first, and only when all of them are written (and fsync'ed) are they renamed into place, so a
// failure (a full disk) leaves the previous set, or none, never a mix of old and new; the temporaries are
// removed. Only the renames, which need no space, come after the point of no return.
void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files);

// A journal file's text ("" and *exists = false when there is none).
std::string read_all(const std::string& path, bool* exists);

// The complete lines of a journal's text (a crash can leave the last one torn, without its newline); *kept:
// the bytes they span, newlines included (where an append continues).
std::vector<std::string> complete_lines(const std::string& text, long* kept);

}  // namespace relumc
