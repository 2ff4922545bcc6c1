#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The census budget of issue 14: k = K = 17 (d = 17), 1000 runs within 10 minutes on 2 CPU cores. Times a census of
# RUNS runs (default 50) and extrapolates: prints the command, the machine (CPU model, cores, load average before
# and after: the machine may be shared), runs/s, the extrapolated time of 1000 runs, and where the time goes
# (gradient descent against the Newton polish + Hessian classification, summed over threads, from census.json).
#
#   bench/census_budget.sh                 # RUNS=50 THREADS=2 K=17 SEED=1
#   RUNS=200 bench/census_budget.sh
#
# Environment (optional): RELUMC (binary; default build-n/relumc, build/relumc, then relumc on PATH), RUNS, THREADS,
# K (k = K = d), SEED, OUT (default a temporary folder, removed afterwards).
# Exit status: 0 measured (the budget is reported, not enforced), 2 bad usage or the census failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
relumc=${RELUMC:-}
if [[ -z "$relumc" ]]; then
  for c in "$root/build-n/relumc" "$root/build/relumc"; do [[ -x "$c" ]] && relumc=$c && break; done
  relumc=${relumc:-relumc}
fi
runs=${RUNS:-50}
threads=${THREADS:-2}
k=${K:-17}
seed=${SEED:-1}
out=${OUT:-}
cleanup=0
if [[ -z "$out" ]]; then out=$(mktemp -d); cleanup=1; fi
cmd=("$relumc" landscape census -k "$k" -K "$k" --runs "$runs" --seed "$seed" --threads "$threads" -o "$out/census"
     --restart --quiet)
echo "command: ${cmd[*]}"
echo "machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores visible," \
     "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
"${cmd[@]}" || { echo "census_budget: the census failed" >&2; exit 2; }
end=$(date +%s.%N)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$out/census/census.json" "$start" "$end" "$runs" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
runs = int(sys.argv[4])
r = j["run"]
print(f"runs: {runs} in {wall:.1f} s wall ({r['seconds']:.1f} s in the census, {r['threads']} threads): "
      f"{runs / r['seconds']:.2f} runs/s")
print(f"1000 runs extrapolated: {1000 * r['seconds'] / runs:.0f} s (budget 600 s)")
busy = r["descent_seconds"] + r["newton_seconds"]
print(f"time per run, summed over threads: gradient descent {r['descent_seconds'] / runs:.3f} s "
      f"({100 * r['descent_seconds'] / busy:.0f}%), Newton polish + classification {r['newton_seconds'] / runs:.3f} s "
      f"({100 * r['newton_seconds'] / busy:.0f}%)")
print(f"outcome: global {j['global']}, spurious {j['spurious']}, saddles {j['saddles']}, not critical {j['not_critical']}")
PY
if [[ $cleanup == 1 ]]; then rm -rf "$out"; fi
