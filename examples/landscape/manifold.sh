#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Out-of-plane critical point (docs/landscape.md, "Experiments"): teacher e_0, e_1 in R^d (d = 4, 5, 6), two
# students started with opposite parts along e_2. Newton reaches a saddle outside the teacher plane; its Hessian's
# nullity is d - 3, the dimension of the SO(d-2) orbit of the out-of-plane parts; the Monte Carlo engine says the
# gradient is zero there. Then the loss along the orbit (closed form and MC) for d = 4, plotted.
#
# Usage: examples/landscape/manifold.sh [OUT]      (RELUMC=path/to/relumc, MC_SAMPLES=N, SEED=S)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
RELUMC=${RELUMC:-$here/../../build-n/relumc}
OUT=${1:-landscape-manifold}
N=${MC_SAMPLES:-200000}
SEED=${SEED:-1}
mkdir -p "$OUT"
for d in 4 5 6; do
  /usr/bin/python3 - "$d" > "$OUT/start_d$d.json" <<'PY'
import json, sys
d = int(sys.argv[1])
row = lambda *v: list(v) + [0.0] * (d - len(v))
print(json.dumps({"student": [row(0.5, 0.5, 0.5), row(0.5, 0.5, -0.5)], "teacher": [row(1.0), row(0.0, 1.0)]}))
PY
  echo "== d = $d"
  "$RELUMC" landscape critical --weights "$OUT/start_d$d.json" --mc-samples "$N" --seed "$SEED" -o "$OUT/d$d"
done
rm -rf "$OUT/critical" && cp -r "$OUT/d4" "$OUT/critical"
/usr/bin/python3 "$here/profile.py" manifold --relumc "$RELUMC" --dir "$OUT" --samples "$N" --seed "$SEED"
