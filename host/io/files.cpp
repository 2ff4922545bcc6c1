// SPDX-License-Identifier: MIT
#include "relumc/io/files.hpp"

#include "relumc/core/errors.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <fcntl.h>
#include <sstream>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace relumc {

namespace {

// Whether a file can be created in dir; the errno text when not.
bool probe_writable(const std::string& dir, std::string* why) {
  const std::string probe = (std::filesystem::path(dir) / ".relumc-write-probe").string();
  std::FILE* f = std::fopen(probe.c_str(), "w");
  if (!f) {
    *why = std::strerror(errno);
    return false;
  }
  std::fclose(f);
  std::remove(probe.c_str());
  return true;
}

// Where a write to path lands: a symlink is followed to the file it names (which is replaced, the link
// kept); anything that exists there must be a regular file, never a device, FIFO, socket or directory.
// Throws InputError naming `field` (empty: std::runtime_error) otherwise.
std::filesystem::path write_target(const std::string& path, std::string_view field) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target(path);
  if (fs::is_symlink(fs::symlink_status(target, ec))) target = fs::weakly_canonical(target, ec);
  const fs::file_status st = fs::status(target, ec);
  if (fs::exists(st) && !fs::is_regular_file(st)) {
    const char* kind = fs::is_directory(st)       ? "is a directory"
                       : fs::is_character_file(st) ? "is a character device"
                       : fs::is_block_file(st)     ? "is a block device"
                       : fs::is_fifo(st)           ? "is a FIFO"
                       : fs::is_socket(st)         ? "is a socket"
                                                   : "exists";
    const std::string what = target.string() == path ? path : fmt::format("{} (the link's target {})", path,
                                                                           target.string());
    const std::string why = fmt::format("{} {}, not a regular file: only regular files are replaced", what, kind);
    if (field.empty()) throw std::runtime_error("cannot write " + why);
    throw InputError(field, why);
  }
  return target;
}

// Temporary files "<path>.tmp.<pid>" that a killed process (SIGKILL, power loss) left behind: removed
// when that process no longer exists. A live writer's temporary file is never touched.
void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  const std::string prefix = p.filename().string() + ".tmp.";
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(p.has_parent_path() ? p.parent_path() : ".", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH && e.is_regular_file(ec)) fs::remove(e.path(), ec);
  }
}

}  // namespace

void ensure_writable_dir(const std::string& dir, std::string_view field) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError(field, fmt::format("{}: cannot create the directory: {}", dir, ec.message()));
  if (!std::filesystem::is_directory(dir)) throw InputError(field, fmt::format("{}: not a directory", dir));
  std::string why;
  if (!probe_writable(dir, &why)) throw InputError(field, fmt::format("{}: not writable: {}", dir, why));
}

void check_writable_file(const std::string& path, std::string_view field) {
  namespace fs = std::filesystem;
  if (path.empty()) throw InputError(field, "is empty: it names no file");
  const fs::path p = write_target(path, field);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError(field, fmt::format("{}: the directory {} does not exist", path, dir.string()));
  if (fs::is_directory(p, ec)) throw InputError(field, fmt::format("{}: is a directory", path));
  std::string why;
  if (!probe_writable(dir.string(), &why))
    throw InputError(field, fmt::format("{}: the directory {} is not writable: {}", path, dir.string(), why));
}

namespace {

// content into tmp, flushed and fsync'ed; std::runtime_error naming path (the file it stands for) otherwise.
void write_temporary(const std::string& tmp, const std::string& path, const std::string& content) {
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() && std::fflush(f) == 0 &&
                  fsync(fileno(f)) == 0;
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(ok ? errno : err)));
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
  write_files_atomically({{path, content}});
}

void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files) {
  // 1. Every file into its temporary "<path>.tmp.<pid>": a failure (a full disk) removes the temporaries and
  //    replaces nothing.
  std::vector<std::pair<std::string, std::string>> staged;  // (temporary, path)
  try {
    for (const auto& [given, content] : files) {
      const std::string path = write_target(given, "").string();
      remove_stale_temporaries(path);
      staged.emplace_back(fmt::format("{}.tmp.{}", path, static_cast<long>(getpid())), path);
      write_temporary(staged.back().first, path, content);
    }
  } catch (...) {
    for (const auto& [tmp, path] : staged) std::remove(tmp.c_str());
    throw;
  }
  // 2. The renames, which take no space.
  for (size_t k = 0; k < staged.size(); ++k) {
    if (std::rename(staged[k].first.c_str(), staged[k].second.c_str()) == 0) continue;
    const int err = errno;
    for (size_t j = k; j < staged.size(); ++j) std::remove(staged[j].first.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}{}", staged[k].second, std::strerror(err),
                                         k == 0 ? "" : fmt::format(" (the {} files before it were replaced)", k)));
  }
}

DirectoryLock::DirectoryLock(const std::string& dir, std::string_view field)
    : path_((std::filesystem::path(dir) / ".relumc.lock").string()) {
  // Open, lock, then check that the path still names the locked file: a releasing holder unlinks it, and
  // a lock on an unlinked file would guard nothing.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw InputError(field, fmt::format("{}: cannot create {}: {}", dir, path_, std::strerror(errno)));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char buf[32] = {};
      const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
      close(fd);
      const std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("unknown");
      throw InputError(field, fmt::format("{} is in use by another relumc run (pid {}): wait for it to end, or choose "
                                          "another directory", dir, holder.substr(0, holder.find('\n'))));
    }
    struct stat held {}, named {};
    if (fstat(fd, &held) == 0 && stat(path_.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev) {
      const std::string pid = std::to_string(static_cast<long>(getpid())) + "\n";
      if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        // The pid is only for the message of a refused run; the lock holds without it.
      }
      fd_ = fd;
      return;
    }
    close(fd);  // the holder released and removed it between our open and flock: try again
  }
  throw InputError(field, fmt::format("{}: could not take the lock {}", dir, path_));
}

DirectoryLock::~DirectoryLock() {
  if (fd_ < 0) return;
  unlink(path_.c_str());  // while still holding the lock: a waiting opener sees the inode change
  close(fd_);
}

std::string read_all(const std::string& path, bool* exists) {
  std::ifstream in(path, std::ios::binary);
  *exists = static_cast<bool>(in);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> complete_lines(const std::string& text, long* kept) {
  std::vector<std::string> lines;
  *kept = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
    *kept = static_cast<long>(pos);
  }
  return lines;
}

}  // namespace relumc
