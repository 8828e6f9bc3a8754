#!/bin/sh
# The daemon behind a real nginx, configured as sse-metricsd(8) says: the
# page, the snapshot, and the streams through the proxy, HTTP/1.1 (the man
# page's block) and HTTP/1.0 upstream (nginx's default), each stream's ids
# consecutive and its events whole; a stream open at SIGTERM ends cleanly
# at the client (nginx passes the last chunk on only when the daemon sent
# it); nothing in nginx's error log. Since 99641fe a stream writes its
# chunks to the socket itself, so this is a second, strict HTTP parser
# besides libcurl's on that path.
set -eu
. "${0%/*}/lib.sh"
DAEMON=${DAEMON:-./src/sse-metricsd}
NGINX=${NGINX:-/usr/sbin/nginx}
: "${srcdir:=.}"
www=$(cd "$srcdir/data/www" && pwd)
[ -x "$NGINX" ] || { echo "nginx is missing (apt-get install nginx-light)"; exit 1; }
command -v curl >/dev/null || { echo "curl is missing (apt-get install curl)"; exit 1; }
tmp=$(mktemp -d)
chmod 755 "$tmp"
dpid=
npid=
cleanup() {
	[ -z "$dpid" ] || kill "$dpid" 2>/dev/null || :
	[ -z "$npid" ] || kill "$npid" 2>/dev/null || :
	wait 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() {
	echo "FAIL: $*"
	echo "--- nginx error log:"; cat "$tmp/error.log" 2>/dev/null || :
	echo "--- daemon log:"; cat "$tmp/d.log"
	exit 1
}

cat >"$tmp/d.conf" <<CONF
listen = 127.0.0.1:0
interval = 0.1
webroot = $www
$(fixture_conf)
CONF
"$DAEMON" -c "$tmp/d.conf" 2>"$tmp/d.log" </dev/null >/dev/null &
dpid=$!
durl=$(daemon_url "$tmp/d.log") || fail "the daemon did not start"
dport=$(url_port "$durl")

# nginx cannot take a port from the kernel: try a few until one binds.
port=
for i in $(seq 0 19); do
	p=$((20000 + ($$ * 7 + i * 997) % 30000))
	cat >"$tmp/nginx.conf" <<CONF
daemon off;
master_process off;
pid $tmp/nginx.pid;
error_log $tmp/error.log info;
events { worker_connections 64; }
http {
	access_log $tmp/access.log;
	client_body_temp_path $tmp/body;
	proxy_temp_path $tmp/proxy;
	fastcgi_temp_path $tmp/fastcgi;
	uwsgi_temp_path $tmp/uwsgi;
	scgi_temp_path $tmp/scgi;
	server {
		listen 127.0.0.1:$p;
		# sse-metricsd(8), EXAMPLES, as it is there.
		location /sse-metricsd/ {
			proxy_pass http://127.0.0.1:$dport/;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_buffering off;
			proxy_cache off;
			proxy_read_timeout 1h;
		}
		# nginx's defaults but buffering: HTTP/1.0 to the daemon.
		location /v10/ {
			proxy_pass http://127.0.0.1:$dport/;
			proxy_buffering off;
		}
	}
}
CONF
	: >"$tmp/error.log"
	"$NGINX" -p "$tmp" -c "$tmp/nginx.conf" 2>>"$tmp/error.log" &
	npid=$!
	for _ in $(seq 100); do
		curl -sf -o /dev/null "http://127.0.0.1:$p/sse-metricsd/api/snapshot" && { port=$p; break; }
		kill -0 "$npid" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$port" ] && break
	kill "$npid" 2>/dev/null || :
	wait "$npid" 2>/dev/null || :
	npid=
done
[ -n "$port" ] || fail "nginx did not start on any port tried"
base=http://127.0.0.1:$port

# The page and the snapshot under the prefix.
code=$(curl -s -o "$tmp/page" -w '%{http_code}' "$base/sse-metricsd/")
[ "$code" = 200 ] || fail "the page through nginx: $code"
grep -q 'sse-connect="events?events=html"' "$tmp/page" || fail "the page does not stream from a relative URL"
code=$(curl -s -o "$tmp/snap" -w '%{http_code}' "$base/sse-metricsd/api/snapshot")
[ "$code" = 200 ] || fail "the snapshot through nginx: $code"
grep -q '"seq":' "$tmp/snap" || fail "the snapshot through nginx has no seq"

# Every snapshot event whole and numbered one after the other (a tick's
# events share its id), each html event in the tick of the snapshot before it.
check_stream() {	# file, what
	awk -v what="$2" '
		/^id: / { id = $2 }
		/^event: / { ev = $2 }
		/^data: / { data = $0 }
		/^$/ {
			if (ev == "snapshot") {
				if (last != "" && id != last + 1) { printf "%s: snapshot %s after %s\n", what, id, last; bad = 1 }
				if (data !~ /\}$/) { printf "%s: a snapshot cut short\n", what; bad = 1 }
				last = id; snaps++
			} else if (ev == "html") {
				if (id != last) { printf "%s: html of %s after snapshot %s\n", what, id, last; bad = 1 }
				html++
			}
			id = ev = data = ""
		}
		END {
			if (snaps < 5) { printf "%s: %d snapshots\n", what, snaps; bad = 1 }
			print what ": " snaps " snapshots, " html + 0 " html"
			exit bad
		}' "$1" || fail "$2: the stream through nginx"
}
for loc in sse-metricsd v10; do
	curl -sN --max-time 2 -o "$tmp/s.$loc" "$base/$loc/events?events=snapshot" || :
	check_stream "$tmp/s.$loc" "$loc, snapshot events"
	curl -sN --max-time 2 -o "$tmp/h.$loc" "$base/$loc/events" || :
	check_stream "$tmp/h.$loc" "$loc, default events"
	grep -q '^event: html$' "$tmp/h.$loc" || fail "$loc: no html event"
done

# A stream open at SIGTERM ends at the client as a complete response.
curl -sN --max-time 20 -o "$tmp/end.sse-metricsd" "$base/sse-metricsd/events?events=snapshot" &
cpid11=$!
curl -sN --max-time 20 -o "$tmp/end.v10" "$base/v10/events?events=snapshot" &
cpid10=$!
sleep 1
kill -TERM "$dpid"
wait "$dpid" || fail "the daemon exited with status $?"
dpid=
for c in "sse-metricsd $cpid11" "v10 $cpid10"; do
	# shellcheck disable=SC2086
	set -- $c
	rc=0
	wait "$2" || rc=$?
	[ $rc -eq 0 ] || fail "$1: curl ended with status $rc at the daemon's stop (18: cut short)"
	check_stream "$tmp/end.$1" "$1, until SIGTERM"
done

if grep -E '\[(error|crit|alert|emerg)\]' "$tmp/error.log"; then
	fail "nginx logged errors"
fi
echo "PASS"
