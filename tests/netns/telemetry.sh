#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Live telemetry from the running daemon: real TCP, UDP and ICMP traffic
# between the containers, with packet and byte counts known in advance
# (UDP, ICMP) or taken from tcpdump on the veth (TCP), must come out of the
# telemetry file as flow records with those counts, verdicts, rules and
# workload names (read with `bulkhead observe`); an external peer is
# enriched from a GeoIP database and raises a geo novelty alert; a denied
# port scan raises a detection alert in the stream; the metrics endpoint
# shows packets by verdict,
# active flows and alerts; records say where a flow came from (a workload's
# veth: egress, an uplink: ingress); a SIGHUP with a changed policy changes the
# generation in later records; a GeoIP file that goes bad keeps the old
# databases on SIGHUP and refuses a start; the detection baseline is
# written at stop and read at the next start; a connection across a stop
# and a restart is not counted twice.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bh_init
command -v curl >/dev/null || bh_skip "needs curl"
command -v tcpdump >/dev/null || bh_skip "needs tcpdump"
GEODB=$BH_BUILD_DIR/tests/geo/data
[ -f "$GEODB/city.mmdb" ] && [ -f "$GEODB/asn.mmdb" ] ||
	bh_fail "build the test GeoIP databases first ($GEODB)"

bh_cluster web api db attacker
# an address outside the cluster on the same bridge: the world identity,
# 198.51.100.7 is FR / AS64501 in the test databases
bh_container remote 198.51.100.7
bh_in web ip route add 198.51.100.0/24 dev eth0
bh_in remote ip route add $SUBNET.0/24 dev eth0
"$(dirname "$0")/cluster_policy.sh" "$WORK/policy.yaml"
cp "$GEODB/city.mmdb" "$WORK/city.mmdb"
cp "$GEODB/asn.mmdb" "$WORK/asn.mmdb"

bh_serve api tcp 8080
bh_serve api udp 9000
bh_serve db tcp 5432

FLOWS=$WORK/flows.pb
CONF="collector: {poll_interval: 200ms, idle_timeout: 2s, active_timeout: 60s}
export:
  sinks: [$FLOWS]
  node_id: node-$ID
  stats_interval: 1s
metrics: {listen: 127.0.0.1:9477}
detect:
  learning: {period: 10m, baseline: $WORK/baseline.txt}
geoip:
  city_db: $WORK/city.mmdb
  asn_db: $WORK/asn.mmdb
  novelty: {baseline: 1ms, aggregate: 1s}"

# --- a GeoIP file that is there but corrupt stops the start, named
printf 'not a MaxMind DB, not at all\n' >"$WORK/bad.mmdb"
bad_conf=${CONF/$WORK\/asn.mmdb/$WORK\/bad.mmdb}
{
	echo "policy: $WORK/policy.yaml"
	echo "interfaces: [\"v${ID}*\"]"
	echo "pin_path: $PIN"
	echo "control_socket: $SOCK"
	echo "state_dir: $WORK/run"
	echo "$bad_conf"
} >"$WORK/bad.yaml"
set +e
bh_innode "$BULKHEAD" run --config "$WORK/bad.yaml" >"$WORK/bad.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || bh_fail "start with a corrupt GeoIP file: exit $rc, want 1"
grep -q "geoip.asn_db $WORK/bad.mmdb: corrupt" "$WORK/bad.out" ||
	bh_fail "the corrupt file is not named: $(cat "$WORK/bad.out")"
bh_log "ok: corrupt GeoIP file refused at start: $(grep bad.mmdb "$WORK/bad.out" | head -1)"
bh_innode "$BULKHEAD" detach -p "$PIN" -s "$SOCK" >/dev/null 2>&1 || true

# remote's veth plays the node's uplink; the others are found to be veths
BH_INTERFACES="[{name: v${ID}remote, role: uplink}, \"v${ID}*\"]"
bh_daemon_start "$WORK/policy.yaml" "$CONF"
grep -q "no baseline at $WORK/baseline.txt yet" "$WORK/daemon.log" ||
	bh_fail "first start: the missing baseline is not reported"
roles=$(bh_status | jq -c "[.interfaces[] | select(.name == \"v${ID}remote\" or .name == \"v${ID}web\") | .role]")
[ "$roles" = '["uplink","workload"]' ] || [ "$roles" = '["workload","uplink"]' ] ||
	bh_fail "interface roles: $(bh_status | jq -c .interfaces)"
bh_log "ok: roles: v${ID}remote uplink (configured), v${ID}web workload (a veth)"
# where libxdp's dispatcher cannot load, its failed load is one info line,
# not libbpf's errors for every interface
if ! grep -q "libxdp dispatcher)" "$WORK/daemon.log"; then
	[ "$(grep -c "dispatcher does not load on this kernel" "$WORK/daemon.log")" = 1 ] ||
		bh_fail "the dispatcher fallback is not said once"
	! grep -q "libbpf: prog 'xdp_pass'" "$WORK/daemon.log" ||
		bh_fail "the dispatcher's failed load is still printed"
	bh_log "ok: $(grep -o "libxdp's multi-program dispatcher does not load.*" "$WORK/daemon.log")"
fi

# observe the telemetry written so far (the writer may be mid-envelope:
# what is complete is printed, the cut is not an error here)
obs() { "$BULKHEAD" observe "$@" "$FLOWS" 2>/dev/null || true; }
# wait until `obs ARGS` prints a line matching $1, up to 15 s
obs_wait() {
	local want=$1 i
	shift
	for i in $(seq 75); do
		obs "$@" | grep -q -- "$want" && return 0
		sleep 0.2
	done
	bh_fail "no '$want' in the telemetry: $(obs "$@" | tail -5)"
}
# the JSON record of the flow matching a jq condition
flow() { obs -o json -t flow | jq -c "select(.flow | $1) | .flow" | tail -1; }

# packets and bytes (frame length) from web and to web in a capture made
# on web's veth: "INIT_PKTS INIT_BYTES RESP_PKTS RESP_BYTES"
pcap_count() {
	tcpdump -r "$1" -nn -e 2>/dev/null | awk -v c="$SUBNET.11." '
	{ if (!match($0, /length [0-9]+: /)) next
	  len = substr($0, RSTART + 7, RLENGTH - 9) + 0
	  src = substr($0, RSTART + RLENGTH)
	  if (index(src, c) == 1) { ip++; ib += len } else { rp++; rb += len } }
	END { print ip + 0, ib + 0, rp + 0, rb + 0 }'
}
# capture web's tcp/8080 traffic to $1 (pid in $td)
capture_web() {
	nsenter --net="/run/netns/$NODE" tcpdump -i "v${ID}web" -nn -e -U \
		-w "$1" 'tcp port 8080' 2>"$1.err" &
	td=$!
	BG_PIDS+=("$td")
	bh_wait_line "$1.err" "listening on"
}
# --- TCP: counted by tcpdump on web's veth (both directions pass there)
capture_web "$WORK/tcp.pcap"
bh_in web "$TRAFFIC" tcp-ping --to $SUBNET.12 --port 8080 --interval-ms 20 \
	--seconds 0.3 >/dev/null || bh_fail "web -> api tcp/8080"
# --- UDP: 5 datagrams of 4 bytes and their echoes: 46-byte frames
[ "$(bh_in web "$TRAFFIC" udp-probe --to $SUBNET.12 --port 9000 --count 5 --wait-ms 1000)" = 5 ] ||
	bh_fail "web -> api udp/9000"
# --- ICMP: 3 echo requests and replies of 98 bytes
bh_expect "web -> api icmp" bh_in web ping -c 3 -i 0.2 -W 1 $SUBNET.12
# --- denied: default deny, and a peer outside the cluster
bh_expect_fail "web -> db tcp/5432 denied" bh_in web nc -z -w 1 $SUBNET.13 5432
bh_expect_fail "web -> 198.51.100.7 icmp denied" bh_in web ping -c 2 -i 0.2 -W 1 198.51.100.7
# --- from the uplink: the world towards web, denied
bh_expect_fail "198.51.100.7 -> web icmp denied" bh_in remote ping -c 1 -W 1 $SUBNET.11
# The connection's record comes a linger after its close: every packet of
# it has passed tcpdump by then, however late the last ACK on a busy
# machine (a fixed sleep here once stopped tcpdump before it).
obs_wait "web:[0-9]* -> api:8080 tcp allow" -t flow
kill -INT "$td"
wait "$td" 2>/dev/null || true
read -r tcp_ip tcp_ib tcp_rp tcp_rb < <(pcap_count "$WORK/tcp.pcap")
[ "$tcp_ip" -ge 4 ] && [ "$tcp_rp" -ge 4 ] || bh_fail "tcpdump saw $tcp_ip/$tcp_rp packets"
bh_log "tcpdump: web -> api tcp/8080: $tcp_ip/$tcp_rp packets, $tcp_ib/$tcp_rb bytes"

obs_wait "web:[0-9]* -> api:9000 udp allow" -t flow
obs_wait "web -> api icmp" -t flow
obs_wait "web:[0-9]* -> db:5432 tcp deny(default_deny)" -t flow
obs_wait "198.51.100.7" -t flow
obs_wait "198.51.100.7.* -> web icmp" -t flow

expect_flow() { # what, jq condition on the record, jq check
	local f
	f=$(flow "$2")
	[ -n "$f" ] || bh_fail "$1: no record ($(obs -t flow | tail -3))"
	jq -e "$3" >/dev/null <<<"$f" || bh_fail "$1: $f"
	bh_log "ok: $1"
}
expect_flow "tcp record = tcpdump ($tcp_ip/$tcp_rp pkts, $tcp_ib/$tcp_rb bytes), fin, rule web-to-api" \
	'.protocol == 6 and .responder.port == 8080' \
	".initiator.workload == \"web\" and .responder.workload == \"api\" and
	 .initiator_packets == \"$tcp_ip\" and .responder_packets == \"$tcp_rp\" and
	 .initiator_bytes == \"$tcp_ib\" and .responder_bytes == \"$tcp_rb\" and
	 .verdict == \"VERDICT_ALLOW\" and .rule == \"web-to-api\" and .end_reason == \"END_REASON_FIN\" and
	 .node == \"node-$ID\" and (.initiator.labels | index(\"app=web\") != null) and
	 .initiator.ingress_interface == \"v${ID}web\" and .direction == \"TRAFFIC_DIRECTION_EGRESS\""
expect_flow "udp record: 5/5 packets, 230/230 bytes" \
	'.protocol == 17 and .responder.port == 9000' \
	'.initiator.workload == "web" and .responder.workload == "api" and
	 .initiator_packets == "5" and .responder_packets == "5" and
	 .initiator_bytes == "230" and .responder_bytes == "230" and
	 .verdict == "VERDICT_ALLOW" and .rule == "web-to-api"'
expect_flow "icmp record: 3/3 packets, 294/294 bytes" \
	'.protocol == 1 and .responder.workload == "api"' \
	'.initiator.workload == "web" and .initiator_packets == "3" and
	 .responder_packets == "3" and .initiator_bytes == "294" and
	 .responder_bytes == "294" and .verdict == "VERDICT_ALLOW"'
expect_flow "denied web -> db tcp/5432: default deny, nothing back" \
	'.protocol == 6 and .responder.port == 5432 and .initiator.workload == "web"' \
	'.verdict == "VERDICT_DENY" and .reason == "REASON_DEFAULT_DENY" and
	 .responder.workload == "db" and (.responder_packets // "0") == "0" and
	 (.initiator_packets | tonumber) >= 1'
expect_flow "external peer enriched: FR, AS64501" \
	'.responder.identity == 2 and .protocol == 1' \
	'.initiator.workload == "web" and .verdict == "VERDICT_DENY" and
	 .responder.country_code == "FR" and .responder.city == "Paris" and
	 .responder.asn == 64501 and .initiator_packets == "2"'
expect_flow "world -> web seen on the uplink: ingress, denied" \
	'.initiator.identity == 2 and .responder.workload == "web"' \
	".direction == \"TRAFFIC_DIRECTION_INGRESS\" and .initiator.ingress_interface == \"v${ID}remote\" and
	 .verdict == \"VERDICT_DENY\" and .initiator.country_code == \"FR\""
# web's baseline of countries and ASes ended 1 ms after its first flow:
# the denied ping to FR / AS64501 is a novelty
obs_wait "ALERT .* geo_novelty web -> 198.51.100.7" -t alert
bh_log "ok: geo novelty: $(obs -t alert | grep geo_novelty | head -1)"
gen0=$(bh_status | jq .policy.generation)
[ "$(flow '.protocol == 17 and .responder.port == 9000' | jq .policy_generation)" = "$gen0" ] ||
	bh_fail "records do not carry generation $gen0"

# --- a denied scan: attacker -> 30 ports of db within seconds
scan=()
for p in $(seq 7000 7029); do
	bh_in attacker nc -z -w 1 $SUBNET.13 "$p" >/dev/null 2>&1 &
	scan+=($!)
done
for p in "${scan[@]}"; do wait "$p" || true; done
obs_wait "ALERT .* T1046 portscan attacker -> db" -t alert
bh_wait_line "$WORK/daemon.log" "alert: .* ALERT .* T1046 portscan attacker -> db"
scanned() {
	obs -o json -t flow | jq -s '[.[] | .flow | select(.initiator.workload == "attacker" and
		.verdict == "VERDICT_DENY" and .rule == "deny-attacker") | .responder.port] | unique | length'
}
for i in $(seq 75); do
	n=$(scanned)
	[ "$n" -ge 30 ] && break
	sleep 0.2
done
[ "$n" = 30 ] || bh_fail "scan: denied attacker records for $n ports, want 30"
bh_log "ok: scan: $n denied records, alert: $(obs -t alert | grep portscan | head -1)"

# --- metrics
m=$(bh_innode curl -sf 127.0.0.1:9477/metrics) || bh_fail "no metrics on 127.0.0.1:9477"
metric() { awk -v k="$1" '$1 == k {print $2}' <<<"$m"; }
[ "$(metric 'bulkhead_packets_total{verdict="allow"}')" -ge $((tcp_ip + tcp_rp + 16)) ] ||
	bh_fail "metrics: allowed packets $(metric 'bulkhead_packets_total{verdict="allow"}')"
[ "$(metric 'bulkhead_packets_total{verdict="deny"}')" -ge 33 ] ||
	bh_fail "metrics: denied packets $(metric 'bulkhead_packets_total{verdict="deny"}')"
[ -n "$(metric bulkhead_active_flows)" ] || bh_fail "metrics: no bulkhead_active_flows"
# alerts by detector (and severity): the portscan ones summed
alerts=$(awk '$1 ~ /^bulkhead_alerts_total\{detector="portscan"/ {n += $2} END {print n + 0}' <<<"$m")
[ "$alerts" -ge 1 ] || bh_fail "metrics: portscan alerts: $(grep alerts_total <<<"$m")"
[ "$(metric bulkhead_flow_records_total{end_reason=\"fin\"})" -ge 1 ] || bh_fail "metrics: no fin records"
[ "$(metric 'bulkhead_export_sent_total{sink="'"$FLOWS"'"}')" -ge 1 ] ||
	bh_fail "metrics: export sent: $(grep export_sent <<<"$m")"
bh_log "ok: metrics: $(grep -E '^bulkhead_(packets_total|active_flows)' <<<"$m" | tr '\n' ' ')portscan alerts $alerts"

# --- status shows the collector, export and detection
st=$(bh_status)
jq -e '.collector.records > 0 and .collector.polls > 0 and
       .export.sinks[0].sent > 0 and .export.sinks[0].connected and
       .detection.alerts.portscan >= 1 and .geoip.city_db.type == "GeoLite2-City" and
       .metrics.port == 9477' <<<"$st" >/dev/null ||
	bh_fail "status: $(jq -c '{collector, export, detection, geoip, metrics}' <<<"$st")"
bh_ctl status | grep -q "^collector: " || bh_fail "text status lacks the collector"
bh_log "ok: status: $(jq -c '{records: .collector.records, sent: .export.sinks[0].sent, alerts: .detection.alerts}' <<<"$st")"
[ "$(obs -t stats | grep -c .)" -ge 1 ] || bh_fail "no NodeStats in the stream"
# NodeStats carry detection's counters (every second: wait for one after
# the scan's alert)
stats_portscan() {
	obs -o json -t stats | tail -1 | jq '[.node_stats.detection.detectors[]? |
		select(.detector == "portscan") | .alerts // "0" | tonumber] | add // 0'
}
for i in $(seq 50); do
	[ "$(stats_portscan)" -ge 1 ] && break
	sleep 0.1
done
[ "$(stats_portscan)" -ge 1 ] ||
	bh_fail "NodeStats without the portscan alert: $(obs -o json -t stats | tail -1 | jq -c .node_stats.detection)"
bh_log "ok: NodeStats: $(obs -t stats | tail -1)"

# --- SIGHUP, a new policy: later records carry the new generation
"$(dirname "$0")/cluster_policy.sh" "$WORK/policy.yaml" enforce '  - name: web-to-db
    from: {matchLabels: {app: web}}
    to: {matchLabels: {app: db}}
    ports: [tcp/5432]'
kill -HUP "$DAEMON_PID"
for i in $(seq 50); do
	[ "$(bh_status | jq .policy.generation)" = $((gen0 + 1)) ] && break
	sleep 0.1
done
[ "$(bh_status | jq .policy.generation)" = $((gen0 + 1)) ] || bh_fail "SIGHUP did not switch"
bh_expect "new policy: web -> db tcp/5432 allowed" bh_tcp_ok web $SUBNET.13 5432
[ "$(bh_in web "$TRAFFIC" udp-probe --to $SUBNET.12 --port 9000 --count 2 --wait-ms 1000)" = 2 ] ||
	bh_fail "web -> api udp/9000 after the reload"
obs_wait "web:[0-9]* -> db:5432 tcp allow rule=web-to-db" -t flow
obs_wait "api:9000 udp allow rule=web-to-api bytes=92/92" -t flow
g=$(flow '.protocol == 6 and .responder.port == 5432 and .verdict == "VERDICT_ALLOW"' | jq .policy_generation)
[ "$g" = $((gen0 + 1)) ] || bh_fail "a record after the reload has generation $g, want $((gen0 + 1))"
g=$(flow '.protocol == 17 and .initiator_packets == "2"' | jq .policy_generation)
[ "$g" = $((gen0 + 1)) ] || bh_fail "udp record after the reload: generation $g"
bh_log "ok: records after SIGHUP carry generation $((gen0 + 1)), those before $gen0"

# --- SIGHUP with a GeoIP file gone bad: logged, the old databases stay
printf 'garbage' >"$WORK/city.mmdb.new"
mv "$WORK/city.mmdb.new" "$WORK/city.mmdb"
kill -HUP "$DAEMON_PID"
for i in $(seq 50); do
	[ "$(bh_status | jq .geoip.reload_failures)" = 1 ] && break
	sleep 0.1
done
st=$(bh_status)
[ "$(jq .geoip.reload_failures <<<"$st")" = 1 ] || bh_fail "bad GeoIP file: $(jq -c .geoip <<<"$st")"
[ "$(jq -r .geoip.city_db.type <<<"$st")" = GeoLite2-City ] || bh_fail "the city database in force was dropped"
grep -q "geoip.city_db $WORK/city.mmdb: corrupt" "$WORK/daemon.log" || bh_fail "the bad file is not named in the log"
bh_expect_fail "web -> 198.51.100.7 icmp denied" bh_in web ping -c 1 -W 1 198.51.100.7
obs_wait "web -> 198.51.100.7.* pkts=1/0" -t flow
expect_flow "still enriched after the refused reload" \
	'.protocol == 1 and .responder.identity == 2 and .initiator_packets == "1"' \
	'.responder.country_code == "FR"'
cp "$GEODB/city.mmdb" "$WORK/city.mmdb"

# --- a connection that lives across a stop (on_exit: keep) and a restart:
# the stop reports it so far (end reason forced), the next instance only
# its packets after that: the records add up to what tcpdump saw
capture_web "$WORK/long.pcap"
bh_in web "$TRAFFIC" tcp-ping --to $SUBNET.12 --port 8080 --interval-ms 20 \
	--until-file "$WORK/stop-long" >"$WORK/long.out" &
long=$!
BG_PIDS+=("$long")
bh_wait_line "$WORK/long.out" connected
sleep 0.5

# --- stop: records of what is still open, the baseline written; a new
# start reads it
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
[ -s "$WORK/baseline.txt" ] || bh_fail "no baseline written at stop"
head -1 "$WORK/baseline.txt" | grep -q "^bulkhead-baseline 1" || bh_fail "baseline: $(head -2 "$WORK/baseline.txt")"
# what geo novelty learned goes with it: FR, the denied ping's country
grep -q "^geo country [0-9]* FR [0-9]*$" "$WORK/baseline.txt" ||
	bh_fail "baseline without the geo records: $(grep ^geo "$WORK/baseline.txt")"
"$BULKHEAD" observe "$FLOWS" >/dev/null 2>"$WORK/observe.err" ||
	bh_fail "the stream is not whole after the stop: $(cat "$WORK/observe.err")"
grep -q "lost" "$WORK/observe.err" && bh_fail "envelopes lost: $(cat "$WORK/observe.err")"
grep -q "collector: flow state of [1-9][0-9]* flows saved to $WORK/run/flows.state" "$WORK/daemon.log" ||
	bh_fail "no flow state saved at stop"
sleep 0.3 # the connection goes on, counted by the data plane alone
bh_daemon_start "$WORK/policy.yaml" "$CONF"
grep -q "baseline loaded from $WORK/baseline.txt" "$WORK/daemon.log" || bh_fail "restart did not load the baseline"
bh_log "ok: baseline written at stop ($(grep -c ^edge "$WORK/baseline.txt") edges) and loaded at start"
grep -q "collector: [1-9][0-9]* flows reported by the last instance taken from" "$WORK/daemon.log" ||
	bh_fail "the restart did not take the flow state"
[ ! -e "$WORK/run/flows.state" ] || bh_fail "the flow state is still there after it was used"
sleep 0.5
touch "$WORK/stop-long"
wait "$long" || bh_fail "the connection across the restart broke: $(tail -2 "$WORK/long.out")"
lport=$(flow '.responder.port == 8080 and .end_reason == "END_REASON_FORCED"' | jq -r .initiator.port)
[ -n "$lport" ] && [ "$lport" != null ] || bh_fail "no forced record of the connection at the stop"
# tcpdump stops once the last record is out (see the first TCP check)
obs_wait "web:$lport -> api:8080 tcp allow .* end=fin" -t flow
kill -INT "$td"
wait "$td" 2>/dev/null || true
read -r l_ip l_ib l_rp l_rb < <(pcap_count "$WORK/long.pcap")
sums=$(obs -o json -t flow | jq -s -c "[.[] | .flow | select(.initiator.port == $lport and .responder.port == 8080)] |
	[length, (map(.end_reason) | join(\",\")), (map(.initiator_packets // \"0\" | tonumber) | add),
	 (map(.initiator_bytes // \"0\" | tonumber) | add), (map(.responder_packets // \"0\" | tonumber) | add),
	 (map(.responder_bytes // \"0\" | tonumber) | add)]")
[ "$sums" = "[2,\"END_REASON_FORCED,END_REASON_FIN\",$l_ip,$l_ib,$l_rp,$l_rb]" ] ||
	bh_fail "records of the connection across the restart: $sums, tcpdump: $l_ip $l_ib $l_rp $l_rb"
bh_log "ok: connection across a restart: 2 records adding up to tcpdump's $l_ip/$l_rp packets, $l_ib/$l_rb bytes"

# --- a crash (kill -9, no state file): what the dead instance reported
# stays reported. A short connection ends and its record goes out; its
# closed entry stays in bh_flows (deleted only after 30 s). The next
# instance adopts what the dead one kept in the pinned bh_reported map and
# makes no second record of it (before bh_reported it reported the
# connection again from its start).
fins() { obs -o json -t flow | jq -c 'select(.flow.responder.port == 8080 and .flow.end_reason == "END_REASON_FIN")' | wc -l; }
nfin=$(fins)
bh_in web "$TRAFFIC" tcp-ping --to $SUBNET.12 --port 8080 --interval-ms 20 \
	--seconds 0.2 >/dev/null || bh_fail "web -> api tcp/8080 before the crash"
for i in $(seq 75); do
	[ "$(fins)" -gt "$nfin" ] && break
	sleep 0.2
done
[ "$(fins)" -gt "$nfin" ] || bh_fail "no record of the connection before the crash"
cport=$(flow '.responder.port == 8080 and .end_reason == "END_REASON_FIN"' | jq -r .initiator.port)
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
[ ! -e "$WORK/run/flows.state" ] || bh_fail "a state file after kill -9"
bh_daemon_start "$WORK/policy.yaml" "$CONF"
grep -q "collector: [1-9][0-9]* flows reported by the last instance, which did not stop cleanly, taken from bh_reported" "$WORK/daemon.log" ||
	bh_fail "the restart after the crash did not take bh_reported: $(grep collector: "$WORK/daemon.log" | tail -3)"
sleep 1.5 # polls every 200 ms: a second record would be out by now
n=$(obs -o json -t flow | jq -c "select(.flow.initiator.port == $cport and .flow.responder.port == 8080)" | wc -l)
[ "$n" = 1 ] || bh_fail "the connection of port $cport has $n records after the crash"
bh_log "ok: after kill -9 the next instance took what was reported from bh_reported: 1 record of the finished connection"
echo "telemetry: 1 passed, 0 failed"
