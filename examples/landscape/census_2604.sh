#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The setting of Huang, Loureiro and Sarao Mannelli (arXiv 2604.09412): M = 17 teacher rows (identity rows of
# R^17), K = 17, 18, 19 students; the share of runs reaching the global minimum and the histogram of the spurious
# families by k1 (students anti-aligned with their teacher row). The paper observes that the k1 = 1 family
# disappears at K = M + 1: the table and the plot show whether it does here.
#
#   examples/landscape/census_2604.sh [OUT]         # default OUT = census-2604
#
# Environment (optional): RELUMC, RUNS (per K, default 100), SEED (default 2026), THREADS (default 2), INIT
# (default gaussian). Each K is a resumable census (--resume).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-census-2604}
relumc=${RELUMC:-}
if [[ -z "$relumc" ]]; then
  if [[ -x "$root/build-n/relumc" ]]; then relumc="$root/build-n/relumc"; else relumc=relumc; fi
fi
runs=${RUNS:-100}
seed=${SEED:-2026}
threads=${THREADS:-2}
init=${INIT:-gaussian}
mkdir -p "$out"
for K in 17 18 19; do
  cmd=("$relumc" landscape census -k 17 -K "$K" --runs "$runs" --seed "$seed" --init "$init" --threads "$threads"
       -o "$out/k17_K${K}" --resume --quiet)
  echo "${cmd[*]}" >&2
  start=$(date +%s.%N)
  nice "${cmd[@]}"
  echo "  $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s" >&2
done
/usr/bin/python3 "$here/plot_census.py" families "$out"
