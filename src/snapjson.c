#include "snapjson.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strbuf.h"

/* v rounded to the given decimals: more is noise at 1 s ticks. */
static json_t *
real(double v, double scale)
{
	return json_real(round(v * scale) / scale);
}

/* Percentages and loads: two decimals. */
static json_t *
real2(double v)
{
	return real(v, 100.0);
}

/* A rate, or null when it has none (first reading, reset). */
static json_t *
rate(double v)
{
	return v < 0 ? json_null() : real2(v);
}

static json_t *
u64(uint64_t v)
{
	/* JSON integers are signed 64-bit in jansson; counters stay far below. */
	return json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v));
}

/*
 * A name as a JSON string. jansson refuses bytes that are not UTF-8 (NULL,
 * and the key would silently go missing), yet interface names, mount
 * points and the hostname may hold any byte: those become U+FFFD.
 */
static json_t *
string(const char *s)
{
	struct strbuf valid = STRBUF_INIT;
	json_t *v;

	if ((v = json_string(s)) != NULL)
		return v;
	strbuf_put_utf8(&valid, s);
	v = json_string(valid.data != NULL ? valid.data : "");
	strbuf_free(&valid);
	return v;
}

static void
set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

/* "name_total" and "name_per_second" for one counter. */
static void
set_counter(json_t *o, const char *name, const struct snapshot_counter *c)
{
	char key[64];

	snprintf(key, sizeof(key), "%s_total", name);
	set(o, key, u64(c->total));
	snprintf(key, sizeof(key), "%s_per_second", name);
	set(o, key, rate(c->per_second));
}

static json_t *
cpu_json(const struct snapshot_cpu *c, int core)
{
	json_t *o = json_object();
	char key[32];

	if (core)
		set(o, "cpu", json_integer(c->id));
	for (int m = 0; m < CPU_MODES; m++) {
		snprintf(key, sizeof(key), "%s_percent", snapshot_cpu_mode_names[m]);
		set(o, key, real2(c->percent[m]));
	}
	if (core)
		set(o, "frequency_hertz", c->frequency_hertz < 0 ? json_null() :
		    json_real(round(c->frequency_hertz)));
	return o;
}

static json_t *
host_json(const struct snapshot *s)
{
	json_t *o = json_object();

	set(o, "hostname", string(s->hostname));
	set(o, "kernel_release", string(s->kernel_release));
	set(o, "uptime_seconds", s->has_uptime ? real2(s->uptime_seconds) : json_null());
	set(o, "boot_time_seconds", s->boot_time_seconds ? u64(s->boot_time_seconds) : json_null());
	return o;
}

static json_t *
cpu_group(const struct snapshot *s)
{
	json_t *o, *a;

	if (!s->has_cpu)
		return json_null();
	o = json_object();
	set(o, "count", json_integer((json_int_t)s->ncores));
	set(o, "total", cpu_json(&s->cpu_total, 0));
	a = json_array();
	for (size_t i = 0; i < s->ncores; i++)
		json_array_append_new(a, cpu_json(&s->cores[i], 1));
	set(o, "cores", a);
	return o;
}

static json_t *
memory_group(const struct snapshot *s)
{
	json_t *o;

	if (!s->has_memory)
		return json_null();
	o = json_object();
	set(o, "total_bytes", u64(s->mem_total_bytes));
	set(o, "free_bytes", u64(s->mem_free_bytes));
	set(o, "available_bytes", u64(s->mem_available_bytes));
	set(o, "used_bytes", u64(s->mem_used_bytes));
	set(o, "buffers_bytes", u64(s->mem_buffers_bytes));
	set(o, "cached_bytes", u64(s->mem_cached_bytes));
	set(o, "shared_bytes", u64(s->mem_shared_bytes));
	set(o, "slab_bytes", u64(s->mem_slab_bytes));
	set(o, "dirty_bytes", u64(s->mem_dirty_bytes));
	return o;
}

static json_t *
swap_group(const struct snapshot *s)
{
	json_t *o;

	if (!s->has_memory)
		return json_null();
	o = json_object();
	set(o, "total_bytes", u64(s->swap_total_bytes));
	set(o, "free_bytes", u64(s->swap_free_bytes));
	set(o, "used_bytes", u64(s->swap_used_bytes));
	if (s->has_vmstat) {
		set_counter(o, "in_bytes", &s->swap_in_bytes);
		set_counter(o, "out_bytes", &s->swap_out_bytes);
	} else {
		set(o, "in_bytes_total", json_null());
		set(o, "in_bytes_per_second", json_null());
		set(o, "out_bytes_total", json_null());
		set(o, "out_bytes_per_second", json_null());
	}
	return o;
}

static json_t *
load_group(const struct snapshot *s)
{
	json_t *o;

	if (!s->has_load)
		return json_null();
	o = json_object();
	set(o, "load1", real2(s->load1));
	set(o, "load5", real2(s->load5));
	set(o, "load15", real2(s->load15));
	return o;
}

static json_t *
tasks_group(const struct snapshot *s)
{
	json_t *o;

	if (!s->has_load)
		return json_null();
	o = json_object();
	set(o, "running", u64(s->tasks_running));
	set(o, "blocked", s->has_cpu ? u64(s->procs_blocked) : json_null());
	set(o, "total", u64(s->tasks_total));
	return o;
}

static json_t *
system_group(const struct snapshot *s)
{
	json_t *o = json_object();

	if (s->has_cpu) {
		set_counter(o, "forks", &s->forks);
		set_counter(o, "context_switches", &s->context_switches);
		set_counter(o, "interrupts", &s->interrupts);
	}
	set(o, "file_handles_allocated", s->has_file_nr ? u64(s->files_allocated) : json_null());
	set(o, "file_handles_max", s->has_file_nr ? u64(s->files_max) : json_null());
	return o;
}

static json_t *
network_group(const struct snapshot *s)
{
	json_t *o = json_object(), *a, *so;

	if (s->has_net) {
		a = json_array();
		for (size_t i = 0; i < s->nnets; i++) {
			json_t *n = json_object();

			set(n, "name", string(s->nets[i].name));
			for (int k = 0; k < NET_COUNTERS; k++)
				set_counter(n, snapshot_net_counter_names[k], &s->nets[i].c[k]);
			json_array_append_new(a, n);
		}
		set(o, "interfaces", a);
	} else {
		set(o, "interfaces", json_null());
	}
	if (s->has_sockstat) {
		so = json_object();
		set(so, "used", u64(s->sockets_used));
		set(so, "tcp_inuse", u64(s->tcp_inuse));
		set(so, "tcp_orphan", u64(s->tcp_orphan));
		set(so, "tcp_timewait", u64(s->tcp_timewait));
		set(so, "tcp_alloc", u64(s->tcp_alloc));
		set(so, "udp_inuse", u64(s->udp_inuse));
		/* A kernel without IPv6 has no sockstat6: unknown, not 0. */
		set(so, "tcp6_inuse", s->has_sockstat6 ? u64(s->tcp6_inuse) : json_null());
		set(so, "udp6_inuse", s->has_sockstat6 ? u64(s->udp6_inuse) : json_null());
		set(o, "sockets", so);
	} else {
		set(o, "sockets", json_null());
	}
	return o;
}

static json_t *
disks_group(const struct snapshot *s)
{
	static const char *const names[DISK_COUNTERS] = {
		[DISK_READS] = "reads", [DISK_WRITES] = "writes",
		[DISK_READ_BYTES] = "read_bytes", [DISK_WRITTEN_BYTES] = "written_bytes",
		[DISK_IO_SECONDS] = "io_time_seconds",
	};
	json_t *a;

	if (!s->has_disks)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < s->ndisks; i++) {
		const struct snapshot_disk *d = &s->disks[i];
		json_t *o = json_object();

		set(o, "name", string(d->name));
		for (int k = 0; k < DISK_COUNTERS; k++) {
			if (k == DISK_IO_SECONDS) {
				/* The total is kept in ms; the rate is already seconds per second. */
				set(o, "io_time_seconds_total", real(d->c[k].total / 1000.0, 1000));
				continue;
			}
			set_counter(o, names[k], &d->c[k]);
		}
		set(o, "busy_percent", rate(d->busy_percent));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
filesystems_group(const struct snapshot *s)
{
	json_t *a;

	if (!s->has_filesystems)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < s->nfilesystems; i++) {
		const struct snapshot_fs *f = &s->filesystems[i];
		json_t *o = json_object();

		set(o, "mountpoint", string(f->mountpoint));
		set(o, "device", string(f->device));
		set(o, "fstype", string(f->fstype));
		set(o, "size_bytes", u64(f->size_bytes));
		set(o, "used_bytes", u64(f->used_bytes));
		set(o, "free_bytes", u64(f->free_bytes));
		set(o, "available_bytes", u64(f->available_bytes));
		set(o, "files", u64(f->files));
		set(o, "files_free", u64(f->files_free));
		set(o, "readonly", json_boolean(f->readonly));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
psi_line(const struct snapshot_psi_line *l)
{
	json_t *o;

	if (!l->present)
		return json_null();
	o = json_object();
	set(o, "avg10_percent", real2(l->avg10));
	set(o, "avg60_percent", real2(l->avg60));
	set(o, "avg300_percent", real2(l->avg300));
	set(o, "total_seconds", real(l->total_seconds, 1e6));
	return o;
}

static json_t *
pressure_group(const struct snapshot *s)
{
	json_t *o = json_object();
	int any = 0;

	for (int r = 0; r < PSI_RESOURCES; r++) {
		json_t *p;

		if (!s->psi[r].present) {
			set(o, snapshot_psi_names[r], json_null());
			continue;
		}
		any = 1;
		p = json_object();
		set(p, "some", psi_line(&s->psi[r].some));
		set(p, "full", psi_line(&s->psi[r].full));
		set(o, snapshot_psi_names[r], p);
	}
	if (!any) {
		json_decref(o);
		return json_null();	/* no PSI on this kernel */
	}
	return o;
}

static json_t *
temperatures_group(const struct snapshot *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->ntemps; i++) {
		const struct snapshot_temp *t = &s->temps[i];
		json_t *o = json_object();

		set(o, "chip", string(t->chip));
		set(o, "sensor", string(t->sensor));
		set(o, "label", t->label != NULL ? string(t->label) : json_null());
		set(o, "celsius", real(t->celsius, 10));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
daemon_group(const struct snapshot *s)
{
	const struct snapshot_daemon *d = &s->daemon;
	json_t *o = json_object(), *a, *h;

	set(o, "streams_open", u64(d->streams_open));
	set(o, "streams_total", u64(d->streams_total));
	set(o, "streams_rejected_total", u64(d->streams_rejected_total));
	set(o, "requests_total", u64(d->requests_total));
	set(o, "requests_per_second", rate(d->requests_per_second));
	set(o, "request_duration_mean_seconds", d->request_duration_mean_seconds >= 0 ?
	    real(d->request_duration_mean_seconds, 1e6) : json_null());
	a = json_array();
	for (int e = 0; e < EP_COUNT; e++) {
		for (int st = 0; st < ST_COUNT; st++) {
			json_t *r;

			if (d->requests[e][st] == 0)
				continue;
			r = json_object();
			set(r, "endpoint", json_string(snapshot_endpoint_names[e]));
			set(r, "status", st == ST_OTHER ? json_string("other") :
			    json_integer(snapshot_status_codes[st]));
			set(r, "total", u64(d->requests[e][st]));
			json_array_append_new(a, r);
		}
	}
	set(o, "requests", a);
	h = json_object();
	a = json_array();
	for (int b = 0; b < SNAPSHOT_DURATION_BUCKETS; b++) {
		json_t *bucket = json_object();

		set(bucket, "le_seconds", json_real(snapshot_duration_bounds[b]));
		set(bucket, "count", u64(d->duration_bucket[b]));
		json_array_append_new(a, bucket);
	}
	set(h, "buckets", a);
	set(h, "count", u64(d->duration_bucket[SNAPSHOT_DURATION_BUCKETS]));
	set(h, "sum_seconds", real(d->duration_sum_seconds, 1e6));
	set(o, "request_duration_seconds", h);
	set(o, "events_sent_total", u64(d->events_sent_total));
	set(o, "bytes_sent_total", u64(d->bytes_sent_total));
	set(o, "events_dropped_total", u64(d->events_dropped_total));
	set(o, "streams_timed_out_total", u64(d->streams_timed_out_total));
	set(o, "requests_timed_out_total", u64(d->requests_timed_out_total));
	set(o, "connections_idle_closed_total", u64(d->connections_idle_closed_total));
	set(o, "collect_seconds", real(d->collect_seconds, 1e6));
	set(o, "render_seconds", real(d->render_seconds, 1e6));
	set(o, "resident_memory_bytes", u64(d->rss_bytes));
	set(o, "cpu_seconds_total", real2(d->cpu_seconds_total));
	set(o, "threads", u64(d->threads));
	set(o, "start_time_seconds", json_integer(d->start_time_seconds));
	return o;
}

char *
snapjson_render(const struct snapshot *s, size_t *len)
{
	json_t *root = json_object();
	char *text;

	set(root, "seq", u64(s->seq));
	set(root, "timestamp_ns", json_integer(s->timestamp_ns));
	set(root, "elapsed_seconds", real(s->elapsed_seconds, 1e6));
	set(root, "host", host_json(s));
	set(root, "cpu", cpu_group(s));
	set(root, "memory", memory_group(s));
	set(root, "swap", swap_group(s));
	set(root, "load", load_group(s));
	set(root, "tasks", tasks_group(s));
	set(root, "system", system_group(s));
	set(root, "network", network_group(s));
	set(root, "disks", disks_group(s));
	set(root, "filesystems", filesystems_group(s));
	set(root, "pressure", pressure_group(s));
	set(root, "temperatures", temperatures_group(s));
	set(root, "daemon", daemon_group(s));

	text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (text == NULL) {
		log_fatal("cannot encode the snapshot as JSON");
		abort();
	}
	*len = strlen(text);
	return text;
}
