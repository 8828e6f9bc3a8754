#include "render.h"

#include <pthread.h>
#include <stdalign.h>
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
	uint64_t seq;
	struct snapshot *snap;	/* one reference */
	char *json;
	size_t json_len;
	/*
	 * The snapshot frame is set at creation; the views' frames (html,
	 * cards, charts) either then too, or once by render_tick_views(),
	 * under views_lock, before views_done is set (release).
	 */
	atomic_bool views_done;
	char *frame[RENDER_EV_COUNT];
	size_t frame_len[RENDER_EV_COUNT];
	/*
	 * Every stream writes this once per tick, from both CPUs; the fields
	 * above they only read. On a cache line of its own, the writes do not
	 * take the line the readers need from the other CPU.
	 */
	alignas(64) atomic_uint refs;
};

_Static_assert(RENDER_EV_CHART - RENDER_EV_CARD == HTML_CARDS, "one event per card");
_Static_assert(RENDER_EV_COUNT - RENDER_EV_CHART == HTML_CHARTS, "one event per chart");
_Static_assert(RENDER_EV_COUNT <= 32, "event masks are unsigned");

/* The charts' history; see DESIGN in render.h. */
static pthread_mutex_t history_lock = PTHREAD_MUTEX_INITIALIZER;
static html_history_t *history;

const char *
render_event_name(enum render_event ev)
{
	if (ev == RENDER_EV_SNAPSHOT)
		return "snapshot";
	if (ev == RENDER_EV_HTML)
		return "html";
	if (ev < RENDER_EV_CHART)
		return html_card_name((enum html_card)(ev - RENDER_EV_CARD));
	return html_chart_name((enum html_chart)(ev - RENDER_EV_CHART));
}

int
render_event_lookup(const char *name, size_t len)
{
	for (int i = 0; i < RENDER_EV_COUNT; i++) {
		const char *n = render_event_name((enum render_event)i);

		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return i;
	}
	return -1;
}

void
render_configure(unsigned chart_window)
{
	html_history_t *h = html_history_new(chart_window), *old;

	pthread_mutex_lock(&history_lock);
	old = history;
	history = h;
	pthread_mutex_unlock(&history_lock);
	html_history_free(old);
}

/* Frame data as event ev of t, without the trailing newlines of the fragments. */
static void
set_frame(render_tick_t *t, enum render_event ev, const struct strbuf *data)
{
	struct strbuf frame = STRBUF_INIT;
	size_t len = data->len;

	while (len > 0 && data->data[len - 1] == '\n')
		len--;
	strbuf_reserve(&frame, len + len / 8 + 64);
	sse_frame(&frame, render_event_name(ev), t->seq, data->data != NULL ? data->data : "", len);
	t->frame[ev] = strbuf_detach(&frame, &t->frame_len[ev]);
}

/* Render the views of t (cards, charts, html) from its snapshot. */
static void
render_views(render_tick_t *t)
{
	const struct snapshot *s = t->snap;
	struct strbuf cards[HTML_CARDS], charts[HTML_CHARTS], body = STRBUF_INIT;

	/* Each card and chart once; the html event and the named events share them. */
	for (int c = 0; c < HTML_CARDS; c++) {
		cards[c] = (struct strbuf)STRBUF_INIT;
		html_card(&cards[c], (enum html_card)c, s);
		set_frame(t, (enum render_event)(RENDER_EV_CARD + c), &cards[c]);
	}
	pthread_mutex_lock(&history_lock);
	for (int c = 0; c < HTML_CHARTS; c++) {
		charts[c] = (struct strbuf)STRBUF_INIT;
		html_chart(&charts[c], (enum html_chart)c, history);
		set_frame(t, (enum render_event)(RENDER_EV_CHART + c), &charts[c]);
	}
	pthread_mutex_unlock(&history_lock);

	html_render(&body, s, NULL, cards, charts);
	set_frame(t, RENDER_EV_HTML, &body);
	strbuf_free(&body);
	for (int c = 0; c < HTML_CARDS; c++)
		strbuf_free(&cards[c]);
	for (int c = 0; c < HTML_CHARTS; c++)
		strbuf_free(&charts[c]);
}

render_tick_t *
render_tick_create_json(struct snapshot *s)
{
	render_tick_t *t = xaligned_calloc(64, 1, sizeof(*t));
	struct strbuf json = STRBUF_INIT;

	atomic_init(&t->refs, 1);
	atomic_init(&t->views_done, 0);
	t->seq = s->seq;
	t->snap = snapshot_ref(s);
	t->json = snapjson_render(s, &t->json_len);
	json.data = t->json;
	json.len = t->json_len;
	set_frame(t, RENDER_EV_SNAPSHOT, &json);

	/* Every tick joins the charts' window, drawn now or not. */
	pthread_mutex_lock(&history_lock);
	if (history == NULL)
		history = html_history_new(HTML_CHART_WINDOW_DEFAULT);
	html_history_push(history, s);
	pthread_mutex_unlock(&history_lock);
	return t;
}

render_tick_t *
render_tick_create(struct snapshot *s)
{
	render_tick_t *t = render_tick_create_json(s);

	render_views(t);
	atomic_store_explicit(&t->views_done, 1, memory_order_release);
	return t;
}

void
render_tick_views(render_tick_t *t)
{
	static pthread_mutex_t views_lock = PTHREAD_MUTEX_INITIALIZER;

	if (t->snap == NULL || atomic_load_explicit(&t->views_done, memory_order_acquire))
		return;		/* slim, or drawn already */
	pthread_mutex_lock(&views_lock);
	if (!atomic_load_explicit(&t->views_done, memory_order_relaxed)) {
		render_views(t);
		atomic_store_explicit(&t->views_done, 1, memory_order_release);
	}
	pthread_mutex_unlock(&views_lock);
}

render_tick_t *
render_tick_slim(const render_tick_t *t)
{
	render_tick_t *s = xaligned_calloc(64, 1, sizeof(*s));
	size_t len = t->frame_len[RENDER_EV_SNAPSHOT];

	atomic_init(&s->refs, 1);
	s->seq = t->seq;
	s->frame[RENDER_EV_SNAPSHOT] = xmalloc(len);
	memcpy(s->frame[RENDER_EV_SNAPSHOT], t->frame[RENDER_EV_SNAPSHOT], len);
	s->frame_len[RENDER_EV_SNAPSHOT] = len;
	return s;
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
