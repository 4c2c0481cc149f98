#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Deployment: `cmake --install` places the binary, the systemd unit (with
# paths of the install prefix) and the example config; `cpack -G DEB`
# builds a .deb with them under /usr and /etc, the config as a conffile.
set -euo pipefail
: "${BH_BUILD_DIR:?run through ctest}"
work=$(mktemp -d /tmp/bh-package-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# --- cmake --install into a prefix
cmake --install "$BH_BUILD_DIR" --prefix "$work/prefix" >"$work/install.log"
for f in sbin/bulkhead lib/systemd/system/bulkhead.service \
	etc/bulkhead/bulkhead.yaml share/doc/bulkhead/README.md \
	share/doc/bulkhead/examples/policy-example.yaml; do
	[ -e "$work/prefix/$f" ] || fail "cmake --install did not place $f"
done
[ -x "$work/prefix/sbin/bulkhead" ] || fail "binary not executable"
unit=$work/prefix/lib/systemd/system/bulkhead.service
grep -qx "ExecStart=$work/prefix/sbin/bulkhead run --config $work/prefix/etc/bulkhead/bulkhead.yaml" "$unit" ||
	fail "unit ExecStart does not name the installed binary and config: $(grep ExecStart "$unit")"
grep -qx "Type=notify" "$unit" || fail "unit is not Type=notify"
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify "$unit" || fail "systemd-analyze verify rejects the unit"
fi
# an operator's config survives a second install
echo "# edited" >>"$work/prefix/etc/bulkhead/bulkhead.yaml"
cmake --install "$BH_BUILD_DIR" --prefix "$work/prefix" >"$work/install2.log"
grep -q "^# edited" "$work/prefix/etc/bulkhead/bulkhead.yaml" ||
	fail "a second install overwrote the edited config"

# --- cpack -G DEB
(cd "$work" && cpack -G DEB --config "$BH_BUILD_DIR/CPackConfig.cmake" \
	-B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
deb=$(ls "$work"/pkg/bulkhead_*.deb)
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
for f in ./usr/sbin/bulkhead ./usr/lib/systemd/system/bulkhead.service \
	./etc/bulkhead/bulkhead.yaml ./usr/share/doc/bulkhead/README.md; do
	grep -qx "$f" "$work/contents" || fail ".deb lacks $f"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/bulkhead/bulkhead.yaml ||
	fail ".deb does not mark /etc/bulkhead/bulkhead.yaml as a conffile"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/systemd/system/bulkhead.service |
	grep -qx "ExecStart=/usr/sbin/bulkhead run --config /etc/bulkhead/bulkhead.yaml" ||
	fail ".deb unit does not run /usr/sbin/bulkhead with /etc/bulkhead/bulkhead.yaml"
dpkg-deb -f "$deb" Depends | grep -q libxdp || fail ".deb does not depend on libxdp"
echo "package: ok ($(basename "$deb"), $(wc -l <"$work/contents") entries)"
