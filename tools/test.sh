#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Set up, build and run every test: the README's test command, and what CI
# runs. The tests run in an ASan+UBSan build made with clang (which also
# builds the libFuzzer targets); a second build with gcc checks that the
# code compiles warning-free there too. Under CI=true a skipped test fails.
#   BUILD_DIR  (default build-test)   FUZZ_SECONDS (default 60)
set -eu
cd "$(dirname "$0")/.."
tools/setup-deps.sh

BUILD_DIR=${BUILD_DIR:-build-test}
JOBS=$(nproc)

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	-DBH_SANITIZE=ON -DBH_FUZZ=ON >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"

cmake -S . -B "$BUILD_DIR-gcc" -DCMAKE_C_COMPILER=gcc -DBH_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR-gcc" -j "$JOBS"

export FUZZ_SECONDS=${FUZZ_SECONDS:-60}
# ASan: BPF skeletons mmap maps; leak checks stay on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

log="$BUILD_DIR/ctest.log"
set +e
(cd "$BUILD_DIR" && ctest --output-on-failure --no-tests=error -j "$JOBS" "$@") 2>&1 | tee "$log"
set -e
if grep -q "tests passed, 0 tests failed" "$log" || grep -q "100% tests passed" "$log"; then
	:
else
	echo "test.sh: some tests failed" >&2
	exit 1
fi
if [ "${CI:-}" = "true" ] && grep -Eq "\*\*\*Skipped|Not Run" "$log"; then
	echo "test.sh: tests were skipped under CI=true" >&2
	exit 1
fi
echo "test.sh: all tests passed"
