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

	int has_memory;
	uint64_t mem_total_bytes, mem_free_bytes, mem_available_bytes;
	uint64_t mem_used_bytes;	/* total - available, as free(1) prints it */
	uint64_t mem_buffers_bytes, mem_cached_bytes;	/* cached includes SReclaimable, as free(1) */
	uint64_t swap_total_bytes, swap_free_bytes, swap_used_bytes;

	int has_load;
	double load1, load5, load15;
	uint64_t tasks_running, tasks_total;

	/* The daemon's own. */
	uint64_t streams_open, streams_total;
	uint64_t streams_rejected_total;	/* refused: max_clients open */
	uint64_t requests_total;	/* completed requests, streams excluded */
	double requests_per_second;	/* over the last tick */
	double request_duration_mean_seconds;	/* over the last tick; < 0 when none */
	uint64_t events_dropped_total;	/* ticks dropped from slow streams' rings */
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
