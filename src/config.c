/*
 * config: the table of settings and the reader of sse-metricsd.conf.
 *
 * libinih splits "name = value" lines, but the libinih that distributions
 * ship is built without INI_HANDLER_LINENO, and ini_parse_stream() returns
 * only the line of the first syntax error. So inih reads through
 * read_line(), which counts lines and reports the lines inih would reject
 * (section headers, lines without '=', lines too long for its buffer),
 * handing it an empty line instead; on_pair() takes the line number from
 * the same counter. That way every problem in the file is reported with its
 * line, in file order. Leading whitespace is removed before inih sees a
 * line, so inih's multi-line continuation never applies.
 *
 * Defaults are strings in the table, parsed by the same set_value() as the
 * file, so a default cannot disagree with what the file would accept.
 * Nothing here is shared between threads.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "xmem.h"

#define STR(x)		STR_(x)
#define STR_(x)		#x
#define FIELD(f)	offsetof(struct config, f)

static const struct config_key keys[] = {
	{ "listen", CONFIG_LISTEN, 0, 0,
	  "127.0.0.1:" STR(CONFIG_DEFAULT_PORT), FIELD(listen), 0,
	  "address and port to listen on; [::1]:PORT for IPv6; "
	  "port 0 picks a free port" },
	{ "interval", CONFIG_SECONDS, 0.05, 3600, "1", FIELD(interval), 1,
	  "seconds between two collections (one tick)" },
	{ "heartbeat", CONFIG_UINT, 1, 3600, "15", FIELD(heartbeat), 1,
	  "seconds of silence before a stream gets a comment line" },
	{ "history", CONFIG_UINT, 1, 3600, "300", FIELD(history), 0,
	  "ticks kept for Last-Event-ID replay" },
	{ "chart_window", CONFIG_UINT, 2, 3600, "60", FIELD(chart_window), 0,
	  "ticks the page's charts show (the last N), each chart rendered "
	  "once per tick for every viewer" },
	{ "max_clients", CONFIG_UINT, 1, 1000000, "1000", FIELD(max_clients), 0,
	  "most event streams open at once" },
	{ "max_clients_per_ip", CONFIG_UINT, 0, 1000000, "0",
	  FIELD(max_clients_per_ip), 0,
	  "most connections one client address may hold at once; "
	  "0 means no limit (right behind a reverse proxy)" },
	{ "client_buffer", CONFIG_UINT, 1, 100000, "32", FIELD(client_buffer), 1,
	  "ticks queued per stream before the oldest are dropped "
	  "(applies to new streams)" },
	{ "thread_stack", CONFIG_SIZE, 16384, 67108864, "64K",
	  FIELD(thread_stack), 0,
	  "stack size of each connection thread" },
	{ "connection_memory", CONFIG_SIZE, 4096, 16777216, "16K",
	  FIELD(connection_memory), 0,
	  "memory pool of each connection" },
	{ "stream_affinity", CONFIG_BOOL, 0, 0, "yes", FIELD(stream_affinity), 0,
	  "spread stream threads over the CPUs the daemon may run on, one "
	  "wake-up group per CPU; no lets the scheduler place them" },
	{ "timeout", CONFIG_UINT, 3, 86400, "60", FIELD(timeout), 0,
	  "seconds a stream is kept while its viewer takes nothing; must exceed twice heartbeat" },
	{ "request_timeout", CONFIG_UINT, 1, 86400, "10", FIELD(request_timeout), 0,
	  "seconds a connection may take to send a request's headers and any body, "
	  "from when it opens or its last response ends" },
	{ "procfs", CONFIG_PATH, 0, 0, "/proc", FIELD(procfs), 0,
	  "where procfs is mounted" },
	{ "sysfs", CONFIG_PATH, 0, 0, "/sys", FIELD(sysfs), 0,
	  "where sysfs is mounted" },
	{ "webroot", CONFIG_PATH, 0, 0, PKGDATADIR "/www", FIELD(webroot), 0,
	  "directory of the page files" },
	{ "rootfs", CONFIG_PATH, 0, 0, "/", FIELD(rootfs), 0,
	  "where the host's root filesystem is seen, for filesystem sizes "
	  "(a container may see it at /host)" },
	{ "include_tmpfs", CONFIG_BOOL, 0, 0, "no", FIELD(include_tmpfs), 0,
	  "also list tmpfs mounts among the filesystems" },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* The state of one config_load(). */
struct load {
	const char *path;
	FILE *in;
	FILE *errors;
	struct config *c;
	char *line;		/* getline() buffer */
	size_t line_size;
	int lineno;		/* line read_line() handed to inih last */
	int read_errno;		/* errno of a failed read, 0 if none */
	int nerrors;
	int set_at[NKEYS];	/* line that set each key, 0 if none */
	int invalid[NKEYS];	/* 1 if that line's value was rejected */
};

enum scan { SCAN_OK, SCAN_NONE, SCAN_OVERFLOW };

static void report(struct load *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

const struct config_key *
config_keys(size_t *count)
{
	if (count != NULL)
		*count = NKEYS;
	return keys;
}

static const struct config_key *
find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/*
 * Read the decimal digits at the start of s into *v and point *end past
 * them. SCAN_NONE if there are none; SCAN_OVERFLOW if they do not fit.
 */
static enum scan
scan_digits(const char *s, unsigned long long *v, const char **end)
{
	unsigned long long n = 0;
	const char *p;
	int overflow = 0;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		unsigned digit = (unsigned)(*p - '0');

		if (n > (ULLONG_MAX - digit) / 10)
			overflow = 1;
		else
			n = n * 10 + digit;
	}
	*end = p;
	*v = n;
	if (p == s)
		return SCAN_NONE;
	return overflow ? SCAN_OVERFLOW : SCAN_OK;
}

/* Write bound v of key k the way the file would spell it: "0.05", "16K". */
static void
format_bound(const struct config_key *k, double v, char *buf, size_t len)
{
	static const char suffix[] = "GMK";
	unsigned long long n = (unsigned long long)v;

	if (k->type == CONFIG_SECONDS) {
		snprintf(buf, len, "%g", v);
		return;
	}
	if (k->type == CONFIG_SIZE && n != 0) {
		for (int i = 0; i < 3; i++) {
			unsigned long long unit = 1ULL << (10 * (3 - i));

			if (n % unit == 0) {
				snprintf(buf, len, "%llu%c", n / unit, suffix[i]);
				return;
			}
		}
	}
	snprintf(buf, len, "%llu", n);
}

/* 0 if v is within the bounds of k; -1 with the reason in why if not. */
static int
check_bounds(const struct config_key *k, const char *value, double v,
    int overflow, char *why, size_t len)
{
	char bound[32];

	if (overflow || v > k->max) {
		format_bound(k, k->max, bound, sizeof(bound));
		snprintf(why, len, "%s: '%s' is above the maximum %s",
		    k->name, value, bound);
		return -1;
	}
	if (v < k->min) {
		format_bound(k, k->min, bound, sizeof(bound));
		snprintf(why, len, "%s: '%s' is below the minimum %s",
		    k->name, value, bound);
		return -1;
	}
	return 0;
}

static int
parse_uint(const struct config_key *k, const char *value, unsigned *out,
    char *why, size_t len)
{
	unsigned long long v;
	const char *end;
	enum scan s = scan_digits(value, &v, &end);

	if (s == SCAN_NONE) {
		snprintf(why, len, "%s: expected a whole number, got '%s'",
		    k->name, value);
		return -1;
	}
	if (*end != '\0') {
		snprintf(why, len, "%s: trailing characters in '%s'",
		    k->name, value);
		return -1;
	}
	if (check_bounds(k, value, (double)v, s == SCAN_OVERFLOW,
	    why, len) == -1)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
parse_size(const struct config_key *k, const char *value, size_t *out,
    char *why, size_t len)
{
	unsigned long long v;
	const char *end;
	enum scan s = scan_digits(value, &v, &end);
	unsigned shift = 0;
	int overflow;

	if (s == SCAN_NONE) {
		snprintf(why, len, "%s: expected a size such as 64K, got '%s'",
		    k->name, value);
		return -1;
	}
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	}
	if (*end != '\0') {
		snprintf(why, len, "%s: trailing characters in '%s'",
		    k->name, value);
		return -1;
	}
	overflow = s == SCAN_OVERFLOW || v > (ULLONG_MAX >> shift);
	if (!overflow)
		v <<= shift;
	if (check_bounds(k, value, (double)v, overflow, why, len) == -1)
		return -1;
	*out = (size_t)v;
	return 0;
}

static int
parse_seconds(const struct config_key *k, const char *value, double *out,
    char *why, size_t len)
{
	char *end;
	double v;

	v = strtod(value, &end);
	/* Only decimal notation: no "inf", "nan" or hex floats. */
	if (end == value || strspn(value, "0123456789.eE+-") <
	    (size_t)(end - value)) {
		snprintf(why, len, "%s: expected a number, got '%s'",
		    k->name, value);
		return -1;
	}
	if (*end != '\0') {
		snprintf(why, len, "%s: trailing characters in '%s'",
		    k->name, value);
		return -1;
	}
	/* An overflow is HUGE_VAL and fails the bound like any large value. */
	if (check_bounds(k, value, v, 0, why, len) == -1)
		return -1;
	*out = v;
	return 0;
}

static int
parse_path(const struct config_key *k, const char *value, char *out,
    char *why, size_t len)
{
	size_t n = strlen(value);

	if (value[0] != '/') {
		snprintf(why, len, "%s: expected an absolute path, got '%s'",
		    k->name, value);
		return -1;
	}
	if (n >= PATH_MAX) {
		snprintf(why, len, "%s: path longer than %d characters",
		    k->name, PATH_MAX - 1);
		return -1;
	}
	/* Zero the rest too: main compares fields with memcmp(). */
	memset(out, 0, PATH_MAX);
	memcpy(out, value, n);
	return 0;
}

static int
parse_bool(const struct config_key *k, const char *value, int *out,
    char *why, size_t len)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	snprintf(why, len, "%s: expected yes or no, got '%s'", k->name, value);
	return -1;
}

/*
 * Parse value (already trimmed) for key k into its field of c. Returns 0, or
 * -1 with the reason, starting with the key's name, in why; the field is
 * left alone then.
 */
static int
set_value(const struct config_key *k, const char *value, struct config *c,
    char *why, size_t len)
{
	char *field = (char *)c + k->offset;
	struct config_listen l;
	const char *reason;

	switch (k->type) {
	case CONFIG_LISTEN:
		if (config_parse_listen(value, &l, &reason) == -1) {
			snprintf(why, len, "%s: %s, got '%s'",
			    k->name, reason, value);
			return -1;
		}
		memcpy(field, &l, sizeof(l));
		return 0;
	case CONFIG_UINT:
		return parse_uint(k, value, (unsigned *)(void *)field, why, len);
	case CONFIG_SECONDS:
		return parse_seconds(k, value, (double *)(void *)field, why, len);
	case CONFIG_SIZE:
		return parse_size(k, value, (size_t *)(void *)field, why, len);
	case CONFIG_PATH:
		return parse_path(k, value, field, why, len);
	case CONFIG_BOOL:
		return parse_bool(k, value, (int *)(void *)field, why, len);
	}
	snprintf(why, len, "%s: unknown type", k->name);
	return -1;
}

int
config_key_differs(const struct config_key *k, const struct config *a,
    const struct config *b)
{
	static const size_t sizes[] = {
		[CONFIG_LISTEN] = sizeof(struct config_listen),
		[CONFIG_UINT] = sizeof(unsigned),
		[CONFIG_SECONDS] = sizeof(double),
		[CONFIG_SIZE] = sizeof(size_t),
		[CONFIG_PATH] = PATH_MAX,
		[CONFIG_BOOL] = sizeof(int),
	};

	/* Fields are zero-filled past their contents, so bytes compare. */
	return memcmp((const char *)a + k->offset, (const char *)b + k->offset,
	    sizes[k->type]) != 0;
}

void
config_defaults(struct config *c)
{
	char why[256];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++) {
		if (set_value(&keys[i], keys[i].default_value, c,
		    why, sizeof(why)) == -1) {
			log_fatal("built-in default of %s", why);
			abort();
		}
	}
}

int
config_parse_listen(const char *s, struct config_listen *out,
    const char **why)
{
	struct config_listen l;
	unsigned char addr[sizeof(struct in6_addr)];
	const char *host, *host_end, *port, *end, *reason;
	unsigned long long n;
	size_t host_len;

	memset(&l, 0, sizeof(l));
	if (s[0] == '[') {
		host = s + 1;
		if ((host_end = strchr(host, ']')) == NULL) {
			reason = "missing ']' after the IPv6 address";
			goto fail;
		}
		if (host_end[1] != ':') {
			reason = "expected [ADDR]:PORT";
			goto fail;
		}
		port = host_end + 2;
		l.family = AF_INET6;
	} else {
		host = s;
		if ((host_end = strrchr(s, ':')) == NULL) {
			reason = "expected ADDR:PORT";
			goto fail;
		}
		if (strchr(s, ':') != host_end) {
			reason = "an IPv6 address needs brackets, as in [::1]:PORT";
			goto fail;
		}
		port = host_end + 1;
		l.family = AF_INET;
	}

	host_len = (size_t)(host_end - host);
	if (host_len == 0) {
		reason = "missing address (0.0.0.0 or [::] means any)";
		goto fail;
	}
	if (host_len >= sizeof(l.host)) {
		reason = "address too long";
		goto fail;
	}
	memcpy(l.host, host, host_len);
	if (inet_pton(l.family, l.host, addr) != 1) {
		reason = l.family == AF_INET ? "not a numeric IPv4 address" :
		    "not a numeric IPv6 address";
		goto fail;
	}

	if (*port == '\0') {
		reason = "missing port";
		goto fail;
	}
	if (scan_digits(port, &n, &end) != SCAN_OK || *end != '\0' ||
	    n > 65535) {
		reason = "port is not a number from 0 to 65535";
		goto fail;
	}
	l.port = (unsigned)n;

	*out = l;
	return 0;
fail:
	if (why != NULL)
		*why = reason;
	return -1;
}

void
config_format_listen(const struct config_listen *l, char *buf, size_t len)
{
	if (len == 0)
		return;
	if (l->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", l->host, l->port);
	else
		snprintf(buf, len, "%s:%u", l->host, l->port);
}

/* Count a problem and write it as "PATH:LINE: message" (line 0: no line). */
static void
report(struct load *ld, int line, const char *fmt, ...)
{
	va_list ap;

	ld->nerrors++;
	if (ld->errors == NULL)
		return;
	if (line > 0)
		fprintf(ld->errors, "%s:%d: ", ld->path, line);
	else
		fprintf(ld->errors, "%s: ", ld->path);
	va_start(ap, fmt);
	vfprintf(ld->errors, fmt, ap);
	va_end(ap);
	fputc('\n', ld->errors);
}

/*
 * inih's reader: the next line of the file into str (at most num bytes),
 * with leading whitespace removed. Lines inih must not see are reported here
 * and replaced by an empty line, so inih and ld->lineno stay in step.
 */
static char *
read_line(char *str, int num, void *stream)
{
	struct load *ld = stream;
	size_t len, name_len;
	ssize_t n;
	char *s;

	errno = 0;
	if ((n = getline(&ld->line, &ld->line_size, ld->in)) == -1) {
		if (ferror(ld->in))
			ld->read_errno = errno != 0 ? errno : EIO;
		return NULL;
	}
	ld->lineno++;
	if (memchr(ld->line, '\0', (size_t)n) != NULL) {
		/* What follows a NUL would be dropped unseen: refuse the line. */
		report(ld, ld->lineno, "a NUL byte in the line");
		goto empty;
	}

	s = ld->line;
	if (ld->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;		/* UTF-8 byte order mark */
	/*
	 * Every leading space inih would skip: a line it sees indented is
	 * a continuation of the key before it.
	 */
	s += strspn(s, " \t\r\v\f");
	len = strlen(s);
	while (len > 0 && strchr(" \t\r\n\v\f", s[len - 1]) != NULL)
		len--;
	s[len] = '\0';

	if (len == 0 || s[0] == '#' || s[0] == ';')
		goto empty;
	if (s[0] == '[') {
		report(ld, ld->lineno,
		    "section headers are not allowed, got '%s'", s);
		goto empty;
	}
	/* inih would also split at ':' or stop at " ;": only '=' may. */
	name_len = strcspn(s, "=:;");
	if (s[name_len] != '=' || name_len == 0) {
		report(ld, ld->lineno, "expected 'key = value', got '%s'", s);
		goto empty;
	}
	if (num < 2 || len > (size_t)num - 2) {
		report(ld, ld->lineno, "line longer than %d characters",
		    num - 2);
		goto empty;
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
empty:
	if (num > 0)
		str[0] = '\0';
	return str;
}

/* Cut an inline comment: '#' or ';' at the start or after whitespace. */
static void
strip_comment(char *v)
{
	size_t len;

	for (char *p = v; *p != '\0'; p++) {
		if ((*p == '#' || *p == ';') &&
		    (p == v || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	len = strlen(v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		v[--len] = '\0';
}

/* inih's handler: one "name = value" of line ld->lineno. */
static int
on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct load *ld = user;
	const struct config_key *k;
	char why[512];
	char *v;
	size_t i;

	if (section[0] != '\0') {
		/* read_line() hides section headers; kept for safety. */
		report(ld, ld->lineno, "section headers are not allowed");
		return 1;
	}
	if ((k = find_key(name)) == NULL) {
		report(ld, ld->lineno, "unknown key '%s'", name);
		return 1;
	}
	i = (size_t)(k - keys);
	if (ld->set_at[i] != 0) {
		report(ld, ld->lineno, "duplicate key '%s' (first set at line %d)",
		    name, ld->set_at[i]);
		return 1;
	}
	ld->set_at[i] = ld->lineno;

	v = xstrdup(value);
	strip_comment(v);
	if (set_value(k, v, ld->c, why, sizeof(why)) == -1) {
		ld->invalid[i] = 1;
		report(ld, ld->lineno, "%s", why);
	}
	free(v);
	return 1;
}

/* timeout must exceed twice heartbeat, or idle streams would be closed. */
static void
check_timeout(struct load *ld)
{
	size_t t = (size_t)(find_key("timeout") - keys);
	size_t h = (size_t)(find_key("heartbeat") - keys);
	int line;

	if (ld->invalid[t] || ld->invalid[h])
		return;
	if (ld->c->timeout > 2ULL * ld->c->heartbeat)
		return;
	line = ld->set_at[t] > ld->set_at[h] ? ld->set_at[t] : ld->set_at[h];
	report(ld, line, "timeout (%u) must be greater than twice heartbeat (%u)",
	    ld->c->timeout, ld->c->heartbeat);
}

int
config_load(const char *path, struct config *c, FILE *errors)
{
	struct load ld;
	int r, rc = -1;

	memset(&ld, 0, sizeof(ld));
	ld.path = path;
	ld.errors = errors;
	ld.c = c;
	config_defaults(c);

	if ((ld.in = fopen(path, "re")) == NULL) {
		report(&ld, 0, "%s", strerror(errno));
		goto fail;
	}
	r = ini_parse_stream(read_line, &ld, on_pair, &ld);
	if (ld.read_errno != 0) {
		report(&ld, 0, "%s", strerror(ld.read_errno));
		goto fail;
	}
	if (r == -2)
		report(&ld, 0, "out of memory");
	else if (r > 0 && ld.nerrors == 0)
		report(&ld, r, "syntax error");	/* read_line() missed one */
	check_timeout(&ld);
	if (ld.nerrors == 0)
		rc = 0;
fail:
	if (ld.in != NULL)
		fclose(ld.in);
	free(ld.line);
	return rc;
}
