/* The broadcast: history replay, resets, limits, drop-oldest for slow
 * streams, timeouts, stop, and many streams blocked on one wake-all while a
 * publisher runs, with one wake-up group or one per CPU (run under
 * ThreadSanitizer too). */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broadcast.h"
#include "render.h"
#include "snapshot.h"
#include "stats.h"

static void
publish_seq(uint64_t seq)
{
	struct snapshot *s = snapshot_new();

	s->seq = seq;
	broadcast_publish(render_tick_create(s));
	snapshot_release(s);
}

/* Pop the next queued seq without waiting; 0 when empty. */
static uint64_t
pop_seq(broadcast_sub_t *sub)
{
	render_tick_t *t = broadcast_try_next(sub);
	uint64_t seq;

	if (t == NULL)
		return 0;
	seq = render_tick_seq(t);
	render_tick_unref(t);
	return seq;
}

/* broadcast_next() for at most ms from now. */
static enum broadcast_status
next_within(broadcast_sub_t *sub, unsigned ms, render_tick_t **t)
{
	atomic_uint period = ms;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return broadcast_next(sub, &now, &period, t);
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
setup(void)
{
	broadcast_init(5, 4, NULL);
}

static void
teardown(void)
{
	broadcast_finalise();
}

START_TEST(new_stream_gets_latest_at_once)
{
	broadcast_sub_t *sub;
	int reset = -1;

	/* Before anything was published a stream starts empty. */
	sub = broadcast_subscribe(8, 0, 0, &reset);
	ck_assert_ptr_nonnull(sub);
	ck_assert_uint_eq(pop_seq(sub), 0);
	broadcast_unsubscribe(sub);

	for (uint64_t i = 100; i <= 103; i++)
		publish_seq(i);
	sub = broadcast_subscribe(8, 0, 0, &reset);
	ck_assert_int_eq(reset, 0);
	ck_assert_uint_eq(pop_seq(sub), 103);
	ck_assert_uint_eq(pop_seq(sub), 0);
	publish_seq(104);
	ck_assert_uint_eq(pop_seq(sub), 104);
	broadcast_unsubscribe(sub);
}
END_TEST

/* Last-Event-ID cases: {last id, expected queued seqs..., 0}, reset flag. */
static const struct {
	uint64_t last_id;
	int reset;
	uint64_t expect[6];
} replay_cases[] = {
	{ 107, 0, { 108, 109, 110, 0 } },	/* inside the history */
	{ 105, 0, { 106, 107, 108, 109, 110, 0 } },	/* just before the oldest */
	{ 110, 0, { 0 } },			/* the newest: nothing to replay */
	{ 104, 1, { 110, 0 } },			/* older than the history */
	{ 1, 1, { 110, 0 } },
	{ 111, 1, { 110, 0 } },			/* from the future (another run) */
};

START_TEST(last_event_id_replay)
{
	broadcast_sub_t *sub;
	int reset = -1;

	for (uint64_t i = 101; i <= 110; i++)	/* history keeps 106..110 */
		publish_seq(i);
	sub = broadcast_subscribe(2, 1, replay_cases[_i].last_id, &reset);
	ck_assert_ptr_nonnull(sub);
	ck_assert_int_eq(reset, replay_cases[_i].reset);
	/* Capacity 2 is grown to hold the whole replay: nothing dropped. */
	for (int k = 0; ; k++) {
		ck_assert_uint_eq(pop_seq(sub), replay_cases[_i].expect[k]);
		if (replay_cases[_i].expect[k] == 0)
			break;
	}
	ck_assert_uint_eq(broadcast_sub_dropped(sub), 0);
	broadcast_unsubscribe(sub);
}
END_TEST

/*
 * A replay may queue more than a live stream keeps; after it, a reader that
 * does not keep up comes down to its capacity (two shed per tick) rather
 * than staying as far behind as the replay put it, holding whole ticks.
 */
START_TEST(replay_then_slow_comes_down_to_capacity)
{
	broadcast_sub_t *sub;
	int reset = -1;

	for (uint64_t i = 101; i <= 110; i++)	/* history keeps 106..110 */
		publish_seq(i);
	sub = broadcast_subscribe(2, 1, 105, &reset);
	ck_assert_ptr_nonnull(sub);
	for (uint64_t i = 111; i <= 114; i++)
		publish_seq(i);
	/* 106..110, then 111: 108..111; 112: 110..112; 113 and 114 at 2. */
	ck_assert_uint_eq(pop_seq(sub), 113);
	ck_assert_uint_eq(pop_seq(sub), 114);
	ck_assert_uint_eq(pop_seq(sub), 0);
	ck_assert_uint_eq(broadcast_sub_dropped(sub), 7);
	broadcast_unsubscribe(sub);
}
END_TEST

/*
 * The history keeps the newest tick whole and older ones slim (snapshot
 * event only): a replay gets every snapshot, and the html of the newest.
 */
START_TEST(history_keeps_older_ticks_slim)
{
	broadcast_sub_t *sub, *live;
	render_tick_t *t;
	size_t len;
	int reset;

	live = broadcast_subscribe(8, 0, 0, &reset);
	for (uint64_t seq = 11; seq <= 13; seq++)
		publish_seq(seq);
	sub = broadcast_subscribe(8, 1, 10, &reset);
	ck_assert_int_eq(reset, 0);
	for (uint64_t seq = 11; seq <= 13; seq++) {
		t = broadcast_try_next(sub);
		ck_assert_ptr_nonnull(t);
		ck_assert_uint_eq(render_tick_seq(t), seq);
		ck_assert_ptr_nonnull(render_tick_frame(t, RENDER_EV_SNAPSHOT, &len));
		ck_assert_uint_gt(len, 0);
		if (seq < 13) {
			ck_assert_ptr_null(render_tick_frame(t, RENDER_EV_HTML, &len));
			ck_assert_uint_eq(len, 0);
		} else {
			ck_assert_ptr_nonnull(render_tick_frame(t, RENDER_EV_HTML, &len));
		}
		render_tick_unref(t);
	}
	/* A stream that was there got every tick whole, live. */
	for (uint64_t seq = 11; seq <= 13; seq++) {
		t = broadcast_try_next(live);
		ck_assert_ptr_nonnull(render_tick_frame(t, RENDER_EV_HTML, &len));
		render_tick_unref(t);
	}
	/* And /api/snapshot's source, the latest, is whole. */
	t = broadcast_latest();
	ck_assert_ptr_nonnull(render_tick_json(t, &len));
	ck_assert_ptr_nonnull(render_tick_frame(t, RENDER_EV_HTML, &len));
	render_tick_unref(t);
	broadcast_unsubscribe(sub);
	broadcast_unsubscribe(live);
}
END_TEST

START_TEST(max_subscribers)
{
	broadcast_sub_t *subs[4];
	int reset;

	for (int i = 0; i < 4; i++)
		ck_assert_ptr_nonnull(subs[i] = broadcast_subscribe(4, 0, 0, &reset));
	ck_assert_uint_eq(broadcast_subscribers(), 4);
	ck_assert_ptr_null(broadcast_subscribe(4, 0, 0, &reset));
	/* Removing one from the middle frees a place; the others still get ticks. */
	broadcast_unsubscribe(subs[1]);
	ck_assert_uint_eq(broadcast_subscribers(), 3);
	subs[1] = broadcast_subscribe(4, 0, 0, &reset);
	ck_assert_ptr_nonnull(subs[1]);
	publish_seq(7);
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(pop_seq(subs[i]), 7);
		broadcast_unsubscribe(subs[i]);
	}
	ck_assert_uint_eq(broadcast_subscribers(), 0);
}
END_TEST

/* Subscribers open now and ever: the refused one is not counted. */
START_TEST(counts_open_and_ever)
{
	broadcast_sub_t *subs[4];
	unsigned open;
	uint64_t total;
	int reset;

	for (int i = 0; i < 4; i++)
		subs[i] = broadcast_subscribe(4, 0, 0, &reset);
	ck_assert_ptr_null(broadcast_subscribe(4, 0, 0, &reset));
	broadcast_unsubscribe(subs[0]);
	broadcast_unsubscribe(subs[2]);
	broadcast_counts(&open, &total);
	ck_assert_uint_eq(open, 2);
	ck_assert_uint_eq(total, 4);
	broadcast_unsubscribe(subs[1]);
	broadcast_unsubscribe(subs[3]);
}
END_TEST

/*
 * Read while two threads subscribe and leave as fast as they can: never more
 * open than ever opened (the daemon's /metrics once said 20 open of 14).
 */
static atomic_int churn_quit;

static void *
churn(void *arg)
{
	int reset;

	(void)arg;
	while (!atomic_load(&churn_quit)) {
		broadcast_sub_t *sub = broadcast_subscribe(4, 0, 0, &reset);

		if (sub != NULL)
			broadcast_unsubscribe(sub);
	}
	return NULL;
}

START_TEST(counts_agree_under_churn)
{
	pthread_t t[2];
	unsigned open;
	uint64_t total, last = 0;

	atomic_store(&churn_quit, 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, churn, NULL), 0);
	for (int i = 0; i < 20000; i++) {
		broadcast_counts(&open, &total);
		ck_assert_msg(open <= total, "%u open, %llu ever", open, (unsigned long long)total);
		ck_assert_msg(total >= last, "the count ever went back: %llu after %llu",
		    (unsigned long long)total, (unsigned long long)last);
		last = total;
	}
	atomic_store(&churn_quit, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_gt(last, 0);
}
END_TEST

START_TEST(slow_stream_drops_oldest_others_unaffected)
{
	broadcast_sub_t *slow, *fast;
	struct stats_values sv;
	int reset;

	slow = broadcast_subscribe(3, 0, 0, &reset);
	fast = broadcast_subscribe(3, 0, 0, &reset);
	for (uint64_t i = 1; i <= 10; i++) {
		publish_seq(i);
		ck_assert_uint_eq(pop_seq(fast), i);
	}
	/* The slow one kept the newest three. */
	ck_assert_uint_eq(pop_seq(slow), 8);
	ck_assert_uint_eq(pop_seq(slow), 9);
	ck_assert_uint_eq(pop_seq(slow), 10);
	ck_assert_uint_eq(broadcast_sub_dropped(slow), 7);
	ck_assert_uint_eq(broadcast_sub_dropped(fast), 0);
	stats_read(&sv);
	ck_assert_uint_eq(sv.events_dropped_total, 7);
	broadcast_unsubscribe(slow);
	broadcast_unsubscribe(fast);
}
END_TEST

struct period_waiter {
	broadcast_sub_t *sub;
	atomic_uint period_ms;
	enum broadcast_status status;
	double t0, returned_after;
};

static void *
wait_period(void *arg)
{
	struct period_waiter *w = arg;
	render_tick_t *t = NULL;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	w->status = broadcast_next(w->sub, &now, &w->period_ms, &t);
	w->returned_after = mono_s() - w->t0;
	render_tick_unref(t);
	return NULL;
}

/*
 * A reloaded, shorter heartbeat reaches a stream already waiting: the
 * period is read again at each wake-up, not once when the wait began.
 */
START_TEST(shorter_period_reaches_a_waiting_stream)
{
	struct period_waiter w = { .period_ms = 3600000 };
	pthread_t th;
	int reset;

	w.sub = broadcast_subscribe(4, 0, 0, &reset);
	broadcast_set_pulse(50);
	w.t0 = mono_s();
	ck_assert_int_eq(pthread_create(&th, NULL, wait_period, &w), 0);
	usleep(300 * 1000);
	atomic_store(&w.period_ms, 100);	/* what stream_configure() does on SIGHUP */
	pthread_join(th, NULL);
	ck_assert_int_eq(w.status, BROADCAST_TIMEOUT);
	ck_assert_msg(w.returned_after < 5.0, "the waiting stream timed out after %.2f s",
	    w.returned_after);
	broadcast_unsubscribe(w.sub);
}
END_TEST

START_TEST(next_times_out_then_stops)
{
	broadcast_sub_t *sub;
	render_tick_t *t = NULL;
	double t0, waited;
	int reset;

	sub = broadcast_subscribe(4, 0, 0, &reset);
	/*
	 * Nothing publishes: the pulse (100 ms) wakes the stream, which times
	 * out at the last wake-up before its deadline, never more than one
	 * pulse early.
	 */
	broadcast_set_pulse(100);
	t0 = mono_s();
	ck_assert_int_eq(next_within(sub, 300, &t), BROADCAST_TIMEOUT);
	waited = mono_s() - t0;
	ck_assert_msg(waited >= 0.2 && waited < 5.0, "timed out after %.3f s", waited);
	publish_seq(3);
	ck_assert_int_eq(next_within(sub, 1000, &t), BROADCAST_TICK);
	ck_assert_uint_eq(render_tick_seq(t), 3);
	render_tick_unref(t);
	publish_seq(4);		/* queued, then the daemon stops */
	broadcast_stop();
	/* Stopping wins over a backlog: nothing more is handed out. */
	ck_assert_ptr_null(broadcast_try_next(sub));
	ck_assert_int_eq(next_within(sub, 60000, &t), BROADCAST_STOPPING);
	/* Stopping refuses new streams. */
	ck_assert_ptr_null(broadcast_subscribe(4, 0, 0, &reset));
	broadcast_unsubscribe(sub);
}
END_TEST

/*
 * Many streams, each blocked in broadcast_next, woken by one publisher:
 * more streams per group than a waker wakes in one batch, so a stream
 * left asleep by the batches would miss ticks until the next publish.
 */
#define STREAMS 1100	/* over two batches of 512 per group on 2 CPUs */
#define TICKS 100
struct consumer {
	broadcast_sub_t *sub;
	uint64_t first, last, count, gaps;
};

static void *
consume(void *arg)
{
	struct consumer *c = arg;
	render_tick_t *t;

	for (;;) {
		switch (next_within(c->sub, 3600000, &t)) {
		case BROADCAST_TICK:
			if (c->count == 0)
				c->first = render_tick_seq(t);
			else if (render_tick_seq(t) != c->last + 1)
				c->gaps++;
			/* Read by the main thread while this one runs. */
			__atomic_store_n(&c->last, render_tick_seq(t), __ATOMIC_RELEASE);
			c->count++;
			render_tick_unref(t);
			break;
		case BROADCAST_TIMEOUT:
			c->gaps += 1000000;	/* a lost wake-up: fail loudly */
			return NULL;
		case BROADCAST_STOPPING:
			return NULL;
		}
	}
}

/* The CPUs this test may run on. */
static cpu_set_t
allowed_cpus(void)
{
	cpu_set_t cpus;

	ck_assert_int_eq(sched_getaffinity(0, sizeof(cpus), &cpus), 0);
	return cpus;
}

/* _i: 0 one group, 1 a group per allowed CPU. */
START_TEST(many_streams_one_publisher)
{
	static struct consumer c[STREAMS];
	static pthread_t th[STREAMS];
	pthread_attr_t small;
	cpu_set_t cpus = allowed_cpus();
	int reset;

	broadcast_finalise();
	broadcast_init(10, STREAMS, _i ? &cpus : NULL);
	broadcast_set_pulse(600000);	/* no pulse rescues a stream left asleep */
	memset(c, 0, sizeof(c));
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 262144);	/* room for the sanitizers */
	for (int i = 0; i < STREAMS; i++) {
		c[i].sub = broadcast_subscribe(TICKS + 1, 0, 0, &reset);
		ck_assert_ptr_nonnull(c[i].sub);
		ck_assert_int_eq(pthread_create(&th[i], &small, consume, &c[i]), 0);
	}
	pthread_attr_destroy(&small);
	for (uint64_t seq = 1; seq <= TICKS; seq++) {
		publish_seq(seq);
		if (seq % 10 == 0) {
			struct timespec pause = { 0, 2000000 };

			nanosleep(&pause, NULL);	/* let some streams fall asleep */
		}
	}
	/* Wait until every stream saw the last tick, then stop them all. */
	for (int spins = 0; spins < 3000; spins++) {
		int behind = 0;

		for (int i = 0; i < STREAMS; i++)
			behind += __atomic_load_n(&c[i].last, __ATOMIC_ACQUIRE) != TICKS;
		if (!behind)
			break;
		struct timespec pause = { 0, 10000000 };
		nanosleep(&pause, NULL);
	}
	broadcast_stop();
	for (int i = 0; i < STREAMS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_uint_eq(c[i].first, 1);
		ck_assert_uint_eq(c[i].last, TICKS);
		ck_assert_uint_eq(c[i].count, TICKS);
		ck_assert_uint_eq(c[i].gaps, 0);
		broadcast_unsubscribe(c[i].sub);
	}
}
END_TEST

/*
 * A stream joins the group of its thread's CPU unless that group is
 * BROADCAST_GROUP_SLACK streams ahead of the smallest; each group's CPU is
 * one of the allowed set. This thread is pinned to one CPU for the test, so
 * where its subscriptions go does not depend on the scheduler.
 */
START_TEST(streams_spread_over_groups)
{
	enum { SLACK = BROADCAST_GROUP_SLACK };
	cpu_set_t cpus = allowed_cpus(), here_set;
	unsigned ncpu = (unsigned)CPU_COUNT(&cpus), ngroups, n;
	static broadcast_sub_t *subs[4 * SLACK * 8 + 1];
	unsigned per_cpu[CPU_SETSIZE] = { 0 }, most = 0, least = ~0u;
	int reset, cpu, here = 0, other = -1;

	while (!CPU_ISSET(here, &cpus))
		here++;
	CPU_ZERO(&here_set);
	CPU_SET(here, &here_set);
	ck_assert_int_eq(pthread_setaffinity_np(pthread_self(), sizeof(here_set), &here_set), 0);

	broadcast_finalise();
	broadcast_init(5, 100000, &cpus);
	ngroups = broadcast_groups();
	ck_assert_uint_eq(ngroups, ncpu > 1 ? ncpu : 1);
	if (ngroups > 8)
		ngroups = 8;	/* the test's array; the rule is the same */
	n = ngroups * 4 * SLACK;
	for (unsigned i = 0; i < n; i++) {
		subs[i] = broadcast_subscribe(4, 0, 0, &reset);
		ck_assert_ptr_nonnull(subs[i]);
		cpu = broadcast_sub_cpu(subs[i]);
		if (ncpu == 1) {
			ck_assert_int_eq(cpu, -1);
			continue;
		}
		ck_assert_int_ge(cpu, 0);
		ck_assert(CPU_ISSET(cpu, &cpus));
		/* The first SLACK stay on this thread's CPU: no migration. */
		if (i < SLACK)
			ck_assert_int_eq(cpu, here);
		per_cpu[cpu]++;
	}
	if (ncpu > 1 && broadcast_groups() <= 8) {
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &cpus))
				continue;
			most = per_cpu[cpu] > most ? per_cpu[cpu] : most;
			least = per_cpu[cpu] < least ? per_cpu[cpu] : least;
			if (cpu != here)
				other = cpu;
		}
		ck_assert_msg(most - least <= SLACK, "groups of %u and %u streams", most, least);
		ck_assert_uint_gt(least, 0);
		/* Emptying another group: this CPU's is SLACK ahead, so the next goes there. */
		for (unsigned i = 0; i < n; i++)
			if (broadcast_sub_cpu(subs[i]) == other) {
				broadcast_unsubscribe(subs[i]);
				subs[i] = NULL;
			}
		subs[n] = broadcast_subscribe(4, 0, 0, &reset);
		ck_assert_int_eq(broadcast_sub_cpu(subs[n]), other);
	} else {
		subs[n] = NULL;
	}
	for (unsigned i = 0; i <= n; i++)
		broadcast_unsubscribe(subs[i]);
	ck_assert_int_eq(pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus), 0);

	/* No set (stream_affinity = no): one group, not pinned. */
	broadcast_finalise();
	broadcast_init(5, 4, NULL);
	ck_assert_uint_eq(broadcast_groups(), 1);
	subs[0] = broadcast_subscribe(4, 0, 0, &reset);
	ck_assert_int_eq(broadcast_sub_cpu(subs[0]), -1);
	broadcast_unsubscribe(subs[0]);
}
END_TEST

/*
 * What streams wrote counts once, whichever group they were in, after they
 * have gone and after the groups themselves have gone (a new init): the
 * daemon's events_sent_total and sent_bytes_total are counters.
 */
START_TEST(sent_counts_outlive_streams_and_groups)
{
	enum { N = 4 * BROADCAST_GROUP_SLACK + 3 };
	cpu_set_t cpus = allowed_cpus();
	static broadcast_sub_t *subs[N];
	uint64_t e0, b0, e, b, want_e = 0, want_b = 0;
	int reset, groups_seen = 0, seen[CPU_SETSIZE + 1] = { 0 };

	broadcast_sent(&e0, &b0);
	broadcast_finalise();
	broadcast_init(5, 1000, &cpus);
	for (int i = 0; i < N; i++) {
		subs[i] = broadcast_subscribe(4, 0, 0, &reset);
		ck_assert_ptr_nonnull(subs[i]);
		if (!seen[broadcast_sub_cpu(subs[i]) + 1]++)
			groups_seen++;
		broadcast_sub_sent(subs[i], (uint64_t)i + 1, 1000 * ((uint64_t)i + 1));
		want_e += (uint64_t)i + 1;
		want_b += 1000 * ((uint64_t)i + 1);
	}
	ck_assert_int_eq(groups_seen, CPU_COUNT(&cpus) > 1 ? (int)broadcast_groups() : 1);
	broadcast_sent(&e, &b);
	ck_assert_uint_eq(e - e0, want_e);
	ck_assert_uint_eq(b - b0, want_b);
	for (int i = 0; i < N; i += 2)
		broadcast_unsubscribe(subs[i]);
	broadcast_sent(&e, &b);
	ck_assert_uint_eq(e - e0, want_e);
	ck_assert_uint_eq(b - b0, want_b);
	/* A heartbeat: bytes, no event. */
	broadcast_sub_sent(subs[1], 0, 14);
	want_b += 14;
	for (int i = 1; i < N; i += 2)
		broadcast_unsubscribe(subs[i]);
	broadcast_finalise();
	broadcast_init(5, 4, NULL);
	broadcast_sent(&e, &b);
	ck_assert_uint_eq(e - e0, want_e);
	ck_assert_uint_eq(b - b0, want_b);
}
END_TEST

struct waiter {
	broadcast_sub_t *sub;
	double woken_after;	/* seconds from the start until broadcast_next returned */
	enum broadcast_status status;
	double t0;
};

static void *
wait_one(void *arg)
{
	struct waiter *w = arg;
	render_tick_t *t = NULL;

	w->status = next_within(w->sub, 3600000, &t);	/* well past one pulse */
	w->woken_after = mono_s() - w->t0;
	render_tick_unref(t);
	return NULL;
}

/*
 * One publish wakes a waiting stream in every group at once, also in a
 * group whose CPU cannot be used (CPU 1023: its waker cannot start there, so
 * the publisher wakes that group itself). The pulse is set to a minute, so
 * a group left asleep would show as a stream woken a minute late.
 */
START_TEST(publish_wakes_every_group)
{
	enum { MAXW = 400 };
	static struct waiter w[MAXW];
	static pthread_t th[MAXW];
	cpu_set_t cpus = allowed_cpus();
	unsigned nw;
	int reset, unpinned = 0, pinned = 0;

	CPU_SET(CPU_SETSIZE - 1, &cpus);	/* a CPU no machine here has */
	broadcast_finalise();
	broadcast_init(5, MAXW, &cpus);
	broadcast_set_pulse(600000);
	/* Enough streams that the slack rule puts some in every group. */
	nw = broadcast_groups() * (BROADCAST_GROUP_SLACK + 2);
	if (nw > MAXW)
		nw = MAXW;
	for (unsigned i = 0; i < nw; i++) {
		w[i].sub = broadcast_subscribe(4, 0, 0, &reset);
		ck_assert_ptr_nonnull(w[i].sub);
		if (broadcast_sub_cpu(w[i].sub) == -1)
			unpinned++;
		else
			pinned++;
		w[i].t0 = mono_s();
		ck_assert_int_eq(pthread_create(&th[i], NULL, wait_one, &w[i]), 0);
	}
	/* The group of CPU 1023 is not pinned; the others are. */
	ck_assert_int_gt(unpinned, 0);
	ck_assert_int_gt(pinned, 0);
	{
		struct timespec settle = { 0, 200000000 };

		nanosleep(&settle, NULL);	/* let them all fall asleep */
	}
	publish_seq(42);
	for (unsigned i = 0; i < nw; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(w[i].status, BROADCAST_TICK);
		ck_assert_msg(w[i].woken_after < 30.0, "stream %u woken after %.1f s", i,
		    w[i].woken_after);
		broadcast_unsubscribe(w[i].sub);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("broadcast");
	TCase *tc = tcase_create("streams");
	TCase *tt = tcase_create("threads");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, new_stream_gets_latest_at_once);
	tcase_add_loop_test(tc, last_event_id_replay, 0,
	    sizeof(replay_cases) / sizeof(replay_cases[0]));
	tcase_add_test(tc, replay_then_slow_comes_down_to_capacity);
	tcase_add_test(tc, history_keeps_older_ticks_slim);
	tcase_add_test(tc, max_subscribers);
	tcase_add_test(tc, counts_open_and_ever);
	tcase_add_test(tc, slow_stream_drops_oldest_others_unaffected);
	tcase_add_test(tc, next_times_out_then_stops);
	tcase_add_test(tc, shorter_period_reaches_a_waiting_stream);
	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_add_loop_test(tt, many_streams_one_publisher, 0, 2);
	tcase_add_test(tt, streams_spread_over_groups);
	tcase_add_test(tt, sent_counts_outlive_streams_and_groups);
	tcase_add_test(tt, publish_wakes_every_group);
	tcase_add_test(tt, counts_agree_under_churn);
	tcase_set_timeout(tt, 120);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tt);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
