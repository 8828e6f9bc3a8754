#!/bin/sh
# Smoke test of the benchmark harness, so it cannot rot: the real daemon on a
# free loopback port (4 ticks/s), bench/sseload with 50 streams for 3 s, then
# SIGTERM with every stream open. Asserts events arrived on every stream with
# no seq gap, a latency any working build meets, the host's memory read, and
# clean ends at shutdown.
# Figures are printed, not judged: speed belongs to `make bench`.
# Run by `make check` from the top build directory.
set -eu
. "${0%/*}/lib.sh"
daemon=./src/sse-metricsd
sseload=./bench/sseload
streams=50
window=3

work=$(mktemp -d /tmp/bench-smoke.XXXXXX)
dpid=""
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	echo "--- client output:"; cat "$work/kv" 2>/dev/null || true
	echo "--- daemon log:"; cat "$work/d.log"
	exit 1
}

printf 'listen = 127.0.0.1:0\ninterval = 0.25\nmax_clients = 100\n' >"$work/d.conf"
"$daemon" -c "$work/d.conf" 2>"$work/d.log" &
dpid=$!
url=$(daemon_url "$work/d.log") || fail "the daemon did not start"
port=$(url_port "$url")

rc=0
"$sseload" -p "$port" -n $streams -s 2 -w 0.5 -d $window -R 20 -S "$dpid" -T \
    >"$work/kv" || rc=$?
wait "$dpid" || fail "the daemon exited with status $?"
dpid=""
cat "$work/kv"
[ $rc -eq 0 ] || fail "sseload exited with status $rc"

get() { sed -n "s/^$1=//p" "$work/kv"; }
# 50 streams x 3 s x 4 ticks/s = 600 events; allow for a slow (sanitizer) build.
[ "$(get connected)" -eq $streams ] || fail "not every stream connected"
[ "$(get events)" -ge 300 ] || fail "too few events in the window"
[ "$(get seq_gaps)" -eq 0 ] || fail "seq gaps"
[ "$(get seq_backwards)" -eq 0 ] || fail "ids went backwards"
[ "$(get parse_errors)" -eq 0 ] || fail "unparsable events"
awk -v p="$(get lat_p99_ms)" 'BEGIN { exit !(p > 0 && p < 1000) }' ||
	fail "p99 latency not in (0, 1000) ms"
# The collector's cost per tick, from the first stream's events: 12 ticks.
[ "$(get tick_samples)" -ge 6 ] || fail "too few ticks measured"
awk -v p="$(get tick_p50_ms)" -v m="$(get tick_max_ms)" 'BEGIN { exit !(p > 0 && p <= m && m < 1000) }' ||
	fail "tick CPU not 0 < p50 <= max < 1000 ms"
# The host's memory in use, read before the ramp and at the window's end
# (its growth per stream is printed, not judged: other tests run beside).
[ "$(get host_used_idle_kib)" -gt 0 ] && [ "$(get host_used_kib)" -gt 0 ] ||
	fail "no host memory in use read from /proc/meminfo"
get host_kib_per_stream | grep -Eq '^-?[0-9]+\.[0-9]{2}$' ||
	fail "host_kib_per_stream is not a number"
[ "$(get clean_ends)" -eq $streams ] || fail "not every stream ended cleanly at SIGTERM"
awk -v s="$(get shutdown_ms)" 'BEGIN { exit !(s >= 0 && s < 5000) }' ||
	fail "the daemon did not exit within 5 s of SIGTERM"
echo "PASS"
