#!/usr/bin/env bash
# Set up, build everything (library, CLI, tests, benchmarks), and run the whole test suite; then the Python
# package: a fresh virtual environment, `pip install .` (scikit-build-core and nanobind from PyPI) and pytest.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure

# The Python package (docs/python.md), as a user installs it. Needs PyPI (or a mirror pip is configured for):
# if pip cannot reach it, this step fails; it never passes without running the tests.
venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
start=$(date +%s)
if ! CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$venv/bin/pip" install --quiet . pytest; then
  echo "test.sh: FAILED: pip install . into a fresh virtual environment (is PyPI reachable? the build needs" >&2
  echo "test.sh: scikit-build-core and nanobind, the package numpy, the tests pytest)" >&2
  exit 1
fi
echo "test.sh: pip install . took $(( $(date +%s) - start )) s"
# RELUMC_REQUIRE_CLI: the comparisons with the command line (bit for bit) must run, not skip.
RELUMC_CLI="$PWD/build/relumc" RELUMC_REQUIRE_CLI=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python
