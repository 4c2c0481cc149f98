#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Enforcement with real traffic: allowed TCP, UDP and ICMP succeed in both
# directions, denied ones fail and are counted with their rule; audit mode
# lets denied traffic through and reports it as would-deny.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bh_init
bh_cluster web api db attacker
"$(dirname "$0")/cluster_policy.sh" "$WORK/policy.yaml"

# servers: api tcp/8080 udp/9000, db tcp/5432 udp/5433
bh_serve api tcp 8080
bh_serve api udp 9000
bh_serve db tcp 5432
bh_serve db udp 5433
bh_serve web tcp 8080

bh_daemon_start "$WORK/policy.yaml"
st=$(bh_status)
[ "$(jq '[.interfaces[] | select(.attached)] | length' <<<"$st")" = 4 ] ||
	bh_fail "not attached to the 4 host veths: $(jq -c .interfaces <<<"$st")"
bh_log "attached: $(jq -c '[.interfaces[] | .name + ":" + .mode]' <<<"$st")"

# --- allowed: data both ways (request and echo), TCP, UDP, ICMP
bh_expect "web -> api tcp/8080 (nc)" bh_nc_ok web $SUBNET.12 8080
bh_expect "web -> api tcp/8080 echo" bh_tcp_ok web $SUBNET.12 8080
bh_expect "web -> api udp/9000 echo" bh_udp_ok web $SUBNET.12 9000
bh_expect "web -> api icmp" bh_ping_ok web $SUBNET.12
bh_expect "api -> db tcp/5432 echo" bh_tcp_ok api $SUBNET.13 5432
bh_expect "api -> db udp/5433 echo" bh_udp_ok api $SUBNET.13 5433
bh_expect "api -> db icmp" bh_ping_ok api $SUBNET.13

# --- denied
bh_expect_fail "api -> web tcp/8080 (no rule: default deny)" bh_nc_ok api $SUBNET.11 8080
bh_expect_fail "web -> db tcp/5432 (default deny)" bh_nc_ok web $SUBNET.13 5432
bh_expect "web -> db udp/5433 (default deny)" bh_udp_none web $SUBNET.13 5433
bh_expect_fail "web -> db icmp (default deny)" bh_ping_ok web $SUBNET.13
bh_expect_fail "attacker -> api tcp/8080 (deny-attacker)" bh_nc_ok attacker $SUBNET.12 8080
bh_expect "attacker -> db udp/5433 (deny-attacker)" bh_udp_none attacker $SUBNET.13 5433
bh_expect_fail "attacker -> db icmp (deny-attacker)" bh_ping_ok attacker $SUBNET.13

# --- counted with their rule
st=$(bh_status)
rule() { jq -r --arg n "$1" --arg v "$2" '.rules[] | select(.name == $n) | .flows[$v]' <<<"$st"; }
[ "$(rule deny-attacker deny)" -ge 3 ] ||
	bh_fail "deny-attacker flows: $(jq -c '.rules' <<<"$st")"
[ "$(rule '(default action)' deny)" -ge 4 ] ||
	bh_fail "default-deny flows: $(jq -c '.rules' <<<"$st")"
[ "$(rule web-to-api allow)" -ge 3 ] || bh_fail "web-to-api flows: $(jq -c '.rules' <<<"$st")"
[ "$(rule api-to-db allow)" -ge 3 ] || bh_fail "api-to-db flows: $(jq -c '.rules' <<<"$st")"
[ "$(jq '.reasons.policy_denied' <<<"$st")" -ge 3 ] || bh_fail "policy_denied: $(jq -c .reasons <<<"$st")"
[ "$(jq '.reasons.default_deny' <<<"$st")" -ge 4 ] || bh_fail "default_deny: $(jq -c .reasons <<<"$st")"
[ "$(jq '.verdicts.deny.packets' <<<"$st")" -ge 7 ] || bh_fail "deny packets: $(jq -c .verdicts <<<"$st")"
[ "$(jq '.verdicts["would-deny"].packets' <<<"$st")" = 0 ] || bh_fail "would-deny in enforce mode"
bh_log "ok: denials counted by rule: $(jq -c '[.rules[] | select(.flows.deny > 0) | {(.name): .flows.deny}] | add' <<<"$st")"
bh_ctl status | grep -q "deny-attacker" || bh_fail "text status lacks the rule"

# --- a policy that fails `policy check` is refused, the old one stays
gen=$(bh_status | jq .policy.generation)
cp "$WORK/policy.yaml" "$WORK/policy.good"
printf 'version: 1\nworkloads:\n  - {name: x, labels: {app: [1]}}\nbogus: 1\n' >"$WORK/policy.yaml"
set +e
bh_ctl reload >"$WORK/reload.out" 2>&1; rc=$?
set -e
[ "$rc" = 1 ] || bh_fail "a broken policy: reload exit $rc, want 1"
grep -q "policy refused, generation $gen stays in force" "$WORK/reload.out" || bh_fail "refusal: $(cat "$WORK/reload.out")"
grep -q "policy.yaml:3:.*: error: " "$WORK/reload.out" || bh_fail "errors not reported: $(cat "$WORK/reload.out")"
grep -q "policy.yaml:4:1: error: unknown key 'bogus'" "$WORK/reload.out" || bh_fail "not every error reported: $(cat "$WORK/reload.out")"
[ "$(bh_status | jq .policy.generation)" = "$gen" ] || bh_fail "generation changed by a refused policy"
bh_expect_fail "refused policy: attacker still denied" bh_nc_ok attacker $SUBNET.12 8080
bh_expect "refused policy: web -> api still allowed" bh_tcp_ok web $SUBNET.12 8080
bh_log "ok: broken policy refused with its errors: $(head -1 "$WORK/reload.out")"

# --- audit (through SIGHUP): the same traffic passes, reported as would-deny
"$(dirname "$0")/cluster_policy.sh" "$WORK/policy.yaml" audit
kill -HUP "$DAEMON_PID"
for i in $(seq 50); do
	[ "$(bh_status | jq -r .policy.mode)" = audit ] && break
	sleep 0.1
done
[ "$(bh_status | jq .policy.generation)" = $((gen + 1)) ] || bh_fail "SIGHUP did not switch to the audit policy"
bh_log "ok: SIGHUP reloaded into audit mode"
bh_expect "audit: attacker -> api tcp/8080 passes" bh_tcp_ok attacker $SUBNET.12 8080
bh_expect "audit: attacker -> db udp/5433 passes" bh_udp_ok attacker $SUBNET.13 5433
bh_expect "audit: web -> db icmp passes" bh_ping_ok web $SUBNET.13
bh_expect "audit: allowed traffic still passes" bh_tcp_ok web $SUBNET.12 8080
st=$(bh_status)
[ "$(jq -r .policy.mode <<<"$st")" = audit ] || bh_fail "status mode is not audit"
[ "$(jq '.verdicts["would-deny"].packets' <<<"$st")" -ge 3 ] ||
	bh_fail "would-deny packets: $(jq -c .verdicts <<<"$st")"
[ "$(rule deny-attacker would-deny)" -ge 2 ] ||
	bh_fail "deny-attacker would-deny flows: $(jq -c '.rules' <<<"$st")"
[ "$(rule '(default action)' would-deny)" -ge 1 ] ||
	bh_fail "default would-deny flows: $(jq -c '.rules' <<<"$st")"
bh_log "ok: audit reports would-deny: $(jq -c '.verdicts["would-deny"]' <<<"$st")"
echo "enforce: 1 passed, 0 failed"
