#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The native engine's incremental collector polls (src/replay/flowpoll.h)
# and its pipeline thread (src/replay/worker.h) against full reads of its
# flow tables and the pipeline on the replay's thread (--full-polls
# --no-pipeline-thread, the plain way): byte-identical telemetry,
# per-packet results and output on every bundled capture and on
# a 200,000-packet benchmark capture (15 minutes of traffic, about 10,000
# flows: hundreds of polls with thousands of entries), and on a capture in
# which the classifier deletes entries itself (a denied connection retried
# after its conntrack entry expired), where polls fall back to full reads.
set -euo pipefail
B="$BH_BUILD_DIR/src/cli/bulkhead"
S="$BH_SOURCE_DIR"
tmp=$(mktemp -d /tmp/bh-replay-polls.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 "$S/tools/gen/scenarios.py" -q --large "$tmp/bench.large.pcap" \
	--packets 200000
/usr/bin/python3 - "$tmp/retry.pcap" <<'PY'
import sys
from scapy.all import IP, TCP, UDP, Ether, wrpcap
pkts = []
def at(t, p):
    p.time = 1709542800 + t
    pkts.append(p)
e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
for t in (0, 3, 70, 73, 140, 300):  # web-1 -> db-1:5432 is denied
    at(t, e / IP(src="10.0.1.10", dst="10.0.3.10") / TCP(sport=40000, dport=5432, flags="S"))
for t in range(0, 400, 10):  # web-1 -> dns-1:53 is allowed, UDP
    at(t, e / IP(src="10.0.1.10", dst="10.0.6.10") / UDP(sport=5353, dport=53))
    if t < 100 or t > 250:
        at(t + 0.001, e / IP(src="10.0.6.10", dst="10.0.1.10") / UDP(sport=53, dport=5353))
pkts.sort(key=lambda p: p.time)
wrpcap(sys.argv[1], pkts)
PY
fail=0
for f in "$S"/pcaps/*.pcap "$tmp/bench.large.pcap" "$tmp/retry.pcap"; do
	name=$(basename "$f")
	for m in incremental full; do
		opt=()
		[ $m = full ] && opt=(--full-polls --no-pipeline-thread)
		"$B" replay "$f" --policy "$S/config/demo-policy.yaml" \
			--learning 10m -q -o json "${opt[@]}" \
			--telemetry "$tmp/$m.pb" --packets "$tmp/$m.pkts" \
			> "$tmp/$m.json"
	done
	ok=1
	cmp -s "$tmp/incremental.pb" "$tmp/full.pb" || { echo "$name: telemetry differs"; ok=0; }
	cmp -s "$tmp/incremental.pkts" "$tmp/full.pkts" || { echo "$name: per-packet results differ"; ok=0; }
	cmp -s "$tmp/incremental.json" "$tmp/full.json" || { echo "$name: output differs"; ok=0; }
	[ -s "$tmp/full.pb" ] || { echo "$name: no telemetry"; ok=0; }
	if [ $ok = 1 ]; then
		echo "ok $name: $(wc -l < "$tmp/full.pkts") packets, $(stat -c %s "$tmp/full.pb") telemetry bytes"
	else
		fail=1
	fi
done
exit $fail
