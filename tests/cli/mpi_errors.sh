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
# The subcommands that do not split their work refuse several ranks, on every rank, writing nothing.
suite="$(dirname "$0")/../../suites/cpu-smoke.json"
for sub in "dynamics --steps 20 --out $work/sub-out" "power --max-samples 1e3 -q loss" "regress $suite --out $work/sub-out"; do
  status=0
  # shellcheck disable=SC2086
  timeout 60 "$mpiexec" -np 2 "$relumc" $sub > "$work/stdout" 2> "$work/stderr" || status=$?
  if [ "$status" -ne 2 ]; then echo "mpi errors: $sub under 2 ranks: exit $status, expected 2"; cat "$work/stderr"; exit 1; fi
  grep -q "runs in one process" "$work/stderr" || { echo "mpi errors: $sub: no reason given"; cat "$work/stderr"; exit 1; }
  [ ! -e "$work/sub-out" ] || { echo "mpi errors: $sub wrote $work/sub-out"; exit 1; }
done

# SIGTERM to the rank that is not rank 0: every rank stops, and rank 0 names the signal (15), not 0.
"$mpiexec" -np 2 "$relumc" verify --quiet --threads 1 -q grad -d 20 -n 2e6 --angle-steps 1000 --out "$work/long" \
  > "$work/stdout" 2> "$work/stderr" &
mpirun_pid=$!
victim=""
for _ in $(seq 1 100); do
  for pid in $(pgrep -f -- "--out $work/long" || true); do
    if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1"; then victim=$pid; fi
  done
  [ -n "$victim" ] && break
  sleep 0.1
done
[ -n "$victim" ] || { echo "mpi errors: rank 1 never started"; kill "$mpirun_pid"; exit 1; }
sleep 1
kill -TERM "$victim"
status=0
timeout 60 tail --pid="$mpirun_pid" -f /dev/null || { echo "mpi errors: the ranks did not stop within 60 s"; exit 1; }
wait "$mpirun_pid" || status=$?
grep -q "stopped by signal 15" "$work/stderr" || { echo "mpi errors: rank 0 did not name signal 15"; cat "$work/stderr"; exit 1; }
[ "$status" -ne 0 ] || { echo "mpi errors: a stopped run exited 0"; exit 1; }
echo "mpi errors: every rank ended with exit 2; subcommands that do not split refuse several ranks; a signal on one rank stops all"
