#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Everything issue 3 still needs a GPU for, in one command on a GPU machine; results under $OUT
# (default bench/out-gpu-session). Steps, each logged to $OUT/<step>.log, each run even when an
# earlier one failed (the summary says which failed):
#   1 configure + build with CUDA (build-gpu): nvcc must produce sm_90 + PTX
#   2 ctest -R 'Cuda'                        GPU tests: equality to rounding, bit-exact x_i, reruns, shapes
#   3 RELUMC_LONG_GPU_TESTS=1 ctest -R Long  statistical agreement at N = 1e10 (minutes)
#   4 full ctest                             on a GPU machine auto = cuda, so the CLI/regress suites run on it
#   5 bench_cuda                             floor + fused estimators, JSON
#   6 bench/compare_gpu.sh                   PyTorch / JAX / CuPy peers, ratio table (skipped if none import)
#
# RELUMC_GPU_STEPS picks steps (default: all, in this order), so that the session can be split over
# several calls of at most 10 minutes each (the build folder stays between calls), e.g.
#   RELUMC_GPU_STEPS="build" bench/gpu_session.sh;  RELUMC_GPU_STEPS="ctest_cuda ctest_long" bench/gpu_session.sh
#
# Packages: on a machine without registries, pack them here first (they travel in .gpu-deps):
#   ../shared/gpu/pack-deps.sh libhwy-dev libhwy1
# and on the GPU machine:  source .gpu-deps/activate.sh && bench/gpu_session.sh
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${OUT:-bench/out-gpu-session}"
mkdir -p "$out"
build="${RELUMC_BUILD_DIR:-build-gpu}"
jobs="$(nproc)"
declare -a summary
steps=" ${RELUMC_GPU_STEPS:-build ctest_cuda ctest_long ctest_all bench_cuda compare_gpu} "
step() {  # step NAME COMMAND...
  local name="$1"; shift
  [[ "$steps" == *" $name "* ]] || return 0
  local t0=$SECONDS rc=0
  echo "gpu_session: $name ..."
  "$@" > "$out/$name.log" 2>&1 || rc=$?
  summary+=("$name: exit $rc ($((SECONDS - t0)) s)")
  tail -3 "$out/$name.log" | sed 's/^/    /'
  return 0
}
{ nvidia-smi || true; nvcc --version || true; } > "$out/machine.txt" 2>&1
step build bash -c "cmake -S . -B '$build' -DRELUMC_BUILD_BENCH=ON && cmake --build '$build' -j $jobs && \
  grep -q 'RELUMC_HAVE_CUDA' '$build/CMakeFiles/relumc_core.dir/flags.make'"
step ctest_cuda ctest --test-dir "$build" -R 'Cuda' --output-on-failure
step ctest_long env RELUMC_LONG_GPU_TESTS=1 ctest --test-dir "$build" -R 'Long' --output-on-failure --timeout 3000
step ctest_all ctest --test-dir "$build" --output-on-failure -j 4
step bench_cuda "$build/bench/bench_cuda" --benchmark_counters_tabular=true \
  --benchmark_out="$out/bench_cuda.json" --benchmark_out_format=json
step compare_gpu env RELUMC_BUILD_DIR="$build" RELUMC_COMPARE_OUT="$out/compare" bench/compare_gpu.sh
# ctest counts a skipped test as passed: on a GPU machine no Cuda.* test may skip (the long one only
# in ctest_cuda, where RELUMC_LONG_GPU_TESTS is unset).
if [ -f "$out/ctest_cuda.log" ]; then
  skipped=$(grep -E '\(Skipped\)' "$out/ctest_cuda.log" | grep -v LongStatistical | grep -c 'Cuda\.' || true)
  summary+=("ctest_cuda: $skipped Cuda.* tests skipped (must be 0 on a GPU machine)")
fi
printf '%s\n' "${summary[@]}" | tee -a "$out/summary.txt"
