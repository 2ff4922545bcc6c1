#!/usr/bin/env bash
# Guards.SassBudget (ctest): the GPU speed targets met by construction stay met. bench/sass_budget.py --check
# counts the sm_90 SASS of the kernels this build made (BUILD/kernel_guards/*.cubin, built with the kernel
# guards) along their executed path and fails when a target of issue 13 is missed: v1 double floor <= 100 and
# v2 floor <= 45 instructions per normal; fused grad at K = 1 <= 1.3x and at K = 4 <= 2x its contract's floor.
#   kernels/guards/sass_budget_check.sh PYTHON BUILD [ARG ...]   (ARGs go to sass_budget.py)
# nvdisasm: PATH, /usr/local/cuda, else the PyPI package nvidia-cuda-nvdisasm, installed once into a virtual
# environment in BUILD/tools/nvdisasm (PyPI only; Debian's CUDA toolkit here has no nvdisasm).
set -euo pipefail
python=$1
build=$2
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
nvdisasm=$(command -v nvdisasm || true)
if [ -z "$nvdisasm" ] && [ -x /usr/local/cuda/bin/nvdisasm ]; then nvdisasm=/usr/local/cuda/bin/nvdisasm; fi
if [ -z "$nvdisasm" ]; then
  venv=$build/tools/nvdisasm
  found() { compgen -G "$venv/lib/python3*/site-packages/nvidia/*/bin/nvdisasm" | head -1; }
  if [ -z "$(found)" ]; then
    echo "sass_budget_check: installing nvidia-cuda-nvdisasm from PyPI into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "nvidia-cuda-nvdisasm>=13,<14"
  fi
  nvdisasm=$(found)
  [ -n "$nvdisasm" ] || { echo "sass_budget_check: no nvdisasm in $venv after pip install" >&2; exit 1; }
fi
status=0
for args in "--contract v1 --precision double,float" "--contract v2 --precision float"; do
  # shellcheck disable=SC2086
  "$python" "$root/bench/sass_budget.py" --cubin-dir "$build/kernel_guards" --nvdisasm "$nvdisasm" $args --check "$@" ||
    status=1
done
exit $status
