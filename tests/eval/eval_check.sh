#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Usage: eval_check.sh BULKHEAD SOURCE_DIR
# The evaluation with the default detection settings must meet every target
# (tools/eval/eval.py --check), asserting each expected alert and no alert
# on benign traffic; then two tunings that break it must be caught.
set -u
bulkhead=$1 src=$2
ev="/usr/bin/python3 $src/tools/eval/eval.py --bulkhead $bulkhead --source $src"
tmp=$(mktemp -d /tmp/bh-eval.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

if ! $ev --check -v > "$tmp/all.txt" 2>&1; then
	echo "FAIL: the evaluation misses its targets:"; fail=1
fi
cat "$tmp/all.txt"

# A disabled detector: its expected alerts are missed, the check fails.
if $ev --check --only pivot-loud \
	--detect-config "$src/tests/eval/no-pivot.yaml" > "$tmp/np.txt" 2>&1 ||
	! grep -q '^  FAIL every loud scenario detected ' "$tmp/np.txt" ||
	! grep -q 'pivot_chain  *loud .*MISSED' "$tmp/np.txt"; then
	echo "FAIL: a disabled pivot detector went unnoticed:"; cat "$tmp/np.txt"
	fail=1
fi
# A threshold of one workload: bastion sessions are false alerts.
if $ev --check --only benign-baseline \
	--detect-config "$src/tests/eval/eager-fanout.yaml" > "$tmp/ef.txt" 2>&1 ||
	! grep -q '^  FAIL zero false alerts on the benign captures' "$tmp/ef.txt"; then
	echo "FAIL: false alerts on the benign capture went unnoticed:"
	cat "$tmp/ef.txt"; fail=1
fi
[ $fail = 0 ] && echo "eval: targets met; a missed detector and false alerts are caught"
exit $fail
