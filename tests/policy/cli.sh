#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# bulkhead policy check|show|test from the command line: exit codes,
# FILE:LINE:COLUMN messages, JSON that parses, verdicts on the example.
set -eu
bin="$BH_BUILD_DIR/src/cli/bulkhead"
ex="$BH_SOURCE_DIR/config/policy-example.yaml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# check: a valid file exits 0 and says so.
"$bin" policy check "$ex" >"$tmp/out" || fail "check of the example failed: $(cat "$tmp/out")"
grep -q ": ok: 11 workloads" "$tmp/out" || fail "check summary: $(cat "$tmp/out")"

# check: every error with its position, exit 1.
cat >"$tmp/bad.yaml" <<'YAML'
version: 1
workloads:
  - name: a
    addresses: [10.0.0.300]
rules:
  - name: r
    from: world
    to: world
    ports: [tcp/99999]
YAML
set +e
"$bin" policy check "$tmp/bad.yaml" >"$tmp/out"; rc=$?
set -e
[ $rc -eq 1 ] || fail "check of a bad file exited $rc"
grep -qx "$tmp/bad.yaml:4:17: error: bad address '10.0.0.300': not an IPv4 or IPv6 address" "$tmp/out" ||
	fail "address error: $(cat "$tmp/out")"
grep -qx "$tmp/bad.yaml:9:13: error: bad port 'tcp/99999': the port must be a number of 0-65535" "$tmp/out" ||
	fail "port error: $(cat "$tmp/out")"
grep -q "2 errors" "$tmp/out" || fail "error count: $(cat "$tmp/out")"

# check -W: warnings fail the check.
cat >"$tmp/warn.yaml" <<'YAML'
version: 1
workloads:
  - {name: a, labels: {app: a}, addresses: [10.0.0.1]}
rules:
  - {name: r, from: {matchLabels: {app: nope}}, to: world}
YAML
"$bin" policy check "$tmp/warn.yaml" >"$tmp/out" || fail "warnings alone must not fail"
grep -q "5:21: warning: selector matches no workload" "$tmp/out" || fail "warning: $(cat "$tmp/out")"
set +e
"$bin" policy check -W "$tmp/warn.yaml" >/dev/null; rc=$?
"$bin" policy check >/dev/null 2>&1; rc2=$?
"$bin" policy check /nonexistent.yaml >"$tmp/out" 2>&1; rc3=$?
"$bin" policy frobnicate >/dev/null 2>&1; rc4=$?
set -e
[ $rc -eq 1 ] || fail "check -W exited $rc"
[ $rc2 -eq 2 ] || fail "check without FILE exited $rc2"
[ $rc3 -eq 1 ] || fail "check of a missing file exited $rc3"
grep -q "/nonexistent.yaml: error: cannot open: No such file or directory" "$tmp/out" || fail "missing file: $(cat "$tmp/out")"
[ $rc4 -eq 2 ] || fail "unknown subcommand exited $rc4"
"$bin" policy --help | grep -q "bulkhead policy check" || fail "help"
"$bin" policy show --help | grep -q "policy show" || fail "show help"

# show: the tables, and JSON that parses with the same content.
"$bin" policy show "$ex" >"$tmp/show"
for s in Identities Workloads Rules Access Maps "bh_port_lpm"; do
	grep -q "$s" "$tmp/show" || fail "show lacks $s"
done
grep -E "^  api-1 +tcp +tcp +tcp/6379 +tcp/5432 +tcp/8443 " "$tmp/show" >/dev/null ||
	fail "show matrix row api-1: $(grep '^  api-1' "$tmp/show")"
"$bin" policy show -o json "$ex" >"$tmp/show.json"
/usr/bin/python3 - "$tmp/show.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ids = {i["name"]: i for i in d["identities"]}
assert ids["world"]["id"] == 2 and ids["host"]["id"] == 1, ids
assert ids["payments"]["mode"] == "audit", ids["payments"]
w = {x["name"]: x for x in d["workloads"]}
assert w["web-1"]["identity"] == w["web-2"]["identity"]
acc = {(a["from"], a["to"]): a for a in d["access"]}
assert acc[("api-1", "db-primary")]["summary"] == "tcp/5432", acc[("api-1", "db-primary")]
dec = [x for x in acc[("api-1", "db-primary")]["decisions"] if x["action"] == "allow"]
assert dec == [{"proto": "tcp", "ports": [5432, 5432], "action": "allow", "rule": "api-to-db"}], dec
assert acc[("api-staging", "db-primary")]["summary"] == "-"
assert sum(m["entries"] for m in d["maps"]) == d["total_entries"]
PY
"$bin" policy show --from api-1 --to db-primary "$ex" | grep -E "^  api-1 +tcp/5432" >/dev/null ||
	fail "show --from/--to"
set +e
"$bin" policy show -o yaml "$ex" >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 2 ] || fail "show -o yaml exited $rc"
# test: verdicts on the example, and --expect for scripts.
t() { "$bin" policy test "$ex" "$@"; }
t --from api-1 --to db-primary --port tcp/5432 >"$tmp/out"
grep -qx "verdict  allow" "$tmp/out" || fail "test api-1 -> db: $(cat "$tmp/out")"
grep -q "^rule     api-to-db (id 5, .*policy-example.yaml:101)" "$tmp/out" || fail "test rule: $(cat "$tmp/out")"
t --from api-staging --to db-primary --port tcp/5432 >"$tmp/out"
grep -qx "verdict  deny (policy_denied)" "$tmp/out" || fail "staging -> db: $(cat "$tmp/out")"
grep -q "^rule     no-staging-to-prod-data" "$tmp/out" || fail "staging rule: $(cat "$tmp/out")"
t --from 8.8.8.8 --to payments --port tcp/8443 >"$tmp/out"
grep -q "^verdict  would-deny (default_deny)" "$tmp/out" || fail "audit: $(cat "$tmp/out")"
t --from corporate --to vpn-gw --port proto/50 --expect allow >/dev/null || fail "ESP to the VPN"
t --from host --to worker --port icmp/8 --expect allow >/dev/null || fail "ICMP from the host"
t --from world --to fd00:0:0:1::10 --port tcp/443 --expect allow >/dev/null || fail "IPv6 to web"
set +e
t --from world --to web-1 --port tcp/22 --expect allow >/dev/null 2>&1; rc=$?
t --from nobody --to web-1 --port tcp/22 >/dev/null 2>&1; rc2=$?
t --from web-1 --to api-1 --port tcp >/dev/null 2>&1; rc3=$?
t --from web-1 --to api-1 >/dev/null 2>&1; rc4=$?
t --from host --to worker --port icmp/+8 >/dev/null 2>"$tmp/err"; rc5=$?
t --from host --to worker --port icmp/0x8 >/dev/null 2>&1; rc6=$?
set -e
[ $rc5 -eq 2 ] && grep -q "bad ICMP type in 'icmp/+8'" "$tmp/err" || fail "icmp/+8 exited $rc5: $(cat "$tmp/err")"
[ $rc6 -eq 2 ] || fail "icmp/0x8 exited $rc6"
[ $rc -eq 1 ] || fail "--expect mismatch exited $rc"
[ $rc2 -eq 2 ] || fail "unknown peer exited $rc2"
[ $rc3 -eq 2 ] || fail "--port tcp exited $rc3"
[ $rc4 -eq 2 ] || fail "missing --port exited $rc4"

# Every pair of identities of the example on a few ports: `policy test`
# (the data plane's decision code) agrees with `policy show` (the maps
# read back).
/usr/bin/python3 - "$bin" "$ex" "$tmp/show.json" <<'PY'
import json, subprocess, sys
binary, ex, show = sys.argv[1:4]
d = json.load(open(show))
acc = {(a["from"], a["to"]): a["decisions"] for a in d["access"]}
names = [i["name"] for i in d["identities"]]
ports = [("tcp", 5432), ("tcp", 22)]
n = 0
for s in names:
    for t in names:
        for proto, port in ports:
            arg = f"{proto}/{port}" if proto != "icmp" else "icmp"
            r = subprocess.run([binary, "policy", "test", ex, "--from", s, "--to", t,
                                "--port", arg, "-o", "json"], capture_output=True, text=True)
            assert r.returncode == 0, (s, t, arg, r.stderr)
            got = json.loads(r.stdout)
            dec = next(x for x in acc[(s, t)]
                       if x["proto"] in (proto, "any") and x["ports"][0] <= port <= x["ports"][1])
            want_allow = dec["action"] == "allow"
            assert (got["verdict"] == "allow") == want_allow, (s, t, arg, got, dec)
            assert got["rule"] == dec["rule"], (s, t, arg, got, dec)
            n += 1
print(f"policy test agrees with policy show on {n} flows")
PY
echo "policy cli: ok"
