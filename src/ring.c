#include "ring.h"

#include <pthread.h>
#include <stdlib.h>

#include "xmem.h"

struct ring {
	pthread_mutex_t lock;	/* guards head, count, dropped and slots */
	size_t capacity;
	size_t limit;		/* <= capacity: see ring_set_limit() */
	size_t head;		/* index of the oldest entry */
	size_t count;
	uint64_t dropped;
	void *slots[];
};

ring_t *
ring_create(size_t capacity)
{
	ring_t *r;

	if (capacity == 0)
		capacity = 1;
	r = xcalloc(1, sizeof(*r) + capacity * sizeof(r->slots[0]));
	pthread_mutex_init(&r->lock, NULL);
	r->capacity = capacity;
	r->limit = capacity;
	return r;
}

void
ring_set_limit(ring_t *r, size_t limit)
{
	r->limit = limit == 0 ? 1 : limit < r->capacity ? limit : r->capacity;
}

/* Remove the oldest entry for a push; the lock is held, count > 0. */
static void *
shed(ring_t *r)
{
	void *old = r->slots[r->head];

	r->slots[r->head] = NULL;
	r->head = (r->head + 1) % r->capacity;
	r->count--;
	r->dropped++;
	return old;
}

void
ring_destroy(ring_t *r, void (*release)(void *))
{
	void *item;

	if (r == NULL)
		return;
	while ((item = ring_pop(r)) != NULL)
		if (release != NULL)
			release(item);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void *
ring_push_shed(ring_t *r, void *item, void **extra)
{
	void *old = NULL;

	pthread_mutex_lock(&r->lock);
	if (r->count >= r->limit)
		old = shed(r);
	if (extra != NULL) {
		*extra = NULL;
		if (r->count >= r->limit)
			*extra = shed(r);	/* above the limit: shrink by one */
	}
	r->slots[(r->head + r->count) % r->capacity] = item;
	r->count++;
	pthread_mutex_unlock(&r->lock);
	return old;
}

void *
ring_push(ring_t *r, void *item)
{
	return ring_push_shed(r, item, NULL);
}

void *
ring_pop(ring_t *r)
{
	void *item = NULL;

	pthread_mutex_lock(&r->lock);
	if (r->count > 0) {
		item = r->slots[r->head];
		r->slots[r->head] = NULL;
		r->head = (r->head + 1) % r->capacity;
		r->count--;
	}
	pthread_mutex_unlock(&r->lock);
	return item;
}

size_t
ring_count(ring_t *r)
{
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = r->count;
	pthread_mutex_unlock(&r->lock);
	return n;
}

uint64_t
ring_dropped(ring_t *r)
{
	uint64_t n;

	pthread_mutex_lock(&r->lock);
	n = r->dropped;
	pthread_mutex_unlock(&r->lock);
	return n;
}

size_t
ring_capacity(const ring_t *r)
{
	return r->capacity;
}
