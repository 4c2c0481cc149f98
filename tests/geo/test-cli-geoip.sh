#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# bulkhead geoip info/lookup on the test databases: answers, JSON, exit
# codes for corrupt, wrong-type and absent databases and bad addresses.
set -u
B=${BH_BUILD_DIR:?}/src/cli/bulkhead
D=$BH_BUILD_DIR/tests/geo/data
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

# check NAME WANT_RC GREP_STDOUT CMD...
check() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		ko "$name: exit $rc, want $want: $(cat "$TMP/err")"
	elif [ -n "$pat" ] && ! grep -q -- "$pat" "$TMP/out" "$TMP/err"; then
		ko "$name: no '$pat' in: $(cat "$TMP/out" "$TMP/err")"
	else
		ok
	fi
}

check "lookup v4 nested" 0 "198.51.100.7 *FR (France) Paris AS64501 Example Hosting SAS" \
	"$B" geoip lookup -c "$D/city.mmdb" -a "$D/asn.mmdb" 198.51.100.7
check "lookup v6" 0 "SE (Sweden) Stockholm AS4200000000" \
	"$B" geoip lookup --city-db "$D/city.mmdb" --asn-db "$D/asn.mmdb" 2001:db8:100::7
check "lookup miss" 0 "8.8.8.8 *not found" \
	"$B" geoip lookup -c "$D/city.mmdb" 8.8.8.8
check "lookup json" 0 '{"address":"203.0.113.1","found":true,"country":"JP","country_name":"Japan","city":"Tokyo","asn":64502}' \
	"$B" geoip lookup -o json -c "$D/city.mmdb" -a "$D/asn.mmdb" 203.0.113.1
check "lookup json miss" 0 '{"address":"::1","found":false}' \
	"$B" geoip lookup -o json -c "$D/city.mmdb" ::1
check "info" 0 "type        GeoLite2-ASN" \
	"$B" geoip info -c "$D/country-v4.mmdb" -a "$D/asn.mmdb"
check "info json" 0 '"type":"DBIP-Country-Lite"' \
	"$B" geoip info -o json -c "$D/country-v4.mmdb"
check "absent" 0 "/nonexistent.mmdb does not exist: country/city enrichment off" \
	"$B" geoip info -c /nonexistent.mmdb
check "wrong type" 1 "asn.mmdb is a 'GeoLite2-ASN' database, not a country/city database" \
	"$B" geoip info -c "$D/asn.mmdb"
printf 'garbage' >"$TMP/bad.mmdb"
check "corrupt" 1 "$TMP/bad.mmdb is not a valid MaxMind DB file" \
	"$B" geoip lookup -a "$TMP/bad.mmdb" 192.0.2.1
check "bad address" 2 "'192.0.2' is not an IPv4 or IPv6 address" \
	"$B" geoip lookup -c "$D/city.mmdb" 192.0.2.1 192.0.2
[ ! -s "$TMP/out" ] && ok || ko "bad address: printed half an answer"
check "no address" 2 "no address given" "$B" geoip lookup -c "$D/city.mmdb"
check "bad format" 2 "text or json" "$B" geoip info -o xml
check "bad subcommand" 2 "unknown subcommand" "$B" geoip frobnicate
check "help" 0 "Usage: bulkhead geoip" "$B" geoip --help

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
