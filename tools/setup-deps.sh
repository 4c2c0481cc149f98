#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install every Debian 12 package bulkhead needs to build, test and run,
# idempotently, from Debian's registry only; mount bpffs if missing.
#   tools/setup-deps.sh          build, run and test dependencies
#   tools/setup-deps.sh --bench  also the tools the benchmarks compare with
set -eu

PKGS="cmake make gcc pkg-config clang llvm libclang-rt-14-dev bpftool
libbpf-dev libxdp-dev xdp-tools libelf-dev zlib1g-dev libpcap-dev
libmaxminddb-dev mmdb-bin libmaxmind-db-writer-perl protobuf-c-compiler
libprotobuf-c-dev protobuf-compiler python3-protobuf python3-scapy python3-yaml
libcmocka-dev libyaml-dev nettle-dev libmicrohttpd-dev iproute2
iputils-ping
netcat-openbsd tcpdump graphviz curl ethtool jq dpkg-dev"
BENCH_PKGS="softflowd argus-server nfdump pmacct hyperfine"

[ "${1:-}" = "--bench" ] && PKGS="$PKGS $BENCH_PKGS"

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-deps: run as root (installs packages, mounts bpffs)" >&2
	exit 1
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup-deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

# bpffs: the daemon pins maps there; tests mount it too.
if ! mount | grep -q ' /sys/fs/bpf type bpf'; then
	mkdir -p /sys/fs/bpf
	mount -t bpf bpf /sys/fs/bpf || echo "setup-deps: warning: cannot mount bpffs" >&2
fi
echo "setup-deps: ok"
