#!/bin/sh
# /metrics judged by promtool (Debian's prometheus package): once on a fixture
# tree that has every metric group (PSI, hwmon, thermal, disks, interfaces
# with names to escape), once on the live machine.
#
# promtool 2.42 also lints names, and flags node_exporter's own mixed-case
# names (node_memory_MemTotal_bytes, node_sockstat_TCP_inuse) as camelCase.
# We keep node_exporter's names on purpose, so existing dashboards work: the
# test accepts exactly that lint for exactly those names, and nothing else.
set -eu
. "${0%/*}/lib.sh"
: "${srcdir:=.}"
DAEMON=${DAEMON:-./src/sse-metricsd}
command -v promtool >/dev/null || { echo "promtool is missing (apt-get install prometheus)"; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

check() {	# NAME PROCFS SYSFS
	name=$1
	cat >"$tmp/$name.conf" <<CONF
listen = 127.0.0.1:0
interval = 0.2
procfs = $2
sysfs = $3
CONF
	"$DAEMON" -c "$tmp/$name.conf" 2>"$tmp/$name.log" &
	pid=$!
	url=$(daemon_url "$tmp/$name.log" 100) || { cat "$tmp/$name.log"; echo "$name: the daemon did not start"; exit 1; }
	sleep 0.5	# a second tick, so every rate exists
	curl -sf "${url}metrics" >"$tmp/$name.prom"
	kill "$pid"; wait "$pid" || true; pid=

	rc=0
	promtool check metrics <"$tmp/$name.prom" >"$tmp/$name.lint" 2>&1 || rc=$?
	# 0: clean; 3: lint problems only. Anything else is a parse error.
	[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { cat "$tmp/$name.lint"; echo "$name: promtool failed ($rc)"; exit 1; }
	if grep -v -E "^node_(memory_[A-Za-z]+_bytes|sockstat_(TCP|UDP)6?_[a-z]+) metric names should be written in 'snake_case' not 'camelCase'$" \
	    "$tmp/$name.lint" | grep .; then
		echo "$name: promtool reports the problems above"
		exit 1
	fi
	families=$(grep -c '^# TYPE ' "$tmp/$name.prom")
	echo "$name: $families families; promtool: only node_exporter's mixed-case names ($(wc -l <"$tmp/$name.lint"))"
	for want in node_cpu_seconds_total node_memory_MemAvailable_bytes node_load1 \
	    node_network_receive_bytes_total node_disk_read_bytes_total node_filesystem_size_bytes \
	    sse_metricsd_snapshot_seq sse_metricsd_http_request_duration_seconds; do
		grep -q "^# TYPE $want " "$tmp/$name.prom" || { echo "$name: no $want"; exit 1; }
	done
}

check fixture "$(cd "$srcdir" && pwd)/tests/data/host2/proc" "$(cd "$srcdir" && pwd)/tests/data/host2/sys"
grep -q '^# TYPE node_pressure_io_stalled_seconds_total counter' "$tmp/fixture.prom" || { echo "fixture: no PSI"; exit 1; }
grep -q '^node_hwmon_temp_celsius{chip=' "$tmp/fixture.prom" || { echo "fixture: no hwmon"; exit 1; }
check live /proc /sys
