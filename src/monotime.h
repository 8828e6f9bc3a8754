/*
 * monotime: CLOCK_MONOTONIC in nanoseconds, for the modules that time
 * deadlines and waits in plain integers (header only, like futex.h).
 */
#ifndef SSE_MONOTIME_H
#define SSE_MONOTIME_H

#include <stdint.h>
#include <time.h>

static inline int64_t
monotime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
