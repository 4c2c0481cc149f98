#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Golden output of bulkhead replay (summary and alerts) on every scenario
# capture with the bundled policy. UPDATE_GOLDEN=1 rewrites the files.
set -euo pipefail
B="$BH_BUILD_DIR/src/cli/bulkhead"
S="$BH_SOURCE_DIR"
G="$S/tests/replay/golden"
tmp=$(mktemp -d /tmp/bh-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
for f in "$S"/pcaps/*.pcap; do
	name=$(basename "$f" .pcap)
	(cd "$S" && "$B" replay "pcaps/$name.pcap" --policy config/demo-policy.yaml \
		--learning 10m --flows none -q) > "$tmp/$name.txt"
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		mkdir -p "$G"
		cp "$tmp/$name.txt" "$G/$name.txt"
	elif ! diff -u "$G/$name.txt" "$tmp/$name.txt" > "$tmp/diff"; then
		echo "FAIL $name"; head -40 "$tmp/diff"; fail=1
	else
		echo "ok $name"
	fi
done
exit $fail
