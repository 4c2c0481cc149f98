#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# GeoIP lookups/s without and with the bh_geo cache, on synthetic GeoLite2
# shaped databases (200,000 city networks, 100,000 ASN networks) built by
# tools/gen-mmdb.pl into the build dir on first use.
#   tools/bench/geo/run.sh [BUILD_DIR] [bench_geo options]
set -eu
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${1:-$SRC/build}
[ $# -gt 0 ] && shift
BIN=$BUILD/tools/bench/geo/bench_geo
OUT=$BUILD/tools/bench/geo
[ -x "$BIN" ] || { echo "run.sh: build first: cmake --build $BUILD --target bench_geo" >&2; exit 1; }
export SOURCE_DATE_EPOCH=1700000000
if [ ! -s "$OUT/city-200k.mmdb" ]; then
	perl "$SRC/tools/gen-mmdb.pl" --synthetic city --networks 200000 --seed 1 \
		--list "$OUT/city-200k.list" "$OUT/city-200k.mmdb"
fi
if [ ! -s "$OUT/asn-100k.mmdb" ]; then
	perl "$SRC/tools/gen-mmdb.pl" --synthetic asn --networks 100000 --seed 2 \
		"$OUT/asn-100k.mmdb"
fi
echo "command: tools/bench/geo/run.sh $BUILD $*"
"$BIN" --city-db "$OUT/city-200k.mmdb" --asn-db "$OUT/asn-100k.mmdb" \
	--list "$OUT/city-200k.list" "$@"
