#!/bin/sh
# Coverage-guided fuzzing of what parses the kernel's files, the config file
# and SSE frames, and of the renderers they feed: each harness of tests/fuzz
# is built with clang's libFuzzer, AddressSanitizer and UBSan straight from
# the sources (not automake's objects, so this works from the dist tarball
# too), seeded from the fixture trees of tests/data, and run for a bounded
# time, one after the other. Any crash, leak, timeout or broken invariant
# fails the test; the input that did it is kept in tests/fuzz-out.
#
# Without clang or libFuzzer (Debian: clang, libclang-rt-14-dev; scripts/deps
# installs them) the test is skipped (exit 77).
#
# SSE_FUZZ_TEST=no skips it too: tests/sanitize.sh sets it, since the
# harnesses are built with the sanitizers already.
#
#   FUZZ_SECONDS   seconds per target (default 20)
#   FUZZ_TARGETS   which targets (default: procfs sysfs pipeline config sse)
#   FUZZ_CC        the compiler (default clang)
#   FUZZ_OUT       binaries, logs, corpora and crash inputs (default tests/fuzz-out)
set -eu
[ "${SSE_FUZZ_TEST:-yes}" = no ] && { echo "SSE_FUZZ_TEST=no: skipped"; exit 77; }
: "${srcdir:=.}"
CC=${FUZZ_CC:-clang}
SECONDS_EACH=${FUZZ_SECONDS:-20}
TARGETS=${FUZZ_TARGETS:-procfs sysfs pipeline config sse}
OUT=${FUZZ_OUT:-tests/fuzz-out}
SRC=$srcdir/src
DATA=$srcdir/tests/data

case $OUT in "" | / | .) echo "FUZZ_OUT=$OUT: not a directory of its own" >&2; exit 1 ;; esac
skip() { echo "skip: $*"; rm -rf "$OUT"; exit 77; }
command -v "$CC" >/dev/null 2>&1 || skip "no $CC (apt-get install clang)"
rm -rf "$OUT"
mkdir -p "$OUT"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	>"$OUT/probe.c"
"$CC" -fsanitize=fuzzer,address,undefined "$OUT/probe.c" -o "$OUT/probe" >"$OUT/probe.log" 2>&1 ||
	skip "$CC cannot link libFuzzer (apt-get install libclang-rt-14-dev): $(head -c 300 "$OUT/probe.log")"

LIBS="-ljansson -linih"
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists jansson inih; then
	LIBS=$(pkg-config --cflags --libs jansson inih)
fi
WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral"
SAN="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all"
# The quotes are for the C compiler: the macros are string literals.
# shellcheck disable=SC2089
DEFS="-D_GNU_SOURCE -DSYSCONFDIR=\"/etc\" -DPKGDATADIR=\"/usr/share/sse-metricsd\""

# The EventSource parser is the judge, not the fuzzed code: sanitized, but
# without coverage, so it neither steers the fuzzer nor slows it down.
# shellcheck disable=SC2086,SC2090
"$CC" $SAN $DEFS $WARN -I"$srcdir/tests" -c "$srcdir/tests/sseclient.c" -o "$OUT/sseclient.o"

sources() {	# TARGET: the sources below src/ it links
	case $1 in
	procfs) echo procfs.c xmem.c log.c ;;
	sysfs) echo sysfs.c xmem.c log.c ;;
	pipeline) echo collector.c procfs.c sysfs.c snapshot.c snapjson.c chart.c html.c \
		render.c sse.c prom.c broadcast.c ring.c stats.c log.c strbuf.c xmem.c ;;
	config) echo config.c log.c xmem.c ;;
	sse) echo sse.c strbuf.c xmem.c log.c ;;
	*) echo "unknown fuzz target $1" >&2; exit 1 ;;
	esac
}
max_len() {
	case $1 in
	pipeline) echo 16384 ;;
	procfs) echo 8192 ;;
	*) echo 4096 ;;
	esac
}

# The corpus of TARGET in $1, built from the fixtures (none is committed).
seed() {
	corpus=$1 target=$2
	mkdir -p "$corpus"
	case $target in
	procfs)
		for f in "$DATA"/*/proc/*  "$DATA"/*/proc/*/* "$DATA"/*/proc/*/*/*; do
			[ -f "$f" ] || continue
			cp "$f" "$corpus/$(echo "${f#"$DATA"/}" | tr / _)"
		done
		# One input both sockstat readers take: what the kernel prints, joined.
		cat "$DATA/host2/proc/net/sockstat" "$DATA/host2/proc/net/sockstat6" >"$corpus/sockstat+6" ;;
	sysfs | pipeline)
		FUZZ_MAKE_SEEDS="$DATA:$corpus" "$OUT/fuzz_$target" ;;
	config)
		cp "$DATA"/conf/*.conf "$srcdir/data/sse-metricsd.conf" "$corpus/"
		printf '[::1]:9730\n' >"$corpus/listen6"
		printf '127.0.0.1:0\nheartbeat = 40\ntimeout = 80\n' >"$corpus/listen4" ;;
	sse)
		printf '\003\007\000\000\000\000\000\000\000snapshot\000{"seq":7}' >"$corpus/named"
		printf '\000<a>\n<b>\r\nc\rd\n' >"$corpus/lines"
		printf '\005html\000\r\n\r\r\n\n' >"$corpus/ends" ;;
	esac
}

# Where the harnesses keep their scratch trees: in memory when there is
# some (ten times the runs of a disk), and below one directory of ours,
# removed at the end, crashed harnesses' trees included.
base=${TMPDIR:-/tmp}
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	base=/dev/shm
fi
TMPDIR=$(mktemp -d "$base/sse-fuzz.XXXXXX")
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

failed=0
for t in $TARGETS; do
	srcs=
	for s in $(sources "$t"); do srcs="$srcs $SRC/$s"; done
	# shellcheck disable=SC2086,SC2090
	if ! "$CC" $SAN -fsanitize=fuzzer $DEFS $WARN -I"$SRC" -I"$srcdir/tests" -I"$srcdir/tests/fuzz" \
	    "$srcdir/tests/fuzz/fuzz_$t.c" "$srcdir/tests/fuzz/fuzz_common.c" $srcs "$OUT/sseclient.o" \
	    -o "$OUT/fuzz_$t" $LIBS -lm -pthread >"$OUT/build-$t.log" 2>&1; then
		cat "$OUT/build-$t.log"
		echo "fuzz_$t: FAIL (build)"
		failed=1
		continue
	fi
	[ -s "$OUT/build-$t.log" ] && cat "$OUT/build-$t.log"
	seed "$OUT/corpus-$t" "$t"
	# The pipeline's collector logs each unreadable file: stderr closed
	# (libFuzzer and the sanitizers keep their own copy of it).
	mask=0
	[ "$t" = pipeline ] && mask=2
	# The numbers at the parsers' edges: without them 20 s rarely reach 2^64.
	dict=
	case $t in procfs | sysfs | pipeline) dict=-dict=$srcdir/tests/fuzz/kernel.dict ;; esac
	rc=0
	# shellcheck disable=SC2086
	timeout $((SECONDS_EACH + 120)) "$OUT/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
	    -rss_limit_mb=2048 -max_len="$(max_len "$t")" -close_fd_mask=$mask -print_final_stats=1 \
	    $dict -artifact_prefix="$OUT/$t-" "$OUT/corpus-$t" >"$OUT/$t.log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$t.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$OUT/$t.log")
	grep -a "^fuzz_$t: " "$OUT/$t.log" || true
	if [ "$rc" -ne 0 ]; then
		grep -a -B2 -A30 "^fuzz: \|ERROR: \|runtime error\|SUMMARY" "$OUT/$t.log" | head -80
		for kept in "$OUT/$t"-*; do echo "fuzz_$t: the input is kept in $kept"; done
		echo "fuzz_$t: FAIL (exit $rc after ${runs:-?} runs)"
		failed=1
	else
		echo "fuzz_$t: PASS, ${runs:-?} runs in ${SECONDS_EACH} s (${rate:-?}/s)"
		rm -rf "$OUT/corpus-$t"
	fi
done
[ "$failed" -eq 0 ] && rm -rf "$OUT"
exit "$failed"
