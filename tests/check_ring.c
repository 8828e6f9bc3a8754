/* The client ring: FIFO order, drop-oldest when full, and one producer
 * against one consumer on real threads (run under ThreadSanitizer too). */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "ring.h"

#define P(n) ((void *)(uintptr_t)(n))
#define N(p) ((uintptr_t)(p))

START_TEST(fifo_order)
{
	ring_t *r = ring_create(4);

	ck_assert_ptr_null(ring_pop(r));
	for (uintptr_t i = 1; i <= 3; i++)
		ck_assert_ptr_null(ring_push(r, P(i)));
	ck_assert_uint_eq(ring_count(r), 3);
	for (uintptr_t i = 1; i <= 3; i++)
		ck_assert_uint_eq(N(ring_pop(r)), i);
	ck_assert_ptr_null(ring_pop(r));
	ck_assert_uint_eq(ring_dropped(r), 0);
	ring_destroy(r, NULL);
}
END_TEST

START_TEST(full_drops_oldest)
{
	ring_t *r = ring_create(3);

	for (uintptr_t i = 1; i <= 3; i++)
		ck_assert_ptr_null(ring_push(r, P(i)));
	/* Each push to a full ring hands back the oldest entry. */
	ck_assert_uint_eq(N(ring_push(r, P(4))), 1);
	ck_assert_uint_eq(N(ring_push(r, P(5))), 2);
	ck_assert_uint_eq(ring_dropped(r), 2);
	ck_assert_uint_eq(ring_count(r), 3);
	ck_assert_uint_eq(N(ring_pop(r)), 3);
	ck_assert_uint_eq(N(ring_pop(r)), 4);
	ck_assert_uint_eq(N(ring_pop(r)), 5);
	ck_assert_ptr_null(ring_pop(r));
	ring_destroy(r, NULL);
}
END_TEST

START_TEST(wraps_many_times)
{
	ring_t *r = ring_create(5);
	uintptr_t next_out = 1;

	/* Interleave pushes and pops so head wraps around the array often. */
	for (uintptr_t i = 1; i <= 1000; i++) {
		ck_assert_ptr_null(ring_push(r, P(i)));
		if (i % 3 != 0)
			ck_assert_uint_eq(N(ring_pop(r)), next_out++);
		while (ring_count(r) >= 4)
			ck_assert_uint_eq(N(ring_pop(r)), next_out++);
	}
	while (ring_count(r) > 0)
		ck_assert_uint_eq(N(ring_pop(r)), next_out++);
	ck_assert_uint_eq(next_out, 1001);
	ring_destroy(r, NULL);
}
END_TEST

/* Above its limit a ring sheds two per push until it is down to the limit. */
START_TEST(limit_below_what_it_holds)
{
	ring_t *r = ring_create(10);
	void *extra;

	for (uintptr_t i = 1; i <= 8; i++)
		ck_assert_ptr_null(ring_push(r, P(i)));
	ring_set_limit(r, 3);
	ck_assert_uint_eq(N(ring_push_shed(r, P(9), &extra)), 1);
	ck_assert_uint_eq(N(extra), 2);
	ck_assert_uint_eq(ring_count(r), 7);	/* 3 .. 9 */
	/* ring_push sheds one: the count holds. */
	ck_assert_uint_eq(N(ring_push(r, P(10))), 3);
	ck_assert_uint_eq(ring_count(r), 7);
	for (uintptr_t i = 11; ring_count(r) > 3; i++) {
		ck_assert_ptr_nonnull(ring_push_shed(r, P(i), &extra));
		ck_assert_ptr_nonnull(extra);
	}
	ck_assert_uint_eq(ring_count(r), 3);	/* 12 13 14 */
	/* At the limit, one in, one out. */
	ck_assert_uint_eq(N(ring_push_shed(r, P(15), &extra)), 12);
	ck_assert_ptr_null(extra);
	ck_assert_uint_eq(ring_count(r), 3);
	ck_assert_uint_eq(ring_dropped(r), 12);
	for (uintptr_t i = 13; i <= 15; i++)
		ck_assert_uint_eq(N(ring_pop(r)), i);
	/* Below it, nothing is shed. */
	ck_assert_ptr_null(ring_push_shed(r, P(16), &extra));
	ck_assert_ptr_null(extra);
	ring_destroy(r, NULL);
}
END_TEST

START_TEST(capacity_one_and_zero)
{
	ring_t *r = ring_create(0);	/* treated as 1 */

	ck_assert_uint_eq(ring_capacity(r), 1);
	ck_assert_ptr_null(ring_push(r, P(7)));
	ck_assert_uint_eq(N(ring_push(r, P(8))), 7);
	ck_assert_uint_eq(N(ring_pop(r)), 8);
	ring_destroy(r, NULL);
}
END_TEST

static int released;

static void
count_release(void *p)
{
	(void)p;
	released++;
}

START_TEST(destroy_releases_queued)
{
	ring_t *r = ring_create(8);

	released = 0;
	for (uintptr_t i = 1; i <= 5; i++)
		ring_push(r, P(i));
	ring_pop(r);
	ring_destroy(r, count_release);
	ck_assert_int_eq(released, 4);
}
END_TEST

/* One producer, one consumer: every item is either consumed or dropped,
 * exactly once, and consumed items come out in increasing order. */
#define ITEMS 200000
struct shared {
	ring_t *ring;
	uintptr_t dropped_by_push;
	int done;
	pthread_mutex_t lock;
};

static void *
producer(void *arg)
{
	struct shared *sh = arg;

	for (uintptr_t i = 1; i <= ITEMS; i++)
		if (ring_push(sh->ring, P(i)) != NULL)
			sh->dropped_by_push++;
	pthread_mutex_lock(&sh->lock);
	sh->done = 1;
	pthread_mutex_unlock(&sh->lock);
	return NULL;
}

START_TEST(producer_consumer_threads)
{
	struct shared sh = { ring_create(16), 0, 0, PTHREAD_MUTEX_INITIALIZER };
	pthread_t t;
	uintptr_t last = 0, consumed = 0;
	int done = 0;

	ck_assert_int_eq(pthread_create(&t, NULL, producer, &sh), 0);
	while (!done || ring_count(sh.ring) > 0) {
		void *p = ring_pop(sh.ring);

		if (p != NULL) {
			ck_assert_uint_gt(N(p), last);
			last = N(p);
			consumed++;
		}
		pthread_mutex_lock(&sh.lock);
		done = sh.done;
		pthread_mutex_unlock(&sh.lock);
	}
	pthread_join(t, NULL);
	ck_assert_uint_eq(last, ITEMS);	/* the newest item is never dropped */
	ck_assert_uint_eq(consumed + sh.dropped_by_push, ITEMS);
	ck_assert_uint_eq(ring_dropped(sh.ring), sh.dropped_by_push);
	ring_destroy(sh.ring, NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("single thread");
	TCase *tt = tcase_create("threads");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, fifo_order);
	tcase_add_test(tc, full_drops_oldest);
	tcase_add_test(tc, wraps_many_times);
	tcase_add_test(tc, limit_below_what_it_holds);
	tcase_add_test(tc, capacity_one_and_zero);
	tcase_add_test(tc, destroy_releases_queued);
	tcase_add_test(tt, producer_consumer_threads);
	tcase_set_timeout(tt, 60);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tt);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
