#include "render.h"

#include <jansson.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
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

/* Percentages and rates carry two decimals: more is noise at 1 s ticks. */
static json_t *
real2(double v)
{
	return json_real(round(v * 100.0) / 100.0);
}

static json_t *
cpu_json(const struct snapshot_cpu *c, int with_id)
{
	json_t *o = json_object();
	char key[32];

	if (with_id)
		json_object_set_new(o, "cpu", json_integer(c->id));
	for (int m = 0; m < CPU_MODES; m++) {
		snprintf(key, sizeof(key), "%s_percent", snapshot_cpu_mode_names[m]);
		json_object_set_new(o, key, real2(c->percent[m]));
	}
	return o;
}

static json_t *
u64(uint64_t v)
{
	/* JSON integers are signed 64-bit in jansson; counters stay far below. */
	return json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v));
}

char *
render_json(const struct snapshot *s, size_t *len)
{
	json_t *root = json_object(), *o, *a;
	char *text;

	json_object_set_new(root, "seq", u64(s->seq));
	json_object_set_new(root, "timestamp_ns", json_integer(s->timestamp_ns));
	json_object_set_new(root, "elapsed_seconds", json_real(round(s->elapsed_seconds * 1e6) / 1e6));

	o = json_object();
	json_object_set_new(o, "hostname", json_string(s->hostname));
	json_object_set_new(o, "kernel_release", json_string(s->kernel_release));
	json_object_set_new(o, "uptime_seconds",
	    s->has_uptime ? json_real(round(s->uptime_seconds * 100) / 100) : json_null());
	json_object_set_new(o, "boot_time_seconds",
	    s->boot_time_seconds ? u64(s->boot_time_seconds) : json_null());
	json_object_set_new(root, "host", o);

	if (s->has_cpu) {
		o = json_object();
		json_object_set_new(o, "count", json_integer((json_int_t)s->ncores));
		json_object_set_new(o, "total", cpu_json(&s->cpu_total, 0));
		a = json_array();
		for (size_t i = 0; i < s->ncores; i++)
			json_array_append_new(a, cpu_json(&s->cores[i], 1));
		json_object_set_new(o, "cores", a);
		json_object_set_new(root, "cpu", o);
	} else {
		json_object_set_new(root, "cpu", json_null());
	}

	if (s->has_memory) {
		o = json_object();
		json_object_set_new(o, "total_bytes", u64(s->mem_total_bytes));
		json_object_set_new(o, "free_bytes", u64(s->mem_free_bytes));
		json_object_set_new(o, "available_bytes", u64(s->mem_available_bytes));
		json_object_set_new(o, "used_bytes", u64(s->mem_used_bytes));
		json_object_set_new(o, "buffers_bytes", u64(s->mem_buffers_bytes));
		json_object_set_new(o, "cached_bytes", u64(s->mem_cached_bytes));
		json_object_set_new(root, "memory", o);
		o = json_object();
		json_object_set_new(o, "total_bytes", u64(s->swap_total_bytes));
		json_object_set_new(o, "free_bytes", u64(s->swap_free_bytes));
		json_object_set_new(o, "used_bytes", u64(s->swap_used_bytes));
		json_object_set_new(root, "swap", o);
	} else {
		json_object_set_new(root, "memory", json_null());
		json_object_set_new(root, "swap", json_null());
	}

	if (s->has_load) {
		o = json_object();
		json_object_set_new(o, "load1", real2(s->load1));
		json_object_set_new(o, "load5", real2(s->load5));
		json_object_set_new(o, "load15", real2(s->load15));
		json_object_set_new(root, "load", o);
		o = json_object();
		json_object_set_new(o, "running", u64(s->tasks_running));
		json_object_set_new(o, "total", u64(s->tasks_total));
		json_object_set_new(root, "tasks", o);
	} else {
		json_object_set_new(root, "load", json_null());
		json_object_set_new(root, "tasks", json_null());
	}

	o = json_object();
	json_object_set_new(o, "streams_open", u64(s->streams_open));
	json_object_set_new(o, "streams_total", u64(s->streams_total));
	json_object_set_new(o, "streams_rejected_total", u64(s->streams_rejected_total));
	json_object_set_new(o, "requests_total", u64(s->requests_total));
	json_object_set_new(o, "requests_per_second", real2(s->requests_per_second));
	json_object_set_new(o, "request_duration_mean_seconds",
	    s->request_duration_mean_seconds >= 0 ?
	    json_real(round(s->request_duration_mean_seconds * 1e6) / 1e6) : json_null());
	json_object_set_new(o, "events_dropped_total", u64(s->events_dropped_total));
	json_object_set_new(root, "daemon", o);

	text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (text == NULL) {
		log_fatal("cannot encode the snapshot as JSON");
		abort();
	}
	*len = strlen(text);
	return text;
}

/* Binary units, as free -h prints them: "3.8 GiB". */
static void
put_bytes(struct strbuf *sb, uint64_t v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double d = (double)v;
	size_t u = 0;

	while (d >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		strbuf_printf(sb, "%llu B", (unsigned long long)v);
	else
		strbuf_printf(sb, "%.1f %s", d, units[u]);
}

static void
put_duration(struct strbuf *sb, double seconds)
{
	uint64_t t = (uint64_t)seconds;
	uint64_t d = t / 86400, h = t / 3600 % 24, m = t / 60 % 60;

	if (d > 0)
		strbuf_printf(sb, "%llud %lluh %llum", (unsigned long long)d,
		    (unsigned long long)h, (unsigned long long)m);
	else
		strbuf_printf(sb, "%lluh %llum %llus", (unsigned long long)h,
		    (unsigned long long)m, (unsigned long long)(t % 60));
}

static double
busy_percent(const struct snapshot_cpu *c)
{
	double busy = 100.0 - c->percent[CPU_IDLE] - c->percent[CPU_IOWAIT];

	return busy < 0 ? 0 : busy > 100 ? 100 : busy;
}

/*
 * The HTML event: out-of-band fragments (hx-swap-oob) that replace the
 * page's cards by id. One element per line, so it travels as several
 * data: lines.
 */
static void
render_html(struct strbuf *sb, const struct snapshot *s)
{
	strbuf_puts(sb, "<div id=\"host\" hx-swap-oob=\"true\"><h2>");
	strbuf_put_html(sb, s->hostname);
	strbuf_puts(sb, "</h2>\n<p>Linux ");
	strbuf_put_html(sb, s->kernel_release);
	if (s->has_uptime) {
		strbuf_puts(sb, " &middot; up ");
		put_duration(sb, s->uptime_seconds);
	}
	strbuf_puts(sb, "</p></div>\n");

	strbuf_puts(sb, "<div id=\"cpu\" hx-swap-oob=\"true\"><h2>CPU</h2>\n");
	if (s->has_cpu) {
		strbuf_printf(sb, "<p class=\"value\">%.1f %%</p>\n", busy_percent(&s->cpu_total));
		strbuf_printf(sb, "<p>user %.1f %% &middot; system %.1f %% &middot; iowait %.1f %%</p>\n",
		    s->cpu_total.percent[CPU_USER] + s->cpu_total.percent[CPU_NICE],
		    s->cpu_total.percent[CPU_SYSTEM], s->cpu_total.percent[CPU_IOWAIT]);
		for (size_t i = 0; i < s->ncores; i++) {
			double b = busy_percent(&s->cores[i]);

			strbuf_printf(sb, "<div class=\"bar\" title=\"cpu%u %.1f %%\">"
			    "<span style=\"width:%.1f%%\"></span></div>\n", s->cores[i].id, b, b);
		}
	} else {
		strbuf_puts(sb, "<p>unavailable</p>\n");
	}
	strbuf_puts(sb, "</div>\n");

	strbuf_puts(sb, "<div id=\"memory\" hx-swap-oob=\"true\"><h2>Memory</h2>\n");
	if (s->has_memory) {
		strbuf_puts(sb, "<p class=\"value\">");
		put_bytes(sb, s->mem_used_bytes);
		strbuf_puts(sb, " / ");
		put_bytes(sb, s->mem_total_bytes);
		strbuf_puts(sb, "</p>\n<p>available ");
		put_bytes(sb, s->mem_available_bytes);
		strbuf_puts(sb, " &middot; swap ");
		put_bytes(sb, s->swap_used_bytes);
		strbuf_puts(sb, " / ");
		put_bytes(sb, s->swap_total_bytes);
		strbuf_puts(sb, "</p>\n");
	} else {
		strbuf_puts(sb, "<p>unavailable</p>\n");
	}
	strbuf_puts(sb, "</div>\n");

	strbuf_puts(sb, "<div id=\"load\" hx-swap-oob=\"true\"><h2>Load</h2>\n");
	if (s->has_load)
		strbuf_printf(sb, "<p class=\"value\">%.2f %.2f %.2f</p>\n"
		    "<p>tasks %llu running / %llu total</p>\n", s->load1, s->load5, s->load15,
		    (unsigned long long)s->tasks_running, (unsigned long long)s->tasks_total);
	else
		strbuf_puts(sb, "<p>unavailable</p>\n");
	strbuf_puts(sb, "</div>\n");

	strbuf_printf(sb, "<div id=\"daemon\" hx-swap-oob=\"true\"><h2>sse-metricsd</h2>\n"
	    "<p class=\"value\">%llu %s</p>\n"
	    "<p>%.1f requests/s &middot; %llu events dropped &middot; tick %llu</p></div>",
	    (unsigned long long)s->streams_open, s->streams_open == 1 ? "viewer" : "viewers",
	    s->requests_per_second,
	    (unsigned long long)s->events_dropped_total, (unsigned long long)s->seq);
}

render_tick_t *
render_tick_create(struct snapshot *s)
{
	render_tick_t *t = xcalloc(1, sizeof(*t));
	struct strbuf body = STRBUF_INIT, frame = STRBUF_INIT;

	atomic_init(&t->refs, 1);
	t->seq = s->seq;
	t->snap = snapshot_ref(s);
	t->json = render_json(s, &t->json_len);

	sse_frame(&frame, event_names[RENDER_EV_SNAPSHOT], t->seq, t->json, t->json_len);
	t->frame[RENDER_EV_SNAPSHOT] = strbuf_detach(&frame, &t->frame_len[RENDER_EV_SNAPSHOT]);

	render_html(&body, s);
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
