/*
 * xmem: allocation that cannot fail. Running out of memory is fatal in this
 * one place, so no caller carries an error path for it.
 */
#ifndef SSE_XMEM_H
#define SSE_XMEM_H

#include <stddef.h>

/* malloc(size) or exit. */
void *xmalloc(size_t size);
/* calloc(n, size) or exit; checks the multiplication. */
void *xcalloc(size_t n, size_t size);
/* n zeroed elements of size at an address aligned to align (a power of 2), or exit. */
void *xaligned_calloc(size_t align, size_t n, size_t size);
/* realloc(p, n * size) or exit; checks the multiplication. */
void *xreallocarray(void *p, size_t n, size_t size);
/* strdup(s) or exit. */
char *xstrdup(const char *s);
/* "DIR/REL" in a new string, or exit. */
char *xpathjoin(const char *dir, const char *rel);

#endif
