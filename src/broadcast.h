/*
 * broadcast: hands each rendered tick to every open stream.
 *
 * DESIGN
 * Threads: the collector thread calls broadcast_publish() once per tick;
 * connection threads call broadcast_subscribe(), broadcast_next() and
 * broadcast_unsubscribe() for their own stream; main calls init, stop and
 * finalise; the waker threads (one per group) and the pulse thread are
 * this module's own.
 *
 * registry_lock guards the subscriber array and its count ever, the history
 * ring, the stopping flag's transitions and what the groups of an earlier
 * init counted as sent. What streams write is counted in atomics of their
 * group (broadcast_sub_sent(), from each stream's thread), which
 * broadcast_sent() adds up without taking any stream's line. publish holds it while it
 * appends the tick to the history and pushes one reference into every
 * subscriber's ring (cheap memory work, no system call per subscriber);
 * subscribe holds it while it fills a new subscriber's ring from the
 * history, so a new stream sees every tick exactly once, with no gap and no
 * duplicate between replay and live.
 *
 * Wake-up: streams are split into wake-up groups, one per CPU the daemon
 * may use (or a single one). Each group has a 32-bit futex word, seq, that
 * its streams sleep on, and a waker thread, pinned to the group's CPU; a
 * stream's thread is pinned there too (stream.c). After every publish (and
 * on stop and pulse) wake_all() bumps each waker's own word, go, and wakes
 * it; the waker increments seq and wakes its sleepers with FUTEX_WAKE, 512
 * at a time with a sched_yield() between (see wake_batched()). So a
 * publish costs O(CPUs) system calls from the publisher and O(streams/512)
 * from the wakers, and each stream is woken from its own CPU: no
 * inter-processor interrupt per stream, which on a 2-CPU VM halved the
 * time to wake 10,000 bare threads (bench/NOTES.md). A group whose waker
 * could not start is woken by wake_all() itself. A waiting stream reads its
 * group's seq before it checks its ring and sleeps only while the word
 * still has that value, so a publish between the check and the sleep is
 * never lost. groups, ngroups and each group's cpu and waker are fixed
 * between init and finalise; members is an atomic written under
 * registry_lock and read by the waker without it, as the most it wakes:
 * a stream is counted before it first sleeps, and the publish that the
 * waker answers took registry_lock after that.
 *
 * Streams that want the views (html, cards, charts) say so once, from
 * their own thread (broadcast_sub_want_views()); the count of them is an
 * atomic the collector reads once per tick to decide whether to draw the
 * views at all (view_subs, changed only with the flag of a subscriber).
 *
 * Timeouts without a timer per stream: a waiting stream sleeps on the futex
 * with no timeout. The pulse thread (started by init, joined by finalise)
 * wakes every stream whenever pulse_ms have passed since the last wake-up;
 * it never fires while ticks come more often than that. A stream whose
 * deadline falls before the next possible wake-up times out at the wake-up
 * before it, so a deadline is met up to one pulse early, never late.
 */
#ifndef SSE_BROADCAST_H
#define SSE_BROADCAST_H

#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "render.h"

typedef struct broadcast_sub broadcast_sub_t;

enum broadcast_status {
	BROADCAST_TICK,		/* *out holds a tick (one reference, the caller's) */
	BROADCAST_TIMEOUT,	/* the deadline passed with nothing new */
	BROADCAST_STOPPING,	/* the daemon is shutting down: end the stream */
};

/* How many streams more than the smallest group a group may take (see init). */
#define BROADCAST_GROUP_SLACK 16

/* A pulse period until broadcast_set_pulse() sets one. */
#define BROADCAST_PULSE_DEFAULT_MS 7500

/*
 * Ready the module: keep history ticks for replay, allow max_subscribers;
 * starts the pulse thread. With cpus holding two CPUs or more, one wake-up
 * group per CPU of the set, each with its waker thread pinned there; a new
 * stream joins the group of the CPU its thread runs on, or the group with
 * the fewest streams when that one has BROADCAST_GROUP_SLACK more. With cpus
 * NULL (or one CPU), one group, woken by the publisher itself.
 */
void broadcast_init(unsigned history, unsigned max_subscribers, const cpu_set_t *cpus);

/* Wake every waiting stream at least every ms milliseconds (any thread). */
void broadcast_set_pulse(unsigned ms);
/* Stop the pulse thread and drop the history; every subscriber must be gone. */
void broadcast_finalise(void);

/* Append t to the history and to every ring; consumes the caller's reference. */
void broadcast_publish(render_tick_t *t);

/* A reference to the newest tick, or NULL before the first publish. */
render_tick_t *broadcast_latest(void);

/*
 * Register a stream whose ring holds up to capacity ticks, and queue what it
 * must see first. With have_last_id, the ticks after last_id when last_id is
 * in the history (none if it is the newest); otherwise, or when last_id is
 * not in the history, the newest tick alone, and *reset is set to 1 in the
 * second case so the stream sends a reset event first. The ring grows to
 * hold a whole replay. Returns NULL when max_subscribers streams are open
 * or the daemon is stopping.
 */
broadcast_sub_t *broadcast_subscribe(size_t capacity, int have_last_id,
    uint64_t last_id, int *reset);

/* Unregister and free sub, dropping the ticks still queued. */
void broadcast_unsubscribe(broadcast_sub_t *sub);

/*
 * Count sub among the streams that want events other than "snapshot" (the
 * views), until it unsubscribes; from sub's own thread, once or more.
 */
void broadcast_sub_want_views(broadcast_sub_t *sub);

/* The next tick for sub without waiting; NULL when none, or when stopping. */
render_tick_t *broadcast_try_next(broadcast_sub_t *sub);

/*
 * Wait for the next tick for sub until *period_ms after since
 * (CLOCK_MONOTONIC), timing out up to one pulse period early (see DESIGN).
 * The period is read again at each wake-up, so that a shorter one (a
 * reloaded heartbeat) reaches a stream already waiting. Returns
 * BROADCAST_STOPPING as soon as broadcast_stop() was called, even with
 * ticks still queued.
 */
enum broadcast_status broadcast_next(broadcast_sub_t *sub, const struct timespec *since,
    const atomic_uint *period_ms, render_tick_t **out);

/*
 * Count what sub's stream wrote: events complete, and bytes. Called by that
 * stream's thread; the counters are its wake-up group's, on a cache line
 * that only the group's streams write, from the group's CPU.
 */
void broadcast_sub_sent(broadcast_sub_t *sub, uint64_t events, uint64_t bytes);

/* Events and bytes written by every stream since start, open or closed. */
void broadcast_sent(uint64_t *events, uint64_t *bytes);

/*
 * The CPU of sub's wake-up group, or -1 for a group that is not pinned. The
 * stream's thread should run there: then its wake-ups are local to the CPU.
 */
int broadcast_sub_cpu(const broadcast_sub_t *sub);

/* Wake-up groups, 1 or more (fixed from init to finalise). */
unsigned broadcast_groups(void);

/* Ticks dropped from sub's ring because it was full. */
uint64_t broadcast_sub_dropped(broadcast_sub_t *sub);

/* Refuse new subscribers and wake every waiting stream with STOPPING. */
void broadcast_stop(void);

/* Streams registered now. */
unsigned broadcast_subscribers(void);

/* Streams registered now that want the views (broadcast_sub_want_views()). */
unsigned broadcast_view_subscribers(void);

/*
 * Streams registered now and ever, read together (so *open <= *total in
 * every snapshot, however fast streams come and go).
 */
void broadcast_counts(unsigned *open, uint64_t *total);

/* 1 when a new stream would be refused (max_subscribers open, or stopping). */
int broadcast_full(void);

#endif
