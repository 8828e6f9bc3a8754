/*
 * sseclient: an event stream parser that follows the WHATWG HTML standard,
 * section "Interpreting an event stream", byte for byte:
 *
 *  - one leading UTF-8 BOM is dropped;
 *  - a line ends at CRLF, LF or CR (a CR at the end of one feed and the LF
 *    that starts the next are one line end);
 *  - an empty line dispatches; a line starting with ':' is a comment;
 *  - "field: value" loses one space after the colon; a line without a
 *    colon is a field with an empty value;
 *  - data appends value + LF; event sets the type; id sets the last event
 *    ID unless the value holds a NUL; retry takes ASCII digits only;
 *  - at dispatch the last event ID is kept even when the data buffer is
 *    empty, in which case nothing is dispatched; otherwise the final LF of
 *    the data goes and the event is queued.
 */
#include "sseclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, cap;
};

struct sseclient {
	struct buf line;	/* the line being read */
	struct buf data;	/* data buffer */
	struct buf type;	/* event type buffer */
	struct buf id_buf;	/* last event ID buffer */
	char *last_id;		/* last event ID string */
	int has_id;		/* an id: line came since the last dispatch */
	unsigned data_lines;
	int after_cr;		/* the previous byte was a CR line end */
	int bom_done;		/* past the place a BOM may be */
	size_t bom_len;		/* BOM bytes matched and held so far */
	unsigned comments;
	long long retry;
	struct sse_event *events;
	size_t nevents, capevents;
	sseclient_cb *cb;
	void *cb_arg;
};

static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL) {
		perror("sseclient");
		abort();
	}
	return p;
}

static char *
xmemdup(const char *s, size_t len)
{
	char *d = xrealloc(NULL, len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

/* Append len bytes and keep the buffer NUL-terminated. */
static void
buf_add(struct buf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void
buf_set(struct buf *b, const char *s, size_t len)
{
	b->len = 0;
	buf_add(b, s, len);
}

static int
field_is(const char *f, size_t len, const char *name)
{
	return len == strlen(name) && memcmp(f, name, len) == 0;
}

static void
dispatch(sseclient_t *p)
{
	struct sse_event *ev;

	free(p->last_id);
	p->last_id = xmemdup(p->id_buf.len ? p->id_buf.p : "", p->id_buf.len);
	if (p->data.len == 0) {
		p->type.len = 0;
		p->has_id = 0;
		p->data_lines = 0;
		return;
	}
	p->data.len--;		/* the LF after the last data line */
	if (p->nevents == p->capevents) {
		p->capevents = p->capevents ? p->capevents * 2 : 16;
		p->events = xrealloc(p->events, p->capevents * sizeof(*p->events));
	}
	ev = &p->events[p->nevents++];
	ev->type = p->type.len ? xmemdup(p->type.p, p->type.len) : xmemdup("message", 7);
	ev->data = xmemdup(p->data.p, p->data.len);
	ev->data_len = p->data.len;
	ev->id = xmemdup(p->last_id, strlen(p->last_id));
	ev->has_id = p->has_id;
	ev->data_lines = p->data_lines;
	p->data.len = 0;
	p->type.len = 0;
	p->has_id = 0;
	p->data_lines = 0;
	if (p->cb != NULL)
		p->cb(ev, p->cb_arg);
}

static void
process_line(sseclient_t *p, const char *line, size_t len)
{
	const char *colon, *value;
	size_t flen, vlen;

	if (len == 0) {
		dispatch(p);
		return;
	}
	if (line[0] == ':') {
		p->comments++;
		return;
	}
	if ((colon = memchr(line, ':', len)) != NULL) {
		flen = (size_t)(colon - line);
		value = colon + 1;
		vlen = len - flen - 1;
		if (vlen > 0 && value[0] == ' ') {
			value++;
			vlen--;
		}
	} else {
		flen = len;
		value = "";
		vlen = 0;
	}

	if (field_is(line, flen, "event"))
		buf_set(&p->type, value, vlen);
	else if (field_is(line, flen, "data")) {
		buf_add(&p->data, value, vlen);
		buf_add(&p->data, "\n", 1);
		p->data_lines++;
	} else if (field_is(line, flen, "id")) {
		if (memchr(value, '\0', vlen) == NULL) {
			buf_set(&p->id_buf, value, vlen);
			p->has_id = 1;
		}
	} else if (field_is(line, flen, "retry")) {
		long long ms = 0;
		size_t i;

		for (i = 0; i < vlen; i++) {
			if (value[i] < '0' || value[i] > '9')
				break;
			if (ms < 1000000000000000LL)	/* saturate, never overflow */
				ms = ms * 10 + (value[i] - '0');
		}
		if (vlen > 0 && i == vlen)
			p->retry = ms;
	}
	/* Any other field is ignored. */
}

static void
feed_byte(sseclient_t *p, char c)
{
	if (p->after_cr) {
		p->after_cr = 0;
		if (c == '\n')
			return;
	}
	if (c == '\r' || c == '\n') {
		process_line(p, p->line.p != NULL ? p->line.p : "", p->line.len);
		p->line.len = 0;
		p->after_cr = c == '\r';
		return;
	}
	buf_add(&p->line, &c, 1);
}

sseclient_t *
sseclient_create(void)
{
	sseclient_t *p = xrealloc(NULL, sizeof(*p));

	memset(p, 0, sizeof(*p));
	p->retry = -1;
	p->last_id = xmemdup("", 0);
	return p;
}

void
sseclient_free(sseclient_t *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nevents; i++) {
		free((char *)p->events[i].type);
		free((char *)p->events[i].data);
		free((char *)p->events[i].id);
	}
	free(p->events);
	free(p->line.p);
	free(p->data.p);
	free(p->type.p);
	free(p->id_buf.p);
	free(p->last_id);
	free(p);
}

void
sseclient_on_event(sseclient_t *p, sseclient_cb *cb, void *arg)
{
	p->cb = cb;
	p->cb_arg = arg;
}

void
sseclient_feed(sseclient_t *p, const void *buf, size_t len)
{
	const unsigned char *s = buf;
	size_t i = 0;

	while (!p->bom_done && i < len) {
		if (s[i] == bom[p->bom_len]) {
			i++;
			if (++p->bom_len == sizeof(bom))
				p->bom_done = 1;
			continue;
		}
		/* Not a BOM after all: the held bytes are content. */
		p->bom_done = 1;
		for (size_t j = 0; j < p->bom_len; j++)
			feed_byte(p, (char)bom[j]);
	}
	for (; i < len; i++)
		feed_byte(p, (char)s[i]);
}

size_t
sseclient_count(const sseclient_t *p)
{
	return p->nevents;
}

const struct sse_event *
sseclient_event(const sseclient_t *p, size_t i)
{
	return i < p->nevents ? &p->events[i] : NULL;
}

unsigned
sseclient_comments(const sseclient_t *p)
{
	return p->comments;
}

long long
sseclient_retry(const sseclient_t *p)
{
	return p->retry;
}

const char *
sseclient_last_id(const sseclient_t *p)
{
	return p->last_id;
}
