#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Over-parameterised flat direction (docs/landscape.md, "Experiments"): teacher e_0, e_1 in R^3, students
# c e_0, (1 - c) e_0, e_1 (K = 3 = M + 1). For 0 < c < 1 the loss and the gradient are 0 and the point is
# degenerate (nullity d = 3); for c < 0 it is not critical (loss c^2 / 2). `critical` from c = 0.3 stays put
# (kind degenerate) and the MC check confirms it; `hessian` at c = -0.3 shows the nonzero gradient, confirmed by
# MC against the closed form. Then the loss over c in [-0.5, 1.5] and along a perpendicular null direction, plotted.
#
# Usage: examples/landscape/flat.sh [OUT]      (RELUMC=path/to/relumc, MC_SAMPLES=N, SEED=S)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
RELUMC=${RELUMC:-$here/../../build-n/relumc}
OUT=${1:-landscape-flat}
N=${MC_SAMPLES:-200000}
SEED=${SEED:-1}
mkdir -p "$OUT"
echo '{"student": [[0.3, 0, 0], [0.7, 0, 0], [0, 1, 0]], "teacher": [[1, 0, 0], [0, 1, 0]]}' > "$OUT/split.json"
echo '{"student": [[-0.3, 0, 0], [1.3, 0, 0], [0, 1, 0]], "teacher": [[1, 0, 0], [0, 1, 0]]}' > "$OUT/negative.json"
echo "== c = 0.3"
"$RELUMC" landscape critical --weights "$OUT/split.json" --mc-samples "$N" --seed "$SEED" -o "$OUT/split"
echo "== c = -0.3"
"$RELUMC" landscape hessian --weights "$OUT/negative.json" --mc-samples "$N" --seed "$SEED" -o "$OUT/negative"
/usr/bin/python3 "$here/profile.py" flat --relumc "$RELUMC" --dir "$OUT" --samples "$N" --seed "$SEED"
