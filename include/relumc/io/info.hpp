// SPDX-License-Identifier: MIT
// `relumc info`: backends, CPU features, GPUs and build options of this build on this machine.
#pragma once

#include <cstdio>

namespace relumc {

void print_info(std::FILE* out);

}  // namespace relumc
