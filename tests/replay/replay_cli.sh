#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bulkhead replay's command line: usage errors, outputs (denied pcap, graph,
# JSON summary), and a truncated capture reported with its file and packet
# index after the results for what came before it.
set -euo pipefail
B="$BH_BUILD_DIR/src/cli/bulkhead"
S="$BH_SOURCE_DIR"
P="$S/config/demo-policy.yaml"
tmp=$(mktemp -d /tmp/bh-replay-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# usage errors exit 2
set +e
"$B" replay "$S/pcaps/demo.pcap" >/dev/null 2>&1; [ $? = 2 ] || fail "no --policy"
"$B" replay --policy "$P" >/dev/null 2>&1; [ $? = 2 ] || fail "no file"
"$B" replay "$S/pcaps/demo.pcap" --policy "$P" --engine gpu >/dev/null 2>&1; [ $? = 2 ] || fail "bad engine"
"$B" replay "$S/pcaps/demo.pcap" --policy "$P" --idle-timeout 5x >/dev/null 2>&1; [ $? = 2 ] || fail "bad duration"
"$B" replay "$S/pcaps/demo.pcap" --policy "$P" --idle-timeout 0x10s >/dev/null 2>"$tmp/err"; [ $? = 2 ] || fail "hex duration"
grep -q -- "--idle-timeout: bad duration '0x10s'" "$tmp/err" || fail "bad duration not named: $(cat "$tmp/err")"
"$B" replay "$S/pcaps/demo.pcap" --policy "$P" --learning 1e3 >/dev/null 2>&1; [ $? = 2 ] || fail "exponent in a duration"
"$B" replay "$tmp/missing.pcap" --policy "$P" >/dev/null 2>"$tmp/err"; [ $? = 1 ] || fail "missing file"
grep -q "missing.pcap" "$tmp/err" || fail "missing file not named"
set -e
# durations of the shared grammar: fractions, compound forms, leading zeros
"$B" replay "$S/pcaps/demo.pcap" --policy "$P" -q --idle-timeout 1m30s \
	--active-timeout 0.5m --learning 010m >/dev/null || fail "good durations refused"
set -e
"$B" replay --help > "$tmp/help"
grep -q "Usage: bulkhead replay" "$tmp/help" || fail "--help"

# a truncated capture: error with file and packet index, results before it
set +e
"$B" replay "$S/pcaps/formats/truncated-data.pcap" --policy "$P" -q \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc = 1 ] || fail "truncated capture exit $rc"
grep -q "truncated-data.pcap: packet 9:" "$tmp/err" || fail "error does not name file and packet: $(cat "$tmp/err")"
grep -q "9 packets" "$tmp/out" || fail "no summary of the 9 packets before the error"
grep -q "capture error" "$tmp/out" || fail "summary does not say the capture ended in error"

# outputs
"$B" replay "$S/pcaps/lateral-admin.pcap" --policy "$P" -q --learning 10m \
	-w "$tmp/denied.pcap" -g "$tmp/g.dot" --packets "$tmp/pkts" \
	-o json > "$tmp/out.json"
denied=$(awk '$4 == "deny" || $4 == "would-deny"' "$tmp/pkts" | wc -l)
[ "$denied" -gt 0 ] || fail "no denied packets in lateral-admin"
got=$(tcpdump -r "$tmp/denied.pcap" -nn 2>/dev/null | wc -l)
[ "$got" = "$denied" ] || fail "denied pcap has $got packets, expected $denied"
grep -q '^digraph bulkhead' "$tmp/g.dot" || fail "graph"
tail -n 1 "$tmp/out.json" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)["summary"]
assert s["packets"] > 0 and s["flows"]["total"] > 0, s
assert any(e["denied"] for e in s["edges"]), "no denied edge"
' || fail "JSON summary"
if command -v dot >/dev/null; then
	"$B" replay "$S/pcaps/lateral-admin.pcap" --policy "$P" -q \
		--flows none -g "$tmp/g.svg" >/dev/null
	grep -q '<svg' "$tmp/g.svg" || fail "svg"
fi
# telemetry readable by observe
"$B" replay "$S/pcaps/demo.pcap" --policy "$P" -q --flows none \
	--learning 10m -t "$tmp/t.pb" > /dev/null
"$B" observe "$tmp/t.pb" > "$tmp/observed"
grep -q " -> " "$tmp/observed" || fail "observe cannot read replay telemetry"
# a telemetry file is started afresh; a device is written as it is
size1=$(stat -c %s "$tmp/t.pb")
"$B" replay "$S/pcaps/demo.pcap" --policy "$P" -q --flows none \
	--learning 10m -t "$tmp/t.pb" > /dev/null
[ "$(stat -c %s "$tmp/t.pb")" = "$size1" ] || fail "telemetry file appended to"
"$B" replay "$S/pcaps/demo.pcap" --policy "$P" -q --flows none \
	--learning 10m -t /dev/null > /dev/null || fail "--telemetry /dev/null"
echo ok
