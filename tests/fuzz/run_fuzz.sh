#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzzes relumc's JSON readers with libFuzzer (+ AddressSanitizer, UndefinedBehaviorSanitizer) for a bounded
# time: the strict JSON parser, weights files (verify's and dynamics'), suites, baselines and journals
# (tests/fuzz/fuzz_*.cpp). Builds the harnesses with clang++ as a project of their own (tests/fuzz/CMakeLists.txt)
# in BUILD_DIR, then runs each for SECONDS on its seed corpus (tests/fuzz/corpus/<reader>), growing a working
# corpus in BUILD_DIR/corpus/<reader> that later runs start from.
#
#   tests/fuzz/run_fuzz.sh [SECONDS=20] [BUILD_DIR=build-fuzz] [GENERATED_DIR=build/generated] [READER ...]
#
# GENERATED_DIR: a configured main build's generated/ directory (version.hpp, relumc_build_info.hpp).
# Exit 0: no finding; 1: a finding (crash, sanitizer report, uncaught exception, timeout or out-of-memory:
# the input is saved as BUILD_DIR/artifacts/<reader>-crash-*, rerun it with BUILD_DIR/fuzz_<reader> FILE);
# 77: clang++ or libFuzzer missing (CTest reports a skip; Debian: clang libclang-rt-14-dev, ./setup.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-20}
build=${2:-build-fuzz}
generated=${3:-build/generated}
shift $(( $# < 3 ? $# : 3 ))
readers=("$@")
[ ${#readers[@]} -eq 0 ] && readers=(json weights suite baseline journal)

cxx=${RELUMC_FUZZ_CXX:-clang++}
if ! command -v "$cxx" > /dev/null; then
  echo "run_fuzz: SKIP: no $cxx (Debian: apt-get install clang libclang-rt-14-dev)"; exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <cstdint>\n#include <cstddef>\nextern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n' \
  > "$probe/p.cpp"
if ! "$cxx" -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" 2> "$probe/err"; then
  echo "run_fuzz: SKIP: $cxx cannot link libFuzzer with ASan+UBSan (Debian: libclang-rt-14-dev):"
  head -3 "$probe/err"; exit 77
fi
if [ ! -f "$generated/include/relumc/core/version.hpp" ]; then
  echo "run_fuzz: $generated is not a configured relumc build's generated/ directory"; exit 2
fi

echo "run_fuzz: building the harnesses in $build ($cxx)"
cmake -S "$here" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DRELUMC_GENERATED="$(cd "$generated" && pwd)" \
      -DCMAKE_BUILD_TYPE= ${RELUMC_FUZZ_OPT:+-DRELUMC_FUZZ_OPT=$RELUMC_FUZZ_OPT} > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 2; }
cmake --build "$build" -j "${RELUMC_FUZZ_JOBS:-2}" > "$build/build.log" 2>&1 || { tail -30 "$build/build.log"; exit 2; }

status=0
mkdir -p "$build/artifacts"
for r in "${readers[@]}"; do
  mkdir -p "$build/corpus/$r"
  extra=()
  [ "$r" = journal ] && extra=(-close_fd_mask=2)  # the reader's "resuming ..." note, once per input
  log="$build/fuzz_$r.log"
  set +e
  "$build/fuzz_$r" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    "${extra[@]}" -artifact_prefix="$build/artifacts/$r-" "$build/corpus/$r" "$here/corpus/$r" > "$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 || true)
  if [ $rc -eq 0 ]; then
    echo "run_fuzz: $r: ${runs:-?} inputs in ${seconds} s, ${cov:-cov: ?}, no finding"
  else
    status=1
    echo "run_fuzz: $r: FINDING (exit $rc); the input: $(ls -t "$build/artifacts/$r-"* 2>/dev/null | head -1)"
    grep -E 'ERROR|SUMMARY|what\(\)|terminate|runtime error' "$log" | head -8
  fi
done
exit $status
