/* Connections per client address (max_clients_per_ip): who is over the
 * limit, addresses kept apart, the tree emptied; and opens and closes from
 * two threads (run under ThreadSanitizer too). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "peer.h"

static struct sockaddr_in
v4(const char *a, unsigned short port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET, a, &sin.sin_addr), 1);
	return sin;
}

static struct sockaddr_in6
v6(const char *a)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, a, &sin6.sin6_addr), 1);
	return sin6;
}

#define SA(x) ((const struct sockaddr *)(const void *)&(x))

START_TEST(over_the_limit)
{
	/* Two from one address, whatever their ports: the third is over. */
	struct sockaddr_in a1 = v4("192.0.2.1", 1000), a2 = v4("192.0.2.1", 1001),
	    a3 = v4("192.0.2.1", 1002), b = v4("192.0.2.2", 1000);
	struct peer *p1, *p2, *p3, *p4, *q;
	int over = -1;

	peer_init(2);
	p1 = peer_open(SA(a1), &over);
	ck_assert_ptr_nonnull(p1);
	ck_assert_int_eq(over, 0);
	p2 = peer_open(SA(a2), &over);
	ck_assert_ptr_eq(p2, p1);	/* one entry per address */
	ck_assert_int_eq(over, 0);
	p3 = peer_open(SA(a3), &over);
	ck_assert_int_eq(over, 1);
	/* Another address has its own count. */
	q = peer_open(SA(b), &over);
	ck_assert_ptr_ne(q, p1);
	ck_assert_int_eq(over, 0);
	ck_assert_uint_eq(peer_addresses(), 2);

	/* Still two open from a1's address after one closes: over again. */
	peer_close(p3);
	p3 = peer_open(SA(a3), &over);
	ck_assert_int_eq(over, 1);
	peer_close(p3);
	peer_close(p2);
	p4 = peer_open(SA(a3), &over);
	ck_assert_int_eq(over, 0);

	peer_close(p4);
	peer_close(p1);
	ck_assert_uint_eq(peer_addresses(), 1);
	peer_close(q);
	ck_assert_uint_eq(peer_addresses(), 0);
	peer_close(NULL);
}
END_TEST

START_TEST(families_apart)
{
	/* 192.0.2.1 as IPv4 and as an IPv4-mapped IPv6 address: two entries,
	 * as libmicrohttpd's own limit counts them. */
	struct sockaddr_in a = v4("192.0.2.1", 1);
	struct sockaddr_in6 m = v6("::ffff:192.0.2.1"), z = v6("2001:db8::1");
	struct sockaddr_un un;
	struct peer *p, *pm, *pz;
	int over = -1;

	peer_init(1);
	p = peer_open(SA(a), &over);
	ck_assert_int_eq(over, 0);
	pm = peer_open(SA(m), &over);
	ck_assert_int_eq(over, 0);
	ck_assert_ptr_ne(p, pm);
	pz = peer_open(SA(z), &over);
	ck_assert_int_eq(over, 0);
	ck_assert_uint_eq(peer_addresses(), 3);

	/* Not an IP address: not counted, never over. */
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	ck_assert_ptr_null(peer_open(SA(un), &over));
	ck_assert_int_eq(over, 0);
	ck_assert_ptr_null(peer_open(NULL, &over));

	peer_close(p);
	peer_close(pm);
	peer_close(pz);
	ck_assert_uint_eq(peer_addresses(), 0);
}
END_TEST

START_TEST(no_limit_counts_nothing)
{
	struct sockaddr_in a = v4("192.0.2.1", 1);
	int over = -1;

	peer_init(0);
	for (int i = 0; i < 3; i++) {
		ck_assert_ptr_null(peer_open(SA(a), &over));
		ck_assert_int_eq(over, 0);
	}
	ck_assert_uint_eq(peer_addresses(), 0);
}
END_TEST

#define ROUNDS 20000

struct worker {
	struct sockaddr_in addr;
	unsigned over_seen;
};

/* Each round opens two connections and closes them. */
static void *
churn(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < ROUNDS; i++) {
		int o1, o2;
		struct peer *a = peer_open(SA(w->addr), &o1);
		struct peer *b = peer_open(SA(w->addr), &o2);

		w->over_seen += (unsigned)(o1 + o2);
		peer_close(b);
		peer_close(a);
	}
	return NULL;
}

START_TEST(two_threads)
{
	/*
	 * Limit 3: two threads on one address hold at most four at once, so
	 * some opens are over; on their own addresses, none is. Every entry is
	 * gone at the end.
	 */
	struct worker w[2];
	pthread_t t[2];

	peer_init(3);
	w[0].addr = v4("192.0.2.7", 1);
	w[1].addr = v4("192.0.2.8", 1);
	w[0].over_seen = w[1].over_seen = 0;
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, churn, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(w[0].over_seen + w[1].over_seen, 0);
	ck_assert_uint_eq(peer_addresses(), 0);

	w[1].addr = w[0].addr;
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, churn, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(peer_addresses(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("peer");
	TCase *tc = tcase_create("counts");
	TCase *tt = tcase_create("threads");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, over_the_limit);
	tcase_add_test(tc, families_apart);
	tcase_add_test(tc, no_limit_counts_nothing);
	tcase_add_test(tt, two_threads);
	tcase_set_timeout(tt, 60);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tt);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
