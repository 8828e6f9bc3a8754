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

/* /proc/vmstat: the counters we use (pages; 0 when the kernel lacks one). */
struct procfs_vmstat {
	uint64_t pswpin, pswpout;	/* pages swapped in / out */
	uint64_t pgpgin, pgpgout;	/* KiB paged in / out from block devices */
	uint64_t pgfault, pgmajfault;
};

/* Parse PROCFS/vmstat. Fails if none of the fields above is present. */
int procfs_read_vmstat(const char *procfs, struct procfs_vmstat *out);

/* One interface of /proc/net/dev: raw counters, in the file's column order. */
struct procfs_netdev {
	char *name;	/* heap; the name before the ':' without leading blanks */
	uint64_t rx_bytes, rx_packets, rx_errs, rx_drop;
	uint64_t tx_bytes, tx_packets, tx_errs, tx_drop;
};

/*
 * Parse PROCFS/net/dev into a heap array *out of *n interfaces, in file
 * order. A name is everything before the line's first ':' after leading
 * blanks, taken as written: the kernel forbids ':', whitespace and '/' in
 * names, but this reader does not rely on it, nor on IFNAMSIZ. Each line
 * must hold exactly 16 numbers. Free with procfs_netdev_free (NULL is fine).
 */
int procfs_read_netdev(const char *procfs, struct procfs_netdev **out, size_t *n);
void procfs_netdev_free(struct procfs_netdev *devs, size_t n);

/* One line of /proc/diskstats. */
struct procfs_disk {
	unsigned major, minor;
	char *name;		/* heap */
	uint64_t reads, reads_merged, sectors_read, read_ms;
	uint64_t writes, writes_merged, sectors_written, write_ms;
	uint64_t in_flight, io_ms, weighted_io_ms;
};

/*
 * Parse PROCFS/diskstats (all lines, partitions included). A line holds 11
 * numbers (before 4.18), 15 (discard fields) or 17 or more (flush fields,
 * 5.5+); any other count is EINVAL.
 */
int procfs_read_diskstats(const char *procfs, struct procfs_disk **out, size_t *n);
void procfs_disks_free(struct procfs_disk *disks, size_t n);

/* One line of /proc/self/mountinfo, octal escapes (\040 ...) decoded. */
struct procfs_mount {
	char *mountpoint, *fstype, *source;	/* heap */
	char *root;		/* heap: what of the filesystem is mounted ("/": all of it) */
	uint64_t id, parent;	/* this mount's id, and that of the mount it is on */
	unsigned major, minor;
	uint64_t subvolid;	/* btrfs: the subvolume's id ("subvolid="); else 0 */
	int readonly;		/* "ro" among the filesystem's (super) options */
};

/* Parse PROCFS/PID/mountinfo (PID: "self", "1", ...), in file (mount) order. */
int procfs_read_mountinfo(const char *procfs, const char *pid, struct procfs_mount **out,
    size_t *n);
void procfs_mounts_free(struct procfs_mount *mounts, size_t n);

/* /proc/pressure/{cpu,memory,io}: "some" and "full" lines. */
struct procfs_psi_line {
	int present;
	double avg10, avg60, avg300;	/* percent */
	uint64_t total_us;		/* microseconds stalled since boot */
};
struct procfs_psi {
	struct procfs_psi_line some, full;	/* cpu has "full" only since 5.13 */
};

/*
 * Parse PROCFS/pressure/RESOURCE ("cpu", "memory", "io"). Fails without
 * "some"; other unknown lines are ignored. A RESOURCE that is not a plain
 * file name ("", "..", holding '/') is EINVAL. Kernels before 4.20, without
 * CONFIG_PSI or booted with psi=0 have no pressure/: ENOENT.
 */
int procfs_read_psi(const char *procfs, const char *resource, struct procfs_psi *out);

/* /proc/net/sockstat and sockstat6 (the latter may be missing: no IPv6). */
struct procfs_sockstat {
	uint64_t sockets_used;
	uint64_t tcp_inuse, tcp_orphan, tcp_tw, tcp_alloc, tcp_mem_pages;
	uint64_t udp_inuse;
	int has_v6;
	uint64_t tcp6_inuse, udp6_inuse;
};

/*
 * Parse PROCFS/net/sockstat (required) and PROCFS/net/sockstat6 (optional:
 * when it does not exist has_v6 is 0; when it exists but is malformed the
 * whole read fails with EINVAL).
 */
int procfs_read_sockstat(const char *procfs, struct procfs_sockstat *out);

/* PROCFS/sys/fs/file-nr: "allocated unused max". */
int procfs_read_file_nr(const char *procfs, uint64_t *allocated, uint64_t *max);

/* A process's own figures from PROCFS/PID/stat (PID may be "self"). */
struct procfs_pidstat {
	uint64_t utime, stime;		/* USER_HZ ticks */
	uint64_t num_threads;
	uint64_t rss_pages;
	uint64_t starttime;		/* USER_HZ ticks after boot */
};

/*
 * Parse PROCFS/PID/stat; the comm field may hold spaces and ')' (the last
 * ')' ends it). A PID that is not a plain file name is EINVAL.
 */
int procfs_read_pidstat(const char *procfs, const char *pid, struct procfs_pidstat *out);

/*
 * The readers keep the files they read open (at most 64), to read them
 * again with one system call; close them all. Any thread, once no reader runs.
 */
void procfs_close_files(void);

#endif
