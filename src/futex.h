/*
 * futex: the Linux futex operations the broadcast wake-up needs (wait, wake), on a
 * 32-bit atomic word. Header-only: glibc has no wrapper for the system call.
 */
#ifndef SSE_FUTEX_H
#define SSE_FUTEX_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * Sleep while *word == expected, at most *timeout (relative; NULL = forever).
 * Returns at once if the word already differs. Spurious returns happen:
 * callers re-check their condition.
 */
static inline void
futex_wait(_Atomic uint32_t *word, uint32_t expected, const struct timespec *timeout)
{
	(void)syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected,
	    timeout, NULL, 0);
}

/* Wake up to n threads sleeping on word, the longest sleeping first; returns how many. */
static inline int
futex_wake(_Atomic uint32_t *word, int n)
{
	long woken = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);

	return woken < 0 ? 0 : (int)woken;
}

/* Wake every thread sleeping on word: one system call, whatever their number. */
static inline void
futex_wake_all(_Atomic uint32_t *word)
{
	(void)futex_wake(word, INT_MAX);
}

#endif
