#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Set up, build, and run bulkhead's main job on the bundled defaults.
set -eu
cd "$(dirname "$0")/.."
tools/setup-deps.sh >/dev/null
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DBH_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" >/dev/null
"$BUILD_DIR/src/cli/bulkhead" --help
