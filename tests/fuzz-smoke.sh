#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Bounded libFuzzer run for CI: FUZZER SEED_DIR WORK_DIR.
# Runs $FUZZ_SECONDS (default 60) seconds starting from the committed seeds;
# any crash, leak or timeout fails the test and leaves the input in WORK_DIR.
set -eu
fuzzer=$1 seeds=$2 work=$3
secs=${FUZZ_SECONDS:-60}
rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
[ -d "$seeds" ] && cp -r "$seeds"/. "$work/corpus/" 2>/dev/null || true
exec "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus"
