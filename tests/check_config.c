/*
 * config: defaults, a file setting every key, every kind of error with its
 * FILE:LINE, the timeout/heartbeat rule, listen parsing, and the shipped
 * data/sse-metricsd.conf agreeing with the key table.
 */
#include <sys/socket.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "strbuf.h"

#define NELEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define CONF_DIR	TEST_DATA "/conf"
#define SHIPPED_CONF	TEST_DATA "/../../data/sse-metricsd.conf"
/* The shipped file spells webroot for a /usr install (see read_lines). */
#define SHIPPED_PKGDATADIR "/usr/share/sse-metricsd"

/* Load path into c; *errors gets what config_load wrote (caller frees). */
static int
load_path(const char *path, struct config *c, char **errors)
{
	size_t len;
	FILE *f = open_memstream(errors, &len);
	int rc;

	ck_assert_ptr_nonnull(f);
	rc = config_load(path, c, f);
	ck_assert_int_eq(fclose(f), 0);
	return rc;
}

/* Write text to a new file under /tmp; path must be a mkstemp template. */
static void
write_temp(char *path, const char *text)
{
	int fd = mkstemp(path);
	size_t len = strlen(text);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

/* Replace every from in s by to; returns a new string, frees s. */
static char *
replace(char *s, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = s, *hit;

	strbuf_puts(&sb, "");
	while ((hit = strstr(p, from)) != NULL) {
		strbuf_append(&sb, p, (size_t)(hit - p));
		strbuf_puts(&sb, to);
		p = hit + strlen(from);
	}
	strbuf_puts(&sb, p);
	free(s);
	return strbuf_detach(&sb, NULL);
}

/*
 * Load text as a config file. *errors gets the messages with the temporary
 * file's name written as "F", so expectations read "F:2: ...".
 */
static int
load_text(const char *text, struct config *c, char **errors)
{
	char path[] = "/tmp/check_config.XXXXXX";
	int rc;

	write_temp(path, text);
	rc = load_path(path, c, errors);
	ck_assert_int_eq(unlink(path), 0);
	*errors = replace(*errors, path, "F");
	return rc;
}

/* The field of key k in c, written the way a test expects it. */
static void
field_text(const struct config *c, const struct config_key *k, char *buf,
    size_t len)
{
	const char *field = (const char *)c + k->offset;

	switch (k->type) {
	case CONFIG_LISTEN:
		config_format_listen((const struct config_listen *)(const void *)field,
		    buf, len);
		break;
	case CONFIG_UINT:
		snprintf(buf, len, "%u", *(const unsigned *)(const void *)field);
		break;
	case CONFIG_SECONDS:
		snprintf(buf, len, "%g", *(const double *)(const void *)field);
		break;
	case CONFIG_SIZE:
		snprintf(buf, len, "%zu", *(const size_t *)(const void *)field);
		break;
	case CONFIG_PATH:
		snprintf(buf, len, "%s", field);
		break;
	case CONFIG_BOOL:
		snprintf(buf, len, "%s", *(const int *)(const void *)field ? "yes" : "no");
		break;
	}
}

static const struct config_key *
key_named(const char *name)
{
	size_t n;
	const struct config_key *keys = config_keys(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	ck_abort_msg("no key %s", name);
	return NULL;
}

/* Every key of a equals that of b, and so do the bytes (main uses memcmp). */
static void
assert_config_eq(const struct config *a, const struct config *b)
{
	size_t n;
	const struct config_key *keys = config_keys(&n);
	char x[PATH_MAX + 32], y[PATH_MAX + 32];

	for (size_t i = 0; i < n; i++) {
		field_text(a, &keys[i], x, sizeof(x));
		field_text(b, &keys[i], y, sizeof(y));
		ck_assert_msg(strcmp(x, y) == 0, "%s: '%s' != '%s'",
		    keys[i].name, x, y);
	}
	ck_assert(memcmp(a, b, sizeof(*a)) == 0);
}

START_TEST(key_table)
{
	static const char *const names[] = {
		"listen", "interval", "heartbeat", "history", "chart_window", "max_clients",
		"max_clients_per_ip", "client_buffer", "thread_stack", "connection_memory",
		"stream_affinity", "timeout", "request_timeout",
		"procfs", "sysfs", "webroot", "rootfs", "include_tmpfs",
	};
	static const char *const reloadable[] = {
		"interval", "heartbeat", "client_buffer",
	};
	size_t n;
	const struct config_key *keys = config_keys(&n);

	ck_assert_uint_eq(n, NELEMS(names));
	for (size_t i = 0; i < n; i++) {
		int reload = 0;

		ck_assert_str_eq(keys[i].name, names[i]);
		ck_assert_ptr_nonnull(keys[i].default_value);
		ck_assert_ptr_nonnull(keys[i].help);
		ck_assert_uint_gt(strlen(keys[i].help), 10);
		for (size_t j = 0; j < NELEMS(reloadable); j++)
			if (strcmp(reloadable[j], names[i]) == 0)
				reload = 1;
		ck_assert_int_eq(keys[i].reload, reload);
	}
	ck_assert_ptr_eq(config_keys(NULL), keys);
}
END_TEST

START_TEST(defaults)
{
	struct config c;

	memset(&c, 0xa5, sizeof(c));
	config_defaults(&c);
	ck_assert_str_eq(c.listen.host, "127.0.0.1");
	ck_assert_int_eq(c.listen.family, AF_INET);
	ck_assert_uint_eq(c.listen.port, CONFIG_DEFAULT_PORT);
	ck_assert_double_eq(c.interval, 1.0);
	ck_assert_uint_eq(c.heartbeat, 15);
	ck_assert_uint_eq(c.history, 300);
	ck_assert_uint_eq(c.max_clients, 1000);
	ck_assert_uint_eq(c.client_buffer, 32);
	ck_assert_uint_eq(c.thread_stack, 64 * 1024);
	ck_assert_uint_eq(c.connection_memory, 16 * 1024);
	ck_assert_int_eq(c.stream_affinity, 1);
	ck_assert_uint_eq(c.timeout, 60);
	ck_assert_uint_eq(c.request_timeout, 10);
	ck_assert_str_eq(c.procfs, "/proc");
	ck_assert_str_eq(c.sysfs, "/sys");
	ck_assert_str_eq(c.webroot, PKGDATADIR "/www");
	ck_assert_str_eq(c.rootfs, "/");
	ck_assert_int_eq(c.include_tmpfs, 0);
}
END_TEST

START_TEST(good_file_sets_every_key)
{
	struct config c;
	char *errors;

	ck_assert_int_eq(load_path(CONF_DIR "/good.conf", &c, &errors), 0);
	ck_assert_str_eq(errors, "");
	free(errors);
	ck_assert_str_eq(c.listen.host, "::1");
	ck_assert_int_eq(c.listen.family, AF_INET6);
	ck_assert_uint_eq(c.listen.port, 8080);
	ck_assert_double_eq(c.interval, 0.25);
	ck_assert_uint_eq(c.heartbeat, 10);
	ck_assert_uint_eq(c.history, 600);
	ck_assert_uint_eq(c.max_clients, 50);
	ck_assert_uint_eq(c.max_clients_per_ip, 8);
	ck_assert_uint_eq(c.client_buffer, 64);
	ck_assert_uint_eq(c.thread_stack, 128 * 1024);
	ck_assert_uint_eq(c.connection_memory, 1024 * 1024);
	ck_assert_int_eq(c.stream_affinity, 0);
	ck_assert_uint_eq(c.timeout, 21);
	ck_assert_uint_eq(c.request_timeout, 7);
	ck_assert_str_eq(c.procfs, "/srv/proc");
	ck_assert_str_eq(c.sysfs, "/srv/sys#not-a-comment");
	ck_assert_str_eq(c.webroot, "/srv/www");
	ck_assert_str_eq(c.rootfs, "/host");
	ck_assert_int_eq(c.include_tmpfs, 1);
}
END_TEST

/* Values the parser accepts, and what the key then holds. */
static const struct {
	const char *text, *key, *value;
} accepted[] = {
	{ "heartbeat = 1\n", "heartbeat", "1" },
	{ "heartbeat = 007\n", "heartbeat", "7" },
	{ "heartbeat = 3600\ntimeout = 86400\n", "heartbeat", "3600" },
	{ "max_clients = 1000000\n", "max_clients", "1000000" },
	{ "timeout = 31\n", "timeout", "31" },	/* 2 * 15 + 1 */
	{ "heartbeat = 10\ntimeout = 21\n", "timeout", "21" },
	{ "heartbeat = 1\ntimeout = 3\n", "timeout", "3" },	/* the least timeout */
	/* A line led by CR, VT or FF is a line of its own, not a continuation. */
	{ "interval = 2\n\rheartbeat = 5\n", "heartbeat", "5" },
	{ "interval = 2\n\v\fheartbeat = 5\n", "heartbeat", "5" },
	{ "interval = 0.05\n", "interval", "0.05" },
	{ "interval = 3600\n", "interval", "3600" },
	{ "interval = .5\n", "interval", "0.5" },
	{ "interval = 1e-1\n", "interval", "0.1" },
	{ "thread_stack = 16384\n", "thread_stack", "16384" },
	{ "thread_stack = 16k\n", "thread_stack", "16384" },
	{ "thread_stack = 64M\n", "thread_stack", "67108864" },
	{ "connection_memory = 4K\n", "connection_memory", "4096" },
	{ "connection_memory = 16m\n", "connection_memory", "16777216" },
	{ "listen = 0.0.0.0:0\n", "listen", "0.0.0.0:0" },
	{ "listen = [::]:9730\n", "listen", "[::]:9730" },
	{ "listen = [::ffff:127.0.0.1]:80\n", "listen", "[::ffff:127.0.0.1]:80" },
	{ "webroot = /srv/a#b\n", "webroot", "/srv/a#b" },
	{ "webroot = /srv/www\t# comment\n", "webroot", "/srv/www" },
	{ "webroot = /srv/www ; comment\n", "webroot", "/srv/www" },
	{ "include_tmpfs = yes\n", "include_tmpfs", "yes" },
	{ "include_tmpfs = ON\n", "include_tmpfs", "yes" },
	{ "include_tmpfs = 1\n", "include_tmpfs", "yes" },
	{ "include_tmpfs = false\n", "include_tmpfs", "no" },
	{ "include_tmpfs = Off\n", "include_tmpfs", "no" },
	{ "  heartbeat = 9\n", "heartbeat", "9" },
	{ "heartbeat = 9\r\n", "heartbeat", "9" },
	{ "heartbeat = 9", "heartbeat", "9" },	/* no final newline */
	{ "\xef\xbb\xbfheartbeat = 9\n", "heartbeat", "9" },
	{ "# only\n\n; comments\n   \n", "heartbeat", "15" },
	{ "", "heartbeat", "15" },
};

START_TEST(accepts_value)
{
	struct config c;
	char *errors, buf[PATH_MAX + 32];

	ck_assert_int_eq(load_text(accepted[_i].text, &c, &errors), 0);
	ck_assert_str_eq(errors, "");
	free(errors);
	field_text(&c, key_named(accepted[_i].key), buf, sizeof(buf));
	ck_assert_str_eq(buf, accepted[_i].value);
}
END_TEST

/* One problem per file, reported as F:LINE: message. */
static const struct {
	const char *text, *errors;
} rejected[] = {
	/* unknown key */
	{ "# comment\nintervall = 1\n", "F:2: unknown key 'intervall'\n" },
	{ "Heartbeat = 10\n", "F:1: unknown key 'Heartbeat'\n" },
	/* not a number */
	{ "heartbeat = abc\n", "F:1: heartbeat: expected a whole number, got 'abc'\n" },
	{ "heartbeat = -5\n", "F:1: heartbeat: expected a whole number, got '-5'\n" },
	{ "heartbeat = +5\n", "F:1: heartbeat: expected a whole number, got '+5'\n" },
	{ "heartbeat =\n", "F:1: heartbeat: expected a whole number, got ''\n" },
	{ "heartbeat = # nothing\n", "F:1: heartbeat: expected a whole number, got ''\n" },
	{ "interval = fast\n", "F:1: interval: expected a number, got 'fast'\n" },
	{ "interval = nan\n", "F:1: interval: expected a number, got 'nan'\n" },
	{ "interval = inf\n", "F:1: interval: expected a number, got 'inf'\n" },
	{ "interval = 0x1p0\n", "F:1: interval: expected a number, got '0x1p0'\n" },
	{ "thread_stack = K\n", "F:1: thread_stack: expected a size such as 64K, got 'K'\n" },
	/* below the minimum */
	{ "\n\ninterval = 0\n", "F:3: interval: '0' is below the minimum 0.05\n" },
	{ "interval = 0.049\n", "F:1: interval: '0.049' is below the minimum 0.05\n" },
	{ "interval = -1\n", "F:1: interval: '-1' is below the minimum 0.05\n" },
	{ "heartbeat = 0\n", "F:1: heartbeat: '0' is below the minimum 1\n" },
	{ "timeout = 2\n", "F:1: timeout: '2' is below the minimum 3\n" },
	{ "thread_stack = 1K\n", "F:1: thread_stack: '1K' is below the minimum 16K\n" },
	{ "connection_memory = 4095\n", "F:1: connection_memory: '4095' is below the minimum 4K\n" },
	/* above the maximum, overflow included */
	{ "interval = 3600.5\n", "F:1: interval: '3600.5' is above the maximum 3600\n" },
	{ "interval = 1e999\n", "F:1: interval: '1e999' is above the maximum 3600\n" },
	{ "heartbeat = 3601\n", "F:1: heartbeat: '3601' is above the maximum 3600\n" },
	{ "history = 3601\n", "F:1: history: '3601' is above the maximum 3600\n" },
	{ "max_clients = 99999999999999999999999\n",
	  "F:1: max_clients: '99999999999999999999999' is above the maximum 1000000\n" },
	{ "max_clients = 4294967297\n",
	  "F:1: max_clients: '4294967297' is above the maximum 1000000\n" },
	{ "thread_stack = 65M\n", "F:1: thread_stack: '65M' is above the maximum 64M\n" },
	{ "thread_stack = 1G\n", "F:1: thread_stack: '1G' is above the maximum 64M\n" },
	{ "connection_memory = 17179869184G\n",
	  "F:1: connection_memory: '17179869184G' is above the maximum 16M\n" },
	/* trailing junk */
	{ "heartbeat = 10s\n", "F:1: heartbeat: trailing characters in '10s'\n" },
	{ "heartbeat = 0x10\n", "F:1: heartbeat: trailing characters in '0x10'\n" },
	{ "heartbeat = 1 2\n", "F:1: heartbeat: trailing characters in '1 2'\n" },
	{ "interval = 1.5s\n", "F:1: interval: trailing characters in '1.5s'\n" },
	{ "thread_stack = 64KB\n", "F:1: thread_stack: trailing characters in '64KB'\n" },
	{ "thread_stack = 64 K\n", "F:1: thread_stack: trailing characters in '64 K'\n" },
	/* duplicate key */
	{ "heartbeat = 10\n\nheartbeat = 10\n",
	  "F:3: duplicate key 'heartbeat' (first set at line 1)\n" },
	/* section header */
	{ "[main]\nheartbeat = 10\n", "F:1: section headers are not allowed, got '[main]'\n" },
	/* no '=' */
	{ "heartbeat 10\n", "F:1: expected 'key = value', got 'heartbeat 10'\n" },
	{ "= 10\n", "F:1: expected 'key = value', got '= 10'\n" },
	{ "listen: 127.0.0.1:80\n", "F:1: expected 'key = value', got 'listen: 127.0.0.1:80'\n" },
	{ "heartbeat = 10\n  timeout = 30\n\tmore\n",
	  "F:3: expected 'key = value', got 'more'\n" },
	/* listen */
	{ "listen = 127.0.0.1\n", "F:1: listen: expected ADDR:PORT, got '127.0.0.1'\n" },
	{ "listen = 127.0.0.1:\n", "F:1: listen: missing port, got '127.0.0.1:'\n" },
	{ "listen = 127.0.0.1:65536\n",
	  "F:1: listen: port is not a number from 0 to 65535, got '127.0.0.1:65536'\n" },
	{ "listen = 127.0.0.1:-1\n",
	  "F:1: listen: port is not a number from 0 to 65535, got '127.0.0.1:-1'\n" },
	{ "listen = localhost\n", "F:1: listen: expected ADDR:PORT, got 'localhost'\n" },
	{ "listen = localhost:9730\n",
	  "F:1: listen: not a numeric IPv4 address, got 'localhost:9730'\n" },
	{ "listen = ::1:9730\n",
	  "F:1: listen: an IPv6 address needs brackets, as in [::1]:PORT, got '::1:9730'\n" },
	{ "listen = [::1]\n", "F:1: listen: expected [ADDR]:PORT, got '[::1]'\n" },
	{ "listen = [::1:9730\n",
	  "F:1: listen: missing ']' after the IPv6 address, got '[::1:9730'\n" },
	{ "listen = [127.0.0.1]:9730\n",
	  "F:1: listen: not a numeric IPv6 address, got '[127.0.0.1]:9730'\n" },
	{ "listen = :9730\n",
	  "F:1: listen: missing address (0.0.0.0 or [::] means any), got ':9730'\n" },
	/* paths */
	{ "procfs = proc\n", "F:1: procfs: expected an absolute path, got 'proc'\n" },
	{ "webroot = ./www\n", "F:1: webroot: expected an absolute path, got './www'\n" },
	{ "sysfs = ~/sys\n", "F:1: sysfs: expected an absolute path, got '~/sys'\n" },
	/* booleans */
	{ "include_tmpfs = maybe\n", "F:1: include_tmpfs: expected yes or no, got 'maybe'\n" },
	{ "include_tmpfs = 2\n", "F:1: include_tmpfs: expected yes or no, got '2'\n" },
	{ "include_tmpfs = yess\n", "F:1: include_tmpfs: expected yes or no, got 'yess'\n" },
	/* timeout must exceed twice heartbeat: the line of whichever came last */
	{ "heartbeat = 30\n", "F:1: timeout (60) must be greater than twice heartbeat (30)\n" },
	{ "timeout = 3\n", "F:1: timeout (3) must be greater than twice heartbeat (15)\n" },
	{ "timeout = 20\nheartbeat = 10\n",
	  "F:2: timeout (20) must be greater than twice heartbeat (10)\n" },
	{ "heartbeat = 10\n# then\ntimeout = 20\n",
	  "F:3: timeout (20) must be greater than twice heartbeat (10)\n" },
};

START_TEST(rejects_file)
{
	struct config c;
	char *errors;

	ck_assert_int_eq(load_text(rejected[_i].text, &c, &errors), -1);
	ck_assert_str_eq(errors, rejected[_i].errors);
	free(errors);
}
END_TEST

START_TEST(reports_every_error_with_its_line)
{
	static const char expected[] =
	    "F:2: unknown key 'intervall'\n"
	    "F:4: interval: '0' is below the minimum 0.05\n"
	    "F:6: section headers are not allowed, got '[main]'\n"
	    "F:7: expected 'key = value', got 'history 300'\n"
	    "F:8: duplicate key 'heartbeat' (first set at line 3)\n"
	    "F:9: thread_stack: trailing characters in '64X'\n"
	    "F:10: listen: expected ADDR:PORT, got 'localhost'\n"
	    "F:11: procfs: expected an absolute path, got 'proc'\n"
	    "F:12: timeout (20) must be greater than twice heartbeat (10)\n";
	struct config c;
	char *errors;

	ck_assert_int_eq(load_path(CONF_DIR "/errors.conf", &c, &errors), -1);
	errors = replace(errors, CONF_DIR "/errors.conf", "F");
	ck_assert_str_eq(errors, expected);
	free(errors);
}
END_TEST

START_TEST(long_line_is_an_error)
{
	struct strbuf sb = STRBUF_INIT;
	struct config c;
	char *errors;

	strbuf_puts(&sb, "heartbeat = 10\nprocfs = /");
	for (int i = 0; i < 1000; i++)
		strbuf_putc(&sb, 'a');
	strbuf_puts(&sb, "\nheartbeat = x\n");
	ck_assert_int_eq(load_text(sb.data, &c, &errors), -1);
	/* The limit is libinih's line buffer; the next line still counts. */
	ck_assert_msg(strncmp(errors, "F:2: line longer than ", 22) == 0, "%s", errors);
	ck_assert_ptr_nonnull(strstr(errors,
	    "\nF:3: duplicate key 'heartbeat' (first set at line 1)\n"));
	free(errors);
	strbuf_free(&sb);
}
END_TEST

/* A NUL byte ends the line for a C string: the line is refused, not cut. */
START_TEST(nul_byte_is_an_error)
{
	static const char text[] = "history = 5\0garbage\nheartbeat = 7\n";
	char path[] = "/tmp/check_config.XXXXXX";
	struct config c;
	char *errors;
	int fd = mkstemp(path);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(load_path(path, &c, &errors), -1);
	ck_assert_int_eq(unlink(path), 0);
	errors = replace(errors, path, "F");
	ck_assert_str_eq(errors, "F:1: a NUL byte in the line\n");
	free(errors);
}
END_TEST

START_TEST(unreadable_file)
{
	static const struct {
		const char *path, *errors;
	} cases[] = {
		{ CONF_DIR "/missing.conf", CONF_DIR "/missing.conf: No such file or directory\n" },
		{ CONF_DIR, CONF_DIR ": Is a directory\n" },
	};
	struct config c;
	char *errors;

	for (size_t i = 0; i < NELEMS(cases); i++) {
		ck_assert_int_eq(load_path(cases[i].path, &c, &errors), -1);
		ck_assert_str_eq(errors, cases[i].errors);
		free(errors);
	}
	/* No stream for the errors: still the verdict. */
	ck_assert_int_eq(config_load(CONF_DIR "/errors.conf", &c, NULL), -1);
	ck_assert_int_eq(config_load(CONF_DIR "/good.conf", &c, NULL), 0);
}
END_TEST

static const struct {
	const char *in, *host;
	int family;
	unsigned port;
	const char *out;
} listen_good[] = {
	{ "127.0.0.1:9730", "127.0.0.1", AF_INET, 9730, "127.0.0.1:9730" },
	{ "0.0.0.0:0", "0.0.0.0", AF_INET, 0, "0.0.0.0:0" },
	{ "10.1.2.3:080", "10.1.2.3", AF_INET, 80, "10.1.2.3:80" },
	{ "[::1]:9730", "::1", AF_INET6, 9730, "[::1]:9730" },
	{ "[::]:65535", "::", AF_INET6, 65535, "[::]:65535" },
	{ "[fe80::1:2]:1", "fe80::1:2", AF_INET6, 1, "[fe80::1:2]:1" },
};

START_TEST(listen_round_trip)
{
	struct config_listen l, again;
	const char *why = NULL;
	char buf[128];

	ck_assert_int_eq(config_parse_listen(listen_good[_i].in, &l, &why), 0);
	ck_assert_str_eq(l.host, listen_good[_i].host);
	ck_assert_int_eq(l.family, listen_good[_i].family);
	ck_assert_uint_eq(l.port, listen_good[_i].port);
	config_format_listen(&l, buf, sizeof(buf));
	ck_assert_str_eq(buf, listen_good[_i].out);
	ck_assert_int_eq(config_parse_listen(buf, &again, NULL), 0);
	ck_assert(memcmp(&l, &again, sizeof(l)) == 0);
}
END_TEST

static const char *const listen_bad[] = {
	"", ":", "1.2.3.4", "1.2.3.4:", ":80", "1.2.3.4:65536",
	"1.2.3.4:99999999999999999999999", "1.2.3.4:+1", "1.2.3.4: 80",
	"1.2.3.4:80x", "256.0.0.1:80", "localhost:80", "::1", "::1:80",
	"[::1]", "[::1]x:80", "[::1:80", "[]:80", "[fe80::1%eth0]:80",
	"[1.2.3.4]:80", "[1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc]:80",
};

START_TEST(listen_rejects)
{
	struct config_listen l;
	const char *why = NULL;

	memset(&l, 0x5a, sizeof(l));
	ck_assert_int_eq(config_parse_listen(listen_bad[_i], &l, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_gt(strlen(why), 0);
	ck_assert_uint_eq(l.port, 0x5a5a5a5a);	/* untouched */
	ck_assert_int_eq(config_parse_listen(listen_bad[_i], &l, NULL), -1);
}
END_TEST

START_TEST(format_listen_truncates)
{
	struct config_listen l;
	char buf[6];

	ck_assert_int_eq(config_parse_listen("[::1]:9730", &l, NULL), 0);
	config_format_listen(&l, buf, sizeof(buf));
	ck_assert_str_eq(buf, "[::1]");
	config_format_listen(&l, buf, 0);
}
END_TEST

/*
 * The lines of the shipped file; free with free_lines(). The file is written
 * for a /usr install; this build's PKGDATADIR stands in for that, so the
 * checks hold whatever --prefix the tree was configured with.
 */
static char **
read_lines(const char *path, size_t *count)
{
	FILE *f = fopen(path, "r");
	char **lines = NULL, *line = NULL;
	size_t n = 0, size = 0;
	ssize_t len;

	ck_assert_msg(f != NULL, "%s", path);
	while ((len = getline(&line, &size, f)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		lines = realloc(lines, (n + 1) * sizeof(*lines));
		ck_assert_ptr_nonnull(lines);
		lines[n++] = replace(strdup(line), SHIPPED_PKGDATADIR,
		    PKGDATADIR);
	}
	free(line);
	fclose(f);
	*count = n;
	return lines;
}

static void
free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* The key whose "#key =" line this is, or NULL. */
static const struct config_key *
commented_key(const char *line)
{
	size_t n;
	const struct config_key *keys = config_keys(&n);

	if (line[0] != '#')
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(keys[i].name);

		if (strncmp(line + 1, keys[i].name, len) == 0 &&
		    strncmp(line + 1 + len, " =", 2) == 0)
			return &keys[i];
	}
	return NULL;
}

START_TEST(shipped_file_lists_every_default)
{
	size_t nkeys, nlines;
	const struct config_key *keys = config_keys(&nkeys);
	char **lines = read_lines(SHIPPED_CONF, &nlines);
	char want[PATH_MAX + 64];

	for (size_t i = 0; i < nkeys; i++) {
		size_t at = nlines, para;

		snprintf(want, sizeof(want), "#%s = %s", keys[i].name,
		    keys[i].default_value);
		for (size_t j = 0; j < nlines; j++)
			if (strcmp(lines[j], want) == 0)
				at = j;
		ck_assert_msg(at < nlines, "no line '%s' in %s", want, SHIPPED_CONF);

		/* The comment above it says whether SIGHUP applies it. */
		for (para = at; para > 0 && lines[para - 1][0] == '#'; para--)
			;
		for (size_t j = para, said = 0; j <= at; j++) {
			if (strstr(lines[j], keys[i].reload ? "Applied on reload" :
			    "Needs a restart") != NULL)
				said = 1;
			if (j == at)
				ck_assert_msg(said, "%s: reload not stated", keys[i].name);
		}
	}
	free_lines(lines, nlines);
}
END_TEST

START_TEST(shipped_file_uncommented_is_the_defaults)
{
	struct strbuf sb = STRBUF_INIT;
	char path[] = "/tmp/check_config.XXXXXX";
	size_t nlines, uncommented = 0, nkeys;
	char **lines = read_lines(SHIPPED_CONF, &nlines);
	struct config c, d;
	char *errors;

	for (size_t i = 0; i < nlines; i++) {
		if (commented_key(lines[i]) != NULL) {
			strbuf_puts(&sb, lines[i] + 1);
			uncommented++;
		} else {
			strbuf_puts(&sb, lines[i]);
		}
		strbuf_putc(&sb, '\n');
	}
	config_keys(&nkeys);
	ck_assert_uint_eq(uncommented, nkeys);
	write_temp(path, sb.data);
	ck_assert_int_eq(load_path(path, &c, &errors), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_str_eq(errors, "");
	free(errors);
	config_defaults(&d);
	assert_config_eq(&c, &d);
	strbuf_free(&sb);
	free_lines(lines, nlines);
}
END_TEST

/* good.conf sets every key to something else than its default. */
START_TEST(key_differs)
{
	struct config d1, d2, good;
	const struct config_key *keys;
	char *errors;
	size_t n;

	config_defaults(&d1);
	config_defaults(&d2);
	ck_assert_int_eq(load_path(CONF_DIR "/good.conf", &good, &errors), 0);
	free(errors);
	keys = config_keys(&n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(!config_key_differs(&keys[i], &d1, &d2), "%s differs between defaults",
		    keys[i].name);
		ck_assert_msg(config_key_differs(&keys[i], &d1, &good), "%s: good.conf equals the default",
		    keys[i].name);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, key_table);
	tcase_add_test(tc, key_differs);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, good_file_sets_every_key);
	tcase_add_loop_test(tc, accepts_value, 0, NELEMS(accepted));
	tcase_add_loop_test(tc, rejects_file, 0, NELEMS(rejected));
	tcase_add_test(tc, reports_every_error_with_its_line);
	tcase_add_test(tc, long_line_is_an_error);
	tcase_add_test(tc, nul_byte_is_an_error);
	tcase_add_test(tc, unreadable_file);
	tcase_add_loop_test(tc, listen_round_trip, 0, NELEMS(listen_good));
	tcase_add_loop_test(tc, listen_rejects, 0, NELEMS(listen_bad));
	tcase_add_test(tc, format_listen_truncates);
	tcase_add_test(tc, shipped_file_lists_every_default);
	tcase_add_test(tc, shipped_file_uncommented_is_the_defaults);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
