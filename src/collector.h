/*
 * collector: reads the host once per tick and publishes the result.
 *
 * DESIGN
 * One collector thread per daemon. Each tick it reads /proc (through procfs),
 * builds a new snapshot from the readings and the previous tick's counters
 * (rates are deltas over the measured monotonic time), publishes it
 * (snapshot_publish), renders it once (render_tick_create) and hands the
 * result to every stream (broadcast_publish). The previous counters and the
 * "already warned" flags belong to the collector thread alone. main may call
 * collector_set_interval() from another thread: the interval is guarded by
 * lock, which also carries the stop flag and the condition the thread sleeps
 * on (CLOCK_MONOTONIC), so a stop or a new interval takes effect at once.
 */
#ifndef SSE_COLLECTOR_H
#define SSE_COLLECTOR_H

#include <stdint.h>

#include "snapshot.h"

typedef struct collector collector_t;

/*
 * A collector reading procfs (e.g. "/proc") and sysfs. Its first snapshot
 * gets seq first_seq; each later one the next number.
 */
collector_t *collector_create(const char *procfs, const char *sysfs, uint64_t first_seq);

/* Free c; its thread must be stopped. */
void collector_destroy(collector_t *c);

/* Read from another procfs directory from the next sample on (tests). */
void collector_set_procfs(collector_t *c, const char *procfs);

/* Read from another sysfs directory from the next sample on (tests). */
void collector_set_sysfs(collector_t *c, const char *sysfs);

/*
 * Filesystem sizes: statvfs() each mount point below rootfs ("/" on a host,
 * "/host" in a container that mounts the host's root there); tmpfs mounts
 * are listed only with include_tmpfs. Call before the thread starts.
 */
void collector_set_filesystems(collector_t *c, const char *rootfs, int include_tmpfs);

/*
 * Read everything once and return a new snapshot (one reference) stamped
 * wall_ns (Unix ns) and mono_ns (CLOCK_MONOTONIC ns, for rates). On the
 * first sample, CPU percentages are averages since boot, as vmstat's first
 * line. A source that cannot be read leaves its group absent (has_* = 0) and
 * is logged once until it comes back. Called by one thread at a time.
 */
struct snapshot *collector_sample(collector_t *c, int64_t wall_ns, int64_t mono_ns);

/*
 * A CPU's counters never go back in what is published (NO_HZ kernels step
 * idle back by a tick or two), unless idle went back by this many seconds
 * or more: a CPU taken offline and back, whose counters start afresh.
 */
#define COLLECTOR_CPU_JUMP_BACK 3.0

/*
 * The daemon's own CPU time. The kernel answers it by walking all the
 * process's threads (some 20-350 ns a thread, warm to cold caches: up to
 * 6.4 ms at 19,000 streams), unless a process CPU timer is armed: then it
 * keeps a running sum and the read costs about 0.3 us whatever the
 * threads (bench/experiments/pcpu.c; an armed timer costs no measurable
 * time per context switch there). collector_create() arms one, and the
 * CPU time is taken every tick. Where timer_create() is refused (a
 * seccomp filter), the walk is taken every tick below
 * COLLECTOR_SELF_CPU_THREADS threads; above, after
 * threads / COLLECTOR_SELF_CPU_THREADS ticks or COLLECTOR_SELF_CPU_MAX_AGE_NS,
 * whichever comes first: some tens of microseconds a tick spread out.
 * collector_self_cpu_period() returns that period in ticks (>= 1).
 * collector_set_self_cpu_timer() arms (on) or drops (off) the timer, and
 * returns whether one is armed; call it only while the collector thread
 * is not running (before collector_start(), after collector_stop()).
 * Armed, the sum lags by what the running threads have not yet been
 * charged (at most a clock tick each).
 */
#define COLLECTOR_SELF_CPU_THREADS 100
#define COLLECTOR_SELF_CPU_MAX_AGE_NS (60 * 1000000000LL)
uint64_t collector_self_cpu_period(uint64_t threads);
int collector_set_self_cpu_timer(collector_t *c, int on);

/* One tick: sample now, publish, render, broadcast. */
void collector_tick(collector_t *c);

/* Start the thread, ticking every interval seconds. Returns 0 or -1. */
int collector_start(collector_t *c, double interval);

/* Change the interval; the next tick comes interval after the last one. */
void collector_set_interval(collector_t *c, double interval);

/* Stop and join the thread. */
void collector_stop(collector_t *c);

#endif
