/*
 * tickcost: what one collector tick costs in CPU on this machine.
 *
 * Reads the live /proc and /sys (the daemon's defaults) as the collector
 * thread does, TICKS times, PAUSE_MS apart (0: back to back, with warm
 * caches; the daemon's 1000 leaves them cold, which costs more), and times
 * each tick's collection
 * (collector_sample) and rendering (render_tick_create: JSON, HTML, SSE
 * framing) with the thread's CPU clock. Prints the median, the 90th
 * percentile and the maximum of each. A benchmark, not a test: it asserts
 * nothing; the figure to compare with the 1 ms budget is the median total.
 *
 * usage: tickcost [TICKS [PAUSE_MS [PROCFS SYSFS]]]
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

static void
report(const char *what, int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%-10s median %7.1f us   p90 %7.1f us   max %7.1f us\n", what,
	    (double)v[n / 2] / 1e3, (double)v[n * 9 / 10] / 1e3, (double)v[n - 1] / 1e3);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	int pause_ms = argc > 2 ? atoi(argv[2]) : 0;
	const char *procfs = argc > 4 ? argv[3] : "/proc", *sysfs = argc > 4 ? argv[4] : "/sys";
	struct timespec pause = { pause_ms / 1000, (long)(pause_ms % 1000) * 1000000 };
	int64_t *collect, *render, *total;
	collector_t *c;
	size_t json_len = 0, html_len = 0;

	if (n < 10) {
		fprintf(stderr, "usage: tickcost [TICKS >= 10 [PAUSE_MS [PROCFS SYSFS]]]\n");
		return 2;
	}
	collect = calloc((size_t)n, sizeof(*collect));
	render = calloc((size_t)n, sizeof(*render));
	total = calloc((size_t)n, sizeof(*total));
	if (collect == NULL || render == NULL || total == NULL)
		return 1;
	c = collector_create(procfs, sysfs, 1);
	for (int i = -10; i < n; i++) {	/* 10 warm-up ticks */
		int64_t t0, t1, t2;
		struct snapshot *s;
		render_tick_t *t;

		if (pause_ms > 0)
			nanosleep(&pause, NULL);
		t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		s = collector_sample(c, now_ns(CLOCK_REALTIME), now_ns(CLOCK_MONOTONIC));
		t1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		t = render_tick_create(s);
		t2 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		render_tick_json(t, &json_len);
		render_tick_frame(t, RENDER_EV_HTML, &html_len);
		render_tick_unref(t);
		snapshot_release(s);
		if (i < 0)
			continue;
		collect[i] = t1 - t0;
		render[i] = t2 - t1;
		total[i] = t2 - t0;
	}
	printf("%d ticks over %s and %s, %d ms apart; JSON %zu bytes, html event %zu bytes\n",
	    n, procfs, sysfs, pause_ms, json_len, html_len);
	report("collect", collect, n);
	report("render", render, n);
	report("tick", total, n);
	collector_destroy(c);
	free(collect);
	free(render);
	free(total);
	return 0;
}
