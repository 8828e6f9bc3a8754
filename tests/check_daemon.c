/*
 * The real daemon, end to end: each test writes a configuration file, starts
 * DAEMON_PATH on 127.0.0.1 with port 0, learns the port from the
 * "listening on http://127.0.0.1:PORT/" log line, and talks to it with
 * libcurl the way a browser or a scraper would. The SSE bodies go through
 * tests/sseclient.c, a parser that follows the WHATWG rules.
 *
 * DESIGN
 * One daemon per test, in the global D (dproc.h). The test thread starts
 * it and kills it; one drain thread reads the daemon's stderr into D.log
 * until EOF (so the daemon never blocks on a full pipe) and wakes log
 * waiters. D.mu guards D.log and D.eof; everything else in D belongs to the
 * test thread.
 * A daemon never outlives its test: the checked teardown SIGKILLs it; a
 * failed assertion _exits the test process without teardown, but Check
 * kills the test's process group after every test, and the daemon has
 * PR_SET_PDEATHSIG besides. Config files live in one directory that main
 * creates before the tests and empties and removes after them.
 *
 * Every wait is bounded; the numbers are generous so a loaded machine or a
 * sanitizer build does not fail them, and the measured figures are printed.
 */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sched.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* Streams held open across SIGTERM. */
#define SIGTERM_STREAMS (SANITIZED ? 100 : 300)
#define TEST_TIMEOUT 60


/* Config files, made by main; tests only add files under it. */

/* A cpu cgroup made by quota_stream_threads(), or ""; teardown removes it. */
static char quota_cgroup[PATH_MAX];

/* Settings a test can change; zero or NULL means the usual test value. */
struct dconf {
	const char *interval;	/* "0.2" */
	unsigned heartbeat;	/* 1 */
	unsigned timeout;	/* 5 */
	unsigned history;	/* 50 */
	unsigned max_clients;	/* daemon default */
	unsigned client_buffer;	/* daemon default */
	unsigned request_timeout;	/* daemon default */
	unsigned max_clients_per_ip;	/* daemon default */
	const char *webroot;	/* WEBROOT */
	const char *listen;	/* "127.0.0.1:0" */
};

/* ---- small helpers -------------------------------------------------------- */






static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* Like write_file(), for a kernel file that may refuse: 0, or -1. */
static int
write_file_ok(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = write(fd, text, strlen(text));
	if (close(fd) != 0 || n != (ssize_t)strlen(text))
		return -1;
	return 0;
}

static void
config_text(struct dbuf *b, const struct dconf *c)
{
	dbuf_printf(b, "# written by check_daemon\n");
	dbuf_printf(b, "listen = %s\n", c->listen != NULL ? c->listen : "127.0.0.1:0");
	dbuf_printf(b, "interval = %s\n", c->interval != NULL ? c->interval : "0.2");
	dbuf_printf(b, "heartbeat = %u\n", c->heartbeat ? c->heartbeat : 1);
	dbuf_printf(b, "timeout = %u\n", c->timeout ? c->timeout : 5);
	dbuf_printf(b, "history = %u\n", c->history ? c->history : 50);
	if (c->max_clients)
		dbuf_printf(b, "max_clients = %u\n", c->max_clients);
	if (c->client_buffer)
		dbuf_printf(b, "client_buffer = %u\n", c->client_buffer);
	if (c->request_timeout)
		dbuf_printf(b, "request_timeout = %u\n", c->request_timeout);
	if (c->max_clients_per_ip)
		dbuf_printf(b, "max_clients_per_ip = %u\n", c->max_clients_per_ip);
	if (SANITIZED)
		dbuf_printf(b, "thread_stack = 1M\n");
	dbuf_printf(b, "procfs = %s\nsysfs = %s\n", TEST_DATA "/host2/proc", TEST_DATA "/host2/sys");
	dbuf_printf(b, "webroot = %s\n", c->webroot != NULL ? c->webroot : WEBROOT);
}

static void
write_config(const char *path, const struct dconf *c)
{
	struct dbuf b = { 0 };

	config_text(&b, c);
	write_file(path, b.p);
	dbuf_free(&b);
}

/* ---- the daemon process --------------------------------------------------- */

/* Print the daemon's log to stderr and fail with msg. */
#define fail_with_log(...) do { \
	char *log_text_ = dproc_log_copy(); \
	fprintf(stderr, "---- daemon log ----\n%s---- end of daemon log ----\n", log_text_); \
	free(log_text_); \
	ck_abort_msg(__VA_ARGS__); \
} while (0)

/* Start the daemon with -c D.conf and wait until it listens. */
static void
daemon_start_file(void)
{
	char why[256];

	ck_assert_int_eq(D.pid, 0);
	if (dproc_start(why, sizeof(why)) == -1)
		fail_with_log("%s", why);
}

static void
daemon_start(const struct dconf *c)
{
	write_config(D.conf, c);
	daemon_start_file();
}


static void
setup(void)
{
	dproc_setup("test");
}

static void
teardown(void)
{
	dproc_teardown();	/* the daemon gone, so its quota cgroup can go */
	if (quota_cgroup[0] != '\0') {
		rmdir(quota_cgroup);
		quota_cgroup[0] = '\0';
	}
}

/* ---- plain HTTP requests ------------------------------------------------- */

struct reply {
	long status;
	CURLcode result;
	struct dbuf headers;	/* raw header lines, status line included */
	struct dbuf body;
};

static size_t
collect(char *ptr, size_t size, size_t n, void *arg)
{
	dbuf_add(arg, ptr, size * n);
	return size * n;
}

static void
url_for(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "http://127.0.0.1:%u%s", D.port, path);
}

static void
easy_common(CURL *e, const char *url)
{
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
}

/*
 * One request: method "GET", "HEAD", "POST" or any other (sent as is),
 * one optional extra header line, at most timeout_ms in all. A timeout
 * still leaves the status that arrived in r->status.
 */
static void
http_do(const char *method, const char *path, const char *header, long timeout_ms,
    struct reply *r)
{
	CURL *e = curl_easy_init();
	struct curl_slist *hl = NULL;
	char url[1024];

	memset(r, 0, sizeof(*r));
	ck_assert_ptr_nonnull(e);
	url_for(url, sizeof(url), path);
	easy_common(e, url);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &r->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &r->body);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (header != NULL) {
		hl = curl_slist_append(hl, header);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
	}
	r->result = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(e);
}

static void
reply_free(struct reply *r)
{
	dbuf_free(&r->headers);
	dbuf_free(&r->body);
}

/*
 * The value of header name in raw header lines (the last occurrence),
 * trimmed, into out. Returns 1 when found.
 */
static int
header_get(const struct dbuf *h, const char *name, char *out, size_t outlen)
{
	const char *line = dbuf_str(h), *end, *v;
	size_t nlen = strlen(name);
	int found = 0;

	for (; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if ((size_t)(end - line) <= nlen || strncasecmp(line, name, nlen) != 0 ||
		    line[nlen] != ':')
			continue;
		v = line + nlen + 1;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		size_t vlen = (size_t)(end - v);
		while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == ' '))
			vlen--;
		if (vlen >= outlen)
			vlen = outlen - 1;
		memcpy(out, v, vlen);
		out[vlen] = '\0';
		found = 1;
	}
	return found;
}

/* ---- event streams ------------------------------------------------------- */

struct stream {
	CURL *easy;
	struct curl_slist *hl;
	sseclient_t *sse;
	struct dbuf headers;
	char head[64];		/* the first body bytes */
	size_t head_len;
	size_t body_len;
	int done;		/* the transfer ended */
	CURLcode result;
	double t_start;		/* when it was added */
	double t_snapshot;	/* first snapshot event, or 0 */
	double t_comment;	/* first comment line, or 0 */
};

static size_t
stream_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct stream *s = arg;
	size_t len = size * n;

	if (s->head_len < sizeof(s->head) - 1) {
		size_t k = sizeof(s->head) - 1 - s->head_len;

		if (k > len)
			k = len;
		memcpy(s->head + s->head_len, ptr, k);
		s->head_len += k;
		s->head[s->head_len] = '\0';
	}
	s->body_len += len;
	sseclient_feed(s->sse, ptr, len);
	if (s->t_comment == 0 && sseclient_comments(s->sse) > 0)
		s->t_comment = now_mono();
	return len;
}

static void
stream_event(const struct sse_event *ev, void *arg)
{
	struct stream *s = arg;

	if (s->t_snapshot == 0 && strcmp(ev->type, "snapshot") == 0)
		s->t_snapshot = now_mono();
}

/* Start a GET of path on m; header is one extra header line or NULL. */
static void
stream_open(CURLM *m, struct stream *s, const char *path, const char *header)
{
	char url[256];

	memset(s, 0, sizeof(*s));
	s->easy = curl_easy_init();
	ck_assert_ptr_nonnull(s->easy);
	s->sse = sseclient_create();
	sseclient_on_event(s->sse, stream_event, s);
	url_for(url, sizeof(url), path);
	easy_common(s->easy, url);
	curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, &s->headers);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	if (header != NULL) {
		s->hl = curl_slist_append(NULL, header);
		curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->hl);
	}
	s->t_start = now_mono();
	ck_assert_int_eq(curl_multi_add_handle(m, s->easy), CURLM_OK);
}

static void
stream_close(CURLM *m, struct stream *s)
{
	if (s->easy == NULL)
		return;
	curl_multi_remove_handle(m, s->easy);
	curl_easy_cleanup(s->easy);
	curl_slist_free_all(s->hl);
	sseclient_free(s->sse);
	dbuf_free(&s->headers);
	memset(s, 0, sizeof(*s));
}

static long
stream_status(const struct stream *s)
{
	long status = 0;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

typedef int pump_cond(void *arg);

/*
 * Run the transfers on m until cond(arg) holds (checked after every
 * round) or timeout seconds pass. Returns 1 when cond held.
 */
static int
pump(CURLM *m, double timeout, pump_cond *cond, void *arg)
{
	double deadline = now_mono() + timeout, left;
	CURLMsg *msg;
	int running, queued;

	for (;;) {
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &queued)) != NULL) {
			struct stream *s = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			s->done = 1;
			s->result = msg->data.result;
		}
		if (cond != NULL && cond(arg))
			return 1;
		left = deadline - now_mono();
		if (left <= 0)
			return 0;
		curl_multi_poll(m, NULL, 0, left > 0.05 ? 50 : (int)(left * 1000) + 1, NULL);
	}
}

static unsigned long long
ev_id(const struct sse_event *ev)
{
	return strtoull(ev->id, NULL, 10);
}

/* The events of one id, in arrival order: one tick as the stream carried it. */
struct tick {
	unsigned long long id;
	size_t first;		/* index of its first event */
	unsigned snapshot, html, other;
};

/* Group s's events by consecutive id; returns the number of groups. */
static size_t
ticks_of(const struct stream *s, struct tick *t, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sseclient_count(s->sse); i++) {
		const struct sse_event *ev = sseclient_event(s->sse, i);

		if (n == 0 || t[n - 1].id != ev_id(ev)) {
			if (n == max)
				break;
			memset(&t[n], 0, sizeof(t[n]));
			t[n].id = ev_id(ev);
			t[n].first = i;
			n++;
		}
		if (strcmp(ev->type, "snapshot") == 0)
			t[n - 1].snapshot++;
		else if (strcmp(ev->type, "html") == 0)
			t[n - 1].html++;
		else
			t[n - 1].other++;
	}
	return n;
}

/* The highest id seen on s, or 0. */
static unsigned long long
max_id(const struct stream *s)
{
	unsigned long long m = 0;

	for (size_t i = 0; i < sseclient_count(s->sse); i++)
		if (ev_id(sseclient_event(s->sse, i)) > m)
			m = ev_id(sseclient_event(s->sse, i));
	return m;
}

static int
cond_first_snapshot(void *arg)
{
	return ((struct stream *)arg)->t_snapshot != 0;
}

/* At least two ticks with both a snapshot and an html event. */
static int
cond_two_full_ticks(void *arg)
{
	struct tick t[64];
	size_t n = ticks_of(arg, t, 64), full = 0;

	for (size_t i = 0; i < n; i++)
		if (t[i].snapshot && t[i].html)
			full++;
	return full >= 2 || ((struct stream *)arg)->done;
}

/* Events of at least three distinct ids. */
static int
cond_three_ticks(void *arg)
{
	struct tick t[8];

	return ticks_of(arg, t, 8) >= 3 || ((struct stream *)arg)->done;
}

struct until_id {
	struct stream *s;
	unsigned long long id;
};

static int
cond_reached_id(void *arg)
{
	struct until_id *u = arg;

	return max_id(u->s) >= u->id || u->s->done;
}

static int
cond_two_events(void *arg)
{
	struct stream *s = arg;

	return sseclient_count(s->sse) >= 2 || s->done;
}

static int
cond_comment(void *arg)
{
	struct stream *s = arg;

	return s->t_comment != 0 || s->done;
}

/* ---- the parser alone ---------------------------------------------------- */

#define S(x) x, sizeof(x) - 1

static const struct parse_case {
	const char *name;
	const char *input;
	size_t input_len;
	unsigned comments;
	long long retry;
	const char *last_id;
	size_t nevents;
	struct {
		const char *type, *data, *id;
		int has_id;
	} ev[3];
} parse_cases[] = {
	{ "basic", S("event: a\nid: 1\ndata: x\n\n"), 0, -1, "1", 1,
	    { { "a", "x", "1", 1 } } },
	{ "crlf, two data lines", S("data: l1\r\ndata: l2\r\n\r\n"), 0, -1, "", 1,
	    { { "message", "l1\nl2", "", 0 } } },
	{ "cr only", S("data:a\rdata: b\r\r"), 0, -1, "", 1,
	    { { "message", "a\nb", "", 0 } } },
	{ "mixed line ends", S("data: 1\r\n\ndata: 2\r\rdata: 3\n\r\n"), 0, -1, "", 3,
	    { { "message", "1", "", 0 }, { "message", "2", "", 0 }, { "message", "3", "", 0 } } },
	{ "comments", S(": hi\n:\n: x\r\ndata: y\n\n:z\r"), 4, -1, "", 1,
	    { { "message", "y", "", 0 } } },
	{ "only one space is removed", S("data:  two\ndata:none\ndata: a: b\n\n"), 0, -1, "", 1,
	    { { "message", " two\nnone\na: b", "", 0 } } },
	{ "field without colon", S("data\ndata\n\nevent\ndata: x\n\n"), 0, -1, "", 2,
	    { { "message", "\n", "", 0 }, { "message", "x", "", 0 } } },
	{ "empty data line still dispatches", S("event: e\ndata:\n\n"), 0, -1, "", 1,
	    { { "e", "", "", 0 } } },
	{ "no data: no dispatch, id kept", S("event: e\nid: 5\n\nid: 6\n\ndata: x\n\n"), 0, -1,
	    "6", 1, { { "message", "x", "6", 0 } } },
	{ "id persists and can be cleared", S("id: 3\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"),
	    0, -1, "", 3,
	    { { "message", "a", "3", 1 }, { "message", "b", "3", 0 }, { "message", "c", "", 1 } } },
	{ "id with NUL is ignored", S("id: 7\ndata: a\n\nid: 8\0x\ndata: b\n\n"), 0, -1, "7", 2,
	    { { "message", "a", "7", 1 }, { "message", "b", "7", 0 } } },
	{ "retry: digits only", S("retry: 1500\nretry: 12a\nretry: 300 \nretry:\n"), 0, 1500,
	    "", 0, { { NULL, NULL, NULL, 0 } } },
	{ "retry: last valid wins", S("retry: 1500\nretry:250\n\n"), 0, 250, "", 0,
	    { { NULL, NULL, NULL, 0 } } },
	{ "one BOM is dropped", S("\xef\xbb\xbf" "data: x\n\n"), 0, -1, "", 1,
	    { { "message", "x", "", 0 } } },
	{ "a second BOM is content", S("\xef\xbb\xbf\xef\xbb\xbf" "data: x\n\ndata: y\n\n"), 0,
	    -1, "", 1, { { "message", "y", "", 0 } } },
	{ "partial BOM is content", S("\xef\xbb" "data: x\n\n:c\n"), 1, -1, "", 0,
	    { { NULL, NULL, NULL, 0 } } },
	{ "unterminated event is not dispatched", S("data: x\n\ndata: y\n"), 0, -1, "", 1,
	    { { "message", "x", "", 0 } } },
	{ "unknown fields are ignored", S("foo: bar\nDATA: no\ndata: x\n\n"), 0, -1, "", 1,
	    { { "message", "x", "", 0 } } },
	{ "event name keeps extra spaces", S("event:  sp\ndata: x\n\n"), 0, -1, "", 1,
	    { { " sp", "x", "", 0 } } },
	{ "like the daemon", S("retry: 3000\n\nevent: snapshot\nid: 12\ndata: {\"seq\":12}\n\n"
	    "event: html\nid: 12\ndata: <div>\ndata: </div>\n\n: keep-alive\n\n"), 1, 3000, "12", 2,
	    { { "snapshot", "{\"seq\":12}", "12", 1 }, { "html", "<div>\n</div>", "12", 1 } } },
};

struct parse_seen {
	size_t calls;
};

static void
count_calls(const struct sse_event *ev, void *arg)
{
	(void)ev;
	((struct parse_seen *)arg)->calls++;
}

static void
check_parse(const struct parse_case *c, sseclient_t *p, const struct parse_seen *seen,
    const char *how)
{
	ck_assert_msg(sseclient_count(p) == c->nevents, "%s (%s): %zu events, want %zu",
	    c->name, how, sseclient_count(p), c->nevents);
	ck_assert_uint_eq(seen->calls, c->nevents);
	ck_assert_msg(sseclient_comments(p) == c->comments, "%s (%s): %u comments, want %u",
	    c->name, how, sseclient_comments(p), c->comments);
	ck_assert_msg(sseclient_retry(p) == c->retry, "%s (%s): retry %lld, want %lld",
	    c->name, how, sseclient_retry(p), c->retry);
	ck_assert_str_eq(sseclient_last_id(p), c->last_id);
	for (size_t i = 0; i < c->nevents; i++) {
		const struct sse_event *ev = sseclient_event(p, i);

		ck_assert_msg(strcmp(ev->type, c->ev[i].type) == 0, "%s (%s): event %zu type '%s'",
		    c->name, how, i, ev->type);
		ck_assert_msg(strcmp(ev->data, c->ev[i].data) == 0, "%s (%s): event %zu data '%s'",
		    c->name, how, i, ev->data);
		ck_assert_uint_eq(ev->data_len, strlen(c->ev[i].data));
		ck_assert_str_eq(ev->id, c->ev[i].id);
		ck_assert_int_eq(ev->has_id, c->ev[i].has_id);
	}
	ck_assert_ptr_null(sseclient_event(p, c->nevents));
}

/* The same events whether the body comes whole, byte by byte, or cut in two anywhere. */
START_TEST(parse_split_anywhere)
{
	const struct parse_case *c = &parse_cases[_i];
	struct parse_seen seen;
	sseclient_t *p;
	char how[32];

	memset(&seen, 0, sizeof(seen));
	p = sseclient_create();
	sseclient_on_event(p, count_calls, &seen);
	sseclient_feed(p, c->input, c->input_len);
	check_parse(c, p, &seen, "whole");
	sseclient_free(p);

	memset(&seen, 0, sizeof(seen));
	p = sseclient_create();
	sseclient_on_event(p, count_calls, &seen);
	for (size_t i = 0; i < c->input_len; i++)
		sseclient_feed(p, c->input + i, 1);
	check_parse(c, p, &seen, "byte by byte");
	sseclient_free(p);

	for (size_t cut = 0; cut <= c->input_len; cut++) {
		memset(&seen, 0, sizeof(seen));
		p = sseclient_create();
		sseclient_on_event(p, count_calls, &seen);
		sseclient_feed(p, c->input, cut);
		sseclient_feed(p, "", 0);
		sseclient_feed(p, c->input + cut, c->input_len - cut);
		snprintf(how, sizeof(how), "cut at %zu", cut);
		check_parse(c, p, &seen, how);
		sseclient_free(p);
	}
}
END_TEST

START_TEST(parse_data_lines_counted)
{
	sseclient_t *p = sseclient_create();
	const struct sse_event *ev;

	sseclient_feed(p, S("event: html\ndata: <a>\ndata:\ndata: </a>\n\n"));
	ck_assert_uint_eq(sseclient_count(p), 1);
	ev = sseclient_event(p, 0);
	ck_assert_uint_eq(ev->data_lines, 3);
	ck_assert_str_eq(ev->data, "<a>\n\n</a>");
	sseclient_free(p);
}
END_TEST

/* ---- the daemon: streams ------------------------------------------------- */

static const struct dconf defaults;

/* Parse a snapshot event's data; check seq == id and a recent timestamp. */
static void
check_snapshot_json(const char *data, size_t len, unsigned long long id)
{
	json_error_t err;
	json_t *root = json_loadb(data, len, 0, &err);
	json_t *seq, *ts;
	struct timespec now;
	double age;

	ck_assert_msg(root != NULL, "snapshot JSON does not parse: %s (line %d col %d): %.200s",
	    err.text, err.line, err.column, data);
	ck_assert_msg(json_is_object(root), "snapshot JSON is not an object");
	seq = json_object_get(root, "seq");
	ts = json_object_get(root, "timestamp_ns");
	ck_assert_msg(json_is_integer(seq), "snapshot has no integer \"seq\"");
	ck_assert_msg(json_is_integer(ts), "snapshot has no integer \"timestamp_ns\"");
	if (id != 0)
		ck_assert_msg((unsigned long long)json_integer_value(seq) == id,
		    "snapshot seq %lld != event id %llu", (long long)json_integer_value(seq), id);
	clock_gettime(CLOCK_REALTIME, &now);
	age = (double)now.tv_sec + (double)now.tv_nsec / 1e9 -
	    (double)json_integer_value(ts) / 1e9;
	ck_assert_msg(age > -60 && age < 60, "timestamp_ns is %.1f s away from now", age);
	json_decref(root);
}

static void raw_exchange(const char *method, const char *target, struct dbuf *resp);
static void raw_request(const char *req, struct dbuf *resp);

START_TEST(stream_headers_and_framing)
{
	struct dconf c = defaults;
	struct stream s;
	struct tick t[64];
	size_t n, html_multiline = 0;
	char v[128];
	CURLM *m = curl_multi_init();

	c.interval = "2";
	daemon_start(&c);
	stream_open(m, &s, "/events", NULL);
	if (!pump(m, 10.0, cond_two_full_ticks, &s) || s.done)
		fail_with_log("no two full ticks within 10 s (done %d, result %d, %zu events)",
		    s.done, s.result, sseclient_count(s.sse));

	ck_assert_int_eq(stream_status(&s), 200);
	ck_assert_msg(header_get(&s.headers, "Content-Type", v, sizeof(v)), "no Content-Type");
	ck_assert_msg(strncmp(v, "text/event-stream", 17) == 0, "Content-Type: %s", v);
	ck_assert_msg(header_get(&s.headers, "Cache-Control", v, sizeof(v)), "no Cache-Control");
	ck_assert_msg(strstr(v, "no-cache") != NULL, "Cache-Control: %s", v);
	ck_assert_msg(header_get(&s.headers, "X-Accel-Buffering", v, sizeof(v)),
	    "no X-Accel-Buffering");
	ck_assert_str_eq(v, "no");
	ck_assert_msg(strncmp(s.head, "retry: ", 7) == 0, "the body starts with '%.20s'", s.head);
	ck_assert_msg(sseclient_retry(s.sse) > 0, "no valid retry: field");

	printf("stream: first snapshot %.0f ms after connect (interval 2 s)\n",
	    (s.t_snapshot - s.t_start) * 1e3);
	ck_assert_msg(s.t_snapshot - s.t_start < 1.5,
	    "the first snapshot took %.2f s: a new viewer waited for the next tick",
	    s.t_snapshot - s.t_start);

	n = ticks_of(&s, t, 64);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			ck_assert_msg(t[i].id == t[i - 1].id + 1, "id %llu follows %llu",
			    t[i].id, t[i - 1].id);
		ck_assert_msg(t[i].other == 0, "unexpected event type in tick %llu", t[i].id);
		ck_assert_msg(t[i].snapshot <= 1 && t[i].html <= 1,
		    "tick %llu sent %u snapshots and %u html events", t[i].id, t[i].snapshot, t[i].html);
		if (i + 1 < n)	/* the last may still be arriving */
			ck_assert_msg(t[i].snapshot == 1 && t[i].html == 1,
			    "tick %llu: %u snapshot, %u html", t[i].id, t[i].snapshot, t[i].html);
	}
	for (size_t i = 0; i < sseclient_count(s.sse); i++) {
		const struct sse_event *ev = sseclient_event(s.sse, i);

		ck_assert_msg(ev->has_id, "event %zu (%s) carries no id: line", i, ev->type);
		ck_assert_msg(ev_id(ev) > 0, "event id '%s' is not a positive number", ev->id);
		if (strcmp(ev->type, "snapshot") == 0)
			check_snapshot_json(ev->data, ev->data_len, ev_id(ev));
		else if (strchr(ev->data, '\n') != NULL)
			html_multiline++;
	}
	printf("stream: %zu ticks (ids %llu..%llu), %zu events, %zu multi-line html, "
	    "%u comments\n", n, t[0].id, t[n - 1].id, sseclient_count(s.sse), html_multiline,
	    sseclient_comments(s.sse));
	ck_assert_msg(html_multiline > 0, "no html event spanned more than one data: line");
	stream_close(m, &s);
	curl_multi_cleanup(m);

	/*
	 * On the wire: the first chunk carries the retry: line and the replayed
	 * tick together (one write), so a new viewer's first paint does not wait
	 * for a second write.
	 */
	{
		struct dbuf raw = { 0 };
		const char *body, *data;
		unsigned long size;
		char *end;

		raw_exchange("GET", "/events?events=snapshot", &raw);
		body = strstr(dbuf_str(&raw), "\r\n\r\n");
		ck_assert_msg(body != NULL, "no header block in '%.200s'", dbuf_str(&raw));
		body += 4;
		size = strtoul(body, &end, 16);
		ck_assert_msg(end != body && strncmp(end, "\r\n", 2) == 0, "no chunk size: '%.40s'",
		    body);
		data = end + 2;
		ck_assert_msg(strlen(data) >= size, "the first chunk (%lu bytes) is cut short", size);
		ck_assert_msg(strncmp(data, "retry: ", 7) == 0, "the first chunk starts '%.20s'", data);
		ck_assert_msg(memmem(data, size, "\nevent: snapshot\n", 17) != NULL,
		    "the first chunk (%lu bytes: '%.*s') holds no snapshot event", size,
		    (int)(size < 60 ? size : 60), data);
		dbuf_free(&raw);
	}
}
END_TEST

/* Stream path until three ticks; every event must be of type only. */
static void
check_only(CURLM *m, const char *path, const char *only)
{
	struct stream s;
	struct tick t[8];
	size_t n;

	stream_open(m, &s, path, NULL);
	if (!pump(m, 5.0, cond_three_ticks, &s) || s.done)
		fail_with_log("%s: no three ticks within 5 s (done %d)", path, s.done);
	ck_assert_int_eq(stream_status(&s), 200);
	n = ticks_of(&s, t, 8);
	for (size_t i = 0; i < sseclient_count(s.sse); i++) {
		const char *type = sseclient_event(s.sse, i)->type;

		ck_assert_msg(only == NULL ? strcmp(type, "snapshot") == 0 ||
		    strcmp(type, "html") == 0 : strcmp(type, only) == 0,
		    "%s sent a '%s' event", path, type);
	}
	if (only == NULL)
		for (size_t i = 0; i + 1 < n; i++)
			ck_assert(t[i].snapshot == 1 && t[i].html == 1);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(t[i].id == t[i - 1].id + 1, "%s: id %llu follows %llu", path,
		    t[i].id, t[i - 1].id);
	stream_close(m, &s);
}

START_TEST(event_selection)
{
	CURLM *m = curl_multi_init();
	struct reply r;

	daemon_start(&defaults);
	check_only(m, "/events?events=snapshot", "snapshot");
	check_only(m, "/events?events=html", "html");
	check_only(m, "/events?events=snapshot,html", NULL);
	/* Given twice, events= asks for both lists. */
	check_only(m, "/events?events=snapshot&events=html", NULL);
	check_only(m, "/events?events=html&events=html", "html");
	http_do("GET", "/events?events=snapshot&events=nope", NULL, 5000, &r);
	ck_assert_msg(r.status == 400 && strstr(dbuf_str(&r.body), "nope") != NULL,
	    "a second events= with an unknown type: %ld '%s'", r.status, dbuf_str(&r.body));
	reply_free(&r);

	http_do("GET", "/events?events=nope", NULL, 5000, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(dbuf_str(&r.body), "nope") != NULL,
	    "the 400 body does not name the unknown type: %s", dbuf_str(&r.body));
	reply_free(&r);
	http_do("GET", "/events?events=snapshot,nope", NULL, 5000, &r);
	ck_assert_int_eq(r.status, 400);
	reply_free(&r);
	/* A long unknown name still leaves room for every known type. */
	http_do("GET", "/events?events=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    NULL, 5000, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(r.body.p != NULL && r.body.len > 12 &&
	    memcmp(r.body.p + r.body.len - 12, " chart-disk\n", 12) == 0,
	    "the 400 body does not end with the last type: '%s'", dbuf_str(&r.body));
	reply_free(&r);
	curl_multi_cleanup(m);
}
END_TEST

/*
 * Reconnect with the id K-3, by header or by query; the first ticks must be
 * K-2, K-1, K, K+1, each whole and once, with no reset.
 */
static void
check_replay(CURLM *m, unsigned long long k, int by_query)
{
	struct stream s;
	struct until_id u;
	struct tick t[64];
	char arg[96];
	size_t n;
	struct dbuf ids = { 0 };

	if (by_query) {
		snprintf(arg, sizeof(arg), "/events?lastEventId=%llu", k - 3);
		stream_open(m, &s, arg, NULL);
	} else {
		snprintf(arg, sizeof(arg), "Last-Event-ID: %llu", k - 3);
		stream_open(m, &s, "/events", arg);
	}
	u.s = &s;
	/*
	 * To K+3: the newest tick at reconnect may be K+2, and its html event
	 * may still be on its way when its snapshot is in.
	 */
	u.id = k + 3;
	if (!pump(m, 5.0, cond_reached_id, &u) || s.done)
		fail_with_log("replay (%s): id %llu not reached within 5 s", arg, k + 3);
	ck_assert_int_eq(stream_status(&s), 200);
	n = ticks_of(&s, t, 64);
	for (size_t i = 0; i < n; i++)
		dbuf_printf(&ids, " K%+lld%s", (long long)(t[i].id - k), t[i].html ? "+html" : "");
	printf("replay with %s%s: ticks%s\n", by_query ? "" : "header ", arg, dbuf_str(&ids));
	for (size_t i = 0; i < sseclient_count(s.sse); i++)
		ck_assert_msg(strcmp(sseclient_event(s.sse, i)->type, "reset") != 0,
		    "replay (%s) sent a reset", arg);
	ck_assert_msg(n >= 4 && t[0].id == k - 2, "replay (%s) began at K%+lld, want K-2; ticks%s",
	    arg, (long long)(t[0].id - k), dbuf_str(&ids));
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(t[i].id == t[i - 1].id + 1, "replay (%s): gap or repeat; ticks%s",
		    arg, dbuf_str(&ids));
	/*
	 * Every tick's snapshot comes back. The html event (a whole state) comes
	 * for the newest tick at reconnect and every live tick after it, not
	 * for the older ones replayed: K-2 has none, and once html appears
	 * every following tick has it.
	 */
	for (size_t i = 0; i + 1 < n; i++)
		ck_assert_msg(t[i].snapshot == 1 && t[i].html <= 1,
		    "replay (%s): tick K%+lld has %u snapshots, %u html", arg,
		    (long long)(t[i].id - k), t[i].snapshot, t[i].html);
	ck_assert_msg(t[0].html == 0, "replay (%s): the replayed K-2 carries html", arg);
	for (size_t i = 1; i + 1 < n; i++)
		ck_assert_msg(t[i].html >= t[i - 1].html,
		    "replay (%s): K%+lld has no html after a tick that had", arg,
		    (long long)(t[i].id - k));
	ck_assert_msg(t[n - 1].html == 1 || t[n - 2].html == 1,
	    "replay (%s): no html for the newest ticks", arg);
	dbuf_free(&ids);
	stream_close(m, &s);
}

/* Reconnect with a Last-Event-ID the history cannot serve: reset, then a snapshot. */
static void
check_reset(CURLM *m, const char *header, unsigned long long latest)
{
	struct stream s;
	const struct sse_event *a, *b;

	stream_open(m, &s, "/events", header);
	if (!pump(m, 5.0, cond_two_events, &s) || s.done)
		fail_with_log("%s: not two events within 5 s", header);
	ck_assert_int_eq(stream_status(&s), 200);
	a = sseclient_event(s.sse, 0);
	b = sseclient_event(s.sse, 1);
	printf("%s -> event '%s' (id '%s', data %.80s), then '%s' id %s\n", header, a->type,
	    a->id, a->data, b->type, b->id);
	ck_assert_msg(strcmp(a->type, "reset") == 0, "%s: the first event is '%s', want reset",
	    header, a->type);
	/* No id on the reset: a drop before the next tick must reset again. */
	ck_assert_msg(!a->has_id, "%s: the reset carries id %s", header, a->id);
	ck_assert_msg(strcmp(b->type, "snapshot") == 0, "%s: after the reset came '%s'",
	    header, b->type);
	ck_assert_msg(ev_id(b) >= latest, "%s: the snapshot after reset is %llu, older than %llu",
	    header, ev_id(b), latest);
	stream_close(m, &s);
}

/*
 * An id given twice (two headers, or two query arguments: the formats take
 * two ids each): the same id twice is served, two different ones are 400.
 */
static void
check_twice(const char *headers, const char *query, unsigned long long k)
{
	for (int differ = 0; differ < 2; differ++) {
		struct dbuf resp = { 0 };
		char hdr[256], q[128], req[512];

		snprintf(hdr, sizeof(hdr), headers, k, k - differ);
		snprintf(q, sizeof(q), query, k, k - differ);
		snprintf(req, sizeof(req), "GET /events%s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s\r\n",
		    q, D.port, hdr);
		raw_request(req, &resp);
		ck_assert_msg(strncmp(dbuf_str(&resp), differ ? "HTTP/1.1 400 " : "HTTP/1.1 200 ", 13)
		    == 0, "%s%s: '%.60s'", q, hdr, dbuf_str(&resp));
		if (differ)
			ck_assert_msg(strstr(dbuf_str(&resp), "given twice") != NULL,
			    "the 400 does not say why: '%s'", dbuf_str(&resp));
		dbuf_free(&resp);
	}
}

START_TEST(replay)
{
	CURLM *m = curl_multi_init();
	struct stream s;
	struct until_id u;
	unsigned long long first, k;
	char header[96];
	struct reply r;

	daemon_start(&defaults);
	stream_open(m, &s, "/events", NULL);
	if (!pump(m, 5.0, cond_first_snapshot, &s))
		fail_with_log("no first snapshot within 5 s");
	first = ev_id(sseclient_event(s.sse, 0));
	u.s = &s;
	u.id = first + 4;
	if (!pump(m, 5.0, cond_reached_id, &u) || s.done)
		fail_with_log("id %llu not reached within 5 s", first + 4);
	k = max_id(&s);
	stream_close(m, &s);
	printf("replay: read ids %llu..%llu (K), disconnected\n", first, k);

	check_replay(m, k, 0);
	check_replay(m, k, 1);

	check_reset(m, "Last-Event-ID: 1", k);
	snprintf(header, sizeof(header), "Last-Event-ID: %llu", k + 1000000);
	check_reset(m, header, k);

	http_do("GET", "/events", "Last-Event-ID: abc", 5000, &r);
	ck_assert_int_eq(r.status, 400);
	reply_free(&r);
	/* Spaces and tabs around the value are the header's, not the id's. */
	snprintf(header, sizeof(header), "Last-Event-ID: \t%llu \t", k);
	http_do("GET", "/events", header, 500, &r);
	ck_assert_msg(r.status == 200, "'%s': status %ld", header, r.status);
	reply_free(&r);
	snprintf(header, sizeof(header), "Last-Event-ID: %llu %llu", k, k);
	http_do("GET", "/events", header, 500, &r);
	ck_assert_msg(r.status == 400, "'%s': status %ld", header, r.status);
	reply_free(&r);
	http_do("GET", "/events?lastEventId=12x", NULL, 5000, &r);
	ck_assert_int_eq(r.status, 400);
	reply_free(&r);
	/* The largest id is an id (and long gone: a reset); one more is not. */
	check_reset(m, "Last-Event-ID: 18446744073709551615", k);
	http_do("GET", "/events", "Last-Event-ID: 18446744073709551616", 5000, &r);
	ck_assert_int_eq(r.status, 400);
	reply_free(&r);
	check_twice("Last-Event-ID: %llu\r\nLast-Event-ID: %llu\r\n", "", k);
	check_twice("", "?lastEventId=%llu&lastEventId=%llu", k);
	/* Ids are numbers: 0N is N. */
	check_twice("Last-Event-ID: %llu\r\nLast-Event-ID: 0%llu\r\n", "", k);
	/* A header that came, even empty (no id yet), wins over the query. */
	{
		struct dbuf resp = { 0 };
		char req[256];

		snprintf(req, sizeof(req), "GET /events?lastEventId=12x HTTP/1.1\r\n"
		    "Host: 127.0.0.1:%u\r\nLast-Event-ID: \r\n\r\n", D.port);
		raw_request(req, &resp);
		ck_assert_msg(strncmp(dbuf_str(&resp), "HTTP/1.1 200 ", 13) == 0,
		    "an empty Last-Event-ID and lastEventId=12x: '%.60s'", dbuf_str(&resp));
		dbuf_free(&resp);
	}
	curl_multi_cleanup(m);
}
END_TEST

/* ---- the daemon: other endpoints ----------------------------------------- */

/*
 * A request sent as it is over a raw socket, so that a body sent by mistake
 * (after a HEAD) would show, and so that a request curl would not send can
 * be: read until the server closes or 3 s pass.
 */
static void
raw_request(const char *req, struct dbuf *resp)
{
	struct sockaddr_in sin;
	char chunk[4096];
	double deadline = now_mono() + 3.0;
	int fd;
	ssize_t nr;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)D.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0, "connect: %s",
	    strerror(errno));
	ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = deadline - now_mono();

		if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			break;
		nr = recv(fd, chunk, sizeof(chunk), 0);
		if (nr <= 0)
			break;
		dbuf_add(resp, chunk, (size_t)nr);
		/* Once the headers are in, give a stray body 300 ms to show up. */
		if (strstr(dbuf_str(resp), "\r\n\r\n") != NULL && deadline - now_mono() > 0.3)
			deadline = now_mono() + 0.3;
	}
	close(fd);
}

/* METHOD TARGET HTTP/1.1, with Host, and Connection: close. */
static void
raw_exchange(const char *method, const char *target, struct dbuf *resp)
{
	char req[512];

	snprintf(req, sizeof(req),
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n\r\n", method, target,
	    D.port);
	raw_request(req, resp);
}

/*
 * HEAD path: 200 and no body. A stream's GET has no length, so neither may
 * its HEAD say one (RFC 9110 8.6: not "Content-Length: 0").
 */
static void
check_raw_head(const char *path)
{
	struct dbuf resp = { 0 };
	const char *end;

	raw_exchange("HEAD", path, &resp);
	ck_assert_msg(strncmp(dbuf_str(&resp), "HTTP/1.1 200", 12) == 0, "HEAD %s: %.40s", path,
	    dbuf_str(&resp));
	end = strstr(dbuf_str(&resp), "\r\n\r\n");
	ck_assert_msg(end != NULL, "HEAD %s: headers never ended", path);
	ck_assert_msg(end[4] == '\0', "HEAD %s: %zu bytes of body", path,
	    strlen(end + 4));
	if (strcmp(path, "/events") == 0)
		ck_assert_msg(strcasestr(dbuf_str(&resp), "\r\nContent-Length:") == NULL,
		    "HEAD /events says a length: %s", dbuf_str(&resp));
	dbuf_free(&resp);
}

/* Every sample's metric name must have had a # TYPE line before it. */
static void
check_prometheus(const char *text)
{
	struct dbuf typed = { 0 };	/* " name1 name2 ... " */
	const char *line, *end;
	unsigned samples = 0, types = 0;
	int have_seq = 0;

	dbuf_add(&typed, " ", 1);
	for (line = text; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		char name[256], key[260];
		size_t len;

		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if (end == line)
			continue;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			len = strcspn(line + 7, " \n");
			ck_assert(len > 0 && len < sizeof(name));
			dbuf_add(&typed, line + 7, len);
			dbuf_add(&typed, " ", 1);
			types++;
			continue;
		}
		if (line[0] == '#')
			continue;
		len = strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_:");
		ck_assert_msg(len > 0 && len < sizeof(name), "bad sample line: %.*s",
		    (int)(end - line), line);
		memcpy(name, line, len);
		name[len] = '\0';
		samples++;
		if (strcmp(name, "sse_metricsd_snapshot_seq") == 0)
			have_seq = 1;
		snprintf(key, sizeof(key), " %s ", name);
		if (strstr(typed.p, key) == NULL) {
			/* Histograms and summaries: name_bucket/_sum/_count under name. */
			static const char *const sfx[] = { "_bucket", "_sum", "_count" };
			int ok = 0;

			for (size_t i = 0; i < 3 && !ok; i++) {
				size_t sl = strlen(sfx[i]);

				if (len > sl && strcmp(name + len - sl, sfx[i]) == 0) {
					snprintf(key, sizeof(key), " %.*s ", (int)(len - sl), name);
					ok = strstr(typed.p, key) != NULL;
				}
			}
			ck_assert_msg(ok, "metric %s has no # TYPE line before it", name);
		}
	}
	printf("metrics: %u samples, %u TYPE lines\n", samples, types);
	ck_assert_msg(samples > 0, "/metrics has no samples");
	ck_assert_msg(have_seq, "/metrics has no sse_metricsd_snapshot_seq");
	dbuf_free(&typed);
}

START_TEST(other_endpoints)
{
	static const char *const heads[] = { "/", "/healthz", "/api/snapshot", "/metrics",
	    "/events" };
	struct reply r;
	char v[256];

	daemon_start(&defaults);

	/* The absolute form of a request target is served as its path. */
	{
		static const struct { const char *target, *status, *body; } abs[] = {
			{ "http://127.0.0.1/healthz", "HTTP/1.1 200", "\r\n\r\nok\n" },
			{ "HTTP://sse.example:9730/api/snapshot?x=1", "HTTP/1.1 200", "\"seq\"" },
			{ "http://127.0.0.1", "HTTP/1.1 200", "<html" },
			{ "http://127.0.0.1/nothing-here", "HTTP/1.1 404", "not found" },
		};

		for (size_t i = 0; i < sizeof(abs) / sizeof(abs[0]); i++) {
			struct dbuf resp = { 0 };

			raw_exchange("GET", abs[i].target, &resp);
			ck_assert_msg(strncmp(dbuf_str(&resp), abs[i].status, strlen(abs[i].status)) == 0 &&
			    strstr(dbuf_str(&resp), abs[i].body) != NULL,
			    "GET %s: %.60s", abs[i].target, dbuf_str(&resp));
			/* Every answer, a 404 too, is taken as its Content-Type says. */
			ck_assert_msg(strcasestr(dbuf_str(&resp),
			    "\r\nX-Content-Type-Options: nosniff\r\n") != NULL,
			    "GET %s: no nosniff: %.300s", abs[i].target, dbuf_str(&resp));
			dbuf_free(&resp);
		}
	}

	http_do("GET", "/api/snapshot", NULL, 5000, &r);
	ck_assert_int_eq(r.result, CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert(header_get(&r.headers, "Content-Type", v, sizeof(v)));
	ck_assert_msg(strncmp(v, "application/json", 16) == 0, "Content-Type: %s", v);
	check_snapshot_json(dbuf_str(&r.body), r.body.len, 0);
	reply_free(&r);

	http_do("GET", "/metrics", NULL, 5000, &r);
	ck_assert_int_eq(r.result, CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert(header_get(&r.headers, "Content-Type", v, sizeof(v)));
	ck_assert_str_eq(v, "text/plain; version=0.0.4; charset=utf-8");
	check_prometheus(dbuf_str(&r.body));
	reply_free(&r);

	http_do("GET", "/healthz", NULL, 5000, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strncmp(dbuf_str(&r.body), "ok", 2) == 0, "/healthz: %s", dbuf_str(&r.body));
	reply_free(&r);

	http_do("GET", "/", NULL, 5000, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(header_get(&r.headers, "Content-Type", v, sizeof(v)));
	ck_assert_msg(strncmp(v, "text/html", 9) == 0, "Content-Type: %s", v);
	ck_assert_msg(r.body.len > 0, "/ has an empty body");
	reply_free(&r);

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		http_do("HEAD", heads[i], NULL, 5000, &r);
		ck_assert_msg(r.result == CURLE_OK, "HEAD %s: %s", heads[i],
		    curl_easy_strerror(r.result));
		ck_assert_msg(r.status == 200, "HEAD %s: %ld", heads[i], r.status);
		ck_assert_uint_eq(r.body.len, 0);
		ck_assert_msg(header_get(&r.headers, "X-Content-Type-Options", v, sizeof(v)) &&
		    strcmp(v, "nosniff") == 0, "HEAD %s: no nosniff", heads[i]);
		reply_free(&r);
		check_raw_head(heads[i]);
	}

	http_do("POST", "/healthz", NULL, 5000, &r);
	ck_assert_int_eq(r.status, 405);
	ck_assert_msg(header_get(&r.headers, "Allow", v, sizeof(v)) && strstr(v, "GET") != NULL,
	    "405 without an Allow header naming GET");
	printf("POST /healthz: 405, Allow: %s\n", v);
	reply_free(&r);
	http_do("DELETE", "/events", NULL, 5000, &r);
	ck_assert_int_eq(r.status, 405);
	ck_assert(header_get(&r.headers, "Allow", v, sizeof(v)));
	reply_free(&r);

	http_do("GET", "/nope", NULL, 5000, &r);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);

	/*
	 * RFC 9112 3.2: an HTTP/1.1 request with no Host, or two, is a 400.
	 * A %00 in the target would end the path or value there as a C string:
	 * a 400 too, not /metrics for "/metrics%00x". Each closes the
	 * connection, so the reply is all raw_request() reads.
	 */
	{
		static const struct { const char *req, *status, *body; } bad[] = {
			{ "GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 400", "exactly one Host" },
			{ "GET /healthz HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "HTTP/1.1 400",
			    "exactly one Host" },
			{ "GET /healthz HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", "HTTP/1.1 400",
			    "exactly one Host" },
			{ "GET /metrics%00x HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400", "%00" },
			{ "GET /events?events=snapshot%00 HTTP/1.1\r\nHost: a\r\n\r\n",
			    "HTTP/1.1 400", "%00" },
			{ "GET /healthz?x%00=1 HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400", "%00" },
			/* HTTP/1.0 needs no Host; other escapes are still decoded. */
			{ "GET /healthz HTTP/1.0\r\n\r\n", "HTTP/1.1 200", "\r\n\r\nok\n" },
			{ "GET /heal%74hz?x=%41 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			    "HTTP/1.1 200", "\r\n\r\nok\n" },
			/* "%2500" is the text "%00", not a NUL. */
			{ "GET /healthz?x=%2500 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			    "HTTP/1.1 200", "\r\n\r\nok\n" },
			{ "GET /healthz%2500 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			    "HTTP/1.1 404", "\r\n\r\n" },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct dbuf resp = { 0 };

			raw_request(bad[i].req, &resp);
			ck_assert_msg(strncmp(dbuf_str(&resp), bad[i].status, strlen(bad[i].status)) == 0 &&
			    strstr(dbuf_str(&resp), bad[i].body) != NULL,
			    "%.40s: %.80s", bad[i].req, dbuf_str(&resp));
			dbuf_free(&resp);
		}
	}

	/* A request target with no path must not pick a file by its query. */
	{
		struct dbuf raw = { 0 };

		raw_exchange("GET", "?index.html", &raw);
		ck_assert_msg(strncmp(dbuf_str(&raw), "HTTP/1.1 404", 12) == 0,
		    "GET ?index.html: %.40s", dbuf_str(&raw));
		dbuf_free(&raw);
	}
}
END_TEST

/* The total of daemon.requests[] for endpoint and status in a snapshot. */
static long long
requests_of(json_t *daemon, const char *endpoint, int status)
{
	json_t *a = json_object_get(daemon, "requests"), *e;
	size_t i;

	json_array_foreach(a, i, e)
		if (strcmp(json_string_value(json_object_get(e, "endpoint")), endpoint) == 0 &&
		    json_integer_value(json_object_get(e, "status")) == status)
			return json_integer_value(json_object_get(e, "total"));
	return 0;
}

/*
 * The daemon counts itself: streams, events and bytes sent, requests by
 * endpoint and status, a duration histogram, its own process figures.
 */
START_TEST(self_metrics)
{
	CURLM *m = curl_multi_init();
	struct stream s;
	struct reply r;
	json_t *root = NULL, *d = NULL;
	double t0;
	int done = 0;

	daemon_start(&defaults);
	stream_open(m, &s, "/events?events=snapshot", NULL);
	if (!pump(m, 5.0, cond_three_ticks, &s) || s.done)
		fail_with_log("no three ticks within 5 s");
	stream_close(m, &s);
	for (int i = 0; i < 3; i++) {
		http_do("GET", "/api/snapshot", NULL, 5000, &r);
		reply_free(&r);
	}
	http_do("GET", "/nope", NULL, 5000, &r);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);

	/* The closed stream counts once its thread sees the peer gone (next tick). */
	for (t0 = now_mono(); !done && now_mono() - t0 < 5; usleep(100000)) {
		json_decref(root);
		http_do("GET", "/api/snapshot", NULL, 5000, &r);
		root = json_loadb(dbuf_str(&r.body), r.body.len, 0, NULL);
		reply_free(&r);
		ck_assert_ptr_nonnull(root);
		d = json_object_get(root, "daemon");
		done = requests_of(d, "/events", 200) >= 1 && requests_of(d, "page", 404) >= 1 &&
		    requests_of(d, "/api/snapshot", 200) >= 3;
	}
	ck_assert_msg(done, "daemon.requests never counted the stream, the 404 and the snapshots");
	ck_assert_int_ge(json_integer_value(json_object_get(d, "streams_total")), 1);
	ck_assert_int_ge(json_integer_value(json_object_get(d, "events_sent_total")), 3);
	/* Three snapshot events are well over 300 bytes, with the retry: line. */
	ck_assert_int_ge(json_integer_value(json_object_get(d, "bytes_sent_total")), 300);
	ck_assert_int_ge(json_integer_value(json_object_get(json_object_get(d,
	    "request_duration_seconds"), "count")), 4);
	ck_assert_int_gt(json_integer_value(json_object_get(d, "resident_memory_bytes")), 1 << 20);
	ck_assert_int_ge(json_integer_value(json_object_get(d, "threads")), 2);
	ck_assert(json_real_value(json_object_get(d, "collect_seconds")) > 0);
	json_decref(root);

	http_do("GET", "/metrics", NULL, 5000, &r);
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body),
	    "sse_metricsd_http_requests_total{code=\"404\",endpoint=\"page\"} "));
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body), "\nsse_metricsd_events_sent_total "));
	reply_free(&r);
	curl_multi_cleanup(m);
}
END_TEST

/* 1 once /metrics has the line want (say "name 2"), within 5 s. */
static int
metrics_reach(const char *want)
{
	char line[160];
	double t0 = now_mono();
	struct reply r;
	int seen = 0;

	snprintf(line, sizeof(line), "\n%s\n", want);
	while (!seen && now_mono() - t0 < 5.0) {
		http_do("GET", "/metrics", NULL, 3000, &r);
		seen = strstr(dbuf_str(&r.body), line) != NULL;
		reply_free(&r);
		if (!seen)
			usleep(50000);
	}
	return seen;
}

/* The daemon, already told to stop, must exit with status 0 within seconds. */
static void
daemon_exit_ok(double seconds)
{
	double t0 = now_mono();
	int status;

	while (waitpid(D.pid, &status, WNOHANG) == 0) {
		if (now_mono() - t0 > seconds)
			fail_with_log("the daemon did not exit within %.0f s of SIGTERM", seconds);
		usleep(10000);
	}
	D.pid = 0;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the daemon exited with status 0x%x", status);
}

/* SIGTERM the daemon; it must exit with status 0 within seconds. */
static void
daemon_stop_ok(double seconds)
{
	ck_assert_int_eq(kill(D.pid, SIGTERM), 0);
	daemon_exit_ok(seconds);
}

/* A FIFO in the webroot gets 404 at once and never blocks a thread or the exit. */
START_TEST(fifo_in_webroot)
{
	struct dconf c = defaults;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct reply r;
	double t0;

	snprintf(dir, sizeof(dir), "%s/www-fifo-%d", run_dir, (int)getpid());
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/fifo.html", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	c.webroot = dir;
	daemon_start(&c);
	t0 = now_mono();
	http_do("GET", "/fifo.html", NULL, 3000, &r);
	ck_assert_msg(r.result == CURLE_OK && r.status == 404, "GET /fifo.html: %ld after %.0f ms",
	    r.status, (now_mono() - t0) * 1e3);
	reply_free(&r);

	/* Names that cannot exist are 404 with no log line: no client fills the log. */
	{
		char name[400] = "/";
		size_t mark = dproc_log_mark();

		memset(name + 1, 'a', 300);
		strcpy(name + 301, ".txt");
		for (int i = 0; i < 3; i++) {
			http_do("GET", i == 0 ? name : i == 1 ? "/fifo.html.css" : "/nothere.txt", NULL,
			    3000, &r);
			ck_assert_msg(r.status == 404, "GET of a missing file: %ld", r.status);
			reply_free(&r);
		}
		usleep(200 * 1000);	/* for the drain thread to read what was written */
		pthread_mutex_lock(&D.mu);
		ck_assert_msg(strstr(dbuf_str(&D.log) + mark, "warning") == NULL,
		    "a request for a missing file logged: %s", dbuf_str(&D.log) + mark);
		pthread_mutex_unlock(&D.mu);
	}
	daemon_stop_ok(5.0);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* GET path with one extra header line; the status, and the body's length in *len. */
static long
conditional_get(const char *path, const char *header, size_t *len)
{
	struct reply r;
	long status;

	http_do("GET", path, header, 3000, &r);
	ck_assert_int_eq(r.result, CURLE_OK);
	status = r.status;
	*len = r.body.len;
	reply_free(&r);
	return status;
}

/*
 * The page's files carry validators, so that "Cache-Control: no-cache"
 * costs a 304 and not the whole of htmx.js on every load: If-None-Match
 * (weak comparison, lists, "*"), else If-Modified-Since; a file changed
 * since gets a new tag and a 200.
 */
START_TEST(static_file_validators)
{
	struct dconf c = defaults;
	char dir[PATH_MAX], path[PATH_MAX + 32], etag[128], modified[64], h[300];
	struct timespec times[2] = { { .tv_sec = 1700000000 }, { .tv_sec = 1700000000 } };
	struct dbuf raw = { 0 };
	struct reply r;
	size_t len;

	snprintf(dir, sizeof(dir), "%s/www-cond-%d", run_dir, (int)getpid());
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/app.js", dir);
	write_file(path, "console.log(1);\n");
	ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
	c.webroot = dir;
	daemon_start(&c);

	http_do("GET", "/app.js", NULL, 3000, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body.len, 16);
	ck_assert_msg(header_get(&r.headers, "ETag", etag, sizeof(etag)) && etag[0] == '"',
	    "no ETag: %s", dbuf_str(&r.headers));
	ck_assert(header_get(&r.headers, "Last-Modified", modified, sizeof(modified)));
	ck_assert_str_eq(modified, "Tue, 14 Nov 2023 22:13:20 GMT");
	reply_free(&r);

	snprintf(h, sizeof(h), "If-None-Match: %s", etag);
	ck_assert_int_eq(conditional_get("/app.js", h, &len), 304);
	ck_assert_uint_eq(len, 0);
	snprintf(h, sizeof(h), "If-None-Match: \"other\", W/%s", etag);
	ck_assert_int_eq(conditional_get("/app.js", h, &len), 304);
	ck_assert_int_eq(conditional_get("/app.js", "If-None-Match: *", &len), 304);
	ck_assert_int_eq(conditional_get("/app.js", "If-None-Match: \"other\"", &len), 200);
	ck_assert_uint_eq(len, 16);
	snprintf(h, sizeof(h), "If-Modified-Since: %s", modified);
	ck_assert_int_eq(conditional_get("/app.js", h, &len), 304);
	/* The other two HTTP-date forms of the same second. */
	ck_assert_int_eq(conditional_get("/app.js",
	    "If-Modified-Since: Tuesday, 14-Nov-23 22:13:20 GMT", &len), 304);
	ck_assert_int_eq(conditional_get("/app.js",
	    "If-Modified-Since: Tue Nov 14 22:13:20 2023", &len), 304);
	ck_assert_int_eq(conditional_get("/app.js",
	    "If-Modified-Since: Tue, 14 Nov 2023 22:13:19 GMT", &len), 200);
	ck_assert_int_eq(conditional_get("/app.js", "If-Modified-Since: yesterday", &len), 200);

	/* If-None-Match decides when both come, even against a matching date. */
	snprintf(h, sizeof(h), "GET /app.js HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
	    "If-None-Match: \"other\"\r\nIf-Modified-Since: %s\r\nConnection: close\r\n\r\n",
	    D.port, modified);
	raw_request(h, &raw);
	ck_assert_msg(strncmp(dbuf_str(&raw), "HTTP/1.1 200 ", 13) == 0, "%s", dbuf_str(&raw));
	dbuf_free(&raw);

	/*
	 * A 304's Content-Length, if any, is the 200's (RFC 9110 8.6): a cache
	 * that takes a 304's headers must not learn the file is empty. No body.
	 */
	snprintf(h, sizeof(h), "GET /app.js HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
	    "If-None-Match: %s\r\nConnection: close\r\n\r\n", D.port, etag);
	raw_request(h, &raw);
	{
		const char *t = dbuf_str(&raw), *cl = strcasestr(t, "\r\nContent-Length:");
		const char *end = strstr(t, "\r\n\r\n");

		ck_assert_msg(strncmp(t, "HTTP/1.1 304 ", 13) == 0, "%s", t);
		ck_assert_msg(end != NULL && end[4] == '\0', "a 304 with a body: %s", t);
		ck_assert_msg(cl == NULL || cl > end || strtoul(cl + 17, NULL, 10) == 16,
		    "a 304 whose Content-Length is not the file's 16: %s", t);
	}
	dbuf_free(&raw);

	/* Changed since: a new tag, and the old one gets the file. */
	times[0].tv_sec = times[1].tv_sec = 1700000100;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
	snprintf(h, sizeof(h), "If-None-Match: %s", etag);
	ck_assert_int_eq(conditional_get("/app.js", h, &len), 200);
	ck_assert_uint_eq(len, 16);

	/*
	 * A file changed in this second or later (here an hour ahead, as with
	 * a skewed clock): no Last-Modified, no 304 by date, one by tag.
	 */
	{
		struct tm tm;

		times[0].tv_sec = times[1].tv_sec = time(NULL) + 3600;
		ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
		http_do("GET", "/app.js", NULL, 3000, &r);
		ck_assert_int_eq(r.status, 200);
		ck_assert_msg(!header_get(&r.headers, "Last-Modified", modified, sizeof(modified)),
		    "a Last-Modified for a file changed after now: %s", dbuf_str(&r.headers));
		ck_assert(header_get(&r.headers, "ETag", etag, sizeof(etag)));
		reply_free(&r);
		ck_assert_ptr_nonnull(gmtime_r(&times[0].tv_sec, &tm));
		ck_assert_uint_gt(strftime(modified, sizeof(modified), "%a, %d %b %Y %H:%M:%S GMT",
		    &tm), 0);
		snprintf(h, sizeof(h), "If-Modified-Since: %s", modified);
		ck_assert_int_eq(conditional_get("/app.js", h, &len), 200);
		snprintf(h, sizeof(h), "If-None-Match: %s", etag);
		ck_assert_int_eq(conditional_get("/app.js", h, &len), 304);
	}

	/* Counted as 304s in the daemon's own metrics. */
	ck_assert_msg(metrics_reach("sse_metricsd_http_requests_total{code=\"304\","
	    "endpoint=\"page\"} 8"), "the 304s are not counted");
	daemon_stop_ok(5.0);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(heartbeat)
{
	struct dconf c = defaults;
	struct stream s;
	CURLM *m = curl_multi_init();
	double gap;

	c.interval = "30";
	c.heartbeat = 1;
	daemon_start(&c);
	stream_open(m, &s, "/events", NULL);
	if (!pump(m, 5.0, cond_first_snapshot, &s))
		fail_with_log("no first snapshot within 5 s");
	if (!pump(m, 5.0, cond_comment, &s) || s.done)
		fail_with_log("no comment line within 5 s of the snapshot (heartbeat 1 s)");
	gap = s.t_comment - s.t_snapshot;
	printf("heartbeat: first comment %.0f ms after the snapshot (heartbeat 1 s)\n", gap * 1e3);
	/* Not before heartbeat/2 of silence: the pulse is heartbeat/2. */
	ck_assert_msg(gap > 0.4 && gap < 3.0, "the first heartbeat came %.2f s after the snapshot", gap);
	stream_close(m, &s);
	curl_multi_cleanup(m);
}
END_TEST

/* Four streams have twelve events each (or ended). */
static int
cond_twelve_each(void *arg)
{
	struct stream *s = arg;

	for (int i = 0; i < 4; i++)
		if (sseclient_count(s[i].sse) < 12 && !s[i].done)
			return 0;
	return 1;
}

/*
 * With stream_affinity (the default) every stream's thread is pinned to
 * one CPU, at the latest after 8 wake-ups (stream.c's PIN_TRIES). Which
 * CPU depends on where the scheduler started the thread, so only "one" is
 * asserted.
 */
/*
 * Call fn with the thread id of each of the daemon's stream threads (named
 * MHD-connection by libmicrohttpd); returns how many there were.
 */
static int
each_stream_thread(void (*fn)(const char *tid, void *arg), void *arg)
{
	char path[64], file[512], comm[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)D.pid);
	ck_assert_ptr_nonnull(d = opendir(path));
	while ((e = readdir(d)) != NULL) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/comm", path, e->d_name);
		if ((f = fopen(file, "r")) == NULL)
			continue;	/* the thread just ended */
		if (fgets(comm, sizeof(comm), f) == NULL)
			comm[0] = '\0';
		fclose(f);
		if (strcmp(comm, "MHD-connection\n") != 0)
			continue;
		fn(e->d_name, arg);
		n++;
	}
	closedir(d);
	return n;
}

/* The thread may run on one CPU only. */
static void
assert_pinned(const char *tid, void *arg)
{
	char file[128], line[256], cpus_list[64] = "";
	FILE *f;

	(void)arg;
	snprintf(file, sizeof(file), "/proc/%d/task/%s/status", (int)D.pid, tid);
	ck_assert_ptr_nonnull(f = fopen(file, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Cpus_allowed_list: %63s", cpus_list) == 1)
			break;
	fclose(f);
	ck_assert_msg(cpus_list[0] != '\0' && strpbrk(cpus_list, "-,") == NULL,
	    "stream thread %s may run on CPUs %s, not one", tid, cpus_list);
}

START_TEST(stream_threads_pinned)
{
	struct dconf c = defaults;
	struct stream s[4];
	CURLM *m = curl_multi_init();
	cpu_set_t cpus;

	ck_assert_int_eq(sched_getaffinity(0, sizeof(cpus), &cpus), 0);
	if (CPU_COUNT(&cpus) < 2) {
		printf("stream_threads_pinned: one CPU, nothing to pin\n");
		curl_multi_cleanup(m);
		return;
	}
	c.interval = "0.05";
	daemon_start(&c);
	for (int i = 0; i < 4; i++)
		stream_open(m, &s[i], "/events?events=snapshot", NULL);
	if (!pump(m, 20.0, cond_twelve_each, s))
		fail_with_log("four streams did not get twelve events each within 20 s");
	ck_assert_int_eq(each_stream_thread(assert_pinned, NULL), 4);
	for (int i = 0; i < 4; i++)
		stream_close(m, &s[i]);
	curl_multi_cleanup(m);
}
END_TEST

static int
cond_both_snapshots(void *arg)
{
	struct stream *s = arg;

	return (s[0].t_snapshot != 0 && s[1].t_snapshot != 0) || s[0].done || s[1].done;
}

/* Open two /events streams on m and wait until both have had a snapshot. */
static void
open_two_streams(CURLM *m, struct stream s[2])
{
	stream_open(m, &s[0], "/events", NULL);
	stream_open(m, &s[1], "/events", NULL);
	if (!pump(m, 5.0, cond_both_snapshots, s) || s[0].done || s[1].done)
		fail_with_log("two streams did not both start");
}

START_TEST(max_clients)
{
	struct dconf c = defaults;
	struct stream s[2];
	struct reply r;
	char v[64];
	CURLM *m = curl_multi_init();

	c.max_clients = 2;
	daemon_start(&c);
	open_two_streams(m, s);

	http_do("GET", "/events", NULL, 3000, &r);
	ck_assert_msg(r.status == 503, "a third stream got %ld, want 503", r.status);
	ck_assert(header_get(&r.headers, "Retry-After", v, sizeof(v)));
	reply_free(&r);
	/*
	 * A browser's EventSource gives up for good on a 503: it gets a 200
	 * stream that only sets retry: and ends, so it comes back by itself.
	 */
	http_do("GET", "/events", "Accept: text/event-stream", 3000, &r);
	ck_assert_msg(r.result == CURLE_OK && r.status == 200, "EventSource refused: %ld",
	    r.status);
	ck_assert_msg(strncmp(dbuf_str(&r.body), "retry: 5000\n\n", 13) == 0,
	    "EventSource refused with body '%s'", dbuf_str(&r.body));
	ck_assert_ptr_null(strstr(dbuf_str(&r.body), "data:"));
	reply_free(&r);
	/* A HEAD gets the 503 a GET would, but is no stream refused. */
	http_do("HEAD", "/events", NULL, 3000, &r);
	ck_assert_msg(r.status == 503, "HEAD /events over max_clients got %ld", r.status);
	reply_free(&r);
	/* Both refusals are counted, and /metrics shows it from the next tick on. */
	ck_assert_msg(metrics_reach("sse_metricsd_streams_rejected_total 2"),
	    "sse_metricsd_streams_rejected_total never reached 2");
	usleep(500000);	/* two ticks: and stays there */
	http_do("GET", "/metrics", NULL, 3000, &r);
	ck_assert_msg(strstr(dbuf_str(&r.body), "\nsse_metricsd_streams_rejected_total 2\n") != NULL,
	    "the HEAD was counted as a refused stream");
	reply_free(&r);
	http_do("GET", "/healthz", NULL, 3000, &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);

	/* The two streams are still served. */
	pump(m, 0.5, NULL, NULL);
	ck_assert(!s[0].done && !s[1].done);
	stream_close(m, &s[0]);
	stream_close(m, &s[1]);
	curl_multi_cleanup(m);
}
END_TEST

/* ---- the daemon: signals -------------------------------------------------- */

struct all_streams {
	struct stream *s;
	size_t n;
};

static int
cond_all_snapshots(void *arg)
{
	struct all_streams *a = arg;

	for (size_t i = 0; i < a->n; i++)
		if (a->s[i].t_snapshot == 0 && !a->s[i].done)
			return 0;
	return 1;
}

static int
cond_all_done(void *arg)
{
	struct all_streams *a = arg;

	for (size_t i = 0; i < a->n; i++)
		if (!a->s[i].done)
			return 0;
	return 1;
}

struct exit_wait {
	pid_t pid;
	double t0, elapsed;
	int status, done;
};

static void *
wait_exit(void *arg)
{
	struct exit_wait *w = arg;

	while (waitpid(w->pid, &w->status, 0) == -1 && errno == EINTR)
		;
	w->elapsed = now_mono() - w->t0;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * cgroup v1's cpu controller, where single threads can be given a CPU
 * quota (systemd's CPUQuota= limits the whole unit the same way).
 */
#define CPU_CGROUP "/sys/fs/cgroup/cpu"

/*
 * Move every stream thread of the daemon into a new cpu cgroup
 * (quota_cgroup) with quota_us of CPU per 100 ms. 0, or -1 when this host
 * has no such cgroup for us.
 */
/* Into the cgroup's tasks file. */
static void
move_to_quota(const char *tid, void *arg)
{
	char path[PATH_MAX + 16], line[32];

	(void)arg;
	snprintf(path, sizeof(path), "%s/tasks", quota_cgroup);
	snprintf(line, sizeof(line), "%s\n", tid);
	ck_assert_msg(write_file_ok(path, line) == 0, "cannot move thread %s into %s", tid,
	    quota_cgroup);
}

static int
quota_stream_threads(unsigned quota_us)
{
	char path[PATH_MAX + 32], line[32];

	snprintf(quota_cgroup, sizeof(quota_cgroup), "%s/sse-metricsd-check.%ld", CPU_CGROUP,
	    (long)getpid());
	if (mkdir(quota_cgroup, 0755) != 0) {
		quota_cgroup[0] = '\0';
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", quota_cgroup);
	snprintf(line, sizeof(line), "%u\n", quota_us);
	if (write_file_ok(path, line) != 0) {
		rmdir(quota_cgroup);
		quota_cgroup[0] = '\0';
		return -1;
	}
	printf("%d stream threads held to %u us of CPU per 100 ms\n",
	    each_stream_thread(move_to_quota, NULL), quota_us);
	return 0;
}

/*
 * n streams open, then SIGTERM: the daemon exits 0 within 5 s and every
 * stream ends cleanly. With quota_us, the stream threads are held to that
 * much CPU per 100 ms first: they end none for a while, then all at once.
 */
static void
sigterm_streams(size_t n, unsigned quota_us)
{
	static struct exit_wait exit_wait;
	pthread_t waiter;
	struct dconf c = defaults;
	struct all_streams a;
	CURLM *m = curl_multi_init();
	double t0, elapsed = -1, exit_limit = quota_us != 0 ? 40.0 : 15.0;
	int status = -1, quota = 0;
	size_t started = 0, clean = 0;

	c.max_clients = (unsigned)n;
	/*
	 * The default timeout, not the tests' 5 s: under ThreadSanitizer on a
	 * busy machine this client has taken nothing from some of its streams
	 * for 5 s while it opened the others, and the daemon rightly closes a
	 * stream whose viewer takes nothing for timeout seconds (stalled_viewer).
	 */
	c.timeout = 60;
	daemon_start(&c);
	a.n = n;
	a.s = calloc(n, sizeof(*a.s));
	ck_assert_ptr_nonnull(a.s);
	for (size_t i = 0; i < n; i++)
		stream_open(m, &a.s[i], "/events", NULL);
	pump(m, 20.0, cond_all_snapshots, &a);
	for (size_t i = 0; i < n; i++)
		started += a.s[i].t_snapshot != 0;
	if (started != n)
		fail_with_log("only %zu of %zu streams got a snapshot within 20 s", started, n);
	if (quota_us != 0) {
		if (quota_stream_threads(quota_us) != 0) {
			printf("SIGTERM under a CPU quota: not run, %s is not writable here\n",
			    CPU_CGROUP);
			for (size_t i = 0; i < n; i++)
				stream_close(m, &a.s[i]);
			free(a.s);
			curl_multi_cleanup(m);
			return;
		}
		quota = 1;
	}

	/*
	 * A thread blocks in waitpid(), so the exit time is exact even while
	 * this thread is busy reading thousands of closing streams.
	 */
	exit_wait.pid = D.pid;
	exit_wait.done = 0;
	exit_wait.t0 = t0 = now_mono();
	ck_assert_int_eq(pthread_create(&waiter, NULL, wait_exit, &exit_wait), 0);
	ck_assert_int_eq(kill(D.pid, SIGTERM), 0);
	/*
	 * Under the quota, after the daemon's own stop (HTTP_STOP_MAX_MS at
	 * most) the kernel still ends its threads at that quota: a busy machine
	 * made that seconds (12.5 s in all once, against 2-3.5 s usually).
	 */
	while (now_mono() - t0 < exit_limit &&
	    !__atomic_load_n(&exit_wait.done, __ATOMIC_ACQUIRE))
		pump(m, 0.005, NULL, NULL);
	if (!__atomic_load_n(&exit_wait.done, __ATOMIC_ACQUIRE)) {
		kill(D.pid, SIGKILL);
		pthread_join(waiter, NULL);
		D.pid = 0;
		fail_with_log("the daemon did not exit within %.0f s of SIGTERM with %zu streams",
		    exit_limit, n);
	}
	pthread_join(waiter, NULL);
	D.pid = 0;
	if (quota) {
		/* Empty now: every thread of the daemon is gone. */
		ck_assert_msg(rmdir(quota_cgroup) == 0, "rmdir %s: %s", quota_cgroup, strerror(errno));
		quota_cgroup[0] = '\0';
	}
	status = exit_wait.status;
	elapsed = exit_wait.elapsed;
	printf("SIGTERM with %zu streams%s: exit in %.0f ms\n", n, quota ? " under the quota" : "",
	    elapsed * 1e3);
	pump(m, 5.0, cond_all_done, &a);
	for (size_t i = 0; i < n; i++)
		clean += a.s[i].done && a.s[i].result == CURLE_OK;
	for (size_t i = 0; i < n && clean != n; i++)
		if (!a.s[i].done || a.s[i].result != CURLE_OK) {
			fprintf(stderr, "stream %zu: done %d, %s\n", i, a.s[i].done,
			    curl_easy_strerror(a.s[i].result));
			break;
		}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the daemon exited with status 0x%x", status);
	if (clean != n)
		fail_with_log("%zu of %zu streams ended cleanly", clean, n);
	/* Under the quota, the daemon's own part: "stopped in N ms", N < 10 s. */
	if (quota) {
		char *log = dproc_log_copy(), *at = strstr(log, "stopped in ");
		long ms = at != NULL ? strtol(at + 11, NULL, 10) : -1;

		free(log);
		printf("under the quota the daemon stopped in %ld ms\n", ms);
		ck_assert_msg(ms >= 0 && ms <= 10500, "the daemon's stop under the quota: %ld ms", ms);
	} else {
		ck_assert_msg(elapsed < 5.0, "SIGTERM took %.2f s", elapsed);
	}
	for (size_t i = 0; i < n; i++)
		stream_close(m, &a.s[i]);
	free(a.s);
	curl_multi_cleanup(m);
}

START_TEST(sigterm_with_streams)
{
	/* SSE_TEST_STREAMS=N measures other counts (the fd limit bounds it). */
	const char *env = getenv("SSE_TEST_STREAMS");

	sigterm_streams(env != NULL && atoi(env) > 0 ? (size_t)atoi(env) : SIGTERM_STREAMS, 0);
}
END_TEST

/*
 * 600 stream threads held to 2 % of a CPU end none for a second or more,
 * then all at once: a fixed 700 ms grace cut 460-480 of them. A sanitized
 * daemon needs several times the CPU per stream: 100 streams and 10 %.
 */
START_TEST(sigterm_under_cpu_quota)
{
	sigterm_streams(SANITIZED ? 100 : 600, SANITIZED ? 10000 : 2000);
}
END_TEST

/*
 * An unknown key on line 2 of the file, then SIGHUP: the daemon must keep
 * what it runs and say so. The log mark from before the signal.
 */
static size_t
reload_refused(void)
{
	struct dbuf text = { 0 };
	size_t mark;

	dbuf_printf(&text, "# line 2 has a misspelt key\nintervall = 3\n");
	config_text(&text, &defaults);
	write_file(D.conf, text.p);
	dbuf_free(&text);
	mark = dproc_log_mark();
	ck_assert_int_eq(kill(D.pid, SIGHUP), 0);
	if (!dproc_log_wait(mark, "keeping the running configuration", 5.0))
		fail_with_log("no 'keeping the running configuration' within 5 s of SIGHUP");
	return mark;
}

static int
cond_five_events(void *arg)
{
	struct stream *s = arg;

	return sseclient_count(s->sse) >= 5 || s->done;
}

/*
 * The running daemon ticks every interval seconds: the snapshot's own
 * elapsed_seconds (monotonic, the daemon's) of the ticks after the first
 * one a new stream gets, which may be older. The median of four, so one
 * late tick on a busy machine does not decide it.
 */
static void
assert_interval_applied(double interval)
{
	CURLM *m = curl_multi_init();
	struct stream st;
	double e[4];

	stream_open(m, &st, "/events?events=snapshot", NULL);
	if (!pump(m, 10.0, cond_five_events, &st) || sseclient_count(st.sse) < 5)
		fail_with_log("fewer than five snapshot events in 10 s");
	for (size_t i = 1; i < 5; i++) {
		const struct sse_event *ev = sseclient_event(st.sse, i);
		json_t *o = json_loadb(ev->data, ev->data_len, 0, NULL);

		ck_assert_ptr_nonnull(o);
		e[i - 1] = json_real_value(json_object_get(o, "elapsed_seconds"));
		json_decref(o);
	}
	for (size_t i = 0; i < 4; i++)	/* sort the four */
		for (size_t j = i + 1; j < 4; j++)
			if (e[j] < e[i]) {
				double t = e[i];

				e[i] = e[j];
				e[j] = t;
			}
	ck_assert_msg(e[1] > interval * 0.8 && e[2] < interval * 2.5,
	    "ticks %.3f %.3f %.3f %.3f s apart, not the interval's %.3f", e[0], e[1], e[2], e[3],
	    interval);
	stream_close(m, &st);
	curl_multi_cleanup(m);
}

START_TEST(sighup_reload)
{
	struct dconf c = defaults;
	struct reply r;
	char where[160];
	size_t mark;

	daemon_start(&defaults);

	mark = reload_refused();
	snprintf(where, sizeof(where), "%s:2:", D.conf);
	if (!dproc_log_wait(mark, where, 0.1))
		fail_with_log("the log does not name %s", where);
	http_do("GET", "/healthz", NULL, 3000, &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	ck_assert(dproc_alive());

	c.interval = "0.5";
	c.heartbeat = 2;
	write_config(D.conf, &c);
	mark = dproc_log_mark();
	ck_assert_int_eq(kill(D.pid, SIGHUP), 0);
	if (!dproc_log_wait(mark, "configuration reloaded", 5.0))
		fail_with_log("no 'configuration reloaded' within 5 s of SIGHUP");
	http_do("GET", "/healthz", NULL, 3000, &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	assert_interval_applied(0.5);
}
END_TEST

/* The state letter of /proc/PID/stat ('R', 'S', ...), or 0 when it cannot be read. */
static char
proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the command may hold spaces and ')' */
	return p != NULL && p[1] == ' ' ? p[2] : 0;
}

/*
 * A SIGHUP that comes while the daemon is still reading its config (kill
 * -HUP just after a start) must not end it: it is a reload to make once
 * serving. The config is a FIFO, so the daemon sits in its open() until
 * the test writes it; the signal is sent then, and a second write of the
 * FIFO answers the reload it leads to.
 */
START_TEST(sighup_while_reading_config)
{
	struct dconf c = defaults;
	char why[256];
	double until;
	int status;
	struct reply r;

	ck_assert_int_eq(mkfifo(D.conf, 0600), 0);
	if (dproc_spawn_drained(why, sizeof(why)) == -1)
		fail_with_log("%s", why);
	/* Asleep ('S') is in the FIFO's open(): nothing else sleeps before it. */
	until = now_mono() + DPROC_START_TIMEOUT;
	while (proc_state(D.pid) != 'S' && now_mono() < until)
		usleep(10000);
	ck_assert_msg(proc_state(D.pid) == 'S', "the daemon never waited on its config FIFO");
	ck_assert_int_eq(kill(D.pid, SIGHUP), 0);
	usleep(100000);
	if (waitpid(D.pid, &status, WNOHANG) == D.pid) {
		D.pid = 0;
		fail_with_log("a SIGHUP before the config was read ended the daemon (%s %d)",
		    WIFSIGNALED(status) ? "signal" : "exit status",
		    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	write_config(D.conf, &c);	/* blocks until the daemon reads it */
	if (dproc_wait_listening(why, sizeof(why)) == -1)
		fail_with_log("%s", why);
	/* The held SIGHUP is a reload, which opens the FIFO again. */
	c.interval = "0.5";
	write_config(D.conf, &c);
	if (!dproc_log_wait(0, "configuration reloaded", 5.0))
		fail_with_log("the SIGHUP held during the start was not made a reload");
	http_do("GET", "/healthz", NULL, 3000, &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
}
END_TEST

/*
 * Under the journal a refused reload is a warning: each of the file's
 * errors and the refusal itself go out as "<4>" lines (at startup the same
 * errors are "<3>", command_line checks), not as plain info lines.
 */
START_TEST(sighup_reload_under_journal)
{
	char where[200];
	size_t mark;

	D.journal = 1;
	daemon_start(&defaults);
	mark = reload_refused();
	snprintf(where, sizeof(where), "<4>%s:2: ", D.conf);
	if (!dproc_log_wait(mark, where, 1.0))
		fail_with_log("the log has no '%s'", where);
	snprintf(where, sizeof(where), "<4>%s has errors (above); keeping the running "
	    "configuration", D.conf);
	if (!dproc_log_wait(mark, where, 1.0))
		fail_with_log("the log has no '%s'", where);
	ck_assert(dproc_alive());
}
END_TEST

/* ---- the command line ----------------------------------------------------- */

struct run {
	int status;
	struct dbuf out, err;
};

/* run_cli() with stderr as journald's: JOURNAL_STREAM names the pipe. */
static int cli_journal;

/* Run the daemon with args (NULL-terminated) to its end, at most 10 s. */
static void
run_cli(struct run *r, ...)
{
	char *argv[16];
	size_t argc = 0;
	int out[2], err[2];
	pid_t pid;
	double deadline = now_mono() + 10.0;
	va_list ap;
	int open_fds = 2;

	memset(r, 0, sizeof(*r));
	argv[argc++] = (char *)DAEMON_PATH;
	va_start(ap, r);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	ck_assert_msg(access(DAEMON_PATH, X_OK) == 0, "%s is not built", DAEMON_PATH);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
	if (cli_journal) {
		struct stat st;
		char js[64];

		ck_assert_int_eq(fstat(err[1], &st), 0);
		snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);
		setenv("JOURNAL_STREAM", js, 1);
	}
	pid = dproc_spawn(argv, out[1], err[1]);
	unsetenv("JOURNAL_STREAM");
	ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
	D.pid = pid;		/* so a failure kills it */
	close(out[1]);
	close(err[1]);
	while (open_fds > 0 && now_mono() < deadline) {
		struct pollfd pfd[2] = { { .fd = out[0], .events = POLLIN },
		    { .fd = err[0], .events = POLLIN } };
		char chunk[4096];

		if (poll(pfd, 2, 100) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			ssize_t nr;

			if (pfd[i].fd < 0 || (pfd[i].revents & (POLLIN | POLLHUP)) == 0)
				continue;
			nr = read(pfd[i].fd, chunk, sizeof(chunk));
			if (nr > 0)
				dbuf_add(i == 0 ? &r->out : &r->err, chunk, (size_t)nr);
			else {
				close(i == 0 ? out[0] : err[0]);
				if (i == 0)
					out[0] = -1;
				else
					err[0] = -1;
				open_fds--;
			}
		}
	}
	if (out[0] >= 0)
		close(out[0]);
	if (err[0] >= 0)
		close(err[0]);
	if (open_fds > 0)
		kill(pid, SIGKILL);
	waitpid(pid, &r->status, 0);
	D.pid = 0;
	ck_assert_msg(open_fds == 0, "%s %s did not finish within 10 s", argv[0], argv[1]);
}

static void
run_free(struct run *r)
{
	dbuf_free(&r->out);
	dbuf_free(&r->err);
}

#define EXIT_CODE(r) (WIFEXITED((r)->status) ? WEXITSTATUS((r)->status) : 128 + WTERMSIG((r)->status))

/*
 * A second daemon on a port in use fails at once and says why, and leaves
 * the first one serving (with SO_REUSEPORT it would start and share the
 * port). A restart on the same port binds at once although the connections
 * the stopped daemon closed are in TIME_WAIT (SO_REUSEADDR).
 */
static int
cond_stream_done(void *arg)
{
	return ((struct stream *)arg)->done;
}

START_TEST(port_in_use)
{
	CURLM *m = curl_multi_init();
	struct stream s;
	struct reply rep;
	struct run r;
	struct dconf c = defaults;
	char addr[32], want[80];
	unsigned port;
	pid_t first;

	daemon_start(&defaults);
	port = D.port;
	stream_open(m, &s, "/events", NULL);
	pump(m, 10.0, cond_first_snapshot, &s);
	ck_assert_msg(s.t_snapshot != 0, "no snapshot on the first daemon");

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	first = D.pid;
	run_cli(&r, "-c", D.conf, "-l", addr, NULL);
	D.pid = first;
	printf("a second daemon on %s: exit %d, stderr: %s", addr, EXIT_CODE(&r),
	    dbuf_str(&r.err));
	ck_assert_msg(EXIT_CODE(&r) == 1, "a second daemon on %s: exit %d", addr, EXIT_CODE(&r));
	snprintf(want, sizeof(want), "cannot listen on 127.0.0.1 port %u", port);
	ck_assert_msg(strstr(dbuf_str(&r.err), want) != NULL, "stderr '%s' lacks '%s'",
	    dbuf_str(&r.err), want);
	ck_assert_msg(strstr(dbuf_str(&r.err), "in use") != NULL,
	    "stderr '%s' does not say the address is in use", dbuf_str(&r.err));
	run_free(&r);
	ck_assert_msg(dproc_alive(), "the first daemon died");
	http_do("GET", "/api/snapshot", NULL, 5000, &rep);
	ck_assert_int_eq(rep.status, 200);
	reply_free(&rep);

	/* The daemon closes the open stream first: its side is in TIME_WAIT. */
	daemon_stop_ok(5.0);
	pump(m, 5.0, cond_stream_done, &s);
	ck_assert_msg(s.done, "the stream did not end when the daemon stopped");
	stream_close(m, &s);
	curl_multi_cleanup(m);
	pthread_join(D.drainer, NULL);
	D.draining = 0;
	close(D.err_fd);
	D.err_fd = -1;
	dbuf_free(&D.log);
	c.listen = addr;
	daemon_start(&c);
	ck_assert_uint_eq(D.port, port);
}
END_TEST

/* GET /healthz over a new connection to family's loopback at port: the status. */
static int
healthz_status(int family, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[256] = "";
	int fd, status = -1;
	ssize_t n;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) == 0 &&
	    write(fd, "GET /healthz HTTP/1.0\r\n\r\n", 26) == 26 &&
	    (n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
			status = -1;
	}
	close(fd);
	return status;
}

/* listen = [::]:PORT is every address, as the man page says: IPv4 too. */
START_TEST(ipv6_any_takes_ipv4_too)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	socklen_t len = sizeof(s6);
	struct dconf c = defaults;
	char addr[32], *argv[] = { (char *)DAEMON_PATH, (char *)"-c", D.conf, NULL };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), v4 = -1, v6 = -1;
	unsigned port;

	/* A free port; the daemon gets it a moment after this socket is gone. */
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&s6, sizeof(s6)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&s6, &len), 0);
	port = ntohs(s6.sin6_port);
	close(fd);
	snprintf(addr, sizeof(addr), "[::]:%u", port);
	c.listen = addr;
	write_config(D.conf, &c);
	D.pid = dproc_spawn(argv, -1, -1);
	ck_assert_int_gt(D.pid, 0);
	for (int i = 0; i < 100 && (v6 = healthz_status(AF_INET6, port)) != 200; i++)
		usleep(50000);
	v4 = healthz_status(AF_INET, port);
	printf("listen = %s: GET /healthz over ::1 %d, over 127.0.0.1 %d\n", addr, v6, v4);
	ck_assert_int_eq(v6, 200);
	ck_assert_int_eq(v4, 200);
	daemon_stop_ok(5.0);
}
END_TEST

/*
 * Requests the size browsers send get an answer: a 4 KB cookie (what one
 * cookie may hold; a browser sends it to every port of the host) with a
 * few small ones, on a page, the snapshot and a stream; a header block
 * past the pool (20 KB) gets 431, not a closed connection.
 */
START_TEST(browser_sized_requests)
{
	struct dbuf cookie = { 0 }, huge = { 0 };
	struct reply rep;
	struct stream s;
	CURLM *m = curl_multi_init();
	static const char *const paths[] = { "/", "/api/snapshot", "/healthz" };

	daemon_start(&defaults);
	dbuf_printf(&cookie, "Cookie: session=");
	for (int i = 0; i < 4000; i++)
		dbuf_add(&cookie, "abcdefghij" + i % 10, 1);
	for (int i = 0; i < 20; i++)
		dbuf_printf(&cookie, "; pref%d=value%d", i, i);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		http_do("GET", paths[i], dbuf_str(&cookie), 5000, &rep);
		ck_assert_msg(rep.result == CURLE_OK && rep.status == 200,
		    "GET %s with a %zu-byte Cookie header: %s, status %ld", paths[i], cookie.len,
		    curl_easy_strerror(rep.result), rep.status);
		reply_free(&rep);
	}
	stream_open(m, &s, "/events?events=snapshot", dbuf_str(&cookie));
	pump(m, 10.0, cond_first_snapshot, &s);
	ck_assert_msg(s.t_snapshot != 0, "no snapshot on a stream with a %zu-byte Cookie header",
	    cookie.len);
	stream_close(m, &s);
	curl_multi_cleanup(m);

	dbuf_printf(&huge, "X-Padding: ");
	for (int i = 0; i < 20000; i++)
		dbuf_add(&huge, "x", 1);
	http_do("GET", "/healthz", dbuf_str(&huge), 5000, &rep);
	ck_assert_msg(rep.status == 431, "a 20 KB header: %s, status %ld",
	    curl_easy_strerror(rep.result), rep.status);
	reply_free(&rep);
	dbuf_free(&cookie);
	dbuf_free(&huge);
}
END_TEST


/*
 * A TCP connection to the daemon, or the test fails; with a receive buffer
 * of rcvbuf bytes (set before the connect, so the window fits it), or the
 * system's when 0.
 */
static int
connect_daemon(int rcvbuf)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	if (rcvbuf != 0)
		ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)D.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* 1 once the daemon has closed its side of fd (what it sent is read and dropped). */
static int
peer_closed(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* 1 once the daemon has closed its side of fd, within secs. */
static int
closed_within(int fd, double secs)
{
	double t0 = now_mono();

	while (!peer_closed(fd)) {
		if (now_mono() - t0 > secs)
			return 0;
		usleep(20000);
	}
	return 1;
}

/*
 * The daemon's side of a TCP connection from local port cport to D.port in
 * /proc/net/tcp: its state (hex, "01" ESTABLISHED) and send-queue bytes.
 * Returns 0 when there is none.
 */
static int
server_socket(unsigned cport, char state[3], unsigned long *txq)
{
	char line[512], local[16], remote[16];
	FILE *f = fopen("/proc/net/tcp", "r");
	int found = 0;

	ck_assert_ptr_nonnull(f);
	snprintf(local, sizeof(local), ":%04X ", D.port);
	snprintf(remote, sizeof(remote), ":%04X ", cport);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char l[64], r[64], st[8];
		unsigned long tx = 0;

		if (sscanf(line, " %*s %63s %63s %7s %lx", l, r, st, &tx) != 4)
			continue;
		strcat(l, " ");
		strcat(r, " ");
		if (strstr(l, local) != NULL && strstr(r, remote) != NULL) {
			snprintf(state, 3, "%.2s", st);
			*txq = tx;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/*
 * A viewer that stops reading does not slow one that reads; what the kernel
 * queues for it stays near the daemon's bound (stream.c, STREAM_UNSENT_MAX:
 * without it, 2 MB in 3.4 s here); and once its socket has taken nothing
 * for timeout seconds it is reset, so the kernel does not keep that queue
 * in FIN-WAIT-1 after the close, and none of it is logged as an error.
 * The stream writes its chunks itself and waits for room itself
 * (stream.c, finish_chunk()): once with the dashboard's events, some 80 KB
 * a tick, more than the bound at once; once with the snapshot's, 5.6 KB.
 */
#define STALLED_QUEUE_MAX (384 * 1024)

static const char *const stalled_requests[] = {
	"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
	"GET /events?events=snapshot HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
};

START_TEST(stalled_viewer)
{
	struct dconf c = defaults;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct stream s;
	CURLM *m = curl_multi_init();
	const char *req = stalled_requests[_i];
	size_t mark;
	int fd, seen = 0, found = 0;
	unsigned long txq = 0, txq_max = 0;
	char st[3] = "";
	double t0, closed = -1, gone = -1;
	size_t before;

	c.interval = "0.05";
	daemon_start(&c);
	mark = dproc_log_mark();
	fd = connect_daemon(4096);
	ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);

	stream_open(m, &s, "/events?events=snapshot", NULL);
	pump(m, 10.0, cond_first_snapshot, &s);
	before = sseclient_count(s.sse);
	t0 = now_mono();
	/* The daemon's side leaves ESTABLISHED: libmicrohttpd's timeout (5 s) closed it. */
	while (now_mono() - t0 < 25.0) {
		pump(m, 0.1, NULL, NULL);
		found = server_socket(ntohs(sin.sin_port), st, &txq);
		seen |= found;
		if (found && txq > txq_max)
			txq_max = txq;
		if (seen && (!found || strcmp(st, "01") != 0)) {
			closed = now_mono() - t0;
			break;
		}
	}
	/* Reset: the daemon's side is gone, not waiting in FIN-WAIT-1 with the queue. */
	while (found && now_mono() - t0 < closed + 2.0) {
		pump(m, 0.05, NULL, NULL);
		found = server_socket(ntohs(sin.sin_port), st, &txq);
	}
	if (!found)
		gone = now_mono() - t0;
	printf("stalled viewer (%.*s): at most %lu bytes queued; closed by the daemon after %.1f s, "
	    "gone after %.1f s (else state %s, %lu bytes queued)\n", (int)strcspn(req + 4, " "), req + 4,
	    txq_max, closed, gone, st, txq);
	ck_assert_msg(seen, "the stalled viewer's connection was never seen in /proc/net/tcp");
	ck_assert_msg(closed > 0, "a viewer that reads nothing still has its stream after 25 s");
	ck_assert_msg(txq_max <= STALLED_QUEUE_MAX,
	    "the kernel queued %lu bytes for a viewer that reads nothing", txq_max);
	ck_assert_msg(gone > 0, "2 s after the close the daemon's socket is still there, "
	    "state %s with %lu bytes queued", st, txq);
	ck_assert_msg(!s.done && sseclient_count(s.sse) > before + 20,
	    "the reading viewer got %zu events while the other stalled",
	    sseclient_count(s.sse) - before);
	ck_assert_msg(metrics_reach("sse_metricsd_streams_timed_out_total 1"),
	    "/metrics never counted the stalled stream's timeout");
	/* Giving a viewer up is no error of the daemon's. */
	pthread_mutex_lock(&D.mu);
	ck_assert_msg(strstr(dbuf_str(&D.log) + mark, "warning") == NULL,
	    "giving up a stalled viewer logged: %s", dbuf_str(&D.log) + mark);
	pthread_mutex_unlock(&D.mu);
	close(fd);
	stream_close(m, &s);
	curl_multi_cleanup(m);
}
END_TEST

/*
 * A stream that lives longer than timeout, its viewer reading, is neither
 * timed out nor cut at SIGTERM: it gets its last chunk. The stream writes
 * its ticks itself (stream.c, direct_write()), so libmicrohttpd's own
 * timer, which counts from libmicrohttpd's last write, must not end it
 * when libmicrohttpd writes that chunk.
 */
START_TEST(stream_outlives_timeout)
{
	struct dconf c = defaults;	/* heartbeat 1 s */
	CURLM *m = curl_multi_init();
	struct stream s[2];
	size_t before[2];
	double t0;

	c.timeout = 4;
	daemon_start(&c);
	stream_open(m, &s[0], "/events?events=snapshot", NULL);
	stream_open(m, &s[1], "/events", NULL);
	pump(m, 10.0, cond_first_snapshot, &s[0]);
	pump(m, 10.0, cond_first_snapshot, &s[1]);
	for (int i = 0; i < 2; i++)
		before[i] = sseclient_count(s[i].sse);
	pump(m, c.timeout + 1.5, NULL, NULL);
	for (int i = 0; i < 2; i++)
		ck_assert_msg(!s[i].done && sseclient_count(s[i].sse) > before[i] + 20,
		    "stream %d: done %d, %zu events in %u.5 s", i, s[i].done,
		    sseclient_count(s[i].sse) - before[i], c.timeout + 1);
	ck_assert_msg(metrics_reach("sse_metricsd_streams_timed_out_total 0"),
	    "/metrics counted a stream whose viewer reads as timed out");
	ck_assert_int_eq(kill(D.pid, SIGTERM), 0);
	t0 = now_mono();
	while (now_mono() - t0 < 5.0 && !(s[0].done && s[1].done))
		pump(m, 0.05, NULL, NULL);
	for (int i = 0; i < 2; i++)
		ck_assert_msg(s[i].done && s[i].result == CURLE_OK,
		    "stream %d at SIGTERM after %u.5 s: done %d, %s", i, c.timeout + 1, s[i].done,
		    curl_easy_strerror(s[i].result));
	daemon_exit_ok(5.0);
	for (int i = 0; i < 2; i++)
		stream_close(m, &s[i]);
	curl_multi_cleanup(m);
}
END_TEST

/*
 * Viewers that leave, with a FIN or a reset, and with or without bytes of
 * theirs still unread: each stream ends and none of it is logged as an
 * error (a stream that finds its viewer gone ends its connection itself;
 * libmicrohttpd would log that as an "application error").
 */
START_TEST(departing_viewers_log_nothing)
{
	static const char *const paths[] = { "/events?events=snapshot", "/events" };
	struct dconf c = defaults;
	int fds[8];
	size_t mark;

	c.interval = "0.05";
	daemon_start(&c);
	mark = dproc_log_mark();
	for (int i = 0; i < 8; i++) {
		char req[128];
		int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
		    paths[i % 2]);

		fds[i] = connect_daemon(0);
		ck_assert_int_eq(send(fds[i], req, (size_t)n, MSG_NOSIGNAL), n);
	}
	ck_assert_msg(metrics_reach("sse_metricsd_streams_open 8"), "8 streams never opened");
	usleep(300 * 1000);	/* some ticks each */
	for (int i = 0; i < 8; i++) {
		if (i / 2 % 2 == 0) {	/* read what came, then leave */
			char buf[65536];

			while (recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
		}
		if (i / 4 == 1) {	/* a reset */
			struct linger now = { 1, 0 };

			ck_assert_int_eq(setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &now, sizeof(now)), 0);
		}
		close(fds[i]);
	}
	ck_assert_msg(metrics_reach("sse_metricsd_streams_open 0"),
	    "the streams of viewers that left are still open");
	usleep(200 * 1000);	/* for the drain thread to read what was written */
	pthread_mutex_lock(&D.mu);
	ck_assert_msg(strstr(dbuf_str(&D.log) + mark, "warning") == NULL,
	    "viewers leaving logged: %s", dbuf_str(&D.log) + mark);
	pthread_mutex_unlock(&D.mu);
	daemon_stop_ok(5.0);
}
END_TEST

/*
 * The same for a kept-alive connection whose client took none of a whole
 * response (htmx.js, 170 KB, into a 4 KB receive buffer) and sent nothing
 * after it: request_timeout closes it with a reset, not a FIN that would
 * leave the response queued in FIN-WAIT-1 for as long as the client
 * answers the kernel's probes. timeout is far off, so this is the
 * request deadline's close, not libmicrohttpd's.
 */
START_TEST(unread_response_reset_at_request_timeout)
{
	struct dconf c = defaults;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	static const char req[] = "GET /htmx.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	unsigned long txq = 0, txq_seen = 0;
	char st[3] = "";
	double t0, closed = -1, gone = -1;
	int fd, found = 0, seen = 0;

	c.request_timeout = 2;
	c.timeout = 30;
	daemon_start(&c);
	fd = connect_daemon(4096);
	ck_assert_int_eq(send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(req) - 1);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	t0 = now_mono();
	while (now_mono() - t0 < 10.0) {
		found = server_socket(ntohs(sin.sin_port), st, &txq);
		seen |= found;
		if (found && txq > txq_seen)
			txq_seen = txq;
		if (seen && (!found || strcmp(st, "01") != 0)) {
			closed = now_mono() - t0;
			break;
		}
		usleep(50 * 1000);
	}
	while (found && now_mono() - t0 < closed + 2.0) {
		usleep(50 * 1000);
		found = server_socket(ntohs(sin.sin_port), st, &txq);
	}
	if (!found)
		gone = now_mono() - t0;
	printf("unread response: %lu bytes queued; closed after %.1f s, gone after %.1f s "
	    "(else state %s, %lu bytes queued)\n", txq_seen, closed, gone, st, txq);
	ck_assert_msg(seen, "the connection was never seen in /proc/net/tcp");
	ck_assert_msg(txq_seen > 0, "nothing was queued for the client: the test tests nothing");
	ck_assert_msg(closed > 0, "the connection is still open 10 s on (request_timeout 2)");
	ck_assert_msg(gone > 0, "2 s after the close the daemon's socket is still there, "
	    "state %s with %lu bytes queued", st, txq);
	close(fd);
}
END_TEST


/*
 * A viewer that reads, but slower than the daemon writes, still gets the end
 * of its stream at SIGTERM, though it goes on reading slowly past the grace
 * the daemon gives its streams (HTTP_STOP_GRACE_MS): the stop lifts the
 * bound on what the kernel may queue for it (stream.c), so its backlog and
 * the closing chunk are handed to the kernel at once.
 */
START_TEST(lagging_viewer_at_stop)
{
	struct dconf c = defaults;
	static const char req[] = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	const struct timeval rcv_timeout = { 5, 0 };
	char buf[16384], tail[5] = "";
	size_t total = 0;
	ssize_t n;
	double t0, t_term = 0;
	int fd, eof = 0;

	c.interval = "0.05";
	daemon_start(&c);
	/* A small window: what it lags by waits in the daemon's kernel queue. */
	fd = connect_daemon(16384);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv_timeout,
	    sizeof(rcv_timeout)), 0);
	ck_assert_int_eq(send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(req) - 1);

	/*
	 * 16 KB every 0.1 s: the daemon writes every event type 20 times a
	 * second, some 400 KB/s. SIGTERM after 1.5 s; nothing read for 1.5 s,
	 * longer than the grace; then everything left is read.
	 */
	t0 = now_mono();
	while (!eof) {
		double now = now_mono();

		if (t_term == 0 && now - t0 > 1.5) {
			ck_assert_int_eq(kill(D.pid, SIGTERM), 0);
			t_term = now;
		}
		if (t_term != 0 && now - t_term < 1.5) {
			usleep(10000);
			continue;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			ck_abort_msg("recv after %.1f s: %s", now_mono() - t0, strerror(errno));
		if (n == 0) {
			eof = 1;
			break;
		}
		total += (size_t)n;
		if (n >= 5) {
			memcpy(tail, buf + n - 5, 5);
		} else {
			memmove(tail, tail + n, 5 - (size_t)n);
			memcpy(tail + 5 - n, buf, (size_t)n);
		}
		if (t_term == 0)
			usleep(100000);
		if (now - t0 > 20.0)
			ck_abort_msg("no end of stream 20 s after the start");
	}
	close(fd);
	printf("lagging viewer at SIGTERM: %zu bytes read, ends with \"%s\"\n", total,
	    memcmp(tail, "0\r\n\r\n", 5) == 0 ? "0\\r\\n\\r\\n" : "something else");
	daemon_exit_ok(5.0);
	ck_assert_msg(memcmp(tail, "0\r\n\r\n", 5) == 0,
	    "the lagging viewer's stream was cut: no closing chunk after %zu bytes", total);
}
END_TEST

/*
 * request_timeout: a client that sends its headers a byte at a time is
 * closed once it is due, though each byte restarts libmicrohttpd's idle
 * timeout; a request sent in time is served; a kept-alive connection owes
 * the next request from the end of its response, and is closed when idle.
 */
START_TEST(slow_request_headers)
{
	struct dconf c = defaults;
	static const char start[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	static const char quick[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	static const char with_body[] =
	    "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n";
	char reply[512];
	double t0, now, slow_closed = -1, answered = -1, idle_closed = -1, body_closed = -1;
	int slow, kept, body, sent_quick = 0;
	ssize_t n;

	c.request_timeout = 2;
	daemon_start(&c);
	slow = connect_daemon(0);
	kept = connect_daemon(0);
	body = connect_daemon(0);
	t0 = now_mono();
	ck_assert_int_eq(send(slow, start, sizeof(start) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(start) - 1);
	ck_assert_int_eq(send(body, with_body, sizeof(with_body) - 1, MSG_NOSIGNAL),
	    (ssize_t)sizeof(with_body) - 1);
	while ((now = now_mono()) - t0 < 10.0 &&
	    (slow_closed < 0 || idle_closed < 0 || body_closed < 0)) {
		if (slow_closed < 0 &&
		    (send(slow, "x", 1, MSG_NOSIGNAL) != 1 || peer_closed(slow)))
			slow_closed = now - t0;
		if (body_closed < 0 &&
		    (send(body, "x", 1, MSG_NOSIGNAL) != 1 || peer_closed(body)))
			body_closed = now - t0;
		if (!sent_quick && now - t0 > 1.0) {
			ck_assert_int_eq(send(kept, quick, sizeof(quick) - 1, MSG_NOSIGNAL),
			    (ssize_t)sizeof(quick) - 1);
			sent_quick = 1;
		}
		if (sent_quick && answered < 0) {
			n = recv(kept, reply, sizeof(reply) - 1, MSG_DONTWAIT);
			if (n > 0) {
				reply[n] = '\0';
				ck_assert_msg(strncmp(reply, "HTTP/1.1 200", 12) == 0,
				    "a request sent in time got: %.40s", reply);
				answered = now - t0;
			}
		} else if (answered >= 0 && idle_closed < 0 && peer_closed(kept))
			idle_closed = now - t0;
		usleep(200000);
	}
	printf("request_timeout 2 s: a header byte every 0.2 s closed after %.1f s; "
	    "a kept-alive connection answered at %.1f s, closed at %.1f s\n",
	    slow_closed, answered, idle_closed);
	printf("request_timeout 2 s: a body byte every 0.2 s closed after %.1f s\n", body_closed);
	ck_assert_msg(slow_closed > 1.5 && slow_closed < 5.0,
	    "a client sending its headers a byte at a time was closed after %.1f s "
	    "(request_timeout 2 s; -1: still open after 10 s)", slow_closed);
	ck_assert_msg(body_closed > 1.5 && body_closed < 5.0,
	    "a client sending a body a byte at a time was closed after %.1f s "
	    "(request_timeout 2 s; -1: still open after 10 s)", body_closed);
	ck_assert_msg(answered > 0, "a request sent 1 s after connecting got no answer");
	ck_assert_msg(idle_closed - answered > 1.5 && idle_closed - answered < 5.0,
	    "a kept-alive connection idle after its response was closed %.1f s later",
	    idle_closed < 0 ? -1.0 : idle_closed - answered);
	/* Two began a request and did not finish it; the kept-alive one sent nothing. */
	ck_assert_msg(metrics_reach("sse_metricsd_requests_timed_out_total 2"),
	    "/metrics did not count the two requests cut by request_timeout");
	ck_assert_msg(metrics_reach("sse_metricsd_connections_idle_closed_total 1"),
	    "/metrics did not count the idle kept-alive connection closed");
	close(slow);
	close(kept);
	close(body);
}
END_TEST

/* Send a GET of path on fd and return the first bytes of the answer (3 s at most). */
static void
raw_get_on(int fd, const char *path, char *reply, size_t len)
{
	char req[256];
	double t0 = now_mono();
	ssize_t n = 0;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
	ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	while (n <= 0 && now_mono() - t0 < 3.0) {
		n = recv(fd, reply, len - 1, MSG_DONTWAIT);
		if (n <= 0)
			usleep(20000);
	}
	reply[n > 0 ? n : 0] = '\0';
}

/* GET /healthz until it is 200 or secs pass; the last status. */
static long
healthz_within(double secs)
{
	double t0 = now_mono();
	struct reply r;
	long status;

	for (;;) {
		http_do("GET", "/healthz", NULL, 3000, &r);
		status = r.status;
		reply_free(&r);
		if (status == 200 || now_mono() - t0 > secs)
			return status;
		usleep(50000);
	}
}

/* libmicrohttpd's own limits sit this many connections above the daemon's (http.h). */
#define ANSWERED_EXCESS 8
/* Connections for the other endpoints beyond max_clients (http.h). */
#define RESERVED_CONNECTIONS 32

/*
 * One address over max_clients_per_ip gets an answer, not a reset: 429 with
 * Retry-After, or for a browser's EventSource the stream that only says
 * when to retry. Its streams already open go on; a connection once one of
 * them has closed is served. ANSWERED_EXCESS connections further on,
 * libmicrohttpd's limit closes new ones at accept.
 */
START_TEST(max_clients_per_ip)
{
	struct dconf c = defaults;
	struct stream s[2];
	struct reply r;
	char v[64];
	CURLM *m = curl_multi_init();
	int idle[ANSWERED_EXCESS], cut;
	long st;

	c.max_clients_per_ip = 2;
	daemon_start(&c);
	open_two_streams(m, s);

	http_do("GET", "/healthz", NULL, 3000, &r);
	ck_assert_msg(r.result == CURLE_OK && r.status == 429,
	    "a third connection from 127.0.0.1 got %ld (%s), want 429", r.status,
	    curl_easy_strerror(r.result));
	ck_assert(header_get(&r.headers, "Retry-After", v, sizeof(v)));
	ck_assert(header_get(&r.headers, "Connection", v, sizeof(v)));
	ck_assert_str_eq(v, "close");
	ck_assert_msg(strstr(dbuf_str(&r.body), "max_clients_per_ip") != NULL, "429 body: %s",
	    dbuf_str(&r.body));
	reply_free(&r);
	http_do("GET", "/events", NULL, 3000, &r);
	ck_assert_int_eq(r.status, 429);
	reply_free(&r);
	http_do("GET", "/events", "Accept: text/event-stream", 3000, &r);
	ck_assert_msg(r.result == CURLE_OK && r.status == 200, "EventSource over the limit: %ld",
	    r.status);
	ck_assert_msg(strncmp(dbuf_str(&r.body), "retry: 5000\n\n", 13) == 0 &&
	    strstr(dbuf_str(&r.body), "max_clients_per_ip") != NULL && strstr(dbuf_str(&r.body),
	    "data:") == NULL, "EventSource over the limit got '%s'", dbuf_str(&r.body));
	reply_free(&r);

	/* Connections that send nothing: answered while within the excess... */
	for (int i = 0; i < ANSWERED_EXCESS; i++)
		idle[i] = connect_daemon(0);
	/* ...and one more is closed at once, with nothing sent. */
	cut = connect_daemon(0);
	ck_assert_msg(closed_within(cut, 3.0), "a connection past libmicrohttpd's per-address limit "
	    "stayed open");
	close(cut);
	{
		char reply[256];

		raw_get_on(idle[0], "/healthz", reply, sizeof(reply));
		ck_assert_msg(strncmp(reply, "HTTP/1.1 429", 12) == 0,
		    "an idle connection within the excess got: %.40s", reply);
	}
	for (int i = 0; i < ANSWERED_EXCESS; i++)
		close(idle[i]);

	/* The two streams went on; with one closed, a new connection is served. */
	pump(m, 0.5, NULL, NULL);
	ck_assert(!s[0].done && !s[1].done);
	stream_close(m, &s[0]);
	/* (Its close reaches the daemon a moment later.) */
	st = healthz_within(3.0);
	ck_assert_msg(st == 200, "with one stream of two closed, /healthz got %ld", st);
	ck_assert_msg(metrics_reach("sse_metricsd_streams_rejected_total 2"),
	    "the two streams refused over max_clients_per_ip were not counted");
	/* The 429s are counted as 429, not as "other". */
	for (int i = 0; i < 60; i++) {	/* until this address is under its limit again */
		http_do("GET", "/metrics", NULL, 3000, &r);
		if (r.status == 200)
			break;
		reply_free(&r);
		usleep(50000);
	}
	ck_assert_msg(strstr(dbuf_str(&r.body),
	    "sse_metricsd_http_requests_total{code=\"429\",endpoint=\"/healthz\"} ") != NULL &&
	    strstr(dbuf_str(&r.body), "code=\"other\",endpoint=\"/healthz\"") == NULL,
	    "/healthz's 429s are not counted as 429:\n%s", dbuf_str(&r.body));
	reply_free(&r);
	stream_close(m, &s[1]);
	curl_multi_cleanup(m);
}
END_TEST

/*
 * With max_clients streams and the 32 other connections open, one more is
 * answered 503 with Retry-After and closed, not reset; ANSWERED_EXCESS
 * further on, libmicrohttpd resets new ones at accept.
 */
START_TEST(connection_limit)
{
	struct dconf c = defaults;
	struct stream s[2];
	CURLM *m = curl_multi_init();
	int held[RESERVED_CONNECTIONS + ANSWERED_EXCESS], over, cut;
	char reply[512];
	long st;

	c.max_clients = 2;
	daemon_start(&c);
	open_two_streams(m, s);
	for (int i = 0; i < RESERVED_CONNECTIONS; i++)
		held[i] = connect_daemon(0);
	/* The 35th: an answer, and the connection closes. */
	over = connect_daemon(0);
	raw_get_on(over, "/healthz", reply, sizeof(reply));
	ck_assert_msg(strncmp(reply, "HTTP/1.1 503", 12) == 0 &&
	    strstr(reply, "Retry-After:") != NULL && strstr(reply, "too many connections") != NULL,
	    "a connection over max_clients + 32 got: %.200s", reply);
	ck_assert_msg(closed_within(over, 3.0), "the connection answered 503 stayed open");
	close(over);

	/* The ones held within the limit are served. */
	raw_get_on(held[0], "/healthz", reply, sizeof(reply));
	ck_assert_msg(strncmp(reply, "HTTP/1.1 200", 12) == 0, "a connection within the limit "
	    "got: %.80s", reply);

	/* Idle ones past it are still accepted up to the excess, then reset. */
	for (int i = RESERVED_CONNECTIONS; i < RESERVED_CONNECTIONS + ANSWERED_EXCESS; i++)
		held[i] = connect_daemon(0);
	cut = connect_daemon(0);
	ck_assert_msg(closed_within(cut, 3.0), "a connection past libmicrohttpd's limit stayed open");
	close(cut);
	for (int i = 0; i < RESERVED_CONNECTIONS + ANSWERED_EXCESS; i++)
		close(held[i]);

	/* Their closes reach the daemon a moment later; then all is served again. */
	st = healthz_within(3.0);
	ck_assert_msg(st == 200, "with the connections closed, /healthz got %ld", st);
	pump(m, 0.3, NULL, NULL);
	ck_assert(!s[0].done && !s[1].done);
	stream_close(m, &s[0]);
	stream_close(m, &s[1]);
	curl_multi_cleanup(m);
}
END_TEST

START_TEST(command_line)
{
	struct run r;
	char path[160], where[200];

	write_config(D.conf, &defaults);
	run_cli(&r, "-t", "-c", D.conf, NULL);
	ck_assert_msg(EXIT_CODE(&r) == 0, "-t on a good file: exit %d, stderr: %s", EXIT_CODE(&r),
	    dbuf_str(&r.err));
	ck_assert_msg(strstr(dbuf_str(&r.out), "configuration OK") != NULL, "-t printed '%s'",
	    dbuf_str(&r.out));
	run_free(&r);

	write_file(D.conf, "listen = 127.0.0.1:0\nintervall = 3\ninterval = 0.2\n");
	run_cli(&r, "-c", D.conf, "-t", NULL);
	snprintf(where, sizeof(where), "%s:2: ", D.conf);
	printf("-t on a bad file: exit %d, stderr: %s", EXIT_CODE(&r), dbuf_str(&r.err));
	ck_assert_msg(EXIT_CODE(&r) == 1, "-t on a bad file: exit %d", EXIT_CODE(&r));
	ck_assert_msg(strstr(dbuf_str(&r.err), where) != NULL, "-t on a bad file: stderr '%s'",
	    dbuf_str(&r.err));
	ck_assert_msg(strstr(dbuf_str(&r.out), "configuration OK") == NULL, "bad file called OK");
	run_free(&r);
	/* Under the journal the same line is an error ("<3>"), not info. */
	cli_journal = 1;
	run_cli(&r, "-c", D.conf, NULL);
	cli_journal = 0;
	snprintf(where, sizeof(where), "<3>%s:2: ", D.conf);
	ck_assert_msg(EXIT_CODE(&r) == 1, "a bad file under the journal: exit %d", EXIT_CODE(&r));
	ck_assert_msg(strstr(dbuf_str(&r.err), where) != NULL, "under the journal: stderr '%s'",
	    dbuf_str(&r.err));
	run_free(&r);
	/* So is a bad -l, which journalctl -p err must show too. */
	write_config(D.conf, &defaults);
	cli_journal = 1;
	run_cli(&r, "-t", "-c", D.conf, "-l", "localhost:80", NULL);
	cli_journal = 0;
	ck_assert_msg(EXIT_CODE(&r) == 1, "a bad -l under the journal: exit %d", EXIT_CODE(&r));
	ck_assert_msg(strncmp(dbuf_str(&r.err), "<3>-l localhost:80: ", 20) == 0,
	    "a bad -l under the journal: stderr '%s'", dbuf_str(&r.err));
	run_free(&r);

	write_file(D.conf, "listen = 127.0.0.1:0\ninterval = 0.2\nheartbeat = 10\ntimeout = 5\n");
	run_cli(&r, "-t", "-c", D.conf, NULL);
	ck_assert_msg(EXIT_CODE(&r) == 1, "timeout <= 2 * heartbeat accepted: exit %d",
	    EXIT_CODE(&r));
	ck_assert_msg(strstr(dbuf_str(&r.err), D.conf) != NULL, "stderr '%s'", dbuf_str(&r.err));
	run_free(&r);

	run_cli(&r, "-V", NULL);
	ck_assert_int_eq(EXIT_CODE(&r), 0);
	ck_assert_msg(strncmp(dbuf_str(&r.out), "sse-metricsd 0.1.0", 18) == 0, "-V printed '%s'",
	    dbuf_str(&r.out));
	run_free(&r);

	run_cli(&r, "-h", NULL);
	ck_assert_int_eq(EXIT_CODE(&r), 0);
	ck_assert_msg(strstr(dbuf_str(&r.out), "usage") != NULL, "-h printed '%s'",
	    dbuf_str(&r.out));
	run_free(&r);

	run_cli(&r, "-Z", NULL);
	ck_assert_msg(EXIT_CODE(&r) != 0, "an unknown option exited 0");
	ck_assert_msg(strstr(dbuf_str(&r.err), "usage") != NULL, "unknown option: stderr '%s'",
	    dbuf_str(&r.err));
	run_free(&r);

	snprintf(path, sizeof(path), "%s/missing.conf", run_dir);
	run_cli(&r, "-c", path, NULL);
	ck_assert_msg(EXIT_CODE(&r) != 0, "a missing config file exited 0");
	ck_assert_msg(strstr(dbuf_str(&r.err), path) != NULL, "missing file not named: '%s'",
	    dbuf_str(&r.err));
	run_free(&r);
	run_cli(&r, "-t", "-c", path, NULL);
	ck_assert_msg(EXIT_CODE(&r) != 0, "-t on a missing config file exited 0");
	run_free(&r);
}
END_TEST

static Suite *
daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc;

	tc = tcase_create("sseclient");
	tcase_add_loop_test(tc, parse_split_anywhere, 0,
	    (int)(sizeof(parse_cases) / sizeof(parse_cases[0])));
	tcase_add_test(tc, parse_data_lines_counted);
	suite_add_tcase(s, tc);

	tc = tcase_create("http");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, stream_headers_and_framing);
	tcase_add_test(tc, event_selection);
	tcase_add_test(tc, replay);
	tcase_add_test(tc, other_endpoints);
	tcase_add_test(tc, self_metrics);
	tcase_add_test(tc, fifo_in_webroot);
	tcase_add_test(tc, static_file_validators);
	tcase_add_test(tc, heartbeat);
	tcase_add_test(tc, stream_threads_pinned);
	tcase_add_test(tc, max_clients);
	tcase_add_test(tc, sigterm_with_streams);
	tcase_add_test(tc, sigterm_under_cpu_quota);
	tcase_add_test(tc, sighup_reload);
	tcase_add_test(tc, sighup_while_reading_config);
	tcase_add_test(tc, sighup_reload_under_journal);
	tcase_add_test(tc, command_line);
	tcase_add_test(tc, ipv6_any_takes_ipv4_too);
	tcase_add_test(tc, port_in_use);
	tcase_add_test(tc, browser_sized_requests);
	tcase_add_loop_test(tc, stalled_viewer, 0,
	    (int)(sizeof(stalled_requests) / sizeof(stalled_requests[0])));
	tcase_add_test(tc, departing_viewers_log_nothing);
	tcase_add_test(tc, stream_outlives_timeout);
	tcase_add_test(tc, unread_response_reset_at_request_timeout);
	tcase_add_test(tc, lagging_viewer_at_stop);
	tcase_add_test(tc, slow_request_headers);
	tcase_add_test(tc, max_clients_per_ip);
	tcase_add_test(tc, connection_limit);
	suite_add_tcase(s, tc);
	return s;
}


int
main(void)
{
	SRunner *sr;
	int failed;

	if (dproc_main_init("check_daemon") == -1)
		return 99;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 99;
	sr = srunner_create(daemon_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	dproc_remove_run_dir();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
