/*
 * procfs: readers for the kernel's text files under /proc.
 *
 * Each reader takes the directory where procfs is mounted ("/proc" on a host,
 * "tests/data/<tree>/proc" in tests), parses one file and fills a plain
 * struct of raw values: counters stay counters (rates are the collector's
 * job) and sizes are converted to bytes. Readers keep no state and may run in
 * any thread. They return 0 on success and -1 when the file is missing or
 * malformed, leaving errno set where the cause was a system call; they do
 * not log (the caller decides whether a missing file is worth a line).
 */
#ifndef SSE_PROCFS_H
#define SSE_PROCFS_H

#include <stddef.h>
#include <stdint.h>

/* Cumulative CPU time in USER_HZ ticks, as the "cpu" lines of /proc/stat. */
struct procfs_cpu_times {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
};

/* /proc/stat. */
struct procfs_stat {
	struct procfs_cpu_times total;	/* the "cpu" line */
	struct procfs_cpu_times *cores;	/* one per "cpuN" line, in file order */
	unsigned *core_ids;		/* N of each "cpuN" line (offline CPUs leave gaps) */
	size_t ncores;
	uint64_t ctxt;			/* context switches since boot */
	uint64_t intr;			/* interrupts since boot (first number of "intr") */
	uint64_t processes;		/* forks since boot */
	uint64_t procs_running, procs_blocked;
	uint64_t btime;			/* boot time, Unix seconds */
};

/* Parse PROCFS/stat into out; on success out->cores/core_ids are allocated. */
int procfs_read_stat(const char *procfs, struct procfs_stat *out);
/* Free what procfs_read_stat allocated; safe on a zeroed struct. */
void procfs_stat_free(struct procfs_stat *st);

/* /proc/meminfo, in bytes. A field the kernel does not print stays 0. */
struct procfs_meminfo {
	uint64_t mem_total, mem_free, mem_available, buffers, cached;
	uint64_t swap_cached, shmem, sreclaimable, slab, dirty;
	uint64_t swap_total, swap_free;
	int has_mem_available;	/* kernels before 3.14 lack MemAvailable */
};

/* Parse PROCFS/meminfo. Fails if MemTotal is missing. */
int procfs_read_meminfo(const char *procfs, struct procfs_meminfo *out);

/* /proc/loadavg: "0.52 0.58 0.59 2/345 12345". */
struct procfs_loadavg {
	double load1, load5, load15;
	unsigned long tasks_running;	/* runnable scheduling entities */
	unsigned long tasks_total;	/* all scheduling entities (threads) */
};

/* Parse PROCFS/loadavg. */
int procfs_read_loadavg(const char *procfs, struct procfs_loadavg *out);

/* PROCFS/uptime: the first number, seconds since boot. */
int procfs_read_uptime(const char *procfs, double *uptime_seconds);

/*
 * Read a one-line file below procfs (e.g. "sys/kernel/hostname"), without the
 * trailing newline, into buf (always NUL-terminated, truncated to len - 1).
 */
int procfs_read_line(const char *procfs, const char *relpath, char *buf, size_t len);

#endif
