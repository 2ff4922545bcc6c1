#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# MPI distribution (relumc/run/distribution.hpp): `mpirun -np R relumc verify ...` for R = 1, 2, 3 writes
# results.csv and results.json byte-identical to a plain single-process run (the JSON's "run" object,
# which holds timings, thread and rank counts, excepted), for a fixed-N grid and for a planned
# (--target-rel-error) one, whose N every rank must agree on, and under contract v2.
#   tests/cli/mpi_identical.sh RELUMC MPIEXEC
set -euo pipefail
relumc=$1
mpiexec=$2
work=$(mktemp -d /tmp/relumc-test-mpi-XXXXXX)
trap 'rm -rf "$work"' EXIT
# As root (containers, CI) Open MPI wants an explicit yes; 3 ranks on 2 cores need oversubscription.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none  # no ptrace-based copies inside containers

strip_run() { sed '/^ "run":/,$d' "$1"; }

check() {  # name, then the verify flags
  local name=$1
  shift
  # The verdict (exit 0 or 1) is not the point here, only that every R reaches the same one.
  local ref=0 got
  "$relumc" verify --quiet --threads 1 --out "$work/$name-ref" "$@" || ref=$?
  [ "$ref" -le 1 ] || { echo "mpi: the single-process run failed with status $ref"; exit 1; }
  for R in 1 2 3; do
    got=0
    "$mpiexec" -np "$R" "$relumc" verify --quiet --threads 1 --out "$work/$name-$R" "$@" || got=$?
    [ "$got" -eq "$ref" ] || { echo "mpi: $R rank(s) exited $got, one process $ref"; exit 1; }
    cmp "$work/$name-ref/results.csv" "$work/$name-$R/results.csv"
    cmp <(strip_run "$work/$name-ref/results.json") <(strip_run "$work/$name-$R/results.json")
    grep -q "\"ranks\": $R" "$work/$name-$R/results.json" || { echo "results.json does not record $R ranks"; exit 1; }
    echo "mpi: $name with $R rank(s): byte-identical to one process"
  done
}

# Resume under MPI: rank 0 reads the journal and every rank takes its finished cases.
resume() {
  local flags=(--dims 3,17 --angle-steps 3 --norms 1 --samples 3001,70001)
  "$relumc" verify --quiet --threads 1 --out "$work/resume-ref" "${flags[@]}" || true
  mkdir -p "$work/resume-3"
  head -n 6 "$work/resume-ref/journal.jsonl" > "$work/resume-3/journal.jsonl"  # header + 5 cases
  "$mpiexec" -np 3 "$relumc" verify --quiet --threads 1 --out "$work/resume-3" --resume "${flags[@]}" || true
  cmp "$work/resume-ref/results.csv" "$work/resume-3/results.csv"
  cmp <(strip_run "$work/resume-ref/results.json") <(strip_run "$work/resume-3/results.json")
  grep -q '"resumed_cases": 5' "$work/resume-3/results.json" || { echo "mpi: resume did not take 5 cases"; exit 1; }
  echo "mpi: resumed on 3 ranks: byte-identical"
}

check grid --dims 3,17 --units 1,3 --teacher-units 2 --angle-steps 3 --norms 1 --samples 3001,70001
check planned --dims 5 --angle-steps 3 --norms 1 --target-rel-error 0.05 --pilot-samples 2000
# Contract v2 (float partials flushed every 256 samples, per chunk): ranks split chunks, so the same bytes.
check v2 --contract v2 --dims 3,17 --units 1,3 --teacher-units 2 --angle-steps 3 --norms 1 --samples 3001,70001
resume
