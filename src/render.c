#include "render.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "log.h"
#include "snapjson.h"
#include "sse.h"
#include "xmem.h"

struct render_tick {
	atomic_uint refs;
	uint64_t seq;
	struct snapshot *snap;	/* one reference */
	char *json;
	size_t json_len;
	char *frame[RENDER_EV_COUNT];
	size_t frame_len[RENDER_EV_COUNT];
};

static const char *const event_names[RENDER_EV_COUNT] = {
	[RENDER_EV_SNAPSHOT] = "snapshot",
	[RENDER_EV_HTML] = "html",
};

const char *
render_event_name(enum render_event ev)
{
	return event_names[ev];
}

int
render_event_lookup(const char *name, size_t len)
{
	for (int i = 0; i < RENDER_EV_COUNT; i++)
		if (strlen(event_names[i]) == len && memcmp(event_names[i], name, len) == 0)
			return i;
	return -1;
}

render_tick_t *
render_tick_create(struct snapshot *s)
{
	render_tick_t *t = xcalloc(1, sizeof(*t));
	struct strbuf body = STRBUF_INIT, frame = STRBUF_INIT;

	atomic_init(&t->refs, 1);
	t->seq = s->seq;
	t->snap = snapshot_ref(s);
	t->json = snapjson_render(s, &t->json_len);

	sse_frame(&frame, event_names[RENDER_EV_SNAPSHOT], t->seq, t->json, t->json_len);
	t->frame[RENDER_EV_SNAPSHOT] = strbuf_detach(&frame, &t->frame_len[RENDER_EV_SNAPSHOT]);

	html_render(&body, s);
	sse_frame(&frame, event_names[RENDER_EV_HTML], t->seq, body.data, body.len);
	t->frame[RENDER_EV_HTML] = strbuf_detach(&frame, &t->frame_len[RENDER_EV_HTML]);
	strbuf_free(&body);
	return t;
}

render_tick_t *
render_tick_ref(render_tick_t *t)
{
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
	return t;
}

void
render_tick_unref(render_tick_t *t)
{
	if (t == NULL)
		return;
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (int i = 0; i < RENDER_EV_COUNT; i++)
		free(t->frame[i]);
	free(t->json);
	snapshot_release(t->snap);
	free(t);
}

uint64_t
render_tick_seq(const render_tick_t *t)
{
	return t->seq;
}

const struct snapshot *
render_tick_snapshot(const render_tick_t *t)
{
	return t->snap;
}

const char *
render_tick_json(const render_tick_t *t, size_t *len)
{
	*len = t->json_len;
	return t->json;
}

const char *
render_tick_frame(const render_tick_t *t, enum render_event ev, size_t *len)
{
	*len = t->frame_len[ev];
	return t->frame[ev];
}

void
render_reset_frame(struct strbuf *sb)
{
	static const char data[] =
	    "{\"reason\":\"Last-Event-ID is no longer in the history\"}";

	sse_frame(sb, "reset", SSE_NO_ID, data, sizeof(data) - 1);
}
