#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Containers that come and go while the daemon runs: a namespace created
# after the daemon started is attached and enforced within a second, and
# forgotten when it goes; `bulkhead endpoint add` of a new workload takes
# effect without a policy reload: its identity and rule membership come
# from the selectors, with no policy switch when the active tables can
# express it (else one atomic switch); `endpoint del` undoes it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bh_init
bh_cluster web api db
late_rule='  - name: late-to-api
    from: {matchLabels: {app: late}}
    to: {matchLabels: {app: api}}
    ports: [tcp/8080]
  - name: web-to-dmz
    from: {matchLabels: {app: web}}
    to: {matchLabels: {zone: dmz}}
    ports: [tcp/9999]'
"$(dirname "$0")/cluster_policy.sh" "$WORK/policy.yaml" enforce "$late_rule"
# the late container is in the policy from the start (its address is
# known), its veth is not: that is the runtime's doing
sed -i "s|^rules:|  - {name: late, labels: {app: late}, addresses: [$SUBNET.41]}\nrules:|" "$WORK/policy.yaml"
bh_serve api tcp 8080
bh_serve db tcp 5432
bh_daemon_start "$WORK/policy.yaml"

attached() {
	bh_status | jq -e --arg n "v${ID}$1" '.interfaces[] | select(.name == $n and .attached)' >/dev/null
}

# --- a container created after the daemon started
t0=$(date +%s%N)
bh_container late $SUBNET.41
deadline=$((t0 + 1000000000))
until attached late; do
	[ "$(date +%s%N)" -lt "$deadline" ] || bh_fail "v${ID}late not attached within a second"
	sleep 0.02
done
t1=$(date +%s%N)
bh_log "ok: new container's veth attached $(((t1 - t0) / 1000000)) ms after it was created"
# enforced: the policy's rules apply to its traffic, a deny is counted
denied0=$(bh_status | jq '.reasons.default_deny')
bh_expect_fail "late -> db tcp/5432 denied" bh_nc_ok late $SUBNET.13 5432
bh_expect "late -> api tcp/8080 allowed (late-to-api)" bh_tcp_ok late $SUBNET.12 8080
denied1=$(bh_status | jq '.reasons.default_deny')
[ "$denied1" -gt "$denied0" ] || bh_fail "late's denied traffic was not judged by XDP"
bh_innode ip link show "v${ID}late" | grep -q prog/xdp || bh_fail "no XDP program on v${ID}late"

# --- and forgotten when it goes
ip netns del "bh${ID}late"
for i in $(seq 50); do
	bh_status | jq -e --arg n "v${ID}late" '.interfaces[] | select(.name == $n)' >/dev/null || break
	sleep 0.02
done
! bh_status | jq -e --arg n "v${ID}late" '.interfaces[] | select(.name == $n)' >/dev/null ||
	bh_fail "v${ID}late still listed after its namespace was deleted"
bh_log "ok: deleted container's veth forgotten"

# --- endpoint add: a new workload with a known label set
bh_container new1 $SUBNET.51
bh_expect_fail "new1 (unregistered: world) -> api denied" bh_nc_ok new1 $SUBNET.12 8080
gen0=$(bh_status | jq .policy.generation)
bh_expect "endpoint add new1 as app=web,tier=frontend" \
	bh_ctl endpoint add $SUBNET.51 --labels tier=frontend,app=web --name new1
bh_expect "new1 -> api allowed at once (web-to-api)" bh_tcp_ok new1 $SUBNET.12 8080
bh_expect_fail "new1 -> db still denied" bh_nc_ok new1 $SUBNET.13 5432
gen1=$(bh_status | jq .policy.generation)
[ "$gen1" = "$gen0" ] || bh_fail "a known label set switched the policy ($gen0 -> $gen1)"

# --- a new label set: rule membership from the selectors (tier=backend)
bh_container new2 $SUBNET.52
bh_expect_fail "new2 (unregistered) -> db denied" bh_nc_ok new2 $SUBNET.13 5432
bh_expect "endpoint add new2 with a new label set" \
	bh_ctl endpoint add $SUBNET.52 --labels app=reports,tier=backend --name new2
bh_expect "new2 -> db allowed at once (api-to-db selects tier=backend)" bh_tcp_ok new2 $SUBNET.13 5432
bh_expect_fail "new2 -> api denied (web-to-api wants app=web)" bh_nc_ok new2 $SUBNET.12 8080
gen2=$(bh_status | jq .policy.generation)
[ "$gen2" = "$gen0" ] || bh_fail "a new label set whose rule tables exist switched the policy ($gen0 -> $gen2)"
# a second endpoint of that runtime label set: same identity
bh_container new4 $SUBNET.54
bh_expect "endpoint add new4 with new2's labels" \
	bh_ctl endpoint add $SUBNET.54 --labels tier=backend,app=reports --name new4
bh_expect "new4 -> db allowed" bh_tcp_ok new4 $SUBNET.13 5432

# --- a label set the active tables cannot express (a destination class
# of its own: web-to-api and web-to-dmz both select it): switched in
# atomically, as a reload
bh_container new3 $SUBNET.53
bh_serve new3 tcp 8080
bh_expect "endpoint add new3 (app=api, zone=dmz)" \
	bh_ctl endpoint add $SUBNET.53 --labels app=api,zone=dmz --name new3
bh_expect "web -> new3 tcp/8080 allowed (web-to-api)" bh_tcp_ok web $SUBNET.53 8080
bh_expect_fail "db -> new3 tcp/8080 denied" bh_nc_ok db $SUBNET.53 8080
gen3=$(bh_status | jq .policy.generation)
[ "$gen3" -gt "$gen2" ] || bh_fail "new destination class: policy not switched ($gen2 -> $gen3)"
bh_expect "earlier runtime endpoints kept across that switch" bh_tcp_ok new2 $SUBNET.13 5432

list=$(bh_ctl endpoint list -o json)
[ "$(jq length <<<"$list")" = 4 ] || bh_fail "endpoint list: $list"
[ "$(jq -r '.[] | select(.name == "new2") | .labels' <<<"$list")" = "app=reports,tier=backend" ] ||
	bh_fail "endpoint list: $list"
[ "$(jq '[.[] | select(.identity == 0)] | length' <<<"$list")" = 0 ] || bh_fail "endpoint without identity: $list"
[ "$(jq '[.[] | select(.name == "new2" or .name == "new4") | .identity] | unique | length' <<<"$list")" = 1 ] ||
	bh_fail "new2 and new4 do not share an identity: $list"
bh_ctl endpoint list | grep -q "^$SUBNET.52 *new2" || bh_fail "text endpoint list"

# --- refused: the policy file's address, bad labels, usage
bh_expect_fail "endpoint add of a policy file address refused" bh_ctl endpoint add $SUBNET.12 --labels app=x
bh_expect_fail "endpoint add with a bad label refused" bh_ctl endpoint add $SUBNET.55 --labels 'app=a/b'
bh_expect_fail "endpoint add twice refused" bh_ctl endpoint add $SUBNET.52 --labels app=x
set +e
bh_ctl endpoint add $SUBNET.55 >/dev/null 2>&1; rc=$?
set -e
[ "$rc" = 2 ] || bh_fail "endpoint add without --labels: exit $rc, want 2"

# --- endpoint del
bh_expect "endpoint del new1" bh_ctl endpoint del $SUBNET.51
bh_expect_fail "new1 -> api denied again" bh_nc_ok new1 $SUBNET.12 8080
bh_expect_fail "endpoint del of a policy file address refused" bh_ctl endpoint del $SUBNET.12
bh_expect_fail "endpoint del of an unknown address refused" bh_ctl endpoint del $SUBNET.99
[ "$(bh_ctl endpoint list -o json | jq length)" = 3 ] || bh_fail "endpoint list after del"
grep -q "^$SUBNET.52 new2 app=reports,tier=backend$" "$WORK/run/endpoints" || bh_fail "state file: $(cat "$WORK/run/endpoints")"
echo "hotplug: 1 passed, 0 failed"
