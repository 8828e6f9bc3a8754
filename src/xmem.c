#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void __attribute__((noreturn))
out_of_memory(size_t n, size_t size)
{
	log_fatal("out of memory allocating %zu x %zu bytes", n, size);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory(1, size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(n, size);
	return p;
}

void *
xaligned_calloc(size_t align, size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (size != 0 && n > (size_t)-1 / size)
		out_of_memory(n, size);
	bytes = n * size != 0 ? n * size : 1;
	bytes = (bytes + align - 1) / align * align;	/* aligned_alloc wants a multiple */
	if ((p = aligned_alloc(align, bytes)) == NULL)
		out_of_memory(n, size);
	memset(p, 0, bytes);
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > (size_t)-1 / size)
		out_of_memory(n, size);
	q = realloc(p, n != 0 && size != 0 ? n * size : 1);
	if (q == NULL)
		out_of_memory(n, size);
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		out_of_memory(1, strlen(s) + 1);
	return p;
}

char *
xpathjoin(const char *dir, const char *rel)
{
	size_t n = strlen(dir) + 1 + strlen(rel) + 1;
	char *path = xmalloc(n);

	snprintf(path, n, "%s/%s", dir, rel);
	return path;
}
