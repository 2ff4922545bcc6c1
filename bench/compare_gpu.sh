#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# GPU peer comparison in one command and one run: relumc's rng floor and fused grad estimator
# (bench_cuda, CUDA events) against PyTorch, JAX (jit) and CuPy (bench/peers_gpu.py) at the same
# N = 2^33 / d, d, K = K*, float64. Prints one table of ratios with PASS/MISS against issue 3's targets:
#   fused time / floor time <= 1.3 for K <= 4 and d >= 128;  >= 10x PyTorch;  >= 3x JAX;
#   floor normals/s >= 50% of the issue-rate bound (bench/RESULTS.md derives it; RELUMC_FLOOR_BOUND).
#
#   bench/compare_gpu.sh                      # d:K = 16:1 128:1 128:4 1024:4 1024:16
#   bench/compare_gpu.sh 128:4 1024:1         # d:K, as many as wanted
#
# Environment (all optional):
#   RELUMC_BUILD_DIR     a build folder with bench/bench_cuda (else build-gpu is configured and built)
#   RELUMC_COMPARE_OUT   output folder (default bench/out-gpu)
#   RELUMC_GPU_PYTHON    the Python that has torch / jax / cupy with GPU support (default python3)
#   RELUMC_GPU_PEERS     peers to run (default torch,jax,cupy,curand; curand = cuRAND + cuBLAS + Thrust)
#   RELUMC_PEERS_REPEAT  timed runs per peer, median reported (default 3)
#   RELUMC_FLOOR_BOUND   the floor's bound in normals/s, double (default 4.5e11, bench/RESULTS.md)
# Exit: 0 done (targets reported), 1 a peer's sanity check failed, 2 a step could not run (named),
# e.g. no GPU, no bench_cuda, or a peer library missing.
set -euo pipefail
die() { echo "compare_gpu: $*" >&2; exit 2; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
PY="${RELUMC_GPU_PYTHON:-python3}"
peers="${RELUMC_GPU_PEERS:-torch,jax,cupy,curand}"
repeat="${RELUMC_PEERS_REPEAT:-3}"
out="${RELUMC_COMPARE_OUT:-bench/out-gpu}"
bound="${RELUMC_FLOOR_BOUND:-4.5e11}"
if [ $# -gt 0 ]; then
  case "$1" in -h|--help) sed -n '3,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
  configs=("$@")
else
  configs=(16:1 128:1 128:4 1024:4 1024:16)
fi
for c in "${configs[@]}"; do
  [[ "$c" =~ ^([1-9][0-9]*):([1-9][0-9]*)$ ]] || die "bad configuration '$c': expected d:K, e.g. 128:4"
done

command -v nvidia-smi > /dev/null && nvidia-smi -L > /dev/null 2>&1 || die "no GPU here (nvidia-smi -L failed)"
command -v "$PY" > /dev/null || die "RELUMC_GPU_PYTHON='$PY' not found"
for p in ${peers//,/ }; do
  [ "$p" = curand ] && continue
  "$PY" -c "import $p" 2>/dev/null || die "$PY cannot import $p (install it, or set RELUMC_GPU_PEERS without it)"
done

if [ -n "${RELUMC_BUILD_DIR:-}" ]; then
  build="$RELUMC_BUILD_DIR"
else
  build=build-gpu
  cmake -S . -B "$build" -DRELUMC_BUILD_TESTS=OFF > /dev/null || die "cmake configure failed"
  cmake --build "$build" -j "$(nproc)" --target bench_cuda || die "building bench_cuda failed"
fi
if [[ ",$peers," == *",curand,"* ]]; then
  cmake --build "$build" -j "$(nproc)" --target peer_curand_cublas > /dev/null ||
    die "building peer_curand_cublas failed (needs a CUDA build with cuBLAS and cuRAND)"
fi
bench="$build/bench/bench_cuda"
[ -x "$bench" ] || die "$bench not found (build it: cmake --build $build --target bench_cuda)"

mkdir -p "$out" || die "cannot create $out"
: > "$out/manifest.txt"
sanity=0
for c in "${configs[@]}"; do
  IFS=: read -r d K <<< "$c"
  n=$((8589934592 / d))
  tag="d${d}_K${K}"
  filter="^(BM_CudaRngFloor/d:$d/double:1|BM_CudaEstimator/quantity:1/d:$d/K:$K/double:1)/manual_time\$"
  echo "compare_gpu: [$c] relumc floor + grad estimator, N = $n"
  "$bench" --benchmark_filter="$filter" --benchmark_repetitions=3 --benchmark_out="$out/bench_$tag.json" \
           --benchmark_out_format=json > "$out/bench_$tag.log" 2>&1 || { tail -5 "$out/bench_$tag.log"; die "bench_cuda failed for $c"; }
  echo "compare_gpu: [$c] peers $peers"
  rc=0
  "$PY" bench/peers_gpu.py --d "$d" --K "$K" --samples "$n" --repeat "$repeat" --peers "$peers" \
        --curand-bin "$build/bench/peer_curand_cublas" --json "$out/peers_$tag.json" > "$out/peers_$tag.txt" || rc=$?
  sed 's/^/    /' "$out/peers_$tag.txt"
  case $rc in 0) ;; 1) sanity=1 ;; *) die "bench/peers_gpu.py failed for $c (exit $rc)";; esac
  echo "$d $K $n $tag" >> "$out/manifest.txt"
done

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
                  if b.get("run_name") == name and b.get("run_type") == "iteration")
    return runs[len(runs) // 2] if runs else None
def r(a, b):
    return None if a is None or b is None or b == 0 else a / b
def f(v, s=".3g"):
    return "n/a" if v is None else format(v, s)
rows, misses = [], []
hdr = "| d | K | N | floor normals/s | floor/bound | floor/1.9e12 | fused samples/s | time/floor | torch | jax | cupy | curand | x torch | x jax | x cupy | x curand | targets |"
lines = [hdr, "|" + "---|" * (hdr.count("|") - 1)]
for line in open(os.path.join(out, "manifest.txt")):
    d, K, n, tag = line.split(); d, K, n = int(d), int(K), int(n)
    b, p = load(os.path.join(out, f"bench_{tag}.json")), load(os.path.join(out, f"peers_{tag}.json"))
    floor = median_rate(b, f"BM_CudaRngFloor/d:{d}/double:1/manual_time")
    fused = median_rate(b, f"BM_CudaEstimator/quantity:1/d:{d}/K:{K}/double:1/manual_time")
    peers = (p or {}).get("peers", {})
    pr = {k: peers.get(k, {}).get("samples_per_s") for k in ("torch", "jax", "cupy", "curand")}
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
    lines.append("| " + " | ".join([str(d), str(K), str(n), f(floor * d if floor else None), f(frac, ".2f"),
                 f(r(floor * d if floor else None, 1.9e12), ".2f"), f(fused),
                 f(tof, ".2f"), f(pr["torch"]), f(pr["jax"]), f(pr["cupy"]), f(pr["curand"]), f(r(fused, pr["torch"]), ".1f"),
                 f(r(fused, pr["jax"]), ".1f"), f(r(fused, pr["cupy"]), ".1f"), f(r(fused, pr["curand"]), ".1f"), ", ".join(v)]) + " |")
text = ("relumc (CUDA) vs PyTorch / JAX / CuPy / cuRAND+cuBLAS+Thrust: grad, K = K*, float64, same N, d, K; samples/s unless said.\n"
        f"bound = {bound:.3g} normals/s (bench/RESULTS.md)\n\n" + "\n".join(lines) + "\n\n" +
        ("Targets missed: " + "; ".join(misses) if misses else "All targets met.") + "\n")
print(text)
open(os.path.join(out, "table.md"), "w").write(text)
PY
echo "compare_gpu: raw JSON, logs and table.md under $out/"
[ $sanity -eq 0 ] || { echo "compare_gpu: a peer sanity check failed (see $out/peers_*.txt)" >&2; exit 1; }
