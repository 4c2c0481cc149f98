#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `bulkhead observe` golden tests: a deterministic stream (gen_stream, the
# real collector and exporter) printed with each option set; stdout, stderr
# and the exit status must match tests/observe/golden/CASE.txt.
# BH_UPDATE_GOLDEN=1 rewrites the golden files.
set -eu
: "${BH_BUILD_DIR:?}" "${BH_SOURCE_DIR:?}"
bh=$BH_BUILD_DIR/src/cli/bulkhead
golden=$BH_SOURCE_DIR/tests/observe/golden
splice="/usr/bin/python3 $BH_SOURCE_DIR/tests/observe/splice.py"
work=$BH_BUILD_DIR/tests/observe/golden-work
rm -rf "$work" && mkdir -p "$work"
cd "$work"
"$BH_BUILD_DIR/tests/observe/gen_stream" stream.pb
$splice stream.pb truncated.pb truncate
$splice stream.pb corrupt.pb corrupt
$splice stream.pb badsize.pb badsize
$splice stream.pb gap.pb gap

fail=0
# check NAME ARGS...: run observe, compare with the golden file.
check() {
	name=$1
	shift
	set +e
	"$bh" observe "$@" >out.txt 2>err.txt
	rc=$?
	set -e
	{ cat out.txt; echo "--- stderr"; cat err.txt; echo "--- exit $rc"; } >"$name.txt"
	if [ "${BH_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$name.txt" "$golden/$name.txt"
	elif ! diff -u "$golden/$name.txt" "$name.txt"; then
		echo "golden: $name differs (observe $*)" >&2
		fail=1
	fi
}

check text stream.pb
check all-types -t flow,alert,stats stream.pb
check json -o json -t flow,alert,stats stream.pb
check workload --workload ops-0 stream.pb
check external --workload partners stream.pb
check label --label app=db --label team=shop --port 22 stream.pb
check label-one-side --label app=ops --label app=db stream.pb
check verdict --verdict deny --verdict would-deny stream.pb
check port --port 53 stream.pb
check window --since 2023-11-14T22:13:30Z --until 2023-11-14T23:15:00+01:00 stream.pb
check count -n 2 -t flow stream.pb
check stats-json -o json -t stats stream.pb
check truncated truncated.pb
check corrupt corrupt.pb
check badsize badsize.pb
check gap -t alert gap.pb
check bad-verdict --verdict maybe stream.pb
check missing-file no-such-file.pb
check two-sources --listen tcp://127.0.0.1:1 stream.pb

# stdin gives the same as the file.
"$bh" observe - <stream.pb >stdin.txt
"$bh" observe stream.pb >file.txt
cmp stdin.txt file.txt || { echo "golden: stdin differs from file" >&2; fail=1; }

# Times and counts through the shared number grammar (parse_num.h): Unix
# seconds (leading zeros decimal, a fraction) give the RFC 3339 window.
"$bh" observe --since 2023-11-14T22:13:30Z --until 2023-11-14T23:15:00+01:00 \
	stream.pb >rfc.txt
"$bh" observe --since 01700000010 --until 1700000100.000000000 stream.pb >unix.txt
cmp rfc.txt unix.txt || { echo "golden: Unix seconds differ from RFC 3339" >&2; fail=1; }
# a duration ago, compound too: the 2023 stream is older than that
"$bh" observe --since 1h30m stream.pb >ago.txt
[ ! -s ago.txt ] || { echo "golden: --since 1h30m printed flows" >&2; fail=1; }
"$bh" observe --since 99999999999999999999d -n 1 stream.pb >ago.txt
[ -s ago.txt ] || { echo "golden: --since before the epoch printed nothing" >&2; fail=1; }
for bad in "--since 0x10" "--since 1e9" "--since +5" "--since 1h30" \
	"--until 1.0000000001" "-n 0x10" "-n +1" "--port 070000" \
	"--since 2023-11-14T22:13:30+ab:cd" "--since 2023-11-14T22:13:30+24:00"; do
	set +e
	# shellcheck disable=SC2086
	"$bh" observe $bad stream.pb >/dev/null 2>&1
	rc=$?
	set -e
	[ $rc = 2 ] || { echo "golden: observe $bad: exit $rc, want 2" >&2; fail=1; }
done
exit $fail
