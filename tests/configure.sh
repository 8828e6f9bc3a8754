#!/bin/sh
# configure's systemd choices, on a clean copy of the distributed sources:
# the units (Type=notify, socket activation) are installed only with
# libsystemd, which the daemon needs to notify and to take the socket.
#   --without-systemd                              no units, and a warning
#   --without-systemd --with-systemdsystemunitdir  an error
#   (default, libsystemd-dev installed)            the units
#
# usage: tests/configure.sh BUILDDIR      (make check-all calls it)
set -eu
builddir=$1
work=$builddir/_build-configure
rm -rf "$work"
mkdir -p "$work/b"
make -C "$builddir" distdir distdir="$work/src" >/dev/null
cd "$work/b"
fail() { echo "configure.sh: $*" >&2; exit 1; }
units() { grep -q '^systemdsystemunit_DATA = ' Makefile; }

../src/configure --without-systemd >out 2>&1 || { cat out; fail "--without-systemd failed"; }
units && fail "--without-systemd: the units would be installed, and systemctl start would time out"
grep -q 'WARNING: without libsystemd, no systemd units' out || fail "--without-systemd: no warning"

if ../src/configure --without-systemd --with-systemdsystemunitdir="$work/units" >out 2>&1; then
	fail "--without-systemd --with-systemdsystemunitdir: accepted"
fi
grep -q 'error: --with-systemdsystemunitdir: the units need libsystemd' out ||
	{ cat out; fail "--with-systemdsystemunitdir without libsystemd: not the expected error"; }

../src/configure --with-systemdsystemunitdir="$work/units" >out 2>&1 || { cat out; fail "default failed"; }
units || fail "with libsystemd: the units are not installed"
cd "$builddir"
rm -rf "$work"
echo "configure.sh: units only with libsystemd: ok"
