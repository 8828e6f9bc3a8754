#!/bin/sh
# The dashboard in a real browser (tests/browser/dashboard.test.js): Debian's
# chromium driven by playwright-core, pinned in tests/browser/package-lock.json
# and installed with npm ci into the build tree on first use (the source tree
# may be read-only, as in distcheck). Screenshots go to tests/browser-shots/.
#
# SSE_BROWSER_TEST=no skips it (exit 77): tests/sanitize.sh sets it, since the
# sanitizers instrument the daemon, which check_daemon already drives, not
# the browser, and a second chromium run would only double the time.
set -eu
[ "${SSE_BROWSER_TEST:-yes}" = no ] && { echo "SSE_BROWSER_TEST=no: skipped"; exit 77; }
: "${srcdir:=.}"
src=$(cd "$srcdir" && pwd)
build=$(pwd)
deps=$build/tests/browser-deps
command -v node >/dev/null || { echo "node is missing (scripts/deps installs nodejs)"; exit 1; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "chromium is missing (scripts/deps installs it)"; exit 1; }
if [ ! -f "$deps/node_modules/playwright-core/package.json" ] ||
    ! cmp -s "$src/tests/browser/package-lock.json" "$deps/package-lock.json"; then
	mkdir -p "$deps"
	cp "$src/tests/browser/package.json" "$src/tests/browser/package-lock.json" "$deps/"
	(cd "$deps" && npm ci --no-audit --no-fund --loglevel=error)
fi
NODE_PATH=$deps/node_modules SRCDIR=$src DAEMON=$build/src/sse-metricsd \
    OUTDIR=$build/tests/browser-shots exec node "$src/tests/browser/dashboard.test.js"
