/* Snapshot publication and references, including readers racing the
 * publisher on real threads (the load-then-increment race); run under
 * ThreadSanitizer and AddressSanitizer too. */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "snapshot.h"

START_TEST(acquire_before_publish_is_null)
{
	snapshot_clear();
	ck_assert_ptr_null(snapshot_acquire());
}
END_TEST

START_TEST(publish_then_acquire)
{
	struct snapshot *s = snapshot_new(), *got;

	s->seq = 42;
	snapshot_publish(s);
	got = snapshot_acquire();
	ck_assert_ptr_eq(got, s);
	ck_assert_uint_eq(got->seq, 42);
	/* The reader's reference keeps it alive after it is replaced. */
	snapshot_publish(snapshot_new());
	ck_assert_uint_eq(got->seq, 42);
	ck_assert_uint_eq(atomic_load(&got->refs), 1);
	snapshot_release(got);
	snapshot_clear();
	ck_assert_ptr_null(snapshot_acquire());
}
END_TEST

START_TEST(references_count)
{
	struct snapshot *s = snapshot_new();

	ck_assert_uint_eq(atomic_load(&s->refs), 1);
	snapshot_ref(s);
	snapshot_ref(s);
	ck_assert_uint_eq(atomic_load(&s->refs), 3);
	snapshot_release(s);
	snapshot_release(s);
	ck_assert_uint_eq(atomic_load(&s->refs), 1);
	snapshot_release(s);
	snapshot_release(NULL);	/* ignored */
}
END_TEST

/*
 * Readers acquire, check the snapshot is whole (its fields agree), and
 * release, while the publisher replaces it as fast as it can. A reader that
 * incremented a freed snapshot would trip AddressSanitizer; a torn read
 * would fail the field check.
 */
#define PUBLISHES 20000
#define READERS 3
static atomic_int stop_readers;
static atomic_int readers_started;	/* readers that acquired once */

static void *
reader(void *arg)
{
	long seen = 0;

	(void)arg;
	while (!atomic_load(&stop_readers)) {
		struct snapshot *s = snapshot_acquire();

		if (s == NULL)
			continue;
		if (s->load1 != (double)s->seq || s->ncores != (size_t)(s->seq % 7))
			abort();
		if (seen++ == 0)
			atomic_fetch_add(&readers_started, 1);
		snapshot_release(s);
	}
	return (void *)seen;
}

START_TEST(readers_race_publisher)
{
	pthread_t r[READERS];
	long total = 0;

	atomic_store(&stop_readers, 0);
	atomic_store(&readers_started, 0);
	for (int i = 0; i < READERS; i++)
		ck_assert_int_eq(pthread_create(&r[i], NULL, reader, NULL), 0);
	for (uint64_t seq = 1; seq <= PUBLISHES; seq++) {
		/* Race only once every reader runs (on a busy machine they start late). */
		while (seq == 2 && atomic_load(&readers_started) < READERS)
			sched_yield();
		struct snapshot *s = snapshot_new();

		s->seq = seq;
		s->load1 = (double)seq;
		s->ncores = seq % 7;
		snapshot_publish(s);
	}
	atomic_store(&stop_readers, 1);
	for (int i = 0; i < READERS; i++) {
		void *seen;

		pthread_join(r[i], &seen);
		total += (long)seen;
	}
	ck_assert_int_gt(total, 0);
	snapshot_clear();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("references");
	TCase *tt = tcase_create("threads");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, acquire_before_publish_is_null);
	tcase_add_test(tc, publish_then_acquire);
	tcase_add_test(tc, references_count);
	tcase_add_test(tt, readers_race_publisher);
	tcase_set_timeout(tt, 120);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tt);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
