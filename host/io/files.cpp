// SPDX-License-Identifier: MIT
#include "relumc/io/files.hpp"

#include "relumc/core/errors.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
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
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError(field, fmt::format("{}: the directory {} does not exist", path, dir.string()));
  if (fs::is_directory(p, ec)) throw InputError(field, fmt::format("{}: is a directory", path));
  std::string why;
  if (!probe_writable(dir.string(), &why))
    throw InputError(field, fmt::format("{}: the directory {} is not writable: {}", path, dir.string(), why));
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = fmt::format("{}.tmp.{}", path, static_cast<long>(getpid()));
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() && std::fflush(f) == 0 &&
                  fsync(fileno(f)) == 0;
  const int err = errno;
  std::fclose(f);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(ok ? errno : err)));
  }
}

}  // namespace relumc
