#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tools/gen-mmdb.pl builds what its JSON descriptions say: checked with
# Debian's mmdblookup (a reader independent of ours) on IPv4, IPv6, nested
# networks, missing fields, an IPv4-only database and the metadata; and bad
# descriptions fail with a message naming the file.
set -u
SRC=${BH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
GEN="perl $SRC/tools/gen-mmdb.pl"
DATA=$SRC/tests/geo/data
command -v mmdblookup >/dev/null || { echo "SKIP: mmdblookup (mmdb-bin) missing"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect DB IP "PATH..." VALUE: mmdblookup prints VALUE (first token).
expect() {
	db=$1 ip=$2 path=$3 want=$4
	# shellcheck disable=SC2086
	got=$(mmdblookup -f "$TMP/$db.mmdb" -i "$ip" $path 2>&1 |
		sed -n 's/^ *"\{0,1\}\([^"<]*\)"\{0,1\} <.*/\1/p' | head -1 | sed 's/ *$//')
	if [ "$got" = "$want" ]; then ok; else ko "$db $ip $path: got '$got', want '$want'"; fi
}

# expect_none DB IP: no entry for the address.
expect_none() {
	if mmdblookup -f "$TMP/$1.mmdb" -i "$2" 2>&1 | grep -q "Could not find an entry"; then
		ok
	else
		ko "$1 $2: expected no entry"
	fi
}

for d in city asn country-v4 dbip-asn other-type scenario-city scenario-asn; do
	if $GEN "$DATA/$d.json" "$TMP/$d.mmdb"; then ok; else ko "gen $d"; fi
done

expect city 198.51.100.7 "country iso_code" FR         # /24 inside the /16
expect city 198.51.100.7 "city names en" Paris
expect city 198.51.7.1 "country iso_code" DE           # the /16 around it
expect city 198.51.255.255 "city names en" Berlin
expect city 203.0.113.1 "city names en" Tokyo
expect city 192.0.2.1 "country iso_code" US            # no city
if mmdblookup -f "$TMP/city.mmdb" -i 192.0.2.1 city 2>&1 | grep -q '"city"\|<map>'; then
	ko "192.0.2.1 has a city"
else
	ok
fi
expect city 100.64.9.9 "city names en" "Zürich"         # UTF-8 kept
expect city 100.67.0.1 "registered_country iso_code" DK
expect city ::ffff:198.51.100.7 "country iso_code" FR  # IPv4-mapped alias
expect city 2001:db8::1 "country iso_code" NL
expect city 2001:db8:100::1 "city names en" Stockholm  # /48 inside the /32
expect_none city 8.8.8.8
expect_none city 2001:db9::1
expect asn 198.51.100.7 autonomous_system_number 64501
expect asn 198.51.1.1 autonomous_system_organization "Example Transit GmbH"
expect asn 203.0.113.5 autonomous_system_number 64502
if mmdblookup -f "$TMP/asn.mmdb" -i 203.0.113.5 2>&1 | grep -q organization; then
	ko "203.0.113.5 has an organisation"
else
	ok
fi
expect asn 2001:db8:ffff::1 autonomous_system_number 4200000000
expect country-v4 203.0.113.200 "country iso_code" KR
expect_none country-v4 203.0.113.1

# The scenario databases (the replay test, tests/geo/test_replay_geo.py).
expect scenario-city 203.0.113.240 "country iso_code" SC    # attackers' /26
if mmdblookup -f "$TMP/scenario-city.mmdb" -i 203.0.113.240 city 2>&1 | grep -q '<map>'; then
	ko "203.0.113.240 has a city"
else
	ok
fi
expect scenario-city 203.0.113.10 "city names en" Paris     # customers' /24
expect scenario-city 2001:db8:beef:1::5 "city names en" Brussels
expect scenario-city 2001:db8:beef:33e::e95f "country iso_code" FR
expect scenario-city 192.0.2.53 "city names en" "Frankfurt am Main"
expect scenario-city 198.51.100.21 "country iso_code" NL
expect_none scenario-city 10.0.1.10
expect scenario-asn 203.0.113.240 autonomous_system_organization "Example Offshore Hosting Ltd"
expect scenario-asn 203.0.113.10 autonomous_system_number 64500
expect scenario-asn 2001:db8:1::53 autonomous_system_number 64496
if mmdblookup -f "$TMP/scenario-asn.mmdb" -i 192.0.2.53 2>&1 | grep -q organization; then
	ko "192.0.2.53 has an organisation"
else
	ok
fi

# Metadata: type, IP version, record size.
meta() { mmdblookup -v -f "$TMP/$1.mmdb" -i 198.51.100.1 2>&1; }
meta city | grep -q "Type: *GeoLite2-City" && ok || ko "city type"
meta city | grep -q "IP version: *IPv6" && ok || ko "city ip version"
meta asn | grep -q "Record size: *24 bits" && ok || ko "asn record size"
meta country-v4 | grep -q "IP version: *IPv4" && ok || ko "country-v4 ip version"
meta dbip-asn | grep -q "Type: *DBIP-ASN-Lite (compat=GeoLite2-ASN)" && ok || ko "dbip type"

# Reproducible: the same description gives the same bytes.
SOURCE_DATE_EPOCH=1700000000 $GEN "$DATA/city.json" "$TMP/r1.mmdb" &&
	SOURCE_DATE_EPOCH=1700000000 $GEN "$DATA/city.json" "$TMP/r2.mmdb" &&
	cmp -s "$TMP/r1.mmdb" "$TMP/r2.mmdb" && ok || ko "city not reproducible"
mmdblookup -v -f "$TMP/r1.mmdb" -i 192.0.2.1 | grep -q "Build epoch: *1700000000" && ok || ko "build epoch"

# Bad descriptions: an error naming the file, no output file.
bad() {
	name=$1 text=$2 want=$3
	printf '%s\n' "$text" >"$TMP/$name.json"
	if $GEN "$TMP/$name.json" "$TMP/$name.mmdb" 2>"$TMP/$name.err"; then
		ko "$name: accepted"
	elif ! grep -q "$TMP/$name.json" "$TMP/$name.err" || ! grep -q "$want" "$TMP/$name.err"; then
		ko "$name: message: $(cat "$TMP/$name.err")"
	elif [ -e "$TMP/$name.mmdb" ]; then
		ko "$name: wrote an output file"
	else
		ok
	fi
}
bad badjson '{ "database_type": ' "invalid JSON"
bad notype '{ "networks": [] }' "database_type"
bad conflict '{ "database_type": "X-City", "networks": [
  { "network": "192.0.2.0/24", "data": { "a": "text" } },
  { "network": "198.51.100.0/24", "data": { "a": 5 } } ] }' "one type"
bad v6inv4 '{ "database_type": "X-City", "ip_version": 4, "networks": [
  { "network": "2001:db8::/32", "data": { "a": 1 } } ] }' "IPv6 in an IPv4"
bad badnet '{ "database_type": "X-City", "networks": [
  { "network": "300.1.2.0/24", "data": { "a": 1 } } ] }' "networks\[0\]"

# Synthetic databases: deterministic for a seed, listed networks present.
export SOURCE_DATE_EPOCH=1700000000
$GEN --synthetic asn --networks 300 --seed 7 --list "$TMP/s1.txt" "$TMP/s1.mmdb" && ok || ko "synthetic"
$GEN --synthetic asn --networks 300 --seed 7 "$TMP/s2.mmdb" && ok || ko "synthetic 2"
cmp -s "$TMP/s1.mmdb" "$TMP/s2.mmdb" && ok || ko "synthetic not deterministic"
[ "$(wc -l <"$TMP/s1.txt")" -eq 300 ] && ok || ko "synthetic list length"
net=$(tail -1 "$TMP/s1.txt")
mmdblookup -f "$TMP/s1.mmdb" -i "${net%/*}" | grep -q autonomous_system_number && ok || ko "synthetic $net missing"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
