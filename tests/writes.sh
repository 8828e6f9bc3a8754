#!/bin/sh
# What an event costs the stream's thread in system calls: one sendmsg()
# per tick, written by the reader itself from the shared frames, and no
# poll() (src/stream.c, direct_write(); bench/NOTES.md, eleventh round).
# Handing each event to libmicrohttpd cost a poll() and a sendto() per
# tick. strace follows the daemon while curl reads 3 s of snapshot events
# at 10 ticks a second; the stream's thread is the one that wrote them.
# A count, not a time.
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
interval = 0.1
$(fixture_conf)
CONF
strace -f -qq -e trace=sendto,sendmsg,write,writev,poll,ppoll,select,pselect6 -e signal=none \
	-o "$tmp/strace" "$DAEMON" -c "$tmp/d.conf" 2>"$tmp/d.log" </dev/null >/dev/null &
spid=$!
url=$(daemon_url "$tmp/d.log") || { cat "$tmp/d.log"; fail "the daemon did not start under strace"; }
curl -s --http1.1 --max-time 3 -o "$tmp/body" "${url}events?events=snapshot" || :
stop

events=$(grep -c '^event: snapshot$' "$tmp/body" || :)
[ "$events" -ge 15 ] || fail "curl got $events snapshot events in 3 s at 10 a second"
# The thread that wrote the events, and the socket it wrote them to.
tid=$(grep -a 'event: snapshot' "$tmp/strace" | awk '{ print $1 }' | sort | uniq -c |
	sort -rn | awk 'NR == 1 { print $2 }')
[ -n "$tid" ] || fail "strace saw no write of an event"
fd=$(grep -a "^$tid .*event: snapshot" "$tmp/strace" | head -n 1 | sed -n 's/^[0-9]* *[a-z]*(\([0-9]*\),.*/\1/p')
[ -n "$fd" ] || fail "no socket in: $(grep -a "^$tid .*event: snapshot" "$tmp/strace" | head -n 1)"
calls() { grep -aE "^$tid +($1)\($2" "$tmp/strace" || :; }
count() { calls "$1" "$2" | grep -c . || :; }
direct=$(count 'sendmsg' "$fd,")
others=$(count 'sendto|write|writev' "$fd,")
polls=$(count 'poll|ppoll|select|pselect6' '')
echo "stream thread $tid, socket $fd: $events events read; $direct sendmsg, $others other writes, $polls polls"
# The daemon may write a few ticks more than curl read before it stops.
[ "$direct" -ge $((events - 2)) ] || fail "only $direct of $events events written by the stream itself"
[ "$direct" -le $((events + 10)) ] || fail "$direct sendmsg for $events events"
# libmicrohttpd's: the headers, the first chunk (retry: and the replay), the last.
[ "$others" -le 4 ] || { calls 'sendto|write|writev' "$fd,"; fail "$others writes besides the ticks"; }
# libmicrohttpd may poll before the headers and the first chunk, not per tick.
[ "$polls" -le 3 ] || { calls 'poll|ppoll|select|pselect6' ''; fail "$polls polls for $events events"; }
