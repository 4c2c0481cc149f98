#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Control-socket round trip of the running daemon while its collector polls
# a flow table of FLOWS entries every second, against the same daemon with
# an empty table (the baseline, measured in the same run). As root.
#   tools/bench/daemon/run.sh [BUILD_DIR] [FLOWS] [REQUESTS]
set -euo pipefail
build=${1:-build-bench}
flows=${2:-250000}
requests=${3:-300}
bh=$build/src/cli/bulkhead
tool=$build/tools/bench/daemon/bench_daemon
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -x "$bh" ] && [ -x "$tool" ] || { echo "build bulkhead and bench_daemon in $build" >&2; exit 1; }
mount | grep -q ' /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf
id=bhbench$$
work=$(mktemp -d /tmp/bh-bench-daemon.XXXXXX)
pid=
cleanup() {
	set +e
	[ -n "$pid" ] && kill "$pid" && wait "$pid"
	ip netns del "$id" 2>/dev/null
	rm -rf "/sys/fs/bpf/$id" "$work"
}
trap cleanup EXIT
printf 'version: 1\nworkloads:\n  - {name: web, labels: {app: web}, addresses: [10.0.1.10]}\n' >"$work/policy.yaml"

run() { # FLOWS: one result line into $work/result
	local n=$1 i
	ip netns add "$id"
	cat >"$work/bh.yaml" <<EOC
policy: $work/policy.yaml
interfaces: ["veth-none-*"]
pin_path: /sys/fs/bpf/$id
control_socket: $work/ctl.sock
state_dir: $work/run
collector: {poll_interval: 1s, idle_timeout: 10m, active_timeout: 10m}
EOC
	nsenter --net="/run/netns/$id" "$bh" run --config "$work/bh.yaml" >"$work/daemon.log" 2>&1 &
	pid=$!
	for i in $(seq 100); do [ -S "$work/ctl.sock" ] && break; sleep 0.1; done
	[ "$n" = 0 ] || "$tool" fill "/sys/fs/bpf/$id" "$n" >/dev/null
	sleep 3 # the first passes create the tracked flows
	"$tool" ping "$work/ctl.sock" "$requests" 20 >"$work/ping"
	read -r _ _ _ mean _ p50 _ p99 _ max <"$work/ping"
	st=$("$bh" status -o json -s "$work/ctl.sock")
	printf '%s %s %s %s %s %s %s %s\n' "$n" "$mean" "$p50" "$p99" "$max" \
		"$(jq .collector.poll_last_us <<<"$st")" "$(jq .collector.poll_step_max_us <<<"$st")" \
		"$(jq .collector.flows_tracked <<<"$st")" >"$work/result"
	kill "$pid"
	wait "$pid" || true
	pid=
	ip netns del "$id"
	"$bh" detach -p "/sys/fs/bpf/$id" >/dev/null 2>&1 || true
	rm -rf "/sys/fs/bpf/$id"
}

echo "command: $0 $build $flows $requests"
run 0
read -r b_n b_mean b_p50 b_p99 b_max b_pass b_step b_tr <"$work/result"
run "$flows"
read -r f_n f_mean f_p50 f_p99 f_max f_pass f_step f_tr <"$work/result"
echo "| flows in the table | request mean | p50 | p99 | max | last pass over the maps | longest step |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
echo "| $b_tr (baseline) | $b_mean us | $b_p50 us | $b_p99 us | $b_max us | $b_pass us | $b_step us |"
echo "| $f_tr | $f_mean us | $f_p50 us | $f_p99 us | $f_max us | $f_pass us | $f_step us |"
awk -v a="$b_p99" -v b="$f_p99" -v c="$b_mean" -v d="$f_mean" \
	'BEGIN { printf "ratio (with flows / baseline): mean %.2f, p99 %.2f\n", d / (c ? c : 1), b / (a ? a : 1) }'
