#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Symmetric saddles (docs/landscape.md, "Experiments"): K students on the diagonal of K identity teachers
# (K = d = 2 and 3). Newton keeps the symmetry and stops at a saddle of index (K-1)(d-1) and nullity K-1; the
# Monte Carlo check confirms the gradient, the loss, both kinds of Hessian blocks and the negative curvature. Then
# the loss along the most negative eigenvector (closed form and MC), plotted.
#
# Usage: examples/landscape/saddle.sh [OUT]      (RELUMC=path/to/relumc, MC_SAMPLES=N, SEED=S)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
RELUMC=${RELUMC:-$here/../../build-n/relumc}
OUT=${1:-landscape-saddle}
N=${MC_SAMPLES:-200000}
SEED=${SEED:-1}
mkdir -p "$OUT"
echo '{"student": [[0.4, 0.4], [0.4, 0.4]], "teacher": [[1, 0], [0, 1]]}' > "$OUT/k2.json"
echo '{"student": [[0.4, 0.4, 0.4], [0.4, 0.4, 0.4], [0.4, 0.4, 0.4]], "teacher": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}' > "$OUT/k3.json"
for k in k2 k3; do
  echo "== $k"
  "$RELUMC" landscape critical --weights "$OUT/$k.json" --mc-samples "$N" --seed "$SEED" -o "$OUT/$k"
done
/usr/bin/python3 "$here/profile.py" saddle --relumc "$RELUMC" --dir "$OUT" --samples "$N" --seed "$SEED"
