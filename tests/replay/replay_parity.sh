#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Every capture in pcaps/ through both engines: the native build of the
# classifier and the real XDP program (BPF_PROG_TEST_RUN) must give the
# same per-packet verdicts, reasons and rules, byte-identical telemetry
# (flow records, alerts) and the same summary; a second native run must
# give byte-identical telemetry (determinism).
set -euo pipefail
B="$BH_BUILD_DIR/src/cli/bulkhead"
S="$BH_SOURCE_DIR"
if [ "$(id -u)" -ne 0 ]; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: the bpf engine needs root (CI=true)"; exit 1
	fi
	echo "SKIP: the bpf engine needs root"; exit 77
fi
tmp=$(mktemp -d /tmp/bh-parity.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

files=("$S"/pcaps/*.pcap "$S"/pcaps/formats/two-if.pcapng)
for f in eth-us eth-ns eth-us-be null raw sll sll2 snap64; do
	files+=("$S/pcaps/formats/$f.pcap")
done
fail=0
for f in "${files[@]}"; do
	name=$(basename "$f")
	for e in native bpf native2; do
		engine=${e%2}
		"$B" replay "$f" --policy "$S/config/demo-policy.yaml" \
			--engine "$engine" --learning 10m -q -o json \
			--telemetry "$tmp/$e.pb" --packets "$tmp/$e.pkts" \
			> "$tmp/$e.json"
		sed -i 's/"engine":"[a-z]*"//' "$tmp/$e.json"
	done
	ok=1
	cmp -s "$tmp/native.pkts" "$tmp/bpf.pkts" || { echo "$name: per-packet results differ"; ok=0; }
	cmp -s "$tmp/native.pb" "$tmp/bpf.pb" || { echo "$name: telemetry differs between engines"; ok=0; }
	cmp -s "$tmp/native.json" "$tmp/bpf.json" || { echo "$name: output differs between engines"; ok=0; }
	cmp -s "$tmp/native.pb" "$tmp/native2.pb" || { echo "$name: two native runs differ"; ok=0; }
	[ -s "$tmp/native.pb" ] || { echo "$name: no telemetry"; ok=0; }
	if [ $ok = 1 ]; then
		echo "ok $name: $(wc -l < "$tmp/native.pkts") packets, $(stat -c %s "$tmp/native.pb") telemetry bytes"
	else
		fail=1
		diff "$tmp/native.pkts" "$tmp/bpf.pkts" | head -5 || true
	fi
	rm -f "$tmp"/*
done
exit $fail
