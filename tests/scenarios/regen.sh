#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Regenerate every scenario capture, truth file and format variant into the
# build tree and require byte-identical output to what pcaps/ holds; then
# write a small --large capture twice and require identical bytes and the
# asked packet count.
set -eu
src=${BH_SOURCE_DIR:?} out=${BH_BUILD_DIR:?}/scenarios-regen
py=/usr/bin/python3
rm -rf "$out"
mkdir -p "$out"
"$py" "$src/tools/gen/scenarios.py" --out "$out/pcaps" -q
if ! diff -r -x README.md "$src/pcaps" "$out/pcaps"; then
	echo "regen: pcaps/ differs from a fresh run of tools/gen/scenarios.py" >&2
	echo "regen: regenerate with tools/gen/scenarios.py and commit" >&2
	exit 1
fi
for i in 1 2; do
	"$py" "$src/tools/gen/scenarios.py" -q --large "$out/$i.large.pcap" \
		--packets 20000
done
cmp "$out/1.large.pcap" "$out/2.large.pcap"
n=$(tcpdump -nn -r "$out/1.large.pcap" 2>/dev/null | wc -l)
if [ "$n" -ne 20000 ]; then
	echo "regen: --large --packets 20000 wrote $n packets" >&2
	exit 1
fi
echo "regen: pcaps/ is reproducible, --large is deterministic"
