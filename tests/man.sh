#!/bin/sh
# The man pages: mandoc -Tlint (Debian's mandoc) finds nothing, and man(1)
# (man-db, groff) renders both without a warning.
#
# mandoc looks up every .Xr page: the sibling page in the current directory
# (so it runs in man/), the others in /usr/share/man (curl, systemd and
# libsystemd-dev provide them). Without a mandoc.db there, as on Debian, it
# also says "outdated mandoc.db lacks X entry" for each page it did find:
# a note about this machine's index, not about the page; that note alone is
# let through.
set -eu
: "${srcdir:=.}"
command -v mandoc >/dev/null || { echo "mandoc is missing (apt-get install mandoc)"; exit 1; }
command -v man >/dev/null || { echo "man is missing (apt-get install man-db)"; exit 1; }
pages="sse-metricsd.8 sse-metricsd.conf.5"
out=$(mktemp)
trap 'rm -f "$out" "$out.txt"' EXIT INT TERM
cd "$srcdir/man"

rc=0
# shellcheck disable=SC2086
mandoc -Tlint -Wstyle $pages >"$out" 2>&1 || rc=$?
if grep -v '^mandoc: outdated mandoc.db lacks [^ ]* entry, run makewhatis ' "$out" | grep .; then
	echo "mandoc -Tlint: the problems above"
	exit 1
fi
# 0: nothing to say; 1: only the mandoc.db notes above. 2 and up: findings.
[ "$rc" -le 1 ] || { cat "$out"; echo "mandoc -Tlint exited $rc"; exit 1; }
echo "mandoc -Tlint: clean ($pages)"

for p in $pages; do
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>"$out" >"$out.txt" || {
		cat "$out"; echo "man -l $p failed"; exit 1; }
	if [ -s "$out" ]; then
		cat "$out"; echo "man -l $p: warnings above"; exit 1
	fi
	# Rendered, not empty: the NAME line is there.
	grep -q "^NAME" "$out.txt" || { echo "man -l $p: no NAME section"; exit 1; }
	rm -f "$out.txt"
done
echo "man -l: both render without warnings"
