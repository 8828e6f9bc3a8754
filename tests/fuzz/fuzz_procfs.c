/*
 * fuzz_procfs: every reader of procfs.h on the same input.
 *
 * The input is written, as is, to every file a reader opens under a
 * private procfs tree (stat, meminfo, loadavg, ...), rewritten in place
 * each run: procfs.c keeps the files open and reads them again with pread()
 * at offset 0, which sees the new bytes of the same inode (a new file under
 * the old name would not be seen; /proc never does that), so this also
 * fuzzes the kept-open path and its buffer sizing from the last length.
 *
 * Beyond not crashing, each reader must keep its contract: 0 or -1, errno
 * EINVAL for content it rejects, and when it accepts, the values a lax
 * reference parse (sscanf, strtoull, strtod) finds in the same text: the
 * readers are strict, so whatever they accept is well-formed enough for
 * the references to read the same numbers and names.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "procfs.h"

/* Every file the readers open, below the tree's proc/. */
static const char *const files[] = {
	"stat", "meminfo", "loadavg", "uptime", "vmstat", "net/dev", "diskstats",
	"self/mountinfo", "pressure/cpu", "net/sockstat", "net/sockstat6",
	"sys/fs/file-nr", "self/stat", "sys/kernel/hostname",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static char procfs[PATH_MAX];	/* every file */
static char procfs_v4[PATH_MAX];	/* net/sockstat only: no IPv6 */
enum { R_STAT, R_MEMINFO, R_LOADAVG, R_UPTIME, R_VMSTAT, R_NETDEV, R_DISKS, R_MOUNTS,
	R_PSI, R_SOCKSTAT, R_SOCKSTAT_V4, R_FILE_NR, R_PIDSTAT, R_LINE, R_COUNT };
static const char *const reader_names[R_COUNT] = {
	"stat", "meminfo", "loadavg", "uptime", "vmstat", "net/dev", "diskstats", "mountinfo",
	"pressure", "sockstat", "sockstat(v4 only)", "file-nr", "pid stat", "line",
};
static unsigned long runs, accepted[R_COUNT];

/* ---- the reference parsers ---------------------------------------------- */

/* The input as lines: a copy with each '\n' a NUL; lines[i] into it. */
struct lines {
	char *text;
	char **line;
	size_t n;
};

static void
lines_split(struct lines *l, const uint8_t *data, size_t size)
{
	char *p;

	l->text = malloc(size + 1);
	l->line = malloc((size + 1) * sizeof(*l->line));
	memcpy(l->text, data, size);
	l->text[size] = '\0';
	l->n = 0;
	for (p = l->text; p < l->text + size;) {
		char *nl = memchr(p, '\n', (size_t)(l->text + size - p));

		if (nl == NULL)
			break;	/* a reader never accepts an unterminated last line */
		*nl = '\0';
		l->line[l->n++] = p;
		p = nl + 1;
	}
}

static void
lines_free(struct lines *l)
{
	free(l->text);
	free(l->line);
}

/* Numbers must agree; parse_decimal is exact to 15 digits, close past them. */
static void
same_double(const char *what, double got, double want)
{
	if (!isfinite(got) || got < 0)
		fuzz_fail("%s: %g is not a finite number >= 0", what, got);
	if (fabs(got - want) > 1e-12 * fmax(1, fabs(want)))
		fuzz_fail("%s: read %.17g, the reference %.17g", what, got, want);
}

static void
same_u64(const char *what, uint64_t got, uint64_t want)
{
	if (got != want)
		fuzz_fail("%s: read %llu, the reference %llu", what,
		    (unsigned long long)got, (unsigned long long)want);
}

/* strtoull of the next blank-separated token of *p, which must be all digits. */
static uint64_t
ref_u64(const char **p)
{
	char *end;
	unsigned long long v;

	*p += strspn(*p, " \t");
	v = strtoull(*p, &end, 10);
	*p = end;
	return v;
}

static void
same_cpu(const char *what, const struct procfs_cpu_times *t, const uint64_t f[8])
{
	const uint64_t got[8] = { t->user, t->nice, t->system, t->idle, t->iowait, t->irq,
		t->softirq, t->steal };

	for (int k = 0; k < 8; k++)
		if (got[k] != f[k])
			fuzz_fail("%s: field %d read %llu, the reference %llu", what, k + 1,
			    (unsigned long long)got[k], (unsigned long long)f[k]);
}

static void
check_stat(const struct lines *l)
{
	struct procfs_cpu_times total = { 0 };
	struct procfs_stat st;
	uint64_t ctxt = 0, intr = 0, processes = 0, running = 0, blocked = 0, btime = 0;
	size_t ncores = 0;

	if (procfs_read_stat(procfs, &st) == -1) {
		if (errno != EINVAL)
			fuzz_fail("stat: errno %d, not EINVAL", errno);
		if (st.cores != NULL || st.core_ids != NULL || st.ncores != 0)
			fuzz_fail("stat: failed but left cores");
		return;
	}
	accepted[R_STAT]++;
	if (st.ncores == 0 || st.cores == NULL || st.core_ids == NULL)
		fuzz_fail("stat: accepted without cores");
	for (size_t i = 0; i < l->n; i++) {
		const char *p = l->line[i], *key = p;
		size_t klen = strcspn(p, " \t");
		uint64_t f[8] = { 0 };
		struct procfs_cpu_times *t = NULL;
		char *end;

		p += klen;
		if (klen == 3 && strncmp(key, "cpu", 3) == 0) {
			t = &total;	/* the last "cpu" line counts */
		} else if (klen > 3 && strncmp(key, "cpu", 3) == 0 && key[3] >= '0' && key[3] <= '9' &&
		    strspn(key + 3, "0123456789") == klen - 3) {
			unsigned long long id;

			errno = 0;
			id = strtoull(key + 3, &end, 10);
			if (errno == ERANGE)
				continue;	/* past 2^64: not a line the reader knows */
			if (ncores >= st.ncores)
				fuzz_fail("stat: more cpuN lines than %zu cores", st.ncores);
			if (st.core_ids[ncores] != id)
				fuzz_fail("stat: core %zu is cpu%u, the line says cpu%llu", ncores,
				    st.core_ids[ncores], id);
			t = &st.cores[ncores++];
		} else if (klen == 4 && strncmp(key, "ctxt", 4) == 0) {
			ctxt = ref_u64(&p);
		} else if (klen == 4 && strncmp(key, "intr", 4) == 0) {
			intr = ref_u64(&p);
		} else if (klen == 9 && strncmp(key, "processes", 9) == 0) {
			processes = ref_u64(&p);
		} else if (klen == 13 && strncmp(key, "procs_running", 13) == 0) {
			running = ref_u64(&p);
		} else if (klen == 13 && strncmp(key, "procs_blocked", 13) == 0) {
			blocked = ref_u64(&p);
		} else if (klen == 5 && strncmp(key, "btime", 5) == 0) {
			btime = ref_u64(&p);
		}
		if (t == NULL)
			continue;
		for (int k = 0; k < 8 && *(p + strspn(p, " \t")) != '\0'; k++)
			f[k] = ref_u64(&p);
		if (t == &total) {
			total = (struct procfs_cpu_times){ f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7] };
			continue;
		}
		same_cpu("stat core", t, f);
	}
	same_cpu("stat total", &st.total, (const uint64_t[8]){ total.user, total.nice,
	    total.system, total.idle, total.iowait, total.irq, total.softirq, total.steal });
	same_u64("stat cores", st.ncores, ncores);
	same_u64("stat ctxt", st.ctxt, ctxt);
	same_u64("stat intr", st.intr, intr);
	same_u64("stat processes", st.processes, processes);
	same_u64("stat procs_running", st.procs_running, running);
	same_u64("stat procs_blocked", st.procs_blocked, blocked);
	same_u64("stat btime", st.btime, btime);
	procfs_stat_free(&st);
}

static void
check_meminfo(const struct lines *l)
{
	static const char *const keys[] = {
		"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached",
		"Shmem", "SReclaimable", "Slab", "Dirty", "SwapTotal", "SwapFree",
	};
	struct procfs_meminfo m;
	uint64_t want[12] = { 0 };
	int has_available = 0;

	if (procfs_read_meminfo(procfs, &m) == -1) {
		if (errno != EINVAL)
			fuzz_fail("meminfo: errno %d, not EINVAL", errno);
		return;
	}
	accepted[R_MEMINFO]++;
	for (size_t i = 0; i < l->n; i++) {
		const char *colon = strchr(l->line[i], ':');

		if (colon == NULL)
			continue;
		for (size_t k = 0; k < 12; k++)
			if ((size_t)(colon - l->line[i]) == strlen(keys[k]) &&
			    strncmp(l->line[i], keys[k], strlen(keys[k])) == 0) {
				const char *p = colon + 1;

				want[k] = ref_u64(&p) * 1024;
				has_available |= k == 2;
			}
	}
	same_u64("MemTotal", m.mem_total, want[0]);
	same_u64("MemFree", m.mem_free, want[1]);
	same_u64("MemAvailable", m.mem_available, want[2]);
	same_u64("Buffers", m.buffers, want[3]);
	same_u64("Cached", m.cached, want[4]);
	same_u64("SwapCached", m.swap_cached, want[5]);
	same_u64("Shmem", m.shmem, want[6]);
	same_u64("SReclaimable", m.sreclaimable, want[7]);
	same_u64("Slab", m.slab, want[8]);
	same_u64("Dirty", m.dirty, want[9]);
	same_u64("SwapTotal", m.swap_total, want[10]);
	same_u64("SwapFree", m.swap_free, want[11]);
	same_u64("has MemAvailable", (uint64_t)m.has_mem_available, (uint64_t)has_available);
}

static void
check_loadavg(const char *text)
{
	struct procfs_loadavg la;
	double l1, l5, l15;
	unsigned long running, total, last;

	if (procfs_read_loadavg(procfs, &la) == -1) {
		if (errno != EINVAL)
			fuzz_fail("loadavg: errno %d, not EINVAL", errno);
		return;
	}
	accepted[R_LOADAVG]++;
	if (sscanf(text, "%lf %lf %lf %lu/%lu %lu", &l1, &l5, &l15, &running, &total, &last) != 6)
		fuzz_fail("loadavg: accepted what sscanf cannot read");
	same_double("load1", la.load1, l1);
	same_double("load5", la.load5, l5);
	same_double("load15", la.load15, l15);
	same_u64("tasks running", la.tasks_running, running);
	same_u64("tasks total", la.tasks_total, total);
}

static void
check_uptime(const char *text)
{
	double up = -1;

	if (procfs_read_uptime(procfs, &up) == -1) {
		if (errno != EINVAL)
			fuzz_fail("uptime: errno %d, not EINVAL", errno);
		return;
	}
	accepted[R_UPTIME]++;
	same_double("uptime", up, strtod(text, NULL));
}

static void
check_vmstat(const struct lines *l)
{
	static const char *const keys[] = { "pswpin", "pswpout", "pgpgin", "pgpgout", "pgfault",
		"pgmajfault" };
	struct procfs_vmstat v;
	uint64_t want[6] = { 0 };

	if (procfs_read_vmstat(procfs, &v) == -1) {
		if (errno != EINVAL)
			fuzz_fail("vmstat: errno %d, not EINVAL", errno);
		return;
	}
	accepted[R_VMSTAT]++;
	for (size_t i = 0; i < l->n; i++) {
		const char *p = l->line[i] + strspn(l->line[i], " \t");
		size_t klen = strcspn(p, " \t");

		for (size_t k = 0; k < 6; k++)
			if (klen == strlen(keys[k]) && strncmp(p, keys[k], klen) == 0) {
				const char *q = p + klen;

				want[k] = ref_u64(&q);
			}
	}
	same_u64("pswpin", v.pswpin, want[0]);
	same_u64("pswpout", v.pswpout, want[1]);
	same_u64("pgpgin", v.pgpgin, want[2]);
	same_u64("pgpgout", v.pgpgout, want[3]);
	same_u64("pgfault", v.pgfault, want[4]);
	same_u64("pgmajfault", v.pgmajfault, want[5]);
}

static void
check_netdev(const struct lines *l)
{
	struct procfs_netdev *d;
	size_t n;

	if (procfs_read_netdev(procfs, &d, &n) == -1) {
		if (errno != EINVAL)
			fuzz_fail("net/dev: errno %d, not EINVAL", errno);
		if (d != NULL || n != 0)
			fuzz_fail("net/dev: failed but returned interfaces");
		return;
	}
	accepted[R_NETDEV]++;
	if (l->n < 2 || n != l->n - 2)
		fuzz_fail("net/dev: %zu interfaces from %zu lines", n, l->n);
	for (size_t i = 0; i < n; i++) {
		const char *line = l->line[i + 2], *name = line + strspn(line, " \t");
		const char *colon = strchr(name, ':'), *p;
		uint64_t v[16];

		if (colon == NULL || d[i].name == NULL || strlen(d[i].name) != (size_t)(colon - name) ||
		    strncmp(d[i].name, name, (size_t)(colon - name)) != 0 || d[i].name[0] == '\0')
			fuzz_fail("net/dev: interface %zu is '%s', its line '%s'", i,
			    d[i].name ? d[i].name : "(null)", line);
		p = colon + 1;
		for (int k = 0; k < 16; k++)
			v[k] = ref_u64(&p);
		same_u64("rx_bytes", d[i].rx_bytes, v[0]);
		same_u64("rx_packets", d[i].rx_packets, v[1]);
		same_u64("rx_errs", d[i].rx_errs, v[2]);
		same_u64("rx_drop", d[i].rx_drop, v[3]);
		same_u64("tx_bytes", d[i].tx_bytes, v[8]);
		same_u64("tx_packets", d[i].tx_packets, v[9]);
		same_u64("tx_errs", d[i].tx_errs, v[10]);
		same_u64("tx_drop", d[i].tx_drop, v[11]);
	}
	procfs_netdev_free(d, n);
}

static void
check_diskstats(const struct lines *l)
{
	struct procfs_disk *d;
	size_t n;

	if (procfs_read_diskstats(procfs, &d, &n) == -1) {
		if (errno != EINVAL)
			fuzz_fail("diskstats: errno %d, not EINVAL", errno);
		if (d != NULL || n != 0)
			fuzz_fail("diskstats: failed but returned disks");
		return;
	}
	accepted[R_DISKS]++;
	if (n != l->n)
		fuzz_fail("diskstats: %zu disks from %zu lines", n, l->n);
	for (size_t i = 0; i < n; i++) {
		const char *p = l->line[i], *name;
		uint64_t major = ref_u64(&p), minor = ref_u64(&p), v[11];
		size_t nlen;

		p += strspn(p, " \t");
		name = p;
		nlen = strcspn(p, " \t");
		p += nlen;
		for (int k = 0; k < 11; k++)
			v[k] = ref_u64(&p);
		same_u64("disk major", d[i].major, major);
		same_u64("disk minor", d[i].minor, minor);
		if (d[i].name == NULL || strlen(d[i].name) != nlen || strncmp(d[i].name, name, nlen) != 0)
			fuzz_fail("diskstats: disk %zu is '%s', its line '%s'", i,
			    d[i].name ? d[i].name : "(null)", l->line[i]);
		same_u64("reads", d[i].reads, v[0]);
		same_u64("sectors_read", d[i].sectors_read, v[2]);
		same_u64("writes", d[i].writes, v[4]);
		same_u64("sectors_written", d[i].sectors_written, v[6]);
		same_u64("in_flight", d[i].in_flight, v[8]);
		same_u64("io_ms", d[i].io_ms, v[9]);
		same_u64("weighted_io_ms", d[i].weighted_io_ms, v[10]);
	}
	procfs_disks_free(d, n);
}

/* The kernel's mangling undone: \ooo for 1..255; anything else as written. */
static void
ref_unescape(const char *s, size_t len, char *out)
{
	const char *end = s + len;

	while (s < end) {
		if (end - s >= 4 && s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			int v = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');

			if (v != 0 && v <= 255) {
				*out++ = (char)v;
				s += 4;
				continue;
			}
		}
		*out++ = *s++;
	}
	*out = '\0';
}

static void
check_mountinfo(const struct lines *l)
{
	struct procfs_mount *m;
	size_t n;

	if (procfs_read_mountinfo(procfs, "self", &m, &n) == -1) {
		if (errno != EINVAL)
			fuzz_fail("mountinfo: errno %d, not EINVAL", errno);
		if (m != NULL || n != 0)
			fuzz_fail("mountinfo: failed but returned mounts");
		return;
	}
	accepted[R_MOUNTS]++;
	if (n != l->n)
		fuzz_fail("mountinfo: %zu mounts from %zu lines", n, l->n);
	for (size_t i = 0; i < n; i++) {
		const char *word[64];
		size_t wlen[64], nw = 0, dash, opts;
		const char *p = l->line[i];
		int empty_source;
		char want[3][4096];
		int ro = 0;

		while (nw < 64 && *(p += strspn(p, " \t")) != '\0') {
			word[nw] = p;
			wlen[nw] = strcspn(p, " \t");
			p += wlen[nw++];
		}
		for (dash = 6; dash < nw && !(wlen[dash] == 1 && word[dash][0] == '-'); dash++)
			continue;
		if (dash + 2 >= nw || wlen[4] >= 4096 || wlen[dash + 1] >= 4096)
			continue;	/* past what this reference keeps: no comparison */
		/* Two blanks or more after the fstype: the source is empty. */
		empty_source = word[dash + 2] - (word[dash + 1] + wlen[dash + 1]) >= 2;
		opts = dash + 3 - (size_t)empty_source;
		if (opts >= nw || (!empty_source && wlen[dash + 2] >= 4096))
			continue;
		ref_unescape(word[4], wlen[4], want[0]);
		ref_unescape(word[dash + 1], wlen[dash + 1], want[1]);
		if (empty_source)
			want[2][0] = '\0';
		else
			ref_unescape(word[dash + 2], wlen[dash + 2], want[2]);
		for (const char *o = word[opts]; o < word[opts] + wlen[opts];) {
			size_t olen = strcspn(o, ",");

			if (olen > wlen[opts] - (size_t)(o - word[opts]))
				olen = wlen[opts] - (size_t)(o - word[opts]);
			ro |= olen == 2 && strncmp(o, "ro", 2) == 0;
			o += olen + 1;
		}
		if (strcmp(m[i].mountpoint, want[0]) != 0 || strcmp(m[i].fstype, want[1]) != 0 ||
		    strcmp(m[i].source, want[2]) != 0)
			fuzz_fail("mountinfo: mount %zu is '%s' '%s' '%s', want '%s' '%s' '%s'", i,
			    m[i].mountpoint, m[i].fstype, m[i].source, want[0], want[1], want[2]);
		same_u64("mount readonly", (uint64_t)m[i].readonly, (uint64_t)ro);
	}
	procfs_mounts_free(m, n);
}

static void
psi_ref(const char *rest, struct procfs_psi_line *l)
{
	unsigned long long total;

	if (sscanf(rest, " avg10=%lf avg60=%lf avg300=%lf total=%llu", &l->avg10, &l->avg60,
	    &l->avg300, &total) != 4)
		fuzz_fail("pressure: accepted '%s', which sscanf cannot read", rest);
	l->total_us = total;
	l->present = 1;
}

static void
same_psi(const char *what, const struct procfs_psi_line *got, const struct procfs_psi_line *want)
{
	same_u64(what, (uint64_t)got->present, (uint64_t)want->present);
	if (!want->present)
		return;
	same_double(what, got->avg10, want->avg10);
	same_double(what, got->avg60, want->avg60);
	same_double(what, got->avg300, want->avg300);
	same_u64(what, got->total_us, want->total_us);
}

static void
check_psi(const struct lines *l)
{
	struct procfs_psi psi, want;

	if (procfs_read_psi(procfs, "cpu", &psi) == -1) {
		if (errno != EINVAL)
			fuzz_fail("pressure: errno %d, not EINVAL", errno);
		return;
	}
	accepted[R_PSI]++;
	memset(&want, 0, sizeof(want));
	for (size_t i = 0; i < l->n; i++) {
		const char *p = l->line[i] + strspn(l->line[i], " \t");

		if (strncmp(p, "some", 4) == 0 && (p[4] == ' ' || p[4] == '\t' || p[4] == '\0'))
			psi_ref(p + 4, &want.some);
		else if (strncmp(p, "full", 4) == 0 && (p[4] == ' ' || p[4] == '\t' || p[4] == '\0'))
			psi_ref(p + 4, &want.full);
	}
	same_psi("psi some", &psi.some, &want.some);
	same_psi("psi full", &psi.full, &want.full);
}

/* The value of KEY on the line named NAME ("TCP: inuse 3 ..."), the last one. */
static uint64_t
sockstat_ref(const struct lines *l, const char *name, const char *key)
{
	uint64_t v = 0;

	for (size_t i = 0; i < l->n; i++) {
		const char *colon = strchr(l->line[i], ':'), *p;

		if (colon == NULL || (size_t)(colon - l->line[i]) != strlen(name) ||
		    strncmp(l->line[i], name, strlen(name)) != 0)
			continue;
		for (p = colon + 1; *(p += strspn(p, " \t")) != '\0';) {
			size_t klen = strcspn(p, " \t");
			int match = klen == strlen(key) && strncmp(p, key, klen) == 0;
			uint64_t x;

			p += klen;
			x = ref_u64(&p);
			if (match)
				v = x;
		}
	}
	return v;
}

static void
check_sockstat(const struct lines *l)
{
	struct procfs_sockstat s;

	if (procfs_read_sockstat(procfs, &s) == 0) {
		accepted[R_SOCKSTAT]++;
		same_u64("has_v6", (uint64_t)s.has_v6, 1);
		same_u64("TCP6 inuse", s.tcp6_inuse, sockstat_ref(l, "TCP6", "inuse"));
		same_u64("UDP6 inuse", s.udp6_inuse, sockstat_ref(l, "UDP6", "inuse"));
	} else if (errno != EINVAL) {
		fuzz_fail("sockstat: errno %d, not EINVAL", errno);
	}
	if (procfs_read_sockstat(procfs_v4, &s) == -1) {
		if (errno != EINVAL)
			fuzz_fail("sockstat (v4): errno %d, not EINVAL", errno);
		return;
	}
	accepted[R_SOCKSTAT_V4]++;
	same_u64("has_v6 without sockstat6", (uint64_t)s.has_v6, 0);
	same_u64("sockets used", s.sockets_used, sockstat_ref(l, "sockets", "used"));
	same_u64("TCP inuse", s.tcp_inuse, sockstat_ref(l, "TCP", "inuse"));
	same_u64("TCP orphan", s.tcp_orphan, sockstat_ref(l, "TCP", "orphan"));
	same_u64("TCP tw", s.tcp_tw, sockstat_ref(l, "TCP", "tw"));
	same_u64("TCP alloc", s.tcp_alloc, sockstat_ref(l, "TCP", "alloc"));
	same_u64("TCP mem", s.tcp_mem_pages, sockstat_ref(l, "TCP", "mem"));
	same_u64("UDP inuse", s.udp_inuse, sockstat_ref(l, "UDP", "inuse"));
}

static void
check_file_nr(const char *text)
{
	uint64_t allocated = 7, max = 7;
	unsigned long long a, u, m;

	if (procfs_read_file_nr(procfs, &allocated, &max) == -1) {
		if (errno != EINVAL)
			fuzz_fail("file-nr: errno %d, not EINVAL", errno);
		if (allocated != 7 || max != 7)
			fuzz_fail("file-nr: failed but wrote its outputs");
		return;
	}
	accepted[R_FILE_NR]++;
	if (sscanf(text, "%llu %llu %llu", &a, &u, &m) != 3)
		fuzz_fail("file-nr: accepted what sscanf cannot read");
	same_u64("file-nr allocated", allocated, a);
	same_u64("file-nr max", max, m);
}

static void
check_pidstat(const char *text)
{
	struct procfs_pidstat ps;
	const char *p;
	uint64_t v[25] = { 0 };

	if (procfs_read_pidstat(procfs, "self", &ps) == -1) {
		if (errno != EINVAL)
			fuzz_fail("pid stat: errno %d, not EINVAL", errno);
		return;
	}
	accepted[R_PIDSTAT]++;
	if ((p = strrchr(text, ')')) == NULL)
		fuzz_fail("pid stat: accepted without ')'");
	p++;
	/* Fields are blank-separated; the file's one '\n' is its last byte. */
	for (int field = 3; field <= 24; field++) {
		p += strspn(p, " \t");
		if (field == 14 || field == 15 || field == 20 || field == 22 || field == 24)
			v[field] = strtoull(p, NULL, 10);
		p += strcspn(p, " \t");
	}
	same_u64("utime", ps.utime, v[14]);
	same_u64("stime", ps.stime, v[15]);
	same_u64("num_threads", ps.num_threads, v[20]);
	same_u64("starttime", ps.starttime, v[22]);
	same_u64("rss", ps.rss_pages, v[24]);
}

static void
check_line(const uint8_t *data, size_t size)
{
	static const size_t lens[] = { 1, 8, 256 };
	char buf[256];

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t want = 0;

		memset(buf, 'x', sizeof(buf));
		if (procfs_read_line(procfs, "sys/kernel/hostname", buf, lens[i]) == -1)
			fuzz_fail("read_line: %s", strerror(errno));
		while (want < size && want < lens[i] - 1 && data[want] != '\n' && data[want] != '\0')
			want++;
		if (memchr(buf, '\0', lens[i]) == NULL)
			fuzz_fail("read_line(%zu): not NUL-terminated", lens[i]);
		if (strlen(buf) != want || memcmp(buf, data, want) != 0)
			fuzz_fail("read_line(%zu): '%s', want %zu bytes", lens[i], buf, want);
	}
	accepted[R_LINE]++;
}

static void
report(void)
{
	printf("fuzz_procfs: %lu runs; accepted by:", runs);
	for (int r = 0; r < R_COUNT; r++)
		printf(" %s %lu%s", reader_names[r], accepted[r], r + 1 < R_COUNT ? "," : "\n");
	fflush(stdout);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *root;

	(void)argc;
	(void)argv;
	root = fuzz_scratch();
	snprintf(procfs, sizeof(procfs), "%s/proc", root);
	snprintf(procfs_v4, sizeof(procfs_v4), "%s/proc-v4", root);
	fuzz_mkdirs(root, "proc");
	fuzz_mkdirs(root, "proc-v4");
	atexit(report);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lines l;
	char *raw = malloc(size + 1);

	runs++;
	for (size_t i = 0; i < NFILES; i++)
		fuzz_write(procfs, files[i], data, size);
	fuzz_write(procfs_v4, "net/sockstat", data, size);
	/*
	 * The references read lines (l) or the whole text (raw) as C strings,
	 * as the readers do: a NUL byte ends a line there, for both.
	 */
	lines_split(&l, data, size);
	memcpy(raw, data, size);
	raw[size] = '\0';
	check_stat(&l);
	check_meminfo(&l);
	check_loadavg(raw);
	check_uptime(raw);
	check_vmstat(&l);
	check_netdev(&l);
	check_diskstats(&l);
	check_mountinfo(&l);
	check_psi(&l);
	check_sockstat(&l);
	check_file_nr(raw);
	check_pidstat(raw);
	check_line(data, size);
	lines_free(&l);
	free(raw);
	/* The kept-open files stay open between runs; every 256 runs, none else may. */
	if (runs % 256 == 0) {
		const char *leaked;

		procfs_close_files();
		if (fuzz_fds_below(fuzz_scratch(), &leaked) != 0)
			fuzz_fail("a file descriptor leaked, open on %s", leaked);
	}
	return 0;
}
