#include "peer.h"

#include <netinet/in.h>
#include <pthread.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

struct peer {
	sa_family_t family;
	unsigned char addr[16];	/* 4 bytes of it for AF_INET */
	unsigned count;		/* connections open from it */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *tree;		/* of struct peer, by address; guarded by lock */
static unsigned addresses;	/* nodes in tree; guarded by lock */
static unsigned limit;		/* fixed from peer_init() on */

static int
peer_cmp(const void *a, const void *b)
{
	const struct peer *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

void
peer_init(unsigned max_per_address)
{
	limit = max_per_address;
}

struct peer *
peer_open(const struct sockaddr *sa, int *over)
{
	struct peer key, *p, **node;

	*over = 0;
	if (limit == 0 || sa == NULL)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(key.addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(key.addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	else
		return NULL;

	pthread_mutex_lock(&lock);
	node = tfind(&key, &tree, peer_cmp);
	if (node != NULL) {
		p = *node;
	} else if ((p = malloc(sizeof(*p))) != NULL) {
		*p = key;
		if (tsearch(p, &tree, peer_cmp) == NULL) {
			free(p);
			p = NULL;
		} else {
			addresses++;
		}
	}
	if (p != NULL)
		*over = p->count++ >= limit;
	pthread_mutex_unlock(&lock);
	return p;
}

void
peer_close(struct peer *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&lock);
	if (--p->count == 0) {
		tdelete(p, &tree, peer_cmp);
		addresses--;
		free(p);
	}
	pthread_mutex_unlock(&lock);
}

unsigned
peer_addresses(void)
{
	unsigned n;

	pthread_mutex_lock(&lock);
	n = addresses;
	pthread_mutex_unlock(&lock);
	return n;
}
