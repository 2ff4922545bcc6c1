#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An error that only rank 0 can see (an --out that is a file or cannot be created) ends every rank,
# promptly, with exit 2: the refusal is broadcast (relumc/run/verify.hpp, verify_to_directory). Before,
# rank 0 exited and the other ranks waited forever.
#   tests/cli/mpi_errors.sh RELUMC MPIEXEC
set -uo pipefail
relumc=$1
mpiexec=$2
work=$(mktemp -d /tmp/relumc-test-mpierr-XXXXXX)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none

echo "a file, not a directory" > "$work/afile"
for out in "$work/afile" "$work/afile/below"; do
  status=0
  timeout 60 "$mpiexec" -np 2 "$relumc" verify --quiet --threads 1 -q loss -d 3 -n 1e4 --out "$out" \
    > "$work/stdout" 2> "$work/stderr" || status=$?
  if [ "$status" -eq 124 ]; then echo "mpi errors: --out $out: the ranks did not end within 60 s"; exit 1; fi
  if [ "$status" -ne 2 ]; then echo "mpi errors: --out $out: exit $status, expected 2"; cat "$work/stderr"; exit 1; fi
  grep -q -- "--out" "$work/stderr" || { echo "mpi errors: --out $out: stderr does not name --out"; exit 1; }
done
echo "mpi errors: every rank ended with exit 2"
