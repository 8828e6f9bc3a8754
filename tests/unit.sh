#!/bin/sh
# The systemd units as built: systemd-analyze verify says nothing, the
# service's exposure (systemd-analyze security --offline) is 2.0 or less
# ("OK" ends at 4.9), and every sandbox setting the unit must have is there,
# while ProcSubset=pid (it hides /proc/stat and /proc/meminfo) is not.
# Neither needs a running systemd. tests/deb.sh checks the installed units.
set -eu
: "${srcdir:=.}"
command -v systemd-analyze >/dev/null || { echo "systemd-analyze is missing (apt-get install systemd)"; exit 1; }
built=data/sse-metricsd.service
[ -f "$built" ] || { echo "$built is not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

# verify wants the Exec*= programs to exist: point them at this build's.
sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/sse-metricsd|\1$(pwd)/src/sse-metricsd|" "$built" \
	>"$tmp/sse-metricsd.service"
cp "$srcdir/data/sse-metricsd.socket" "$tmp/"
unit=$tmp/sse-metricsd.service

# --man=no: the pages are not installed yet (deb.sh checks with them).
(cd "$tmp" && systemd-analyze verify --man=no sse-metricsd.service sse-metricsd.socket) \
	>"$tmp/verify" 2>&1 || { cat "$tmp/verify"; fail "systemd-analyze verify"; }
[ ! -s "$tmp/verify" ] || { cat "$tmp/verify"; fail "systemd-analyze verify has remarks"; }
echo "systemd-analyze verify: clean"

systemd-analyze security --offline=yes --threshold=20 "$unit" >"$tmp/security" 2>&1 || {
	cat "$tmp/security"; fail "exposure above 2.0"; }
grep 'Overall exposure level' "$tmp/security"

for line in Type=notify DynamicUser=yes ProtectSystem=strict ProtectHome=read-only \
    PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes ProtectKernelModules=yes \
    ProtectKernelLogs=yes ProtectControlGroups=yes ProtectClock=yes ProtectHostname=yes \
    ProtectProc=invisible NoNewPrivileges=yes CapabilityBoundingSet= \
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' RestrictNamespaces=yes \
    RestrictRealtime=yes LockPersonality=yes MemoryDenyWriteExecute=yes \
    SystemCallArchitectures=native SystemCallFilter=@system-service UMask=0077 \
    'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -qxF "$line" "$unit" || fail "the service has no line '$line'"
done
! grep -q '^ProcSubset=' "$unit" || fail "ProcSubset= hides /proc/stat and /proc/meminfo"
# One descriptor and one thread per stream: room for max_clients' maximum.
nofile=$(sed -n 's/^LimitNOFILE=\([0-9]*\)$/\1/p' "$unit")
[ -n "$nofile" ] && [ "$nofile" -ge 1000100 ] || fail "LimitNOFILE=$nofile is below 1000000 streams"
grep -qx 'TasksMax=infinity' "$unit" || fail "TasksMax= must not cap the stream threads"
grep -qx 'ListenStream=127.0.0.1:9730' "$tmp/sse-metricsd.socket" || fail "the socket's address"
echo "the unit has every sandbox setting"
