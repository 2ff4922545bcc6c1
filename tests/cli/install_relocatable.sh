#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The install is relocatable and independent of the source tree: `cmake --install BUILD --prefix P`,
# then the prefix is moved to P2; P2/bin/relumc must not name the source directory, must find its plot
# scripts and suites under P2/share/relumc, and runs from a directory outside both trees.
#
# Usage: install_relocatable.sh BUILD_DIR CMAKE SOURCE_DIR
# Exit status: 0 pass, 1 fail, 77 skipped (no /usr/bin/python3 with matplotlib: --plot cannot draw).
set -uo pipefail
build=$1 cmake=$2 src=$3

if ! /usr/bin/python3 -c 'import matplotlib, numpy' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 with matplotlib and numpy is needed for --plot (Debian: python3-matplotlib)"
  exit 77
fi

tmp=$(mktemp -d /tmp/relumc-install-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$cmake" --install "$build" --prefix "$tmp/p1" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "cmake --install"; }
for f in bin/relumc share/relumc/plots/plot_dynamics.py share/relumc/plots/plot_results.py \
         share/relumc/plots/plot_input_deviation.py share/relumc/suites/cpu-smoke.json \
         share/relumc/suites/gpu-h200.json share/doc/relumc/README.md share/doc/relumc/LICENSE \
         include/relumc/relumc.hpp include/relumc/core/version.hpp include/relumc/io/resources.hpp; do
  [ -e "$tmp/p1/$f" ] || fail "the install lacks $f"
done
[ -e "$tmp/p1/include/relumc/core/version.hpp.in" ] && fail "the install has the template version.hpp.in"

# Move the prefix: nothing may point back to p1 or to the source tree.
mkdir -p "$tmp/moved" && mv "$tmp/p1" "$tmp/moved/p2" || fail "moving the prefix"
p2=$tmp/moved/p2
refs=$(grep -a -c -F -- "$src" "$p2/bin/relumc")
[ "$refs" = 0 ] || fail "$p2/bin/relumc names the source directory $src ($refs times)"

mkdir -p "$tmp/work" && cd "$tmp/work" || fail "cd"
"$p2/bin/relumc" dynamics --steps 20 --runs 2 -o out --quiet --plot || fail "relumc dynamics --plot: exit $?"
[ -s out/trajectories.png ] || fail "relumc dynamics --plot drew no out/trajectories.png"
"$p2/bin/relumc" regress "$p2/share/relumc/suites/cpu-smoke.json" --quiet -o out2 || fail "relumc regress: exit $?"
[ -s out2/results.json ] || fail "relumc regress wrote no out2/results.json"
echo "PASS: installed, moved to $p2, ran dynamics --plot and regress cpu-smoke from $tmp/work"
