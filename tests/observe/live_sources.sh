#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `bulkhead observe` on live sources: an exporter streaming to
# --listen tcp://, udp:// and unix://, --connect to a server, and --follow
# of a file that grows (cut mid-envelope) and then rotates. Each must print
# exactly what reading the finished file prints.
set -eu
: "${BH_BUILD_DIR:?}" "${BH_SOURCE_DIR:?}"
bh=$BH_BUILD_DIR/src/cli/bulkhead
gen=$BH_BUILD_DIR/tests/observe/gen_stream
splice="/usr/bin/python3 $BH_SOURCE_DIR/tests/observe/splice.py"
work=$BH_BUILD_DIR/tests/observe/live-work
rm -rf "$work" && mkdir -p "$work"
cd "$work"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

"$gen" stream.pb
"$bh" observe -t flow,alert,stats stream.pb >want.txt
n=$(wc -l <want.txt)

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.'"$1"'); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

fail=0
compare() {
	if ! cmp -s want.txt "$1"; then
		echo "live: $2 printed something else:" >&2
		diff want.txt "$1" >&2 || true
		fail=1
	fi
}

# observe must be listening before the exporter starts: wait for it.
wait_listen() {
	i=0
	while [ $i -lt 100 ]; do
		if ss -lnH "$1" | grep -q "$2"; then return 0; fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "live: observe did not start listening on $2" >&2
	return 1
}

for proto in tcp udp; do
	if [ $proto = tcp ]; then port=$(free_port SOCK_STREAM); flag=-t; else port=$(free_port SOCK_DGRAM); flag=-u; fi
	timeout 30 "$bh" observe --listen $proto://127.0.0.1:"$port" -n "$n" -t flow,alert,stats >got-$proto.txt &
	obs=$!
	pids="$pids $obs"
	wait_listen "$flag" "127.0.0.1:$port"
	"$gen" $proto://127.0.0.1:"$port"
	wait $obs || { echo "live: observe --listen $proto failed" >&2; fail=1; }
	compare got-$proto.txt "--listen $proto"
done

sock=$work/observe.sock
timeout 30 "$bh" observe --listen unix://"$sock" -n "$n" -t flow,alert,stats >got-unix.txt &
obs=$!
pids="$pids $obs"
wait_listen -x "$sock"
"$gen" unix://"$sock"
wait $obs || { echo "live: observe --listen unix failed" >&2; fail=1; }
compare got-unix.txt "--listen unix"

# --connect: a server that sends the stream and closes.
port=$(free_port SOCK_STREAM)
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept(); c.sendall(open(sys.argv[2], "rb").read()); c.close()
' "$port" stream.pb &
srv=$!
pids="$pids $srv"
wait_listen -t "127.0.0.1:$port"
timeout 30 "$bh" observe --connect tcp://127.0.0.1:"$port" -t flow,alert,stats >got-connect.txt ||
	{ echo "live: observe --connect failed" >&2; fail=1; }
compare got-connect.txt "--connect"

# --follow: the file grows in pieces (one cut inside an envelope), then is
# rotated away and a new file continues the stream.
$splice stream.pb part1.pb head 5
head_bytes=$(stat -c %s part1.pb)
: >follow.pb
timeout 30 "$bh" observe --follow -n "$n" -t flow,alert,stats follow.pb >got-follow.txt &
obs=$!
pids="$pids $obs"
head -c 100 part1.pb >>follow.pb
sleep 0.3
tail -c +101 part1.pb >>follow.pb
# rotate only once observe has read the first file
i=0
while [ "$(wc -l <got-follow.txt)" -lt 5 ] && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
mv follow.pb follow.pb.1
tail -c +"$((head_bytes + 1))" stream.pb >follow.pb
wait $obs || { echo "live: observe --follow failed" >&2; fail=1; }
compare got-follow.txt "--follow"
exit $fail
