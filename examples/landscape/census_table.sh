#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The census table of docs/landscape.md ("Census experiments"): Safran and Shamir's setting, teacher = the
# identity rows of R^k, k = 6..20, students K = k and K = k + 1, population gradient descent (step 0.1 on J),
# Newton polish and Hessian classification; then the plot (spurious share with 95% Wilson bars against k) and a
# markdown table.
#
#   examples/landscape/census_table.sh [OUT]        # default OUT = census-table
#
# Environment (optional): RELUMC (the binary; default build-n/relumc, then relumc on PATH), RUNS_EQUAL (runs per
# k = K configuration, default 100), RUNS_OVER (runs per K = k + 1 configuration, default 40), SEED (default 2026),
# THREADS (default 2), KS (default "6 7 ... 20"), INIT (default gaussian).
# Each configuration is a resumable census (--resume): an interrupted table continues where it stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-census-table}
relumc=${RELUMC:-}
if [[ -z "$relumc" ]]; then
  if [[ -x "$root/build-n/relumc" ]]; then relumc="$root/build-n/relumc"; else relumc=relumc; fi
fi
runs_equal=${RUNS_EQUAL:-100}
runs_over=${RUNS_OVER:-40}
seed=${SEED:-2026}
threads=${THREADS:-2}
init=${INIT:-gaussian}
ks=${KS:-$(seq -s ' ' 6 20)}
mkdir -p "$out"
for k in $ks; do
  for K in "$k" "$((k + 1))"; do
    runs=$runs_equal
    [[ "$K" != "$k" ]] && runs=$runs_over
    cmd=("$relumc" landscape census -k "$k" -K "$K" --runs "$runs" --seed "$seed" --init "$init" --threads "$threads"
         -o "$out/k${k}_K${K}" --resume --quiet)
    echo "${cmd[*]}" >&2
    start=$(date +%s.%N)
    nice "${cmd[@]}"
    echo "  $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s" >&2
  done
done
/usr/bin/python3 "$here/plot_census.py" table "$out"
