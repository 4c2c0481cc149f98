#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Replay throughput (issue 7): both bulkhead engines with the full pipeline
# (classification, flow records, detection) against a bare libpcap read
# loop (the floor), tcpdump and the flow tools Debian offers (softflowd,
# argus, nfdump's nfpcapd, pmacct's pmacctd), all reading the same capture
# in one run: packets/s from the best of N wall times, and each time as a
# ratio to the floor's.
#
#   tools/bench/replay/run.sh [-n ROUNDS] [BUILD_DIR [CAPTURE]]
#
# Rounds are interleaved (every reader once per round, after one warm-up
# round that also puts the file in the page cache), so that the load of
# this shared machine weighs on all readers alike. BUILD_DIR: a Release
# build (default build-rel) with bulkhead and bench_pcap_loop built.
# CAPTURE: default BUILD_DIR/tools/bench/replay/bench.large.pcap, written
# by tools/gen/scenarios.py --large when missing (2,000,000 packets, about
# 100,000 flows). The comparison tools come from tools/setup-deps.sh
# --bench; a missing one is reported and skipped. The bpf engine needs
# root; without it that row is skipped.
set -eu
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
ROUNDS=5
if [ "${1:-}" = "-n" ]; then
	ROUNDS=${2:?-n needs a number}
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
if [ ! -s "$CAP" ]; then
	mkdir -p "$(dirname "$CAP")"
	echo "run.sh: writing $CAP (tools/gen/scenarios.py --large)" >&2
	/usr/bin/python3 "$SRC/tools/gen/scenarios.py" --large "$CAP"
fi
CAP=$(cd "$(dirname "$CAP")" && pwd)/$(basename "$CAP")

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

echo "command: tools/bench/replay/run.sh -n $ROUNDS $BUILD $CAP"
echo "capture: $("$LOOP" "$CAP")"
echo "machine: $(uname -sr), $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bulkhead: $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt") build, $(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")"

/usr/bin/python3 - "$ROUNDS" "$W" "$(id -u)" "$BH" "$LOOP" "$CAP" "$POLICY" <<'EOF'
import os, shlex, shutil, subprocess, sys, time

rounds, work, uid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
bh, loop, cap, policy = sys.argv[4:8]
replay = [bh, "replay", cap, "--policy", policy, "--flows", "none", "-q"]
# name, needs (a program on PATH, or "root"), command
rows = [
    ("libpcap loop (floor)", "", [loop, cap]),
    ("tcpdump -w /dev/null", "tcpdump", ["tcpdump", "-r", cap, "-w",
                                         "/dev/null"]),
    ("bulkhead native", "", replay),
    ("bulkhead native + telemetry", "", replay + ["--telemetry",
                                                  "/dev/null"]),
    ("bulkhead bpf", "root", replay + ["--engine", "bpf"]),
    ("softflowd", "softflowd", ["softflowd", "-d", "-r", cap, "-n",
                                "127.0.0.1:9995", "-v", "10"]),
    ("argus", "argus", ["argus", "-X", "-F", work + "/argus.conf", "-r",
                        cap, "-w", "/dev/null"]),
    ("nfpcapd", "nfpcapd", ["nfpcapd", "-r", cap, "-w", work + "/nfcapd"]),
    ("pmacctd", "pmacctd", ["pmacctd", "-f", work + "/pmacctd.conf"]),
]
tools = ("softflowd", "argus", "nfpcapd", "pmacctd")
run = []
for name, need, cmd in rows:
    if need == "root" and uid != 0:
        print("skipped: %s: needs root" % name)
    elif need not in ("", "root") and not shutil.which(need):
        print("skipped: %s: %s not installed (tools/setup-deps.sh --bench)"
              % (name, need))
    else:
        run.append((name, cmd))
print("\ncommands:")
for name, cmd in run:
    print("  %-28s %s" % (name + ":", shlex.join(cmd)))


def once(cmd):
    nf = os.path.join(work, "nfcapd")  # nfpcapd wants an empty directory
    shutil.rmtree(nf, ignore_errors=True)
    os.mkdir(nf)
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if status:
        sys.exit("run.sh: failed (status %d): %s" % (status, shlex.join(cmd)))
    return wall, ru.ru_utime + ru.ru_stime


times = {name: [] for name, _ in run}
for r in range(rounds + 1):  # round 0 warms up, not counted
    for name, cmd in run:
        t = once(cmd)
        if r:
            times[name].append(t)
    print("round %d/%d done" % (r, rounds), file=sys.stderr)

out = subprocess.run([loop, cap], capture_output=True, text=True).stdout
packets = int(out.split(": ")[-1].split()[0])
best = {n: min(w for w, _ in v) for n, v in times.items()}
floor = best["libpcap loop (floor)"]
print("\n| reader | best wall s | packets/s | time / floor | CPU s (mean) |")
print("|---|---:|---:|---:|---:|")
for name, _ in run:
    cpu = sum(c for _, c in times[name]) / len(times[name])
    print("| %s | %.3f | %s | %.2fx | %.2f |" % (
        name, best[name], format(int(packets / best[name]), ","),
        best[name] / floor, cpu))
flow = sorted((best[t], t) for t in tools if t in best)
if flow and "bulkhead native" in best:
    t, name = flow[0]
    print("\nbulkhead native vs the fastest flow tool (%s): %.2fx its "
          "packets/s (target: 2x)" % (name, t / best["bulkhead native"]))
EOF
