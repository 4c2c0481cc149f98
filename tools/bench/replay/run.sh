#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Replay throughput (issue 7): both bulkhead engines with the full pipeline
# (classification, flow records, detection) against a bare libpcap read
# loop (the floor), tcpdump and the flow tools Debian offers (softflowd,
# argus, nfdump's nfpcapd, pmacct's pmacctd), all reading the same capture
# in one run. Best of N wall times (hyperfine, one warm-up run each so that
# every reader finds the file in the page cache), packets/s, and the ratio
# of each time to the floor's.
#
#   tools/bench/replay/run.sh [-n RUNS] [BUILD_DIR [CAPTURE]]
#
# BUILD_DIR: a Release build (default build-rel), with bulkhead and
# bench_pcap_loop built. CAPTURE: default BUILD_DIR/tools/bench/replay/
# bench.large.pcap, written by tools/gen/scenarios.py --large when missing
# (2,000,000 packets, about 100,000 flows). The comparison tools come from
# tools/setup-deps.sh --bench; a missing one is reported and skipped. The
# bpf engine needs root; without it that row is skipped.
set -eu
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
RUNS=3
if [ "${1:-}" = "-n" ]; then
	RUNS=${2:?-n needs a number}
	shift 2
fi
BUILD=${1:-$SRC/build-rel}
BUILD=$(cd "$BUILD" && pwd)
CAP=${2:-$BUILD/tools/bench/replay/bench.large.pcap}
BH=$BUILD/src/cli/bulkhead
LOOP=$BUILD/tools/bench/replay/bench_pcap_loop
POLICY=$SRC/config/demo-policy.yaml

for b in "$BH" "$LOOP"; do
	[ -x "$b" ] || {
		echo "run.sh: $b missing: cmake --build $BUILD --target bulkhead bench_pcap_loop" >&2
		exit 1
	}
done
command -v hyperfine >/dev/null || {
	echo "run.sh: hyperfine missing: tools/setup-deps.sh --bench" >&2
	exit 1
}
if [ ! -s "$CAP" ]; then
	mkdir -p "$(dirname "$CAP")"
	echo "run.sh: writing $CAP (tools/gen/scenarios.py --large)" >&2
	/usr/bin/python3 "$SRC/tools/gen/scenarios.py" --large "$CAP"
fi

W=$(mktemp -d /tmp/bh-bench-replay.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM

# Flow tools: their documented way to read a capture and export flows,
# nothing sent off the machine (UDP exporters aim at 127.0.0.1, where no
# collector listens). Timeouts stay each tool's defaults.
#  - argus: bidirectional 5-tuple flows, status records every 60 s (the
#    active timeout bulkhead uses), to /dev/null; -X keeps the host's
#    /etc/argus.conf out of the run.
cat >"$W/argus.conf" <<EOF
ARGUS_FLOW_TYPE="Bidirectional"
ARGUS_FLOW_KEY="CLASSIC_5_TUPLE"
ARGUS_FLOW_STATUS_INTERVAL=60
ARGUS_MAR_STATUS_INTERVAL=60
EOF
#  - pmacctd: the nfprobe plugin (NetFlow/IPFIX export). Buffers sized for a
#    file: with the default ones the core sleeps 1 ms per few hundred
#    packets to let the plugin keep up (ten times slower); the start delay
#    at its minimum (1 s; pmacctd also waits 2 s for its plugins at the end).
cat >"$W/pmacctd.conf" <<EOF
daemonize: false
pcap_savefile: $CAP
pcap_savefile_wait: false
pcap_savefile_delay: 1
plugins: nfprobe
nfprobe_receiver: 127.0.0.1:2100
nfprobe_version: 10
plugin_pipe_size: 104857600
plugin_buffer_size: 1048576
EOF

# name|command|needs (a program that must be on PATH, or "root")
ROWS="libpcap loop (floor)|$LOOP $CAP|
tcpdump -w /dev/null|tcpdump -r $CAP -w /dev/null|tcpdump
bulkhead native|$BH replay $CAP --policy $POLICY --flows none -q|
bulkhead native + telemetry|$BH replay $CAP --policy $POLICY --flows none -q --telemetry /dev/null|
bulkhead bpf|$BH replay $CAP --policy $POLICY --engine bpf --flows none -q|root
softflowd|softflowd -d -r $CAP -n 127.0.0.1:9995 -v 10|softflowd
argus|argus -X -F $W/argus.conf -r $CAP -w /dev/null|argus
nfpcapd|nfpcapd -r $CAP -w $W/nfcapd|nfpcapd
pmacctd|pmacctd -f $W/pmacctd.conf|pmacctd"

set --
SKIPPED=""
IFS_SAVE=$IFS
IFS='
'
for row in $ROWS; do
	name=${row%%|*}
	rest=${row#*|}
	cmd=${rest%|*}
	need=${rest##*|}
	if [ "$need" = root ] && [ "$(id -u)" -ne 0 ]; then
		SKIPPED="$SKIPPED
  $name: needs root"
		continue
	fi
	if [ -n "$need" ] && [ "$need" != root ] &&
	   ! command -v "$need" >/dev/null; then
		SKIPPED="$SKIPPED
  $name: $need not installed (tools/setup-deps.sh --bench)"
		continue
	fi
	set -- "$@" -n "$name" "$cmd"
done
IFS=$IFS_SAVE

echo "command: tools/bench/replay/run.sh -n $RUNS $BUILD $CAP"
echo "capture: $("$LOOP" "$CAP")"
echo "machine: $(uname -sr), $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bulkhead: $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt") build, $(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")"
[ -z "$SKIPPED" ] || echo "skipped:$SKIPPED"
echo

# nfpcapd wants an empty output directory on every run.
hyperfine --style basic --warmup 1 --runs "$RUNS" \
	--prepare "rm -rf $W/nfcapd; mkdir $W/nfcapd" \
	--export-json "$W/times.json" "$@" >&2

echo
/usr/bin/python3 - "$W/times.json" "$("$LOOP" "$CAP" | sed 's/.*: \([0-9]*\) packets.*/\1/')" <<'EOF'
import json
import sys

res = json.load(open(sys.argv[1]))["results"]
packets = int(sys.argv[2])
floor = next(r for r in res if r["command"].startswith("libpcap"))
tools = ("softflowd", "argus", "nfpcapd", "pmacctd")
print("| reader | best wall s | packets/s | time / floor | CPU s (mean) |")
print("|---|---:|---:|---:|---:|")
for r in res:
    best = min(r["times"])
    print("| %s | %.3f | %s | %.2fx | %.2f |" % (
        r["command"], best, format(int(packets / best), ","),
        best / min(floor["times"]), r["user"] + r["system"]))
best = {r["command"]: min(r["times"]) for r in res}
flow = [(best[t], t) for t in tools if t in best]
if flow and "bulkhead native" in best:
    t, name = min(flow)
    print()
    print("bulkhead native vs the fastest flow tool (%s): %.2fx its "
          "packets/s (target: 2x)" % (name, t / best["bulkhead native"]))
EOF
