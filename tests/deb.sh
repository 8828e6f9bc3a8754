#!/bin/sh
# The Debian package, end to end, as CI runs it (root, no systemd running):
# build it from the distributed sources in a scratch directory (the source tree
# stays clean), lintian, install it with apt-get, check what it installed,
# run debian/tests/daemon (the autopkgtest) on the installed files, purge
# it, and check that nothing of it is left.
#
# usage: tests/deb.sh BUILDDIR SRCDIR   (make check-deb / check-all call it)
# It really installs and purges the package sse-metricsd: run it where that
# is fine, and not where sse-metricsd is installed for real.
set -eu
builddir=$1
srcdir=$(cd "$2" && pwd)
start=$(date +%s)
[ "$(id -u)" -eq 0 ] || { echo "deb.sh: must run as root (it installs the package)"; exit 1; }
for tool in dpkg-buildpackage lintian apt-get systemd-analyze; do
	command -v "$tool" >/dev/null || { echo "deb.sh: $tool is missing (scripts/deps)"; exit 1; }
done
if dpkg-query -W -f='${Status}' sse-metricsd 2>/dev/null | grep -q 'ok installed'; then
	echo "deb.sh: SKIP: sse-metricsd is installed here; this test would replace and purge it"
	exit 0
fi

work=$(mktemp -d /tmp/sse-metricsd-deb.XXXXXX)
installed=0
cleanup() {
	rc=$?
	if [ "$installed" -eq 1 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sse-metricsd >/dev/null 2>&1 || :
	fi
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT INT TERM
fail() { echo "deb.sh: FAIL: $*"; exit 1; }
step() { echo "== $* ($(($(date +%s) - start)) s)"; }

step "the distributed sources (make distdir)"
mkdir "$work/build"
make -C "$builddir" distdir distdir="$work/build/src" >"$work/dist.log" 2>&1 || {
	cat "$work/dist.log"; fail "make distdir"; }
cd "$work/build/src"

step "dpkg-buildpackage -us -uc -b (nocheck: the suite has run)"
DEB_BUILD_OPTIONS=nocheck DEB_BUILD_PROFILES=nocheck \
	dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1 || {
	tail -50 "$work/build.log"; fail "dpkg-buildpackage"; }
cd "$work/build"
deb=$(ls "$work"/build/sse-metricsd_*.deb)
changes=$(ls "$work"/build/sse-metricsd_*.changes)
echo "built $(basename "$deb") ($(wc -c <"$deb") bytes)"

# make install puts the same files in the same places (dh_auto_install ran
# it into debian/sse-metricsd; dh then added the docs and lintian overrides
# and gzipped the pages).
make -C "$work/build/src" install DESTDIR="$work/inst" >"$work/install-make.log" 2>&1 || {
	cat "$work/install-make.log"; fail "make install DESTDIR"; }
(cd "$work/inst" && find . ! -type d | sed 's|^\.||' | sort) >"$work/make-files"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' |
	grep -v -e '^/usr/share/doc/' -e '^/usr/share/lintian/' | sed 's|\.gz$||' | sort >"$work/deb-files"
diff -u "$work/make-files" "$work/deb-files" ||
	fail "make install and the package install different files (above)"
echo "make install DESTDIR: the same $(wc -l <"$work/make-files") files as the package"

step "maintainer scripts: an upgrade keeps the socket, a removal stops it"
dpkg-deb -e "$deb" "$work/control"
for s in preinst postinst prerm postrm; do touch "$work/control/$s"; done
! grep -q "stop.*sse-metricsd\.socket" "$work/control/preinst" ||
	fail "preinst stops sse-metricsd.socket on upgrade: nothing starts it again"
grep -q "start.*sse-metricsd\.socket" "$work/control/postinst" ||
	fail "postinst does not start sse-metricsd.socket again (where it is enabled)"
grep -q "stop.*sse-metricsd\.socket" "$work/control/prerm" ||
	fail "prerm leaves sse-metricsd.socket listening after a removal"
echo "maintainer scripts: the socket is kept on upgrade, stopped on removal"

step "lintian"
# Errors and warnings fail; info and pedantic tags are listed, not judged.
lintian --fail-on error,warning --display-info --pedantic "$changes" || {
	fail "lintian reports errors or warnings (above)"; }
echo "lintian: no errors, no warnings"

step "apt-get install ./$(basename "$deb")"
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" \
	>"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "apt-get install"; }
dpkg -L sse-metricsd | sort >"$work/files"
for f in /usr/sbin/sse-metricsd /etc/sse-metricsd.conf \
    /usr/share/sse-metricsd/www/index.html \
    /usr/share/man/man8/sse-metricsd.8.gz /usr/share/man/man5/sse-metricsd.conf.5.gz \
    /lib/systemd/system/sse-metricsd.service /lib/systemd/system/sse-metricsd.socket \
    /usr/share/doc/sse-metricsd/copyright /usr/share/doc/sse-metricsd/json-schema.md; do
	grep -qx "$f" "$work/files" || fail "the package has no $f"
	[ -e "$f" ] || fail "$f is not installed"
done
# Every page file of the source tree is in the package (a file missing from
# dist_www_DATA is missing from both the tarball and the package).
for f in "$srcdir"/data/www/*; do
	[ -e "/usr/share/sse-metricsd/www/$(basename "$f")" ] ||
		fail "data/www/$(basename "$f") is not installed"
done
dpkg-query -W -f='${Conffiles}\n' sse-metricsd | grep -q '^ /etc/sse-metricsd.conf ' ||
	fail "/etc/sse-metricsd.conf is not a conffile"
cmp -s /etc/sse-metricsd.conf "$work/build/src/data/sse-metricsd.conf" ||
	fail "/etc/sse-metricsd.conf differs from data/sse-metricsd.conf"
MANPAGER=cat MANWIDTH=80 man 8 sse-metricsd 2>&1 | grep -q '^SYNOPSIS' || fail "man sse-metricsd"
MANPAGER=cat MANWIDTH=80 man 5 sse-metricsd.conf 2>&1 | grep -q '^KEYS' || fail "man sse-metricsd.conf"
echo "installed: $(grep -c . "$work/files") paths; conffile, pages and units in place"

step "systemd-analyze verify and security on the installed units"
systemd-analyze verify /lib/systemd/system/sse-metricsd.service \
	/lib/systemd/system/sse-metricsd.socket || fail "systemd-analyze verify"
# OK or better is 4.9 or less; this unit scores about 1, so 2.0 is the bar.
systemd-analyze security --offline=yes --threshold=20 \
	/lib/systemd/system/sse-metricsd.service >"$work/security" 2>&1 || {
	cat "$work/security"; fail "systemd-analyze security: exposure above 2.0"; }
grep 'Overall exposure level' "$work/security"

step "the installed daemon (debian/tests/daemon)"
sh "$work/build/src/debian/tests/daemon" || fail "debian/tests/daemon"

step "apt-get purge"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sse-metricsd >"$work/purge.log" 2>&1 || {
	cat "$work/purge.log"; fail "apt-get purge"; }
installed=0
left=0
while read -r f; do
	# Directories the package shares with others (/usr, /etc, /lib) stay.
	if [ -d "$f" ]; then
		case $f in
		*/sse-metricsd|*/sse-metricsd/*) ;;
		*) continue ;;
		esac
	fi
	if [ -e "$f" ] || [ -L "$f" ]; then
		echo "left after purge: $f"
		left=1
	fi
done <"$work/files"
for f in /etc/sse-metricsd.conf /etc/systemd/system/multi-user.target.wants/sse-metricsd.service; do
	if [ -e "$f" ] || [ -L "$f" ]; then echo "left after purge: $f"; left=1; fi
done
stray=$(find /etc /var/lib/systemd /var/lib/dpkg/info -name 'sse-metricsd*' 2>/dev/null || :)
[ -z "$stray" ] || { echo "left after purge:"; echo "$stray"; left=1; }
[ "$left" -eq 0 ] || fail "files left after purge"
dpkg-query -W sse-metricsd >/dev/null 2>&1 && fail "dpkg still knows sse-metricsd"
echo "purged: nothing of the package is left"

step "deb: all passed"
