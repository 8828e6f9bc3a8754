/*
 * ring: one stream's bounded queue of tick references.
 *
 * DESIGN
 * One producer (the collector thread, through broadcast_publish) and one
 * consumer (the stream's connection thread) meet here. Each ring has its own
 * mutex, held only for a few loads and stores, never across a wake-up or a
 * system call, so the two almost never contend. A full ring drops its oldest
 * entry to make room: a slow reader loses old ticks and never slows the
 * producer. The ring stores opaque pointers and never dereferences them;
 * whoever gets a pointer back (ring_pop, or dropped from ring_push) owns the
 * reference it carried.
 */
#ifndef SSE_RING_H
#define SSE_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct ring ring_t;

/* A ring holding at most capacity (>= 1) pointers. */
ring_t *ring_create(size_t capacity);

/*
 * Free the ring; the pointers still queued are passed to release (if not
 * NULL). No other thread may use the ring any more.
 */
void ring_destroy(ring_t *r, void (*release)(void *));

/*
 * Append item. When the ring is full (holds its limit) the oldest entry is
 * removed and returned: the caller then owns it (and drops it). Returns
 * NULL otherwise.
 */
void *ring_push(ring_t *r, void *item);

/*
 * Hold at most limit (1 .. capacity) entries from now on, though it holds
 * more: a replay queued more than a live stream may keep. Each push then
 * through ring_push_shed() drops two of the oldest while it is above limit,
 * so a slow reader comes down to limit instead of staying as far behind as
 * the replay put it. Before the ring is shared (no lock taken).
 */
void ring_set_limit(ring_t *r, size_t limit);

/* ring_push, and above the limit a second oldest entry into *extra (else NULL). */
void *ring_push_shed(ring_t *r, void *item, void **extra);

/* Remove and return the oldest entry, or NULL when the ring is empty. */
void *ring_pop(ring_t *r);

/* Entries queued now (a hint: it may change as soon as it is read). */
size_t ring_count(ring_t *r);

/* Entries dropped by ring_push since creation. */
uint64_t ring_dropped(ring_t *r);

/* The capacity given to ring_create. */
size_t ring_capacity(const ring_t *r);

#endif
