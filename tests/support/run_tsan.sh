#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The emulated CUDA kernels (tests/unit/test_cuda_emulated.cpp) under ThreadSanitizer, every launch with
# all of a block's threads running at once (RELUMC_EMULATOR_SCHEDULE=concurrent): a missing __syncthreads
# or two threads writing one accumulator is reported as a data race. Not part of CI (the library is
# rebuilt with -fsanitize=thread in its own tree, without CUDA and MPI).
#
# Usage: tests/support/run_tsan.sh [BUILD_DIR] [gtest args...]   (default BUILD_DIR: build-tsan)
# About 5 minutes on 2 cores from scratch (the library's build 3.5, the tests 1.3; after a change to a kernel
# or a test, under 2 in all); the exit status is the tests'.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$src/build-tsan}"
shift || true
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELUMC_ENABLE_CUDA=OFF -DRELUMC_ENABLE_MPI=OFF \
  -DRELUMC_BUILD_BENCH=OFF -DRELUMC_EMULATOR_SANITIZE=thread -DCMAKE_CXX_FLAGS="-fsanitize=thread" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build "$build" -j"$(nproc)" --target test_cuda_emulated test_cuda_emulator
export RELUMC_EMULATOR_SCHEDULE=concurrent
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
# The emulator's own tests, but its death tests (they fork), then the kernels.
"$build/tests/test_cuda_emulator" --gtest_filter='-*DeathTest*'
exec "$build/tests/test_cuda_emulated" "$@"
