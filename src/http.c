#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "broadcast.h"
#include "deadline.h"
#include "log.h"
#include "monotime.h"
#include "peer.h"
#include "prom.h"
#include "render.h"
#include "snapshot.h"
#include "stats.h"
#include "strbuf.h"
#include "stream.h"
#include "xmem.h"

/* A full teardown where a sanitizer checks it; a parking stop elsewhere (http.h). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HTTP_PARKING_STOP 0
#else
#define HTTP_PARKING_STOP 1
#endif

static struct MHD_Daemon *daemon_handle;
static char webroot[PATH_MAX];

/* Per-request state, from the first handler call to the completion callback. */
struct request {
	struct timespec start;	/* CLOCK_MONOTONIC */
	enum snapshot_endpoint endpoint;
	int is_stream;		/* a stream's lifetime is not a request duration */
	int body_owed;		/* its body is still coming: request_timeout still runs */
};

static enum snapshot_endpoint
endpoint_of(const char *url)
{
	for (int i = 0; i < EP_PAGE; i++)
		if (strcmp(url, snapshot_endpoint_names[i]) == 0)
			return (enum snapshot_endpoint)i;
	return EP_PAGE;
}

/* Queue r as the answer and drop our reference to it (MHD keeps its own). */
static enum MHD_Result
queue(struct MHD_Connection *conn, unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ret;

	/* Every answer as its Content-Type says: the JSON holds host names. */
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, status, r);

	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	return queue(conn, status, r);
}

static enum MHD_Result
reply_owned(struct MHD_Connection *conn, char *body, size_t len, const char *type)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	return queue(conn, MHD_HTTP_OK, r);
}

/*
 * Parse a whole decimal uint64 (an SSE id), between optional spaces and tabs
 * (a header's value may carry them, RFC 9110 5.5). Returns 0 or -1.
 */
static int
parse_id(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const char *digits;

	s += strspn(s, " \t");
	for (digits = s; *s >= '0' && *s <= '9'; s++) {
		uint64_t d = (uint64_t)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (s == digits || s[strspn(s, " \t")] != '\0')
		return -1;
	*out = v;
	return 0;
}

/* "snapshot,html" -> mask; on an unknown name, a message in why. */
static int
parse_events(const char *list, unsigned *mask, char *why, size_t whylen)
{
	const char *p = list;

	*mask = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		int ev = render_event_lookup(p, len);

		if (ev < 0) {
			snprintf(why, whylen, "unknown event type '%.*s' in events=; known types:",
			    (int)(len > 64 ? 64 : len), p);
			for (int i = 0; i < RENDER_EV_COUNT; i++) {
				size_t n = strlen(why);

				snprintf(why + n, whylen - n, " %s", render_event_name(i));
			}
			strncat(why, "\n", whylen - strlen(why) - 1);
			return -1;
		}
		*mask |= 1u << ev;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

/*
 * A request the daemon will not serve now: a stream with max_clients streams
 * open (503), or any request on a connection opened over a connection limit
 * (503 over the total, 429 over max_clients_per_ip; close_after, as such a
 * connection must not stay). All say when to come back (Retry-After). A
 * browser's EventSource gives up for good on any status but 200, so a
 * stream request that accepts text/event-stream gets instead a 200 stream
 * that only sets retry: and ends: it comes back by itself.
 */
static enum MHD_Result
refuse(struct MHD_Connection *conn, unsigned status, const char *why, int stream, int close_after)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT);
	struct MHD_Response *r;
	char body[256];
	int n;

	if (stream && accept != NULL && strstr(accept, "text/event-stream") != NULL) {
		n = snprintf(body, sizeof(body), "retry: " STREAM_REFUSED_RETRY_MS "\n\n"
		    ": %s; the browser retries by itself\n\n", why);
		r = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
		if (r == NULL)
			return MHD_NO;
		stream_add_headers(r);
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
		return queue(conn, MHD_HTTP_OK, r);
	}
	n = snprintf(body, sizeof(body), "%s; try again later\n", why);
	r = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	if (close_after)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	return queue(conn, status, r);
}

static const char streams_full[] = "too many event streams open";
static const char address_full[] = "too many connections from this address (max_clients_per_ip)";
static const char daemon_full[] = "too many connections open (max_clients streams and those kept for the other endpoints)";

/* What the daemon keeps per connection: libmicrohttpd's socket context. */
struct conn_ctx {
	struct deadline_conn *deadline;	/* deadline.h; NULL on no memory */
	struct peer *peer;	/* peer.h; NULL if not counted */
	int over_address;	/* opened with max_clients_per_ip open from its address */
	int over_total;		/* opened with conns_limit open in all */
	int nul_escape;		/* the request being read has %00 in its target (unescape()) */
};

/* Connections open (counted from accept to close), and how many may be. */
static atomic_uint conns_open;
static unsigned conns_limit;	/* fixed from http_start() on */

static struct conn_ctx *
conn_ctx(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/*
 * A request libmicrohttpd parsed but that is malformed all the same: 400,
 * and the connection closes, as after any request a server cannot trust.
 */
static enum MHD_Result
reply_malformed(struct MHD_Connection *conn, const char *text)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	return queue(conn, MHD_HTTP_BAD_REQUEST, r);
}

static enum MHD_Result
count_host(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	(void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		(*(unsigned *)cls)++;
	return MHD_YES;
}

/*
 * What libmicrohttpd lets through but RFC 9112 or a C string does not: an
 * HTTP/1.1 request without exactly one Host (section 3.2: 400), and a %00
 * in the target, which unescape() saw (nul). NULL if it is sound.
 */
static const char *
malformed(struct MHD_Connection *conn, int nul, const char *version)
{
	unsigned hosts = 0;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_host, &hosts);
	if (hosts > 1 || (hosts == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0))
		return "an HTTP/1.1 request needs exactly one Host header\n";
	if (nul)
		return "the request target must not contain %00\n";
	return NULL;
}

/*
 * libmicrohttpd's decoding of the path and of every query name and value,
 * except one holding %00: decoded, it would end the C string there, and
 * "/metrics%00x" would be served as /metrics. It is left as it came, and
 * noted for malformed() to refuse (a decoded "%2500" is the text "%00",
 * which is sound). Without a context (no memory) it is left undecoded only,
 * and matches no route.
 */
static size_t
unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	struct conn_ctx *cc = conn_ctx(conn);

	(void)cls;
	if (strstr(s, "%00") != NULL) {
		if (cc != NULL)
			cc->nul_escape = 1;
		return strlen(s);
	}
	return MHD_http_unescape(s);
}

/* The connection's socket, or -1. */
static int
conn_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci != NULL ? ci->connect_fd : -1;
}

/* The body of HEAD /events: none (libmicrohttpd asks once, then closes). */
#define STREAM_HEAD_BLOCK 64
static ssize_t
no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_OF_STREAM;
}

/*
 * What a stream asks for, gathered over every query argument and header:
 * events= given more than once asks for every type it names (as
 * "events=a&events=b" means in most query-string conventions); an id given
 * more than once must be the same id each time.
 */
struct stream_args {
	unsigned mask;		/* 0 until an events= is seen */
	int bad_events;		/* why holds the 400's text */
	const char *id_key;	/* "Last-Event-ID" or "lastEventId" */
	int seen, have_id, bad_id, ids_differ;	/* seen: id_key came, perhaps empty */
	uint64_t id;		/* the first non-empty value of id_key, when have_id */
	char why[512];		/* "unknown event type ..." and every known type */
};

static enum MHD_Result
gather_events(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct stream_args *a = cls;
	unsigned mask;

	(void)kind;
	if (strcmp(key, "events") != 0 || value == NULL)
		return MHD_YES;
	if (parse_events(value, &mask, a->why, sizeof(a->why)) == -1) {
		a->bad_events = 1;
		return MHD_NO;
	}
	a->mask |= mask;
	return MHD_YES;
}

static enum MHD_Result
gather_id(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct stream_args *a = cls;
	int same = kind == MHD_HEADER_KIND ? strcasecmp(key, a->id_key) == 0 :
	    strcmp(key, a->id_key) == 0;
	uint64_t id;

	if (!same)
		return MHD_YES;
	a->seen = 1;
	if (value == NULL || *value == '\0')
		return MHD_YES;
	if (parse_id(value, &id) == -1) {
		a->bad_id = 1;
		return MHD_NO;
	}
	if (a->have_id && id != a->id) {
		a->ids_differ = 1;
		return MHD_NO;
	}
	a->id = id;
	a->have_id = 1;
	return MHD_YES;
}

/*
 * The Last-Event-ID headers, else the lastEventId= arguments, into a. A
 * header that came, even empty (no id yet), wins over the arguments.
 */
static void
find_last_id(struct MHD_Connection *conn, struct stream_args *a)
{
	a->id_key = "Last-Event-ID";
	MHD_get_connection_values(conn, MHD_HEADER_KIND, gather_id, a);
	if (!a->seen) {
		a->id_key = "lastEventId";
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, gather_id, a);
	}
}

static enum MHD_Result
serve_events(struct MHD_Connection *conn, struct request *req, int head, const char *version)
{
	struct stream_args a = { 0 };
	unsigned mask = RENDER_EV_DEFAULT;
	struct MHD_Response *r;

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, gather_events, &a);
	if (a.bad_events)
		return reply_text(conn, MHD_HTTP_BAD_REQUEST, a.why);
	if (a.mask != 0)
		mask = a.mask;

	find_last_id(conn, &a);
	if (a.bad_id)
		return reply_text(conn, MHD_HTTP_BAD_REQUEST,
		    "Last-Event-ID must be an event id sent by this server (a decimal number)\n");
	if (a.ids_differ) {
		snprintf(a.why, sizeof(a.why), "%s given twice, with different ids\n", a.id_key);
		return reply_text(conn, MHD_HTTP_BAD_REQUEST, a.why);
	}

	if (head) {
		/*
		 * The status and headers a GET would get, less the framing. Not
		 * chunked: for HEAD, libmicrohttpd 0.9.75 still sends the last
		 * chunk "0\r\n\r\n", a body HEAD must not have. Nor a buffer,
		 * whose "Content-Length: 0" would say a GET's body is empty (RFC
		 * 9110 8.6). Of unknown length and HTTP/1.0-framed, it has neither
		 * header; the connection closes after it.
		 */
		if (broadcast_full())
			return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, streams_full, 1, 0);
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_HEAD_BLOCK, no_body,
		    NULL, NULL);
		if (r == NULL)
			return MHD_NO;
		MHD_set_response_options(r, MHD_RF_HTTP_1_0_COMPATIBLE_STRICT, MHD_RO_END);
		stream_add_headers(r);
		return queue(conn, MHD_HTTP_OK, r);
	}

	if (stream_open(conn, conn_fd(conn), mask, a.have_id, a.id,
	    strcmp(version, MHD_HTTP_VERSION_1_0) == 0, &r) != STREAM_OK) {
		stats_stream_rejected();	/* a stream refused; a HEAD is not one */
		return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, streams_full, 1, 0);
	}
	req->is_stream = 1;
	return queue(conn, MHD_HTTP_OK, r);
}

static void
unref_tick(void *cls)
{
	render_tick_unref(cls);
}

static enum MHD_Result
serve_snapshot(struct MHD_Connection *conn)
{
	render_tick_t *t = broadcast_latest();
	struct MHD_Response *r;
	const char *json;
	size_t len;

	if (t == NULL)
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no snapshot collected yet\n");
	json = render_tick_json(t, &len);
	/* The tick's own bytes, no copy: the response holds the reference. */
	r = MHD_create_response_from_buffer_with_free_callback_cls(len, (void *)json,
	    unref_tick, t);	/* MHD only reads it */
	if (r == NULL) {
		render_tick_unref(t);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	return queue(conn, MHD_HTTP_OK, r);
}

static enum MHD_Result
serve_metrics(struct MHD_Connection *conn)
{
	struct snapshot *s = snapshot_acquire();
	struct strbuf sb = STRBUF_INIT;
	char *body;
	size_t len;

	if (s == NULL)
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no snapshot collected yet\n");
	prom_render(&sb, s);
	snapshot_release(s);
	body = strbuf_detach(&sb, &len);
	return reply_owned(conn, body, len, PROM_CONTENT_TYPE);
}

static const char *
content_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

static int mhd_log_allowed(void);

/*
 * Whether an If-None-Match list names etag (or is "*"): RFC 9110 13.1.2,
 * weak comparison, so a W/ prefix is ignored.
 */
static int
etag_listed(const char *list, const char *etag)
{
	size_t n = strlen(etag);

	for (;;) {
		const char *end;

		list += strspn(list, " \t,");
		if (*list == '\0')
			return 0;
		if (*list == '*')
			return 1;
		if (strncmp(list, "W/", 2) == 0)
			list += 2;
		if (*list != '"' || (end = strchr(list + 1, '"')) == NULL)
			return 0;	/* not an entity tag: no match */
		if ((size_t)(end + 1 - list) == n && strncmp(list, etag, n) == 0)
			return 1;
		list = end + 1;
	}
}

/* An HTTP-date in any of its three forms (RFC 9110 5.6.7); -1 if none. */
static time_t
http_date(const char *text)
{
	static const char *const forms[] = {
		"%a, %d %b %Y %H:%M:%S GMT",	/* IMF-fixdate */
		"%A, %d-%b-%y %H:%M:%S GMT",	/* RFC 850 */
		"%a %b %e %H:%M:%S %Y",		/* asctime */
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof(tm));
		end = strptime(text, forms[i], &tm);
		if (end != NULL && *end == '\0')
			return timegm(&tm);
	}
	return -1;
}

/*
 * A GET or HEAD of a file the client has (RFC 9110 13.1.2, 13.1.3):
 * If-None-Match decides when sent, else If-Modified-Since, whose whole
 * seconds say nothing of a file changed in this second or later (mtime of
 * -1: no date then).
 */
static int
not_modified(struct MHD_Connection *conn, const char *etag, time_t mtime)
{
	const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *ims;
	time_t since;

	if (inm != NULL)
		return etag_listed(inm, etag);
	ims = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	return mtime != -1 && ims != NULL && (since = http_date(ims)) != -1 && mtime <= since;
}

/* A page file: one path component of safe characters, a known type. */
static enum MHD_Result
serve_file(struct MHD_Connection *conn, const char *url)
{
	const char *name, *type;
	struct MHD_Response *r;
	char path[PATH_MAX + 256], etag[64], modified[40];
	struct stat st;
	struct tm tm;
	time_t mtime;
	unsigned status;
	int fd;

	if (url[0] != '/')	/* "GET ?x": an empty path */
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	name = strcmp(url, "/") == 0 ? "index.html" : url + 1;
	type = content_type(name);
	if (name[0] == '.' || name[strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] != '\0' || type == NULL)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	snprintf(path, sizeof(path), "%s/%s", webroot, name);
	/* O_NONBLOCK: a FIFO in the webroot must not block the thread. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		/*
		 * A name that cannot exist is the request's fault: no log line, or
		 * any client could fill the log. Others (EACCES, ELOOP, EMFILE) are
		 * the host's, logged at the rate libmicrohttpd's messages are.
		 */
		if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG &&
		    mhd_log_allowed())
			log_warn("%s", path);
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	}
	/*
	 * Validators, so that "no-cache" (ask before each use) costs a 304 and
	 * not the whole of htmx.js on every load of the page: the file's inode,
	 * size and modification time (to the nanosecond) make its tag.
	 */
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx\"", (unsigned long long)st.st_ino,
	    (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)st.st_mtim.tv_nsec);
	/*
	 * A date only once the file's second has passed: a file rewritten
	 * within the second its Last-Modified names would keep that date, and
	 * a client asking If-Modified-Since it would get a 304 for content it
	 * never had (a date in the future, clock skew, is no better). The tag
	 * still validates it.
	 */
	mtime = st.st_mtime < time(NULL) ? st.st_mtime : -1;
	if (mtime == -1 || gmtime_r(&mtime, &tm) == NULL ||
	    strftime(modified, sizeof(modified), "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		modified[0] = '\0';
	/*
	 * A 304 is made of the file too, so that libmicrohttpd's Content-Length
	 * is the one a 200 would have (RFC 9110 8.6), not 0; it sends no body
	 * with a 304, and never reads the file.
	 */
	status = not_modified(conn, etag, mtime) ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;
	r = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);	/* takes fd */
	if (r == NULL)
		close(fd);
	if (r == NULL)
		return MHD_NO;
	if (status == MHD_HTTP_OK)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (modified[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, modified);
	return queue(conn, status, r);
}

/* The connection's entry in the request deadline list, or NULL. */
static struct deadline_conn *
conn_deadline(struct MHD_Connection *conn)
{
	struct conn_ctx *cc = conn_ctx(conn);

	return cc != NULL ? cc->deadline : NULL;
}

/* In the listening thread as a connection is accepted; CLOSED once it has ended. */
static void
notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct conn_ctx *cc;
	const union MHD_ConnectionInfo *ci;
	int fd;

	(void)cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		if ((cc = calloc(1, sizeof(*cc))) == NULL)
			return;	/* no deadline, not counted */
		if ((fd = conn_fd(conn)) != -1)
			cc->deadline = deadline_open(fd);
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		cc->peer = peer_open(ci != NULL ? ci->client_addr : NULL, &cc->over_address);
		cc->over_total = atomic_fetch_add(&conns_open, 1) >= conns_limit;
		*socket_context = cc;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && (cc = *socket_context) != NULL) {
		atomic_fetch_sub(&conns_open, 1);
		deadline_close(cc->deadline);
		peer_close(cc->peer);
		free(cc);
		*socket_context = NULL;
	}
}

/*
 * The path of a request target. A server must accept the absolute form
 * (GET http://host/path, RFC 9112 section 3.2.2), which libmicrohttpd hands
 * over as it came: its scheme and authority are dropped.
 */
static const char *
target_path(const char *url)
{
	const char *p;

	if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return url;
	p = strchr(p, '/');
	return p != NULL ? p : "/";
}

/* Whether a body follows the headers (RFC 9112 6.3: a length that is not 0, or a coding). */
static int
announces_body(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
		return 1;
	return cl != NULL && strspn(cl, "0 \t") != strlen(cl);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	struct request *req = *req_cls;
	const char *bad;
	struct conn_ctx *cc;
	int head, events, nul = 0;

	(void)cls;
	(void)upload_data;
	url = target_path(url);
	head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	events = strcmp(url, "/events") == 0;
	if (req == NULL) {
		/*
		 * First call: headers only. Start the clock; answer on the next
		 * call. A request with a body owes it within request_timeout too,
		 * or a byte every few seconds would hold the connection.
		 */
		req = xcalloc(1, sizeof(*req));
		req->body_owed = announces_body(conn);
		if (!req->body_owed)
			deadline_met(conn_deadline(conn));
		clock_gettime(CLOCK_MONOTONIC, &req->start);
		req->endpoint = endpoint_of(url);
		*req_cls = req;
		/* unescape() notes a %00 per request: take this one's. */
		if ((cc = conn_ctx(conn)) != NULL) {
			nul = cc->nul_escape;
			cc->nul_escape = 0;
		}
		/* Refuse other methods now, before reading a body we do not want. */
		if (!head && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
			return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
		if ((bad = malformed(conn, nul, version)) != NULL)
			return reply_malformed(conn, bad);
		if (cc != NULL && (cc->over_total || cc->over_address) && events && !head)
			stats_stream_rejected();
		if (cc != NULL && cc->over_total)
			return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, daemon_full, events, 1);
		if (cc != NULL && cc->over_address)
			return refuse(conn, MHD_HTTP_TOO_MANY_REQUESTS, address_full, events, 1);
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;	/* a body we do not read */
		return MHD_YES;
	}
	if (req->body_owed) {
		deadline_met(conn_deadline(conn));
		req->body_owed = 0;
	}

	if (events)
		return serve_events(conn, req, head, version);
	if (strcmp(url, "/api/snapshot") == 0)
		return serve_snapshot(conn);
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(conn);
	if (strcmp(url, "/healthz") == 0)
		return reply_text(conn, MHD_HTTP_OK, "ok\n");
	return serve_file(conn, url);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *req = *req_cls;
	const union MHD_ConnectionInfo *ci;
	struct timespec now;
	unsigned status = 0;	/* none queued: the client left first */

	(void)cls;
	/* libmicrohttpd calls this before it shuts the socket down and closes it. */
	if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
		deadline_reset_if_unsent(conn_fd(conn));
	if (req == NULL)
		return;
	if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED && req->is_stream)
		stats_stream_timed_out();
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
	if (ci != NULL)
		status = ci->http_status;
	/* Kept alive, it owes the next request from now; a stream's connection closes. */
	if (!req->is_stream)
		deadline_rearm(conn_deadline(conn));
	clock_gettime(CLOCK_MONOTONIC, &now);
	stats_request_done(req->endpoint, status, req->is_stream,
	    (uint64_t)(now.tv_sec - req->start.tv_sec) * 1000000000u +
	    (uint64_t)(now.tv_nsec - req->start.tv_nsec));
	free(req);
	*req_cls = NULL;
}

/*
 * libmicrohttpd's messages, at most MHD_LOG_BURST per MHD_LOG_WINDOW seconds:
 * a client hammering the connection limit must not flood the journal.
 */
#define MHD_LOG_BURST 10
#define MHD_LOG_WINDOW 10
static pthread_mutex_t mhd_log_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t mhd_log_window_start;	/* guarded by mhd_log_lock */
static unsigned mhd_log_count, mhd_log_suppressed;

static int
mhd_log_allowed(void)
{
	struct timespec now;
	unsigned suppressed = 0;
	int ok;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&mhd_log_lock);
	if (now.tv_sec - mhd_log_window_start >= MHD_LOG_WINDOW) {
		suppressed = mhd_log_suppressed;
		mhd_log_window_start = now.tv_sec;
		mhd_log_count = mhd_log_suppressed = 0;
	}
	ok = mhd_log_count++ < MHD_LOG_BURST;
	if (!ok)
		mhd_log_suppressed++;
	pthread_mutex_unlock(&mhd_log_lock);
	if (suppressed)
		log_warnx("libmicrohttpd: %u more messages suppressed", suppressed);
	return ok;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	if (stream_closed_on_purpose() || !mhd_log_allowed())
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warnx("libmicrohttpd: %s", msg);
}

/* The address a listening socket is bound to, for the log line. */
static int
socket_address(int fd, struct config_listen *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *addr;

	memset(out, 0, sizeof(*out));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	out->family = ss.ss_family;
	if (ss.ss_family == AF_INET6) {
		addr = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		out->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else if (ss.ss_family == AF_INET) {
		addr = &((struct sockaddr_in *)&ss)->sin_addr;
		out->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (inet_ntop(out->family, addr, out->host, sizeof(out->host)) == NULL)
		return -1;
	return 0;
}

int
http_start(const struct config *c, int listen_fd, struct config_listen *bound)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	struct sockaddr_storage ss;
	/*
	 * Where to listen: our own socket on c->listen, or the one passed in.
	 * Without MHD_OPTION_LISTENING_ADDRESS_REUSE: its 1 is SO_REUSEPORT, with
	 * which a second daemon on the same port would start and take half the
	 * viewers; libmicrohttpd's default, SO_REUSEADDR, still lets a restart
	 * bind at once past the old connections in TIME_WAIT.
	 */
	struct MHD_OptionItem where[] = {
		{ MHD_OPTION_SOCK_ADDR, 0, &ss },
		{ MHD_OPTION_END, 0, NULL },
	};
	const union MHD_DaemonInfo *info;
	int fl;

	memset(&ss, 0, sizeof(ss));
	if (listen_fd != -1) {
		if (socket_address(listen_fd, bound) == -1) {
			log_fatal("the listening socket passed in: %s", strerror(errno));
			return -1;
		}
		/* Non-blocking like MHD's own: an accept() after poll() must not block. */
		if ((fl = fcntl(listen_fd, F_GETFL)) == -1 ||
		    fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) == -1)
			log_warn("the listening socket passed in: O_NONBLOCK");
		where[0] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL };
	} else if (c->listen.family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)c->listen.port);
		if (inet_pton(AF_INET6, c->listen.host, &sin6->sin6_addr) != 1)
			goto bad_address;
		/* [::] is every address, IPv4 ones too (IPV6_V6ONLY off). */
		flags |= MHD_USE_DUAL_STACK;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)c->listen.port);
		if (inet_pton(AF_INET, c->listen.host, &sin->sin_addr) != 1)
			goto bad_address;
	}
	snprintf(webroot, sizeof(webroot), "%s", c->webroot);

	peer_init(c->max_clients_per_ip);
	conns_limit = c->max_clients + HTTP_RESERVED_CONNECTIONS;
	if (deadline_start(c->request_timeout) == -1)
		return -1;
	daemon_handle = MHD_start_daemon(flags, (uint16_t)c->listen.port, NULL, NULL,
	    handle, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,	/* first, so it sees every message */
	    MHD_OPTION_ARRAY, where,
	    MHD_OPTION_CONNECTION_LIMIT, conns_limit + HTTP_ANSWERED_EXCESS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)(c->max_clients_per_ip == 0 ? 0 :
	    c->max_clients_per_ip + HTTP_ANSWERED_EXCESS),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->timeout,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)c->thread_stack,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c->connection_memory,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, notify_connection, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_END);
	if (daemon_handle == NULL)
		deadline_stop();
	if (daemon_handle == NULL && listen_fd != -1) {
		log_fatal("cannot serve on the listening socket passed in");
		return -1;
	}
	if (daemon_handle == NULL) {
		log_fatal("cannot listen on %s port %u (is the address in use, or not on this host?)",
		    c->listen.host, c->listen.port);
		return -1;
	}
	if (listen_fd != -1)
		return 0;
	*bound = c->listen;
	info = MHD_get_daemon_info(daemon_handle, MHD_DAEMON_INFO_BIND_PORT);
	if (info != NULL && info->port != 0)
		bound->port = info->port;
	return 0;

bad_address:
	log_fatal("listen: '%s' is not a numeric address", c->listen.host);
	return -1;
}

/* CPU time used by every thread of the process but this one, in ns. */
static int64_t
others_cpu_ns(void)
{
	struct timespec all, self;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &all);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &self);
	return (int64_t)(all.tv_sec - self.tv_sec) * 1000000000 + (all.tv_nsec - self.tv_nsec);
}

int
http_stop(void)
{
	const struct timespec pause = { 0, 2 * 1000 * 1000 };
	int64_t start, window, cpu, used;
	unsigned left, n;
	MHD_socket fd;

	if (daemon_handle == NULL)
		return 0;
	fd = MHD_quiesce_daemon(daemon_handle);
	deadline_stop();
	stream_stop(HTTP_PARKING_STOP);
	broadcast_stop();
	/*
	 * Let every stream write its closing chunk: a stream is counted out in
	 * its free callback, after libmicrohttpd has sent the end of the response.
	 * MHD_stop_daemon() would shut the sockets down under them. Bounded, so
	 * a stuck peer cannot hold the exit up (http.h).
	 */
	start = window = monotime_ns();
	left = stream_count();
	cpu = others_cpu_ns();
	while ((n = stream_count()) > 0) {
		if (monotime_ns() - start > (int64_t)HTTP_STOP_MAX_MS * 1000000) {
			log_warnx("%u streams still open after %d ms; closing them", n,
			    HTTP_STOP_MAX_MS);
			break;
		}
		if (monotime_ns() - window > (int64_t)HTTP_STOP_STALL_MS * 1000000) {
			used = others_cpu_ns() - cpu;
			if (n == left && used < HTTP_STOP_BUSY_NS) {
				log_warnx("%u streams still open, their peers taking nothing; "
				    "closing them", n);
				break;
			}
			left = n;
			cpu += used;
			window = monotime_ns();
		}
		nanosleep(&pause, NULL);
	}
	if (HTTP_PARKING_STOP)
		return 1;
	MHD_stop_daemon(daemon_handle);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	daemon_handle = NULL;
	return 0;
}
