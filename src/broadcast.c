#include "broadcast.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "futex.h"
#include "log.h"
#include "monotime.h"
#include "ring.h"
#include "stats.h"
#include "xmem.h"

/*
 * A wake-up group: the streams of one CPU, woken by their own waker thread
 * pinned to that CPU, so every wake-up is local to it (no inter-processor
 * interrupt per stream); or, with stream_affinity off or one CPU, all
 * streams, with a waker that runs anywhere (cpu -1). One cache line each:
 * streams of different groups share no word.
 */
struct wake_group {
	_Atomic uint32_t seq;	/* the group's streams wait on this word */
	_Atomic uint32_t go;	/* the waker waits on this word */
	int cpu;		/* -1: not pinned */
	atomic_uint members;	/* streams in the group: written under registry_lock */
	pthread_t waker;
	int waker_running;	/* 0: no waker, wake_all() wakes seq itself; fixed from init to finalise */
	/*
	 * What the group's streams wrote, added by each from its thread
	 * (which runs on the group's CPU once pinned); read by
	 * broadcast_sent(). On a line of their own, away from seq, which
	 * every stream of the group reads after its wake-up.
	 */
	alignas(64) _Atomic uint64_t events_sent;
	_Atomic uint64_t bytes_sent;
} __attribute__((aligned(64)));

struct broadcast_sub {
	ring_t *ring;
	struct wake_group *group;	/* set at subscribe, never changes */
	size_t index;		/* position in subs[], guarded by registry_lock */
	int views;		/* counted in view_subs; the stream's own thread only */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

/* Guarded by registry_lock. */
static broadcast_sub_t **subs;
static size_t nsubs, subs_cap;
static unsigned max_subs;
static uint64_t closed_events_sent, closed_bytes_sent;	/* by the groups of an earlier init */
/*
 * Circular; the newest is at history_head - 1. Only the newest is a whole
 * tick: older ones are slim copies holding just their snapshot event, since
 * the other event types each carry a whole state (cards, charts) that a
 * newer tick replaces. That keeps the history at ~6 KB a tick instead of
 * ~80 KB: an idle daemon with 300 ticks of history stays small.
 */
static render_tick_t **history;
static render_tick_t *newest_slim;	/* the slim copy of the newest, for the next publish */
static size_t history_cap, history_len, history_head;

static atomic_bool stopping;
static atomic_uint nsubs_hint;		/* nsubs, readable without the lock */
static atomic_uint view_subs;		/* subscribers with views set */
static uint64_t subs_total;		/* subscribers ever registered (registry_lock) */
static _Atomic int64_t last_wake_ns;	/* CLOCK_MONOTONIC of the last wake_all() */

/* Set up by init and torn down by finalise, both from main; fixed between. */
static struct wake_group *groups;
static unsigned ngroups;
static atomic_bool wakers_quit;

/*
 * The pulse thread: wakes every stream when pulse_ms have passed without a
 * wake-up, so waiting streams need no kernel timer each (arming and
 * cancelling one per wait showed in perf at a few percent of the stream
 * threads' time). Guarded
 * by pulse_lock: pulse_quit and the thread's lifetime; pulse_ms is atomic.
 */
static pthread_mutex_t pulse_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pulse_cond;	/* CLOCK_MONOTONIC; signalled on quit or a new period */
static pthread_t pulse_thread;
static int pulse_running, pulse_quit;
static atomic_uint pulse_ms = BROADCAST_PULSE_DEFAULT_MS;

static void wake_all(void);

static void *
pulse_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pulse_lock);
	while (!pulse_quit) {
		int64_t period = (int64_t)atomic_load(&pulse_ms) * 1000000;
		int64_t due = atomic_load(&last_wake_ns) + period;
		struct timespec ts;

		if (monotime_ns() >= due) {
			wake_all();
			continue;
		}
		ts.tv_sec = (time_t)(due / 1000000000);
		ts.tv_nsec = (long)(due % 1000000000);
		pthread_cond_timedwait(&pulse_cond, &pulse_lock, &ts);
	}
	pthread_mutex_unlock(&pulse_lock);
	return NULL;
}

/*
 * Wake g's sleepers WAKE_BATCH at a time, giving the CPU up between
 * batches. One FUTEX_WAKE of all 5,000 sleepers of a CPU made them all
 * runnable at once, and a reader on the same host (a proxy, the benchmark's
 * client) then got its share of the CPU only after all of them had run:
 * batches keep the run queue short. Batches of 64 halved that reader's
 * median latency at 10,000 streams but, with the reader woken for nearly
 * every event, made the 19,000-stream tail half as long again; 512 kept
 * most of the first and none of the second (bench/NOTES.md).
 *
 * The futex queues sleepers of one word in arrival order, and each sleeper
 * came before seq changed (one that comes after sees the new value and
 * does not sleep), so waking at most members + WAKE_BATCH from the head
 * wakes every one that slept on the old value before any that went back
 * to sleep on the new one. A batch that wakes fewer than asked for emptied
 * the queue.
 */
#define WAKE_BATCH 512

static void
wake_batched(struct wake_group *g)
{
	long left = (long)atomic_load_explicit(&g->members, memory_order_relaxed) + WAKE_BATCH;

	while (left > 0) {
		int woken = futex_wake(&g->seq, WAKE_BATCH);

		if (woken < WAKE_BATCH)
			break;
		left -= woken;
		sched_yield();
	}
}

/* A group's waker: one round of wake-ups of its streams per go, from their own CPU. */
static void *
waker_main(void *arg)
{
	struct wake_group *g = arg;
	uint32_t seen = atomic_load_explicit(&g->go, memory_order_acquire);

	while (!atomic_load_explicit(&wakers_quit, memory_order_acquire)) {
		uint32_t go = atomic_load_explicit(&g->go, memory_order_acquire);

		if (go == seen) {
			futex_wait(&g->go, go, NULL);
			continue;
		}
		seen = go;
		atomic_fetch_add_explicit(&g->seq, 1, memory_order_release);
		wake_batched(g);
	}
	return NULL;
}

/* Start g's waker, on g->cpu when that is >= 0; 0 or -1. Signals blocked. */
static int
waker_start(struct wake_group *g)
{
	pthread_attr_t attr;
	cpu_set_t one;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 65536);
	if (g->cpu >= 0) {
		CPU_ZERO(&one);
		CPU_SET(g->cpu, &one);
		pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
	}
	err = pthread_create(&g->waker, &attr, waker_main, g);
	pthread_attr_destroy(&attr);
	g->waker_running = err == 0;
	return err == 0 ? 0 : -1;
}

/*
 * One group per CPU of cpus, each with its waker pinned there; without cpus
 * (or with one CPU) one group whose waker runs anywhere. A CPU the waker
 * cannot run on (offline, outside the cgroup's set) leaves its group
 * unpinned; a group without a waker is woken by wake_all() itself.
 */
static void
groups_start(const cpu_set_t *cpus)
{
	unsigned n = cpus != NULL ? (unsigned)CPU_COUNT(cpus) : 0;
	sigset_t all, old;

	ngroups = n > 1 ? n : 1;
	groups = xaligned_calloc(64, ngroups, sizeof(*groups));
	for (unsigned i = 0; i < ngroups; i++)
		groups[i].cpu = -1;
	for (int cpu = 0, i = 0; n > 1 && cpu < CPU_SETSIZE && (unsigned)i < ngroups; cpu++)
		if (CPU_ISSET(cpu, cpus))
			groups[i++].cpu = cpu;
	atomic_store(&wakers_quit, 0);
	/* No signal is for these threads: main takes them with sigwait(). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < ngroups; i++) {
		struct wake_group *g = &groups[i];

		if (waker_start(g) == 0)
			continue;
		if (g->cpu >= 0) {
			log_warnx("broadcast: cannot start a waker on CPU %d: its group is not pinned",
			    g->cpu);
			g->cpu = -1;
			if (waker_start(g) == 0)
				continue;
		}
		log_warnx("broadcast: cannot start a waker thread: the publisher wakes its streams");
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void
groups_stop(void)
{
	atomic_store_explicit(&wakers_quit, 1, memory_order_release);
	for (unsigned i = 0; i < ngroups; i++) {
		struct wake_group *g = &groups[i];

		if (!g->waker_running)
			continue;
		atomic_fetch_add_explicit(&g->go, 1, memory_order_release);
		futex_wake_all(&g->go);
		pthread_join(g->waker, NULL);
		g->waker_running = 0;
	}
	pthread_mutex_lock(&registry_lock);
	for (unsigned i = 0; i < ngroups; i++) {
		closed_events_sent += atomic_load_explicit(&groups[i].events_sent, memory_order_relaxed);
		closed_bytes_sent += atomic_load_explicit(&groups[i].bytes_sent, memory_order_relaxed);
	}
	pthread_mutex_unlock(&registry_lock);
	free(groups);
	groups = NULL;
	ngroups = 0;
}

static void
pulse_start(void)
{
	pthread_condattr_t attr;
	sigset_t all, old;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pulse_cond, &attr);
	pthread_condattr_destroy(&attr);
	atomic_store(&last_wake_ns, monotime_ns());
	pulse_quit = 0;
	/* No signal is for this thread: main takes them with sigwait(). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&pulse_thread, NULL, pulse_main, NULL) != 0)
		log_fatal("broadcast: cannot start the pulse thread: streams will send no heartbeat");
	else
		pulse_running = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void
pulse_stop(void)
{
	if (!pulse_running)
		return;
	pthread_mutex_lock(&pulse_lock);
	pulse_quit = 1;
	pthread_cond_signal(&pulse_cond);
	pthread_mutex_unlock(&pulse_lock);
	pthread_join(pulse_thread, NULL);
	pthread_cond_destroy(&pulse_cond);
	pulse_running = 0;
}

void
broadcast_set_pulse(unsigned ms)
{
	atomic_store(&pulse_ms, ms ? ms : 1);
	pthread_mutex_lock(&pulse_lock);
	if (pulse_running)
		pthread_cond_signal(&pulse_cond);
	pthread_mutex_unlock(&pulse_lock);
}

void
broadcast_init(unsigned history_ticks, unsigned max_subscribers, const cpu_set_t *cpus)
{
	groups_start(cpus);
	pthread_mutex_lock(&registry_lock);
	history_cap = history_ticks ? history_ticks : 1;
	history = xcalloc(history_cap, sizeof(*history));
	history_len = history_head = 0;
	max_subs = max_subscribers;
	atomic_store(&stopping, 0);
	pthread_mutex_unlock(&registry_lock);
	pulse_start();
}

void
broadcast_finalise(void)
{
	pulse_stop();
	pthread_mutex_lock(&registry_lock);
	if (nsubs != 0)
		log_warnx("broadcast: %zu streams still registered at exit", nsubs);
	for (size_t i = 0; i < history_cap; i++)
		render_tick_unref(history[i]);
	render_tick_unref(newest_slim);
	newest_slim = NULL;
	free(history);
	history = NULL;
	history_cap = history_len = history_head = 0;
	free(subs);
	subs = NULL;
	nsubs = subs_cap = 0;
	pthread_mutex_unlock(&registry_lock);
	groups_stop();
}

/* The i-th oldest tick of the history. registry_lock held. */
static render_tick_t *
history_at(size_t i)
{
	return history[(history_head + history_cap - history_len + i) % history_cap];
}

/* Wake every waiting stream: a word and a FUTEX_WAKE per group, not per stream. */
static void
wake_all(void)
{
	atomic_store_explicit(&last_wake_ns, monotime_ns(), memory_order_relaxed);
	for (unsigned i = 0; i < ngroups; i++) {
		struct wake_group *g = &groups[i];

		/*
		 * No stream in the group, none asleep: a stream is counted
		 * (under registry_lock) before it first sleeps, and a publish
		 * took that lock after it.
		 */
		if (atomic_load_explicit(&g->members, memory_order_relaxed) == 0)
			continue;
		if (g->waker_running) {
			atomic_fetch_add_explicit(&g->go, 1, memory_order_release);
			(void)futex_wake(&g->go, 1);
		} else {
			atomic_fetch_add_explicit(&g->seq, 1, memory_order_release);
			wake_batched(g);
		}
	}
}

void
broadcast_publish(render_tick_t *t)
{
	render_tick_t *slim = render_tick_slim(t), *whole = NULL, *evicted;
	uint64_t dropped = 0;

	pthread_mutex_lock(&registry_lock);
	/* The newest so far becomes slim; the rings keep the whole one they got. */
	if (history_len > 0) {
		size_t newest = (history_head + history_cap - 1) % history_cap;

		whole = history[newest];
		history[newest] = newest_slim;
	} else {
		render_tick_unref(newest_slim);
	}
	newest_slim = slim;
	/* The history takes the caller's reference. */
	evicted = history[history_head];	/* the oldest, when full */
	history[history_head] = t;
	history_head = (history_head + 1) % history_cap;
	if (history_len < history_cap)
		history_len++;

	for (size_t i = 0; i < nsubs; i++) {
		void *extra;
		render_tick_t *old = ring_push_shed(subs[i]->ring, render_tick_ref(t), &extra);

		if (old != NULL) {
			render_tick_unref(old);
			dropped++;
		}
		if (extra != NULL) {
			render_tick_unref(extra);
			dropped++;
		}
	}
	pthread_mutex_unlock(&registry_lock);

	render_tick_unref(whole);
	render_tick_unref(evicted);
	if (dropped)
		stats_events_dropped(dropped);
	wake_all();
}

render_tick_t *
broadcast_latest(void)
{
	render_tick_t *t = NULL;

	pthread_mutex_lock(&registry_lock);
	if (history_len > 0)
		t = render_tick_ref(history_at(history_len - 1));
	pthread_mutex_unlock(&registry_lock);
	return t;
}

/*
 * The group for a new stream, whose thread is the caller: the group of the
 * CPU it runs on, so it needs no migration (moving a thread away costs a
 * stopper-thread round trip: pinning every new stream to the smallest group
 * cost a fifth to a quarter of the connect rate), unless that group has
 * BROADCAST_GROUP_SLACK streams more than the smallest: then the smallest.
 * registry_lock held.
 */
static struct wake_group *
pick_group(void)
{
	struct wake_group *least = &groups[0], *here = NULL;
	int cpu = ngroups > 1 ? sched_getcpu() : -1;

	for (unsigned i = 0; i < ngroups; i++) {
		if (atomic_load_explicit(&groups[i].members, memory_order_relaxed) <
		    atomic_load_explicit(&least->members, memory_order_relaxed))
			least = &groups[i];
		if (cpu >= 0 && groups[i].cpu == cpu)
			here = &groups[i];
	}
	if (here != NULL && atomic_load_explicit(&here->members, memory_order_relaxed) <
	    atomic_load_explicit(&least->members, memory_order_relaxed) + BROADCAST_GROUP_SLACK)
		return here;
	return least;
}

broadcast_sub_t *
broadcast_subscribe(size_t capacity, int have_last_id, uint64_t last_id, int *reset)
{
	broadcast_sub_t *sub = NULL;
	size_t first = 0;	/* index of the first history tick to queue */

	*reset = 0;
	pthread_mutex_lock(&registry_lock);
	if (atomic_load(&stopping) || nsubs >= max_subs)
		goto done;

	if (history_len > 0) {
		uint64_t oldest = render_tick_seq(history_at(0));
		uint64_t newest = render_tick_seq(history_at(history_len - 1));

		if (have_last_id && last_id + 1 >= oldest && last_id <= newest) {
			first = (size_t)(last_id + 1 - oldest);	/* may be history_len: none */
		} else {
			first = history_len - 1;
			*reset = have_last_id;
		}
	}
	sub = xcalloc(1, sizeof(*sub));
	/* Room for the replay; once it has drained, capacity as any stream. */
	sub->ring = ring_create(capacity > history_len - first ? capacity : history_len - first);
	sub->group = pick_group();
	atomic_fetch_add_explicit(&sub->group->members, 1, memory_order_relaxed);
	for (size_t i = first; i < history_len; i++)
		(void)ring_push(sub->ring, render_tick_ref(history_at(i)));
	ring_set_limit(sub->ring, capacity);

	if (nsubs == subs_cap) {
		subs_cap = subs_cap ? subs_cap * 2 : 64;
		subs = xreallocarray(subs, subs_cap, sizeof(*subs));
	}
	sub->index = nsubs;
	subs[nsubs++] = sub;
	subs_total++;
	atomic_store_explicit(&nsubs_hint, (unsigned)nsubs, memory_order_relaxed);
done:
	pthread_mutex_unlock(&registry_lock);
	return sub;
}

static void
release_tick(void *p)
{
	render_tick_unref(p);
}

void
broadcast_unsubscribe(broadcast_sub_t *sub)
{
	if (sub == NULL)
		return;
	pthread_mutex_lock(&registry_lock);
	/* Swap-remove: O(1), and the array stays dense for publish. */
	subs[sub->index] = subs[nsubs - 1];
	subs[sub->index]->index = sub->index;
	nsubs--;
	atomic_fetch_sub_explicit(&sub->group->members, 1, memory_order_relaxed);
	atomic_store_explicit(&nsubs_hint, (unsigned)nsubs, memory_order_relaxed);
	pthread_mutex_unlock(&registry_lock);
	if (sub->views)
		atomic_fetch_sub_explicit(&view_subs, 1, memory_order_relaxed);

	ring_destroy(sub->ring, release_tick);
	free(sub);
}

void
broadcast_sub_want_views(broadcast_sub_t *sub)
{
	if (sub->views)
		return;
	sub->views = 1;
	atomic_fetch_add_explicit(&view_subs, 1, memory_order_relaxed);
}

unsigned
broadcast_view_subscribers(void)
{
	return atomic_load_explicit(&view_subs, memory_order_relaxed);
}

void
broadcast_sub_sent(broadcast_sub_t *sub, uint64_t events, uint64_t bytes)
{
	if (events != 0)
		atomic_fetch_add_explicit(&sub->group->events_sent, events, memory_order_relaxed);
	atomic_fetch_add_explicit(&sub->group->bytes_sent, bytes, memory_order_relaxed);
}

/* O(groups): the collector calls it every tick, whatever the streams open. */
void
broadcast_sent(uint64_t *events, uint64_t *bytes)
{
	pthread_mutex_lock(&registry_lock);
	*events = closed_events_sent;
	*bytes = closed_bytes_sent;
	for (unsigned i = 0; i < ngroups; i++) {
		*events += atomic_load_explicit(&groups[i].events_sent, memory_order_relaxed);
		*bytes += atomic_load_explicit(&groups[i].bytes_sent, memory_order_relaxed);
	}
	pthread_mutex_unlock(&registry_lock);
}

render_tick_t *
broadcast_try_next(broadcast_sub_t *sub)
{
	if (atomic_load_explicit(&stopping, memory_order_acquire))
		return NULL;	/* stopping: a queued backlog is not sent */
	return ring_pop(sub->ring);
}

enum broadcast_status
broadcast_next(broadcast_sub_t *sub, const struct timespec *since, const atomic_uint *period_ms,
    render_tick_t **out)
{
	int64_t from = (int64_t)since->tv_sec * 1000000000 + since->tv_nsec;

	for (;;) {
		uint32_t seen = atomic_load_explicit(&sub->group->seq, memory_order_acquire);
		int64_t due;

		if (atomic_load_explicit(&stopping, memory_order_acquire))
			return BROADCAST_STOPPING;
		if ((*out = ring_pop(sub->ring)) != NULL)
			return BROADCAST_TICK;
		/* The next wake-up may be a pulse away: time out now if the deadline comes first. */
		due = from + (int64_t)atomic_load_explicit(period_ms, memory_order_relaxed) * 1000000;
		if (monotime_ns() + (int64_t)atomic_load_explicit(&pulse_ms, memory_order_relaxed) * 1000000 >=
		    due)
			return BROADCAST_TIMEOUT;
		futex_wait(&sub->group->seq, seen, NULL);
	}
}

int
broadcast_sub_cpu(const broadcast_sub_t *sub)
{
	return sub->group->cpu;
}

unsigned
broadcast_groups(void)
{
	return ngroups;
}

uint64_t
broadcast_sub_dropped(broadcast_sub_t *sub)
{
	return ring_dropped(sub->ring);
}

void
broadcast_stop(void)
{
	pthread_mutex_lock(&registry_lock);
	atomic_store_explicit(&stopping, 1, memory_order_release);
	pthread_mutex_unlock(&registry_lock);
	wake_all();
}

unsigned
broadcast_subscribers(void)
{
	return atomic_load_explicit(&nsubs_hint, memory_order_relaxed);
}

void
broadcast_counts(unsigned *open, uint64_t *total)
{
	pthread_mutex_lock(&registry_lock);
	*open = (unsigned)nsubs;
	*total = subs_total;
	pthread_mutex_unlock(&registry_lock);
}

int
broadcast_full(void)
{
	int full;

	pthread_mutex_lock(&registry_lock);
	full = atomic_load(&stopping) || nsubs >= max_subs;
	pthread_mutex_unlock(&registry_lock);
	return full;
}
