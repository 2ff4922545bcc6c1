#!/usr/bin/env bash
# Set up, build everything (library, CLI, tests, benchmarks), and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure
