#!/bin/sh
# An HTTP/1.0 stream (no chunked encoding: libmicrohttpd sends it from the
# response's own block, one block a write) goes out in writes of kilobytes,
# as an HTTP/1.1 one does, not 256 bytes at a time: strace counts the
# daemon's sendto and sendmsg calls and their bytes while curl reads 2 s of
# the HTML events (about 80 KB a tick). A count, not a time.
set -eu
. "${0%/*}/lib.sh"
DAEMON=${DAEMON:-./src/sse-metricsd}
command -v strace >/dev/null || { echo "strace is missing (apt-get install strace)"; exit 1; }
command -v curl >/dev/null || { echo "curl is missing (apt-get install curl)"; exit 1; }
tmp=$(mktemp -d)
spid=
stop() {	# the daemon under strace, then strace
	[ -n "$spid" ] || return 0
	dpid=$(pgrep -P "$spid" || :)
	[ -z "$dpid" ] || kill -TERM $dpid 2>/dev/null || :
	wait "$spid" 2>/dev/null || :
	spid=
}
cleanup() { stop; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/d.conf" <<CONF
listen = 127.0.0.1:0
interval = 0.2
$(fixture_conf)
CONF
for v in 1.0 1.1; do
	: >"$tmp/d.log"
	strace -f -qq -e trace=sendto,sendmsg -e signal=none -o "$tmp/strace.$v" "$DAEMON" \
		-c "$tmp/d.conf" 2>"$tmp/d.log" </dev/null >/dev/null &
	spid=$!
	url=$(daemon_url "$tmp/d.log") || { cat "$tmp/d.log"; fail "the daemon did not start under strace"; }
	curl -s --http$v --max-time 2 -o "$tmp/body.$v" "${url}events?events=html" || :
	stop
	calls=$(grep -Eac '(sendto|sendmsg)\(' "$tmp/strace.$v" || :)
	bytes=$(sed -n 's/.*) *= *\([0-9][0-9]*\)$/\1/p' "$tmp/strace.$v" |
		awk '{ s += $1 } END { print s + 0 }')
	got=$(wc -c <"$tmp/body.$v")
	[ "$got" -gt 20000 ] || fail "HTTP/$v: the stream sent only $got bytes in 2 s"
	[ "$calls" -gt 0 ] || fail "HTTP/$v: strace saw no sendto or sendmsg"
	per=$((bytes / calls))
	echo "HTTP/$v: $got bytes read; $calls sendto and sendmsg calls, $per bytes each"
	[ "$per" -ge 4096 ] || fail "HTTP/$v: $per bytes per write (a 256-byte block?)"
done
