/*
 * rendercost: what rendering one tick costs in CPU, charts included.
 *
 * Samples the live /proc and /sys twice (so every rate exists), then renders
 * that snapshot TICKS times with render_tick_create(), as the collector
 * thread does once per tick: JSON, every card, every chart over a full
 * chart window, the html event and the per-card and chart events, all
 * framed. Times each call with the thread's CPU clock and prints the
 * median, the 90th percentile and the maximum, and the bytes of each event
 * type. A benchmark, not a test: it asserts nothing.
 *
 * usage: rendercost [TICKS] [CHART_WINDOW]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "collector.h"
#include "render.h"
#include "snapshot.h"

static int64_t
now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	unsigned window = argc > 2 ? (unsigned)atoi(argv[2]) : 60;
	collector_t *c = collector_create("/proc", "/sys", 1);
	struct snapshot *s;
	render_tick_t *t = NULL;
	int64_t *cost;

	if (n < 10 || window < 2 || window > 3600) {
		fprintf(stderr, "usage: rendercost [TICKS >= 10] [CHART_WINDOW 2..3600]\n");
		return 2;
	}
	cost = calloc((size_t)n, sizeof(*cost));
	if (cost == NULL)
		return 1;
	snapshot_release(collector_sample(c, now_ns(CLOCK_REALTIME), now_ns(CLOCK_MONOTONIC)));
	s = collector_sample(c, now_ns(CLOCK_REALTIME), now_ns(CLOCK_MONOTONIC));
	s->elapsed_seconds = 1;	/* ticks a second apart, as the charts' time axis reads them */
	render_configure(window);
	for (unsigned i = 0; i < window; i++) {	/* a full window first */
		s->timestamp_ns += 1000000000;
		render_tick_unref(render_tick_create(s));
	}
	for (int i = 0; i < n; i++) {
		int64_t t0;

		s->timestamp_ns += 1000000000;
		render_tick_unref(t);
		t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		t = render_tick_create(s);
		cost[i] = now_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	}
	qsort(cost, (size_t)n, sizeof(*cost), cmp);
	printf("render, chart window %u, %d ticks: median %.1f us   p90 %.1f us   max %.1f us\n",
	    window, n, (double)cost[n / 2] / 1e3, (double)cost[n * 9 / 10] / 1e3,
	    (double)cost[n - 1] / 1e3);
	for (int ev = 0; ev < RENDER_EV_COUNT; ev++) {
		size_t len;

		render_tick_frame(t, (enum render_event)ev, &len);
		printf("%s%s %zu", ev == 0 ? "bytes: " : ", ", render_event_name((enum render_event)ev), len);
	}
	printf("\n");
	render_tick_unref(t);
	snapshot_release(s);
	collector_destroy(c);
	free(cost);
	return 0;
}
