#!/bin/sh
# The systemd units as built: systemd-analyze verify says nothing, the
# service's exposure (systemd-analyze security --offline) is 2.0 or less
# ("OK" ends at 4.9), and every sandbox setting the unit must have is there,
# while ProcSubset=pid (it hides /proc/stat and /proc/meminfo) is not.
# Neither needs a running systemd. tests/deb.sh checks the installed units.
set -eu
. "${0%/*}/lib.sh"
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
    ProtectKernelLogs=yes ProtectControlGroups=yes ProtectClock=yes \
    ProtectProc=invisible NoNewPrivileges=yes CapabilityBoundingSet= \
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' RestrictNamespaces=yes \
    RestrictRealtime=yes LockPersonality=yes MemoryDenyWriteExecute=yes \
    SystemCallArchitectures=native SystemCallFilter=@system-service UMask=0077 \
    'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -qxF "$line" "$unit" || fail "the service has no line '$line'"
done
! grep -q '^ProcSubset=' "$unit" || fail "ProcSubset= hides /proc/stat and /proc/meminfo"
! grep -q '^ProtectHostname=yes' "$unit" ||
	fail "ProtectHostname=yes freezes the host name the daemon reports at the start's"
# The daemon and the reload's check take the same options, so read the same file.
grep -qx 'ExecStart=[^ ]*/sse-metricsd $SSE_METRICSD_OPTS' "$unit" &&
	grep -qx 'ExecReload=[^ ]*/sse-metricsd -t $SSE_METRICSD_OPTS' "$unit" ||
	fail "ExecStart= and the ExecReload= check do not share \$SSE_METRICSD_OPTS"
# One descriptor and one thread per stream: room for max_clients' maximum.
nofile=$(sed -n 's/^LimitNOFILE=\([0-9]*\)$/\1/p' "$unit")
[ -n "$nofile" ] && [ "$nofile" -ge 1000100 ] || fail "LimitNOFILE=$nofile is below 1000000 streams"
grep -qx 'TasksMax=infinity' "$unit" || fail "TasksMax= must not cap the stream threads"
grep -qx 'ListenStream=127.0.0.1:9730' "$tmp/sse-metricsd.socket" || fail "the socket's address"
echo "the unit has every sandbox setting"

# The syscall filter, as systemd merges its lines: the first allow list
# denies everything else; a later "~" line takes calls out, a later plain
# line puts them back. Every system call the daemon makes (strace, while a
# stream, a scrape, a reload and a stop happen) must stay allowed: a denied
# one fails with EPERM (SystemCallErrorNumber=), and the daemon runs on
# without what it asked for (sched_setaffinity: stream_affinity, silently).
command -v strace >/dev/null || { echo "strace is missing (apt-get install strace)"; exit 1; }
# A sanitizer's runtime makes calls of its own (tests/sanitize.sh's builds).
if ldd ./src/sse-metricsd | grep -Eq 'lib(a|t|ub)san'; then
	echo "syscall filter: not checked with a sanitizer build"
	exit 0
fi
expand() {	# a group or a call -> the calls, one per line
	case $1 in
	@*) systemd-analyze syscall-filter "$1" | sed -n 's/^    \([^#].*\)$/\1/p' |
		while read -r e; do expand "$e"; done ;;
	*) echo "$1" ;;
	esac
}
: >"$tmp/allowed"
first=yes
sed -n 's/^SystemCallFilter=//p' "$unit" >"$tmp/filters"
while read -r line; do
	case $line in
	'~'*) op=remove; line=${line#\~} ;;
	*) op=add ;;
	esac
	[ $first = no ] || [ $op = add ] || fail "the first SystemCallFilter= is a deny list"
	first=no
	for tok in $line; do expand "$tok"; done | sort -u >"$tmp/these"
	if [ $op = add ]; then
		sort -u "$tmp/allowed" "$tmp/these" -o "$tmp/allowed"
	else
		comm -23 "$tmp/allowed" "$tmp/these" >"$tmp/left" && mv "$tmp/left" "$tmp/allowed"
	fi
done <"$tmp/filters"
[ -s "$tmp/allowed" ] || fail "no SystemCallFilter= allows anything"

cat >"$tmp/d.conf" <<CONF
listen = 127.0.0.1:0
interval = 0.2
CONF
strace -f -qq -c -o "$tmp/strace" ./src/sse-metricsd -c "$tmp/d.conf" 2>"$tmp/d.log" &
spid=$!
url=$(daemon_url "$tmp/d.log") || { cat "$tmp/d.log"; kill "$spid"; fail "the daemon did not start under strace"; }
curl -s --max-time 2 -o /dev/null "${url}events" || true
curl -sf -o /dev/null "${url}metrics" || fail "/metrics under strace"
curl -sf -o /dev/null "${url}api/snapshot" || fail "/api/snapshot under strace"
dpid=$(pgrep -P "$spid" -x sse-metricsd || true)
[ -n "$dpid" ] || fail "no daemon under strace"
kill -HUP "$dpid"
sleep 0.5
kill -TERM "$dpid"
wait "$spid" || true
# The summary's last column is the call's name.
awk 'NF >= 5 && $NF ~ /^[a-z_0-9]+$/ && $NF != "total" && $NF != "syscall" { print $NF }' \
	"$tmp/strace" | sort -u >"$tmp/made"
[ -s "$tmp/made" ] || { cat "$tmp/strace"; fail "strace saw no system call"; }
grep -qx sched_setaffinity "$tmp/made" || fail "the daemon pinned no thread (stream_affinity)"
denied=$(comm -23 "$tmp/made" "$tmp/allowed")
[ -z "$denied" ] || fail "the unit's SystemCallFilter= denies what the daemon calls:" $denied
echo "the syscall filter allows all $(wc -l <"$tmp/made") calls the daemon made"
