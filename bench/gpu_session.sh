#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The GPU session: what relumc needs a GPU for, in two device calls that fit a 15-minute device budget
# (10 minutes a call at most, the machine's start included, at most 8 files back from $OUT).
#
#   bench/gpu_session.sh build-test    call 1, ~7 min: build only what the GPU needs (Ninja, MPI off),
#                                      the CUDA tests, the estimator benchmarks, one compute-sanitizer pass
#   bench/gpu_session.sh peers         call 2, ~4 min: PyTorch float64 + float32, JAX, CuPy, cuRAND+cuBLAS
#   bench/gpu_session.sh report A B    here, afterwards: A, B = the folders the two calls' files came back
#                                      to; unpacks them and makes the comparison table (bench/compare_gpu.sh)
#   bench/gpu_session.sh --rehearse    all of it on this machine, no GPU: the kernels' CPU emulation where
#                                      the build has it, peers as a dry run; every path, file name and
#                                      package check is exercised, so the real session cannot fail on them
#
# Steps of build-test: machine, deps (sources .gpu-deps/activate.sh when present, then checks every
# package the build needs), configure, build (targets: kernel guards and their probe PTX, test_cuda,
# test_estimator_cuda, bench_cuda, peer_curand_cublas, and test_cuda_emulated when it exists), ctest_cuda
# (no Cuda.* test may skip on a GPU), bench (bench_cuda, then bench/compare_gpu.sh --only relumc for the compared shapes),
# sanitizer (compute-sanitizer memcheck over small GPU tests; last, it gets the time that is left).
# Steps of peers: machine, peers_env (imports and versions), peers (compare_gpu.sh --only peers), table
# (when the first call's benchmarks are on this machine too, i.e. it stayed warm).
#
# Every step logs into $RELUMC_SESSION_WORK/<part>/ (default /tmp/relumc-gpu-session, never under $OUT),
# and after every step the whole folder is packed into $OUT/relumc-gpu-<part>.tgz and the summary copied to
# $OUT/summary-<part>.txt: two files back per call, and a call killed at its limit still returns all the
# steps it finished. A step is skipped when the part's time budget (RELUMC_SESSION_BUDGET seconds; 420 for
# build-test, 240 for peers) has too little left, and says so.
#
# The device calls (run tool; OUT is set there):
#   1. command "bench/gpu_session.sh build-test", carry [".gpu-deps"], timeout_s 480
#   2. right after, while the machine is warm (~30 s): command "bench/gpu_session.sh peers", timeout_s 300
#   then here: bench/gpu_session.sh report <files_at of 1> <files_at of 2>
# .gpu-deps: made here by ../shared/gpu/pack-deps.sh (Debian packages the GPU image lacks).
#
# Environment: OUT (default bench/out-gpu-session), RELUMC_BUILD_DIR (default build-gpu),
# RELUMC_GPU_PYTHON (default python3: the GPU image's, with torch, jax, cupy), RELUMC_SESSION_BUDGET,
# RELUMC_SESSION_WORK, RELUMC_SESSION_SHAPES (d:K compared with the peers; default 128:1 128:4 1024:4).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2
rehearse=0
args=()
for a in "$@"; do
  case "$a" in
    --rehearse) rehearse=1 ;;
    -h|--help) sed -n '3,39p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
set -- ${args[@]+"${args[@]}"}
OUT="${OUT:-bench/out-gpu-session}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
WORK="${RELUMC_SESSION_WORK:-/tmp/relumc-gpu-session}"
build="${RELUMC_BUILD_DIR:-build-gpu}"
shapes="${RELUMC_SESSION_SHAPES:-128:1 128:4 1024:4}"
jobs="$(nproc)"
PY="${RELUMC_GPU_PYTHON:-python3}"
if [ $rehearse = 1 ] && ! "$PY" -c "import numpy" 2>/dev/null && /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  PY=/usr/bin/python3  # here the Debian python has NumPy; on the GPU image python3 has it (and torch, jax, cupy)
fi
export RELUMC_GPU_PYTHON="$PY"
[ $rehearse = 1 ] && export RELUMC_COMPARE_REHEARSE=1

part="" t0=0 budget=0 dir="" summary=""
begin_part() {  # begin_part NAME DEFAULT_BUDGET
  part="$1"; t0=$SECONDS
  budget="${RELUMC_SESSION_BUDGET:-$2}"
  [ $rehearse = 1 ] && budget="${RELUMC_SESSION_BUDGET:-100000}"  # this machine has 2 cores: no budget
  dir="$WORK/$part"; rm -rf "$dir"; mkdir -p "$dir"
  export dir part
  summary="$dir/summary.txt"
  { echo "relumc GPU session, part $part$([ $rehearse = 1 ] && echo ' (REHEARSAL, no GPU)'), $(date -u +%FT%TZ)"
    echo "budget ${budget} s; build $build; out $OUT; python $PY"; } > "$summary"
  pack
}
note() { echo "$*" | tee -a "$summary"; }
pack() {  # the part's folder into $OUT, atomically: a kill mid-way leaves the previous pack whole
  tar czf "$WORK/$part.tgz" -C "$WORK" "$part" 2>/dev/null
  cp "$WORK/$part.tgz" "$OUT/relumc-gpu-$part.tgz.part" && mv "$OUT/relumc-gpu-$part.tgz.part" "$OUT/relumc-gpu-$part.tgz"
  cp "$summary" "$OUT/summary-$part.txt"
}
left() { echo $((budget - (SECONDS - t0))); }
# step NAME MIN_S MAX_S COMMAND...: runs COMMAND with a timeout of min(MAX_S, time left - 15 s), logs it,
# packs. Skipped when less than MIN_S is left.
step() {
  local name="$1" min="$2" max="$3"; shift 3
  [ $rehearse = 1 ] && max=$((max * 20))  # 2 shared cores here, 16 there: no step limit worth the name
  local l; l=$(left)
  if [ "$l" -lt "$min" ]; then note "$name: SKIPPED ($l s left of the budget, needs $min)"; pack; return 0; fi
  local lim=$(( l - 15 < max ? l - 15 : max )) s=$SECONDS rc=0
  echo "gpu_session[$part]: $name (at most $lim s) ..."
  # A child bash runs the step's function (exported below), so that timeout can end it and all it started.
  timeout --kill-after=10 "$lim" bash -c '"$@"' step "$@" > "$dir/$name.log" 2>&1 || rc=$?
  local what="ok"
  [ $rc -ne 0 ] && what="FAILED (exit $rc)"
  [ $rc -eq 124 ] || [ $rc -eq 137 ] && what="TIMED OUT after $lim s"
  note "$name: $what ($((SECONDS - s)) s)"
  tail -n 4 "$dir/$name.log" | sed 's/^/    /'
  pack
  return 0
}

machine() {
  echo "== date"; date -u
  echo "== GPU"; nvidia-smi -L 2>&1 || echo "(no nvidia-smi: no GPU here)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.sm --format=csv 2>&1 || true
  echo "== kernel / runtime"; uname -r; echo "cores: $(nproc)"
  echo "== tools"
  for t in nvcc cmake ninja "$PY" compute-sanitizer nvdisasm cuobjdump git; do
    printf '%s: ' "$t"; command -v "$t" || echo "(missing)"
  done
  nvcc --version 2>&1 | tail -2; cmake --version 2>&1 | head -1; ninja --version 2>&1; "$PY" --version 2>&1
  command -v compute-sanitizer > /dev/null && compute-sanitizer --version 2>&1 | tail -1
  echo "== source"; git rev-parse HEAD 2>/dev/null || echo "(no git here)"
}

# Every package the CUDA build needs: a header or CMake file, looked for where Debian and .gpu-deps put them.
check_deps() {
  local missing=() roots=(/usr /usr/local /opt/gpu-deps/usr)
  local need=("GoogleTest:include/gtest/gtest.h" "GoogleMock:include/gmock/gmock.h"
              "Google Benchmark:include/benchmark/benchmark.h" "CLI11:include/CLI/CLI.hpp"
              "nlohmann-json:include/nlohmann/json.hpp" "fmt:include/fmt/format.h"
              "Random123:include/Random123/philox.h" "Highway:include/hwy/highway.h"
              "libbenchmark:lib/x86_64-linux-gnu/libbenchmark.so" "libfmt:lib/x86_64-linux-gnu/libfmt.so"
              "libhwy:lib/x86_64-linux-gnu/libhwy.so")
  for item in "${need[@]}"; do
    local name="${item%%:*}" rel="${item#*:}" found=""
    for r in "${roots[@]}"; do [ -e "$r/$rel" ] && found="$r/$rel" && break; done
    if [ -n "$found" ]; then echo "found $name: $found"; else echo "MISSING $name ($rel)"; missing+=("$name"); fi
  done
  for t in nvcc cmake; do command -v "$t" > /dev/null || { echo "MISSING tool $t"; missing+=("$t"); }; done
  command -v ninja > /dev/null || echo "note: no ninja, the default generator is used"
  if [ ${#missing[@]} -gt 0 ]; then
    echo "missing: ${missing[*]} -- pack them here with ../shared/gpu/pack-deps.sh and carry .gpu-deps"
    return 1
  fi
}

gpu_targets() {
  # (relumc_kernel_guard_probe_ptx: the PTX that Guards.KernelChecksCatchViolations must see fail)
  local t="relumc_kernel_guards relumc_kernel_guard_probe_ptx test_cuda test_estimator_cuda bench_cuda peer_curand_cublas"
  # The kernels' CPU emulation (tests/unit/test_cuda_emulated.cpp), where this tree has it.
  if [ -f tests/unit/test_cuda_emulated.cpp ]; then t="$t test_cuda_emulated"; fi
  echo "$t"
}

configure() {
  local gen=()
  command -v ninja > /dev/null && gen=(-G Ninja)
  cmake -S . -B "$build" ${gen[@]+"${gen[@]}"} -DCMAKE_BUILD_TYPE=Release -DRELUMC_ENABLE_MPI=OFF \
        -DRELUMC_BUILD_TESTS=ON -DRELUMC_BUILD_BENCH=ON || return 1
  grep -q 'relumc: CUDA backend ON' "$dir/configure.log" || { echo "CUDA is not enabled in $build"; return 1; }
}

build_gpu() {
  # shellcheck disable=SC2046
  cmake --build "$build" -j "$jobs" --target $(gpu_targets) || return 1
  echo "== kernel guards"; cat "$build/kernel_guards/checked.txt"
}

ctest_cuda() {
  local rc=0
  ctest --test-dir "$build" -R 'Cuda|Guards' --output-on-failure --timeout 150 \
        --output-junit "$dir/ctest_cuda.xml" || rc=$?
  local skipped
  skipped=$(grep -E 'Test +#[0-9]+: Cuda\.[^ ]+ .*(Skipped|Not Run)' "$dir/ctest_cuda.log" 2>/dev/null |
            grep -vc LongStatistical || true)
  if [ $rehearse = 1 ]; then
    echo "ctest_cuda: $skipped Cuda.* tests skipped (expected here: no device)"
  else
    echo "ctest_cuda: $skipped Cuda.* tests skipped (must be 0 on a GPU machine)"
    [ "$skipped" -eq 0 ] || rc=3
  fi
  return $rc
}

sanitizer() {
  local cs; cs="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
  local est="$build/tests/test_estimator_cuda" cud="$build/tests/test_cuda"
  [ -x "$est" ] || est="$build/test_estimator_cuda"; [ -x "$cud" ] || cud="$build/test_cuda"
  local f1='*SmallAndUnevenN*:*TwoSamples*:*OneDimensionAtAnglePi*:*BitIdenticalAcrossRerunsAndLaunchShapes*'
  local f2='Cuda.DrawsTheCpusSamplesBitForBit:Cuda.PhiloxKnownAnswersOnTheDevice:Cuda.RngFloorSumsTheContractsNormals'
  if [ ! -x "$cs" ]; then
    echo "no compute-sanitizer here: the same tests run without it (rehearsal of paths and filters)"
    "$est" --gtest_filter="$f1" && "$cud" --gtest_filter="$f2"
    return
  fi
  local rc=0
  for run in "$est --gtest_filter=$f1" "$cud --gtest_filter=$f2"; do
    # shellcheck disable=SC2086
    "$cs" --tool memcheck --leak-check full --error-exitcode 86 --print-limit 20 $run || rc=$?
  done
  if grep -q 'Device not supported' "$dir/sanitizer.log" 2>/dev/null; then
    echo "compute-sanitizer: device not supported on this runtime (gVisor): no memory check this session"
    return 4
  fi
  return $rc
}

bench() {
  "$build/bench/bench_cuda" --benchmark_counters_tabular=true --benchmark_min_time=0.2 \
      --benchmark_out="$dir/bench_cuda.json" --benchmark_out_format=json || return 1
  # shellcheck disable=SC2086
  RELUMC_BUILD_DIR="$build" RELUMC_COMPARE_OUT="$WORK/compare" bench/compare_gpu.sh --only relumc $shapes || return 1
  mkdir -p "$dir/compare" && cp "$WORK/compare/"bench_* "$WORK/compare/manifest.txt" "$dir/compare/"
}

peers_env() {
  for m in torch jax cupy numpy; do
    printf '%s: ' "$m"
    "$PY" -c "import $m; print($m.__version__)" 2>&1 | tail -1
  done
  "$PY" -c "import torch; print('torch sees a GPU:', torch.cuda.is_available())" 2>&1 | tail -1
  "$PY" -c "import jax; print('jax devices:', jax.devices())" 2>&1 | tail -1
  "$PY" -c "import cupy; print('cupy devices:', cupy.cuda.runtime.getDeviceCount())" 2>&1 | tail -1
  printf 'curand peer binary: '; ls -l "$build/bench/peer_curand_cublas" 2>&1 || true
  if [ $rehearse = 1 ]; then echo "(rehearsal: missing peers are expected here)"; return 0; fi
  "$PY" -c "import torch, jax, cupy, numpy" || return 1
}

peers() {
  local extra=()
  # The rehearsal builds the curand peer from its one file, as a cold second call would.
  [ $rehearse = 1 ] && extra=(env RELUMC_CURAND_BIN="$WORK/no-such-binary")
  # shellcheck disable=SC2086
  ${extra[@]+"${extra[@]}"} env RELUMC_BUILD_DIR="$build" RELUMC_COMPARE_OUT="$WORK/compare" \
      bench/compare_gpu.sh --only peers $shapes || return 1
  mkdir -p "$dir/compare" && cp "$WORK/compare/"peers_* "$dir/compare/" && cp "$WORK/compare/manifest.txt" "$dir/compare/"
}

table() {
  if ! ls "$WORK/compare/"bench_*.json > /dev/null 2>&1; then
    echo "no bench_cuda results on this machine (it did not stay warm): make the table with 'report' afterwards"
    return 0
  fi
  RELUMC_COMPARE_OUT="$WORK/compare" bench/compare_gpu.sh --only table || return 1
  cp "$WORK/compare/table.md" "$dir/table.md"
}

export build shapes jobs PY rehearse WORK OUT
export -f machine check_deps gpu_targets configure build_gpu ctest_cuda sanitizer bench peers_env peers table

part_build_test() {
  begin_part build-test 420
  step machine 5 30 machine
  if [ -f .gpu-deps/activate.sh ]; then
    # shellcheck disable=SC1091
    source .gpu-deps/activate.sh > "$dir/activate.log" 2>&1 && note "deps: .gpu-deps activated ($(tail -1 "$dir/activate.log"))" ||
      note "deps: sourcing .gpu-deps/activate.sh FAILED (see activate.log)"
  else
    note "deps: no .gpu-deps here (made by ../shared/gpu/pack-deps.sh; carry it when the machine lacks packages)"
  fi
  step deps 5 30 check_deps
  step configure 30 120 configure
  step build 60 330 build_gpu
  step ctest_cuda 20 180 ctest_cuda
  step bench 30 150 bench
  step sanitizer 30 120 sanitizer
  note "part build-test: $((SECONDS - t0)) s"; pack
}

part_peers() {
  begin_part peers 240
  step machine 5 30 machine
  step peers_env 10 60 peers_env
  step peers 40 220 peers
  step table 5 30 table
  note "part peers: $((SECONDS - t0)) s"; pack
}

report() {  # report DIR1 DIR2: unpack both calls' packs, merge the comparisons, make the table
  local dest="$OUT/report"; rm -rf "$dest"; mkdir -p "$dest/compare"
  for d in "$@"; do
    for t in "$d"/relumc-gpu-*.tgz; do
      [ -f "$t" ] || { echo "report: no relumc-gpu-*.tgz in $d"; return 2; }
      tar xzf "$t" -C "$dest"
    done
  done
  for p in "$dest"/*/compare; do
    [ -d "$p" ] || continue
    cp "$p"/bench_*.json "$p"/peers_*.json "$dest/compare/" 2>/dev/null
    cat "$p/manifest.txt" >> "$dest/compare/manifest.all" 2>/dev/null
  done
  sort -u "$dest/compare/manifest.all" > "$dest/compare/manifest.txt" 2>/dev/null
  for s in "$dest"/*/summary.txt; do echo "== $s"; cat "$s"; done
  RELUMC_COMPARE_OUT="$dest/compare" bench/compare_gpu.sh --only table
  echo "report: everything under $dest (table: $dest/compare/table.md)"
}

case "${1:-}" in
  build-test) part_build_test ;;
  peers) part_peers ;;
  report) shift; report "$@" ;;
  ""|all)
    part_build_test; part_peers
    if [ $rehearse = 1 ]; then
      echo "gpu_session: rehearsal report (what 'report' does with the two calls' files)"
      report "$OUT"
    fi ;;
  *) echo "gpu_session: unknown part '$1' (build-test, peers, report DIR DIR, or --rehearse)" >&2; exit 2 ;;
esac
