// SPDX-License-Identifier: MIT
// Files relumc ships beside its binary (plot scripts, regression suites), found relative to the
// running executable, so an installed prefix can be moved and the source tree may be gone.
//
// Layout: an install puts the binary in PREFIX/bin and the resources in PREFIX/share/relumc; a build
// tree has the binary in the build directory and a copy of the resources in BUILD/share/relumc.
//
// Usage:
//   const std::string script = relumc::resource_path("plots/plot_dynamics.py");
//   const std::string suite = relumc::resource_path("suites/cpu-smoke.json");
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relumc {

// The places resource_path looks for `relative`, in order: EXE_DIR/../share/relumc/relative (an
// install) and EXE_DIR/share/relumc/relative (a build tree), EXE_DIR being the directory of
// /proc/self/exe. Empty when the executable's path cannot be read.
std::vector<std::string> resource_candidates(std::string_view relative);

// The first existing file of resource_candidates(relative). Throws std::runtime_error naming the
// resource and every place it looked when none exists.
std::string resource_path(std::string_view relative);

}  // namespace relumc
