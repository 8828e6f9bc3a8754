#include "collector.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broadcast.h"
#include "log.h"
#include "procfs.h"
#include "render.h"
#include "stats.h"
#include "xmem.h"

/* Sources whose failure is logged once, then again only after a recovery. */
enum source { SRC_STAT, SRC_MEMINFO, SRC_LOADAVG, SRC_UPTIME, SRC_HOSTNAME, SRC_OSRELEASE, SRC_COUNT };

static const char *const source_files[SRC_COUNT] = {
	"stat", "meminfo", "loadavg", "uptime", "sys/kernel/hostname", "sys/kernel/osrelease",
};

struct collector {
	char procfs[PATH_MAX];
	char sysfs[PATH_MAX];
	double ticks_per_second;	/* USER_HZ */

	/* Collector thread only. */
	uint64_t next_seq;
	int have_prev;
	int64_t prev_mono_ns;
	struct procfs_stat prev_stat;	/* valid when prev_stat_ok */
	int prev_stat_ok;
	struct stats_values prev_stats;
	int failing[SRC_COUNT];

	pthread_t thread;
	int running;
	pthread_mutex_t lock;	/* guards interval and stop */
	pthread_cond_t wake;	/* CLOCK_MONOTONIC */
	double interval;
	int stop;
};

collector_t *
collector_create(const char *procfs, const char *sysfs, uint64_t first_seq)
{
	collector_t *c = xcalloc(1, sizeof(*c));
	pthread_condattr_t attr;
	long hz = sysconf(_SC_CLK_TCK);

	snprintf(c->procfs, sizeof(c->procfs), "%s", procfs);
	snprintf(c->sysfs, sizeof(c->sysfs), "%s", sysfs);
	c->ticks_per_second = hz > 0 ? (double)hz : 100.0;
	c->next_seq = first_seq;
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->wake, &attr);
	pthread_condattr_destroy(&attr);
	return c;
}

void
collector_destroy(collector_t *c)
{
	if (c == NULL)
		return;
	procfs_stat_free(&c->prev_stat);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
collector_set_procfs(collector_t *c, const char *procfs)
{
	snprintf(c->procfs, sizeof(c->procfs), "%s", procfs);
}

/* Log a source's failure once, and its recovery. Returns ok. */
static int
track(collector_t *c, enum source src, int ok)
{
	if (!ok && !c->failing[src]) {
		int err = errno;	/* EINVAL: the procfs reader found bad contents */

		log_warnx("cannot read %s/%s (%s); its metrics are left out until it can be read",
		    c->procfs, source_files[src], err == EINVAL ? "unexpected contents" : strerror(err));
		c->failing[src] = 1;
	} else if (ok && c->failing[src]) {
		log_info("%s/%s can be read again", c->procfs, source_files[src]);
		c->failing[src] = 0;
	}
	return ok;
}

static uint64_t
delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : 0;	/* a reset counts as no change */
}

/* The one place that maps procfs's field names to snapshot modes. */
static void
cpu_ticks(const struct procfs_cpu_times *t, uint64_t out[CPU_MODES])
{
	out[CPU_USER] = t->user;
	out[CPU_NICE] = t->nice;
	out[CPU_SYSTEM] = t->system;
	out[CPU_IDLE] = t->idle;
	out[CPU_IOWAIT] = t->iowait;
	out[CPU_IRQ] = t->irq;
	out[CPU_SOFTIRQ] = t->softirq;
	out[CPU_STEAL] = t->steal;
}

/* Percent of each mode between two readings (prev may be NULL: since boot). */
static void
cpu_fill(struct snapshot_cpu *out, const struct procfs_cpu_times *now,
    const struct procfs_cpu_times *prev, double hz)
{
	uint64_t t_now[CPU_MODES], t_prev[CPU_MODES] = { 0 }, d[CPU_MODES], total = 0;

	/*
	 * No previous reading (the first, or a CPU that just came online):
	 * since boot. A counter that went back (idle on NO_HZ kernels does, by
	 * a tick or two) counts as no change: delta() clamps each field.
	 */
	cpu_ticks(now, t_now);
	if (prev != NULL)
		cpu_ticks(prev, t_prev);
	for (int m = 0; m < CPU_MODES; m++) {
		d[m] = delta(t_now[m], t_prev[m]);
		total += d[m];
	}
	if (total == 0)
		d[CPU_IDLE] = total = 1;	/* no time passed on this CPU: call it idle */
	for (int m = 0; m < CPU_MODES; m++) {
		out->percent[m] = 100.0 * (double)d[m] / (double)total;
		out->seconds[m] = (double)t_now[m] / hz;
	}
}

/* The previous reading of CPU id, or NULL (it came online since). */
static const struct procfs_cpu_times *
prev_core(const collector_t *c, unsigned id, size_t hint)
{
	if (!c->prev_stat_ok)
		return NULL;
	if (hint < c->prev_stat.ncores && c->prev_stat.core_ids[hint] == id)
		return &c->prev_stat.cores[hint];
	for (size_t i = 0; i < c->prev_stat.ncores; i++)
		if (c->prev_stat.core_ids[i] == id)
			return &c->prev_stat.cores[i];
	return NULL;
}

static void
sample_cpu(collector_t *c, struct snapshot *s)
{
	struct procfs_stat st;

	memset(&st, 0, sizeof(st));
	if (!track(c, SRC_STAT, procfs_read_stat(c->procfs, &st) == 0)) {
		procfs_stat_free(&st);
		procfs_stat_free(&c->prev_stat);
		c->prev_stat_ok = 0;
		return;
	}
	s->has_cpu = 1;
	s->boot_time_seconds = st.btime;
	s->ncores = st.ncores;
	s->cores = xcalloc(st.ncores, sizeof(*s->cores));
	cpu_fill(&s->cpu_total, &st.total, c->prev_stat_ok ? &c->prev_stat.total : NULL,
	    c->ticks_per_second);
	for (size_t i = 0; i < st.ncores; i++) {
		s->cores[i].id = st.core_ids[i];
		cpu_fill(&s->cores[i], &st.cores[i], prev_core(c, st.core_ids[i], i),
		    c->ticks_per_second);
	}
	procfs_stat_free(&c->prev_stat);
	c->prev_stat = st;
	c->prev_stat_ok = 1;
}

static void
sample_memory(collector_t *c, struct snapshot *s)
{
	struct procfs_meminfo m;

	if (!track(c, SRC_MEMINFO, procfs_read_meminfo(c->procfs, &m) == 0))
		return;
	s->has_memory = 1;
	s->mem_total_bytes = m.mem_total;
	s->mem_free_bytes = m.mem_free;
	/*
	 * As free(1) of procps-ng 4: without MemAvailable (kernels before 3.14),
	 * or with one above MemTotal (lxc containers), available is MemFree.
	 */
	s->mem_available_bytes = m.has_mem_available && m.mem_available <= m.mem_total ?
	    m.mem_available : m.mem_free;
	if (s->mem_available_bytes > m.mem_total)
		s->mem_available_bytes = m.mem_total;	/* MemFree > MemTotal: a broken file */
	s->mem_used_bytes = m.mem_total - s->mem_available_bytes;
	s->mem_buffers_bytes = m.buffers;
	s->mem_cached_bytes = m.cached + m.sreclaimable;
	s->swap_total_bytes = m.swap_total;
	s->swap_free_bytes = m.swap_free;
	s->swap_used_bytes = m.swap_total > m.swap_free ? m.swap_total - m.swap_free : 0;
}

static void
sample_host(collector_t *c, struct snapshot *s)
{
	struct procfs_loadavg la;

	if (track(c, SRC_LOADAVG, procfs_read_loadavg(c->procfs, &la) == 0)) {
		s->has_load = 1;
		s->load1 = la.load1;
		s->load5 = la.load5;
		s->load15 = la.load15;
		s->tasks_running = la.tasks_running;
		s->tasks_total = la.tasks_total;
	}
	s->has_uptime = track(c, SRC_UPTIME,
	    procfs_read_uptime(c->procfs, &s->uptime_seconds) == 0);
	if (!track(c, SRC_HOSTNAME, procfs_read_line(c->procfs, "sys/kernel/hostname",
	    s->hostname, sizeof(s->hostname)) == 0))
		s->hostname[0] = '\0';
	if (!track(c, SRC_OSRELEASE, procfs_read_line(c->procfs, "sys/kernel/osrelease",
	    s->kernel_release, sizeof(s->kernel_release)) == 0))
		s->kernel_release[0] = '\0';
}

static void
sample_daemon(collector_t *c, struct snapshot *s, double elapsed)
{
	struct stats_values now;
	uint64_t requests, duration;

	stats_read(&now);
	s->daemon.streams_open = broadcast_subscribers();
	s->daemon.streams_total = now.streams_total;
	s->daemon.streams_rejected_total = now.streams_rejected_total;
	s->daemon.requests_total = now.requests_total;
	s->daemon.events_dropped_total = now.events_dropped_total;
	s->daemon.request_duration_mean_seconds = -1;
	if (c->have_prev && elapsed > 0) {
		requests = delta(now.requests_total, c->prev_stats.requests_total);
		duration = delta(now.request_duration_ns_total, c->prev_stats.request_duration_ns_total);
		s->daemon.requests_per_second = (double)requests / elapsed;
		if (requests > 0)
			s->daemon.request_duration_mean_seconds = (double)duration / 1e9 / (double)requests;
	}
	c->prev_stats = now;
}

struct snapshot *
collector_sample(collector_t *c, int64_t wall_ns, int64_t mono_ns)
{
	struct snapshot *s = snapshot_new();

	s->seq = c->next_seq++;
	s->timestamp_ns = wall_ns;
	if (c->have_prev)
		s->elapsed_seconds = (double)(mono_ns - c->prev_mono_ns) / 1e9;
	sample_cpu(c, s);
	sample_memory(c, s);
	sample_host(c, s);
	sample_daemon(c, s, s->elapsed_seconds);
	c->have_prev = 1;
	c->prev_mono_ns = mono_ns;
	return s;
}

static int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
collector_tick(collector_t *c)
{
	struct snapshot *s = collector_sample(c, clock_ns(CLOCK_REALTIME), clock_ns(CLOCK_MONOTONIC));
	render_tick_t *t;

	snapshot_publish(snapshot_ref(s));
	t = render_tick_create(s);
	snapshot_release(s);
	broadcast_publish(t);
}

static struct timespec
ns_to_ts(int64_t ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };

	return ts;
}

static void *
collector_main(void *arg)
{
	collector_t *c = arg;
	int64_t last = clock_ns(CLOCK_MONOTONIC);

	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		int64_t next = last + (int64_t)llround(c->interval * 1e9);
		int64_t now = clock_ns(CLOCK_MONOTONIC);

		if (now < next) {
			struct timespec ts = ns_to_ts(next);

			/* Woken early by a stop or a new interval: recompute. */
			pthread_cond_timedwait(&c->wake, &c->lock, &ts);
			continue;
		}
		/* Late by more than a tick (suspend, overload): start afresh. */
		last = now - next > (int64_t)llround(c->interval * 1e9) ? now : next;
		pthread_mutex_unlock(&c->lock);
		collector_tick(c);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int
collector_start(collector_t *c, double interval)
{
	int err;

	c->interval = interval;
	c->stop = 0;
	err = pthread_create(&c->thread, NULL, collector_main, c);
	if (err != 0) {
		errno = err;
		log_warn("cannot start the collector thread");
		return -1;
	}
	c->running = 1;
	return 0;
}

void
collector_set_interval(collector_t *c, double interval)
{
	pthread_mutex_lock(&c->lock);
	c->interval = interval;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

void
collector_stop(collector_t *c)
{
	if (!c->running)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = 1;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	c->running = 0;
}
