#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# GPU peer comparison: relumc's rng floor and fused grad estimator (bench_cuda, CUDA events) against
# PyTorch (float64, and float32 as torch32), JAX (jit), CuPy and cuRAND + cuBLAS + Thrust
# (bench/peers_gpu.py) at the same N = 2^33 / d, d, K = K*. One table of ratios with PASS/MISS against
# issue 3's targets (float64 columns):
#   fused time / floor time <= 1.3 for K <= 4 and d >= 128;  >= 10x PyTorch;  >= 3x JAX;
#   floor normals/s >= 50% of the issue-rate bound (bench/sass_budget.py derives it; RELUMC_FLOOR_BOUND);
# and issue 13's for sample contract v2 (relumc's fused v2 grad, float normals, double sums):
#   >= 5e11 normals/s at d = 128, K <= 4;  >= 3x PyTorch float32 and >= 10x PyTorch float64 user code.
# The v2 columns also give the fused v2 rate with 32-sample tiles (stop 19's shape) over the default
# (64-sample tiles where they fit 36 KiB): the occupancy question of bench/RESULTS.md, stop 20.
#
#   bench/compare_gpu.sh                      # d:K = 16:1 128:1 128:4 1024:4 1024:16, all stages
#   bench/compare_gpu.sh 128:4 1024:1         # d:K, as many as wanted
#   bench/compare_gpu.sh --only relumc 128:4  # one stage: relumc (bench_cuda), peers, or table
# The stages share the output folder, so they may run in separate calls or on separate machines (the
# GPU session, bench/gpu_session.sh, runs relumc in its first call and peers in its second, and the
# table wherever both folders meet).
#
# Environment (all optional):
#   RELUMC_BUILD_DIR     a build folder with bench/bench_cuda (else build-gpu is configured and built)
#   RELUMC_COMPARE_OUT   output folder (default bench/out-gpu)
#   RELUMC_GPU_PYTHON    the Python that has torch / jax / cupy with GPU support (default python3)
#   RELUMC_GPU_PEERS     peers to run (default torch,torch32,jax,cupy,curand; curand = cuRAND + cuBLAS + Thrust)
#   RELUMC_CURAND_BIN    the curand peer binary (default BUILD/bench/peer_curand_cublas; built if missing)
#   RELUMC_PEERS_REPEAT  timed runs per peer, median reported (default 3)
#   RELUMC_FLOOR_BOUND   the floor's bound in normals/s, double (default 3.97e11, H200: bench/RESULTS.md, SASS count)
#   RELUMC_COMPARE_REHEARSE=1  no GPU here: every path runs, peers only as --dry-run, bench_cuda reports
#                        why it cannot run (bench/gpu_session.sh --rehearse sets it)
# Exit: 0 done (targets reported), 1 a peer's sanity check failed, 2 a step could not run (named),
# e.g. no GPU, no bench_cuda, or a peer library missing.
set -euo pipefail
die() { echo "compare_gpu: $*" >&2; exit 2; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2
PY="${RELUMC_GPU_PYTHON:-python3}"
peers="${RELUMC_GPU_PEERS:-torch,torch32,jax,cupy,curand}"
repeat="${RELUMC_PEERS_REPEAT:-3}"
out="${RELUMC_COMPARE_OUT:-bench/out-gpu}"
bound="${RELUMC_FLOOR_BOUND:-3.97e11}"
rehearse="${RELUMC_COMPARE_REHEARSE:-0}"
stages="relumc peers table"
configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '3,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --only) [ $# -ge 2 ] || die "--only needs relumc, peers or table"; stages="$2"; shift 2 ;;
    *) configs+=("$1"); shift ;;
  esac
done
case "$stages" in relumc|peers|table|"relumc peers table") ;; *) die "--only $stages: expected relumc, peers or table" ;; esac
[ ${#configs[@]} -gt 0 ] || configs=(16:1 128:1 128:4 1024:4 1024:16)
for c in "${configs[@]}"; do
  [[ "$c" =~ ^([1-9][0-9]*):([1-9][0-9]*)$ ]] || die "bad configuration '$c': expected d:K, e.g. 128:4"
done
want() { [[ " $stages " == *" $1 "* ]]; }
mkdir -p "$out" || die "cannot create $out"

if want relumc || want peers; then
  if [ "$rehearse" != 1 ]; then
    command -v nvidia-smi > /dev/null && nvidia-smi -L > /dev/null 2>&1 || die "no GPU here (nvidia-smi -L failed)"
  fi
fi

build="${RELUMC_BUILD_DIR:-build-gpu}"
if want relumc; then
  if [ -z "${RELUMC_BUILD_DIR:-}" ]; then
    cmake -S . -B "$build" -DRELUMC_BUILD_TESTS=OFF -DRELUMC_ENABLE_MPI=OFF > /dev/null || die "cmake configure failed"
    cmake --build "$build" -j "$(nproc)" --target bench_cuda || die "building bench_cuda failed"
  fi
  bench="$build/bench/bench_cuda"
  [ -x "$bench" ] || die "$bench not found (build it: cmake --build $build --target bench_cuda)"
  : > "$out/manifest.txt"
  for c in "${configs[@]}"; do
    IFS=: read -r d K <<< "$c"
    tag="d${d}_K${K}"
    # The floor and the fused grad, float64 and float32 (v1), and the fused grad under v2 (default tiles, and
    # 32-sample tiles where bench_cuda has them).
    filter="^(BM_CudaRngFloor/d:$d/double:[01]|BM_CudaEstimator/quantity:1/d:$d/K:$K/double:[01]"
    filter+="|BM_CudaEstimatorV2/d:$d/K:$K/tile:(0|32))/manual_time\$"
    echo "compare_gpu: [$c] relumc floor + grad estimator (float64, float32, v2), N = $((8589934592 / d))"
    "$bench" --benchmark_filter="$filter" --benchmark_repetitions=3 --benchmark_out="$out/bench_$tag.json" \
             --benchmark_out_format=json > "$out/bench_$tag.log" 2>&1 || { tail -5 "$out/bench_$tag.log"; die "bench_cuda failed for $c"; }
    if [ "$rehearse" = 1 ]; then grep -m1 -o 'no usable CUDA device[^"]*' "$out/bench_$tag.log" | sed 's/^/    (rehearsal) /' || true; fi
    echo "$d $K $tag" >> "$out/manifest.txt"
  done
fi

sanity=0
if want peers; then
  command -v "$PY" > /dev/null || die "RELUMC_GPU_PYTHON='$PY' not found"
  "$PY" -c "import numpy" 2>/dev/null || die "$PY cannot import numpy (bench/peers_cpu.py needs it)"
  dry=()
  if [ "$rehearse" = 1 ]; then
    dry=(--dry-run)
  else
    for p in ${peers//,/ }; do
      case "$p" in curand) continue ;; torch32) m=torch ;; *) m="$p" ;; esac
      "$PY" -c "import $m" 2>/dev/null || die "$PY cannot import $m (install it, or set RELUMC_GPU_PEERS without $p)"
    done
  fi
  curand_bin="${RELUMC_CURAND_BIN:-$build/bench/peer_curand_cublas}"
  if [[ ",$peers," == *",curand,"* ]] && [ ! -x "$curand_bin" ]; then
    # No relumc build needed: the peer is one file, compiled with the toolkit's nvcc (cuBLAS, cuRAND, Thrust).
    nvcc="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)"
    curand_bin="$out/peer_curand_cublas"
    echo "compare_gpu: building the curand peer: $nvcc bench/peer_curand_cublas.cu -> $curand_bin"
    "$nvcc" -O3 -std=c++17 -arch=sm_90 bench/peer_curand_cublas.cu -lcublas -lcurand -o "$curand_bin" ||
      die "building the curand peer failed (needs nvcc with cuBLAS and cuRAND)"
  fi
  [ -f "$out/manifest.txt" ] || : > "$out/manifest.txt"
  for c in "${configs[@]}"; do
    IFS=: read -r d K <<< "$c"
    n=$((8589934592 / d))
    tag="d${d}_K${K}"
    echo "compare_gpu: [$c] peers $peers, N = $n"
    rc=0
    "$PY" bench/peers_gpu.py --d "$d" --K "$K" --samples "$n" --repeat "$repeat" --peers "$peers" ${dry[@]+"${dry[@]}"} \
          --curand-bin "$curand_bin" --json "$out/peers_$tag.json" > "$out/peers_$tag.txt" || rc=$?
    sed 's/^/    /' "$out/peers_$tag.txt"
    case $rc in 0) ;; 1) sanity=1 ;; *) die "bench/peers_gpu.py failed for $c (exit $rc)";; esac
    grep -q " $tag\$" "$out/manifest.txt" || echo "$d $K $tag" >> "$out/manifest.txt"
  done
fi

if want table; then
  [ -s "$out/manifest.txt" ] || die "nothing to tabulate in $out (run the relumc and peers stages first)"
  "$PY" - "$out" "$bound" <<'PY'
import json, os, sys
out, bound = sys.argv[1], float(sys.argv[2])
def load(p):
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return None
def median_rate(doc, name):
    runs = sorted(float(b["samples/s"]) for b in (doc or {}).get("benchmarks", [])
                  if b.get("run_name") == name and b.get("run_type") == "iteration" and "samples/s" in b)
    return runs[len(runs) // 2] if runs else None
def r(a, b):
    return None if a is None or b is None or b == 0 else a / b
def f(v, s=".3g"):
    return "n/a" if v is None else format(v, s)
rows, misses, seen = [], [], set()
hdr = ("| d | K | N | floor normals/s | floor/bound | fused samples/s | time/floor | torch | jax | cupy | curand | "
       "x torch | x jax | x cupy | x curand | fused f32 | torch32 | x torch32 | fused v2 | v2 normals/s | "
       "v2 x torch32 | v2 x torch | v2 tiles 32/64 | targets |")
lines = [hdr, "|" + "---|" * (hdr.count("|") - 1)]
for line in open(os.path.join(out, "manifest.txt")):
    d, K, tag = line.split()[:3]
    d, K = int(d), int(K)
    if tag in seen:
        continue
    seen.add(tag)
    n = 8589934592 // d
    b, p = load(os.path.join(out, f"bench_{tag}.json")), load(os.path.join(out, f"peers_{tag}.json"))
    floor = median_rate(b, f"BM_CudaRngFloor/d:{d}/double:1/manual_time")
    fused = median_rate(b, f"BM_CudaEstimator/quantity:1/d:{d}/K:{K}/double:1/manual_time")
    fused32 = median_rate(b, f"BM_CudaEstimator/quantity:1/d:{d}/K:{K}/double:0/manual_time")
    v2 = median_rate(b, f"BM_CudaEstimatorV2/d:{d}/K:{K}/tile:0/manual_time")
    v2t32 = median_rate(b, f"BM_CudaEstimatorV2/d:{d}/K:{K}/tile:32/manual_time")
    peers = (p or {}).get("peers", {})
    pr = {k: peers.get(k, {}).get("samples_per_s") for k in ("torch", "torch32", "jax", "cupy", "curand")}
    tof = r(floor, fused)
    frac = r(floor * d if floor else None, bound)
    v = []
    def target(name, ok):
        v.append(f"{name} {'PASS' if ok else 'MISS'}")
        if not ok: misses.append(f"{d}:{K} {name}")
    if K <= 4 and d >= 128: target("time/floor<=1.3", tof is not None and tof <= 1.3)
    target("floor>=50%bound", frac is not None and frac >= 0.5)
    target(">=10x torch", r(fused, pr["torch"]) is not None and r(fused, pr["torch"]) >= 10)
    target(">=3x jax", r(fused, pr["jax"]) is not None and r(fused, pr["jax"]) >= 3)
    v2n = v2 * d if v2 else None
    if K <= 4 and d == 128: target("v2>=5e11/s", v2n is not None and v2n >= 5e11)
    target("v2>=3x torch32", r(v2, pr["torch32"]) is not None and r(v2, pr["torch32"]) >= 3)
    target("v2>=10x torch", r(v2, pr["torch"]) is not None and r(v2, pr["torch"]) >= 10)
    lines.append("| " + " | ".join([str(d), str(K), str(n), f(floor * d if floor else None), f(frac, ".2f"), f(fused),
                 f(tof, ".2f"), f(pr["torch"]), f(pr["jax"]), f(pr["cupy"]), f(pr["curand"]), f(r(fused, pr["torch"]), ".1f"),
                 f(r(fused, pr["jax"]), ".1f"), f(r(fused, pr["cupy"]), ".1f"), f(r(fused, pr["curand"]), ".1f"),
                 f(fused32), f(pr["torch32"]), f(r(fused32, pr["torch32"]), ".1f"), f(v2), f(v2n),
                 f(r(v2, pr["torch32"]), ".1f"), f(r(v2, pr["torch"]), ".1f"), f(r(v2t32, v2), ".2f"),
                 ", ".join(v)]) + " |")
text = ("relumc (CUDA) vs PyTorch / JAX / CuPy / cuRAND+cuBLAS+Thrust: grad, K = K*, same N, d, K; samples/s unless said.\n"
        "Columns up to x curand: float64. fused f32 / torch32: relumc float and PyTorch float32 (sums in float64).\n"
        "fused v2: relumc under sample contract v2; v2 tiles 32/64: its rate with 32-sample tiles over the default's.\n"
        f"bound = {bound:.3g} normals/s (v1 double floor, issue-bound from its SASS count: bench/RESULTS.md)\n\n"
        + "\n".join(lines) + "\n\n" +
        ("Targets missed: " + "; ".join(misses) if misses else "All targets met.") + "\n")
print(text)
open(os.path.join(out, "table.md"), "w").write(text)
PY
fi
echo "compare_gpu: raw JSON, logs under $out/"
[ $sanity -eq 0 ] || { echo "compare_gpu: a peer sanity check failed (see $out/peers_*.txt)" >&2; exit 1; }
