#!/usr/bin/env bash
# Set up, build everything (library, CLI, tests, benchmarks), and run the whole test suite; then the Python
# package: a fresh virtual environment, `pip install .` (scikit-build-core and nanobind from PyPI) and pytest.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure

# The Python package (docs/python.md) as a user installs it: a fresh virtual environment, pip install .
# (needs PyPI: fails loudly without it), pytest, with the CLI just built for the bit-for-bit comparisons.
tests/python/run_in_venv.sh build/relumc
