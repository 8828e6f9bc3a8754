/*
 * The real daemon under abuse: DAEMON_PATH on 127.0.0.1 (port 0, learnt
 * from its log), attacked over real sockets in two bounded test cases.
 *
 *  - request_fuzz: a seeded generator sends a few thousand requests mixing
 *    valid and broken methods, targets, versions, headers and bodies, some
 *    pipelined, dribbled or cut short. Each connection's answer is read
 *    with a timeout and classified. The daemon must never die or hang,
 *    every answer it makes itself must be well-formed HTTP/1.x (with a
 *    Content-Type), clean requests get the status the man page says,
 *    /healthz answers within 1 s after each batch, a control stream opened
 *    first sees every tick, and its fds and threads come back to where
 *    they were. libmicrohttpd 0.9.75's own answers (HTML without a
 *    Content-Type, empty replies to what it cannot parse) are counted and
 *    printed, not failed.
 *  - churn_soak: at a 0.05 s tick, hundreds of viewers at a time (thousands
 *    in all) open /events with random selections and Last-Event-IDs, read
 *    a few events, stall, and drop (FIN or RST), while SIGHUP reloads the
 *    file and /metrics and /api/snapshot are polled. Then the streams, fds,
 *    threads and RSS must come back to their baselines.
 *
 * Each test prints its seed; ABUSE_SEED=N replays it. request_fuzz's
 * requests are then the same bytes (each is made from the seed and its index
 * alone; its valid Last-Event-IDs are offsets from the daemon's first seq);
 * churn_soak's viewers the same plans, at other moments. ABUSE_VERBOSE=1
 * prints every request of request_fuzz and what it got.
 *
 * DESIGN
 * One daemon per test, in D (dproc.h; the other helpers are check_daemon.c's,
 * trimmed): the test thread starts and kills it; a drain thread reads
 * its stderr into D.log under D.mu. The control stream has its own thread
 * (struct control, its figures under its mu); request_fuzz adds worker
 * threads that share nothing but an atomic index and the tally (under
 * T.mu); churn_soak drives its viewers from the test thread with epoll and
 * polls /metrics from one more thread (struct poller). Only the test thread
 * asserts; the other threads record what they saw and the test thread
 * checks it. Every wait and every count is bounded, and smaller under
 * sanitizers.
 */
#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dbuf.h"
#include "dproc.h"
#include "sseclient.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif


/* request_fuzz: how many requests, in batches, by how many workers, for how long. */
#define FUZZ_REQUESTS (SANITIZED ? 1000 : 3000)
#define FUZZ_BATCH (SANITIZED ? 100 : 250)
#define FUZZ_WORKERS (SANITIZED ? 4 : 6)
#define FUZZ_WALL_S (SANITIZED ? 60.0 : 30.0)
/* Seconds a connection may take to answer or close; past request_timeout and timeout. */
#define FUZZ_WAIT_S 6.5
/*
 * A complete request with nothing back after this long is a stall; under a
 * sanitizer, whose daemon runs several times slower, as the bounds above.
 */
#define FUZZ_STALL_S (SANITIZED ? 3.0 : 1.5)
/* One request in this many is cut short and left for the daemon to close. */
#define FUZZ_LEFT_OPEN_EVERY 200

/* churn_soak: viewers at once, in all, and for how long. */
#define CHURN_CONCURRENT (SANITIZED ? 60 : 300)
#define CHURN_TOTAL (SANITIZED ? 2000 : 12000)
#define CHURN_WARMUP_S (SANITIZED ? 6.0 : 5.0)
#define CHURN_S (SANITIZED ? 20.0 : 25.0)
#define CHURN_RELOAD_S 2.5
/* A viewer that reads gets bytes at least this often (ticks every 0.05 s). */
#define CHURN_STARVED_S (SANITIZED ? 8.0 : 3.0)

/*
 * RSS after the churn may exceed the RSS after the warm-up by this much.
 * The warm-up runs the same churn so that what glibc keeps once it has
 * grown stays in the baseline: its cache of thread stacks (up to 40 MiB)
 * and its malloc arenas (8 per CPU), which together kept some 17 MiB after
 * the first 3,000 viewers here (6.8 -> 23.6 MiB) and never gave it back.
 * Measured after 11,000 more viewers (plain build, 2 CPUs, 13 runs): +1.2
 * to +2.5 MiB, peaks +1.5 to +2.7 MiB; after 34,000 streams +1.9 MiB, so
 * it does not grow per stream. 6 MiB is 2.4 times the most seen, and still
 * catches a leak of 600 bytes per stream (ASan's LeakSanitizer catches
 * smaller ones, at the daemon's exit).
 */
#define RSS_SLACK_KB 6144L

/* The control stream may go this long without a tick. */
#define CONTROL_SILENCE_S (SANITIZED ? 6.0 : 3.0)
/* fds and threads must be back at their baselines within this long. */
#define SETTLE_S (SANITIZED ? 15.0 : 8.0)

#define TEST_TIMEOUT (SANITIZED ? 240 : 120)



/* ---- small helpers -------------------------------------------------------- */


static void
sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}


static void
dbuf_puts(struct dbuf *b, const char *s)
{
	dbuf_add(b, s, strlen(s));
}


/* len copies of byte c. */
static void
dbuf_fill(struct dbuf *b, int c, size_t len)
{
	char tmp[512];

	memset(tmp, c, sizeof(tmp));
	while (len > 0) {
		size_t n = len < sizeof(tmp) ? len : sizeof(tmp);

		dbuf_add(b, tmp, n);
		len -= n;
	}
}



/* The first max bytes of s, C-escaped, into out: for printing requests. */
static void
escape_bytes(const char *s, size_t len, size_t max, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len && i < max && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			o += (size_t)snprintf(out + o, outlen - o, "\\r");
		else if (c == '\n')
			o += (size_t)snprintf(out + o, outlen - o, "\\n");
		else if (c == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\\\");
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (len > max && o + 24 < outlen)
		o += (size_t)snprintf(out + o, outlen - o, "...(%zu bytes)", len);
	out[o < outlen ? o : outlen - 1] = '\0';
}

/* Write path through a temporary file and a rename: the daemon never reads half. */
static void
write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	ck_assert_msg(f != NULL, "%s: %s", tmp, strerror(errno));
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
}

/* ---- the daemon process (check_daemon.c's, trimmed) ----------------------- */

/* Whole log lines holding needle; D.mu held. */
static unsigned
log_lines_locked(const char *needle)
{
	const char *p = dbuf_str(&D.log);
	unsigned n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		p += strlen(needle);
		if (strchr(p, '\n') == NULL)
			break;
		n++;
	}
	return n;
}

/* Wait up to timeout seconds until at least count whole lines hold needle. */
static int
log_wait_count(const char *needle, unsigned count, double timeout)
{
	struct timespec deadline;
	double t = now_mono() + timeout;
	int found;

	deadline.tv_sec = (time_t)t;
	deadline.tv_nsec = (long)((t - (double)deadline.tv_sec) * 1e9);
	pthread_mutex_lock(&D.mu);
	while (!(found = log_lines_locked(needle) >= count) && !D.eof &&
	    pthread_cond_timedwait(&D.cv, &D.mu, &deadline) != ETIMEDOUT)
		;
	if (!found)
		found = log_lines_locked(needle) >= count;
	pthread_mutex_unlock(&D.mu);
	return found;
}

static unsigned
log_lines(const char *needle)
{
	unsigned n;

	pthread_mutex_lock(&D.mu);
	n = log_lines_locked(needle);
	pthread_mutex_unlock(&D.mu);
	return n;
}


/* The last 6000 bytes of the daemon's log to stderr, then fail with the message. */
#define fail_with_log(...) do { \
	char *log_text_ = dproc_log_copy(); \
	size_t log_len_ = strlen(log_text_); \
	fprintf(stderr, "---- daemon log (tail) ----\n%s---- end of daemon log ----\n", \
	    log_text_ + (log_len_ > 6000 ? log_len_ - 6000 : 0)); \
	free(log_text_); \
	ck_abort_msg(__VA_ARGS__); \
} while (0)

static void
daemon_start(const char *conf_text)
{
	char why[256];

	write_file(D.conf, conf_text);
	if (dproc_start(why, sizeof(why)) == -1)
		fail_with_log("%s", why);
}


#define assert_alive(when) do { \
	if (!dproc_alive()) \
		fail_with_log("the daemon died %s", when); \
} while (0)

/* SIGTERM; it must exit 0 within seconds (a sanitizer's report would not). */
static void
daemon_stop_ok(double seconds)
{
	double t0 = now_mono();
	int status;

	ck_assert_int_eq(kill(D.pid, SIGTERM), 0);
	while (waitpid(D.pid, &status, WNOHANG) == 0) {
		if (now_mono() - t0 > seconds)
			fail_with_log("the daemon did not exit within %.0f s of SIGTERM", seconds);
		sleep_s(0.01);
	}
	D.pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_with_log("the daemon exited with status 0x%x after SIGTERM", status);
}

static void
setup(void)
{
	dproc_setup("abuse");
}

static void
teardown(void)
{
	dproc_teardown();
}

/* ---- the daemon seen from /proc ------------------------------------------- */

/* Open descriptors of the daemon, or -1. */
static int
proc_fds(void)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)D.pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A number field of /proc/PID/status ("Threads:", "VmRSS:" in kB), or -1. */
static long
proc_status(const char *field)
{
	char path[64], line[256];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)D.pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0) {
			v = strtol(line + strlen(field), NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Wait up to secs for the daemon's fds and threads to come back to what they were. */
static int
settle(int fds0, long threads0, double secs, int *fds, long *threads)
{
	double t0 = now_mono();

	for (;;) {
		*fds = proc_fds();
		*threads = proc_status("Threads:");
		if ((*fds <= fds0 && *threads <= threads0) || now_mono() - t0 > secs)
			return *fds <= fds0 && *threads <= threads0;
		sleep_s(0.1);
	}
}

/* ---- sockets -------------------------------------------------------------- */

static int
connect_daemon(void)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)D.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Close with a reset instead of a FIN. */
static void
close_rst(int fd)
{
	struct linger now = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof(now));
	close(fd);
}

/* Send all of buf; 0, or -1 when the peer is gone. */
static int
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- chunked transfer coding (RFC 9112 section 7.1), strictly ------------ */

enum { DC_SIZE, DC_EXT, DC_SIZE_LF, DC_DATA, DC_DATA_CR, DC_DATA_LF, DC_TRAILER,
	DC_TRAILER_LINE, DC_END_LF, DC_DONE, DC_BAD };

struct dechunk {
	int state;
	int digits;
	uint64_t left;		/* of the chunk being read */
};

typedef void dechunk_out(void *arg, const char *p, size_t n);

/*
 * Decode n more bytes; the data goes to out(arg, ...). Returns the bytes
 * used (fewer than n only at the end of the body); d->state is DC_DONE at
 * the end and DC_BAD once the framing was wrong.
 */
static size_t
dechunk_feed(struct dechunk *d, const char *p, size_t n, dechunk_out *out, void *arg)
{
	size_t i = 0;

	while (i < n && d->state != DC_DONE && d->state != DC_BAD) {
		char c = p[i];

		switch (d->state) {
		case DC_SIZE:
			if (isxdigit((unsigned char)c) && d->digits < 15) {
				d->left = d->left * 16 + (uint64_t)(isdigit((unsigned char)c) ? c - '0' :
				    (tolower((unsigned char)c) - 'a' + 10));
				d->digits++;
			} else if (d->digits > 0 && c == ';')
				d->state = DC_EXT;
			else if (d->digits > 0 && c == '\r')
				d->state = DC_SIZE_LF;
			else
				d->state = DC_BAD;
			i++;
			break;
		case DC_EXT:
			if (c == '\r')
				d->state = DC_SIZE_LF;
			else if (c == '\n')
				d->state = DC_BAD;
			i++;
			break;
		case DC_SIZE_LF:
			d->state = c != '\n' ? DC_BAD : d->left == 0 ? DC_TRAILER : DC_DATA;
			i++;
			break;
		case DC_DATA: {
			size_t take = n - i;

			if (take > d->left)
				take = (size_t)d->left;
			out(arg, p + i, take);
			i += take;
			d->left -= take;
			if (d->left == 0)
				d->state = DC_DATA_CR;
			break;
		}
		case DC_DATA_CR:
			d->state = c == '\r' ? DC_DATA_LF : DC_BAD;
			i++;
			break;
		case DC_DATA_LF:
			d->state = c == '\n' ? DC_SIZE : DC_BAD;
			d->digits = 0;
			d->left = 0;
			i++;
			break;
		case DC_TRAILER:
			d->state = c == '\r' ? DC_END_LF : DC_TRAILER_LINE;
			i++;
			break;
		case DC_TRAILER_LINE:
			if (c == '\n')
				d->state = DC_TRAILER;
			i++;
			break;
		case DC_END_LF:
			d->state = c == '\n' ? DC_DONE : DC_BAD;
			i++;
			break;
		}
	}
	return i;
}

/* ---- HTTP responses: one connection's answers, parsed and judged --------- */

#define MAX_PIPE 4
#define MAX_RESP 8

/* What one response was. */
enum {
	R_CTYPE = 1 << 0,	/* it had a Content-Type */
	R_CLOSE = 1 << 1,	/* Connection: close */
	R_STREAM = 1 << 2,	/* a 200 text/event-stream that began with retry: */
	R_MHD_HTML = 1 << 3,	/* no Content-Type, an HTML body: libmicrohttpd's own page */
	R_MHD_DOUBLE = 1 << 4,	/* its body began with a second status line */
	R_CHUNKED = 1 << 5,
};

struct resp {
	int status;
	unsigned flags;
	char ctype[48];
};

struct rparse {
	struct dbuf head;	/* header bytes of the response being read */
	int phase;		/* RP_* */
	uint64_t body_left;	/* RP_LEN */
	struct dechunk dc;	/* RP_CHUNKED */
	char body_start[32];	/* first bytes of the (decoded) body */
	size_t body_start_len;
	struct resp cur;
	const int *head_for;	/* [i]: the i-th request was a HEAD */
	int nreq;
	struct resp r[MAX_RESP];
	int nresp;		/* final responses read whole (or a stream begun) */
	int interim;		/* 1xx responses */
	int bad;		/* the bytes were not HTTP: why says how */
	char why[200];
	size_t stray;		/* bytes after a response that said Connection: close */
	char stray_start[16];
	size_t total;		/* bytes received */
	struct dbuf *sink;	/* every body byte goes here too, when not NULL */
};

enum { RP_HEAD, RP_LEN, RP_CHUNKED, RP_EOF, RP_DONE };

static void
rparse_bad(struct rparse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->bad)
		return;
	p->bad = 1;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
}

static void
body_keep(void *arg, const char *s, size_t n)
{
	struct rparse *p = arg;
	size_t room = sizeof(p->body_start) - 1 - p->body_start_len;

	if (p->sink != NULL)
		dbuf_add(p->sink, s, n);
	if (n > room)
		n = room;
	memcpy(p->body_start + p->body_start_len, s, n);
	p->body_start_len += n;
	p->body_start[p->body_start_len] = '\0';
}

/* A response is whole (or a stream has begun): judge and keep it. */
static void
rparse_finish(struct rparse *p)
{
	struct resp *r = &p->cur;

	if (!(r->flags & R_CTYPE)) {
		if (strncmp(p->body_start, "<html>", 6) == 0)
			r->flags |= R_MHD_HTML;
		else if (strncmp(p->body_start, "HTTP/1.", 7) == 0)
			r->flags |= R_MHD_DOUBLE;
	}
	if (p->nresp < MAX_RESP)
		p->r[p->nresp] = *r;
	p->nresp++;
	p->phase = (r->flags & (R_CLOSE | R_STREAM)) ? RP_DONE : RP_HEAD;
	dbuf_free(&p->head);
	p->body_start_len = 0;
	p->body_start[0] = '\0';
}

/* 1 when the header line (without its CRLF) is a field line. */
static int
field_line_ok(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (isalnum((unsigned char)s[i]) || strchr("!#$%&'*+-.^_`|~", s[i]) != NULL))
		i++;
	if (i == 0 || i == len || s[i] != ':')
		return 0;
	for (i++; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return 0;
	return 1;
}

/* The value of header name in the head block, into out; 0 when absent. */
static int
head_value(const char *head, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	const char *p = strstr(head, "\r\n");

	while (p != NULL && p[2] != '\r') {
		const char *line = p + 2, *end = strstr(line, "\r\n");

		if (end == NULL)
			break;
		if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			size_t n;

			while (*v == ' ' || *v == '\t')
				v++;
			n = (size_t)(end - v);
			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return 1;
		}
		p = end;
	}
	return 0;
}

/* The head block (status line to the empty line, CRLFs included) is in p->head. */
static void
rparse_head(struct rparse *p)
{
	const char *h = dbuf_str(&p->head), *eol = strstr(h, "\r\n"), *line;
	char v[64];
	int is_head;

	memset(&p->cur, 0, sizeof(p->cur));
	if (strncmp(h, "HTTP/1.1 ", 9) != 0 && strncmp(h, "HTTP/1.0 ", 9) != 0) {
		rparse_bad(p, "not an HTTP/1.x status line: %.40s", h);
		return;
	}
	if (!isdigit((unsigned char)h[9]) || !isdigit((unsigned char)h[10]) ||
	    !isdigit((unsigned char)h[11]) || (h[12] != ' ' && h[12] != '\r')) {
		rparse_bad(p, "bad status code: %.40s", h);
		return;
	}
	p->cur.status = atoi(h + 9);
	if (p->cur.status < 100 || p->cur.status > 599) {
		rparse_bad(p, "status %d", p->cur.status);
		return;
	}
	for (line = eol + 2; strncmp(line, "\r\n", 2) != 0; line = eol + 2) {
		eol = strstr(line, "\r\n");
		if (memchr(line, '\n', (size_t)(eol - line)) != NULL ||
		    !field_line_ok(line, (size_t)(eol - line))) {
			rparse_bad(p, "bad header line: %.60s", line);
			return;
		}
	}
	if (head_value(h, "Content-Type", p->cur.ctype, sizeof(p->cur.ctype)))
		p->cur.flags |= R_CTYPE;
	if (head_value(h, "Connection", v, sizeof(v)) && strcasecmp(v, "close") == 0)
		p->cur.flags |= R_CLOSE;
	if (strncmp(h, "HTTP/1.0 ", 9) == 0)
		p->cur.flags |= R_CLOSE;

	if (p->cur.status < 200) {
		if (p->cur.status == 101)
			rparse_bad(p, "101 Switching Protocols");
		p->interim++;
		dbuf_free(&p->head);
		return;
	}
	is_head = p->nresp < p->nreq && p->head_for[p->nresp];
	if (is_head || p->cur.status == 204 || p->cur.status == 304) {
		if (p->cur.status == 200 && strcmp(p->cur.ctype, "text/event-stream") == 0)
			p->cur.flags |= R_STREAM;	/* a stream's HEAD: its headers only */
		rparse_finish(p);
		return;
	}
	if (head_value(h, "Transfer-Encoding", v, sizeof(v))) {
		if (strcasecmp(v, "chunked") != 0) {
			rparse_bad(p, "Transfer-Encoding: %s", v);
			return;
		}
		p->cur.flags |= R_CHUNKED;
		memset(&p->dc, 0, sizeof(p->dc));
		p->phase = RP_CHUNKED;
	} else if (head_value(h, "Content-Length", v, sizeof(v))) {
		char *end;

		p->body_left = strtoull(v, &end, 10);
		if (*end != '\0' || !isdigit((unsigned char)v[0])) {
			rparse_bad(p, "Content-Length: %s", v);
			return;
		}
		p->phase = RP_LEN;
		if (p->body_left == 0)
			rparse_finish(p);
	} else if (p->cur.flags & R_CLOSE) {
		p->phase = RP_EOF;
	} else {
		rparse_bad(p, "a kept-alive response without a length");
	}
}

/* A stream's body begins with its retry: line; then it is judged begun. */
static void
rparse_stream_check(struct rparse *p)
{
	if (p->cur.status != 200 || strcmp(p->cur.ctype, "text/event-stream") != 0)
		return;
	if (p->body_start_len >= 13) {
		if (strncmp(p->body_start, "retry: 3000\n\n", 13) != 0 &&
		    strncmp(p->body_start, "retry: 5000\n\n", 13) != 0)
			rparse_bad(p, "a stream began with '%.20s'", p->body_start);
		p->cur.flags |= R_STREAM;
		rparse_finish(p);
	}
}

static void
rparse_feed(struct rparse *p, const char *buf, size_t n)
{
	p->total += n;
	while (n > 0 && !p->bad) {
		switch (p->phase) {
		case RP_DONE:
			if (p->stray == 0)
				snprintf(p->stray_start, sizeof(p->stray_start), "%.*s",
				    (int)(n < 15 ? n : 15), buf);
			p->stray += n;
			return;
		case RP_HEAD: {
			const char *end;
			size_t old = p->head.len, used;

			dbuf_add(&p->head, buf, n);
			end = memmem(p->head.p, p->head.len, "\r\n\r\n", 4);
			if (memchr(p->head.p, '\0', end != NULL ? (size_t)(end - p->head.p) :
			    p->head.len) != NULL) {
				rparse_bad(p, "a NUL byte in the response head");
				return;
			}
			if (end == NULL) {
				if (p->head.len > 65536)
					rparse_bad(p, "a response head over 64 KiB");
				return;
			}
			used = (size_t)(end + 4 - p->head.p) - old;
			p->head.len = old + used;
			p->head.p[p->head.len] = '\0';
			buf += used;
			n -= used;
			rparse_head(p);
			break;
		}
		case RP_LEN: {
			size_t take = n < p->body_left ? n : (size_t)p->body_left;

			body_keep(p, buf, take);
			buf += take;
			n -= take;
			p->body_left -= take;
			if (p->body_left == 0)
				rparse_finish(p);
			else
				rparse_stream_check(p);
			break;
		}
		case RP_CHUNKED: {
			size_t used = dechunk_feed(&p->dc, buf, n, body_keep, p);

			buf += used;
			n -= used;
			if (p->dc.state == DC_BAD)
				rparse_bad(p, "bad chunked framing");
			else if (p->dc.state == DC_DONE)
				rparse_finish(p);
			else
				rparse_stream_check(p);
			break;
		}
		case RP_EOF:
			body_keep(p, buf, n);
			n = 0;
			rparse_stream_check(p);
			break;
		}
	}
}

/* The peer closed: a body read to the end is whole. */
static void
rparse_eof(struct rparse *p)
{
	if (p->phase == RP_EOF && !p->bad)
		rparse_finish(p);
	else if (p->phase != RP_HEAD && p->phase != RP_DONE)
		rparse_bad(p, "closed in the middle of a body");
	else if (p->phase == RP_HEAD && p->head.len > 0)
		rparse_bad(p, "closed in the middle of a response head: %.40s", dbuf_str(&p->head));
	p->phase = RP_DONE;
}

static void
rparse_free(struct rparse *p)
{
	dbuf_free(&p->head);
}

/* ---- a plain GET, for /healthz, /metrics, /api/snapshot ------------------- */

/*
 * GET path on a new connection (Connection: close); the status, or 0 when
 * nothing whole came within timeout seconds. The body goes to body when
 * not NULL.
 */
static int
http_get(const char *path, double timeout, struct dbuf *body)
{
	static const int not_head[1] = { 0 };
	struct rparse p = { .head_for = not_head, .nreq = 1, .sink = body };
	char req[256], buf[16384];
	double deadline = now_mono() + timeout;
	int fd, status = 0;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	    path);
	if ((fd = connect_daemon()) < 0)
		return 0;
	if (send_all(fd, req, strlen(req)) == 0) {
		for (;;) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			double left = deadline - now_mono();
			ssize_t n;

			if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
				break;
			n = recv(fd, buf, sizeof(buf), 0);
			if (n <= 0) {
				rparse_eof(&p);
				break;
			}
			rparse_feed(&p, buf, (size_t)n);
			if (p.nresp >= 1 || p.bad)
				break;
		}
	}
	close(fd);
	if (!p.bad && p.nresp >= 1)
		status = p.r[0].status;
	rparse_free(&p);
	return status;
}

/* ---- the control stream: one viewer that must see every tick ------------- */

struct control {
	pthread_t thread;
	int fd;
	atomic_int stop;
	pthread_mutex_t mu;	/* guards the figures below */
	uint64_t first_id, last_id;
	unsigned long events, gaps, strays;	/* strays: not a snapshot, or no id */
	uint64_t gap_from, gap_to;	/* the first gap */
	double last_at, max_silence;
	int ended;
	char why[160];
	/* The control thread's own. */
	sseclient_t *sse;
	struct dechunk dc;
	struct dbuf head;
	int in_body;
};

static struct control CTL;

static void
control_event(const struct sse_event *ev, void *arg)
{
	struct control *c = arg;
	uint64_t id = strtoull(ev->id, NULL, 10);
	double now = now_mono();

	pthread_mutex_lock(&c->mu);
	if (strcmp(ev->type, "snapshot") != 0 || !ev->has_id) {
		c->strays++;
	} else {
		if (c->events == 0)
			c->first_id = id;
		else if (id != c->last_id + 1 && c->gaps++ == 0) {
			c->gap_from = c->last_id;
			c->gap_to = id;
		}
		c->last_id = id;
	}
	if (c->events > 0 && now - c->last_at > c->max_silence)
		c->max_silence = now - c->last_at;
	c->last_at = now;
	c->events++;
	pthread_mutex_unlock(&c->mu);
}

static void
control_end(struct control *c, const char *why)
{
	pthread_mutex_lock(&c->mu);
	if (!c->ended) {
		c->ended = 1;
		snprintf(c->why, sizeof(c->why), "%s", why);
	}
	pthread_mutex_unlock(&c->mu);
}

static void
control_body(void *arg, const char *p, size_t n)
{
	struct control *c = arg;

	sseclient_feed(c->sse, p, n);
}

static void *
control_run(void *arg)
{
	struct control *c = arg;
	char buf[65536];

	while (!atomic_load(&c->stop)) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		const char *p = buf;
		ssize_t n;
		size_t len;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			control_end(c, n == 0 ? "the daemon closed it" : strerror(errno));
			break;
		}
		len = (size_t)n;
		if (!c->in_body) {
			const char *end;
			size_t old = c->head.len;

			dbuf_add(&c->head, buf, len);
			if ((end = strstr(dbuf_str(&c->head), "\r\n\r\n")) == NULL)
				continue;
			if (strncmp(c->head.p, "HTTP/1.1 200 ", 13) != 0 ||
			    strcasestr(c->head.p, "\r\nContent-Type: text/event-stream\r\n") == NULL ||
			    strcasestr(c->head.p, "\r\nTransfer-Encoding: chunked\r\n") == NULL) {
				control_end(c, "not a chunked 200 event stream");
				break;
			}
			c->in_body = 1;
			p = buf + ((size_t)(end + 4 - c->head.p) - old);
			len -= (size_t)(p - buf);
		}
		dechunk_feed(&c->dc, p, len, control_body, c);
		if (c->dc.state == DC_BAD) {
			control_end(c, "bad chunked framing");
			break;
		}
		if (c->dc.state == DC_DONE) {
			control_end(c, "the stream ended");
			break;
		}
	}
	return NULL;
}

/* Open /events?events=snapshot and wait for its first tick. */
static void
control_start(void)
{
	char req[128];
	double t0 = now_mono();
	unsigned long events = 0;

	memset(&CTL, 0, sizeof(CTL));
	pthread_mutex_init(&CTL.mu, NULL);
	CTL.sse = sseclient_create();
	sseclient_on_event(CTL.sse, control_event, &CTL);
	CTL.fd = connect_daemon();
	ck_assert_msg(CTL.fd >= 0, "the control stream cannot connect: %s", strerror(errno));
	snprintf(req, sizeof(req), "GET /events?events=snapshot HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
	    D.port);
	ck_assert_int_eq(send_all(CTL.fd, req, strlen(req)), 0);
	ck_assert_int_eq(pthread_create(&CTL.thread, NULL, control_run, &CTL), 0);
	while (events == 0 && now_mono() - t0 < 5.0) {
		sleep_s(0.02);
		pthread_mutex_lock(&CTL.mu);
		events = CTL.events;
		pthread_mutex_unlock(&CTL.mu);
	}
	if (events == 0)
		fail_with_log("the control stream got no tick within 5 s");
}

/* The control stream is open, has every tick since it opened, and a recent one. */
static void
control_check(const char *when)
{
	unsigned long events, gaps, strays;
	uint64_t gap_from, gap_to;
	double silence, max_silence;
	char why[sizeof(CTL.why)];
	int ended;

	pthread_mutex_lock(&CTL.mu);
	events = CTL.events;
	gaps = CTL.gaps;
	strays = CTL.strays;
	gap_from = CTL.gap_from;
	gap_to = CTL.gap_to;
	silence = now_mono() - CTL.last_at;
	max_silence = CTL.max_silence;
	ended = CTL.ended;
	memcpy(why, CTL.why, sizeof(why));
	pthread_mutex_unlock(&CTL.mu);
	if (ended)
		fail_with_log("%s: the control stream ended: %s (after %lu events)", when, why, events);
	if (gaps > 0)
		fail_with_log("%s: the control stream skipped ticks %lu times, first from id %" PRIu64
		    " to %" PRIu64, when, gaps, gap_from, gap_to);
	ck_assert_msg(strays == 0, "%s: the control stream (events=snapshot) got %lu other events",
	    when, strays);
	if (silence > CONTROL_SILENCE_S || max_silence > CONTROL_SILENCE_S)
		fail_with_log("%s: the control stream went %.1f s without a tick (%.1f s now)", when,
		    max_silence, silence);
}

static uint64_t
control_last_id(void)
{
	uint64_t id;

	pthread_mutex_lock(&CTL.mu);
	id = CTL.last_id;
	pthread_mutex_unlock(&CTL.mu);
	return id;
}

/* Stop and free it; print its figures. */
static void
control_stop(void)
{
	atomic_store(&CTL.stop, 1);
	pthread_join(CTL.thread, NULL);
	close(CTL.fd);
	printf("control stream: %lu ticks, ids %" PRIu64 "..%" PRIu64 ", %lu gaps, longest silence "
	    "%.3f s\n", CTL.events, CTL.first_id, CTL.last_id, CTL.gaps, CTL.max_silence);
	sseclient_free(CTL.sse);
	dbuf_free(&CTL.head);
	pthread_mutex_destroy(&CTL.mu);
}

/* ---- request_fuzz: the grammar -------------------------------------------- */

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned
rnd(uint64_t *s, unsigned n)
{
	return n == 0 ? 0 : (unsigned)(rng_next(s) % n);
}

static int
pct(uint64_t *s, unsigned p)
{
	return rnd(s, 100) < p;
}

#define PICK(s, a) ((a)[rnd((s), sizeof(a) / sizeof((a)[0]))])

/* What the generator knows about the bytes it made (struct plan's flags). */
enum {
	F_BAD_LINE = 1 << 0,	/* a request line libmicrohttpd may not parse */
	F_MANY_ARGS = 1 << 1,	/* hundreds of query arguments */
	F_BIG = 1 << 2,		/* a line longer than connection_memory's head part */
	F_MANY_HDRS = 1 << 3,	/* hundreds of header lines */
	F_ODD_HEAD = 1 << 4,	/* header lines a parser may refuse or read otherwise */
	F_BAD_LENGTH = 1 << 5,	/* a Content-Length that is no number, or two */
	F_MAY_WAIT = 1 << 6,	/* the server may rightly wait for more bytes */
	F_DESYNC = 1 << 7,	/* body framing a server may read otherwise: later requests unknown */
	F_CUT = 1 << 8,		/* only a part was sent */
	F_NUL_TEXT = 1 << 9,	/* "%2500": a literal "%00" once decoded */
	F_UINT64_MAX = 1 << 10,	/* Last-Event-ID 18446744073709551615 */
	F_TWICE = 1 << 11,	/* an id given twice, the same or not */
};

static const struct { unsigned flag; const char *name; } flag_names[] = {
	{ F_BAD_LINE, "bad-line" }, { F_MANY_ARGS, "many-args" }, { F_BIG, "big" },
	{ F_MANY_HDRS, "many-headers" }, { F_ODD_HEAD, "odd-header" },
	{ F_BAD_LENGTH, "bad-length" }, { F_MAY_WAIT, "may-wait" }, { F_DESYNC, "desync" },
	{ F_CUT, "cut" }, { F_NUL_TEXT, "%2500" }, { F_UINT64_MAX, "uint64-max-id" },
	{ F_TWICE, "id-twice" },
};

enum { DL_ONCE, DL_PIECES, DL_BYTES, DL_CUT_HALF, DL_CUT_ABORT, DL_CUT_OPEN };

struct plan {
	int nreq;
	int head[MAX_PIPE];	/* the i-th request is a HEAD */
	int expect[MAX_PIPE];	/* the status it must get; 0 when not predicted */
	unsigned flags;		/* F_*, of every request */
	int delivery;		/* DL_* */
	size_t cut;		/* bytes sent, when cut */
	struct dbuf bytes;
};

static const char *const known_events[] = {
	"snapshot", "html", "host", "cpu", "memory", "swap", "load", "system", "network", "disks",
	"filesystems", "pressure", "temperatures", "daemon", "chart-cpu", "chart-memory",
	"chart-network", "chart-disk",
};

/* Names that are no event type however they are decoded. */
static const char *const bad_events[] = {
	"nope", "SNAPSHOT", "snapshot%20", "chart-", "reset", "message", "%zz", "%", "%4",
	"%00", "snap%00shot", "%C3%A9", "cpu;html", "+html", "html%2C", "%2Csnapshot", "\"cpu\"",
};

/* Targets with the status a clean GET gets. */
static const struct { const char *path; int status; } targets[] = {
	{ "/healthz", 200 }, { "/api/snapshot", 200 }, { "/metrics", 200 },
	{ "/healthz?x=1", 200 }, { "/heal%74hz", 200 }, { "/metrics?name[]=a&x", 200 },
	{ "/healthz/", 404 }, { "/HEALTHZ", 404 }, { "/api//snapshot", 404 },
	{ "/api/snapshot%00", 400 }, { "/metrics?%00", 400 }, { "/healthz?a=%00", 400 },
	{ "/", 200 }, { "/index.html", 200 }, { "/style.css", 200 }, { "/page.js", 200 },
	{ "/favicon.svg", 200 }, { "/favicon.ico", 200 }, { "/VENDORED.txt", 200 },
	{ "/htmx-LICENSE.txt", 200 }, { "/%69ndex.html", 200 }, { "/page.js?v=3", 200 },
	{ "/missing.css", 404 }, { "/index.htm", 404 }, { "/INDEX.HTML", 404 },
	{ "/index.html/", 404 }, { "/./index.html", 404 }, { "//index.html", 404 },
	{ "/../../../../etc/passwd", 404 }, { "/..%2f..%2f..%2fetc%2fpasswd", 404 },
	{ "/%2e%2e/%2e%2e/etc/passwd", 404 }, { "/..", 404 }, { "/.hidden.txt", 404 },
	{ "/www/index.html", 404 }, { "/index.html;.css", 404 }, { "/index.html%00.txt", 400 },
	{ "/%00", 400 }, { "/etc/passwd", 404 }, { "/index.html%20", 404 },
	{ "/sse-metricsd.conf", 404 }, { "/favicon.ico#x", 404 }, { "*", 404 }, { "healthz", 404 },
	{ "?x", 404 }, { "/events/", 404 }, { "/eventsx", 404 },
};

static const char *const absolute_prefixes[] = {
	"http://127.0.0.1", "HTTP://localhost:9730", "https://x.example", "http://a:b@c",
	"http://[::1]:1",
};

enum { MT_GET, MT_HEAD, MT_405, MT_BAD };

/* One request being made. */
struct rq {
	int method;
	int route;		/* what a clean GET of the target gets; 0 unknown */
	int nul;		/* %00 in the target */
	int is_events;		/* the target is /events, whose Last-Event-ID counts */
	int sure;		/* every part is one the oracle knows */
	unsigned flags;
};

/* "%XX" for one character of name (either case of hex), or name as it is. */
static void
put_name(uint64_t *s, struct dbuf *b, const char *name)
{
	size_t len = strlen(name), at = rnd(s, (unsigned)len);

	if (len == 0 || !pct(s, 15)) {
		dbuf_puts(b, name);
		return;
	}
	dbuf_add(b, name, at);
	dbuf_printf(b, pct(s, 50) ? "%%%02X" : "%%%02x", (unsigned char)name[at]);
	dbuf_puts(b, name + at + 1);
}

/* A Last-Event-ID value: 1 valid (or empty: none), 0 not a number. */
static int
put_last_id(uint64_t *s, struct dbuf *b, uint64_t seq0, int in_query, unsigned *flags)
{
	/* (In a query "+5" would be " 5": a valid id.) */
	static const char *const bad[] = {
		"-5", "abc", "99999999999999999999999", "1e3", "0x10", "5-", "\xef\xbc\x91",
		"18446744073709551616", "1.5", "%2B5",
	};
	unsigned r = rnd(s, 100);

	if (r < 50) {
		dbuf_printf(b, "%" PRIu64, seq0 + rnd(s, 300) - 100);
		return 1;
	}
	if (r < 55) {
		dbuf_puts(b, "0");
		return 1;
	}
	if (r < 62) {
		dbuf_printf(b, in_query ? "%%20%" PRIu64 "%%09" : " %" PRIu64 "\t", seq0 + rnd(s, 50));
		return 1;
	}
	if (r < 64) {
		dbuf_puts(b, in_query ? "12%2034" : "12 34");
		return 0;
	}
	if (r < 65 && in_query) {
		dbuf_printf(b, "+%" PRIu64, seq0 + rnd(s, 50));	/* '+' is a space in a query */
		return 1;
	}
	if (r < 66) {
		dbuf_puts(b, "18446744073709551615");	/* the largest id: valid */
		*flags |= F_UINT64_MAX;
		return 1;
	}
	if (r < 70) {
		dbuf_fill(b, '7', 2000 + rnd(s, 3000));	/* huge, under the head limit */
		return 0;
	}
	dbuf_puts(b, PICK(s, bad));
	return 0;
}

/* /events with a query: its route status (0: not predicted). */
static void
put_events_target(uint64_t *s, struct dbuf *b, struct rq *q, uint64_t seq0, int *lei_query)
{
	int events_bad = 0, lei = 2;	/* 2: none */
	int first = 1;

	dbuf_puts(b, "/events");
	*lei_query = 2;
	q->is_events = 1;
	if (pct(s, 20)) {
		q->route = 200;
		return;
	}
	dbuf_puts(b, "?");
	if (pct(s, 70)) {
		unsigned n = 1 + rnd(s, 4);

		dbuf_puts(b, "events=");
		if (pct(s, 3))
			n = 0;	/* "events=": an empty name */
		for (unsigned i = 0; i < n; i++) {
			if (i > 0)
				dbuf_puts(b, ",");
			if (pct(s, 80)) {
				put_name(s, b, PICK(s, known_events));
			} else if (pct(s, 15)) {
				events_bad = 1;	/* an empty name between commas */
			} else {
				dbuf_puts(b, PICK(s, bad_events));
				events_bad = 1;
			}
		}
		if (n == 0)
			events_bad = 1;
		if (pct(s, 3)) {
			dbuf_fill(b, 'x', 6000 + rnd(s, 6000));
			q->flags |= F_BIG;
			q->sure = 0;
		}
		first = 0;
	}
	if (pct(s, 20)) {
		dbuf_puts(b, first ? "lastEventId=" : "&lastEventId=");
		lei = put_last_id(s, b, seq0, 1, &q->flags);
		first = 0;
	} else if (pct(s, 5)) {
		/* Given twice: the same id twice is that id, two ids a 400. */
		uint64_t id = seq0 + rnd(s, 50);
		int same = pct(s, 50);

		dbuf_printf(b, "%slastEventId=%" PRIu64 "&lastEventId=%" PRIu64, first ? "" : "&",
		    id, same ? id : id + 1 + rnd(s, 5));
		lei = same ? 1 : 0;
		q->flags |= F_TWICE;
		first = 0;
	}
	if (pct(s, 8)) {
		/* A second events= adds its types to the first's. */
		dbuf_puts(b, first ? "events=snapshot" : "&events=html");
		first = 0;
	}
	if (pct(s, 10)) {
		static const char *const junk[] = { "x=1", "=", "&", "a", "a=b=c", "%41=%42", "x=%2500" };
		const char *j = PICK(s, junk);

		if (strcmp(j, "x=%2500") == 0)
			q->flags |= F_NUL_TEXT;	/* an argument "x" of "%00": ignored */
		dbuf_puts(b, first ? "" : "&");
		dbuf_puts(b, j);
	}
	*lei_query = lei;
	q->route = events_bad ? 400 : 200;	/* the Last-Event-ID is judged with the header */
}

/* The request target; sets q->route (for /events: see lei_query). */
static void
put_target(uint64_t *s, struct dbuf *b, struct rq *q, uint64_t seq0, int *lei_query)
{
	unsigned r = rnd(s, 100);
	struct dbuf t = { 0 };
	int i;

	*lei_query = 2;
	if (r < 40) {
		put_events_target(s, &t, q, seq0, lei_query);
	} else if (r < 80) {
		i = (int)rnd(s, sizeof(targets) / sizeof(targets[0]));
		dbuf_puts(&t, targets[i].path);
		q->route = targets[i].status;
	} else if (r < 86) {
		dbuf_puts(&t, PICK(s, absolute_prefixes));
		if (pct(s, 10)) {
			q->route = 200;	/* no path: "/" */
		} else {
			do
				i = (int)rnd(s, sizeof(targets) / sizeof(targets[0]));
			while (targets[i].path[0] != '/');
			dbuf_puts(&t, targets[i].path);
			q->route = targets[i].status;
		}
	} else if (r < 89) {
		static const char *const odd[] = { "ftp://x/healthz", "http:/healthz", "/\x80\xff.txt",
			"/a\tb", "/healthz?q=%2500" };
		const char *o = PICK(s, odd);

		dbuf_puts(&t, o);
		if (strcmp(o, "ftp://x/healthz") == 0 || strcmp(o, "http:/healthz") == 0)
			q->route = 404;
		else if (strstr(o, "%2500") != NULL)
			q->flags |= F_NUL_TEXT, q->route = 200;	/* q is "%00": text, not a NUL */
		else
			q->flags |= F_BAD_LINE, q->sure = 0;
	} else if (r < 92) {
		/* A long path: near the head limit, or past it. */
		dbuf_puts(&t, "/");
		dbuf_fill(&t, 'a', pct(s, 50) ? 7000 + rnd(s, 2000) : 17000 + rnd(s, 20000));
		dbuf_puts(&t, ".css");
		q->flags |= F_BIG;
		q->sure = 0;
	} else if (r < 97) {
		/* Query arguments: a few dozen, or hundreds (libmicrohttpd's pool). */
		unsigned n = pct(s, 50) ? 10 + rnd(s, 60) : 150 + rnd(s, 500);

		q->is_events = pct(s, 50);
		dbuf_puts(&t, q->is_events ? "/events?" : "/healthz?");
		for (unsigned k = 0; k < n; k++)
			dbuf_printf(&t, "%sa%u=%u", k ? "&" : "", k, k);
		q->route = 200;
		if (n >= 100) {
			q->flags |= F_MANY_ARGS;
			q->sure = 0;
		}
	} else {
		/* Not a target at all. */
		static const char *const bad[] = { "", " /healthz", "/a b", "/\x01", "/\x7f" };

		dbuf_puts(&t, PICK(s, bad));
		q->flags |= F_BAD_LINE;
		q->sure = 0;
	}
	if (strstr(dbuf_str(&t), "%00") != NULL)
		q->nul = 1;
	dbuf_add(b, dbuf_str(&t), t.len);
	dbuf_free(&t);
}

enum { BK_NONE, BK_CL, BK_CL_ZERO, BK_TE, BK_CL_SHORT, BK_CL_LONG, BK_CL_BAD, BK_CL_TWICE,
	BK_TE_BAD, BK_TE_OPEN, BK_TE_CL, BK_TE_OTHER };

/*
 * One request of the pipeline into pl->bytes. head_ok: it may be a HEAD
 * (the responses so far are predictable, so the parser knows which answer
 * has no body). Returns its flags.
 */
static unsigned
gen_request(uint64_t *s, struct plan *pl, int k, int head_ok, uint64_t seq0)
{
	static const char *const methods_405[] = { "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
		"get", "Get", "BREW", "PROPFIND" };
	static const char *const methods_bad[] = { "G ET", "GET\x01", "\x16\x03\x01\x02\x00",
		"GET/", "GE\tT", "CONNECT", "TRACE", "PRI", "" };	/* "": a NUL first, or 200+ bytes */
	static const char *const versions_bad[] = { "HTTP/1.1x", "HTTP/11", "http/1.1", "HTTP/1.",
		"HTTP/9.9", "HTTP/1.1 x", "HTTP/0.9", "HTTP/2.0", "HTTP/1.2", "HTTP/1.10" };
	struct dbuf *b = &pl->bytes;
	struct rq q = { .sure = 1 };
	const char *eol = "\r\n", *version;
	unsigned r = rnd(s, 100);
	int hosts = 1, v11 = 0, lei_query, lei = 2, body, expect;
	char body_bytes[64];

	/* Method. */
	if (r < 50)
		q.method = MT_GET;
	else if (r < 64)
		q.method = head_ok ? MT_HEAD : MT_GET;
	else if (r < 88)
		q.method = MT_405;
	else
		q.method = MT_BAD;
	if (q.method == MT_GET)
		dbuf_puts(b, "GET");
	else if (q.method == MT_HEAD)
		dbuf_puts(b, "HEAD");
	else if (q.method == MT_405)
		dbuf_puts(b, r < 76 ? "POST" : PICK(s, methods_405));
	else {
		const char *m = PICK(s, methods_bad);

		if (m[0] == '\0' && pct(s, 50))
			dbuf_add(b, "\0GET", 4);
		else if (m[0] == '\0')
			dbuf_fill(b, 'A', 200 + rnd(s, 400));
		else
			dbuf_puts(b, m);
		q.flags |= F_BAD_LINE;
		q.sure = 0;
	}
	dbuf_puts(b, " ");

	/* Target and version. */
	put_target(s, b, &q, seq0, &lei_query);
	r = rnd(s, 100);
	if (r < 74)
		version = "HTTP/1.1", v11 = 1;
	else if (r < 90)
		version = "HTTP/1.0";
	else if (r < 93)
		version = NULL;	/* "GET /path": no version */
	else
		version = PICK(s, versions_bad);
	if (version != NULL) {
		dbuf_puts(b, " ");
		dbuf_puts(b, version);
	}
	if (version == NULL || (!v11 && strcmp(version, "HTTP/1.0") != 0)) {
		q.flags |= F_BAD_LINE;
		q.sure = 0;
	}

	/* Line ends: CRLF, or bare LF, or one bare CR somewhere. */
	r = rnd(s, 100);
	if (r < 4) {
		eol = "\n";
		q.flags |= F_ODD_HEAD;
		q.sure = 0;
	}
	dbuf_puts(b, eol);

	/* Host. */
	r = rnd(s, 100);
	if (r < 78) {
		dbuf_printf(b, "%s: 127.0.0.1:%u%s", PICK(s, ((const char *const[]){ "Host", "host",
		    "HOST" })), D.port, eol);
	} else if (r < 86) {
		hosts = 0;
	} else if (r < 92) {
		dbuf_printf(b, "Host: 127.0.0.1%sHost: %s%s", eol, pct(s, 50) ? "127.0.0.1" : "evil",
		    eol);
		hosts = 2;
	} else if (r < 96) {
		dbuf_printf(b, "Host:%s%s", pct(s, 50) ? "" : " ", eol);	/* empty: still one */
	} else {
		dbuf_printf(b, "Host : 127.0.0.1%s", eol);
		q.flags |= F_ODD_HEAD;
		q.sure = 0;
	}

	/* Last-Event-ID, mostly on streams. */
	if (pct(s, q.is_events ? 35 : 5)) {
		dbuf_puts(b, "Last-Event-ID:");
		if (pct(s, 90))
			dbuf_puts(b, " ");
		if (pct(s, 8)) {
			lei = 1;	/* empty: none, and the query's is not looked at */
		} else if (pct(s, 6)) {
			/* Two headers: the same id twice is that id, two ids a 400. */
			uint64_t id = seq0 + rnd(s, 50);
			int same = pct(s, 50);

			dbuf_printf(b, "%" PRIu64 "%sLast-Event-ID: %" PRIu64, id, eol,
			    same ? id : id + 1 + rnd(s, 5));
			lei = same ? 1 : 0;
			q.flags |= F_TWICE;
		} else {
			lei = put_last_id(s, b, seq0, 0, &q.flags);
		}
		dbuf_puts(b, eol);
	} else {
		lei = lei_query;
	}

	/* Accept, Connection, and a few harmless headers. */
	if (pct(s, 20))
		dbuf_printf(b, "Accept: %s%s", pct(s, 50) ? "text/event-stream" : "*/*", eol);
	if (pct(s, 12)) {
		static const char *const conn[] = { "close", "keep-alive", "Upgrade", "close, close",
			"\x7f" };

		dbuf_printf(b, "Connection: %s%s", PICK(s, conn), eol);
		q.sure = 0;	/* it changes which answers come */
	}
	for (unsigned n = rnd(s, 3); n > 0; n--)
		dbuf_printf(b, "X-Junk-%u: %u%s", rnd(s, 1000), rnd(s, 100000), eol);
	if (pct(s, 3))
		dbuf_printf(b, "User-Agent: %s%s", "Mozilla/5.0 (X11; Linux x86_64)", eol);

	/* Header lines a parser may take otherwise. */
	if (pct(s, 18)) {
		q.flags |= F_ODD_HEAD;
		q.sure = 0;
		switch (rnd(s, 11)) {
		case 0:
			dbuf_printf(b, "X-No-Colon%s", eol);
			break;
		case 1:
			dbuf_printf(b, "X-Folded: a%s b%s", eol, eol);
			break;
		case 2:
			dbuf_printf(b, "X-Nul: a");
			dbuf_add(b, "\0b", 2);
			dbuf_puts(b, eol);
			break;
		case 3:
			dbuf_add(b, "X-N\0l: 1", 8);
			dbuf_puts(b, eol);
			break;
		case 4:
			dbuf_printf(b, "X-Space : b%s", eol);
			break;
		case 5:
			dbuf_printf(b, "X-Ctl: a\x01\x7f%s", eol);
			break;
		case 6:
			dbuf_printf(b, "X(y): 1%s", eol);
			break;
		case 7:
			dbuf_printf(b, "X-Cr: a\rb%s", eol);
			q.flags |= F_MAY_WAIT;
			break;
		case 8:
			dbuf_printf(b, ": empty-name%s", eol);
			break;
		case 9:
			dbuf_puts(b, "X-Long: ");
			dbuf_fill(b, 'v', pct(s, 50) ? 3000 + rnd(s, 4000) : 9000 + rnd(s, 30000));
			dbuf_puts(b, eol);
			q.flags |= F_BIG;
			break;
		case 10:
			for (unsigned n = 100 + rnd(s, 400); n > 0; n--)
				dbuf_printf(b, "X-Many-%u: %u%s", n, n, eol);
			q.flags |= F_MANY_HDRS;
			break;
		}
	}

	/* Body framing. */
	r = rnd(s, 100);
	if (q.method == MT_405 && r < 60)
		body = (int)PICK(s, ((const int[]){ BK_CL, BK_CL, BK_TE, BK_CL_ZERO, BK_CL_SHORT,
		    BK_CL_LONG, BK_CL_BAD, BK_TE_BAD, BK_TE_OPEN, BK_TE_CL }));
	else if (r < 88)
		body = BK_NONE;
	else
		body = BK_CL + (int)rnd(s, BK_TE_OTHER);
	snprintf(body_bytes, sizeof(body_bytes), "body-%u", rnd(s, 100000));
	if (pct(s, 4) && (body == BK_CL || body == BK_TE))
		dbuf_printf(b, "Expect: 100-continue%s", eol);
	switch (body) {
	case BK_NONE:
		dbuf_puts(b, eol);
		break;
	case BK_CL:
		dbuf_printf(b, "Content-Length: %zu%s%s%s", strlen(body_bytes), eol, eol, body_bytes);
		break;
	case BK_CL_ZERO:
		dbuf_printf(b, "Content-Length: 0%s%s", eol, eol);
		break;
	case BK_TE:
		dbuf_printf(b, "Transfer-Encoding: chunked%s%s%zx\r\n%s\r\n0\r\n\r\n", eol, eol,
		    strlen(body_bytes), body_bytes);
		break;
	case BK_CL_SHORT:
		dbuf_printf(b, "Content-Length: %zu%s%s%s", strlen(body_bytes) + 1 + rnd(s, 100), eol,
		    eol, body_bytes);
		q.flags |= F_MAY_WAIT;
		break;
	case BK_CL_LONG:
		dbuf_printf(b, "Content-Length: 2%s%s%s", eol, eol, body_bytes);
		q.flags |= F_DESYNC;
		break;
	case BK_CL_BAD:
		dbuf_printf(b, "Content-Length: %s%s%s%s", PICK(s, ((const char *const[]){ "-1", "abc",
		    "1 2", "99999999999999999999", "0x10", "", "+3" })), eol, eol, body_bytes);
		q.flags |= F_BAD_LENGTH | F_DESYNC;
		break;
	case BK_CL_TWICE:
		dbuf_printf(b, "Content-Length: %zu%sContent-Length: %zu%s%s%s", strlen(body_bytes), eol,
		    strlen(body_bytes) + rnd(s, 2), eol, eol, body_bytes);
		q.flags |= F_BAD_LENGTH | F_DESYNC;
		break;
	case BK_TE_BAD:
		dbuf_printf(b, "Transfer-Encoding: chunked%s%szz\r\n%s\r\n0\r\n\r\n", eol, eol,
		    body_bytes);
		q.flags |= F_DESYNC;
		break;
	case BK_TE_OPEN:
		dbuf_printf(b, "Transfer-Encoding: chunked%s%s%zx\r\n%s\r\n", eol, eol,
		    strlen(body_bytes), body_bytes);
		q.flags |= F_MAY_WAIT;
		break;
	case BK_TE_CL:
		dbuf_printf(b, "Transfer-Encoding: chunked%sContent-Length: 3%s%s0\r\n\r\n", eol, eol,
		    eol);
		q.flags |= F_DESYNC;
		break;
	default:
		dbuf_printf(b, "Transfer-Encoding: %s%s%s%s", PICK(s, ((const char *const[]){
		    "gzip, chunked", "chunked, gzip", "identity", "chunked, chunked", "xchunked" })),
		    eol, eol, body_bytes);
		q.flags |= F_DESYNC;
		break;
	}
	if (body != BK_NONE && body != BK_CL && body != BK_CL_ZERO && body != BK_TE)
		q.sure = 0;
	if (q.flags & (F_DESYNC | F_MAY_WAIT))
		q.flags |= F_MAY_WAIT;

	/*
	 * What a clean request gets, in the order handle() checks: the method,
	 * Host and %00, then the route; on /events the event names, then the
	 * Last-Event-ID (the header's, even empty, else the query's).
	 */
	if (!q.sure || q.route == 0)
		expect = 0;
	else if (q.method == MT_405)
		expect = 405;
	else if ((v11 && hosts != 1) || hosts > 1 || q.nul)
		expect = 400;
	else if (q.is_events && q.route == 200 && lei == 0)
		expect = 400;
	else
		expect = q.route;
	pl->head[k] = q.method == MT_HEAD;
	pl->expect[k] = expect;
	return q.flags;
}

/* The plan and bytes of request number index of a run with this seed. */
static void
gen_plan(uint64_t seed, unsigned index, uint64_t seq0, struct plan *pl)
{
	uint64_t s = seed ^ ((uint64_t)index * 0xd1342543de82ef95ull);
	unsigned r;

	memset(pl, 0, sizeof(*pl));
	rng_next(&s);
	pl->nreq = pct(&s, 78) ? 1 : 2 + (int)rnd(&s, MAX_PIPE - 1);
	for (int k = 0; k < pl->nreq; k++) {
		/* After one whose framing is not predictable, neither are the answers. */
		int known = !(pl->flags & (F_BAD_LINE | F_MANY_ARGS | F_BIG | F_MANY_HDRS |
		    F_ODD_HEAD | F_BAD_LENGTH | F_MAY_WAIT | F_DESYNC));

		pl->flags |= gen_request(&s, pl, k, known, seq0);
		if (!known)
			pl->expect[k] = 0;
	}
	r = rnd(&s, 100);
	if (index % FUZZ_LEFT_OPEN_EVERY == 17)
		pl->delivery = DL_CUT_OPEN;
	else if (r < 70)
		pl->delivery = DL_ONCE;
	else if (r < 82)
		pl->delivery = DL_PIECES;
	else if (r < 86)
		pl->delivery = DL_BYTES;
	else if (r < 94)
		pl->delivery = DL_CUT_HALF;
	else
		pl->delivery = DL_CUT_ABORT;
	if (pl->delivery >= DL_CUT_HALF) {
		pl->cut = 1 + rnd(&s, (unsigned)(pl->bytes.len - 1));
		pl->flags |= F_CUT;
	}
}

static void
flags_text(unsigned flags, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flags & flag_names[i].flag)
			snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? "," : "",
			    flag_names[i].name);
	if (out[0] == '\0')
		snprintf(out, len, "clean");
}

/* ---- request_fuzz: what came back, counted by class ----------------------- */

/*
 * A class of outcome: "daemon" ones are the daemon's faults (the test
 * fails), "mhd" ones libmicrohttpd 0.9.75's own (printed), "info" ones
 * what the requests asked for.
 */
enum { K_INFO, K_MHD, K_FAULT };

struct tclass {
	char name[120];
	int kind;
	unsigned count;
	unsigned first_index;	/* the request that showed it first */
	char example[480];
};

#define MAX_CLASSES 160

static struct {
	pthread_mutex_t mu;
	struct tclass c[MAX_CLASSES];
	int n;
	unsigned faults;
	unsigned long connections, responses, streams, bytes_sent;
	atomic_uint next;	/* the next request index to run */
	unsigned end;		/* run requests below this */
	uint64_t seed, seq0;
	int verbose;
} T;

static void
tally(int kind, const struct plan *pl, unsigned index, const char *fmt, ...)
{
	char name[120];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&T.mu);
	for (i = 0; i < T.n; i++)
		if (T.c[i].kind == kind && strcmp(T.c[i].name, name) == 0)
			break;
	if (i == T.n && T.n < MAX_CLASSES) {
		struct tclass *c = &T.c[T.n++];
		char flags[160];

		snprintf(c->name, sizeof(c->name), "%s", name);
		c->kind = kind;
		c->first_index = index;
		flags_text(pl->flags, flags, sizeof(flags));
		snprintf(c->example, sizeof(c->example), "[%s, %d request%s, delivery %d] ", flags,
		    pl->nreq, pl->nreq > 1 ? "s" : "", pl->delivery);
		escape_bytes(pl->bytes.p, pl->delivery >= DL_CUT_HALF ? pl->cut : pl->bytes.len, 300,
		    c->example + strlen(c->example), sizeof(c->example) - strlen(c->example));
	}
	if (i < T.n)
		T.c[i].count++;
	if (kind == K_FAULT)
		T.faults++;
	pthread_mutex_unlock(&T.mu);
}

/* How one connection ended. */
enum { EN_DONE, EN_FIN, EN_RST, EN_TIMEOUT, EN_GAVE_UP, EN_ABORTED, EN_NO_CONNECT };
static const char *const end_names[] = { "done", "FIN", "RST", "timeout", "gave up", "aborted",
	"no connect" };

/* Send the plan's bytes as its delivery says; 0, or -1 when the peer went away. */
static int
deliver(int fd, const struct plan *pl, uint64_t *s)
{
	const char *p = pl->bytes.p;
	size_t len = pl->delivery >= DL_CUT_HALF ? pl->cut : pl->bytes.len;

	if (pl->delivery == DL_PIECES) {
		unsigned pieces = 2 + rnd(s, 5);

		for (unsigned i = 0; i < pieces && len > 0; i++) {
			size_t n = i + 1 == pieces ? len : 1 + rnd(s, (unsigned)len);

			if (send_all(fd, p, n) == -1)
				return -1;
			p += n;
			len -= n;
			sleep_s(rnd(s, 15) / 1000.0);
		}
		return 0;
	}
	if (pl->delivery == DL_BYTES) {
		/* The first bytes one at a time (some 0.1 s), then the rest. */
		for (unsigned i = 0; i < 40 && len > 0; i++) {
			if (send_all(fd, p, 1) == -1)
				return -1;
			p++;
			len--;
			sleep_s(0.002);
		}
	}
	return send_all(fd, p, len);
}

/* Run request index: connect, send, read and classify. */
static void
fuzz_one(unsigned index)
{
	struct plan pl;
	struct rparse rp = { 0 };
	uint64_t s = T.seed ^ ((uint64_t)index << 32) ^ 0x5bd1e995u;
	char buf[65536], flags[160];
	double sent_at = 0, last_progress = 0, ended_at = 0, now, stall_s;
	int fd, end = EN_DONE, stalled = 0, all_known = 1, any_known = 0;

	gen_plan(T.seed, index, T.seq0, &pl);
	for (int k = 0; k < pl.nreq; k++) {
		all_known &= pl.expect[k] != 0;
		any_known |= pl.expect[k] != 0;
	}
	if (pl.flags & F_CUT)
		all_known = 0;
	rp.head_for = pl.head;
	rp.nreq = pl.nreq;
	flags_text(pl.flags, flags, sizeof(flags));

	if ((fd = connect_daemon()) < 0) {
		tally(K_FAULT, &pl, index, "cannot connect: %s", strerror(errno));
		dbuf_free(&pl.bytes);
		return;
	}
	{
		struct timeval tv = { 2, 0 };

		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	(void)deliver(fd, &pl, &s);	/* an answer and a close may come before the end */
	if (pl.delivery == DL_CUT_ABORT) {
		if (pct(&s, 50))
			close_rst(fd);
		else
			close(fd);
		end = EN_ABORTED;
		goto classify_done;
	}
	if (pl.delivery == DL_CUT_HALF)
		shutdown(fd, SHUT_WR);

	/*
	 * Read until every request is answered, a stream has begun, the
	 * daemon closes, or time is up. A request the daemon may rightly wait
	 * on is given up on soon; a clean one that gets nothing is a stall.
	 */
	sent_at = last_progress = now_mono();
	stall_s = (pl.flags & F_MAY_WAIT) && pl.delivery != DL_CUT_OPEN ? 0.3 : FUZZ_STALL_S;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double wait;
		ssize_t n;

		if (rp.bad)
			break;
		if (rp.phase == RP_DONE && rp.nresp > 0 && (rp.r[(rp.nresp - 1) % MAX_RESP].flags &
		    R_STREAM))
			break;	/* a stream: its first bytes are enough */
		if (rp.phase == RP_HEAD && rp.head.len == 0 && rp.nresp >= pl.nreq) {
			/* All answered and kept alive: a stray byte after a HEAD shows at once. */
			if (!pl.head[pl.nreq - 1] || poll(&pfd, 1, 30) <= 0)
				break;
		}
		now = now_mono();
		if (now - last_progress > stall_s && !stalled) {
			if (pl.delivery != DL_CUT_OPEN && (pl.flags & F_MAY_WAIT)) {
				end = EN_GAVE_UP;
				break;
			}
			if (pl.delivery != DL_CUT_OPEN)
				stalled = 1;
		}
		wait = (stalled || pl.delivery == DL_CUT_OPEN ? sent_at + FUZZ_WAIT_S :
		    last_progress + stall_s) - now;
		if (now - sent_at > FUZZ_WAIT_S) {
			end = EN_TIMEOUT;
			break;
		}
		if (wait < 0.001)
			wait = 0.001;
		if (poll(&pfd, 1, (int)(wait * 1000) + 1) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
			end = n == 0 ? EN_FIN : EN_RST;
			rparse_eof(&rp);
			break;
		}
		if (n > 0) {
			rparse_feed(&rp, buf, (size_t)n);
			last_progress = now_mono();
		}
	}
	ended_at = now_mono();
	close(fd);

classify_done:
	pthread_mutex_lock(&T.mu);
	T.connections++;
	T.responses += (unsigned long)rp.nresp;
	T.bytes_sent += pl.delivery >= DL_CUT_HALF ? pl.cut : pl.bytes.len;
	pthread_mutex_unlock(&T.mu);

	if (T.verbose) {
		char req[700];

		escape_bytes(pl.bytes.p, pl.delivery >= DL_CUT_HALF ? pl.cut : pl.bytes.len, 400, req,
		    sizeof(req));
		printf("#%u [%s] %s -> %d answers (%d %d %d), %s%s%s\n", index, flags, req, rp.nresp,
		    rp.nresp > 0 ? rp.r[0].status : 0, rp.nresp > 1 ? rp.r[1].status : 0,
		    rp.nresp > 2 ? rp.r[2].status : 0, end_names[end], rp.bad ? ", bad: " : "",
		    rp.bad ? rp.why : "");
	}

	if (end == EN_ABORTED) {
		tally(K_INFO, &pl, index, "cut and closed at once (nothing read)");
		goto out;
	}
	if (rp.bad) {
		tally(K_FAULT, &pl, index, "a malformed answer: %s", rp.why);
		goto out;
	}
	for (int i = 0; i < rp.nresp && i < MAX_RESP; i++) {
		const struct resp *r = &rp.r[i];
		int want = i < pl.nreq ? pl.expect[i] : 0;

		if (r->flags & R_STREAM) {
			pthread_mutex_lock(&T.mu);
			T.streams++;
			pthread_mutex_unlock(&T.mu);
		}
		if (r->flags & R_CTYPE) {
			/* The daemon's own answer. */
			if (r->status != 200 && r->status != 400 && r->status != 404 &&
			    r->status != 405 && r->status != 429 && r->status != 503)
				tally(K_FAULT, &pl, index, "the daemon answered %d", r->status);
			else if (want != 0 && r->status != want)
				tally(K_FAULT, &pl, index, "wrong status: %d, want %d (request %d)",
				    r->status, want, i + 1);
			else if (r->status == 200 && strncmp(rp.r[i].ctype, "text/event-stream", 17) == 0 &&
			    !(r->flags & R_STREAM))
				tally(K_FAULT, &pl, index, "a 200 stream that did not start with retry:");
			else if (pl.nreq == 1 && (pl.flags & (F_NUL_TEXT | F_UINT64_MAX)))
				tally(K_INFO, &pl, index, "daemon %d to %s", r->status,
				    (pl.flags & F_NUL_TEXT) ? "a %2500 (a literal \"%00\" once decoded)" :
				    "Last-Event-ID 18446744073709551615 (UINT64_MAX)");
			else
				tally(K_INFO, &pl, index, "daemon %d%s", r->status,
				    want != 0 ? " (as predicted)" : "");
		} else if (r->flags & (R_MHD_HTML | R_MHD_DOUBLE)) {
			tally(want != 0 ? K_FAULT : K_MHD, &pl, index,
			    "libmicrohttpd %d %s, no Content-Type%s", r->status,
			    (r->flags & R_MHD_DOUBLE) ? "with its header block sent twice" : "HTML page",
			    want != 0 ? " (to a clean request)" : "");
		} else if (i < pl.nreq && pl.head[i] && (r->status == 400 || r->status == 413 ||
		    r->status == 414 || r->status == 431 || r->status == 505)) {
			/* (The daemon's own answers all have a Content-Type, HEAD or not.) */
			tally(want != 0 ? K_FAULT : K_MHD, &pl, index,
			    "libmicrohttpd %d to a HEAD, no Content-Type%s", r->status,
			    want != 0 ? " (to a clean request)" : "");
		} else {
			tally(K_FAULT, &pl, index, "a %d answer without Content-Type", r->status);
		}
	}
	if (rp.stray > 0) {
		const struct resp *last = &rp.r[(rp.nresp - 1) % MAX_RESP];
		int head = rp.nresp <= pl.nreq && pl.head[rp.nresp - 1];

		if ((last->flags & R_MHD_DOUBLE) || (!(last->flags & R_CTYPE) &&
		    strncmp(rp.stray_start, "HTTP/1.", 7) == 0))
			;	/* the second header block, counted above */
		else if (!(last->flags & R_CTYPE) && head && strncmp(rp.stray_start, "<html>", 6) == 0)
			tally(K_MHD, &pl, index, "libmicrohttpd sends its %d page's body to a HEAD",
			    last->status);
		else
			tally(K_FAULT, &pl, index, "%zu bytes after an answer that said Connection: close "
			    "('%s...')", rp.stray, rp.stray_start);
	}
	if (rp.interim > 0)
		tally(K_INFO, &pl, index, "a 1xx interim answer");

	if (rp.nresp == 0) {
		const char *why = (pl.flags & F_CUT) ? "a cut request" :
		    (pl.flags & F_BAD_LINE) ? "a malformed request line" :
		    (pl.flags & F_MANY_ARGS) ? "hundreds of query arguments (pool exhausted)" :
		    (pl.flags & F_MANY_HDRS) ? "hundreds of header lines" :
		    (pl.flags & F_BIG) ? "a long line" : NULL;

		if (end == EN_FIN || end == EN_RST) {
			if (why != NULL && (pl.flags & F_CUT))
				tally(K_INFO, &pl, index, "empty reply (%s) to %s", end_names[end], why);
			else if (why != NULL)
				tally(K_MHD, &pl, index, "libmicrohttpd: empty reply (%s) to %s",
				    end_names[end], why);
			else if (any_known)
				tally(K_FAULT, &pl, index, "empty reply (%s) to a clean request",
				    end_names[end]);
			else
				tally(K_INFO, &pl, index, "empty reply (%s) to [%s]", end_names[end], flags);
		} else if (end == EN_TIMEOUT) {
			if (pl.delivery == DL_CUT_OPEN)
				tally(K_FAULT, &pl, index, "a cut request still open after %.1f s",
				    FUZZ_WAIT_S);
			else
				tally(any_known ? K_FAULT : K_INFO, &pl, index,
				    "no answer and no close within %.1f s [%s]", FUZZ_WAIT_S, flags);
		} else if (end == EN_GAVE_UP) {
			tally(K_INFO, &pl, index, "the daemon waits for the rest (may-wait): given up");
		}
	} else if (rp.nresp < pl.nreq && (end == EN_FIN || end == EN_RST)) {
		const struct resp *last = &rp.r[(rp.nresp - 1) % MAX_RESP];

		if (!(last->flags & (R_CLOSE | R_STREAM)) && !(last->status == 200 && pl.head[rp.nresp -
		    1]))
			tally(all_known ? K_FAULT : K_INFO, &pl, index,
			    "closed (%s) after %d of %d pipelined requests without Connection: close",
			    end_names[end], rp.nresp, pl.nreq);
	} else if (rp.nresp < pl.nreq && end == EN_TIMEOUT && all_known) {
		tally(K_FAULT, &pl, index, "%d of %d pipelined requests answered, then nothing",
		    rp.nresp, pl.nreq);
	}
	if (pl.delivery == DL_CUT_OPEN && end != EN_TIMEOUT)
		tally(K_INFO, &pl, index, "a cut request left open: the daemon closed it (%s) after "
		    "%.0f s", end_names[end], ended_at - sent_at);
	if (stalled && all_known)
		tally(K_FAULT, &pl, index, "a clean request stalled %.1f s, then %s", FUZZ_STALL_S,
		    end_names[end]);
	else if (stalled)
		tally(K_INFO, &pl, index, "stalled %.1f s, then %s [%s]", FUZZ_STALL_S, end_names[end],
		    flags);
out:
	rparse_free(&rp);
	dbuf_free(&pl.bytes);
}

static void *
fuzz_worker(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned i = atomic_fetch_add(&T.next, 1);

		if (i >= T.end)
			return NULL;
		fuzz_one(i);
	}
}

static int
class_cmp(const void *a, const void *b)
{
	const struct tclass *x = a, *y = b;

	if (x->kind != y->kind)
		return y->kind - x->kind;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static void
fuzz_print_classes(void)
{
	static const char *const kinds[] = { "info", "libmicrohttpd", "DAEMON FAULT" };

	qsort(T.c, (size_t)T.n, sizeof(T.c[0]), class_cmp);
	for (int i = 0; i < T.n; i++) {
		printf("  %-13s %5u  %s\n", kinds[T.c[i].kind], T.c[i].count, T.c[i].name);
		if (T.c[i].kind != K_INFO || T.verbose)
			printf("                       e.g. #%u %s\n", T.c[i].first_index,
			    T.c[i].example);
	}
}

/*
 * request_timeout and timeout short, so that what the daemon rightly waits
 * for ends within FUZZ_WAIT_S; a client_buffer that gives the control
 * stream 25 s of slack, so a gap means the daemon lost ticks, not that the
 * test read late.
 */
static void
fuzz_config(struct dbuf *b)
{
	dbuf_puts(b, "# written by check_abuse (request_fuzz)\n"
	    "listen = 127.0.0.1:0\n"
	    "interval = 0.1\n"
	    "heartbeat = 1\n"
	    "timeout = 4\n"
	    "request_timeout = 2\n"
	    "history = 50\n"
	    "client_buffer = 256\n");
	dbuf_printf(b, "procfs = %s\nsysfs = %s\nwebroot = %s\n", TEST_DATA "/host2/proc",
	    TEST_DATA "/host2/sys", WEBROOT);
	if (SANITIZED)
		dbuf_puts(b, "thread_stack = 1M\n");
}

START_TEST(request_fuzz)
{
	const char *env = getenv("ABUSE_SEED");
	struct dbuf conf = { 0 };
	pthread_t workers[FUZZ_WORKERS];
	double t0, t_batch;
	int fds0, fds1;
	long threads0, threads1, rss0;
	unsigned batches = 0;

	memset(&T, 0, sizeof(T));
	pthread_mutex_init(&T.mu, NULL);
	T.seed = env != NULL ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
	T.verbose = getenv("ABUSE_VERBOSE") != NULL;
	printf("request_fuzz: seed %" PRIu64 " (replay: ABUSE_SEED=%" PRIu64 ")\n", T.seed, T.seed);

	fuzz_config(&conf);
	daemon_start(conf.p);
	dbuf_free(&conf);
	control_start();
	T.seq0 = control_last_id();
	ck_assert_int_eq(http_get("/healthz", 1.0, NULL), 200);
	sleep_s(0.3);
	fds0 = proc_fds();
	threads0 = proc_status("Threads:");
	rss0 = proc_status("VmRSS:");
	printf("request_fuzz: baseline %d fds, %ld threads, %ld kB RSS (control stream open)\n",
	    fds0, threads0, rss0);

	t0 = now_mono();
	while (T.end < FUZZ_REQUESTS && now_mono() - t0 < FUZZ_WALL_S) {
		int st;

		atomic_store(&T.next, T.end);	/* (each worker's last fetch went past the end) */
		T.end += FUZZ_BATCH;
		for (int i = 0; i < FUZZ_WORKERS; i++)
			ck_assert_int_eq(pthread_create(&workers[i], NULL, fuzz_worker, NULL), 0);
		for (int i = 0; i < FUZZ_WORKERS; i++)
			pthread_join(workers[i], NULL);
		batches++;

		/* After each batch: alive, healthy within 1 s, the control stream whole. */
		assert_alive("during request_fuzz");
		t_batch = now_mono();
		st = http_get("/healthz", 1.0, NULL);
		if (st != 200)
			fail_with_log("after batch %u (requests below %u), /healthz got %d within 1 s "
			    "(0: no answer; seed %" PRIu64 ")", batches, T.end, st, T.seed);
		if (now_mono() - t_batch > 1.0)
			fail_with_log("after batch %u, /healthz took %.2f s", batches, now_mono() - t_batch);
		{
			char when[64];

			snprintf(when, sizeof(when), "after fuzz batch %u", batches);
			control_check(when);
		}
	}
	printf("request_fuzz: %u requests in %u batches, %lu connections, %lu answers, %lu streams "
	    "begun, %lu bytes sent, %.1f s\n", T.end, batches, T.connections, T.responses, T.streams,
	    T.bytes_sent, now_mono() - t0);
	fuzz_print_classes();

	/* The daemon gave back every connection's fd and thread. */
	if (!settle(fds0, threads0, SETTLE_S, &fds1, &threads1))
		fail_with_log("after request_fuzz the daemon holds %d fds (baseline %d) and %ld threads "
		    "(baseline %ld) after %.0f s", fds1, fds0, threads1, threads0, SETTLE_S);
	printf("request_fuzz: after: %d fds, %ld threads, %ld kB RSS (baseline %d, %ld, %ld)\n",
	    fds1, threads1, proc_status("VmRSS:"), fds0, threads0, rss0);
	control_check("at the end of request_fuzz");
	control_stop();
	if (T.faults > 0)
		fail_with_log("request_fuzz: %u answers were the daemon's fault (DAEMON FAULT above; "
		    "replay with ABUSE_SEED=%" PRIu64 ")", T.faults, T.seed);
	daemon_stop_ok(15.0);
	pthread_mutex_destroy(&T.mu);
}
END_TEST

/* ---- churn_soak: the viewers ---------------------------------------------- */

/* Event types and ids of a stream, its data skipped: the viewers' parser. */
struct minisse {
	char line[80];		/* the start of the line being read */
	size_t len;		/* of the line so far (may exceed what line holds) */
	char type[32];
	uint64_t id;
	int has_id, has_data;
};

typedef void minisse_cb(void *arg, const char *type, int has_id, uint64_t id);

static void
minisse_line(struct minisse *m, minisse_cb *cb, void *arg)
{
	size_t n = m->len < sizeof(m->line) ? m->len : sizeof(m->line) - 1;
	const char *v;

	m->line[n] = '\0';
	if (n > 0 && m->line[n - 1] == '\r')
		m->line[--n] = '\0';
	if (m->len == 0) {
		if (m->has_data)
			cb(arg, m->type[0] ? m->type : "message", m->has_id, m->id);
		m->type[0] = '\0';
		m->has_id = m->has_data = 0;
		return;
	}
	if (m->line[0] == ':')
		return;
	v = strchr(m->line, ':');
	v = v == NULL ? "" : v[1] == ' ' ? v + 2 : v + 1;
	if (strncmp(m->line, "event:", 6) == 0)
		snprintf(m->type, sizeof(m->type), "%s", v);
	else if (strncmp(m->line, "data:", 5) == 0 || strcmp(m->line, "data") == 0)
		m->has_data = 1;
	else if (strncmp(m->line, "id:", 3) == 0) {
		m->id = strtoull(v, NULL, 10);
		m->has_id = 1;
	}
}

static void
minisse_feed(struct minisse *m, const char *p, size_t n, minisse_cb *cb, void *arg)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl != NULL ? (size_t)(nl - p) : n;

		if (m->len < sizeof(m->line) - 1) {
			size_t room = sizeof(m->line) - 1 - m->len;

			memcpy(m->line + m->len, p, take < room ? take : room);
		}
		m->len += take;
		if (nl == NULL)
			return;
		minisse_line(m, cb, arg);
		m->len = 0;
		p += take + 1;
		n -= take + 1;
	}
}

enum { V_FREE, V_CONNECTING, V_HEAD, V_BODY, V_STALL };
enum { VE_FIN, VE_RST, VE_HALF, VE_EARLY };
enum { LEI_NONE, LEI_REPLAY, LEI_RESET };

struct viewer {
	int fd;
	int state;
	unsigned mask;		/* event types asked for (bit i: known_events[i]) */
	int want_status;	/* 200, or 400 for a bad name or id */
	unsigned want;		/* events to read, then leave */
	unsigned stall_at;	/* stop reading after this many events (0: never) */
	double stall_s;
	double opened, last_rx, stall_until;
	int stalled_long;	/* stalled past timeout: the daemon may drop it */
	int end_mode;		/* VE_* */
	int lei_kind;		/* LEI_*: what its Last-Event-ID must bring first */
	uint64_t lei;
	unsigned got;		/* events read */
	int reset;		/* it began with a reset event */
	uint64_t last_id;
	char req[512];
	struct dbuf head;
	struct dechunk dc;
	struct minisse ms;
	char start[16];		/* first body bytes */
	size_t start_len;
	int bad;		/* set by the event callback */
	char why[160];
};

/* The soak's figures; the test thread's own. */
static struct {
	unsigned long opened, sent, got200, got400, events, body_bytes, completed, stalls,
	    long_stalls, dropped_after_long_stall, early, ended[4], lifetime_cut, at_end;
	unsigned faults;
	char first_fault[560];
	unsigned reloads, bad_reloads;
	long rss_peak;		/* kB, sampled once a second */
} S;

static void
viewer_fault(struct viewer *v, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (S.faults++ == 0)
		snprintf(S.first_fault, sizeof(S.first_fault), "%s (request: %.200s)", msg, v->req);
}

static void
viewer_event(void *arg, const char *type, int has_id, uint64_t id)
{
	struct viewer *v = arg;
	int i;

	if (v->bad)
		return;
	if (strcmp(type, "reset") == 0) {
		if (has_id || v->got > 0 || v->reset || v->lei_kind != LEI_RESET) {
			v->bad = 1;
			snprintf(v->why, sizeof(v->why), "a reset %s", has_id ? "with an id" :
			    v->got > 0 || v->reset ? "after other events" :
			    "to a Last-Event-ID in the history, or to none");
		}
		v->reset = 1;
		return;
	}
	if (v->got == 0 && v->lei_kind == LEI_RESET && !v->reset) {
		v->bad = 1;
		snprintf(v->why, sizeof(v->why), "Last-Event-ID %" PRIu64 " (not in the history) "
		    "brought no reset first", v->lei);
		return;
	}
	/*
	 * A replay starts right after the id sent: with the snapshot event of
	 * each tick missed, or, for the other types, the newest tick's.
	 */
	if (v->got == 0 && v->lei_kind == LEI_REPLAY && has_id && ((v->mask & 1u) ?
	    id != v->lei + 1 : id <= v->lei)) {
		v->bad = 1;
		snprintf(v->why, sizeof(v->why), "Last-Event-ID %" PRIu64 " replayed from id %"
		    PRIu64 " ('%s')", v->lei, id, type);
		return;
	}
	for (i = 0; i < (int)(sizeof(known_events) / sizeof(known_events[0])); i++)
		if (strcmp(type, known_events[i]) == 0)
			break;
	if (i == (int)(sizeof(known_events) / sizeof(known_events[0])) || !(v->mask & (1u << i))) {
		v->bad = 1;
		snprintf(v->why, sizeof(v->why), "an event '%s' it did not ask for", type);
	} else if (!has_id) {
		v->bad = 1;
		snprintf(v->why, sizeof(v->why), "a '%s' event without an id", type);
	} else if (id < v->last_id) {
		v->bad = 1;
		snprintf(v->why, sizeof(v->why), "id %" PRIu64 " after %" PRIu64, id, v->last_id);
	}
	v->last_id = id;
	v->got++;
	S.events++;
}

static void
viewer_body(void *arg, const char *p, size_t n)
{
	struct viewer *v = arg;

	S.body_bytes += n;
	if (v->start_len < sizeof(v->start) - 1) {
		size_t take = sizeof(v->start) - 1 - v->start_len;

		if (take > n)
			take = n;
		memcpy(v->start + v->start_len, p, take);
		v->start_len += take;
		v->start[v->start_len] = '\0';
		if (v->start_len >= 13 && strncmp(v->start, "retry: 3000\n\n", 13) != 0) {
			v->bad = 1;
			snprintf(v->why, sizeof(v->why), "the stream began '%.13s'", v->start);
		}
	}
	minisse_feed(&v->ms, p, n, viewer_event, v);
}

/* A new viewer's request, limits and manners. */
static void
viewer_plan(uint64_t *s, struct viewer *v, uint64_t latest)
{
	int len = 0, first = 1;
	unsigned r;
	char lei[64] = "";

	v->mask = 0;
	v->want_status = 200;
	len += snprintf(v->req + len, sizeof(v->req) - (size_t)len, "GET /events");
	if (pct(s, 15)) {
		v->mask = 1u << 0 | 1u << 1;	/* snapshot and html */
	} else {
		unsigned n = 1 + rnd(s, 3);

		len += snprintf(v->req + len, sizeof(v->req) - (size_t)len, "?events=");
		first = 0;
		for (unsigned i = 0; i < n; i++) {
			/* Mostly the small card and chart events, to bound the client's CPU. */
			unsigned e = pct(s, 15) ? rnd(s, 2) : 2 + rnd(s, (unsigned)(sizeof(known_events) /
			    sizeof(known_events[0])) - 2);

			len += snprintf(v->req + len, sizeof(v->req) - (size_t)len, "%s%s", i ? "," : "",
			    known_events[e]);
			v->mask |= 1u << e;
		}
		if (pct(s, 3)) {
			len += snprintf(v->req + len, sizeof(v->req) - (size_t)len, ",nope");
			v->want_status = 400;
		}
	}
	/*
	 * A Last-Event-ID well inside the history (60 ticks, 3 s: room for a
	 * 2.5 s delay before the daemon reads it), long gone, ahead of it, or
	 * not a number.
	 */
	r = rnd(s, 100);
	v->lei_kind = LEI_NONE;
	if (r < 35) {
		v->lei = latest - rnd(s, 10);
		v->lei_kind = LEI_REPLAY;
	} else if (r < 42) {
		v->lei = latest - 1000 - rnd(s, 1000);
		v->lei_kind = LEI_RESET;
	} else if (r < 46) {
		v->lei = latest + 50;
		v->lei_kind = LEI_RESET;
	} else if (r < 48) {
		v->lei = 0;
		v->lei_kind = LEI_RESET;
	} else if (r < 51) {
		snprintf(lei, sizeof(lei), "x%u", rnd(s, 100));
		v->want_status = 400;
	}
	if (v->lei_kind != LEI_NONE)
		snprintf(lei, sizeof(lei), "%" PRIu64, v->lei);
	if (lei[0] != '\0' && pct(s, 30)) {
		len += snprintf(v->req + len, sizeof(v->req) - (size_t)len, "%slastEventId=%s",
		    first ? "?" : "&", lei);
		lei[0] = '\0';
	}
	len += snprintf(v->req + len, sizeof(v->req) - (size_t)len,
	    " HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s%s%s%s\r\n", D.port,
	    lei[0] ? "Last-Event-ID: " : "", lei, lei[0] ? "\r\n" : "",
	    pct(s, 30) ? "Accept: text/event-stream\r\n" : "");
	ck_assert_int_lt(len, (int)sizeof(v->req));

	v->want = 1 + rnd(s, 30);
	v->stall_at = 0;
	v->stalled_long = 0;
	if (pct(s, 15)) {
		v->stall_at = 1 + rnd(s, v->want);
		v->stall_s = 0.2 + rnd(s, 2300) / 1000.0;
		if (pct(s, 20)) {
			v->stall_s = 6.0 + rnd(s, 1000) / 1000.0;	/* past timeout = 5 */
			v->stalled_long = 1;
		}
	}
	r = rnd(s, 100);
	v->end_mode = r < 45 ? VE_FIN : r < 85 ? VE_RST : r < 95 ? VE_HALF : VE_EARLY;
}

static int
viewer_open(int ep, struct viewer *v, uint64_t *s, uint64_t latest)
{
	struct sockaddr_in sin;
	struct epoll_event ev = { .events = EPOLLOUT };

	memset(v, 0, sizeof(*v));
	viewer_plan(s, v, latest);
	v->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (v->fd < 0)
		return -1;
	if (v->stall_at != 0) {
		int small = 16384;	/* a stall fills the path at once */

		setsockopt(v->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)D.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(v->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 && errno != EINPROGRESS) {
		close(v->fd);
		return -1;
	}
	ev.data.ptr = v;
	ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, v->fd, &ev), 0);
	v->state = V_CONNECTING;
	v->opened = v->last_rx = now_mono();
	S.opened++;
	return 0;
}

/* Leave as the viewer's manners say; how it left is counted. */
static void
viewer_close(int ep, struct viewer *v, int mode)
{
	if (v->state != V_STALL)
		epoll_ctl(ep, EPOLL_CTL_DEL, v->fd, NULL);
	if (mode == VE_RST) {
		close_rst(v->fd);
	} else {
		if (mode == VE_HALF)
			shutdown(v->fd, SHUT_WR);
		close(v->fd);
	}
	S.ended[mode]++;
	dbuf_free(&v->head);
	v->fd = -1;
	v->state = V_FREE;
}

/* The daemon closed a viewer, or the viewer read what it came for. */
static void
viewer_input(int ep, struct viewer *v)
{
	char buf[65536];
	ssize_t n;

	while ((n = recv(v->fd, buf, sizeof(buf), 0)) > 0) {
		const char *p = buf;
		size_t len = (size_t)n;

		v->last_rx = now_mono();
		if (v->state == V_HEAD) {
			const char *end;
			size_t old = v->head.len;
			int status;

			dbuf_add(&v->head, buf, len);
			if ((end = strstr(dbuf_str(&v->head), "\r\n\r\n")) == NULL)
				continue;
			status = strncmp(v->head.p, "HTTP/1.1 ", 9) == 0 ? atoi(v->head.p + 9) : -1;
			if (status != v->want_status) {
				viewer_fault(v, "status %d, want %d: %.80s", status, v->want_status,
				    v->head.p);
				viewer_close(ep, v, VE_RST);
				return;
			}
			if (status == 400) {
				if (strcasestr(v->head.p, "\r\nContent-Type: text/plain") == NULL)
					viewer_fault(v, "a 400 without text/plain: %.200s", v->head.p);
				S.got400++;
				viewer_close(ep, v, VE_FIN);
				return;
			}
			if (strcasestr(v->head.p, "\r\nContent-Type: text/event-stream\r\n") == NULL ||
			    strcasestr(v->head.p, "\r\nTransfer-Encoding: chunked\r\n") == NULL) {
				viewer_fault(v, "not a chunked event stream: %.300s", v->head.p);
				viewer_close(ep, v, VE_RST);
				return;
			}
			S.got200++;
			v->state = V_BODY;
			p = buf + ((size_t)(end + 4 - v->head.p) - old);
			len -= (size_t)(p - buf);
		}
		dechunk_feed(&v->dc, p, len, viewer_body, v);
		if (v->dc.state == DC_BAD || v->dc.state == DC_DONE) {
			viewer_fault(v, "%s after %u events", v->dc.state == DC_BAD ?
			    "bad chunked framing" : "the stream ended", v->got);
			viewer_close(ep, v, VE_RST);
			return;
		}
		if (v->bad) {
			viewer_fault(v, "%s", v->why);
			viewer_close(ep, v, VE_RST);
			return;
		}
		if (v->got >= v->want) {
			S.completed++;
			viewer_close(ep, v, v->end_mode == VE_EARLY ? VE_FIN : v->end_mode);
			return;
		}
		if (v->stall_at != 0 && v->got >= v->stall_at) {
			/* Out of the epoll set: not even a hangup is seen until it reads again. */
			v->stall_at = 0;
			v->state = V_STALL;
			v->stall_until = now_mono() + v->stall_s;
			epoll_ctl(ep, EPOLL_CTL_DEL, v->fd, NULL);
			S.stalls++;
			S.long_stalls += v->stalled_long;
			return;
		}
	}
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		/* The daemon closed it: only a stall past timeout allows that. */
		if (v->stalled_long && v->state == V_BODY)
			S.dropped_after_long_stall++;
		else
			viewer_fault(v, "the daemon closed a viewer (%s) after %u of %u events, %s",
			    n == 0 ? "FIN" : strerror(errno), v->got, v->want,
			    v->state == V_HEAD ? "before its headers" : "while it read");
		viewer_close(ep, v, VE_FIN);
	}
}

/* The request goes out once connected. */
static void
viewer_output(int ep, struct viewer *v)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = v };
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(v->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
		viewer_fault(v, "connect: %s", strerror(err));
		viewer_close(ep, v, VE_FIN);
		return;
	}
	if (send(v->fd, v->req, strlen(v->req), MSG_NOSIGNAL) != (ssize_t)strlen(v->req)) {
		viewer_fault(v, "send: %s", strerror(errno));
		viewer_close(ep, v, VE_FIN);
		return;
	}
	S.sent++;
	if (v->end_mode == VE_EARLY) {
		S.early++;
		viewer_close(ep, v, (S.early & 1) ? VE_RST : VE_FIN);
		return;
	}
	v->state = V_HEAD;
	v->last_rx = now_mono();
	ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_MOD, v->fd, &ev), 0);
}

/* ---- churn_soak: /metrics and /api/snapshot, polled ----------------------- */

/* The value of a sample ("name" or "name{labels}", as printed), or -1. */
static double
prom_value(const char *text, const char *sample)
{
	size_t n = strlen(sample);
	const char *p = text;

	while ((p = strstr(p, sample)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

/* Counters that never go down. */
static const char *const monotonic[] = {
	"sse_metricsd_snapshot_seq", "sse_metricsd_streams_total",
	"sse_metricsd_events_sent_total", "sse_metricsd_sent_bytes_total",
	"sse_metricsd_events_dropped_total", "sse_metricsd_streams_timed_out_total",
	"sse_metricsd_requests_timed_out_total", "sse_metricsd_streams_rejected_total",
	"sse_metricsd_connections_idle_closed_total",
	"sse_metricsd_http_requests_total{code=\"200\",endpoint=\"/events\"}",
};
#define NMONO (sizeof(monotonic) / sizeof(monotonic[0]))

struct poller {
	pthread_t thread;
	atomic_int stop;
	pthread_mutex_t mu;	/* guards what follows */
	unsigned long metrics, snapshots, failures;
	char first_failure[240];
	double last[NMONO];
	double max_latency, max_streams_open;
	uint64_t last_seq;
};

static struct poller P;

static void
poll_failed(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&P.mu);
	if (P.failures++ == 0) {
		va_start(ap, fmt);
		vsnprintf(P.first_failure, sizeof(P.first_failure), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&P.mu);
}

static void
poll_metrics(void)
{
	struct dbuf body = { 0 };
	double t0 = now_mono(), lat, open, total;
	int st = http_get("/metrics", 3.0, &body);

	lat = now_mono() - t0;
	if (st != 200) {
		poll_failed("/metrics got %d (0: nothing within 3 s)", st);
		goto done;
	}
	open = prom_value(body.p, "sse_metricsd_streams_open");
	total = prom_value(body.p, "sse_metricsd_streams_total");
	pthread_mutex_lock(&P.mu);
	P.metrics++;
	if (lat > P.max_latency)
		P.max_latency = lat;
	if (open > P.max_streams_open)
		P.max_streams_open = open;
	pthread_mutex_unlock(&P.mu);
	if (open < 1 || total < open)
		poll_failed("/metrics: streams_open %.0f with streams_total %.0f (the control stream "
		    "is open)", open, total);
	for (size_t i = 0; i < NMONO; i++) {
		double v = prom_value(body.p, monotonic[i]);

		if (v < 0 && strchr(monotonic[i], '{') != NULL)
			v = 0;	/* a labelled sample shows once it is not 0 */
		if (v < 0) {
			poll_failed("/metrics has no %s", monotonic[i]);
			continue;
		}
		pthread_mutex_lock(&P.mu);
		if (v < P.last[i]) {
			pthread_mutex_unlock(&P.mu);
			poll_failed("%s went from %.0f down to %.0f", monotonic[i], P.last[i], v);
			pthread_mutex_lock(&P.mu);
		}
		P.last[i] = v;
		pthread_mutex_unlock(&P.mu);
	}
done:
	dbuf_free(&body);
}

static void
poll_snapshot(void)
{
	struct dbuf body = { 0 };
	double t0 = now_mono(), lat;
	int st = http_get("/api/snapshot", 3.0, &body);
	json_error_t err;
	json_t *j, *seq;

	lat = now_mono() - t0;
	if (st != 200) {
		poll_failed("/api/snapshot got %d (0: nothing within 3 s)", st);
		goto done;
	}
	j = json_loadb(body.p, body.len, 0, &err);
	seq = json_object_get(j, "seq");
	if (j == NULL || !json_is_integer(seq)) {
		poll_failed("/api/snapshot is not a snapshot: %s", j == NULL ? err.text : "no seq");
	} else {
		uint64_t v = (uint64_t)json_integer_value(seq);

		pthread_mutex_lock(&P.mu);
		P.snapshots++;
		if (lat > P.max_latency)
			P.max_latency = lat;
		if (v < P.last_seq) {
			pthread_mutex_unlock(&P.mu);
			poll_failed("/api/snapshot seq went back from %" PRIu64 " to %" PRIu64, P.last_seq, v);
			pthread_mutex_lock(&P.mu);
		}
		P.last_seq = v;
		pthread_mutex_unlock(&P.mu);
	}
	json_decref(j);
done:
	dbuf_free(&body);
}

static void *
poller_run(void *arg)
{
	(void)arg;
	while (!atomic_load(&P.stop)) {
		poll_metrics();
		poll_snapshot();
		sleep_s(0.2);
	}
	return NULL;
}

/* /metrics once, for the test thread: the samples named, -1 when absent. */
static int
metrics_now(const char *const *names, double *values, size_t n)
{
	struct dbuf body = { 0 };
	int st = http_get("/metrics", 3.0, &body);

	for (size_t i = 0; i < n; i++) {
		values[i] = st == 200 ? prom_value(body.p, names[i]) : -1;
		if (st == 200 && values[i] < 0 && strchr(names[i], '{') != NULL)
			values[i] = 0;	/* a labelled sample shows once it is not 0 */
	}
	dbuf_free(&body);
	return st;
}

/* Wait until /metrics says only the control stream is open; the last value seen. */
static double
streams_open_settle(double secs)
{
	static const char *const name[] = { "sse_metricsd_streams_open" };
	double t0 = now_mono(), v = -1;

	while (now_mono() - t0 < secs) {
		if (metrics_now(name, &v, 1) == 200 && v == 1)
			break;
		sleep_s(0.1);
	}
	return v;
}

/* ---- churn_soak ------------------------------------------------------------ */

/*
 * The configuration: variant 0 and 1 differ in what SIGHUP applies; 2 has
 * errors. client_buffer stays above the longest replay a viewer asks for
 * (10 ticks, and the ticks of the delay before the daemon reads it) by
 * some 10 ticks, half a second: a replay longer than client_buffer loses
 * its oldest ticks as new ones come if the stream's thread has not run
 * yet, which it rightly does (a lagging viewer's), but which this test,
 * wanting every replay from the id after the one asked for, would take
 * for a fault whenever the machine is busy (client_buffer 8 failed so).
 */
static void
churn_config(struct dbuf *b, int variant)
{
	dbuf_printf(b, "# written by check_abuse (churn_soak), variant %d\n"
	    "listen = 127.0.0.1:0\n"
	    "interval = 0.05\n"
	    "heartbeat = %d\n"
	    "timeout = 5\n"
	    "request_timeout = 3\n"
	    "history = 60\n"
	    "client_buffer = %d\n"
	    "max_clients = 1000\n", variant, variant == 1 ? 2 : 1, variant == 1 ? 24 : 64);
	dbuf_printf(b, "procfs = %s\nsysfs = %s\nwebroot = %s\n", TEST_DATA "/host2/proc",
	    TEST_DATA "/host2/sys", WEBROOT);
	if (SANITIZED)
		dbuf_puts(b, "thread_stack = 1M\n");
	if (variant == 2)
		dbuf_puts(b, "interval = fast\nno_such_key = 1\n");
}

static void
churn_reload(void)
{
	struct dbuf b = { 0 };
	int variant = (S.reloads + S.bad_reloads) % 3 == 2 ? 2 : (int)(S.reloads % 2 == 0);

	churn_config(&b, variant);
	write_file(D.conf, b.p);
	dbuf_free(&b);
	ck_assert_int_eq(kill(D.pid, SIGHUP), 0);
	if (variant == 2)
		S.bad_reloads++;
	else
		S.reloads++;
}

/*
 * Keep nslots viewers coming and going for seconds (at most max_total
 * opened in all), SIGHUP every CHURN_RELOAD_S when reload; then close the
 * ones left.
 */
static void
churn_run(int ep, struct viewer *vs, unsigned nslots, double seconds, unsigned long max_total,
    int reload, uint64_t *s)
{
	struct epoll_event *evs = calloc(nslots, sizeof(*evs));
	double t0 = now_mono(), next_reload = t0 + CHURN_RELOAD_S, next_alive = t0 + 1.0;

	ck_assert_ptr_nonnull(evs);
	for (;;) {
		double now = now_mono();
		int running = now - t0 < seconds, n, opened = 0;
		uint64_t latest = control_last_id();

		for (unsigned i = 0; running && i < nslots && opened < 24; i++)
			if (vs[i].state == V_FREE && S.opened < max_total) {
				if (viewer_open(ep, &vs[i], s, latest) != 0)
					viewer_fault(&vs[i], "socket/connect: %s", strerror(errno));
				opened++;
			}
		n = epoll_wait(ep, evs, (int)nslots, 10);
		for (int i = 0; i < n; i++) {
			struct viewer *v = evs[i].data.ptr;

			if (v->state == V_CONNECTING)
				viewer_output(ep, v);
			else if (v->state == V_HEAD || v->state == V_BODY)
				viewer_input(ep, v);
		}
		now = now_mono();
		for (unsigned i = 0; i < nslots; i++) {
			struct viewer *v = &vs[i];

			if (v->state == V_STALL && now >= v->stall_until) {
				struct epoll_event ev = { .events = EPOLLIN, .data.ptr = v };

				v->state = V_BODY;
				v->last_rx = now;
				ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, v->fd, &ev), 0);
			} else if ((v->state == V_HEAD || v->state == V_BODY || v->state ==
			    V_CONNECTING) && now - v->last_rx > CHURN_STARVED_S) {
				viewer_fault(v, "a viewer got nothing for %.1f s (%s, %u events read)",
				    now - v->last_rx, v->state == V_BODY ? "reading" : v->state == V_HEAD ?
				    "waiting for its headers" : "connecting", v->got);
				viewer_close(ep, v, VE_RST);
			} else if (v->state != V_FREE && now - v->opened > 20.0) {
				S.lifetime_cut++;
				viewer_close(ep, v, v->end_mode == VE_EARLY ? VE_FIN : v->end_mode);
			}
		}
		if (!running) {
			for (unsigned i = 0; i < nslots; i++)
				if (vs[i].state != V_FREE) {
					S.at_end++;
					viewer_close(ep, &vs[i], vs[i].end_mode == VE_EARLY ? VE_FIN :
					    vs[i].end_mode);
				}
			break;
		}
		if (reload && now >= next_reload) {
			churn_reload();
			next_reload = now + CHURN_RELOAD_S;
		}
		if (now >= next_alive) {
			long rss = proc_status("VmRSS:");

			assert_alive("during churn_soak");
			if (rss > S.rss_peak)
				S.rss_peak = rss;
			next_alive = now + 1.0;
		}
	}
	free(evs);
}

START_TEST(churn_soak)
{
	static const char *const totals[] = {
		"sse_metricsd_streams_total", "sse_metricsd_streams_open",
		"sse_metricsd_http_requests_total{code=\"200\",endpoint=\"/events\"}",
		"sse_metricsd_http_requests_total{code=\"400\",endpoint=\"/events\"}",
		"sse_metricsd_events_sent_total", "sse_metricsd_sent_bytes_total",
		"sse_metricsd_events_dropped_total", "sse_metricsd_streams_timed_out_total",
		"sse_metricsd_streams_rejected_total",
	};
	enum { M_TOTAL, M_OPEN, M_200, M_400, M_EVENTS, M_BYTES, M_DROPPED, M_TIMED_OUT,
		M_REJECTED, M_N };
	double m0[M_N], m1[M_N], t0, open;
	struct dbuf conf = { 0 };
	struct viewer *vs;
	uint64_t s;
	unsigned long ctl_events0, ctl_events1;
	int ep, fds0, fds1;
	long threads0, threads1, rss_start, rss_warm, rss_peak = 0, rss_after, rss_bound;

	memset(&S, 0, sizeof(S));
	s = getenv("ABUSE_SEED") != NULL ? strtoull(getenv("ABUSE_SEED"), NULL, 0) :
	    (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
	printf("churn_soak: seed %" PRIu64 "\n", s);
	churn_config(&conf, 0);
	daemon_start(conf.p);
	dbuf_free(&conf);
	control_start();
	ck_assert_int_eq(http_get("/healthz", 1.0, NULL), 200);
	sleep_s(0.3);
	fds0 = proc_fds();
	threads0 = proc_status("Threads:");
	rss_start = proc_status("VmRSS:");

	memset(&P, 0, sizeof(P));
	pthread_mutex_init(&P.mu, NULL);
	ck_assert_int_eq(pthread_create(&P.thread, NULL, poller_run, NULL), 0);
	vs = calloc(CHURN_CONCURRENT, sizeof(*vs));
	ck_assert_ptr_nonnull(vs);
	for (unsigned i = 0; i < CHURN_CONCURRENT; i++)
		vs[i].fd = -1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(ep, 0);

	/* Warm-up: the same churn, so that the history and malloc's arenas fill. */
	churn_run(ep, vs, CHURN_CONCURRENT, CHURN_WARMUP_S, CHURN_TOTAL, 0, &s);
	if (!settle(fds0, threads0, SETTLE_S, &fds1, &threads1))
		fail_with_log("after the warm-up the daemon holds %d fds (baseline %d), %ld threads "
		    "(baseline %ld)", fds1, fds0, threads1, threads0);
	open = streams_open_settle(SETTLE_S);
	ck_assert_msg(open == 1, "after the warm-up /metrics says %.0f streams open, want 1", open);
	rss_warm = proc_status("VmRSS:");
	ck_assert_int_eq(metrics_now(totals, m0, M_N), 200);
	pthread_mutex_lock(&CTL.mu);
	ctl_events0 = CTL.events;
	pthread_mutex_unlock(&CTL.mu);
	printf("churn_soak: warm-up: %lu viewers, %lu events; RSS %ld kB at start, %ld kB after "
	    "the warm-up\n", S.opened, S.events, rss_start, rss_warm);
	control_check("after the churn warm-up");

	/* The churn, with SIGHUP reloads and the poller running. */
	memset(&S, 0, sizeof(S));
	t0 = now_mono();
	churn_run(ep, vs, CHURN_CONCURRENT, CHURN_S, CHURN_TOTAL, 1, &s);
	rss_peak = S.rss_peak;
	control_check("after the churn");
	printf("churn_soak: %.1f s: %lu viewers opened (%d at a time), %lu requests sent, %lu "
	    "streams, %lu 400s, %lu events and %lu body bytes read, %lu read all they wanted, %lu "
	    "stalls (%lu past timeout, %lu of those dropped by the daemon), %lu left before the "
	    "headers, %lu cut at 20 s, %lu open at the end; ended FIN %lu, RST %lu, half-close %lu\n",
	    now_mono() - t0, S.opened, CHURN_CONCURRENT, S.sent, S.got200, S.got400, S.events,
	    S.body_bytes, S.completed, S.stalls, S.long_stalls, S.dropped_after_long_stall, S.early,
	    S.lifetime_cut, S.at_end, S.ended[VE_FIN], S.ended[VE_RST], S.ended[VE_HALF]);
	printf("churn_soak: %u SIGHUP reloads (%u with errors)\n", S.reloads + S.bad_reloads,
	    S.bad_reloads);
	ck_assert_msg(S.faults == 0, "%u viewers saw the daemon misbehave; the first: %s", S.faults,
	    S.first_fault);

	/* Everything given back. */
	if (!settle(fds0, threads0, SETTLE_S, &fds1, &threads1))
		fail_with_log("after the churn the daemon holds %d fds (baseline %d), %ld threads "
		    "(baseline %ld), %.0f s on", fds1, fds0, threads1, threads0, SETTLE_S);
	open = streams_open_settle(SETTLE_S);
	ck_assert_msg(open == 1, "after the churn /metrics says %.0f streams open, want 1", open);
	rss_after = proc_status("VmRSS:");
	atomic_store(&P.stop, 1);
	pthread_join(P.thread, NULL);

	/* The counters agree with what the viewers saw, and with each other. */
	ck_assert_int_eq(metrics_now(totals, m1, M_N), 200);
	pthread_mutex_lock(&CTL.mu);
	ctl_events1 = CTL.events;
	pthread_mutex_unlock(&CTL.mu);
	printf("churn_soak: /metrics deltas: %.0f streams opened, %.0f /events 200s and %.0f 400s "
	    "ended, %.0f events and %.0f bytes sent, %.0f events dropped, %.0f streams timed out, "
	    "%.0f refused\n", m1[M_TOTAL] - m0[M_TOTAL], m1[M_200] - m0[M_200],
	    m1[M_400] - m0[M_400], m1[M_EVENTS] - m0[M_EVENTS],
	    m1[M_BYTES] - m0[M_BYTES], m1[M_DROPPED] - m0[M_DROPPED],
	    m1[M_TIMED_OUT] - m0[M_TIMED_OUT], m1[M_REJECTED] - m0[M_REJECTED]);
	printf("churn_soak: poller: %lu /metrics and %lu /api/snapshot, slowest %.3f s, at most "
	    "%.0f streams open\n", P.metrics, P.snapshots, P.max_latency, P.max_streams_open);
	ck_assert_msg(P.failures == 0, "%lu polls failed; the first: %s", P.failures,
	    P.first_failure);
	ck_assert_msg(m1[M_TOTAL] - m0[M_TOTAL] >= (double)S.got200 &&
	    m1[M_TOTAL] - m0[M_TOTAL] <= (double)S.sent, "streams_total grew by %.0f; %lu viewers "
	    "got a stream and %lu sent a request", m1[M_TOTAL] - m0[M_TOTAL], S.got200, S.sent);
	ck_assert_msg(m1[M_200] == m1[M_TOTAL] - m1[M_OPEN], "/events 200s ended %.0f, but %.0f "
	    "streams opened and %.0f are open", m1[M_200], m1[M_TOTAL], m1[M_OPEN]);
	ck_assert_msg(m1[M_400] - m0[M_400] >= (double)S.got400,
	    "/events 400s counted %.0f, viewers got %lu", m1[M_400] - m0[M_400], S.got400);
	ck_assert_msg(m1[M_EVENTS] - m0[M_EVENTS] >= (double)(S.events + ctl_events1 - ctl_events0),
	    "events_sent_total grew by %.0f, but the viewers and the control stream read %lu",
	    m1[M_EVENTS] - m0[M_EVENTS], S.events + ctl_events1 - ctl_events0);
	ck_assert_msg(m1[M_REJECTED] == m0[M_REJECTED], "%.0f streams refused under max_clients",
	    m1[M_REJECTED] - m0[M_REJECTED]);

	/* Every reload was read: the good ones applied, the bad one refused. */
	if (!log_wait_count("configuration reloaded (", S.reloads, 5.0) ||
	    !log_wait_count("has errors (above); keeping the running configuration", S.bad_reloads,
	    5.0))
		fail_with_log("the log shows %u of %u reloads and %u of %u refusals",
		    log_lines("configuration reloaded ("), S.reloads,
		    log_lines("keeping the running configuration"), S.bad_reloads);

	/*
	 * Memory back near where the warm-up left it (RSS_SLACK_KB); under a
	 * sanitizer, whose allocator quarantines what is freed, only printed:
	 * LeakSanitizer checks at the exit instead.
	 */
	rss_bound = RSS_SLACK_KB;
	printf("churn_soak: RSS %ld kB at start, %ld kB after the warm-up, %ld kB at the peak, "
	    "%ld kB after (bound %ld kB more than after the warm-up); fds %d -> %d, threads %ld -> "
	    "%ld\n", rss_start, rss_warm, rss_peak, rss_after, rss_bound, fds0, fds1, threads0,
	    threads1);
	ck_assert_msg(SANITIZED || rss_after <= rss_warm + rss_bound, "RSS %ld kB after the churn, "
	    "%ld kB after the warm-up (bound: %ld kB more)", rss_after, rss_warm, rss_bound);

	control_check("at the end of churn_soak");
	control_stop();
	close(ep);
	free(vs);
	pthread_mutex_destroy(&P.mu);
	daemon_stop_ok(20.0);
}
END_TEST

static Suite *
abuse_suite(void)
{
	Suite *s = suite_create("abuse");
	TCase *tc = tcase_create("daemon");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, request_fuzz);
	tcase_add_test(tc, churn_soak);
	suite_add_tcase(s, tc);
	return s;
}


int
main(void)
{
	SRunner *sr;
	int failed;

	if (dproc_main_init("check_abuse") == -1)
		return 99;
	sr = srunner_create(abuse_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	dproc_remove_run_dir();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
