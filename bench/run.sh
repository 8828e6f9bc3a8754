#!/bin/sh
# The benchmark sweep behind `make bench`: for each stream count, a fresh
# daemon on a loopback port, bench/sseload opening that many
# /events?events=snapshot streams, a measurement window, then SIGTERM with
# every stream open. Plus the idle daemon's CPU and RSS. Writes a Markdown
# table, a TSV and a PNG plot (gnuplot) under OUTDIR.
#
# usage: bench/run.sh DAEMON SSELOAD OUTDIR
#
# Environment (defaults in brackets):
#   BENCH_COUNTS      stream counts ["1000 5000 10000 max"]; "max" is the
#                     open-file hard limit minus 1000 (19000 when it is 20000)
#   BENCH_WINDOW      measurement window in seconds [20]
#   BENCH_MAX_WINDOW  window for the "max" count [60]
#   BENCH_WARM        seconds between the end of the ramp and the window [3]
#   BENCH_IDLE        seconds the idle daemon is watched; 0 skips it [60]
#   BENCH_INTERVAL    the daemon's interval (seconds per tick) [1]
#   BENCH_SOURCES     client source addresses 127.0.0.2 .. [4]
#   BENCH_CONF        extra config lines for the daemon (e.g. "thread_stack = 32K")
#   BENCH_TAG         a word added to the output file names [none]
set -eu

daemon=${1:?usage: run.sh DAEMON SSELOAD OUTDIR}
sseload=${2:?usage: run.sh DAEMON SSELOAD OUTDIR}
outdir=${3:?usage: run.sh DAEMON SSELOAD OUTDIR}
counts=${BENCH_COUNTS:-1000 5000 10000 max}
window=${BENCH_WINDOW:-20}
max_window=${BENCH_MAX_WINDOW:-60}
warm=${BENCH_WARM:-3}
idle_s=${BENCH_IDLE:-60}
interval=${BENCH_INTERVAL:-1}
sources=${BENCH_SOURCES:-4}
extra_conf=${BENCH_CONF:-}
tag=${BENCH_TAG:+-$BENCH_TAG}

command -v gnuplot >/dev/null 2>&1 || {
	echo "run.sh: gnuplot is needed for the plot: apt-get install gnuplot-nox" >&2
	exit 1
}
[ -x "$daemon" ] || { echo "run.sh: no daemon at $daemon" >&2; exit 1; }
[ -x "$sseload" ] || { echo "run.sh: no client at $sseload" >&2; exit 1; }

# Both processes need one descriptor per stream.
hard=$(ulimit -Hn)
ulimit -n "$hard"
max=$(( (hard - 1000) / 1000 * 1000 ))

work=$(mktemp -d /tmp/sse-bench.XXXXXX)
dpid=""
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$outdir"
stamp=$(date -u +%Y%m%d-%H%M)
base="$outdir/$stamp$tag"
tsv="$base.tsv"
md="$base.md"
png="$outdir/latest$tag.png"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# How busy the machine is without us (2 s of /proc/stat): others' load
# makes every figure worse, and the load average counts our own threads.
busy_pct() {
	a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
	sleep 2
	b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
	echo "$a $b" | awk '{ busy = $3 - $1; idle = $4 - $2; printf "%.0f", 100 * busy / (busy + idle) }'
}
busy_start=$(busy_pct)

# The daemon's config: max_clients $1, interval $2 (default: BENCH_INTERVAL).
write_conf() {
	{
		echo "listen = 127.0.0.1:0"
		echo "interval = ${2:-$interval}"
		echo "max_clients = $1"
		echo "history = 300"
		if [ -n "$extra_conf" ]; then printf '%s\n' "$extra_conf"; fi
	} >"$work/d.conf"
}

# Start the daemon on a free loopback port; sets dpid and port.
start_daemon() {
	write_conf "$@"
	: >"$work/d.log"
	"$daemon" -c "$work/d.conf" 2>"$work/d.log" &
	dpid=$!
	port=""
	i=0
	while [ -z "$port" ] && [ $i -lt 100 ]; do
		port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/d.log")
		[ -n "$port" ] || sleep 0.05
		i=$((i + 1))
	done
	[ -n "$port" ] || { cat "$work/d.log" >&2; echo "run.sh: the daemon did not start" >&2; exit 1; }
	# Let one tick pass, so a new stream gets its first event at once.
	sleep "$(awk -v i="$interval" 'BEGIN { print i + 0.5 }')"
}

# utime+stime (seconds) and VmRSS (KiB) of the daemon.
cpu_of() {
	awk -v t="$(getconf CLK_TCK)" '{ print ($14 + $15) / t }' "/proc/$1/stat"
}
# CPU seconds of the daemon's threads alive now, from schedstat (nanoseconds):
# for the idle daemon, whose 60 s are a few clock ticks of utime+stime.
cpu_ns_of() {
	cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.6f", s / 1e9 }'
}
rss_of() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

idle_line="idle: not measured (BENCH_IDLE=0)"
if [ "$idle_s" -gt 0 ]; then
	# Steady state: the 300 ticks of history full, as after five idle
	# minutes (some 6 KB each), filled at 20 ticks a second, then the
	# interval back by SIGHUP (the listening port stays).
	echo "== idle daemon, no viewers, history filled, then ${idle_s} s"
	start_daemon 1000 0.05
	sleep 16
	write_conf 1000
	kill -HUP "$dpid"
	sleep 2
	c0=$(cpu_ns_of "$dpid")
	sleep "$idle_s"
	c1=$(cpu_ns_of "$dpid")
	rss=$(rss_of "$dpid")
	kill "$dpid"
	wait "$dpid" || true
	dpid=""
	idle_line=$(awk -v a="$c0" -v b="$c1" -v s="$idle_s" -v r="$rss" \
	    'BEGIN { printf "idle, no viewers, history full, %d s: %.3f%% CPU (threads'"'"' schedstat), %.1f MiB RSS", s, 100 * (b - a) / s, r / 1024 }')
	echo "$idle_line"
fi

printf 'streams\tconnected\tconnect_rate\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tseq_gaps\tended_early\tserver_cpu_pct\tserver_us_per_event\tclient_cpu_pct\tclient_us_per_event\tserver_rss_mib\tkib_per_stream\tthreads\tshutdown_ms\tclean_ends\twindow_s\tkrx_p50_ms\tkrx_p99_ms\ttick_p50_ms\ttick_max_ms\thost_kib_per_stream\n' >"$tsv"
for n in $counts; do
	w=$window
	if [ "$n" = max ]; then
		n=$max
		w=$max_window
	fi
	echo "== $n streams, window ${w} s"
	start_daemon $((n + 100))
	rc=0
	"$sseload" -p "$port" -n "$n" -s "$sources" -w "$warm" -d "$w" -S "$dpid" -T \
	    >"$work/kv" || rc=$?
	wait "$dpid" || echo "run.sh: the daemon exited with status $?" >&2
	dpid=""
	if grep -q 'warn\|error' "$work/d.log"; then
		grep 'warn\|error' "$work/d.log" | head -5 >&2
	fi
	[ $rc -eq 0 ] || echo "run.sh: sseload reported a failure (status $rc)" >&2
	awk -F= '
		{ v[$1] = $2 }
		END {
			tick = v["tick_samples"] > 0 ? v["tick_p50_ms"] "\t" v["tick_max_ms"] : "-\t-"
			host = "host_kib_per_stream" in v ? v["host_kib_per_stream"] : "-"
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			    v["streams"], v["connected"], v["connect_rate"], v["lat_p50_ms"],
			    v["lat_p90_ms"], v["lat_p99_ms"], v["lat_max_ms"], v["seq_gaps"],
			    v["ended_early"], v["server_cpu_pct"], v["server_us_per_event"],
			    v["client_cpu_pct"], v["client_us_per_event"], v["server_rss_kib"] / 1024, v["server_kib_per_stream"],
			    v["server_threads"], v["shutdown_ms"], v["clean_ends"], v["window_s"],
			    v["klat_p50_ms"], v["klat_p99_ms"], tick, host
		}' "$work/kv" >>"$tsv"
	tail -n 1 "$tsv"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
busy_end=$(busy_pct)

{
	echo "# sse-metricsd benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- host: $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(uname -sr); server and client on the same host"
	echo "- commit: $(git -C "$(dirname "$0")" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "- other load: CPU busy before the run ${busy_start}%, after ${busy_end}% (2 s of /proc/stat); load average at start: $load_start; at end: $load_end"
	echo "- command: \`BENCH_COUNTS=\"$counts\" BENCH_WINDOW=$window BENCH_MAX_WINDOW=$max_window BENCH_INTERVAL=$interval BENCH_IDLE=$idle_s make bench\`"
	[ -n "$extra_conf" ] && echo "- extra daemon config: \`$(printf '%s' "$extra_conf" | tr '\n' ';')\`"
	echo "- $idle_line"
	echo
	echo "| streams | connect rate /s | kernel rx p50 ms | kernel rx p99 ms | read p50 ms | read p90 ms | read p99 ms | read max ms | seq gaps | dropped | server CPU % | server us/event | client CPU % | client us/event | server RSS MiB | KiB/stream | host KiB/stream | threads | shutdown ms | clean ends | tick CPU ms p50 | tick CPU ms max |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk -F'\t' 'NR > 1 {
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s/%s | %s | %s |\n",
		    $2 == $1 ? $1 : $2 " of " $1, $3, $20, $21, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
		    $15, $24, $16, $17, $18, $2, $22, $23 }' "$tsv"
	echo
	echo "Latency: a receive time (CLOCK_REALTIME) minus the snapshot's timestamp_ns, every"
	echo "event of every stream in the window. Kernel rx: when the client's kernel had"
	echo "the event's last bytes (SO_TIMESTAMPNS), what a viewer on another host would"
	echo "see; read: when the client's one thread read them, later by as long as that"
	echo "thread waited for a CPU behind the daemon's. CPU per event: the daemon's utime+stime"
	echo "over the window / events received. KiB/stream: (RSS - idle RSS) / streams."
	echo "Host KiB/stream: what the host's memory in use (MemTotal - MemFree - Buffers"
	echo "- Cached + Shmem) grew by from the idle daemon to the window's end, less the"
	echo "client's RSS growth, / streams: the daemon's RSS and the kernel's side of both"
	echo "ends (each stream thread's kernel stack and the page it writes through, both"
	echo "sockets)."
	echo "Shutdown: SIGTERM to process exit (pidfd), every stream open. Tick CPU: the"
	echo "daemon's own collect_seconds + render_seconds (the collector thread's CPU"
	echo "clock), as the first stream's events in the window carry them."
} >"$md"
cp "$md" "$outdir/latest$tag.md"

gnuplot -e "tsv='$tsv'; out='$png'; title='sse-metricsd, $(nproc) CPUs, $(date -u +%Y-%m-%d)'" \
    "$(dirname "$0")/plot.gp"
echo "wrote $md, $tsv, $png"
cat "$md"
