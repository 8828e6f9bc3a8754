/* The collector on fixture trees: rates from two readings, the first reading,
 * missing sources, CPUs that come and go, the daemon's own counters, and
 * which ticks it draws the views of. */
#include <sys/statvfs.h>

#include <check.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "broadcast.h"
#include "collector.h"
#include "prom.h"
#include "render.h"
#include "snapjson.h"
#include "strbuf.h"
#include "snapshot.h"
#include "stats.h"

#define TREE(name) TEST_DATA "/" name "/proc"
#define SYS(name) TEST_DATA "/" name "/sys"
#define ROOTFS TEST_DATA "/rootfs"
#define SEC 1000000000LL

static double
sum_percent(const struct snapshot_cpu *c)
{
	double sum = 0;

	for (int m = 0; m < CPU_MODES; m++)
		sum += c->percent[m];
	return sum;
}

START_TEST(rates_over_one_tick)
{
	collector_t *c = collector_create(TREE("host2"), "/nonexistent", 500);
	struct snapshot *a, *b;

	a = collector_sample(c, 1700000000 * SEC, 10 * SEC);
	collector_set_procfs(c, TREE("host2-later"));
	b = collector_sample(c, 1700000001 * SEC, 11 * SEC + SEC / 2);

	ck_assert_uint_eq(a->seq, 500);
	ck_assert_uint_eq(b->seq, 501);
	ck_assert_int_eq(b->timestamp_ns, 1700000001 * SEC);
	ck_assert_double_eq_tol(b->elapsed_seconds, 1.5, 1e-9);

	/* cpu0: +50 user, +20 system, +25 idle, +5 iowait of 100 ticks. */
	ck_assert_uint_eq(b->ncores, 2);
	ck_assert_uint_eq(b->cores[0].id, 0);
	ck_assert_double_eq_tol(b->cores[0].percent[CPU_USER], 50, 1e-9);
	ck_assert_double_eq_tol(b->cores[0].percent[CPU_SYSTEM], 20, 1e-9);
	ck_assert_double_eq_tol(b->cores[0].percent[CPU_IDLE], 25, 1e-9);
	ck_assert_double_eq_tol(b->cores[0].percent[CPU_IOWAIT], 5, 1e-9);
	/* cpu1: +10 user, +5 system, +80 idle, +5 softirq. */
	ck_assert_double_eq_tol(b->cores[1].percent[CPU_USER], 10, 1e-9);
	ck_assert_double_eq_tol(b->cores[1].percent[CPU_SOFTIRQ], 5, 1e-9);
	ck_assert_double_eq_tol(b->cores[1].percent[CPU_IDLE], 80, 1e-9);
	/* The total line: 200 ticks. */
	ck_assert_double_eq_tol(b->cpu_total.percent[CPU_USER], 30, 1e-9);
	ck_assert_double_eq_tol(b->cpu_total.percent[CPU_SYSTEM], 12.5, 1e-9);
	ck_assert_double_eq_tol(b->cpu_total.percent[CPU_IDLE], 52.5, 1e-9);
	ck_assert_double_eq_tol(sum_percent(&b->cpu_total), 100, 1e-9);
	/* Cumulative seconds for Prometheus: ticks / USER_HZ (100 on Linux). */
	ck_assert_double_eq_tol(b->cores[0].seconds[CPU_USER], 100.50, 1e-9);

	/* Memory as free(1) shows it: used = total - available. */
	ck_assert_uint_eq(a->mem_total_bytes, 4294967296ull);
	ck_assert_uint_eq(a->mem_used_bytes, 2147483648ull);
	ck_assert_uint_eq(b->mem_used_bytes, 4294967296ull - 2143289344ull);
	ck_assert_uint_eq(a->mem_cached_bytes, 805306368ull + 134217728ull);
	ck_assert_uint_eq(a->swap_used_bytes, 2147483648ull - 1610612736ull);

	ck_assert_double_eq_tol(b->load1, 0.48, 1e-9);
	ck_assert_uint_eq(b->tasks_running, 1);
	ck_assert_uint_eq(b->tasks_total, 346);
	ck_assert_double_eq_tol(b->uptime_seconds, 12346.67, 1e-9);
	ck_assert_uint_eq(b->boot_time_seconds, 1700000000);
	ck_assert_str_eq(b->hostname, "host2");
	ck_assert_str_eq(b->kernel_release, "6.1.0-18-amd64");

	snapshot_release(a);
	snapshot_release(b);
	collector_destroy(c);
}
END_TEST

START_TEST(first_reading_is_since_boot)
{
	collector_t *c = collector_create(TREE("host2"), "/nonexistent", 1);
	struct snapshot *a = collector_sample(c, 0, 0);

	/* cpu0 = 10000 100 4000 200000 500 0 300 0: user 10000 / 214900. */
	ck_assert_double_eq_tol(a->cores[0].percent[CPU_USER], 100.0 * 10000 / 214900, 1e-9);
	ck_assert_double_eq_tol(sum_percent(&a->cores[1]), 100, 1e-9);
	ck_assert_double_eq(a->elapsed_seconds, 0);
	snapshot_release(a);
	collector_destroy(c);
}
END_TEST

START_TEST(missing_sources_leave_groups_out_and_recover)
{
	collector_t *c = collector_create(TREE("empty"), "/nonexistent", 1);
	struct snapshot *a, *b;

	a = collector_sample(c, 0, 0);
	ck_assert_int_eq(a->has_cpu, 0);
	ck_assert_int_eq(a->has_memory, 0);
	ck_assert_int_eq(a->has_load, 0);
	ck_assert_int_eq(a->has_uptime, 0);
	ck_assert_str_eq(a->hostname, "");
	collector_set_procfs(c, TREE("host2"));
	b = collector_sample(c, SEC, SEC);
	ck_assert_int_eq(b->has_cpu, 1);
	ck_assert_int_eq(b->has_memory, 1);
	ck_assert_str_eq(b->hostname, "host2");
	snapshot_release(a);
	snapshot_release(b);
	collector_destroy(c);
}
END_TEST

START_TEST(broken_files_never_stop_the_collector)
{
	collector_t *c = collector_create(TREE("broken"), "/nonexistent", 1);

	for (int i = 0; i < 3; i++) {
		struct snapshot *s = collector_sample(c, i * SEC, i * SEC);

		ck_assert_int_eq(s->has_cpu, 0);
		ck_assert_int_eq(s->has_memory, 0);
		snapshot_release(s);
	}
	collector_destroy(c);
}
END_TEST

START_TEST(cpus_that_come_and_go)
{
	collector_t *c = collector_create(TREE("host2"), "/nonexistent", 1);
	struct snapshot *a, *b, *d;

	a = collector_sample(c, 0, 0);
	collector_set_procfs(c, TREE("cpu64"));	/* 63 CPUs, cpu13 offline */
	b = collector_sample(c, SEC, SEC);
	ck_assert_uint_eq(b->ncores, 63);
	ck_assert_uint_eq(b->cores[13].id, 14);
	for (size_t i = 0; i < b->ncores; i++)
		ck_assert_double_eq_tol(sum_percent(&b->cores[i]), 100, 1e-6);
	collector_set_procfs(c, TREE("host2-later"));
	d = collector_sample(c, 2 * SEC, 2 * SEC);
	ck_assert_uint_eq(d->ncores, 2);
	for (size_t i = 0; i < d->ncores; i++) {
		ck_assert(d->cores[i].percent[CPU_USER] >= 0);
		ck_assert_double_eq_tol(sum_percent(&d->cores[i]), 100, 1e-6);
	}
	snapshot_release(a);
	snapshot_release(b);
	snapshot_release(d);
	collector_destroy(c);
}
END_TEST

/*
 * NO_HZ kernels let a CPU's idle counter step back a tick or two. That must
 * not turn the tick into since-boot averages (which would show ~5 % busy
 * for a CPU that was 100 % busy).
 */
START_TEST(idle_counter_stepping_back)
{
	collector_t *c = collector_create(TREE("host2"), "/nonexistent", 1);
	struct snapshot *a, *b;

	a = collector_sample(c, 0, 0);
	collector_set_procfs(c, TREE("host2-idle-back"));
	b = collector_sample(c, SEC, SEC);
	/* cpu0: user +90, system +10, idle -2. */
	ck_assert_double_eq_tol(b->cores[0].percent[CPU_USER], 90, 1e-9);
	ck_assert_double_eq_tol(b->cores[0].percent[CPU_SYSTEM], 10, 1e-9);
	ck_assert_double_eq(b->cores[0].percent[CPU_IDLE], 0);
	/*
	 * node_cpu_seconds_total must not go back either: Prometheus would
	 * take 1999.98 after 2000.00 for a reset and count 2000 s of idle.
	 */
	ck_assert_double_eq(a->cores[0].seconds[CPU_IDLE], 2000.00);
	ck_assert_double_eq(b->cores[0].seconds[CPU_IDLE], 2000.00);
	ck_assert_double_eq(b->cores[0].seconds[CPU_USER], 100.90);
	snapshot_release(a);
	a = b;
	/* The same again: still held, and now no busy time at all. */
	b = collector_sample(c, 2 * SEC, 2 * SEC);
	ck_assert_double_eq(b->cores[0].seconds[CPU_IDLE], 2000.00);
	ck_assert_double_eq(b->cores[0].percent[CPU_IDLE], 100);
	snapshot_release(a);
	a = b;
	/*
	 * cpu0's idle back by 1999 s: taken offline and back, its counters
	 * start afresh. cpu1's idle back by 0.9 s and user by 0.1 s: held.
	 */
	collector_set_procfs(c, TREE("host2-replugged"));
	b = collector_sample(c, 3 * SEC, 3 * SEC);
	ck_assert_double_eq(b->cores[0].seconds[CPU_IDLE], 0.88);
	ck_assert_double_eq(b->cores[0].seconds[CPU_USER], 1.00);
	ck_assert_double_eq(b->cores[1].seconds[CPU_IDLE], 2100.90);
	ck_assert_double_eq(b->cores[1].seconds[CPU_USER], 80.10);
	ck_assert_double_eq(b->cores[1].seconds[CPU_NICE], 1.50);
	snapshot_release(a);
	snapshot_release(b);
	collector_destroy(c);
}
END_TEST

/* lxc containers can show MemAvailable above MemTotal: free(1) uses MemFree. */
START_TEST(available_above_total)
{
	collector_t *c = collector_create(TREE("lxc"), "/nonexistent", 1);
	struct snapshot *a = collector_sample(c, 0, 0);

	ck_assert_uint_eq(a->mem_total_bytes, 1073741824ull);
	ck_assert_uint_eq(a->mem_available_bytes, 268435456ull);
	ck_assert_uint_eq(a->mem_used_bytes, 1073741824ull - 268435456ull);
	/* /metrics keeps the kernel's own figure, as node_exporter. */
	ck_assert_int_eq(a->has_meminfo_available, 1);
	ck_assert_uint_eq(a->meminfo_available_bytes, 33554432ull * 1024);
	snapshot_release(a);
	collector_destroy(c);
}
END_TEST

/*
 * MemAvailable: 0 is what the kernel prints when its estimate goes below
 * zero: free(1) of procps-ng 4 takes it as missing and uses MemFree, so
 * used is not the whole of MemTotal.
 */
START_TEST(available_zero_is_memfree)
{
	collector_t *c = collector_create(TREE("memavail-zero"), "/nonexistent", 1);
	struct snapshot *a = collector_sample(c, 0, 0);

	ck_assert_int_eq(a->has_memory, 1);
	ck_assert_uint_eq(a->mem_available_bytes, 268435456ull);
	ck_assert_uint_eq(a->mem_used_bytes, 1073741824ull - 268435456ull);
	ck_assert_int_eq(a->has_meminfo_available, 1);
	ck_assert_uint_eq(a->meminfo_available_bytes, 0);
	snapshot_release(a);
	collector_destroy(c);
}
END_TEST

START_TEST(old_kernel_without_memavailable)
{
	collector_t *c = collector_create(TREE("oldkernel"), "/nonexistent", 1);
	struct snapshot *a = collector_sample(c, 0, 0);

	ck_assert_int_eq(a->has_memory, 1);
	ck_assert_int_eq(a->has_cpu, 1);
	/* As free(1) of procps-ng 4: available is MemFree without MemAvailable. */
	ck_assert_uint_eq(a->mem_available_bytes, a->mem_free_bytes);
	ck_assert_uint_gt(a->mem_available_bytes, 0);
	ck_assert_uint_eq(a->mem_used_bytes, a->mem_total_bytes - a->mem_available_bytes);
	ck_assert_int_eq(a->has_meminfo_available, 0);
	snapshot_release(a);
	collector_destroy(c);
}
END_TEST

/* The value of "Key:" in /proc/self/status, as the kernel has it now. */
static unsigned long long
self_status(const char *key)
{
	char line[256];
	unsigned long long v = 0;
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			v = strtoull(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

static double
process_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
burn_cpu(double seconds)
{
	double until = process_cpu_s() + seconds;

	while (process_cpu_s() < until)
		continue;
}

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static int park_done;

static void *
park(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&park_lock);
	while (!park_done)
		pthread_cond_wait(&park_cond, &park_lock);
	pthread_mutex_unlock(&park_lock);
	return NULL;
}

START_TEST(self_cpu_period_grows_with_threads)
{
	ck_assert_uint_eq(collector_self_cpu_period(1), 1);
	ck_assert_uint_eq(collector_self_cpu_period(COLLECTOR_SELF_CPU_THREADS - 1), 1);
	ck_assert_uint_eq(collector_self_cpu_period(COLLECTOR_SELF_CPU_THREADS), 1);
	ck_assert_uint_eq(collector_self_cpu_period(3 * COLLECTOR_SELF_CPU_THREADS + 50), 3);
	ck_assert_uint_eq(collector_self_cpu_period(19000), 19000 / COLLECTOR_SELF_CPU_THREADS);
}
END_TEST

static int
start_parked(pthread_t *t, int n)
{
	pthread_attr_t attr;
	int started = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 65536);
	park_done = 0;
	for (; started < n; started++)
		if (pthread_create(&t[started], &attr, park, NULL) != 0)
			break;
	pthread_attr_destroy(&attr);
	return started;
}

static void
stop_parked(pthread_t *t, int n)
{
	pthread_mutex_lock(&park_lock);
	park_done = 1;
	pthread_cond_broadcast(&park_cond);
	pthread_mutex_unlock(&park_lock);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/*
 * The daemon's own figures: threads and RSS every tick (from one thread's
 * stat, which the kernel makes without walking every thread); without the
 * process CPU timer, its CPU time every tick with few threads, and with
 * many every threads/100 ticks or after a minute, whichever comes first.
 */
START_TEST(own_process_figures)
{
	enum { EXTRA = 3 * COLLECTOR_SELF_CPU_THREADS + 50 };
	static pthread_t extra[EXTRA];
	collector_t *c = collector_create(TREE("host2"), "/nonexistent", 1);
	struct snapshot *a, *b, *t[5];
	unsigned long long threads, rss_kb;
	int64_t at[5] = { 3 * SEC, 4 * SEC, 5 * SEC, 6 * SEC, 6 * SEC + COLLECTOR_SELF_CPU_MAX_AGE_NS };
	int started;

	collector_set_self_cpu_timer(c, 0);
	a = collector_sample(c, 1 * SEC, 1 * SEC);
	threads = self_status("Threads");
	rss_kb = self_status("VmRSS");
	ck_assert_uint_eq(a->daemon.threads, threads);
	ck_assert_msg(a->daemon.rss_bytes / 1024 > rss_kb / 2 && a->daemon.rss_bytes / 1024 < rss_kb * 2,
	    "rss %llu kB, the kernel says %llu kB", (unsigned long long)a->daemon.rss_bytes / 1024,
	    rss_kb);
	ck_assert(a->daemon.cpu_seconds_total > 0 && a->daemon.cpu_seconds_total <= process_cpu_s());
	burn_cpu(0.05);
	b = collector_sample(c, 2 * SEC, 2 * SEC);
	/* The request rate is a rate like any other: none on the first tick. */
	ck_assert(a->daemon.requests_per_second < 0);
	ck_assert(b->daemon.requests_per_second >= 0);
	ck_assert_msg(b->daemon.cpu_seconds_total >= a->daemon.cpu_seconds_total + 0.05,
	    "cpu %.3f s after %.3f s and 50 ms of work", b->daemon.cpu_seconds_total,
	    a->daemon.cpu_seconds_total);

	/* Past 300 threads: every third tick, or a minute after the last. */
	started = start_parked(extra, EXTRA);
	ck_assert_int_eq(started, EXTRA);
	for (int i = 0; i < 5; i++) {
		burn_cpu(0.02);
		t[i] = collector_sample(c, at[i], at[i]);
		ck_assert_uint_ge(t[i]->daemon.threads, threads + EXTRA);
		ck_assert_uint_lt(t[i]->daemon.threads, 4 * COLLECTOR_SELF_CPU_THREADS);
	}
	/* Ticks 1 and 2 after b keep b's; the third takes it; the fifth, a minute on. */
	ck_assert(t[0]->daemon.cpu_seconds_total == b->daemon.cpu_seconds_total);
	ck_assert(t[1]->daemon.cpu_seconds_total == b->daemon.cpu_seconds_total);
	ck_assert_msg(t[2]->daemon.cpu_seconds_total >= b->daemon.cpu_seconds_total + 0.06,
	    "cpu %.6f after %.6f and 60 ms of work", t[2]->daemon.cpu_seconds_total,
	    b->daemon.cpu_seconds_total);
	ck_assert(t[3]->daemon.cpu_seconds_total == t[2]->daemon.cpu_seconds_total);
	ck_assert_msg(t[4]->daemon.cpu_seconds_total >= t[2]->daemon.cpu_seconds_total + 0.04,
	    "cpu %.6f a minute after %.6f: not taken", t[4]->daemon.cpu_seconds_total,
	    t[2]->daemon.cpu_seconds_total);

	stop_parked(extra, started);
	snapshot_release(a);
	snapshot_release(b);
	for (int i = 0; i < 5; i++)
		snapshot_release(t[i]);
	collector_destroy(c);
}
END_TEST

/*
 * With the process CPU timer armed (as collector_create() leaves it), the
 * CPU time is fresh every tick however many threads, and agrees with the
 * process clock read around it; the timer can be dropped and armed again.
 */
START_TEST(own_cpu_every_tick_with_the_timer)
{
	enum { EXTRA = 3 * COLLECTOR_SELF_CPU_THREADS + 50 };
	static pthread_t extra[EXTRA];
	collector_t *c = collector_create(TREE("host2"), "/nonexistent", 1);
	struct snapshot *t[4];
	double before, after, prev = 0;
	int started;

	ck_assert_int_eq(collector_set_self_cpu_timer(c, 0), 0);
	ck_assert_int_eq(collector_set_self_cpu_timer(c, 1), 1);
	started = start_parked(extra, EXTRA);
	ck_assert_int_eq(started, EXTRA);
	for (int i = 0; i < 4; i++) {
		burn_cpu(0.02);
		before = process_cpu_s();
		t[i] = collector_sample(c, (i + 1) * SEC, (i + 1) * SEC);
		after = process_cpu_s();
		ck_assert_uint_ge(t[i]->daemon.threads, (uint64_t)EXTRA);
		ck_assert_msg(t[i]->daemon.cpu_seconds_total >= before &&
		    t[i]->daemon.cpu_seconds_total <= after,
		    "tick %d: cpu %.6f s, the process clock %.6f-%.6f s", i,
		    t[i]->daemon.cpu_seconds_total, before, after);
		ck_assert_msg(t[i]->daemon.cpu_seconds_total >= prev + 0.02,
		    "tick %d: cpu %.6f after %.6f and 20 ms of work", i,
		    t[i]->daemon.cpu_seconds_total, prev);
		prev = t[i]->daemon.cpu_seconds_total;
	}
	stop_parked(extra, started);
	for (int i = 0; i < 4; i++)
		snapshot_release(t[i]);
	collector_destroy(c);
}
END_TEST

START_TEST(daemon_counters_and_request_rate)
{
	collector_t *c = collector_create(TREE("host2"), "/nonexistent", 1);
	struct snapshot *a, *b, *d;

	a = collector_sample(c, 0, 0);
	for (int i = 0; i < 10; i++)
		stats_request_done(EP_METRICS, 200, 0, 2000000);	/* 2 ms each */
	stats_request_done(EP_EVENTS, 200, 1, 5 * SEC);	/* a stream that lasted 5 s */
	stats_request_done(EP_PAGE, 404, 0, 100000);
	stats_request_done(EP_HEALTHZ, 418, 0, 100000);
	stats_stream_rejected();
	b = collector_sample(c, 2 * SEC, 2 * SEC);
	ck_assert_uint_eq(b->daemon.requests[EP_METRICS][ST_200] - a->daemon.requests[EP_METRICS][ST_200], 10);
	ck_assert_uint_eq(b->daemon.requests[EP_EVENTS][ST_200] - a->daemon.requests[EP_EVENTS][ST_200], 1);
	ck_assert_uint_eq(b->daemon.requests[EP_PAGE][ST_404] - a->daemon.requests[EP_PAGE][ST_404], 1);
	ck_assert_uint_eq(b->daemon.requests[EP_HEALTHZ][ST_OTHER] - a->daemon.requests[EP_HEALTHZ][ST_OTHER], 1);
	/*
	 * The histogram is cumulative and leaves the stream out: the two 0.1 ms
	 * requests are in every bucket from le=0.0001, the ten 2 ms ones from
	 * le=0.0025 (index 4) on, and the 5 s stream nowhere.
	 */
	ck_assert_uint_eq(b->daemon.duration_bucket[0] - a->daemon.duration_bucket[0], 2);
	ck_assert_uint_eq(b->daemon.duration_bucket[3] - a->daemon.duration_bucket[3], 2);
	ck_assert_uint_eq(b->daemon.duration_bucket[4] - a->daemon.duration_bucket[4], 12);
	ck_assert_uint_eq(b->daemon.duration_bucket[SNAPSHOT_DURATION_BUCKETS] -
	    a->daemon.duration_bucket[SNAPSHOT_DURATION_BUCKETS], 12);
	ck_assert_double_eq_tol(b->daemon.duration_sum_seconds - a->daemon.duration_sum_seconds,
	    0.0202, 1e-9);
	ck_assert_uint_eq(b->daemon.streams_rejected_total - a->daemon.streams_rejected_total, 1);
	ck_assert_uint_eq(b->daemon.requests_total - a->daemon.requests_total, 12);
	ck_assert_double_eq_tol(b->daemon.requests_per_second, 6, 1e-9);
	ck_assert_double_eq_tol(b->daemon.request_duration_mean_seconds, 0.0202 / 12, 1e-12);
	/* The daemon's own process, from the real /proc/self. */
	ck_assert_uint_gt(b->daemon.rss_bytes, 1 << 20);
	ck_assert_uint_ge(b->daemon.threads, 1);
	ck_assert(b->daemon.collect_seconds > 0 && b->daemon.collect_seconds < 1);
	d = collector_sample(c, 3 * SEC, 3 * SEC);
	ck_assert_double_eq(d->daemon.requests_per_second, 0);
	ck_assert(d->daemon.request_duration_mean_seconds < 0);	/* none: rendered as null */
	snapshot_release(a);
	snapshot_release(b);
	snapshot_release(d);
	collector_destroy(c);
}
END_TEST


/* host2 -> host2-later, 1.5 s apart, with their /sys trees. */
static void
two_readings(struct snapshot **a, struct snapshot **b, int include_tmpfs)
{
	collector_t *c = collector_create(TREE("host2"), SYS("host2"), 1);

	collector_set_filesystems(c, ROOTFS, include_tmpfs);
	*a = collector_sample(c, 0, 10 * SEC);
	collector_set_procfs(c, TREE("host2-later"));
	collector_set_sysfs(c, SYS("host2-later"));
	*b = collector_sample(c, SEC, 11 * SEC + SEC / 2);
	collector_destroy(c);
}

static const struct snapshot_net *
net_named(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nnets; i++)
		if (strcmp(s->nets[i].name, name) == 0)
			return &s->nets[i];
	return NULL;
}

START_TEST(interfaces_wrap_vanish_and_appear)
{
	struct snapshot *a, *b;
	const struct snapshot_net *eth0, *lo, *wg0;

	two_readings(&a, &b, 0);
	ck_assert(a->has_net && b->has_net);
	/* The first reading has counters and no rates. */
	ck_assert_uint_eq(a->nnets, 3);
	ck_assert(a->nets[0].c[NET_RX_BYTES].per_second < 0);
	/* eth1 is gone, wg0 appeared; sorted by name. */
	ck_assert_uint_eq(b->nnets, 3);
	ck_assert_str_eq(b->nets[0].name, "eth0");
	ck_assert_str_eq(b->nets[1].name, "lo");
	ck_assert_str_eq(b->nets[2].name, "wg0");
	ck_assert_ptr_null(net_named(b, "eth1"));
	eth0 = net_named(b, "eth0");
	lo = net_named(b, "lo");
	wg0 = net_named(b, "wg0");
	/*
	 * rx bytes 4294967000 -> 704 while the rest grew. On a 32-bit kernel
	 * (a 32-bit build) that is a wrap after 1000 bytes; a 64-bit counter
	 * does not wrap, so the interface was re-created and nothing of it
	 * has a rate this tick (a gigabyte a second of made-up traffic else).
	 */
	ck_assert_uint_eq(eth0->c[NET_RX_BYTES].total, 704);
	ck_assert_uint_eq(eth0->c[NET_RX_PACKETS].total, 3001500);
	if (ULONG_MAX == UINT32_MAX) {
		ck_assert_double_eq_tol(eth0->c[NET_RX_BYTES].per_second, 1000 / 1.5, 1e-9);
		ck_assert_double_eq_tol(eth0->c[NET_RX_PACKETS].per_second, 1000, 1e-9);
		ck_assert_double_eq_tol(eth0->c[NET_RX_ERRORS].per_second, 2, 1e-9);
		ck_assert_double_eq_tol(eth0->c[NET_RX_DROPPED].per_second, 4, 1e-9);
		ck_assert_double_eq_tol(eth0->c[NET_TX_BYTES].per_second, 20000, 1e-9);
		ck_assert_double_eq_tol(eth0->c[NET_TX_DROPPED].per_second, 2, 1e-9);
	} else {
		for (int k = 0; k < NET_COUNTERS; k++)
			ck_assert_msg(eth0->c[k].per_second < 0, "eth0 counter %d has a rate", k);
	}
	ck_assert_double_eq_tol(lo->c[NET_RX_BYTES].per_second, 10000, 1e-9);
	ck_assert_double_eq_tol(lo->c[NET_TX_PACKETS].per_second, 100, 1e-9);
	/* New since the last tick: counters, but no rate to make up. */
	ck_assert_uint_eq(wg0->c[NET_TX_BYTES].total, 3000);
	for (int k = 0; k < NET_COUNTERS; k++)
		ck_assert(wg0->c[k].per_second < 0);
	snapshot_release(a);
	snapshot_release(b);
}
END_TEST

START_TEST(whole_disks_resets_and_new_disks)
{
	struct snapshot *a, *b;
	const struct snapshot_disk *sda, *nvme, *sdb;

	two_readings(&a, &b, 0);
	/* Not partitions (sda1, sda2: not in /sys/block), not idle loop0/ram0. */
	ck_assert_uint_eq(a->ndisks, 2);
	ck_assert_uint_eq(b->ndisks, 3);
	sda = &b->disks[0];
	nvme = &b->disks[1];
	sdb = &b->disks[2];
	ck_assert_str_eq(sda->name, "sda");
	ck_assert_str_eq(nvme->name, "nvme0n1");
	ck_assert_str_eq(sdb->name, "sdb");
	ck_assert_double_eq_tol(sda->c[DISK_READS].per_second, 100, 1e-9);
	ck_assert_double_eq_tol(sda->c[DISK_WRITES].per_second, 200, 1e-9);
	ck_assert_uint_eq(sda->c[DISK_READ_BYTES].total, 2403000ull * 512);
	ck_assert_double_eq_tol(sda->c[DISK_READ_BYTES].per_second, 3000 * 512 / 1.5, 1e-6);
	ck_assert_double_eq_tol(sda->c[DISK_WRITTEN_BYTES].per_second, 6000 * 512 / 1.5, 1e-6);
	/* 750 ms of I/O in flight during 1.5 s, across io_ms's 32-bit wrap. */
	ck_assert_double_eq_tol(sda->busy_percent, 50, 1e-9);
	ck_assert_double_eq_tol(sda->c[DISK_IO_SECONDS].per_second, 0.5, 1e-9);
	/* nvme0n1's counters went down: a reset has no rate. */
	ck_assert(nvme->c[DISK_READS].per_second < 0);
	ck_assert(nvme->busy_percent < 0);
	ck_assert_uint_eq(nvme->c[DISK_READS].total, 100);
	ck_assert(sdb->c[DISK_READ_BYTES].per_second < 0);
	snapshot_release(a);
	snapshot_release(b);
}
END_TEST

/*
 * A disk's counters are reset together (the disk re-attached): one that
 * went back takes every rate of that disk with it. On a 64-bit kernel the
 * unsigned long ones never wrap, so sdc's reads going back by less than
 * 2^31 are a reset, not a 32-bit wrap; io_ms, 32 bits everywhere, going
 * back by more than half its range is a reset too (sdd), while sde moves on.
 */
START_TEST(disk_counter_reset_takes_every_rate)
{
	collector_t *c = collector_create(TREE("disk-reset"), "/nonexistent", 1);
	struct snapshot *a, *b;

	a = collector_sample(c, 0, 10 * SEC);
	collector_set_procfs(c, TREE("disk-reset-later"));
	b = collector_sample(c, SEC, 11 * SEC + SEC / 2);
	ck_assert_uint_eq(b->ndisks, 3);
	ck_assert_str_eq(b->disks[0].name, "sdc");
	ck_assert_str_eq(b->disks[1].name, "sdd");
	ck_assert_str_eq(b->disks[2].name, "sde");
	if (ULONG_MAX > UINT32_MAX) {
		ck_assert(b->disks[0].c[DISK_READS].per_second < 0);
		ck_assert(b->disks[0].c[DISK_READ_BYTES].per_second < 0);
		ck_assert(b->disks[0].busy_percent < 0);
	}
	ck_assert(b->disks[1].c[DISK_READS].per_second < 0);
	ck_assert(b->disks[1].c[DISK_READ_BYTES].per_second < 0);
	ck_assert(b->disks[1].busy_percent < 0);
	ck_assert_uint_eq(b->disks[1].c[DISK_READS].total, 1150);
	ck_assert_double_eq_tol(b->disks[2].c[DISK_READS].per_second, 100, 1e-9);
	ck_assert_double_eq_tol(b->disks[2].busy_percent, 50, 1e-9);
	snapshot_release(a);
	snapshot_release(b);
	collector_destroy(c);
}
END_TEST

START_TEST(filesystems_as_df_lists_them)
{
	struct snapshot *a, *b, *t;
	struct statvfs v;
	const char *const want[] = { "/", "/boot", "/home", "/mnt/usb" };

	ck_assert_int_eq(statvfs(ROOTFS, &v), 0);
	two_readings(&a, &b, 0);
	/* Not proc, sysfs, devtmpfs, cgroup2, nor tmpfs (/run) unless asked. */
	ck_assert_uint_eq(a->nfilesystems, 3);
	ck_assert_uint_eq(b->nfilesystems, 4);	/* /mnt/usb was mounted since */
	for (size_t i = 0; i < 4; i++)
		ck_assert_str_eq(b->filesystems[i].mountpoint, want[i]);
	ck_assert_str_eq(b->filesystems[0].device, "/dev/sda1");
	ck_assert_str_eq(b->filesystems[0].fstype, "ext4");
	ck_assert_str_eq(b->filesystems[3].fstype, "exfat");
	ck_assert_int_eq(b->filesystems[0].readonly, 0);
	ck_assert_int_eq(b->filesystems[2].readonly, 1);	/* /home is mounted ro */
	/* Sizes come from statvfs() below rootfs, as df computes them. */
	ck_assert_uint_eq(b->filesystems[1].size_bytes, (uint64_t)v.f_blocks * v.f_frsize);
	ck_assert_uint_eq(b->filesystems[1].files, v.f_files);
	ck_assert_uint_eq(b->filesystems[1].used_bytes + b->filesystems[1].free_bytes,
	    b->filesystems[1].size_bytes);
	ck_assert_uint_le(b->filesystems[1].available_bytes, b->filesystems[1].free_bytes);
	snapshot_release(a);
	snapshot_release(b);

	two_readings(&a, &t, 1);
	ck_assert_uint_eq(t->nfilesystems, 5);
	ck_assert_str_eq(t->filesystems[1].mountpoint, "/run");
	ck_assert_str_eq(t->filesystems[1].fstype, "tmpfs");
	snapshot_release(a);
	snapshot_release(t);
}
END_TEST

/*
 * Which interfaces are virtual and which disks are built on others, asked of
 * sysfs when a device appears and kept while it stays.
 */
START_TEST(virtual_interfaces_and_stacked_disks)
{
	collector_t *c = collector_create(TREE("stacked"), SYS("stacked"), 1);
	static const char *const nets[] = { "br0", "eth0", "lo", "veth1" };
	static const int net_virtual[] = { 1, 0, 1, 1 };
	static const char *const disks[] = { "sda", "sdb", "dm-0" };
	static const int disk_stacked[] = { 0, 0, 1 };

	for (int round = 0; round < 2; round++) {
		struct snapshot *s = collector_sample(c, 0, (round + 1) * SEC);

		ck_assert_uint_eq(s->nnets, 4);
		for (size_t i = 0; i < 4; i++) {
			ck_assert_str_eq(s->nets[i].name, nets[i]);
			ck_assert_int_eq(s->nets[i].is_virtual, net_virtual[i]);
		}
		ck_assert_uint_eq(s->ndisks, 3);
		for (size_t i = 0; i < 3; i++) {
			ck_assert_str_eq(s->disks[i].name, disks[i]);
			ck_assert_int_eq(s->disks[i].stacked, disk_stacked[i]);
		}
		snapshot_release(s);
	}
	collector_destroy(c);
}
END_TEST

/* c's first sample with rootfs = ROOTFS: its filesystems, in order, are want's n. */
static struct snapshot *
filesystems_listed(collector_t *c, const char *const *want, size_t n)
{
	struct snapshot *s;

	collector_set_filesystems(c, ROOTFS, 0);
	s = collector_sample(c, 0, SEC);
	ck_assert(s->has_filesystems);
	ck_assert_uint_eq(s->nfilesystems, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(s->filesystems[i].mountpoint, want[i]);
	return s;
}

/*
 * df's choices (coreutils' one pass over the table, in order): each btrfs
 * subvolume is listed (one device number for all); a later mount of a
 * filesystem seen already takes its place only when its mount point is
 * shorter and its root no deeper (sdd1's whole at /e over its /x bound at
 * /srv/longer/path), or when its source is a path and the first's is not
 * (/ffff over /f); else the first stays, be it a bind mount of a directory
 * before the whole (/mnt before /mnt/usb: df lists /mnt, checked with df in
 * a mount namespace) or the whole before a bind at a shorter point (sdc1's
 * /data/long, not /d). Network filesystems are left out by type, and by a
 * source that names a server.
 */
START_TEST(filesystems_chosen_as_df_chooses)
{
	collector_t *c = collector_create(TREE("df-rules"), "/nonexistent", 1);
	const char *const want[] = { "/", "/home", "/boot", "/mnt", "/data/long", "/e", "/ffff" };
	struct snapshot *s = filesystems_listed(c, want, sizeof(want) / sizeof(want[0]));

	ck_assert_str_eq(s->filesystems[6].device, "/dev/sde1");
	snapshot_release(s);
	collector_destroy(c);
}
END_TEST

/*
 * A mount that is mounted over is out of the contest between the mounts of
 * its filesystem: sdb1's whole-disk mount at /mnt/usb, under a tmpfs, would
 * win against the bind mount of sdb1's /sub at /srv/nfs, and sdb1 vanish.
 * A mount on a directory above hides one too: sdd1 on /media (id 45) came
 * after sdc1 on /media/a/b (44, on /, not on 45), so /media/a/b is sdd1's
 * now and statvfs there would give sdd1's figures under sdc1's name, where
 * df lists /media alone; sde1 on /media/c sits on 45 and stays in sight.
 */
START_TEST(overmounted_mount_leaves_the_filesystem_listed)
{
	collector_t *c = collector_create(TREE("overmount"), "/nonexistent", 1);
	const char *const want[] = { "/", "/srv/nfs", "/media", "/media/c" };
	struct snapshot *s = filesystems_listed(c, want, sizeof(want) / sizeof(want[0]));

	ck_assert_str_eq(s->filesystems[1].device, "/dev/sdb1");
	ck_assert_str_eq(s->filesystems[2].device, "/dev/sdd1");
	ck_assert_str_eq(s->filesystems[3].device, "/dev/sde1");
	snapshot_release(s);
	collector_destroy(c);
}
END_TEST

/*
 * In a container with the host's root at rootfs, the host's filesystems are
 * in the mount table of the host's init (PROCFS/1): PROCFS/self is the
 * daemon's, the container's own (overlay /, /host, /etc/hosts).
 */
START_TEST(container_lists_the_hosts_filesystems)
{
	collector_t *c = collector_create(TREE("container"), "/nonexistent", 1);
	const char *const want[] = { "/", "/boot", "/home", "/mnt/usb" };
	struct snapshot *s = filesystems_listed(c, want, sizeof(want) / sizeof(want[0]));

	ck_assert_str_eq(s->filesystems[2].device, "/dev/nvme0n1");
	snapshot_release(s);
	/*
	 * Without rootfs: the daemon's own mount table, the container's, and
	 * statvfs() on this machine's paths. Its overlay "/" is no real
	 * filesystem; /host and /etc/hosts are sda1's, whose first mount,
	 * /host, is not here to statvfs; its volume sdc1 on /tmp is. Nothing
	 * of the host's table (its "/" on sda1, /boot).
	 */
	collector_set_filesystems(c, "/", 0);
	s = collector_sample(c, 0, 2 * SEC);
	ck_assert(s->has_filesystems);
	ck_assert_uint_eq(s->nfilesystems, 1);
	ck_assert_str_eq(s->filesystems[0].mountpoint, "/tmp");
	ck_assert_str_eq(s->filesystems[0].device, "/dev/sdc1");
	snapshot_release(s);
	collector_destroy(c);
}
END_TEST

START_TEST(pressure_temperatures_and_the_rest)
{
	struct snapshot *a, *b;
	long page = sysconf(_SC_PAGESIZE);

	two_readings(&a, &b, 0);
	ck_assert(b->psi[PSI_CPU].present);
	ck_assert(b->psi[PSI_CPU].some.present);
	ck_assert(b->psi[PSI_CPU].full.present);	/* all zeros since 5.13: still a line */
	ck_assert_double_eq(b->psi[PSI_CPU].full.total_seconds, 0);
	ck_assert_double_eq_tol(b->psi[PSI_CPU].some.avg10, 2.10, 1e-9);
	ck_assert_double_eq_tol(b->psi[PSI_CPU].some.total_seconds, 123.606789, 1e-9);
	ck_assert_double_eq_tol(b->psi[PSI_IO].full.avg60, 1.60, 1e-9);
	ck_assert_double_eq_tol(b->psi[PSI_MEMORY].full.total_seconds, 2.0075, 1e-9);

	/* hwmon in order, then the thermal zone; millidegrees to degrees. */
	ck_assert_uint_eq(b->ntemps, 4);
	ck_assert_str_eq(b->temps[0].chip, "coretemp");
	ck_assert_str_eq(b->temps[0].label, "Package id 0");
	ck_assert_double_eq_tol(b->temps[0].celsius, 47, 1e-9);
	ck_assert_str_eq(b->temps[1].sensor, "temp2");
	ck_assert_str_eq(b->temps[2].chip, "nvme");
	ck_assert_ptr_null(b->temps[2].label);
	ck_assert_double_eq_tol(b->temps[2].celsius, 39.85, 1e-9);
	ck_assert_str_eq(b->temps[3].sensor, "thermal_zone0");
	ck_assert_double_eq_tol(b->temps[3].celsius, 48, 1e-9);

	ck_assert_double_eq(b->cores[0].frequency_hertz, 3.1e9);
	ck_assert_double_eq(b->cores[1].frequency_hertz, 1.2e9);
	ck_assert(b->cpu_total.frequency_hertz < 0);

	/* /proc/stat's counters over 1.5 s. */
	ck_assert_double_eq_tol(b->context_switches.per_second, 2000 / 1.5, 1e-9);
	ck_assert_double_eq_tol(b->interrupts.per_second, 1000 / 1.5, 1e-9);
	ck_assert_double_eq_tol(b->forks.per_second, 5 / 1.5, 1e-9);
	ck_assert_uint_eq(b->procs_blocked, 0);
	ck_assert(a->forks.per_second < 0);	/* first reading: no rate */

	/* vmstat: 150 pages in, 300 out, over 1.5 s. */
	ck_assert(b->has_vmstat);
	ck_assert_double_eq_tol(b->swap_in_bytes.per_second, 100.0 * page, 1e-6);
	ck_assert_double_eq_tol(b->swap_out_bytes.per_second, 200.0 * page, 1e-6);
	ck_assert_uint_eq(b->swap_in_bytes.total, 3150ull * (uint64_t)page);
	ck_assert(b->has_file_nr && b->has_sockstat);
	snapshot_release(a);
	snapshot_release(b);
}
END_TEST

/* A kernel without PSI, sockstat6 or hwmon: those groups are absent, the rest is there. */
START_TEST(old_kernel_leaves_groups_out)
{
	collector_t *c = collector_create(TREE("oldkernel"), SYS("oldkernel"), 1);
	struct snapshot *s = collector_sample(c, 0, 0);

	for (int r = 0; r < PSI_RESOURCES; r++)
		ck_assert(!s->psi[r].present);
	ck_assert_uint_eq(s->ntemps, 0);
	ck_assert(s->has_cpu);
	/* sockstat without sockstat6 (no IPv6): the v6 counts are unknown. */
	ck_assert(s->has_sockstat);
	ck_assert(!s->has_sockstat6);
	snapshot_release(s);
	collector_destroy(c);
	c = collector_create(TREE("host2"), SYS("host2"), 1);
	s = collector_sample(c, 0, 0);
	ck_assert(s->has_sockstat6);
	snapshot_release(s);
	collector_destroy(c);
}
END_TEST

/* Counters whose sum passes 2^64: the percentages still sum to 100 (was 300, and 1.8e21). */
START_TEST(counters_summing_past_2_64)
{
	collector_t *c = collector_create(TREE("huge-counters"), "/nonexistent", 1);
	struct snapshot *s = collector_sample(c, 0, 0);

	ck_assert(s->has_cpu);
	ck_assert_uint_eq(s->ncores, 1);
	for (int m = 0; m < CPU_MODES; m++) {
		ck_assert(s->cpu_total.percent[m] >= 0 && s->cpu_total.percent[m] <= 100);
		ck_assert(s->cores[0].percent[m] >= 0 && s->cores[0].percent[m] <= 100);
	}
	ck_assert_double_eq_tol(sum_percent(&s->cpu_total), 100, 1e-9);
	ck_assert_double_eq_tol(sum_percent(&s->cores[0]), 100, 1e-9);
	ck_assert_double_eq_tol(s->cpu_total.percent[CPU_USER], 100.0 / 3, 1e-9);
	ck_assert_double_eq_tol(s->cpu_total.percent[CPU_IDLE], 100.0 / 3, 1e-9);
	ck_assert_double_eq_tol(s->cores[0].percent[CPU_USER], 100, 1e-9);
	snapshot_release(s);
	collector_destroy(c);
}
END_TEST

/* Hostile names from the kernel reach JSON and Prometheus intact and escaped. */
START_TEST(hostile_names_round_trip)
{
	collector_t *c = collector_create(TREE("escape"), SYS("escape"), 1);
	struct snapshot *s = collector_sample(c, 0, 0);
	struct strbuf sb = STRBUF_INIT;
	size_t len;
	char *text = snapjson_render(s, &len);
	json_t *o = json_loads(text, 0, NULL), *ifs;
	int found = 0;

	ck_assert_ptr_nonnull(o);
	ifs = json_object_get(json_object_get(o, "network"), "interfaces");
	for (size_t i = 0; i < json_array_size(ifs); i++)
		found += strcmp(json_string_value(json_object_get(json_array_get(ifs, i), "name")),
		    "<script>alert(1)</script>") == 0;
	ck_assert_int_eq(found, 1);
	prom_render(&sb, s);
	ck_assert_ptr_nonnull(strstr(sb.data,
	    "node_network_receive_bytes_total{device=\"a\\\"b&c'd\"} 100\n"));
	ck_assert_ptr_nonnull(strstr(sb.data,
	    "node_network_receive_bytes_total{device=\"<script>alert(1)</script>\"} 1\n"));
	/* The chip label and its chip_name are node_exporter's cleaned name. */
	ck_assert_ptr_nonnull(strstr(sb.data,
	    "node_hwmon_chip_names{chip=\"b__chip__amp\",chip_name=\"b__chip__amp\"} 1\n"));
	strbuf_free(&sb);
	json_decref(o);
	free(text);
	snapshot_release(s);
	collector_destroy(c);
}
END_TEST

/* Whether the newest tick published has its views (the html event) drawn. */
static int
latest_has_views(void)
{
	render_tick_t *t = broadcast_latest();
	size_t len;
	int drawn;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(render_tick_frame(t, RENDER_EV_SNAPSHOT, &len));
	drawn = render_tick_frame(t, RENDER_EV_HTML, &len) != NULL;
	render_tick_unref(t);
	return drawn;
}

/*
 * A tick's cards and charts are drawn only while a stream wants them: a
 * program reading "snapshot" events alone does not pay for the HTML. A
 * stream that wants them later draws its first tick itself (check_render).
 */
START_TEST(views_drawn_only_while_a_stream_wants_them)
{
	collector_t *c = collector_create(TREE("host2"), SYS("host2"), 1);
	broadcast_sub_t *json, *page, *page2;
	int reset;

	broadcast_init(10, 10, NULL);
	collector_tick(c);
	ck_assert(!latest_has_views());	/* nobody watching */
	json = broadcast_subscribe(8, 0, 0, &reset);
	ck_assert_ptr_nonnull(json);
	collector_tick(c);
	ck_assert(!latest_has_views());	/* a "snapshot" stream only */
	ck_assert_uint_eq(broadcast_view_subscribers(), 0);
	page = broadcast_subscribe(8, 0, 0, &reset);
	page2 = broadcast_subscribe(8, 0, 0, &reset);
	broadcast_sub_want_views(page);
	broadcast_sub_want_views(page);	/* counted once */
	broadcast_sub_want_views(page2);
	ck_assert_uint_eq(broadcast_view_subscribers(), 2);
	collector_tick(c);
	ck_assert(latest_has_views());
	broadcast_unsubscribe(page);
	collector_tick(c);
	ck_assert(latest_has_views());	/* page2 still watches */
	broadcast_unsubscribe(page2);
	ck_assert_uint_eq(broadcast_view_subscribers(), 0);
	collector_tick(c);
	ck_assert(!latest_has_views());
	broadcast_unsubscribe(json);
	broadcast_finalise();
	collector_destroy(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("collector");
	TCase *tc = tcase_create("fixtures");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, rates_over_one_tick);
	tcase_add_test(tc, first_reading_is_since_boot);
	tcase_add_test(tc, missing_sources_leave_groups_out_and_recover);
	tcase_add_test(tc, broken_files_never_stop_the_collector);
	tcase_add_test(tc, cpus_that_come_and_go);
	tcase_add_test(tc, idle_counter_stepping_back);
	tcase_add_test(tc, available_above_total);
	tcase_add_test(tc, available_zero_is_memfree);
	tcase_add_test(tc, old_kernel_without_memavailable);
	tcase_add_test(tc, daemon_counters_and_request_rate);
	tcase_add_test(tc, self_cpu_period_grows_with_threads);
	tcase_add_test(tc, own_process_figures);
	tcase_add_test(tc, own_cpu_every_tick_with_the_timer);
	tcase_add_test(tc, interfaces_wrap_vanish_and_appear);
	tcase_add_test(tc, disk_counter_reset_takes_every_rate);
	tcase_add_test(tc, whole_disks_resets_and_new_disks);
	tcase_add_test(tc, filesystems_as_df_lists_them);
	tcase_add_test(tc, container_lists_the_hosts_filesystems);
	tcase_add_test(tc, filesystems_chosen_as_df_chooses);
	tcase_add_test(tc, overmounted_mount_leaves_the_filesystem_listed);
	tcase_add_test(tc, virtual_interfaces_and_stacked_disks);
	tcase_add_test(tc, pressure_temperatures_and_the_rest);
	tcase_add_test(tc, old_kernel_leaves_groups_out);
	tcase_add_test(tc, hostile_names_round_trip);
	tcase_add_test(tc, counters_summing_past_2_64);
	tcase_add_test(tc, views_drawn_only_while_a_stream_wants_them);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
