/*
 * hostmem: the host's memory in use, as the benchmark tools count it
 * (bench/sseload and bench/experiments/sendcost). Header only: each tool is
 * one program of its own.
 */
#ifndef SSE_BENCH_HOSTMEM_H
#define SSE_BENCH_HOSTMEM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The host's memory in use, in KiB: MemTotal - MemFree - Buffers - Cached +
 * Shmem, or -1 when /proc/meminfo cannot be read or lacks one of them.
 * Unlike free(1)'s "used" it keeps the reclaimable slab, since the inodes
 * and dentries of open sockets cannot be reclaimed while they are open, and
 * shared memory (in Cached), which is not a cache; the page cache stays
 * out, so a file read elsewhere does not count.
 */
static inline long
host_used_kib(void)
{
	static const char *const keys[] = { "MemTotal:", "MemFree:", "Buffers:", "Cached:", "Shmem:" };
	long v[5] = { -1, -1, -1, -1, -1 };
	char buf[256];
	FILE *f;

	if ((f = fopen("/proc/meminfo", "r")) == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), f) != NULL)
		for (int i = 0; i < 5; i++)
			if (strncmp(buf, keys[i], strlen(keys[i])) == 0)
				v[i] = strtol(buf + strlen(keys[i]), NULL, 10);
	fclose(f);
	for (int i = 0; i < 5; i++)
		if (v[i] < 0)
			return -1;
	return v[0] - v[1] - v[2] - v[3] + v[4];
}

#endif
