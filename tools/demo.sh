#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Set up, build, and run bulkhead's main job on the bundled defaults: a
# replay of the bundled capture under the bundled policy.
set -eu
cd "$(dirname "$0")/.."
tools/setup-deps.sh >/dev/null
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DBH_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" >/dev/null
# The bundled capture (a small containerised shop with attacks on top, see
# pcaps/README.md) under the bundled policy: flows, verdicts, alerts, and a
# summary at the end. Detection learns from the capture's first 10 minutes.
exec "$BUILD_DIR/src/cli/bulkhead" replay pcaps/demo.pcap \
	--policy config/demo-policy.yaml --learning 10m "$@"
