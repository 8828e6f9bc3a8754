/*
 * procfs: parse /proc/stat, /proc/meminfo, /proc/loadavg, /proc/uptime and
 * one-line files such as sys/kernel/hostname.
 *
 * Each multi-field file is read whole into a heap buffer (capped, so a
 * runaway file cannot eat memory) and parsed line by line; stack use stays
 * small because the collector may run on a small thread stack. Numbers are
 * parsed by hand rather than with strtoull/strtod: those accept signs,
 * leading blanks and hex, and strtod follows the locale's decimal point.
 *
 * The kernel ends every line of these files with '\n', so a file whose last
 * line lacks one was cut short (or is not what we think it is) and is
 * rejected rather than trusted with a half-written number. Malformed content
 * fails with errno EINVAL; a failed system call leaves its own errno.
 */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmem.h"

/* /proc/stat on a few thousand CPUs with many IRQs is well under this. */
#define PROCFS_MAX_FILE	(16u * 1024 * 1024)
#define PROCFS_FIRST_READ	8192

/* The cpu fields we keep, in the kernel's order. */
#define CPU_FIELDS	8
/* user nice system idle: present since Linux 2.4. */
#define CPU_MIN_FIELDS	4

static char *
path_join(const char *dir, const char *rel)
{
	size_t n = strlen(dir) + 1 + strlen(rel) + 1;
	char *path = xmalloc(n);

	snprintf(path, n, "%s/%s", dir, rel);
	return path;
}

static int
open_below(const char *procfs, const char *rel)
{
	char *path = path_join(procfs, rel);
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	saved = errno;
	free(path);
	errno = saved;
	return fd;
}

/*
 * Read PROCFS/REL whole into a NUL-terminated heap buffer; *lenp gets the
 * length without the NUL. Fails with EFBIG past PROCFS_MAX_FILE and with
 * EINVAL when the file does not end with a newline (empty or truncated).
 */
static int
slurp(const char *procfs, const char *rel, char **bufp, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, cap = PROCFS_FIRST_READ;
	ssize_t n;
	int fd, saved;

	*bufp = NULL;
	*lenp = 0;
	if ((fd = open_below(procfs, rel)) == -1)
		return -1;
	buf = xmalloc(cap);
	for (;;) {
		if (cap - len < 2) {
			if (cap >= PROCFS_MAX_FILE) {
				errno = EFBIG;
				goto fail;
			}
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == 0 || buf[len - 1] != '\n') {
		errno = EINVAL;
		goto fail;
	}
	buf[len] = '\0';
	close(fd);
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	saved = errno;
	close(fd);
	free(buf);
	errno = saved;
	return -1;
}

/*
 * Cut the next line out of *cursor (ending it at its '\n') and advance the
 * cursor past it. Returns NULL at the end of the buffer.
 */
static char *
next_line(char **cursor, char *end)
{
	char *line = *cursor, *nl;

	if (line >= end)
		return NULL;
	if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
		nl = end;	/* slurp() guarantees a final '\n'; be safe anyway */
	*nl = '\0';
	*cursor = nl + 1;
	return line;
}

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int
at_end(const char *p)
{
	return *skip_blanks(p) == '\0';
}

/* Parse an unsigned decimal after optional blanks; *pp moves past it. */
static int
parse_u64(const char **pp, uint64_t *v)
{
	const char *p = skip_blanks(*pp);
	uint64_t x = 0;
	unsigned d;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*pp = p;
	*v = x;
	return 0;
}

/* Parse "123" or "123.45" (the kernel's %lu.%02lu) without the locale. */
static int
parse_decimal(const char **pp, double *v)
{
	const char *p;
	uint64_t whole;
	double frac = 0, scale = 1;

	if (parse_u64(pp, &whole) == -1)
		return -1;
	p = *pp;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale < 1e18) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
		}
	}
	*pp = p;
	*v = (double)whole + frac / scale;
	return 0;
}

/* A number followed by blanks or the end: one whole token. */
static int
parse_token_end(const char *p)
{
	return *p == '\0' || *p == ' ' || *p == '\t';
}

/* "user nice system idle [iowait irq softirq steal [guest ...]]" */
static int
parse_cpu_times(const char *p, struct procfs_cpu_times *t)
{
	uint64_t f[CPU_FIELDS] = { 0 };
	int n;

	for (n = 0; n < CPU_FIELDS; n++) {
		if (at_end(p))
			break;
		if (parse_u64(&p, &f[n]) == -1 || !parse_token_end(p))
			return -1;
	}
	if (n < CPU_MIN_FIELDS)
		return -1;
	/* Fields past steal (guest, guest_nice) are already inside user/nice. */
	t->user = f[0];
	t->nice = f[1];
	t->system = f[2];
	t->idle = f[3];
	t->iowait = f[4];
	t->irq = f[5];
	t->softirq = f[6];
	t->steal = f[7];
	return 0;
}

/* A line holding exactly one number. */
static int
parse_single(const char *p, uint64_t *v)
{
	return parse_u64(&p, v) == -1 || !at_end(p) ? -1 : 0;
}

static const struct {
	const char *key;
	size_t offset;
} stat_counters[] = {
	{ "ctxt", offsetof(struct procfs_stat, ctxt) },
	{ "processes", offsetof(struct procfs_stat, processes) },
	{ "procs_running", offsetof(struct procfs_stat, procs_running) },
	{ "procs_blocked", offsetof(struct procfs_stat, procs_blocked) },
	{ "btime", offsetof(struct procfs_stat, btime) },
};

/* Parse one line of /proc/stat into st; unknown lines are skipped. */
static int
stat_line(char *line, struct procfs_stat *st, size_t *cap, int *have_total)
{
	char *key = line, *rest;
	const char *p;
	uint64_t id;

	rest = line + strcspn(line, " \t");
	if (*rest != '\0')
		*rest++ = '\0';
	if (strcmp(key, "cpu") == 0) {
		if (parse_cpu_times(rest, &st->total) == -1)
			return -1;
		*have_total = 1;
		return 0;
	}
	if (strncmp(key, "cpu", 3) == 0 && key[3] >= '0' && key[3] <= '9') {
		p = key + 3;
		if (parse_u64(&p, &id) == -1 || *p != '\0')
			return 0;	/* "cpu1x": not a line we know */
		if (id > UINT_MAX)
			return -1;
		if (st->ncores == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			st->cores = xreallocarray(st->cores, *cap, sizeof(*st->cores));
			st->core_ids = xreallocarray(st->core_ids, *cap, sizeof(*st->core_ids));
		}
		if (parse_cpu_times(rest, &st->cores[st->ncores]) == -1)
			return -1;
		st->core_ids[st->ncores++] = (unsigned)id;
		return 0;
	}
	if (strcmp(key, "intr") == 0) {
		p = rest;	/* the total, then one count per IRQ */
		return parse_u64(&p, &st->intr) == -1 || !parse_token_end(p) ? -1 : 0;
	}
	for (size_t i = 0; i < sizeof(stat_counters) / sizeof(stat_counters[0]); i++)
		if (strcmp(key, stat_counters[i].key) == 0)
			return parse_single(rest,
			    (uint64_t *)(void *)((char *)st + stat_counters[i].offset));
	return 0;
}

int
procfs_read_stat(const char *procfs, struct procfs_stat *out)
{
	char *buf = NULL, *cursor, *end, *line;
	size_t len, cap = 0;
	int have_total = 0;

	memset(out, 0, sizeof(*out));
	if (slurp(procfs, "stat", &buf, &len) == -1)
		goto fail;
	cursor = buf;
	end = buf + len;
	while ((line = next_line(&cursor, end)) != NULL)
		if (stat_line(line, out, &cap, &have_total) == -1)
			goto malformed;
	if (!have_total || out->ncores == 0)
		goto malformed;
	free(buf);
	return 0;
malformed:
	errno = EINVAL;
fail:
	free(buf);
	procfs_stat_free(out);
	return -1;
}

void
procfs_stat_free(struct procfs_stat *st)
{
	if (st == NULL)
		return;
	free(st->cores);
	free(st->core_ids);
	st->cores = NULL;
	st->core_ids = NULL;
	st->ncores = 0;
}

static const struct {
	const char *key;
	size_t offset;
} meminfo_fields[] = {
	{ "MemTotal", offsetof(struct procfs_meminfo, mem_total) },
	{ "MemFree", offsetof(struct procfs_meminfo, mem_free) },
	{ "MemAvailable", offsetof(struct procfs_meminfo, mem_available) },
	{ "Buffers", offsetof(struct procfs_meminfo, buffers) },
	{ "Cached", offsetof(struct procfs_meminfo, cached) },
	{ "SwapCached", offsetof(struct procfs_meminfo, swap_cached) },
	{ "Shmem", offsetof(struct procfs_meminfo, shmem) },
	{ "SReclaimable", offsetof(struct procfs_meminfo, sreclaimable) },
	{ "Slab", offsetof(struct procfs_meminfo, slab) },
	{ "Dirty", offsetof(struct procfs_meminfo, dirty) },
	{ "SwapTotal", offsetof(struct procfs_meminfo, swap_total) },
	{ "SwapFree", offsetof(struct procfs_meminfo, swap_free) },
};

#define MEMINFO_MEM_TOTAL	0
#define MEMINFO_MEM_AVAILABLE	2

/* "Key:   1234 kB". Sets *field to the table index, or -1 if unknown. */
static int
meminfo_line(char *line, struct procfs_meminfo *m, int *field)
{
	char *colon;
	const char *p;
	uint64_t kib;

	*field = -1;
	if ((colon = strchr(line, ':')) == NULL)
		return 0;
	*colon = '\0';
	for (size_t i = 0; i < sizeof(meminfo_fields) / sizeof(meminfo_fields[0]); i++) {
		if (strcmp(line, meminfo_fields[i].key) != 0)
			continue;
		p = colon + 1;
		if (parse_u64(&p, &kib) == -1)
			return -1;
		p = skip_blanks(p);
		if (strncmp(p, "kB", 2) != 0 || !at_end(p + 2))
			return -1;
		if (kib > UINT64_MAX / 1024)
			return -1;
		*(uint64_t *)(void *)((char *)m + meminfo_fields[i].offset) = kib * 1024;
		*field = (int)i;
		return 0;
	}
	return 0;
}

int
procfs_read_meminfo(const char *procfs, struct procfs_meminfo *out)
{
	char *buf = NULL, *cursor, *end, *line;
	size_t len;
	int field, have_total = 0;

	memset(out, 0, sizeof(*out));
	if (slurp(procfs, "meminfo", &buf, &len) == -1)
		goto fail;
	cursor = buf;
	end = buf + len;
	while ((line = next_line(&cursor, end)) != NULL) {
		if (meminfo_line(line, out, &field) == -1)
			goto malformed;
		if (field == MEMINFO_MEM_TOTAL)
			have_total = 1;
		else if (field == MEMINFO_MEM_AVAILABLE)
			out->has_mem_available = 1;
	}
	if (!have_total)
		goto malformed;
	free(buf);
	return 0;
malformed:
	errno = EINVAL;
fail:
	free(buf);
	memset(out, 0, sizeof(*out));
	return -1;
}

int
procfs_read_loadavg(const char *procfs, struct procfs_loadavg *out)
{
	char *buf = NULL;
	const char *p;
	size_t len;
	uint64_t running, total, last_pid;

	memset(out, 0, sizeof(*out));
	if (slurp(procfs, "loadavg", &buf, &len) == -1)
		goto fail;
	p = buf;
	if (parse_decimal(&p, &out->load1) == -1 || !parse_token_end(p) ||
	    parse_decimal(&p, &out->load5) == -1 || !parse_token_end(p) ||
	    parse_decimal(&p, &out->load15) == -1 || !parse_token_end(p) ||
	    parse_u64(&p, &running) == -1 || *p++ != '/' ||
	    parse_u64(&p, &total) == -1 || !parse_token_end(p) ||
	    parse_u64(&p, &last_pid) == -1 || *skip_blanks(p) != '\n')
		goto malformed;
	if (running > ULONG_MAX || total > ULONG_MAX)
		goto malformed;
	out->tasks_running = (unsigned long)running;
	out->tasks_total = (unsigned long)total;
	free(buf);
	return 0;
malformed:
	errno = EINVAL;
fail:
	free(buf);
	memset(out, 0, sizeof(*out));
	return -1;
}

int
procfs_read_uptime(const char *procfs, double *uptime_seconds)
{
	char *buf = NULL;
	const char *p;
	size_t len;
	double up;

	if (slurp(procfs, "uptime", &buf, &len) == -1)
		goto fail;
	p = buf;
	/* The second number (idle time summed over CPUs) is not needed. */
	if (parse_decimal(&p, &up) == -1 || (*p != ' ' && *p != '\t' && *p != '\n'))
		goto malformed;
	*uptime_seconds = up;
	free(buf);
	return 0;
malformed:
	errno = EINVAL;
fail:
	free(buf);
	return -1;
}

int
procfs_read_line(const char *procfs, const char *relpath, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;
	char *nl;
	int fd, saved;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	buf[0] = '\0';
	if ((fd = open_below(procfs, relpath)) == -1)
		return -1;
	while (used < len - 1) {
		n = read(fd, buf + used, len - 1 - used);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (memchr(buf + used - (size_t)n, '\n', (size_t)n) != NULL)
			break;	/* the rest of the file is not ours to return */
	}
	buf[used] = '\0';
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
	close(fd);
	return 0;
fail:
	saved = errno;
	close(fd);
	buf[0] = '\0';
	errno = saved;
	return -1;
}
