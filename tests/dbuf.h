/*
 * dbuf: a growing, NUL-terminated byte buffer for the tests that talk to the
 * daemon (check_daemon, check_abuse). Not thread-safe: one owner at a time.
 * Out of memory aborts; a test has no better answer.
 */
#ifndef SSE_TESTS_DBUF_H
#define SSE_TESTS_DBUF_H

#include <stddef.h>

struct dbuf {
	char *p;		/* NUL-terminated once anything was added */
	size_t len, cap;
};

/* Append len bytes of s. */
void dbuf_add(struct dbuf *b, const void *s, size_t len);

/* Append a formatted string, of any length. */
void dbuf_printf(struct dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The bytes as a C string ("" while empty). */
const char *dbuf_str(const struct dbuf *b);

/* Free the bytes; the buffer is empty and usable again. */
void dbuf_free(struct dbuf *b);

#endif
