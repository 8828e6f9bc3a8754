/*
 * render: a snapshot turned, once per tick, into the bytes every viewer gets.
 *
 * DESIGN
 * The collector thread calls render_tick_create() once per tick. The tick it
 * returns is immutable: the snapshot's JSON (for /api/snapshot) and one
 * pre-framed SSE event per event type, all sharing the snapshot's seq as id.
 * Ticks are reference counted (atomic); the history and every stream's ring
 * hold references, and any thread may read a tick it holds a reference to
 * without a lock. Nothing here is rendered per viewer. A tick made while no
 * stream wanted the views (none open, or "snapshot" ones only) has its
 * views (HTML, SVG) drawn later, once, by the first stream that wants them
 * (render_tick_views(): a lock, then a release flag that every reader of
 * those frames acquires).
 *
 * The charts draw the last chart_window ticks. Their numbers live in one
 * html_history_t owned by this module, written by render_tick_create() and
 * render_tick_create_json() (in the daemon: the collector thread, once per
 * tick), read by whichever thread draws a tick's views (the collector, or
 * the first stream that wants the views of a tick made while nobody
 * wanted them) and replaced by render_configure() (main, before the collector
 * starts). history_lock guards it; in the daemon it is contended at most
 * when the first viewer of the views arrives. A tick's "html" event carries
 * full charts, so a new viewer's first event already shows the whole window.
 */
#ifndef SSE_RENDER_H
#define SSE_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"
#include "strbuf.h"

/*
 * The event types of a tick, in the order a stream sends them. The card
 * events follow enum html_card's order and the chart events enum
 * html_chart's, so RENDER_EV_CARD + card and RENDER_EV_CHART + chart name
 * them.
 */
enum render_event {
	RENDER_EV_SNAPSHOT,	/* "snapshot": the JSON object on one line */
	RENDER_EV_HTML,		/* "html": every card and chart, hx-swap-oob fragments */
	RENDER_EV_CARD,		/* "host", "cpu", ... "daemon": one card's inside */
	RENDER_EV_CHART = RENDER_EV_CARD + 12,	/* "chart-cpu", ...: one chart's <svg> */
	RENDER_EV_COUNT = RENDER_EV_CHART + 4
};

#define RENDER_EV_ALL ((1u << RENDER_EV_COUNT) - 1)

/* What a stream gets without ?events=: what the bundled page and JSON clients use. */
#define RENDER_EV_DEFAULT ((1u << RENDER_EV_SNAPSHOT) | (1u << RENDER_EV_HTML))

typedef struct render_tick render_tick_t;

/* The name of an event type ("snapshot", "html", "cpu", "chart-cpu"). */
const char *render_event_name(enum render_event ev);

/* The event type called name (len bytes), or -1. */
int render_event_lookup(const char *name, size_t len);

/*
 * Draw charts over the last chart_window ticks (2 .. 3600) from now on,
 * starting from an empty history. Without a call the window is 60.
 */
void render_configure(unsigned chart_window);

/* Render s (which the tick keeps a reference to). Returns one reference. */
render_tick_t *render_tick_create(struct snapshot *s);
/*
 * Render s's snapshot event only; its views (html, card and chart events)
 * wait for render_tick_views(). What the collector does while no stream
 * wants the views: a tick only programs read costs its JSON, not its HTML
 * and SVG.
 */
render_tick_t *render_tick_create_json(struct snapshot *s);
/*
 * Render t's views if they are not yet (any thread, at most once per tick;
 * nothing for a slim tick). A thread must call it before it reads a view's
 * frame of a tick it did not create whole.
 */
void render_tick_views(render_tick_t *t);

/* Take one more reference. */
render_tick_t *render_tick_ref(render_tick_t *t);

/* Drop one reference; the last one frees the tick. NULL is ignored. */
void render_tick_unref(render_tick_t *t);

/* The snapshot's seq: the id of every event of the tick. */
uint64_t render_tick_seq(const render_tick_t *t);

/*
 * A slim copy of t for the replay history: its seq and its snapshot event
 * only (no JSON body, no snapshot, no other event). Returns one reference.
 */
render_tick_t *render_tick_slim(const render_tick_t *t);

/* The snapshot behind the tick (NULL for a slim one). */
const struct snapshot *render_tick_snapshot(const render_tick_t *t);

/* The snapshot as one line of JSON, without framing (for /api/snapshot). */
const char *render_tick_json(const render_tick_t *t, size_t *len);

/* The framed SSE bytes of one event type, ready to write; NULL (*len 0) when
 * the tick lacks that type (a slim tick has only the snapshot event). */
const char *render_tick_frame(const render_tick_t *t, enum render_event ev, size_t *len);

/*
 * Append the "reset" event for a client whose Last-Event-ID is no longer in
 * the history: it is told to drop what it has; the latest tick follows. The
 * event carries no id, so a client that drops before that tick arrives
 * reconnects with its old id and is reset again, never left empty.
 */
void render_reset_frame(struct strbuf *sb);

#endif
