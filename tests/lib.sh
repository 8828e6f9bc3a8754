# Sourced by the shell tests: what they all do to find a daemon they started.
#
# daemon_url LOG [TRIES]: waits for the daemon's "listening on http://.../"
# line in LOG (50 ms a try, 200 tries by default: 10 s, which a daemon
# under strace or a sanitizer needs on a loaded machine) and prints the
# first URL. Returns 1, printing nothing, if the line never came.
daemon_url() {
	_du_tries=${2:-200}
	while [ "$_du_tries" -gt 0 ]; do
		_du_url=$(sed -n 's|.*listening on \(http://[^ ]*/\).*|\1|p' "$1" | head -n 1)
		if [ -n "$_du_url" ]; then
			printf '%s\n' "$_du_url"
			return 0
		fi
		_du_tries=$((_du_tries - 1))
		sleep 0.05
	done
	return 1
}

# url_port URL: the port of an http://HOST:PORT/ URL.
url_port() {
	_up=${1##*:}
	printf '%s\n' "${_up%%/*}"
}

# fixture_conf: the config lines that point the daemon at the host2 fixture
# tree of tests/data, so that what it reads is the same on every machine.
fixture_conf() {
	_fc=$(cd "${srcdir:-.}/tests/data/host2" && pwd)
	printf 'procfs = %s/proc\nsysfs = %s/sys\n' "$_fc" "$_fc"
}
