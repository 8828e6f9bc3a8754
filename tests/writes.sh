#!/bin/sh
# What an event costs the stream's thread in system calls: one sendmsg()
# per tick, written by the reader itself from the shared frames, and no
# poll() (src/stream.c, direct_write(); bench/NOTES.md, eleventh round).
# Handing each event to libmicrohttpd cost a poll() and a sendto() per
# tick. strace follows the daemon while curl reads 3 s of snapshot events
# at 10 ticks a second; the stream's thread is the one that wrote them.
# A count, not a time.
set -eu
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
CONF
strace -f -qq -e trace=sendto,sendmsg,write,writev,poll,ppoll,select,pselect6 -e signal=none \
	-o "$tmp/strace" "$DAEMON" -c "$tmp/d.conf" 2>"$tmp/d.log" </dev/null >/dev/null &
spid=$!
url=
for _ in $(seq 200); do
	url=$(sed -n 's|.*listening on \(http://[^ ]*/\).*|\1|p' "$tmp/d.log" | head -n 1)
	[ -n "$url" ] && break
	sleep 0.05
done
[ -n "$url" ] || { cat "$tmp/d.log"; fail "the daemon did not start under strace"; }
curl -s --http1.1 --max-time 3 -o "$tmp/body" "${url}events?events=snapshot" || :
stop

events=$(grep -c '^event: snapshot$' "$tmp/body" || :)
[ "$events" -ge 15 ] || fail "curl got $events snapshot events in 3 s at 10 a second"
# The thread that wrote the events: the one whose writes carried them.
tid=$(grep -a 'event: snapshot' "$tmp/strace" | awk '{ print $1 }' | sort | uniq -c |
	sort -rn | awk 'NR == 1 { print $2 }')
[ -n "$tid" ] || fail "strace saw no write of an event"
count() { grep -a "^$tid " "$tmp/strace" | grep -Ec "^$tid +($1)\(" || :; }
writes=$(count 'sendmsg|sendto|write|writev')
direct=$(count 'sendmsg')
polls=$(count 'poll|ppoll|select|pselect6')
echo "stream thread $tid: $events events read; $writes writes ($direct sendmsg), $polls polls"
# Beside the ticks: the headers and the first chunk (retry: and the replay).
[ "$writes" -le $((events + 3)) ] || fail "$writes writes for $events events"
[ "$direct" -ge $((events - 2)) ] || fail "only $direct of $events events written by the stream itself"
# libmicrohttpd may poll before the headers and the first chunk, not per tick.
[ "$polls" -le 3 ] || fail "$polls polls for $events events: a poll per tick"
