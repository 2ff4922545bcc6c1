// SPDX-License-Identifier: MIT
#include "relumc/io/resources.hpp"

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace relumc {

namespace fs = std::filesystem;

std::vector<std::string> resource_candidates(std::string_view relative) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || exe.empty()) return {};
  const fs::path dir = exe.parent_path();
  const fs::path rel{std::string(relative)};
  return {(dir.parent_path() / "share" / "relumc" / rel).lexically_normal().string(),
          (dir / "share" / "relumc" / rel).lexically_normal().string()};
}

std::string resource_path(std::string_view relative) {
  const std::vector<std::string> places = resource_candidates(relative);
  std::string looked;
  for (const std::string& p : places) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
    looked += (looked.empty() ? "" : ", ") + p;
  }
  if (places.empty()) looked = "nowhere: /proc/self/exe cannot be read";
  throw std::runtime_error("resource " + std::string(relative) + " not found; looked in " + looked +
                           " (an install puts it in PREFIX/share/relumc, a build in BUILD/share/relumc)");
}

}  // namespace relumc
