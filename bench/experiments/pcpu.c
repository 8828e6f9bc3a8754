/*
 * pcpu: what reading the process's CPU clock costs with many threads, and
 * what arming a process CPU timer (which makes that read O(1)) costs each
 * context switch. Not part of the build; an experiment for bench/NOTES.md
 * (sixteenth round).
 *
 *   cc -O2 -pthread -o /tmp/pcpu bench/experiments/pcpu.c
 *   /tmp/pcpu [threads] [pairs] [round-trips] [split]
 *
 * THREADS idle threads (64 KiB stacks) block on a condition variable, as
 * the daemon's stream threads block on their rings. Without a process CPU
 * timer the kernel answers clock_gettime(CLOCK_PROCESS_CPUTIME_ID) by
 * summing every thread's runtime; with one armed (SIGEV_SIGNAL; the kernel
 * does not start the group timer for SIGEV_NONE) it keeps a running sum
 * that every thread adds to as it runs, and the read is one atomic load.
 * Printed: the read's cost unarmed and armed (mean of 2,000 reads), then
 * PAIRS alternated runs of ROUND-TRIPS futex ping-pongs between two
 * threads, unarmed and armed, as the CPU per round trip (two switches,
 * two wakes) from the process clock. With SPLIT 1 (the default) ping runs
 * on CPU 0 and pong on CPU 1, so the running sum's cache line moves between
 * the cores at every switch (the worst case for the armed timer); with 0
 * both run on CPU 0. Last, YIELD runs: two threads on each of CPUs 0 and 1
 * call sched_yield() in a loop, so every call switches to the other thread
 * of that CPU and both CPUs' switches add to the running sum at once when
 * armed; printed is the wall time per switch, unarmed and armed, PAIRS
 * alternated times. Bounded; stops by itself; no network.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t idle_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;
static int idle_stop;

static _Atomic uint32_t ball;	/* 0: ping's turn, 1: pong's turn */
static long rounds;
static _Atomic int pong_stop;

static int64_t
ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
fwait(_Atomic uint32_t *f, uint32_t val)
{
	syscall(SYS_futex, f, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void
fwake(_Atomic uint32_t *f)
{
	syscall(SYS_futex, f, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *
idle_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&idle_mu);
	while (!idle_stop)
		pthread_cond_wait(&idle_cv, &idle_mu);
	pthread_mutex_unlock(&idle_mu);
	return NULL;
}

static int split = 1;

static void
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
pong_main(void *arg)
{
	(void)arg;
	pin(split ? 1 : 0);
	for (;;) {
		while (atomic_load(&ball) != 1) {
			if (atomic_load(&pong_stop))
				return NULL;
			fwait(&ball, 0);
		}
		atomic_store(&ball, 0);
		fwake(&ball);
	}
}

enum { YIELDERS = 4, YIELDS = 500000 };
static _Atomic int yield_go;

static void *
yield_main(void *arg)
{
	pin((int)(intptr_t)arg);
	while (!atomic_load(&yield_go))
		continue;
	for (int i = 0; i < YIELDS; i++)
		sched_yield();
	return NULL;
}

/* wall ns per switch, two threads on each of CPUs 0 and 1 */
static double
yields(pthread_attr_t *attr)
{
	pthread_t t[YIELDERS];
	int64_t t0;

	atomic_store(&yield_go, 0);
	for (int i = 0; i < YIELDERS; i++)
		pthread_create(&t[i], attr, yield_main, (void *)(intptr_t)(i % 2));
	t0 = ns(CLOCK_MONOTONIC);
	atomic_store(&yield_go, 1);
	for (int i = 0; i < YIELDERS; i++)
		pthread_join(t[i], NULL);
	/* each CPU made 2 * YIELDS switches in that time */
	return (double)(ns(CLOCK_MONOTONIC) - t0) / (2.0 * YIELDS);
}

/* CPU ns per round trip between this thread and pong_main */
static double
pingpong(void)
{
	int64_t c0 = ns(CLOCK_PROCESS_CPUTIME_ID), c1;

	for (long i = 0; i < rounds; i++) {
		atomic_store(&ball, 1);
		fwake(&ball);
		while (atomic_load(&ball) != 0)
			fwait(&ball, 1);
	}
	c1 = ns(CLOCK_PROCESS_CPUTIME_ID);
	return (double)(c1 - c0) / (double)rounds;
}

static double
read_cost(void)
{
	enum { READS = 2000 };
	int64_t t0 = ns(CLOCK_MONOTONIC);
	volatile int64_t sink = 0;

	for (int i = 0; i < READS; i++)
		sink += ns(CLOCK_PROCESS_CPUTIME_ID);
	(void)sink;
	return (double)(ns(CLOCK_MONOTONIC) - t0) / READS;
}

int
main(int argc, char **argv)
{
	long nthreads = argc > 1 ? atol(argv[1]) : 1000;
	int pairs = argc > 2 ? atoi(argv[2]) : 3;
	pthread_attr_t attr;
	pthread_t *tids, pong;
	struct sigevent sev = { 0 };
	struct itimerspec its = { 0 };
	timer_t timer;
	long made = 0;

	rounds = argc > 3 ? atol(argv[3]) : 100000;
	split = argc > 4 ? atoi(argv[4]) != 0 : 1;
	if (nthreads < 0 || pairs < 1 || rounds < 1)
		return 2;
	tids = calloc((size_t)nthreads + 1, sizeof(*tids));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (; made < nthreads; made++)
		if (pthread_create(&tids[made], &attr, idle_main, NULL) != 0)
			break;
	pthread_create(&pong, &attr, pong_main, NULL);
	pin(0);
	printf("threads %ld (asked %ld), round trips per run %ld, %s\n", made, nthreads, rounds,
	    split ? "ping on CPU 0, pong on CPU 1" : "both on CPU 0");
	printf("read unarmed: %.2f us\n", read_cost() / 1000);

	signal(SIGURG, SIG_IGN);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGURG;
	if (timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &timer) != 0) {
		perror("timer_create");
		return 1;
	}
	printf("read armed-but-unset: %.2f us\n", read_cost() / 1000);
	its.it_value.tv_sec = 100LL * 365 * 86400;
	for (int p = 0; p < pairs; p++) {
		double off, on;

		its.it_value.tv_sec = 0;
		timer_settime(timer, 0, &its, NULL);	/* disarm */
		off = pingpong();
		its.it_value.tv_sec = 100LL * 365 * 86400;
		timer_settime(timer, 0, &its, NULL);
		on = pingpong();
		printf("pair %d: round trip off %.0f ns, armed %.0f ns (%+.1f %%)\n",
		    p + 1, off, on, (on - off) / off * 100);
	}
	printf("read armed: %.2f us\n", read_cost() / 1000);
	for (int p = 0; p < pairs; p++) {
		double off, on;

		its.it_value.tv_sec = 0;
		timer_settime(timer, 0, &its, NULL);
		off = yields(&attr);
		its.it_value.tv_sec = 100LL * 365 * 86400;
		timer_settime(timer, 0, &its, NULL);
		on = yields(&attr);
		printf("yield pair %d: switch off %.0f ns, armed %.0f ns (%+.1f %%)\n",
		    p + 1, off, on, (on - off) / off * 100);
	}
	its.it_value.tv_sec = 0;
	timer_settime(timer, 0, &its, NULL);
	printf("read disarmed again: %.2f us\n", read_cost() / 1000);

	atomic_store(&pong_stop, 1);
	atomic_store(&ball, 2);
	fwake(&ball);
	pthread_join(pong, NULL);
	pthread_mutex_lock(&idle_mu);
	idle_stop = 1;
	pthread_cond_broadcast(&idle_cv);
	pthread_mutex_unlock(&idle_mu);
	for (long i = 0; i < made; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	return 0;
}
