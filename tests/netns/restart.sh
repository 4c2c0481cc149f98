#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Restart and stop. kill -9 of the daemon: enforcement continues from the
# pinned state; a restarted daemon adopts it (policy generation, runtime
# endpoints, conntrack) and a TCP connection established before the kill
# keeps working throughout. SIGTERM with on_exit: keep leaves enforcement
# in place (fail-closed); `bulkhead detach` removes programs and pins;
# on_exit: detach removes them at SIGTERM (fail-open).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bh_init
bh_cluster web api db attacker
bh_container web2 $SUBNET.21
"$(dirname "$0")/cluster_policy.sh" "$WORK/policy.yaml"
bh_serve api tcp 8080
bh_serve db tcp 5432

xdp_attached() { bh_innode ip link show "v${ID}$1" | grep -q "prog/xdp"; }
enforcing() {
	bh_tcp_ok web $SUBNET.12 8080 && ! bh_nc_ok attacker $SUBNET.12 8080 &&
		! bh_nc_ok web $SUBNET.13 5432
}

bh_daemon_start "$WORK/policy.yaml"
bh_expect "runtime endpoint web2 (app=web, tier=frontend) added" \
	bh_ctl endpoint add $SUBNET.21 --labels app=web,tier=frontend --name web2
bh_expect "web2 -> api allowed" bh_tcp_ok web2 $SUBNET.12 8080
bh_expect "enforcing" enforcing
gen0=$(bh_status | jq .policy.generation)

# a long-lived connection across everything that follows
bh_in web "$TRAFFIC" tcp-ping --to $SUBNET.12 --port 8080 --interval-ms 10 \
	--until-file "$WORK/stop-tcp" >"$WORK/tcp.out" &
tcp_pid=$!
bh_wait_line "$WORK/tcp.out" connected
sleep 0.3

# --- kill -9: nothing cleans up, the programs keep enforcing
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
bh_expect "after kill -9: XDP still attached" xdp_attached web
bh_expect "after kill -9: still enforcing (allowed passes, denied fails)" enforcing
bh_expect "after kill -9: runtime endpoint still allowed" bh_tcp_ok web2 $SUBNET.12 8080
flows_before=$(bh_innode bpftool map dump pinned "$PIN/bh_flows" -j 2>/dev/null | jq length || echo 0)
sleep 0.5

# --- restart: adopt
bh_daemon_start "$WORK/policy.yaml"
grep -q "adopted the pinned data plane" "$WORK/daemon.log" || bh_fail "restart did not adopt the pinned state"
grep -q "replaced the bulkhead program left attached" "$WORK/daemon.log" ||
	bh_fail "restart did not replace the programs left attached"
st=$(bh_status)
gen1=$(jq .policy.generation <<<"$st")
[ "$gen1" -gt "$gen0" ] || bh_fail "generation went from $gen0 to $gen1"
[ "$(jq '[.interfaces[] | select(.attached)] | length' <<<"$st")" = 5 ] || bh_fail "not re-attached to 5 veths"
[ "$(jq .runtime_endpoints <<<"$st")" = 1 ] || bh_fail "runtime endpoint lost across the restart"
[ "$(jq .maps.bh_flows.entries <<<"$st")" -ge 1 ] || bh_fail "conntrack was reset"
bh_log "ok: adopted: generation $gen0 -> $gen1, flows $flows_before before, $(jq .maps.bh_flows.entries <<<"$st") after"
bh_expect "after restart: enforcing" enforcing
bh_expect "after restart: runtime endpoint allowed" bh_tcp_ok web2 $SUBNET.12 8080
sleep 0.3
touch "$WORK/stop-tcp"
wait $tcp_pid || bh_fail "the connection established before kill -9 broke: $(cat "$WORK/tcp.out")"
bh_log "ok: connection survived kill -9 and restart: $(tail -1 "$WORK/tcp.out")"

# --- SIGTERM with on_exit: keep (fail-closed)
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || bh_fail "daemon exited non-zero on SIGTERM"
DAEMON_PID=
bh_expect "SIGTERM keep: XDP still attached" xdp_attached api
bh_expect "SIGTERM keep: still enforcing" enforcing
[ -e "$PIN/bh_flows" ] || bh_fail "SIGTERM keep: pins removed"

# --- bulkhead detach without a daemon: fail-open, everything removed
bh_expect "bulkhead detach" bh_innode "$BULKHEAD" detach -s "$SOCK" -p "$PIN"
bh_expect_fail "after detach: no XDP on web's veth" xdp_attached web
bh_expect_fail "after detach: no XDP on api's veth" xdp_attached api
[ ! -e "$PIN" ] || bh_fail "after detach: $PIN still exists"
bh_expect "after detach: unfiltered (attacker reaches api)" bh_tcp_ok attacker $SUBNET.12 8080

# --- on_exit: detach (fail-open) and `bulkhead detach` through a daemon
bh_daemon_start "$WORK/policy.yaml" "on_exit: detach"
bh_expect "on_exit detach: enforcing while running" enforcing
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || bh_fail "daemon exited non-zero on SIGTERM"
DAEMON_PID=
bh_expect_fail "on_exit detach: XDP removed at SIGTERM" xdp_attached web
[ ! -e "$PIN" ] || bh_fail "on_exit detach: pins left"
bh_daemon_start "$WORK/policy.yaml"
bh_expect "bulkhead detach through the daemon" bh_innode "$BULKHEAD" detach -s "$SOCK" -p "$PIN"
wait "$DAEMON_PID" || bh_fail "daemon did not exit cleanly after detach"
DAEMON_PID=
bh_expect_fail "detach via daemon: XDP removed" xdp_attached db
[ ! -e "$PIN" ] || bh_fail "detach via daemon: pins left"
echo "restart: 1 passed, 0 failed"
