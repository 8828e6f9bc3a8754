/*
 * snapshot: one tick's metrics, immutable once published.
 *
 * DESIGN
 * The collector thread fills a fresh snapshot, then snapshot_publish() makes
 * it the current one; any thread (HTTP handlers, the renderer) may
 * snapshot_acquire() the current one and must snapshot_release() it. The
 * reference count is atomic. The current pointer is guarded by current_lock,
 * held only for the pointer swap (publisher) or the load and increment
 * (readers): that is what closes the load-then-increment race, where a reader
 * loads the pointer, the publisher swaps and drops the last reference, and
 * the reader increments freed memory. Acquisitions are per request or per new
 * stream, never per event, so the lock is cold. The contents are never
 * written after publication, so readers need no lock to read them.
 */
#ifndef SSE_SNAPSHOT_H
#define SSE_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* The CPU modes of /proc/stat, in its order; every consumer loops over them. */
enum snapshot_cpu_mode {
	CPU_USER, CPU_NICE, CPU_SYSTEM, CPU_IDLE,
	CPU_IOWAIT, CPU_IRQ, CPU_SOFTIRQ, CPU_STEAL,
	CPU_MODES
};

/* "user", "nice", ...: the names JSON and Prometheus use for each mode. */
extern const char *const snapshot_cpu_mode_names[CPU_MODES];

/* One CPU (or all of them): percent of the last tick, cumulative seconds. */
struct snapshot_cpu {
	unsigned id;			/* N of cpuN; unused for the total */
	double percent[CPU_MODES];	/* of the last tick; they sum to 100 */
	double seconds[CPU_MODES];	/* since boot */
	double frequency_hertz;		/* current, from cpufreq; < 0 when /sys has none */
};

/*
 * A counter and its rate. The rate is over the last tick (monotonic time);
 * it is < 0 ("null" in JSON) when there is no previous reading of the same
 * device, or the counter went back by more than a 32-bit wrap explains (a
 * reset: driver reload, device re-created).
 */
struct snapshot_counter {
	uint64_t total;
	double per_second;
};

enum snapshot_net_counter {
	NET_RX_BYTES, NET_RX_PACKETS, NET_RX_ERRORS, NET_RX_DROPPED,
	NET_TX_BYTES, NET_TX_PACKETS, NET_TX_ERRORS, NET_TX_DROPPED,
	NET_COUNTERS
};

/* "receive_bytes", ...: JSON adds _total / _per_second, Prometheus node_network_*_total. */
extern const char *const snapshot_net_counter_names[NET_COUNTERS];

struct snapshot_net {
	char *name;			/* owned; as /proc/net/dev spells it */
	struct snapshot_counter c[NET_COUNTERS];
	int is_virtual;			/* no device (sysfs): lo, bridge, veth, VPN */
};

enum snapshot_disk_counter {
	DISK_READS, DISK_WRITES,		/* completed operations */
	DISK_READ_BYTES, DISK_WRITTEN_BYTES,	/* sectors x 512 */
	DISK_IO_SECONDS,			/* time with I/O in flight (ms / 1000) */
	DISK_COUNTERS
};

struct snapshot_disk {
	char *name;			/* owned; "sda", "nvme0n1" */
	struct snapshot_counter c[DISK_COUNTERS];	/* DISK_IO_SECONDS total is in ms */
	double busy_percent;		/* share of the tick with I/O in flight; < 0 unknown */
	int stacked;			/* built on other disks (dm, md): counts their I/O */
};

struct snapshot_fs {
	char *mountpoint, *device, *fstype;	/* owned */
	uint64_t size_bytes, free_bytes, available_bytes, used_bytes;
	uint64_t files, files_free;
	int readonly;
};

/* One line of /proc/pressure/X: "some" or "full". */
struct snapshot_psi_line {
	int present;
	double avg10, avg60, avg300;	/* percent */
	double total_seconds;		/* stall time since boot */
};

enum snapshot_psi_resource { PSI_CPU, PSI_MEMORY, PSI_IO, PSI_RESOURCES };

extern const char *const snapshot_psi_names[PSI_RESOURCES];

struct snapshot_psi {
	int present;			/* the file could be read */
	struct snapshot_psi_line some, full;
};

struct snapshot_temp {
	char *chip;			/* owned: hwmon "name" or thermal zone "type" */
	char *chip_id;			/* owned: node_exporter's chip label; NULL for a zone */
	char *chip_name;		/* owned: node_exporter's chip_name, or NULL (no "name") */
	char *sensor;			/* owned: "temp1", "thermal_zone0" */
	char *label;			/* owned: hwmon tempN_label, or NULL */
	double celsius;
};

/* The request endpoints the daemon counts, and the status codes it answers. */
enum snapshot_endpoint {
	EP_EVENTS, EP_SNAPSHOT, EP_METRICS, EP_HEALTHZ,
	EP_PAGE,	/* everything else: "/" and the page's files, found or not */
	EP_COUNT
};
extern const char *const snapshot_endpoint_names[EP_COUNT];	/* "/events", ..., "page" */

enum snapshot_status {
	ST_200, ST_304, ST_400, ST_404, ST_405, ST_413, ST_429, ST_500, ST_503, ST_OTHER,
	ST_COUNT
};
extern const unsigned snapshot_status_codes[ST_COUNT];	/* 200, ..., 0 for other */

/* Upper bounds (seconds) of the request-duration histogram; +Inf is implied. */
#define SNAPSHOT_DURATION_BUCKETS 12
extern const double snapshot_duration_bounds[SNAPSHOT_DURATION_BUCKETS];

struct snapshot_daemon {
	uint64_t streams_open, streams_total;
	uint64_t streams_rejected_total;	/* refused GETs: max_clients, a connection limit */
	uint64_t requests[EP_COUNT][ST_COUNT];	/* completed, by endpoint and status; streams count when they end */
	uint64_t requests_total;		/* completed non-stream requests */
	double requests_per_second;		/* of those, over the last tick; -1 on the first */
	double request_duration_mean_seconds;	/* of those, over the last tick; < 0 when none */
	/* Non-stream request durations: cumulative bucket counts, Prometheus style. */
	uint64_t duration_bucket[SNAPSHOT_DURATION_BUCKETS + 1];	/* last = +Inf = count */
	double duration_sum_seconds;
	uint64_t events_sent_total;		/* events written to streams */
	uint64_t bytes_sent_total;		/* bytes written to streams */
	uint64_t events_dropped_total;		/* ticks dropped from slow streams' rings */
	uint64_t streams_timed_out_total;	/* closed: the viewer took nothing for timeout s */
	uint64_t requests_timed_out_total;	/* closed: a request begun, not in within request_timeout */
	uint64_t connections_idle_closed_total;	/* closed: not a byte within request_timeout */
	double collect_seconds;			/* CPU time of this tick's collection */
	double render_seconds;			/* CPU time of the previous tick's rendering */
	uint64_t rss_bytes;			/* resident memory */
	double cpu_seconds_total;		/* user + system since start */
	uint64_t threads;
	int64_t start_time_seconds;		/* Unix time the daemon started */
};

struct snapshot {
	atomic_uint refs;	/* private to snapshot.c */

	uint64_t seq;		/* tick number; also the SSE id */
	int64_t timestamp_ns;	/* collection time, Unix epoch nanoseconds */
	double elapsed_seconds;	/* monotonic time since the previous tick (0 on the first) */

	char hostname[256];
	char kernel_release[128];
	int has_uptime;
	double uptime_seconds;
	uint64_t boot_time_seconds;	/* Unix time of boot, 0 if unknown */

	int has_cpu;
	struct snapshot_cpu cpu_total;
	struct snapshot_cpu *cores;	/* ncores entries, owned */
	size_t ncores;

	/* /proc/stat's other counters; valid with has_cpu. */
	struct snapshot_counter forks, context_switches, interrupts;
	uint64_t procs_running, procs_blocked;

	int has_memory;
	uint64_t mem_total_bytes, mem_free_bytes, mem_available_bytes;
	uint64_t mem_used_bytes;	/* total - available, as free(1) prints it */
	/* meminfo's own MemAvailable, for node_exporter's name; kernels before 3.14 lack it. */
	int has_meminfo_available;
	uint64_t meminfo_available_bytes;
	uint64_t mem_buffers_bytes, mem_cached_bytes;	/* cached includes SReclaimable, as free(1) */
	uint64_t mem_shared_bytes, mem_slab_bytes, mem_dirty_bytes;
	/* meminfo's own Cached, SReclaimable and SwapCached, for node_exporter's names. */
	uint64_t mem_page_cache_bytes, mem_sreclaimable_bytes, swap_cached_bytes;
	uint64_t swap_total_bytes, swap_free_bytes, swap_used_bytes;

	int has_vmstat;			/* /proc/vmstat: swap and paging traffic */
	struct snapshot_counter swap_in_bytes, swap_out_bytes;	/* pswpin/pswpout x page size */
	uint64_t vm_pswpin, vm_pswpout, vm_pgpgin, vm_pgpgout, vm_pgfault, vm_pgmajfault;	/* raw */

	int has_load;
	double load1, load5, load15;
	uint64_t tasks_running, tasks_total;	/* scheduling entities (threads), from loadavg */

	int has_file_nr;
	uint64_t files_allocated, files_max;

	int has_sockstat;
	uint64_t sockets_used, tcp_inuse, tcp_orphan, tcp_timewait, tcp_alloc, udp_inuse;
	int has_sockstat6;	/* net/sockstat6 (no IPv6: none, and those two are null) */
	uint64_t tcp6_inuse, udp6_inuse;

	int has_net;
	struct snapshot_net *nets;	/* owned, sorted by name */
	size_t nnets;

	int has_disks;
	struct snapshot_disk *disks;	/* owned, in /proc/diskstats order */
	size_t ndisks;

	int has_filesystems;
	struct snapshot_fs *filesystems;	/* owned, in mount order */
	size_t nfilesystems;

	struct snapshot_psi psi[PSI_RESOURCES];	/* present = 0: no PSI (old kernel, disabled) */

	struct snapshot_temp *temps;	/* owned; none is an empty array, not an error */
	size_t ntemps;

	struct snapshot_daemon daemon;
};

/* A zeroed snapshot holding one reference, for the collector to fill. */
struct snapshot *snapshot_new(void);

/* Take one more reference on s (the caller already holds one). */
struct snapshot *snapshot_ref(struct snapshot *s);

/* Drop one reference; the last one frees s. NULL is ignored. */
void snapshot_release(struct snapshot *s);

/*
 * Make s the current snapshot. Consumes the caller's reference. Only the
 * collector thread publishes.
 */
void snapshot_publish(struct snapshot *s);

/* A new reference to the current snapshot, or NULL before the first publish. */
struct snapshot *snapshot_acquire(void);

/* Drop the current snapshot (shutdown and tests). */
void snapshot_clear(void);

#endif
