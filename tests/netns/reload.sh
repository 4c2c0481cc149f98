#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Reload under continuous traffic: 100 reloads alternating two policies
# while allowed flows run. Zero lost packets on the flow both policies
# allow (UDP with sequence numbers, counted exactly), an established TCP
# connection keeps working, and each switch takes effect at once: right
# after a reload into the policy that denies web -> db udp/7000, that flow
# is dropped; right after a reload back, it passes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
RELOADS=${RELOADS:-100}
bh_init
bh_cluster web api db
probe_rule='  - name: web-to-db-probe
    from: {matchLabels: {app: web}}
    to: {matchLabels: {app: db}}
    ports: [udp/7000]'
"$(dirname "$0")/cluster_policy.sh" "$WORK/policy-a.yaml" enforce "$probe_rule"
"$(dirname "$0")/cluster_policy.sh" "$WORK/policy-b.yaml" enforce
cp "$WORK/policy-a.yaml" "$WORK/policy.yaml"

bh_bg bh_in api "$TRAFFIC" udp-sink --port 9000 --until-file "$WORK/stop-sink" >"$WORK/sink.out"
bh_wait_listen api 9000 udp
bh_serve api tcp 8080
bh_serve db udp 7000
bh_daemon_start "$WORK/policy.yaml"
bh_wait_line "$WORK/sink.out" listening
bh_expect "policy A: web -> db udp/7000 passes" bh_udp_ok web $SUBNET.13 7000
gen0=$(bh_status | jq .policy.generation)

# continuous allowed flows: UDP 2000 pps web -> api, TCP round trips
bh_in web "$TRAFFIC" udp-source --to $SUBNET.12 --port 9000 --pps 2000 \
	--until-file "$WORK/stop-traffic" >"$WORK/source.out" &
src_pid=$!
bh_in web "$TRAFFIC" tcp-ping --to $SUBNET.12 --port 8080 --interval-ms 5 \
	--until-file "$WORK/stop-traffic" >"$WORK/tcp.out" &
tcp_pid=$!
bh_wait_line "$WORK/tcp.out" connected
sleep 0.3

start=$(date +%s.%N)
for i in $(seq 1 "$RELOADS"); do
	if [ $((i % 2)) = 1 ]; then
		cp "$WORK/policy-b.yaml" "$WORK/policy.yaml"
		bh_ctl reload >/dev/null || bh_fail "reload $i (policy B) refused"
		n=$(bh_in web "$TRAFFIC" udp-probe --to $SUBNET.13 --port 7000 --count 3 --wait-ms 150)
		[ "$n" = 0 ] || bh_fail "reload $i: policy B denies web -> db udp/7000, yet $n/3 echoed right after the switch"
	else
		cp "$WORK/policy-a.yaml" "$WORK/policy.yaml"
		bh_ctl reload >/dev/null || bh_fail "reload $i (policy A) refused"
		n=$(bh_in web "$TRAFFIC" udp-probe --to $SUBNET.13 --port 7000 --count 3 --wait-ms 1000)
		[ "$n" = 3 ] || bh_fail "reload $i: policy A allows web -> db udp/7000, yet $n/3 echoed right after the switch"
	fi
done
end=$(date +%s.%N)
sleep 0.3
touch "$WORK/stop-traffic"
wait $src_pid || bh_fail "udp source failed"
tcp_ok=true
wait $tcp_pid || tcp_ok=false
sleep 0.5
touch "$WORK/stop-sink"
for i in $(seq 50); do grep -q received "$WORK/sink.out" && break; sleep 0.1; done

sent=$(awk '/^sent/ {print $2}' "$WORK/source.out")
read -r _ received _ distinct _ dups _ maxseq < <(grep received "$WORK/sink.out")
gen1=$(bh_status | jq .policy.generation)
bh_log "reloads: $RELOADS in $(awk "BEGIN {printf \"%.1f\", $end - $start}") s, generation $gen0 -> $gen1"
bh_log "udp web -> api: sent $sent, received $received (distinct $distinct, duplicates $dups, max seq $maxseq)"
bh_log "tcp web -> api: $(cat "$WORK/tcp.out" | tail -1)"
[ "$((gen1 - gen0))" = "$RELOADS" ] || bh_fail "generation advanced by $((gen1 - gen0)), not $RELOADS"
[ "$sent" -gt 1000 ] || bh_fail "too little traffic sent ($sent)"
[ "$distinct" = "$sent" ] || bh_fail "lost $((sent - distinct)) of $sent packets on a flow both policies allow"
[ "$dups" = 0 ] || bh_fail "$dups duplicates"
$tcp_ok || bh_fail "the TCP connection broke during the reloads: $(cat "$WORK/tcp.out")"
grep -q "failed 0" "$WORK/tcp.out" || bh_fail "TCP round trips failed: $(cat "$WORK/tcp.out")"
st=$(bh_status)
[ "$(jq .policy.reloads <<<"$st")" = "$RELOADS" ] || bh_fail "status counts $(jq .policy.reloads <<<"$st") reloads"
echo "reload: 1 passed, 0 failed"
