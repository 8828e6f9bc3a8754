#include "snapjson.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

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
snapjson_render(const struct snapshot *s, size_t *len)
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
	json_object_set_new(o, "streams_open", u64(s->daemon.streams_open));
	json_object_set_new(o, "streams_total", u64(s->daemon.streams_total));
	json_object_set_new(o, "streams_rejected_total", u64(s->daemon.streams_rejected_total));
	json_object_set_new(o, "requests_total", u64(s->daemon.requests_total));
	json_object_set_new(o, "requests_per_second", real2(s->daemon.requests_per_second));
	json_object_set_new(o, "request_duration_mean_seconds",
	    s->daemon.request_duration_mean_seconds >= 0 ?
	    json_real(round(s->daemon.request_duration_mean_seconds * 1e6) / 1e6) : json_null());
	json_object_set_new(o, "events_dropped_total", u64(s->daemon.events_dropped_total));
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

