/*
 * procfs: parse /proc/stat, /proc/meminfo, /proc/loadavg, /proc/uptime,
 * /proc/vmstat, /proc/net/{dev,sockstat,sockstat6}, /proc/diskstats,
 * /proc/self/mountinfo, /proc/pressure/{cpu,memory,io}, /proc/sys/fs/file-nr,
 * /proc/PID/stat and one-line files such as sys/kernel/hostname.
 *
 * Each multi-field file is read whole into a heap buffer (capped, so a
 * runaway file cannot eat memory) and parsed line by line; stack use stays
 * small because the collector may run on a small thread stack. Numbers are
 * parsed by hand rather than with strtoull/strtod: those accept signs,
 * leading blanks and hex, and strtod follows the locale's decimal point.
 *
 * DESIGN: the readers are called by the collector thread (and by tests);
 * the only state they share is the table of kept-open files, guarded by
 * kept_lock (see slurp()).
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
#include <pthread.h>
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


static int
open_below(const char *procfs, const char *rel)
{
	char *path = xpathjoin(procfs, rel);
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	saved = errno;
	free(path);
	errno = saved;
	return fd;
}

/*
 * Files kept open between reads, keyed by path: one pread() at offset 0
 * makes the kernel generate a /proc file anew, where open, read, a read that
 * finds the end and close were four system calls (a fifth of a tick's CPU).
 * At most KEPT_MAX paths; past that a file is opened and closed each time.
 * A read that fails drops the kept descriptor, and the next read opens the
 * path again, so a file that comes and goes is found again.
 */
#define KEPT_MAX 64
struct kept_file {
	char *path;
	int fd;
	size_t last_len;	/* the file's length last time: the next buffer's size */
};
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kept_file kept[KEPT_MAX];	/* guarded by kept_lock */
static size_t nkept;

/* The kept entry for path, opened and added if there is room; NULL if none. kept_lock held. */
static struct kept_file *
kept_open(const char *path, int *fd)
{
	for (size_t i = 0; i < nkept; i++)
		if (strcmp(kept[i].path, path) == 0) {
			*fd = kept[i].fd;
			return &kept[i];
		}
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || nkept == KEPT_MAX)
		return NULL;
	kept[nkept] = (struct kept_file){ xstrdup(path), *fd, 0 };
	return &kept[nkept++];
}

/* Close and forget k. kept_lock held. */
static void
kept_drop(struct kept_file *k)
{
	close(k->fd);
	free(k->path);
	*k = kept[--nkept];
}

void
procfs_close_files(void)
{
	pthread_mutex_lock(&kept_lock);
	while (nkept > 0)
		kept_drop(&kept[nkept - 1]);
	pthread_mutex_unlock(&kept_lock);
}

/*
 * Read PROCFS/REL whole into a NUL-terminated heap buffer; *lenp gets the
 * length without the NUL. Fails with EFBIG past PROCFS_MAX_FILE and with
 * EINVAL when the file does not end with a newline (empty or truncated).
 * Only a read of 0 bytes is the end: a multi-record /proc file (a seq_file:
 * net/dev, diskstats, mountinfo, vmstat) hands out about one page of whole
 * lines per read, so a short read ending in '\n' is no sign of the end.
 */
static int
slurp(const char *procfs, const char *rel, char **bufp, size_t *lenp)
{
	char *path = xpathjoin(procfs, rel), *buf = NULL;
	struct kept_file *k;
	size_t len = 0, cap = PROCFS_FIRST_READ;
	ssize_t n;
	int fd, saved;

	*bufp = NULL;
	*lenp = 0;
	pthread_mutex_lock(&kept_lock);
	if ((k = kept_open(path, &fd)) == NULL && fd == -1)
		goto fail;
	if (k != NULL && k->last_len + 2 > cap)
		cap = k->last_len + k->last_len / 2 + 2;
	buf = xmalloc(cap);
	for (;;) {
		size_t want = cap - len - 1;

		n = pread(fd, buf + len, want, (off_t)len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;	/* the end */
		len += (size_t)n;
		if ((size_t)n < want)
			continue;	/* a seq_file gives a page or so at a time */
		if (cap >= PROCFS_MAX_FILE) {
			errno = EFBIG;
			goto fail;
		}
		cap *= 2;
		buf = xreallocarray(buf, cap, 1);
	}
	if (len == 0 || buf[len - 1] != '\n') {
		errno = EINVAL;
		goto fail;
	}
	buf[len] = '\0';
	if (k != NULL)
		k->last_len = len;
	else
		close(fd);
	pthread_mutex_unlock(&kept_lock);
	free(path);
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	saved = errno;
	if (k != NULL)
		kept_drop(k);
	else if (fd != -1)
		close(fd);
	pthread_mutex_unlock(&kept_lock);
	free(path);
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
	/*
	 * One division of two exact integers is correctly rounded, as strtod
	 * is: 1.14 is 114 / 100, where 1 + 14 / 100 would be one ulp off.
	 */
	if (whole < (uint64_t)(9007199254740992.0 / scale) &&
	    (double)whole * scale + frac < 9007199254740992.0)
		*v = ((double)whole * scale + frac) / scale;
	else
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

/* A "key value" field and where it goes in the output struct. */
struct keyed_field {
	const char *key;
	size_t offset;
};

#define NFIELDS(t)	(sizeof(t) / sizeof((t)[0]))
#define FIELD_PTR(base, off)	((uint64_t *)(void *)((char *)(base) + (off)))

static const struct keyed_field stat_counters[] = {
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
	for (size_t i = 0; i < NFIELDS(stat_counters); i++)
		if (strcmp(key, stat_counters[i].key) == 0)
			return parse_single(rest, FIELD_PTR(st, stat_counters[i].offset));
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

static const struct keyed_field meminfo_fields[] = {
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
	for (size_t i = 0; i < NFIELDS(meminfo_fields); i++) {
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
		*FIELD_PTR(m, meminfo_fields[i].offset) = kib * 1024;
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

/* ---- helpers for the readers below --------------------------------------- */

/*
 * Parse blank-separated numbers up to the end of the line into v[0..max);
 * *n gets their count. Fails on a token that is not a number, or past max.
 */
static int
parse_u64_list(const char *p, uint64_t *v, size_t max, size_t *n)
{
	size_t i = 0;

	while (!at_end(p)) {
		if (i == max || parse_u64(&p, &v[i]) == -1 || !parse_token_end(p))
			return -1;
		i++;
	}
	*n = i;
	return 0;
}

/*
 * Read PROCFS/REL, skip its first SKIP lines, and parse each further line
 * with PARSE into a new element of SIZE bytes of a growing heap array. On
 * success *arr and *count hold the records; on failure (EINVAL for a line
 * PARSE rejects) they hold the ones parsed so far, for the caller to free.
 */
static int
read_records(const char *procfs, const char *rel, size_t skip, size_t size,
    int (*parse)(char *line, void *rec), void **arr, size_t *count)
{
	char *buf = NULL, *cursor, *end, *line;
	size_t len, cap = 0;

	*arr = NULL;
	*count = 0;
	if (slurp(procfs, rel, &buf, &len) == -1)
		return -1;
	cursor = buf;
	end = buf + len;
	for (; skip > 0; skip--)
		if (next_line(&cursor, end) == NULL)
			goto malformed;
	while ((line = next_line(&cursor, end)) != NULL) {
		if (*count == cap) {
			cap = cap ? cap * 2 : 16;
			*arr = xreallocarray(*arr, cap, size);
		}
		if (parse(line, (char *)*arr + *count * size) == -1)
			goto malformed;
		(*count)++;
	}
	free(buf);
	return 0;
malformed:
	free(buf);
	errno = EINVAL;
	return -1;
}

/* Split off the next blank-delimited word of *pp (NUL-terminating it). */
static char *
cut_word(char **pp)
{
	char *w = (char *)skip_blanks(*pp), *e;

	if (*w == '\0')
		return NULL;
	e = w + strcspn(w, " \t");
	if (*e != '\0')
		*e++ = '\0';
	*pp = e;
	return w;
}

/* A file-name component we may append to a path: no '/', not "." or "..". */
static int
is_component(const char *s)
{
	return *s != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0;
}

/* ---- /proc/vmstat -------------------------------------------------------- */

static const struct keyed_field vmstat_fields[] = {
	{ "pswpin", offsetof(struct procfs_vmstat, pswpin) },
	{ "pswpout", offsetof(struct procfs_vmstat, pswpout) },
	{ "pgpgin", offsetof(struct procfs_vmstat, pgpgin) },
	{ "pgpgout", offsetof(struct procfs_vmstat, pgpgout) },
	{ "pgfault", offsetof(struct procfs_vmstat, pgfault) },
	{ "pgmajfault", offsetof(struct procfs_vmstat, pgmajfault) },
};

int
procfs_read_vmstat(const char *procfs, struct procfs_vmstat *out)
{
	char *buf = NULL, *cursor, *end, *line, *key;
	size_t len;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (slurp(procfs, "vmstat", &buf, &len) == -1)
		goto fail;
	cursor = buf;
	end = buf + len;
	while ((line = next_line(&cursor, end)) != NULL) {
		if ((key = cut_word(&line)) == NULL)
			goto malformed;
		for (size_t i = 0; i < NFIELDS(vmstat_fields); i++) {
			if (strcmp(key, vmstat_fields[i].key) != 0)
				continue;
			if (parse_single(line, FIELD_PTR(out, vmstat_fields[i].offset)) == -1)
				goto malformed;
			found = 1;
			break;
		}
	}
	if (!found)
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

/* ---- /proc/net/dev ------------------------------------------------------- */

/* rx: bytes packets errs drop fifo frame compressed multicast; tx: 8 more. */
#define NETDEV_FIELDS	16
#define NETDEV_TX	8

/* "  eth0: 16 numbers"; the name is all before the first ':'. */
static int
netdev_line(char *line, void *rec)
{
	struct procfs_netdev *d = rec;
	uint64_t v[NETDEV_FIELDS];
	char *name, *colon;
	size_t nv;

	name = (char *)skip_blanks(line);
	if ((colon = strchr(name, ':')) == NULL || colon == name)
		return -1;
	*colon = '\0';
	if (parse_u64_list(colon + 1, v, NETDEV_FIELDS, &nv) == -1 || nv != NETDEV_FIELDS)
		return -1;
	memset(d, 0, sizeof(*d));
	d->rx_bytes = v[0];
	d->rx_packets = v[1];
	d->rx_errs = v[2];
	d->rx_drop = v[3];
	d->tx_bytes = v[NETDEV_TX + 0];
	d->tx_packets = v[NETDEV_TX + 1];
	d->tx_errs = v[NETDEV_TX + 2];
	d->tx_drop = v[NETDEV_TX + 3];
	d->name = xstrdup(name);
	return 0;
}

int
procfs_read_netdev(const char *procfs, struct procfs_netdev **out, size_t *n)
{
	void *arr;
	size_t count;
	int saved;

	*out = NULL;
	*n = 0;
	/* Two header lines ("Inter-|   Receive ...", " face |bytes ..."). */
	if (read_records(procfs, "net/dev", 2, sizeof(**out), netdev_line, &arr,
	    &count) == -1) {
		saved = errno;
		procfs_netdev_free(arr, count);
		errno = saved;
		return -1;
	}
	*out = arr;
	*n = count;
	return 0;
}

void
procfs_netdev_free(struct procfs_netdev *devs, size_t n)
{
	if (devs == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(devs[i].name);
	free(devs);
}

/* ---- /proc/diskstats ----------------------------------------------------- */

/*
 * Numbers after the name: 11 before Linux 4.18, 15 with the discard fields,
 * 17 with the flush fields (5.5). More are taken as a later kernel's
 * additions; other counts are not a format any kernel wrote.
 */
#define DISK_FIELDS_MIN		11
#define DISK_FIELDS_DISCARD	15
#define DISK_FIELDS_FLUSH	17
#define DISK_FIELDS_MAX		32

static int
disk_line(char *line, void *rec)
{
	struct procfs_disk *d = rec;
	uint64_t major, minor, v[DISK_FIELDS_MAX];
	const char *p = line;
	char *rest, *name;
	size_t nv;

	if (parse_u64(&p, &major) == -1 || !parse_token_end(p) ||
	    parse_u64(&p, &minor) == -1 || !parse_token_end(p) ||
	    major > UINT_MAX || minor > UINT_MAX)
		return -1;
	rest = line + (p - line);
	if ((name = cut_word(&rest)) == NULL)
		return -1;
	if (parse_u64_list(rest, v, DISK_FIELDS_MAX, &nv) == -1)
		return -1;
	if (nv != DISK_FIELDS_MIN && nv != DISK_FIELDS_DISCARD && nv < DISK_FIELDS_FLUSH)
		return -1;
	d->major = (unsigned)major;
	d->minor = (unsigned)minor;
	d->reads = v[0];
	d->reads_merged = v[1];
	d->sectors_read = v[2];
	d->read_ms = v[3];
	d->writes = v[4];
	d->writes_merged = v[5];
	d->sectors_written = v[6];
	d->write_ms = v[7];
	d->in_flight = v[8];
	d->io_ms = v[9];
	d->weighted_io_ms = v[10];
	d->name = xstrdup(name);
	return 0;
}

int
procfs_read_diskstats(const char *procfs, struct procfs_disk **out, size_t *n)
{
	void *arr;
	size_t count;
	int saved;

	*out = NULL;
	*n = 0;
	if (read_records(procfs, "diskstats", 0, sizeof(**out), disk_line, &arr,
	    &count) == -1) {
		saved = errno;
		procfs_disks_free(arr, count);
		errno = saved;
		return -1;
	}
	*out = arr;
	*n = count;
	return 0;
}

void
procfs_disks_free(struct procfs_disk *disks, size_t n)
{
	if (disks == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(disks[i].name);
	free(disks);
}

/* ---- /proc/self/mountinfo ------------------------------------------------ */

static int
is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/*
 * Undo the kernel's mangling in place: it writes space, tab, newline and
 * backslash as \040 \011 \012 \134. Any other backslash is kept as is.
 */
static void
unescape_octal(char *s)
{
	char *w = s;
	unsigned v;

	while (*s != '\0') {
		if (s[0] == '\\' && is_octal(s[1]) && is_octal(s[2]) && is_octal(s[3])) {
			v = (unsigned)(s[1] - '0') * 64 + (unsigned)(s[2] - '0') * 8 +
			    (unsigned)(s[3] - '0');
			if (v != 0 && v <= 0xff) {
				*w++ = (char)v;
				s += 4;
				continue;
			}
		}
		*w++ = *s++;
	}
	*w = '\0';
}

/* "ro" among comma-separated options. */
static int
has_option(const char *opts, const char *want)
{
	size_t n = strlen(want), len;

	for (;;) {
		len = strcspn(opts, ",");
		if (len == n && strncmp(opts, want, n) == 0)
			return 1;
		if (opts[len] == '\0')
			return 0;
		opts += len + 1;
	}
}

/* The number after key ("subvolid=") among comma-separated opts; 0 if none. */
static uint64_t
option_u64(const char *opts, const char *key)
{
	size_t n = strlen(key), len;
	uint64_t v;
	const char *p;

	for (;;) {
		len = strcspn(opts, ",");
		if (len > n && strncmp(opts, key, n) == 0) {
			p = opts + n;
			if (parse_u64(&p, &v) == 0 && p == opts + len)
				return v;
		}
		if (opts[len] == '\0')
			return 0;
		opts += len + 1;
	}
}

/*
 * "36 35 98:0 /root /mnt rw,noatime master:1 - ext3 /dev/root rw,errors=..."
 * The kernel separates fields with one space and escapes spaces inside them.
 */
static int
mount_line(char *line, void *rec)
{
	struct procfs_mount *m = rec;
	char *id, *parent, *devno, *root, *mountpoint, *options, *w;
	char *fstype, *source, *superopts, no_source[1] = "";
	const char *p;
	uint64_t major, minor;

	if ((id = cut_word(&line)) == NULL || (parent = cut_word(&line)) == NULL ||
	    (devno = cut_word(&line)) == NULL || (root = cut_word(&line)) == NULL ||
	    (mountpoint = cut_word(&line)) == NULL ||
	    (options = cut_word(&line)) == NULL)
		return -1;
	/* Optional fields ("shared:1", "master:2" ...) up to a lone "-". */
	do {
		if ((w = cut_word(&line)) == NULL)
			return -1;
	} while (strcmp(w, "-") != 0);
	if ((fstype = cut_word(&line)) == NULL)
		return -1;
	/*
	 * An empty source ("mount -t tmpfs '' /x") is printed as nothing: two
	 * spaces in a row, the one blank left after cut_word() took fstype's.
	 */
	if (*line == ' ' || *line == '\t')
		source = no_source;
	else if ((source = cut_word(&line)) == NULL)
		return -1;
	if ((superopts = cut_word(&line)) == NULL)
		return -1;
	p = id;
	if (parse_u64(&p, &m->id) == -1 || *p != '\0')
		return -1;
	p = parent;
	if (parse_u64(&p, &m->parent) == -1 || *p != '\0')
		return -1;
	p = devno;
	if (parse_u64(&p, &major) == -1 || *p++ != ':' ||
	    parse_u64(&p, &minor) == -1 || *p != '\0' ||
	    major > UINT_MAX || minor > UINT_MAX)
		return -1;
	unescape_octal(root);
	unescape_octal(mountpoint);
	unescape_octal(source);
	unescape_octal(fstype);
	m->major = (unsigned)major;
	m->minor = (unsigned)minor;
	m->subvolid = option_u64(superopts, "subvolid=");
	/*
	 * The filesystem's own flag, not this mount's: under systemd's
	 * ProtectSystem=strict every mount the service sees is read-only,
	 * while the disks themselves are not.
	 */
	m->readonly = has_option(superopts, "ro");
	m->root = xstrdup(root);
	m->mountpoint = xstrdup(mountpoint);
	m->fstype = xstrdup(fstype);
	m->source = xstrdup(source);
	return 0;
}

int
procfs_read_mountinfo(const char *procfs, const char *pid, struct procfs_mount **out,
    size_t *n)
{
	void *arr = NULL;
	size_t count = 0;
	char *rel;
	int saved, r;

	*out = NULL;
	*n = 0;
	if (!is_component(pid)) {
		errno = EINVAL;
		return -1;
	}
	rel = xpathjoin(pid, "mountinfo");
	r = read_records(procfs, rel, 0, sizeof(**out), mount_line, &arr, &count);
	free(rel);
	if (r == -1) {
		saved = errno;
		procfs_mounts_free(arr, count);
		errno = saved;
		return -1;
	}
	*out = arr;
	*n = count;
	return 0;
}

void
procfs_mounts_free(struct procfs_mount *mounts, size_t n)
{
	if (mounts == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(mounts[i].root);
		free(mounts[i].mountpoint);
		free(mounts[i].fstype);
		free(mounts[i].source);
	}
	free(mounts);
}

/* ---- /proc/pressure/RESOURCE --------------------------------------------- */

/* Expect the word KEY= at *pp (after blanks) and move past it. */
static int
expect_key(const char **pp, const char *key)
{
	const char *p = skip_blanks(*pp);
	size_t n = strlen(key);

	if (strncmp(p, key, n) != 0)
		return -1;
	*pp = p + n;
	return 0;
}

/* "avg10=0.00 avg60=0.00 avg300=0.00 total=0" */
static int
psi_line(const char *p, struct procfs_psi_line *l)
{
	if (expect_key(&p, "avg10=") == -1 || parse_decimal(&p, &l->avg10) == -1 ||
	    !parse_token_end(p) ||
	    expect_key(&p, "avg60=") == -1 || parse_decimal(&p, &l->avg60) == -1 ||
	    !parse_token_end(p) ||
	    expect_key(&p, "avg300=") == -1 || parse_decimal(&p, &l->avg300) == -1 ||
	    !parse_token_end(p) ||
	    expect_key(&p, "total=") == -1 || parse_u64(&p, &l->total_us) == -1 ||
	    !at_end(p))
		return -1;
	l->present = 1;
	return 0;
}

int
procfs_read_psi(const char *procfs, const char *resource, struct procfs_psi *out)
{
	char *buf = NULL, *cursor, *end, *line, *kind, *rel = NULL;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!is_component(resource)) {
		errno = EINVAL;
		goto fail;
	}
	rel = xpathjoin("pressure", resource);
	if (slurp(procfs, rel, &buf, &len) == -1)
		goto fail;
	cursor = buf;
	end = buf + len;
	while ((line = next_line(&cursor, end)) != NULL) {
		if ((kind = cut_word(&line)) == NULL)
			goto malformed;
		if (strcmp(kind, "some") == 0) {
			if (psi_line(line, &out->some) == -1)
				goto malformed;
		} else if (strcmp(kind, "full") == 0) {
			if (psi_line(line, &out->full) == -1)
				goto malformed;
		}
	}
	if (!out->some.present)
		goto malformed;
	free(buf);
	free(rel);
	return 0;
malformed:
	errno = EINVAL;
fail:
	free(buf);
	free(rel);
	memset(out, 0, sizeof(*out));
	return -1;
}

/* ---- /proc/net/sockstat and sockstat6 ------------------------------------ */

/* A "LINE: key value key value ..." pair we keep. */
struct sockstat_field {
	const char *line, *key;
	size_t offset;
};

static const struct sockstat_field sockstat_v4[] = {
	{ "sockets", "used", offsetof(struct procfs_sockstat, sockets_used) },
	{ "TCP", "inuse", offsetof(struct procfs_sockstat, tcp_inuse) },
	{ "TCP", "orphan", offsetof(struct procfs_sockstat, tcp_orphan) },
	{ "TCP", "tw", offsetof(struct procfs_sockstat, tcp_tw) },
	{ "TCP", "alloc", offsetof(struct procfs_sockstat, tcp_alloc) },
	{ "TCP", "mem", offsetof(struct procfs_sockstat, tcp_mem_pages) },
	{ "UDP", "inuse", offsetof(struct procfs_sockstat, udp_inuse) },
};

static const struct sockstat_field sockstat_v6[] = {
	{ "TCP6", "inuse", offsetof(struct procfs_sockstat, tcp6_inuse) },
	{ "UDP6", "inuse", offsetof(struct procfs_sockstat, udp6_inuse) },
};

/*
 * Parse PROCFS/REL, storing the pairs of tab (ntab <= 32) into out. Every
 * line must be "NAME: word number ..."; every pair of tab must be present.
 */
static int
read_sockstat_file(const char *procfs, const char *rel,
    const struct sockstat_field *tab, size_t ntab, struct procfs_sockstat *out)
{
	char *buf = NULL, *cursor, *end, *line, *name, *colon, *key;
	const char *p;
	uint32_t seen = 0;
	uint64_t v;
	size_t len;

	if (slurp(procfs, rel, &buf, &len) == -1)
		goto fail;
	cursor = buf;
	end = buf + len;
	while ((line = next_line(&cursor, end)) != NULL) {
		name = line;
		if ((colon = strchr(line, ':')) == NULL)
			goto malformed;
		*colon = '\0';
		line = colon + 1;
		while ((key = cut_word(&line)) != NULL) {
			p = line;
			if (parse_u64(&p, &v) == -1 || !parse_token_end(p))
				goto malformed;
			line += p - line;
			for (size_t i = 0; i < ntab; i++) {
				if (strcmp(name, tab[i].line) == 0 &&
				    strcmp(key, tab[i].key) == 0) {
					*FIELD_PTR(out, tab[i].offset) = v;
					seen |= UINT32_C(1) << i;
				}
			}
		}
	}
	if (seen != (UINT32_C(1) << ntab) - 1)
		goto malformed;
	free(buf);
	return 0;
malformed:
	errno = EINVAL;
fail:
	free(buf);
	return -1;
}

int
procfs_read_sockstat(const char *procfs, struct procfs_sockstat *out)
{
	memset(out, 0, sizeof(*out));
	if (read_sockstat_file(procfs, "net/sockstat", sockstat_v4,
	    NFIELDS(sockstat_v4), out) == -1)
		goto fail;
	if (read_sockstat_file(procfs, "net/sockstat6", sockstat_v6,
	    NFIELDS(sockstat_v6), out) == 0)
		out->has_v6 = 1;
	else if (errno != ENOENT)
		goto fail;	/* present but unreadable or malformed */
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

/* ---- /proc/sys/fs/file-nr ------------------------------------------------ */

int
procfs_read_file_nr(const char *procfs, uint64_t *allocated, uint64_t *max)
{
	char *buf = NULL;
	const char *p;
	uint64_t v[3];
	size_t len;

	if (slurp(procfs, "sys/fs/file-nr", &buf, &len) == -1)
		goto fail;
	p = buf;
	/* "allocated<TAB>unused<TAB>max\n"; unused is 0 since Linux 2.6. */
	for (size_t i = 0; i < 3; i++)
		if (parse_u64(&p, &v[i]) == -1 || !(parse_token_end(p) || *p == '\n'))
			goto malformed;
	p = skip_blanks(p);
	if (*p != '\n' || p + 1 != buf + len)
		goto malformed;
	*allocated = v[0];
	*max = v[2];
	free(buf);
	return 0;
malformed:
	errno = EINVAL;
fail:
	free(buf);
	return -1;
}

/* ---- /proc/PID/stat ------------------------------------------------------ */

/* Field numbers as proc(5) counts them (pid is 1, comm 2, state 3). */
#define PIDSTAT_UTIME		14
#define PIDSTAT_STIME		15
#define PIDSTAT_THREADS		20
#define PIDSTAT_STARTTIME	22
#define PIDSTAT_RSS		24

int
procfs_read_pidstat(const char *procfs, const char *pid, struct procfs_pidstat *out)
{
	char *buf = NULL, *rel = NULL, *close_paren, *rest, *word;
	const char *p;
	uint64_t v;
	size_t len;
	int field;

	memset(out, 0, sizeof(*out));
	if (!is_component(pid)) {
		errno = EINVAL;
		goto fail;
	}
	rel = xpathjoin(pid, "stat");
	if (slurp(procfs, rel, &buf, &len) == -1)
		goto fail;
	/* "1234 (comm) S ...": comm may hold anything, ')' included. */
	p = buf;
	if (parse_u64(&p, &v) == -1 || strncmp(p, " (", 2) != 0)
		goto malformed;
	if ((close_paren = strrchr(buf, ')')) == NULL || close_paren < p + 2)
		goto malformed;
	buf[len - 1] = '\0';	/* the final newline */
	rest = close_paren + 1;
	for (field = 3; field <= PIDSTAT_RSS; field++) {
		if ((word = cut_word(&rest)) == NULL)
			goto malformed;
		if (field != PIDSTAT_UTIME && field != PIDSTAT_STIME &&
		    field != PIDSTAT_THREADS && field != PIDSTAT_STARTTIME &&
		    field != PIDSTAT_RSS)
			continue;	/* some of the others may be negative */
		p = word;
		if (parse_u64(&p, &v) == -1 || *p != '\0')
			goto malformed;
		switch (field) {
		case PIDSTAT_UTIME:
			out->utime = v;
			break;
		case PIDSTAT_STIME:
			out->stime = v;
			break;
		case PIDSTAT_THREADS:
			out->num_threads = v;
			break;
		case PIDSTAT_STARTTIME:
			out->starttime = v;
			break;
		default:
			out->rss_pages = v;
			break;
		}
	}
	free(buf);
	free(rel);
	return 0;
malformed:
	errno = EINVAL;
fail:
	free(buf);
	free(rel);
	memset(out, 0, sizeof(*out));
	return -1;
}
