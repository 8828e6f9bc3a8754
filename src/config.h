/*
 * config: the daemon's settings, read from /etc/sse-metricsd.conf.
 *
 * The file is "key = value" lines with '#' comments, parsed by libinih. Every
 * key is one row of a table {name, type, min, max, default, field, reload}:
 * the parser, the shipped data/sse-metricsd.conf and the man page
 * sse-metricsd.conf(5) all list the same keys (check_config compares the
 * table with the shipped file, check_manpage with the man page).
 *
 * A struct config is a plain value: main owns the running one, builds a new
 * one on SIGHUP and copies the reloadable fields over. No shared state here.
 */
#ifndef SSE_CONFIG_H
#define SSE_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH SYSCONFDIR "/sse-metricsd.conf"
#define CONFIG_DEFAULT_PORT 9730

struct config_listen {
	char host[64];		/* numeric address without brackets: "127.0.0.1", "::1" */
	int family;		/* AF_INET or AF_INET6 */
	unsigned port;		/* 0 = any free port (tests) */
};

struct config {
	struct config_listen listen;	/* listen = ADDR:PORT, default 127.0.0.1:9730 */
	double interval;		/* seconds between ticks, 0.05 .. 3600, default 1 */
	unsigned heartbeat;		/* seconds of silence before a comment, 1 .. 3600, default 15 */
	unsigned history;		/* ticks kept for Last-Event-ID replay, 1 .. 3600, default 300 */
	unsigned chart_window;		/* ticks the charts show, 2 .. 3600, default 60 */
	unsigned max_clients;		/* concurrent streams, 1 .. 1000000, default 1000 */
	unsigned max_clients_per_ip;	/* connections per client address, 0 = no limit */
	unsigned client_buffer;		/* ticks queued per stream before drops, 1 .. 100000, default 32 */
	size_t thread_stack;		/* bytes per connection thread, 16K .. 64M, default 64K */
	size_t connection_memory;	/* bytes of MHD pool per connection, 4K .. 16M, default 16K */
	int stream_affinity;		/* pin stream threads to CPUs, one wake-up group each, default yes */
	unsigned timeout;		/* idle seconds before a connection is closed, 2 .. 86400, default 60 */
	unsigned request_timeout;	/* seconds to send a request's headers, 1 .. 86400, default 10 */
	char procfs[PATH_MAX];		/* where /proc is mounted, default "/proc" */
	char sysfs[PATH_MAX];		/* where /sys is mounted, default "/sys" */
	char webroot[PATH_MAX];		/* page files, default PKGDATADIR "/www" */
	char rootfs[PATH_MAX];		/* where the host's / is seen, for filesystem sizes, default "/" */
	int include_tmpfs;		/* list tmpfs mounts among filesystems, default no */
};

enum config_type {
	CONFIG_LISTEN,		/* ADDR:PORT or [ADDR6]:PORT */
	CONFIG_UINT,		/* decimal integer in [min, max] */
	CONFIG_SECONDS,		/* decimal number, fractions allowed, in [min, max] */
	CONFIG_SIZE,		/* integer with optional K, M or G suffix (powers of 1024) */
	CONFIG_PATH,		/* absolute path, shorter than PATH_MAX */
	CONFIG_BOOL,		/* yes/no, true/false, on/off, 1/0 (stored as int 1/0) */
};

struct config_key {
	const char *name;
	enum config_type type;
	double min, max;	/* bounds for the numeric types */
	const char *default_value;	/* as it would be written in the file */
	size_t offset;		/* offsetof(struct config, field) */
	int reload;		/* 1: SIGHUP applies it; 0: needs a restart */
	const char *help;	/* one line, for --help and the shipped file */
};

/* The table of keys, in the order the shipped file lists them. */
const struct config_key *config_keys(size_t *count);

/* 1 when key k has different values in a and b, 0 when they are equal. */
int config_key_differs(const struct config_key *k, const struct config *a,
    const struct config *b);

/* Fill c with the built-in defaults. */
void config_defaults(struct config *c);

/*
 * Read path into c (which starts from the defaults). Each problem is written
 * to errors as "PATH:LINE: message\n"; all problems are reported, not just
 * the first. Cross-key rules are checked too (timeout > 2 * heartbeat).
 * Returns 0 when the file is valid, -1 otherwise (c is then unspecified).
 * A file that cannot be opened is "PATH: strerror" and -1.
 */
int config_load(const char *path, struct config *c, FILE *errors);

/*
 * Parse "ADDR:PORT" ("127.0.0.1:9730", "[::1]:9730", "0.0.0.0:0").
 * Returns 0, or -1 with a reason in why (a static string).
 */
int config_parse_listen(const char *s, struct config_listen *out, const char **why);

/* Format l as it would be written in a URL: "127.0.0.1:9730", "[::1]:9730". */
void config_format_listen(const struct config_listen *l, char *buf, size_t len);

#endif
