#!/usr/bin/env bash
# The Python package as a user installs it: a fresh virtual environment, `pip install .` (scikit-build-core
# and nanobind from PyPI build the module) with the extra `test` (pytest, pandas, matplotlib, jsonschema), then
# pytest on tests/python. ./test.sh runs it after the C++ suite.
#   tests/python/run_in_venv.sh [CLI]   CLI: the relumc binary the bit-for-bit comparisons run (default
#                                        build/relumc); they must run, never skip (RELUMC_REQUIRE_CLI=1).
# PYTHON picks the interpreter that creates the venv (default python3). Needs PyPI (or a mirror pip is
# configured for): when pip cannot install, this fails loudly; it never passes without running the tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
cli="$(realpath "${1:-build/relumc}")"
[ -x "$cli" ] || { echo "run_in_venv.sh: no relumc binary at $cli (build the CLI first)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-python3}" -m venv "$tmp/venv"
start=$(date +%s)
if ! CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" "$tmp/venv/bin/pip" install --quiet ".[test]"; then
  echo "run_in_venv.sh: FAILED: pip install . into a fresh virtual environment (is PyPI reachable? the build" >&2
  echo "run_in_venv.sh: needs scikit-build-core and nanobind, the package numpy, the tests pytest, pandas, matplotlib, jsonschema)" >&2
  exit 1
fi
echo "run_in_venv.sh: pip install . took $(( $(date +%s) - start )) s ($("$tmp/venv/bin/python" --version))"
RELUMC_CLI="$cli" RELUMC_REQUIRE_CLI=1 "$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider -rs tests/python
