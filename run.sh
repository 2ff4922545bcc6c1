#!/usr/bin/env bash
# Set up, build, and run the default verification (all three quantities, angles 0..pi, three norms,
# d in {2, 10, 100}, N in {1e4, 1e5, 4e5}); writes results/ (CSV, JSON, PNG plots).
# Extra arguments go to `relumc verify`. Exit status: that of relumc verify (0 pass, 1 fail, 2 bad input);
# a failed plot is only a warning (`relumc verify --plot`).
set -uo pipefail
cd "$(dirname "$0")"
./setup.sh || exit 2
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null || exit 2
cmake --build build -j"$(nproc)" --target relumc || exit 2
exec ./build/relumc verify --out results --plot "$@"
