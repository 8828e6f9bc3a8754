#include "collector.h"

#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
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
#include "sysfs.h"
#include "xmem.h"

/* At most this many interfaces, disks or filesystems per tick: a host with
 * thousands of veth pairs must not turn every event into megabytes. */
#define COLLECTOR_MAX_DEVICES	512

/* Ticks between two looks for cpufreq on a machine that has none. */
#define COLLECTOR_CPUFREQ_RETRY	60

/* Sources whose failure is logged once, then again only after a recovery. */
enum source {
	SRC_STAT, SRC_MEMINFO, SRC_LOADAVG, SRC_UPTIME, SRC_HOSTNAME, SRC_OSRELEASE,
	SRC_VMSTAT, SRC_NETDEV, SRC_DISKSTATS, SRC_MOUNTINFO, SRC_PSI_CPU, SRC_PSI_MEMORY,
	SRC_PSI_IO, SRC_SOCKSTAT, SRC_FILE_NR, SRC_TEMPS, SRC_SELF,
	SRC_COUNT
};

/* Below procfs, except SRC_TEMPS (below sysfs) and SRC_SELF (the real /proc). */
static const char *const source_files[SRC_COUNT] = {
	"stat", "meminfo", "loadavg", "uptime", "sys/kernel/hostname", "sys/kernel/osrelease",
	"vmstat", "net/dev", "diskstats", "self/mountinfo", "pressure/cpu", "pressure/memory",
	"pressure/io", "net/sockstat", "sys/fs/file-nr", "class/{hwmon,thermal}", "self/stat",
};

struct collector {
	char procfs[PATH_MAX];
	char sysfs[PATH_MAX];
	char rootfs[PATH_MAX];
	int include_tmpfs;
	double ticks_per_second;	/* USER_HZ */
	uint64_t page_size;
	int64_t start_time;		/* Unix seconds */

	/* Collector thread only. */
	uint64_t next_seq;
	int have_prev;
	int64_t prev_mono_ns;
	struct procfs_stat prev_stat;	/* valid when prev_stat_ok */
	int prev_stat_ok;
	struct stats_values prev_stats;
	struct procfs_vmstat prev_vmstat;
	int prev_vmstat_ok;
	struct procfs_netdev *prev_nets;
	size_t prev_nnets;
	int *prev_net_virtual;		/* sysfs_net_is_virtual() of each of prev_nets */
	struct procfs_disk *prev_disks;
	size_t prev_ndisks;
	int *prev_disk_stacked;		/* sysfs_disk_is_stacked() of each of prev_disks */
	double render_seconds;		/* CPU time of the last render */
	char main_tid[24];		/* the main thread's entry in /proc/self/task */
	double self_cpu_seconds;	/* the daemon's CPU time, when last taken */
	uint64_t self_cpu_ticks;	/* ticks since then */
	int64_t self_cpu_mono_ns;	/* and when (mono_ns of that tick) */
	int have_self_cpu;
	timer_t self_cpu_timer;		/* armed: the read is O(1), every tick */
	int self_cpu_timed;
	/*
	 * The mount table, re-read only when it changed: a kept-open
	 * mountinfo on procfs reports POLLPRI after a mount or an unmount
	 * (on other filesystems, fixtures, it is re-read every tick).
	 */
	int mounts_fd;
	int mounts_pollable;
	const char *mounts_pid;		/* whose mountinfo: "self", or "1" (rootfs) */
	struct procfs_mount *mounts;
	size_t nmounts;
	size_t *listed;			/* indices into mounts of what df would list */
	size_t nlisted;
	int have_mounts;
	char release[128];		/* osrelease: fixed until a reboot */
	int have_release;
	unsigned cpufreq_skip;		/* ticks left before asking cpufreq again */
	int failing[SRC_COUNT];
	int warned_devices;		/* COLLECTOR_MAX_DEVICES hit, logged */

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
	ssize_t n;

	snprintf(c->procfs, sizeof(c->procfs), "%s", procfs);
	snprintf(c->sysfs, sizeof(c->sysfs), "%s", sysfs);
	c->ticks_per_second = hz > 0 ? (double)hz : 100.0;
	c->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	c->start_time = (int64_t)time(NULL);
	/*
	 * The main thread's id as this /proc numbers it: /proc/self links to
	 * it, also where /proc belongs to another PID namespace than getpid()'s.
	 */
	if ((n = readlink("/proc/self", c->main_tid, sizeof(c->main_tid) - 1)) > 0)
		c->main_tid[n] = '\0';
	else
		snprintf(c->main_tid, sizeof(c->main_tid), "%ld", (long)getpid());
	snprintf(c->rootfs, sizeof(c->rootfs), "/");
	c->mounts_fd = -1;
	c->mounts_pid = "self";
	c->next_seq = first_seq;
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->wake, &attr);
	pthread_condattr_destroy(&attr);
	collector_set_self_cpu_timer(c, 1);
	return c;
}

/*
 * A process CPU timer set to expire after a century of CPU time, so that
 * the kernel keeps the process's running CPU sum (each thread adds to it
 * as it runs) and clock_gettime(CLOCK_PROCESS_CPUTIME_ID) reads that sum
 * instead of walking every thread. SIGEV_NONE would not do: the kernel
 * starts the sum only for a timer that can signal. SIGURG is ignored by
 * default and used for nothing else here.
 */
int
collector_set_self_cpu_timer(collector_t *c, int on)
{
	struct sigevent sev;
	struct itimerspec its;

	if (c->self_cpu_timed) {
		timer_delete(c->self_cpu_timer);
		c->self_cpu_timed = 0;
	}
	if (!on)
		return 0;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGURG;
	if (timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &c->self_cpu_timer) != 0) {
		log_debug("no process CPU timer (%s): own CPU time taken less often with many threads",
		    strerror(errno));
		return 0;
	}
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)100 * 365 * 86400;
	if (timer_settime(c->self_cpu_timer, 0, &its, NULL) != 0) {
		log_debug("process CPU timer not set (%s): own CPU time taken less often with many threads",
		    strerror(errno));
		timer_delete(c->self_cpu_timer);
		return 0;
	}
	c->self_cpu_timed = 1;
	return 1;
}

static void
forget_mounts(collector_t *c)
{
	if (c->mounts_fd != -1)
		close(c->mounts_fd);
	c->mounts_fd = -1;
	procfs_mounts_free(c->mounts, c->nmounts);
	c->mounts = NULL;
	c->nmounts = 0;
	free(c->listed);
	c->listed = NULL;
	c->nlisted = 0;
	c->have_mounts = 0;
}

void
collector_destroy(collector_t *c)
{
	if (c == NULL)
		return;
	collector_set_self_cpu_timer(c, 0);
	procfs_stat_free(&c->prev_stat);
	procfs_netdev_free(c->prev_nets, c->prev_nnets);
	free(c->prev_net_virtual);
	procfs_disks_free(c->prev_disks, c->prev_ndisks);
	free(c->prev_disk_stacked);
	forget_mounts(c);
	procfs_close_files();
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
collector_set_procfs(collector_t *c, const char *procfs)
{
	snprintf(c->procfs, sizeof(c->procfs), "%s", procfs);
	forget_mounts(c);
	c->have_release = 0;
}

void
collector_set_sysfs(collector_t *c, const char *sysfs)
{
	snprintf(c->sysfs, sizeof(c->sysfs), "%s", sysfs);
	c->cpufreq_skip = 0;
}

void
collector_set_filesystems(collector_t *c, const char *rootfs, int include_tmpfs)
{
	snprintf(c->rootfs, sizeof(c->rootfs), "%s", rootfs);
	c->include_tmpfs = include_tmpfs;
	forget_mounts(c);	/* rootfs decides whose mount table */
}

static const char *
source_root(const collector_t *c, enum source src)
{
	return src == SRC_TEMPS ? c->sysfs : src == SRC_SELF ? "/proc" : c->procfs;
}

/* Log a source's failure once, and its recovery. Returns ok. */
static int
track(collector_t *c, enum source src, int ok)
{
	if (!ok && !c->failing[src]) {
		int err = errno;	/* EINVAL: the reader found bad contents */

		log_warnx("cannot read %s/%s (%s); its metrics are left out until it can be read",
		    source_root(c, src), source_files[src],
		    err == EINVAL ? "unexpected contents" : strerror(err));
		c->failing[src] = 1;
	} else if (ok && c->failing[src]) {
		log_info("%s/%s can be read again", source_root(c, src), source_files[src]);
		c->failing[src] = 0;
	}
	return ok;
}

/*
 * Most of the kernel's counters are unsigned long: 64 bits wide unless the
 * kernel is a 32-bit one, which a 32-bit build of this daemon stands for.
 * A few are 32 bits everywhere (diskstats' millisecond fields).
 */
#define WRAPS32_LONG	(ULONG_MAX == UINT32_MAX)

/*
 * Whether a counter read twice went back because it was reset (a device
 * re-created, a driver reloaded) rather than moved on. A counter that is
 * 32 bits wide (wraps32) and went back by under half its range wrapped;
 * a 64-bit one never wraps in practice, so any step back is a reset.
 */
static int
went_back(uint64_t now, uint64_t before, int wraps32)
{
	if (now >= before)
		return 0;
	return !(wraps32 && before <= UINT32_MAX && now <= UINT32_MAX &&
	    (uint32_t)(now - before) < UINT32_C(0x80000000));
}

/* The rate of a counter read twice, elapsed seconds apart; -1: none. */
static double
rate(uint64_t now, uint64_t before, double elapsed, int wraps32)
{
	if (elapsed <= 0 || went_back(now, before, wraps32))
		return -1;
	return (double)(now >= before ? now - before : (uint32_t)(now - before)) / elapsed;
}

static void
counter_set(struct snapshot_counter *out, uint64_t now, const uint64_t *before, double elapsed)
{
	out->total = now;
	out->per_second = before != NULL ? rate(now, *before, elapsed, WRAPS32_LONG) : -1;
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
	uint64_t t_now[CPU_MODES], t_prev[CPU_MODES] = { 0 }, d[CPU_MODES];
	double total = 0;	/* not uint64_t: eight counters near 2^64 would wrap it */

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
		total += (double)d[m];
	}
	if (total == 0) {
		d[CPU_IDLE] = 1;	/* no time passed on this CPU: call it idle */
		total = 1;
	}
	for (int m = 0; m < CPU_MODES; m++) {
		out->percent[m] = 100.0 * (double)d[m] / total;
		out->seconds[m] = (double)t_now[m] / hz;
	}
}

/*
 * Keep a CPU's counters from going back, since Prometheus reads any step
 * back of node_cpu_seconds_total as a reset and counts the whole counter
 * again: idle and iowait step back by a tick or two on NO_HZ kernels. A
 * step back of idle by COLLECTOR_CPU_JUMP_BACK seconds or more is a CPU
 * taken offline and back (or a new one with the same number): then the
 * counters start afresh, as node_exporter does. now is changed in place,
 * so the previous reading kept for the next tick is the one published.
 */
static void
cpu_keep_monotonic(struct procfs_cpu_times *now, const struct procfs_cpu_times *prev,
    double hz)
{
	if (prev == NULL ||
	    (prev->idle > now->idle && (double)(prev->idle - now->idle) >= COLLECTOR_CPU_JUMP_BACK * hz))
		return;
#define KEEP(f)	if (now->f < prev->f) now->f = prev->f
	KEEP(user); KEEP(nice); KEEP(system); KEEP(idle);
	KEEP(iowait); KEEP(irq); KEEP(softirq); KEEP(steal);
#undef KEEP
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
	cpu_keep_monotonic(&st.total, c->prev_stat_ok ? &c->prev_stat.total : NULL,
	    c->ticks_per_second);
	for (size_t i = 0; i < st.ncores; i++)
		cpu_keep_monotonic(&st.cores[i], prev_core(c, st.core_ids[i], i),
		    c->ticks_per_second);
	cpu_fill(&s->cpu_total, &st.total, c->prev_stat_ok ? &c->prev_stat.total : NULL,
	    c->ticks_per_second);
	s->cpu_total.frequency_hertz = -1;
	for (size_t i = 0; i < st.ncores; i++) {
		s->cores[i].id = st.core_ids[i];
		s->cores[i].frequency_hertz = -1;
		cpu_fill(&s->cores[i], &st.cores[i], prev_core(c, st.core_ids[i], i),
		    c->ticks_per_second);
	}
	/*
	 * No cpufreq (most VMs) is normal, not worth a log line; and then it
	 * is asked again only once a minute of ticks, not every tick.
	 */
	if (c->cpufreq_skip > 0) {
		c->cpufreq_skip--;
	} else {
		int any = 0;

		for (size_t i = 0; i < st.ncores; i++)
			if (sysfs_read_cpufreq(c->sysfs, st.core_ids[i],
			    &s->cores[i].frequency_hertz) == 0)
				any = 1;
			else
				s->cores[i].frequency_hertz = -1;
		if (!any)
			c->cpufreq_skip = COLLECTOR_CPUFREQ_RETRY;
	}
	counter_set(&s->forks, st.processes, c->prev_stat_ok ? &c->prev_stat.processes : NULL,
	    s->elapsed_seconds);
	counter_set(&s->context_switches, st.ctxt, c->prev_stat_ok ? &c->prev_stat.ctxt : NULL,
	    s->elapsed_seconds);
	counter_set(&s->interrupts, st.intr, c->prev_stat_ok ? &c->prev_stat.intr : NULL,
	    s->elapsed_seconds);
	s->procs_running = st.procs_running;
	s->procs_blocked = st.procs_blocked;
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
	 * with one above MemTotal (lxc containers), or with 0 (what the kernel
	 * prints when its estimate goes below zero, under memory pressure),
	 * available is MemFree.
	 */
	s->mem_available_bytes = m.has_mem_available && m.mem_available != 0 &&
	    m.mem_available <= m.mem_total ? m.mem_available : m.mem_free;
	if (s->mem_available_bytes > m.mem_total)
		s->mem_available_bytes = m.mem_total;	/* MemFree > MemTotal: a broken file */
	s->has_meminfo_available = m.has_mem_available;
	s->meminfo_available_bytes = m.mem_available;
	s->mem_used_bytes = m.mem_total - s->mem_available_bytes;
	s->mem_buffers_bytes = m.buffers;
	s->mem_cached_bytes = m.cached + m.sreclaimable;
	s->mem_shared_bytes = m.shmem;
	s->mem_slab_bytes = m.slab;
	s->mem_dirty_bytes = m.dirty;
	s->mem_page_cache_bytes = m.cached;
	s->mem_sreclaimable_bytes = m.sreclaimable;
	s->swap_cached_bytes = m.swap_cached;
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
	/* The running kernel's release changes only with a reboot: read it once. */
	if (!c->have_release)
		c->have_release = track(c, SRC_OSRELEASE, procfs_read_line(c->procfs,
		    "sys/kernel/osrelease", c->release, sizeof(c->release)) == 0);
	snprintf(s->kernel_release, sizeof(s->kernel_release), "%s",
	    c->have_release ? c->release : "");
}

static void
sample_vmstat(collector_t *c, struct snapshot *s)
{
	struct procfs_vmstat v;
	const struct procfs_vmstat *p = c->prev_vmstat_ok ? &c->prev_vmstat : NULL;

	c->prev_vmstat_ok = track(c, SRC_VMSTAT, procfs_read_vmstat(c->procfs, &v) == 0);
	if (!c->prev_vmstat_ok)
		return;
	s->has_vmstat = 1;
	s->vm_pswpin = v.pswpin;
	s->vm_pswpout = v.pswpout;
	s->vm_pgpgin = v.pgpgin;
	s->vm_pgpgout = v.pgpgout;
	s->vm_pgfault = v.pgfault;
	s->vm_pgmajfault = v.pgmajfault;
	/* Pages to bytes; the rate of the product is the product of the rate. */
	counter_set(&s->swap_in_bytes, v.pswpin, p ? &p->pswpin : NULL, s->elapsed_seconds);
	counter_set(&s->swap_out_bytes, v.pswpout, p ? &p->pswpout : NULL, s->elapsed_seconds);
	s->swap_in_bytes.total *= c->page_size;
	s->swap_out_bytes.total *= c->page_size;
	if (s->swap_in_bytes.per_second > 0)
		s->swap_in_bytes.per_second *= (double)c->page_size;
	if (s->swap_out_bytes.per_second > 0)
		s->swap_out_bytes.per_second *= (double)c->page_size;
	c->prev_vmstat = v;
}

/* The cap of COLLECTOR_MAX_DEVICES was hit for what: say so, once. */
static void
too_many(collector_t *c, const char *what)
{
	if (!c->warned_devices)
		log_warnx("more than %d %s; only the first %d are shown",
		    COLLECTOR_MAX_DEVICES, what, COLLECTOR_MAX_DEVICES);
	c->warned_devices = 1;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct snapshot_net *)a)->name, ((const struct snapshot_net *)b)->name);
}

/* The previous reading of interface name, or NULL (it just appeared). */
static const struct procfs_netdev *
prev_net(const collector_t *c, const char *name, size_t hint)
{
	if (hint < c->prev_nnets && strcmp(c->prev_nets[hint].name, name) == 0)
		return &c->prev_nets[hint];
	for (size_t i = 0; i < c->prev_nnets; i++)
		if (strcmp(c->prev_nets[i].name, name) == 0)
			return &c->prev_nets[i];
	return NULL;
}

static void
sample_net(collector_t *c, struct snapshot *s)
{
	struct procfs_netdev *devs = NULL;
	size_t n = 0;
	int *virt;

	if (!track(c, SRC_NETDEV, procfs_read_netdev(c->procfs, &devs, &n) == 0)) {
		procfs_netdev_free(c->prev_nets, c->prev_nnets);
		free(c->prev_net_virtual);
		c->prev_nets = NULL;
		c->prev_net_virtual = NULL;
		c->prev_nnets = 0;
		return;
	}
	virt = xcalloc(n ? n : 1, sizeof(*virt));
	for (size_t i = 0; i < n; i++)
		virt[i] = -1;	/* not asked: past COLLECTOR_MAX_DEVICES */
	if (n > COLLECTOR_MAX_DEVICES)
		too_many(c, "network interfaces");
	s->has_net = 1;
	s->nnets = n > COLLECTOR_MAX_DEVICES ? COLLECTOR_MAX_DEVICES : n;
	s->nets = xcalloc(s->nnets ? s->nnets : 1, sizeof(*s->nets));
	for (size_t i = 0; i < s->nnets; i++) {
		const struct procfs_netdev *d = &devs[i], *p = prev_net(c, d->name, i);
		const uint64_t now[NET_COUNTERS] = {
			[NET_RX_BYTES] = d->rx_bytes, [NET_RX_PACKETS] = d->rx_packets,
			[NET_RX_ERRORS] = d->rx_errs, [NET_RX_DROPPED] = d->rx_drop,
			[NET_TX_BYTES] = d->tx_bytes, [NET_TX_PACKETS] = d->tx_packets,
			[NET_TX_ERRORS] = d->tx_errs, [NET_TX_DROPPED] = d->tx_drop,
		};
		const uint64_t before[NET_COUNTERS] = {
			[NET_RX_BYTES] = p ? p->rx_bytes : 0, [NET_RX_PACKETS] = p ? p->rx_packets : 0,
			[NET_RX_ERRORS] = p ? p->rx_errs : 0, [NET_RX_DROPPED] = p ? p->rx_drop : 0,
			[NET_TX_BYTES] = p ? p->tx_bytes : 0, [NET_TX_PACKETS] = p ? p->tx_packets : 0,
			[NET_TX_ERRORS] = p ? p->tx_errs : 0, [NET_TX_DROPPED] = p ? p->tx_drop : 0,
		};

		/* One counter reset: the interface was re-created, none has a rate. */
		for (int k = 0; p != NULL && k < NET_COUNTERS; k++)
			if (went_back(now[k], before[k], WRAPS32_LONG))
				p = NULL;
		s->nets[i].name = xstrdup(d->name);
		for (int k = 0; k < NET_COUNTERS; k++)
			counter_set(&s->nets[i].c[k], now[k], p ? &before[k] : NULL,
			    s->elapsed_seconds);
		/* Asked of sysfs when the interface appears (or was re-created). */
		virt[i] = p != NULL ? c->prev_net_virtual[p - c->prev_nets] : -1;
		if (virt[i] == -1)
			virt[i] = sysfs_net_is_virtual(c->sysfs, d->name);
		s->nets[i].is_virtual = virt[i];
	}
	qsort(s->nets, s->nnets, sizeof(*s->nets), by_name);
	procfs_netdev_free(c->prev_nets, c->prev_nnets);
	free(c->prev_net_virtual);
	c->prev_nets = devs;
	c->prev_nnets = n;
	c->prev_net_virtual = virt;
}

/* loop, ram and zram devices that never did any I/O: there are dozens. */
static int
idle_virtual_disk(const struct procfs_disk *d)
{
	return (strncmp(d->name, "loop", 4) == 0 || strncmp(d->name, "ram", 3) == 0 ||
	    strncmp(d->name, "zram", 4) == 0) && d->reads == 0 && d->writes == 0;
}

static const struct procfs_disk *
prev_disk(const collector_t *c, const char *name)
{
	for (size_t i = 0; i < c->prev_ndisks; i++)
		if (strcmp(c->prev_disks[i].name, name) == 0)
			return &c->prev_disks[i];
	return NULL;
}

static void
sample_disks(collector_t *c, struct snapshot *s)
{
	struct procfs_disk *disks = NULL;
	size_t n = 0;
	int *stacked;

	if (!track(c, SRC_DISKSTATS, procfs_read_diskstats(c->procfs, &disks, &n) == 0)) {
		procfs_disks_free(c->prev_disks, c->prev_ndisks);
		free(c->prev_disk_stacked);
		c->prev_disks = NULL;
		c->prev_disk_stacked = NULL;
		c->prev_ndisks = 0;
		return;
	}
	stacked = xcalloc(n ? n : 1, sizeof(*stacked));
	for (size_t i = 0; i < n; i++)
		stacked[i] = -1;	/* not asked: a disk skipped (partition, idle loop) */
	s->has_disks = 1;
	s->disks = xcalloc(n ? n : 1, sizeof(*s->disks));
	for (size_t i = 0; i < n; i++) {
		const struct procfs_disk *d = &disks[i], *p;
		struct snapshot_disk *o;
		double el = s->elapsed_seconds;

		/* Whole disks only; without /sys/block we cannot tell, and keep all. */
		if (idle_virtual_disk(d) || sysfs_is_whole_disk(c->sysfs, d->name) == 0)
			continue;
		if (s->ndisks == COLLECTOR_MAX_DEVICES) {
			too_many(c, "disks");
			break;
		}
		p = prev_disk(c, d->name);
		/* One counter reset: the disk was re-attached, none has a rate. */
		if (p != NULL && (went_back(d->reads, p->reads, WRAPS32_LONG) ||
		    went_back(d->writes, p->writes, WRAPS32_LONG) ||
		    went_back(d->sectors_read, p->sectors_read, WRAPS32_LONG) ||
		    went_back(d->sectors_written, p->sectors_written, WRAPS32_LONG) ||
		    went_back(d->io_ms, p->io_ms, 1)))
			p = NULL;
		o = &s->disks[s->ndisks++];
		o->name = xstrdup(d->name);
		/* Asked of sysfs when the disk appears (or was re-attached). */
		stacked[i] = p != NULL ? c->prev_disk_stacked[p - c->prev_disks] : -1;
		if (stacked[i] == -1)
			stacked[i] = sysfs_disk_is_stacked(c->sysfs, d->name);
		o->stacked = stacked[i];
		counter_set(&o->c[DISK_READS], d->reads, p ? &p->reads : NULL, el);
		counter_set(&o->c[DISK_WRITES], d->writes, p ? &p->writes : NULL, el);
		/* diskstats counts 512-byte sectors whatever the device's sector size. */
		counter_set(&o->c[DISK_READ_BYTES], d->sectors_read, p ? &p->sectors_read : NULL, el);
		counter_set(&o->c[DISK_WRITTEN_BYTES], d->sectors_written,
		    p ? &p->sectors_written : NULL, el);
		for (int k = DISK_READ_BYTES; k <= DISK_WRITTEN_BYTES; k++) {
			o->c[k].total *= 512;
			if (o->c[k].per_second > 0)
				o->c[k].per_second *= 512;
		}
		/* io_ms is printed as an unsigned int: it wraps every 49.7 days. */
		o->c[DISK_IO_SECONDS].total = d->io_ms;
		o->c[DISK_IO_SECONDS].per_second = p ? rate(d->io_ms, p->io_ms, el, 1) : -1;
		o->busy_percent = -1;
		if (o->c[DISK_IO_SECONDS].per_second >= 0) {
			/* ms of I/O per second of tick: /10 makes it percent. */
			o->c[DISK_IO_SECONDS].per_second /= 1000;
			o->busy_percent = o->c[DISK_IO_SECONDS].per_second * 100;
			if (o->busy_percent > 100)
				o->busy_percent = 100;
		}
	}
	procfs_disks_free(c->prev_disks, c->prev_ndisks);
	free(c->prev_disk_stacked);
	c->prev_disks = disks;
	c->prev_ndisks = n;
	c->prev_disk_stacked = stacked;
}

/*
 * Filesystems df(1) would list, less what node_exporter leaves out by
 * default: not the kernel's pseudo filesystems, not tmpfs unless asked, not
 * overlay, squashfs and iso9660 (a container's root, a snap, a CD: one per
 * container or snap), and not network filesystems, whose statvfs() blocks
 * the whole tick for as long as a dead server does not answer. Network ones
 * are known by type, or as df(1) knows them: by a source with a ':'
 * ("server:/export", "user@host:dir") or a leading "//" (SMB). Those of
 * size 0 (other pseudo filesystems) are left out when statvfs() says so.
 */
static int
real_filesystem(const collector_t *c, const struct procfs_mount *m)
{
	static const char *const skip[] = {
		"autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs",
		"devpts", "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs",
		"proc", "pstore", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs",
		"sysfs", "tracefs", "iso9660", "overlay", "erofs", "fuse.lxcfs", "fuse.portal",
		"fuse.gvfsd-fuse",
		/* network and cluster filesystems */
		"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "9p", "afs",
		"coda", "lustre", "beegfs", "fhgfs", "gpfs", "ocfs2", "acfs", "auristorfs",
		"fuse.sshfs", "fuse.glusterfs", "fuse.ceph-fuse", "fuse.rclone", "fuse.s3fs",
		"fuse.gcsfuse", "fuse.davfs", "fuse.curlftpfs", "fuse.juicefs", "davfs",
	};

	if (strchr(m->source, ':') != NULL || strncmp(m->source, "//", 2) == 0)
		return 0;
	if (strcmp(m->fstype, "tmpfs") == 0)
		return c->include_tmpfs;
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcmp(m->fstype, skip[i]) == 0)
			return 0;
	return 1;
}

/*
 * Whether later, a mount of the filesystem that seen (listed so far) is
 * mounted from too, takes seen's place, as coreutils' df decides it in its
 * one pass over the table in order: when later's source is a path and
 * seen's is not, or when later's mount point is shorter and its root no
 * deeper in the filesystem (a bind mount of a directory does not replace
 * the mount of the whole). Otherwise the first seen stays, even a bind
 * mount of a directory before the whole.
 */
static int
mount_replaces(const struct procfs_mount *later, const struct procfs_mount *seen)
{
	if (strchr(later->source, '/') != NULL && strchr(seen->source, '/') == NULL)
		return 1;
	return strlen(seen->mountpoint) > strlen(later->mountpoint) &&
	    !(strlen(seen->root) < strlen(later->root));
}

/* 1 when the mount table must be read again (or for the first time). */
static int
mounts_changed(collector_t *c)
{
	struct pollfd p;
	struct statfs fs;
	char path[PATH_MAX + 32];

	if (c->mounts_fd == -1) {
		/*
		 * With the host's root below rootfs (a container), its mounts
		 * are those of the host's init: self's are the container's own.
		 * procfs hidden by hidepid= leaves self, as node_exporter does.
		 */
		c->mounts_pid = "self";
		if (strcmp(c->rootfs, "/") != 0) {
			snprintf(path, sizeof(path), "%s/1/mountinfo", c->procfs);
			if ((c->mounts_fd = open(path, O_RDONLY | O_CLOEXEC)) != -1)
				c->mounts_pid = "1";
		}
		snprintf(path, sizeof(path), "%s/%s/mountinfo", c->procfs, c->mounts_pid);
		if (c->mounts_fd == -1)
			c->mounts_fd = open(path, O_RDONLY | O_CLOEXEC);
		c->mounts_pollable = c->mounts_fd != -1 && fstatfs(c->mounts_fd, &fs) == 0 &&
		    fs.f_type == PROC_SUPER_MAGIC;
		return 1;
	}
	if (!c->have_mounts || !c->mounts_pollable)
		return 1;
	p.fd = c->mounts_fd;
	p.events = POLLPRI;
	p.revents = 0;
	return poll(&p, 1, 0) == -1 || (p.revents & (POLLERR | POLLPRI)) != 0;
}

/* Whether a mount on point a covers what is at point b: a is b, or a directory above it. */
static int
point_covers(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (strncmp(a, b, n) != 0)
		return 0;
	return b[n] == '\0' || b[n] == '/' || (n > 0 && a[n - 1] == '/');
}

static int
mount_id_cmp(const void *a, const void *b)
{
	const struct procfs_mount *x = *(const struct procfs_mount *const *)a;
	const struct procfs_mount *y = *(const struct procfs_mount *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Which of the n mounts are out of sight, as under[i]: mounted over, by a
 * later mount on the same point, or by any mount on a directory above
 * theirs that they do not sit on (mount B on /x after A on /x/y: /x/y is
 * then B's, and statvfs("/x/y") gives B's figures). What a mount sits on
 * is its chain of parents, by id.
 */
static void
mounts_hidden(const struct procfs_mount *m, size_t n, unsigned char *under)
{
	const struct procfs_mount **by_id = xcalloc(n ? n : 1, sizeof(*by_id));
	size_t *up = xcalloc(n ? n : 1, sizeof(*up));	/* the parent's index; n: none listed */

	for (size_t i = 0; i < n; i++)
		by_id[i] = &m[i];
	qsort(by_id, n, sizeof(*by_id), mount_id_cmp);
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = n;

		up[i] = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (by_id[mid]->id < m[i].parent)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < n && by_id[lo]->id == m[i].parent && by_id[lo] != &m[i])
			up[i] = (size_t)(by_id[lo] - m);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n && !under[i]; j++) {
			size_t a, steps;

			if (j == i || !point_covers(m[j].mountpoint, m[i].mountpoint))
				continue;
			if (strcmp(m[j].mountpoint, m[i].mountpoint) == 0) {
				under[i] = j > i;	/* the later of two on one point is on top */
				continue;
			}
			/* Above i's point: it hides i unless i sits on it. */
			for (a = up[i], steps = 0; a != n && a != j && steps < n; a = up[a], steps++)
				;
			under[i] = a != j;
		}
	}
	free(up);
	free(by_id);
}

/*
 * The mounts df would list, chosen once per mount table (not per tick): real
 * filesystems only (see real_filesystem), one line per filesystem (bind
 * mounts, a file mounted over /etc/hosts in a container; but each btrfs
 * subvolume, as df lists them) as mount_replaces() picks, in the place of
 * the first mount seen of it, and a mount point mounted over again only as
 * its top mount.
 */
static void
choose_filesystems(collector_t *c)
{
	const struct procfs_mount *m = c->mounts;
	size_t n = c->nmounts;
	unsigned char *under;

	free(c->listed);
	c->listed = xcalloc(n ? n : 1, sizeof(*c->listed));
	c->nlisted = 0;
	/*
	 * First which mounts are mounted over (by any mount, real or not):
	 * those are out of sight, and out of the choice between the mounts of
	 * one filesystem too, or a hidden one could be chosen and the
	 * filesystem vanish from the list.
	 */
	under = xcalloc(n ? n : 1, 1);
	mounts_hidden(m, n, under);
	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (under[i] || !real_filesystem(c, &m[i]))
			continue;
		for (k = 0; k < c->nlisted; k++) {
			const struct procfs_mount *seen = &m[c->listed[k]];

			if (seen->major == m[i].major && seen->minor == m[i].minor &&
			    seen->subvolid == m[i].subvolid)
				break;
		}
		if (k < c->nlisted) {
			if (mount_replaces(&m[i], &m[c->listed[k]]))
				c->listed[k] = i;
			continue;
		}
		if (c->nlisted == COLLECTOR_MAX_DEVICES) {
			too_many(c, "filesystems");
			break;
		}
		c->listed[c->nlisted++] = i;
	}
	free(under);
}

static void
sample_filesystems(collector_t *c, struct snapshot *s)
{
	char path[2 * PATH_MAX];

	if (mounts_changed(c)) {
		procfs_mounts_free(c->mounts, c->nmounts);
		c->mounts = NULL;
		c->nmounts = 0;
		c->have_mounts = track(c, SRC_MOUNTINFO,
		    procfs_read_mountinfo(c->procfs, c->mounts_pid, &c->mounts, &c->nmounts) == 0);
		if (c->have_mounts)
			choose_filesystems(c);
	}
	if (!c->have_mounts)
		return;
	s->has_filesystems = 1;
	s->filesystems = xcalloc(c->nlisted ? c->nlisted : 1, sizeof(*s->filesystems));
	for (size_t k = 0; k < c->nlisted; k++) {
		const struct procfs_mount *m = &c->mounts[c->listed[k]];
		struct snapshot_fs *f;
		struct statvfs v;

		snprintf(path, sizeof(path), "%s%s", strcmp(c->rootfs, "/") == 0 ? "" : c->rootfs,
		    m->mountpoint);
		if (statvfs(path, &v) == -1)
			continue;	/* not ours to see (EACCES), or gone since */
		if (v.f_blocks == 0)
			continue;	/* a pseudo filesystem, as df hides them */
		f = &s->filesystems[s->nfilesystems++];
		f->mountpoint = xstrdup(m->mountpoint);
		f->device = xstrdup(m->source);
		f->fstype = xstrdup(m->fstype);
		f->size_bytes = (uint64_t)v.f_blocks * v.f_frsize;
		f->free_bytes = (uint64_t)v.f_bfree * v.f_frsize;
		f->available_bytes = (uint64_t)v.f_bavail * v.f_frsize;
		f->used_bytes = v.f_bfree < v.f_blocks ?
		    (uint64_t)(v.f_blocks - v.f_bfree) * v.f_frsize : 0;
		f->files = v.f_files;
		f->files_free = v.f_ffree;
		/* Not statvfs's ST_RDONLY: that is this mount's flag (see procfs). */
		f->readonly = m->readonly;
	}
}

static void
psi_line(struct snapshot_psi_line *out, const struct procfs_psi_line *in)
{
	out->present = in->present;
	out->avg10 = in->avg10;
	out->avg60 = in->avg60;
	out->avg300 = in->avg300;
	out->total_seconds = (double)in->total_us / 1e6;
}

static void
sample_pressure(collector_t *c, struct snapshot *s)
{
	for (int r = 0; r < PSI_RESOURCES; r++) {
		struct procfs_psi p;

		memset(&p, 0, sizeof(p));
		if (!track(c, (enum source)(SRC_PSI_CPU + r),
		    procfs_read_psi(c->procfs, snapshot_psi_names[r], &p) == 0))
			continue;
		s->psi[r].present = 1;
		psi_line(&s->psi[r].some, &p.some);
		psi_line(&s->psi[r].full, &p.full);
	}
}

static void
sample_kernel(collector_t *c, struct snapshot *s)
{
	struct procfs_sockstat ss;
	struct sysfs_temp *t = NULL;
	size_t n = 0;

	s->has_file_nr = track(c, SRC_FILE_NR,
	    procfs_read_file_nr(c->procfs, &s->files_allocated, &s->files_max) == 0);
	memset(&ss, 0, sizeof(ss));
	if (track(c, SRC_SOCKSTAT, procfs_read_sockstat(c->procfs, &ss) == 0)) {
		s->has_sockstat = 1;
		s->sockets_used = ss.sockets_used;
		s->tcp_inuse = ss.tcp_inuse;
		s->tcp_orphan = ss.tcp_orphan;
		s->tcp_timewait = ss.tcp_tw;
		s->tcp_alloc = ss.tcp_alloc;
		s->udp_inuse = ss.udp_inuse;
		s->has_sockstat6 = ss.has_v6;
		s->tcp6_inuse = ss.tcp6_inuse;
		s->udp6_inuse = ss.udp6_inuse;
	}
	if (track(c, SRC_TEMPS, sysfs_read_temps(c->sysfs, &t, &n) == 0)) {
		s->ntemps = n;
		s->temps = xcalloc(n ? n : 1, sizeof(*s->temps));
		for (size_t i = 0; i < n; i++) {
			/* The snapshot takes the strings over. */
			s->temps[i].chip = t[i].chip;
			s->temps[i].chip_id = t[i].chip_id;
			s->temps[i].chip_name = t[i].chip_name;
			s->temps[i].sensor = t[i].sensor;
			s->temps[i].label = t[i].label;
			s->temps[i].celsius = t[i].celsius;
			t[i].chip = t[i].chip_id = t[i].chip_name = t[i].sensor = t[i].label = NULL;
		}
		sysfs_temps_free(t, n);
	}
}

static int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
sample_daemon(collector_t *c, struct snapshot *s, double elapsed, int64_t mono_ns)
{
	struct snapshot_daemon *d = &s->daemon;
	struct procfs_pidstat self;
	struct stats_values now;
	uint64_t requests, duration, cumulative = 0;
	unsigned open;

	stats_read(&now);
	broadcast_counts(&open, &d->streams_total);
	d->streams_open = open;
	d->streams_rejected_total = now.streams_rejected_total;
	memcpy(d->requests, now.requests, sizeof(d->requests));
	d->requests_total = now.requests_total;
	for (int b = 0; b <= SNAPSHOT_DURATION_BUCKETS; b++) {
		cumulative += now.duration_bucket[b];
		d->duration_bucket[b] = cumulative;
	}
	d->duration_sum_seconds = (double)now.request_duration_ns_total / 1e9;
	d->events_dropped_total = now.events_dropped_total;
	d->streams_timed_out_total = now.streams_timed_out_total;
	d->requests_timed_out_total = now.requests_timed_out_total;
	d->connections_idle_closed_total = now.connections_idle_closed_total;
	broadcast_sent(&d->events_sent_total, &d->bytes_sent_total);
	d->request_duration_mean_seconds = -1;
	d->requests_per_second = -1;	/* none on the first tick, as every rate */
	if (c->have_prev && elapsed > 0) {
		requests = delta(now.requests_total, c->prev_stats.requests_total);
		duration = delta(now.request_duration_ns_total, c->prev_stats.request_duration_ns_total);
		d->requests_per_second = (double)requests / elapsed;
		if (requests > 0)
			d->request_duration_mean_seconds = (double)duration / 1e9 / (double)requests;
	}
	c->prev_stats = now;
	d->render_seconds = c->render_seconds;
	d->start_time_seconds = c->start_time;
	/*
	 * One thread's stat, not the process's: its RSS and thread count are
	 * the process's, and the kernel makes /proc/self/stat by walking
	 * every thread (8 ms of this thread's CPU per tick with 19,000
	 * streams open). The main thread lives as long as the process.
	 */
	if (track(c, SRC_SELF, procfs_read_pidstat("/proc/self/task", c->main_tid, &self) == 0)) {
		d->rss_bytes = self.rss_pages * c->page_size;
		d->threads = self.num_threads;
	}
	c->self_cpu_ticks++;
	if (c->self_cpu_timed || !c->have_self_cpu ||
	    c->self_cpu_ticks >= collector_self_cpu_period(d->threads) ||
	    mono_ns - c->self_cpu_mono_ns >= COLLECTOR_SELF_CPU_MAX_AGE_NS) {
		c->self_cpu_seconds = (double)clock_ns(CLOCK_PROCESS_CPUTIME_ID) / 1e9;
		c->self_cpu_ticks = 0;
		c->self_cpu_mono_ns = mono_ns;
		c->have_self_cpu = 1;
	}
	d->cpu_seconds_total = c->self_cpu_seconds;
}

uint64_t
collector_self_cpu_period(uint64_t threads)
{
	return threads < COLLECTOR_SELF_CPU_THREADS ? 1 : threads / COLLECTOR_SELF_CPU_THREADS;
}

struct snapshot *
collector_sample(collector_t *c, int64_t wall_ns, int64_t mono_ns)
{
	struct snapshot *s = snapshot_new();
	int64_t cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);

	s->seq = c->next_seq++;
	s->timestamp_ns = wall_ns;
	if (c->have_prev)
		s->elapsed_seconds = (double)(mono_ns - c->prev_mono_ns) / 1e9;
	sample_cpu(c, s);
	sample_memory(c, s);
	sample_vmstat(c, s);
	sample_host(c, s);
	sample_net(c, s);
	sample_disks(c, s);
	sample_filesystems(c, s);
	sample_pressure(c, s);
	sample_kernel(c, s);
	sample_daemon(c, s, s->elapsed_seconds, mono_ns);
	c->have_prev = 1;
	c->prev_mono_ns = mono_ns;
	s->daemon.collect_seconds = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) / 1e9;
	return s;
}

void
collector_tick(collector_t *c)
{
	struct snapshot *s = collector_sample(c, clock_ns(CLOCK_REALTIME), clock_ns(CLOCK_MONOTONIC));
	render_tick_t *t;
	int64_t cpu0;

	snapshot_publish(snapshot_ref(s));
	cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	/*
	 * Nobody watching the views (no stream, or only "snapshot" ones): they
	 * wait until a stream wants them (render_tick_views()).
	 */
	t = broadcast_view_subscribers() > 0 ? render_tick_create(s) : render_tick_create_json(s);
	c->render_seconds = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) / 1e9;
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
