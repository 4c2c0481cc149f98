#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the netns integration tests: a "node" namespace with a Linux
# bridge, "container" namespaces joined to it by veths, and the daemon
# running in the node namespace attached to the host ends of the veths.
# Every name carries the test's PID; cleanup (trap) removes everything the
# test made, also when it fails.
#
# Source it, then: bh_init; bh_node; bh_container web 10.199.0.11 ...;
# bh_policy FILE <<EOF ... EOF; bh_daemon_start.

: "${BH_BUILD_DIR:?run through ctest (BH_BUILD_DIR)}"
BULKHEAD=$BH_BUILD_DIR/src/cli/bulkhead
TRAFFIC=$BH_BUILD_DIR/tools/traffic/bh-traffic
ID=$(($$ % 100000))
NODE=bhn$ID
WORK=/tmp/bh-netns-$ID
PIN=/sys/fs/bpf/bh-netns-$ID
SOCK=$WORK/run/ctl.sock
SUBNET=10.199.0
DAEMON_PID=
BG_PIDS=()
CONTAINERS=()

bh_log() { echo "[$(date +%T.%3N)] $*" >&2; }
bh_fail() {
	bh_log "FAIL: $*"
	if [ -f "$WORK/daemon.log" ]; then
		echo "--- daemon log (last 40 lines) ---" >&2
		grep -v "libbpf\|libxdp" "$WORK/daemon.log" | tail -40 >&2
	fi
	exit 1
}

# exit 77 (skipped), or fail under CI=true where skipping is not allowed
bh_skip() {
	if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
		echo "FAIL: cannot run under CI=true: $*" >&2
		exit 1
	fi
	echo "SKIP: $*" >&2
	exit 77
}

bh_cleanup() {
	local rc=$? p c
	set +e
	for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	if [ -n "$DAEMON_PID" ]; then
		kill -9 "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	# whatever still runs in our namespaces (servers started through
	# ip netns exec) holds ctest's output pipe open: end it
	for c in "${CONTAINERS[@]}" ""; do
		local ns=bh${ID}$c
		[ -n "$c" ] || ns=$NODE
		[ -e "/run/netns/$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
	done
	# only the jobs we know, all killed by now: a bare "wait" could block
	# on anything else the shell started
	for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	# programs on the node's veths go with the namespace; pins do not
	if [ -e "/run/netns/$NODE" ]; then
		nsenter --net="/run/netns/$NODE" "$BULKHEAD" detach -s "$SOCK" \
			-p "$PIN" >/dev/null 2>&1
	fi
	for c in "${CONTAINERS[@]}"; do ip netns del "bh${ID}$c" 2>/dev/null; done
	ip netns del "$NODE" 2>/dev/null
	rm -rf "$PIN" "$WORK"
	exit $rc
}

bh_init() {
	[ "$(id -u)" -eq 0 ] || bh_skip "needs root (network namespaces, XDP)"
	local t
	for t in ip nsenter nc ping jq; do
		command -v $t >/dev/null || bh_skip "needs $t"
	done
	[ -x "$BULKHEAD" ] && [ -x "$TRAFFIC" ] || bh_fail "build first: $BULKHEAD, $TRAFFIC"
	if ! mount | grep -q ' /sys/fs/bpf type bpf'; then
		mkdir -p /sys/fs/bpf
		mount -t bpf bpf /sys/fs/bpf || bh_skip "cannot mount bpffs"
	fi
	trap bh_cleanup EXIT
	trap 'exit 1' INT TERM
	mkdir -p "$WORK/run"
}

bh_node() {
	ip netns add "$NODE"
	ip -n "$NODE" link set lo up
	ip -n "$NODE" link add br0 type bridge
	ip -n "$NODE" link set br0 up
}

# bh_container NAME IP: namespace bh<ID>NAME, eth0 with IP/24, host end
# v<ID>NAME on the node's bridge.
bh_container() {
	local name=$1 ip=$2 ns=bh${ID}$1 host=v${ID}$1
	ip netns add "$ns"
	CONTAINERS+=("$name")
	ip -n "$NODE" link add "$host" type veth peer name eth0 netns "$ns"
	ip -n "$NODE" link set "$host" master br0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$ip/24" dev eth0
	ip -n "$ns" link set eth0 up
}

# The standard cluster: the node and the named containers at the addresses
# cluster_policy.sh gives them (web .11, api .12, db .13, attacker .66).
bh_cluster() {
	local c
	declare -A addr=([web]=11 [api]=12 [db]=13 [attacker]=66)
	bh_node
	for c in "$@"; do bh_container "$c" "$SUBNET.${addr[$c]}"; done
}

# run in a container's namespace
bh_in() { local ns=bh${ID}$1; shift; ip netns exec "$ns" "$@"; }
# run in the node's namespace, keeping bpffs
bh_innode() { nsenter --net="/run/netns/$NODE" "$@"; }

bh_ctl() { "$BULKHEAD" "$@" -s "$SOCK"; }

# Start the daemon in the node namespace on v<ID>* with policy file $1;
# $2: extra config lines (optional). Waits until it serves requests.
bh_daemon_start() {
	local policy=$1 i
	{
		echo "policy: $policy"
		echo "interfaces: ${BH_INTERFACES:-[\"v${ID}*\"]}"
		echo "pin_path: $PIN"
		echo "control_socket: $SOCK"
		echo "state_dir: $WORK/run"
		[ -z "${2:-}" ] || echo "$2"
	} >"$WORK/bulkhead.yaml"
	# not through a function: $! must be the daemon (nsenter execs it)
	nsenter --net="/run/netns/$NODE" "$BULKHEAD" -v run \
		--config "$WORK/bulkhead.yaml" >>"$WORK/daemon.log" 2>&1 &
	DAEMON_PID=$!
	for i in $(seq 100); do
		if bh_ctl status >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null || bh_fail "daemon exited at start"
		sleep 0.1
	done
	bh_fail "daemon not ready after 10 s"
}

bh_status() { bh_ctl status -o json; }

# a background helper, killed at cleanup
bh_bg() { "$@" & BG_PIDS+=($!); }

# wait until something listens on port $2 (TCP, or UDP when $3 is udp) in
# container $1, up to 10 s: a server started with bh_bg takes its time on
# a loaded machine
bh_wait_listen() {
	local i opt=-Htln
	[ "${3:-}" = udp ] && opt=-Huln
	for i in $(seq 200); do
		bh_in "$1" ss $opt "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	bh_fail "nothing listens on $1 ${3:-tcp}/$2"
}

# start the echo server of the traffic tool in container $1, $2 tcp or
# udp, on port $3, and wait until it listens
bh_serve() {
	bh_bg bh_in "$1" "$TRAFFIC" "$2-echo" --port "$3"
	bh_wait_listen "$1" "$3" "$2"
}

# wait until $1 (a file) has a line matching $2, up to 5 s
bh_wait_line() {
	local i
	for i in $(seq 50); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	bh_fail "no '$2' in $1"
}

# assert: bh_expect "what" command...   (command must succeed)
bh_expect() {
	local what=$1; shift
	"$@" >/dev/null 2>&1 || bh_fail "$what"
	bh_log "ok: $what"
}
# assert: bh_expect_fail "what" command...   (command must fail)
bh_expect_fail() {
	local what=$1; shift
	if "$@" >/dev/null 2>&1; then bh_fail "$what"; fi
	bh_log "ok: $what"
}

# TCP: connect and exchange 3 lines (request and echo: both directions)
bh_tcp_ok() { bh_in "$1" timeout 5 "$TRAFFIC" tcp-ping --to "$2" --port "$3" --interval-ms 1 --seconds 0.05; }
# UDP: n datagrams to an echo server, all must come back
bh_udp_ok() { [ "$(bh_in "$1" "$TRAFFIC" udp-probe --to "$2" --port "$3" --count 5 --wait-ms 1000)" = 5 ]; }
bh_udp_none() { [ "$(bh_in "$1" "$TRAFFIC" udp-probe --to "$2" --port "$3" --count 5 --wait-ms 300)" = 0 ]; }
bh_ping_ok() { bh_in "$1" ping -c 2 -i 0.2 -W 1 "$2"; }
bh_nc_ok() { bh_in "$1" nc -z -w 2 "$2" "$3"; }
