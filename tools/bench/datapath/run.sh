#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Data plane benchmark, one command (as root):
#   tools/bench/datapath/run.sh [testrun|live|newflow|all]
# Builds bench_datapath in build-bench/ and prints the machine, the command
# and the tables that BENCHMARKS.md ("Data plane") records. Not a test: it
# asserts nothing about time.
#   REPEAT (default 1000000)  BPF_PROG_TEST_RUN repetitions per call
#   FRAMES (default 2000000)  live frames per run
set -eu
cd "$(dirname "$0")/../../.."
what=${1:-all}
BUILD_DIR=${BUILD_DIR:-build-bench}
REPEAT=${REPEAT:-1000000}
FRAMES=${FRAMES:-2000000}

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: needs root (BPF, network namespaces)" >&2
	exit 1
fi
# xdp-filter's BPF objects ship in libxdp1 (a dependency of xdp-tools).
xf=$(dpkg -L libxdp1 2>/dev/null | grep '/xdpfilt_alw_all.o$' | head -n1 || true)
if [ -z "$xf" ]; then
	echo "run.sh: xdp-filter's objects are missing (tools/setup-deps.sh)" >&2
	exit 1
fi
mount | grep -q ' /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target bench_datapath >/dev/null
bin="$BUILD_DIR/tools/bench/datapath/bench_datapath"

echo "# bulkhead data plane benchmark"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, kernel $(uname -r)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "xdp-filter: $xf (libxdp1 $(dpkg-query -W -f='${Version}' libxdp1))"
echo "reproduce: tools/bench/datapath/run.sh $what"
echo
if [ "$what" = testrun ] || [ "$what" = all ]; then
	"$bin" testrun -r "$REPEAT" -f "$xf"
	echo
fi
if [ "$what" = newflow ] || [ "$what" = all ]; then
	"$bin" newflow -r 200000
	echo
fi
if [ "$what" = live ] || [ "$what" = all ]; then
	"$bin" live -n "$FRAMES" -f "$xf"
fi
