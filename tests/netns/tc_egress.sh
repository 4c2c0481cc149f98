#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# TC egress: what the node itself sends into a container. The node has an
# address on the bridge ($SUBNET.1, the policy's host_addresses).
#  - tc_egress off (the default): the node's packets are not seen (a UDP
#    sink in the container gets every datagram no rule allows), and its TCP
#    connections break at the reply, which XDP sees without the connection
#    (ct_invalid), even to a port a rule allows for host;
#  - tc_egress on: the node's packets to a port no rule allows are dropped
#    on the node and counted as denies, a port a rule allows for host works
#    both ways (the reply passes XDP as ct_reply);
#  - container-to-container traffic works in both, and its packets are
#    counted once: a UDP probe of N datagrams makes a flow of exactly 2N
#    packets (the bridge forwards them out of a veth with the TC program:
#    it passes them without counting);
#  - a container started while the daemon runs gets the TC program too;
#  - stopping the daemon (on_exit keep) leaves the TC filters enforcing; a
#    restart whose configuration turns tc_egress off for one interface
#    removes the filter left there; `bulkhead detach` removes the rest,
#    another tool's filter stays.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bh_init
for t in tc bpftool; do command -v $t >/dev/null || bh_skip "needs $t"; done
bh_cluster web api
bh_innode ip addr add $SUBNET.1/24 dev br0
N=20

cat >"$WORK/policy.yaml" <<POLICY
version: 1
defaults:
  mode: enforce
  action: deny
  host_addresses: [$SUBNET.1]
workloads:
  - {name: web, labels: {app: web}, addresses: [$SUBNET.11]}
  - {name: api, labels: {app: api}, addresses: [$SUBNET.12]}
rules:
  - name: host-to-web
    from: host
    to: {matchLabels: {app: web}}
    ports: [tcp/8080]
  - name: web-to-api
    from: {matchLabels: {app: web}}
    to: {matchLabels: {app: api}}
    ports: [udp/9000]
POLICY

# web: tcp/8080 (allowed for host), tcp/9090 (no rule); api: udp/9000
bh_serve web tcp 8080
bh_serve web tcp 9090
bh_serve api udp 9000

reason() { bh_status | jq ".reasons.$1"; }
deny_pkts() { bh_status | jq '.verdicts.deny.packets'; }

# datagrams the node sends to web udp/9001 (no rule) that web receives;
# $1 names the round (called in $(...): a counter would not survive)
node_to_sink() {
	local out=$WORK/sink-$1.out stopf=$WORK/sink-$1.stop pid
	bh_in web "$TRAFFIC" udp-sink --port 9001 --until-file "$stopf" >"$out" &
	pid=$!
	BG_PIDS+=($pid)
	bh_wait_listen web 9001 udp
	bh_innode "$TRAFFIC" udp-source --to $SUBNET.11 --port 9001 --pps 200 \
		--seconds 0.1 >/dev/null
	sleep 0.3
	touch "$stopf"
	wait $pid || bh_fail "udp-sink failed: $(cat "$out")"
	awk '$1 == "received" {print $2}' "$out"
}

# packets of the web <-> api udp/9000 flow in bh_flows (both directions)
flow_pkts() {
	bh_innode bpftool -j map dump pinned "$PIN/bh_flows" | jq '
	  [.[] | .formatted | select(.key.proto == 17 and
	     ((.key.a_port == 9000) or (.key.b_port == 9000)))
	   | .value.packets[0] + .value.packets[1]] | add // 0'
}

# N datagrams web -> api udp/9000 and back; the flow grows by exactly 2N
probe_counted_once() {
	local before after got
	before=$(flow_pkts)
	got=$(bh_in web "$TRAFFIC" udp-probe --to $SUBNET.12 --port 9000 \
		--count $N --wait-ms 1000)
	[ "$got" = $N ] || bh_fail "$1: web -> api udp/9000: $got of $N came back"
	after=$(flow_pkts)
	[ $((after - before)) = $((2 * N)) ] ||
		bh_fail "$1: the flow counted $((after - before)) packets for $N datagrams each way, want $((2 * N))"
	bh_log "ok: $1: web <-> api counted once ($((after - before)) packets for $N datagrams each way)"
}

# web holds a half-open connection on port $1 (a SYN came, its SYN-ACK
# got no answer)
syn_recv() { bh_in web ss -Htn state syn-recv "sport = :$1" | grep -q .; }
# entries for tcp port $1 in bh_denied
denied_tcp() {
	bh_innode bpftool -j map dump pinned "$PIN/bh_denied" | jq --argjson p "$1" '
	  [.[] | .formatted | select(.key.proto == 6 and
	     ((.key.a_port == $p) or (.key.b_port == $p)))] | length'
}

# status: whether the TC program is attached on container $1's veth
tc_attached() {
	jq --arg n "v${ID}$1" '.interfaces[] | select(.name == $n) | .tc_egress_attached' <<<"$st"
}

tc_on() { bh_innode tc filter show dev "v${ID}$1" egress | grep -q bulkhead_tc; }

# --- tc_egress off (default)
bh_daemon_start "$WORK/policy.yaml"
st=$(bh_status)
[ "$(jq '[.interfaces[] | select(.attached and (.tc_egress | not) and (.tc_egress_attached | not))] | length' <<<"$st")" = 2 ] ||
	bh_fail "tc_egress off: $(jq -c .interfaces <<<"$st")"
bh_expect_fail "tc_egress off: no TC filter on web's veth" tc_on web
got=$(node_to_sink off)
[ "$got" = $N ] || bh_fail "tc_egress off: web received $got of $N datagrams from the node"
bh_log "ok: tc_egress off: the node's datagrams to a port no rule allows are not seen ($got of $N received)"
inv=$(reason ct_invalid)
bh_expect_fail "tc_egress off: node -> web tcp/8080 breaks at the reply" \
	bh_innode timeout 5 "$TRAFFIC" tcp-ping --to $SUBNET.11 --port 8080 --interval-ms 1 --seconds 0.05
[ "$(reason ct_invalid)" -gt "$inv" ] || bh_fail "tc_egress off: the refused reply is not counted as ct_invalid"
bh_expect "tc_egress off: the node's SYN reached web (half-open there)" syn_recv 8080
bh_log "ok: tc_egress off: web's reply refused as ct_invalid (its SYN was never seen)"
probe_counted_once "tc_egress off"

kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || bh_fail "daemon exited non-zero on SIGTERM"
DAEMON_PID=

# --- tc_egress on (global), restarted on the pinned maps
bh_daemon_start "$WORK/policy.yaml" "tc_egress: true"
st=$(bh_status)
[ "$(jq '[.interfaces[] | select(.tc_egress and .tc_egress_attached and .tc_egress_error == null)] | length' <<<"$st")" = 2 ] ||
	bh_fail "tc_egress on: $(jq -c .interfaces <<<"$st")"
bh_ctl status | grep -q "v${ID}web .*, tc egress" || bh_fail "text status: $(bh_ctl status | grep "v${ID}")"
bh_expect "tc_egress on: TC filter on web's veth" tc_on web
bh_expect "tc_egress on: TC filter on api's veth" tc_on api

deny=$(deny_pkts)
dd=$(reason default_deny)
got=$(node_to_sink on)
[ "$got" = 0 ] || bh_fail "tc_egress on: web received $got datagrams from the node, no rule allows them"
[ "$(deny_pkts)" -ge $((deny + N)) ] || bh_fail "tc_egress on: deny packets $deny -> $(deny_pkts), want +$N"
bh_log "ok: tc_egress on: the node's datagrams to udp/9001 dropped on the node, counted ($deny -> $(deny_pkts) deny packets)"
bh_expect_fail "tc_egress on: node -> web tcp/9090 (no rule)" \
	bh_innode nc -z -w 2 $SUBNET.11 9090
[ "$(reason default_deny)" -gt "$dd" ] || bh_fail "tc_egress on: default_deny did not grow"
[ "$(denied_tcp 9090)" -ge 1 ] || bh_fail "tc_egress on: no denied flow to tcp/9090"
bh_expect_fail "tc_egress on: the node's SYN did not reach web" syn_recv 9090
bh_log "ok: tc_egress on: node -> web tcp/9090 refused on the node (default_deny)"
rep=$(reason ct_reply)
bh_expect "tc_egress on: node -> web tcp/8080 (host-to-web) echo both ways" \
	bh_innode timeout 5 "$TRAFFIC" tcp-ping --to $SUBNET.11 --port 8080 --interval-ms 1 --seconds 0.05
[ "$(reason ct_reply)" -gt "$rep" ] || bh_fail "tc_egress on: web's replies did not pass as ct_reply"
bh_ctl status | grep -q "host-to-web" || bh_fail "host-to-web not in the status"
bh_log "ok: tc_egress on: host-to-web works, replies via XDP conntrack ($rep -> $(reason ct_reply) ct_reply)"
probe_counted_once "tc_egress on"

# a container started now gets the TC program with its XDP one
bh_container late $SUBNET.20
for i in $(seq 100); do
	st=$(bh_status)
	[ "$(tc_attached late)" = true ] && break
	sleep 0.1
done
[ "$(tc_attached late)" = true ] || bh_fail "a new veth did not get TC egress: $(jq -c .interfaces <<<"$st")"
bh_expect "hot-plugged veth: TC filter attached" tc_on late
bh_log "ok: a container started later gets TC egress too"

# --- on_exit keep: the TC filters stay and keep enforcing
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || bh_fail "daemon exited non-zero on SIGTERM"
DAEMON_PID=
bh_expect "stopped (on_exit keep): TC filter still on web's veth" tc_on web
got=$(node_to_sink kept)
[ "$got" = 0 ] || bh_fail "stopped (on_exit keep): web received $got datagrams from the node"
bh_log "ok: stopped (on_exit keep): the node's datagrams still dropped"

# --- restarted with tc_egress off for web only (an interface's override):
# the filter the last instance left on web's veth goes, api's is replaced
BH_INTERFACES="[{name: v${ID}web, tc_egress: false}, \"v${ID}*\"]" \
	bh_daemon_start "$WORK/policy.yaml" "tc_egress: true"
st=$(bh_status)
[ "$(tc_attached web)" = false ] && [ "$(tc_attached api)" = true ] ||
	bh_fail "per-interface tc_egress: $(jq -c .interfaces <<<"$st")"
bh_expect_fail "web: tc_egress false: the filter left there is removed" tc_on web
bh_expect "api: tc_egress (global): filter replaced" tc_on api
grep -q "removed the TC egress program from v${ID}web (left by a previous instance)" "$WORK/daemon.log" ||
	bh_fail "the removal of the left filter is not logged"
got=$(node_to_sink override)
[ "$got" = $N ] || bh_fail "web without tc_egress: web received $got of $N datagrams from the node"
bh_log "ok: an interface's tc_egress: false wins over the global true; the filter left there is gone"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || bh_fail "daemon exited non-zero on SIGTERM"
DAEMON_PID=

# --- `bulkhead detach`: bulkhead's filters go, another filter stays
bh_innode tc filter add dev "v${ID}web" egress prio 60000 u32 match u32 0 0
bh_innode "$BULKHEAD" detach -s "$SOCK" -p "$PIN" >"$WORK/detach.out" 2>&1 ||
	bh_fail "detach: $(cat "$WORK/detach.out")"
bh_expect_fail "detached: no TC filter on web's veth" tc_on web
bh_expect_fail "detached: no TC filter on api's veth" tc_on api
bh_expect "detached: the other filter stays" \
	bash -c "nsenter --net=/run/netns/$NODE tc filter show dev v${ID}web egress | grep -q u32"
got=$(node_to_sink detached)
[ "$got" = $N ] || bh_fail "detached: web received $got of $N datagrams from the node"
bh_log "ok: detached: the node's datagrams flow again"
echo "tc_egress: 1 passed, 0 failed"
