#!/usr/bin/env bash
# Reproduce the paper's observation on non-Gaussian inputs: for x uniform in the cube [-1/2, 1/2]^d,
# the closed form scaled by the variance (1/12) is not exact, and the deviation shrinks as d grows.
# Runs `relumc verify --input cube` (every case a measurement, no verdict) over d = 2 .. 1000 for the
# three quantities at three angles, then writes a table and a plot:
#   results/cube/results.csv, results.json        every case (relumc verify's schema)
#   results/cube/input_deviation.csv, .png        deviation against d (host/plots/plot_input_deviation.py)
# About a minute on 2 CPU cores. Usage: ./run_cube_deviation.sh [OUT_DIR] [extra relumc verify flags]
# RELUMC=path/to/relumc skips setup and build. Exit status: 0 done, 2 bad input or a failed step.
set -uo pipefail
cd "$(dirname "$0")"
out=${1:-results/cube}
[ $# -gt 0 ] && shift
bin=${RELUMC:-}
if [ -z "$bin" ]; then
  ./setup.sh || exit 2
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null || exit 2
  cmake --build build -j"$(nproc)" --target relumc || exit 2
  bin=./build/relumc
fi
"$bin" verify --input cube -q loss,grad,gating -d 2,3,5,10,20,50,100,200,500,1000 --angles 0.5,1.5,2.5 \
  --norms 1 --ratios 1.5 -n 2e6 --out "$out" "$@" || exit 2
/usr/bin/python3 host/plots/plot_input_deviation.py "$out" || exit 2
