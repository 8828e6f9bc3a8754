/*
 * sseclient: the client side of Server-Sent Events, for tests. It parses an
 * event stream body the way a browser's EventSource does (WHATWG HTML,
 * "Interpreting an event stream"), fed with raw bytes split anywhere.
 *
 * Differences from a browser, on purpose: bytes are not UTF-8 decoded (an
 * invalid sequence is kept as is, not replaced by U+FFFD), and nothing
 * reconnects; the caller owns the HTTP side. One parser per stream, used by
 * one thread.
 */
#ifndef SSE_SSECLIENT_H
#define SSE_SSECLIENT_H

#include <stddef.h>

typedef struct sseclient sseclient_t;

/* One dispatched event; the parser owns the strings. */
struct sse_event {
	const char *type;	/* the event: field, or "message" when there was none */
	const char *data;	/* data lines joined by '\n', without the last '\n'; NUL-terminated */
	size_t data_len;	/* bytes of data (data may hold NUL bytes) */
	const char *id;		/* the last event ID string when dispatched ("" if none yet) */
	int has_id;		/* 1 when this event's own lines carried a valid id: field */
	unsigned data_lines;	/* how many data: lines made up data */
};

typedef void sseclient_cb(const struct sse_event *ev, void *arg);

/* A parser at the start of a stream, with no events. Never NULL. */
sseclient_t *sseclient_create(void);

/* Free the parser and every event it kept. NULL is allowed. */
void sseclient_free(sseclient_t *p);

/*
 * Call cb(ev, arg) at each dispatch, after the event is queued (ev stays
 * valid until sseclient_free). NULL cb turns it off.
 */
void sseclient_on_event(sseclient_t *p, sseclient_cb *cb, void *arg);

/*
 * Parse len more bytes of the body. Complete lines are interpreted at once;
 * a partial line waits for the next call. An event still open at the end of
 * the stream is never dispatched, as the standard says.
 */
void sseclient_feed(sseclient_t *p, const void *buf, size_t len);

/* Number of events dispatched so far. */
size_t sseclient_count(const sseclient_t *p);

/* The i-th dispatched event (0 = first), or NULL when i >= the count. */
const struct sse_event *sseclient_event(const sseclient_t *p, size_t i);

/* Comment lines (starting with ':') seen so far. */
unsigned sseclient_comments(const sseclient_t *p);

/* The last valid retry: value in milliseconds, or -1 when none came. */
long long sseclient_retry(const sseclient_t *p);

/* The last event ID string (what a reconnect would send); "" if none. */
const char *sseclient_last_id(const sseclient_t *p);

#endif
