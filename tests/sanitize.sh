#!/bin/sh
# Run the test suite under AddressSanitizer + UBSan, and the concurrency tests
# under ThreadSanitizer, each in its own build of a clean copy of the
# distributed sources (so the source tree's own build is left alone).
#
# usage: tests/sanitize.sh SRCDIR BUILDDIR      (make check-all calls it)
set -eu
srcdir=$1
builddir=$2
work=$builddir/_build-sanitize
jobs=$(nproc 2>/dev/null || echo 2)

rm -rf "$work"
mkdir -p "$work"
make -C "$builddir" distdir distdir="$work/src" >/dev/null

run() {
	name=$1; cflags=$2; tests=$3
	echo "== $name: CFLAGS=$cflags"
	mkdir -p "$work/$name"
	cd "$work/$name"
	../src/configure --enable-werror CFLAGS="$cflags" >configure.out 2>&1 || {
		cat configure.out; exit 1; }
	make -j"$jobs" >make.out 2>&1 || { cat make.out; exit 1; }
	if [ -n "$tests" ]; then
		make -j"$jobs" check TESTS="$tests" || { cat test-suite.log; exit 1; }
	else
		make -j"$jobs" check || { cat test-suite.log; exit 1; }
	fi
	cd "$builddir"
}

# halt_on_error: a sanitizer report fails the test instead of scrolling by.
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
export SSE_BROWSER_TEST=no	# see tests/browser.sh
export SSE_FUZZ_TEST=no		# see tests/fuzz.sh

run asan "-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" ""
# ThreadSanitizer runs the daemon and its test client several times slower:
# give each test case twice its time (check's multiplier).
export CK_TIMEOUT_MULTIPLIER=2
run tsan "-O1 -g -fsanitize=thread" \
	"tests/check_ring tests/check_snapshot tests/check_broadcast tests/check_peer tests/check_render \
	tests/check_daemon"
rm -rf "$work"
echo "sanitizers: all clean"
