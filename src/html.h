/*
 * html: a snapshot as the dashboard's HTML: one fragment per card, one SVG
 * chart per charted group, and the "html" event that carries them all as
 * out-of-band swaps (hx-swap-oob) for HTMX.
 *
 * Every function here is pure except on the html_history_t it is handed:
 * a history belongs to one thread at a time (render keeps the daemon's one
 * and says who calls it). Every dynamic string (hostname, interface, mount
 * point, device, sensor) goes through strbuf_put_html().
 */
#ifndef SSE_HTML_H
#define SSE_HTML_H

#include "snapshot.h"
#include "strbuf.h"

/* The cards, in page order; each is also a named SSE event. */
enum html_card {
	HTML_HOST, HTML_CPU, HTML_MEMORY, HTML_SWAP, HTML_LOAD, HTML_SYSTEM,
	HTML_NETWORK, HTML_DISKS, HTML_FILESYSTEMS, HTML_PRESSURE,
	HTML_TEMPERATURES, HTML_DAEMON,
	HTML_CARDS
};

/* The charts; each is also a named SSE event. */
enum html_chart {
	HTML_CHART_CPU, HTML_CHART_MEMORY, HTML_CHART_NETWORK, HTML_CHART_DISK,
	HTML_CHARTS
};

#define HTML_CHART_WINDOW_DEFAULT 60

/*
 * The most points a chart draws: a longer window is drawn as averages of
 * ceil(window / HTML_CHART_MAX_POINTS) ticks each, so the cost and the size
 * of a chart stay bounded whatever chart_window is.
 */
#define HTML_CHART_MAX_POINTS 120

/* "cpu", "filesystems": the card's element id and event name. */
const char *html_card_name(enum html_card c);

/* "chart-cpu": the chart's element id and event name. */
const char *html_chart_name(enum html_chart c);

/* The last window ticks' few numbers the charts draw. */
typedef struct html_history html_history_t;

/* An empty history of window (>= 2) ticks. */
html_history_t *html_history_new(unsigned window);

/* Free h. NULL is ignored. */
void html_history_free(html_history_t *h);

/* Record s's charted numbers, dropping the oldest tick when full. */
void html_history_push(html_history_t *h, const struct snapshot *s);

/* Append the inside of card c (an <h2> and its body) for s. */
void html_card(struct strbuf *sb, enum html_card c, const struct snapshot *s);

/* Append chart c over the ticks in h as one <svg> element. */
void html_chart(struct strbuf *sb, enum html_chart c, const html_history_t *h);

/*
 * Append the "html" event's body: every card as
 * <section id="NAME" class="card card-NAME" hx-swap-oob="true">, then every
 * chart as <div id="chart-NAME" class="chart" hx-swap-oob="true">.
 * cards[c] and charts[c], when not NULL, are that card's inside and that
 * chart's SVG already rendered (so render formats each once per tick);
 * NULL entries are rendered here from s and h.
 */
void html_render(struct strbuf *sb, const struct snapshot *s, const html_history_t *h,
    const struct strbuf *cards, const struct strbuf *charts);

#endif
