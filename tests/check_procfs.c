/* procfs: parse the fixture trees under tests/data exactly, reject broken ones. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define KIB		1024ull

/* TEST_DATA/<tree>/proc */
static const char *
proc_dir(const char *tree)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/proc", TEST_DATA, tree);
	return path;
}

static void
assert_cpu_eq(const struct procfs_cpu_times *got, const struct procfs_cpu_times *want)
{
	ck_assert_uint_eq(got->user, want->user);
	ck_assert_uint_eq(got->nice, want->nice);
	ck_assert_uint_eq(got->system, want->system);
	ck_assert_uint_eq(got->idle, want->idle);
	ck_assert_uint_eq(got->iowait, want->iowait);
	ck_assert_uint_eq(got->irq, want->irq);
	ck_assert_uint_eq(got->softirq, want->softirq);
	ck_assert_uint_eq(got->steal, want->steal);
}

/* ---- /proc/stat ---------------------------------------------------------- */

static const struct {
	const char *tree;
	struct procfs_cpu_times total;
	size_t ncores;
	unsigned ids[2];
	struct procfs_cpu_times cores[2];
	uint64_t ctxt, intr, processes, procs_running, procs_blocked, btime;
} stat_cases[] = {
	{ "host2", { 18000, 150, 7000, 410000, 700, 0, 400, 0 }, 2, { 0, 1 },
	  { { 10000, 100, 4000, 200000, 500, 0, 300, 0 },
	    { 8000, 50, 3000, 210000, 200, 0, 100, 0 } },
	  9876543, 1234567, 45678, 2, 1, 1700000000 },
	{ "host2-later", { 18060, 150, 7025, 410105, 705, 0, 405, 0 }, 2, { 0, 1 },
	  { { 10050, 100, 4020, 200025, 505, 0, 300, 0 },
	    { 8010, 50, 3005, 210080, 200, 0, 105, 0 } },
	  9878543, 1235567, 45683, 1, 0, 1700000000 },
	/* Linux 2.4: four fields per cpu line, no procs_running/blocked. */
	{ "oldkernel", { 1020, 40, 320, 49800, 0, 0, 0, 0 }, 2, { 0, 1 },
	  { { 500, 10, 150, 25000, 0, 0, 0, 0 },
	    { 520, 30, 170, 24800, 0, 0, 0, 0 } },
	  18767, 1462898, 1124, 0, 0, 1093271547 },
};

START_TEST(stat_exact)
{
	struct procfs_stat st;

	memset(&st, 0xa5, sizeof(st));	/* the reader must not trust what was there */
	ck_assert_int_eq(procfs_read_stat(proc_dir(stat_cases[_i].tree), &st), 0);
	assert_cpu_eq(&st.total, &stat_cases[_i].total);
	ck_assert_uint_eq(st.ncores, stat_cases[_i].ncores);
	for (size_t i = 0; i < st.ncores; i++) {
		ck_assert_uint_eq(st.core_ids[i], stat_cases[_i].ids[i]);
		assert_cpu_eq(&st.cores[i], &stat_cases[_i].cores[i]);
	}
	ck_assert_uint_eq(st.ctxt, stat_cases[_i].ctxt);
	ck_assert_uint_eq(st.intr, stat_cases[_i].intr);
	ck_assert_uint_eq(st.processes, stat_cases[_i].processes);
	ck_assert_uint_eq(st.procs_running, stat_cases[_i].procs_running);
	ck_assert_uint_eq(st.procs_blocked, stat_cases[_i].procs_blocked);
	ck_assert_uint_eq(st.btime, stat_cases[_i].btime);
	procfs_stat_free(&st);
	ck_assert_ptr_null(st.cores);
	ck_assert_ptr_null(st.core_ids);
	ck_assert_uint_eq(st.ncores, 0);
}
END_TEST

/* What the collector relies on: each CPU advanced by exactly 100 ticks. */
START_TEST(stat_host2_deltas)
{
	static const struct procfs_cpu_times want[2] = {
		{ .user = 50, .system = 20, .idle = 25, .iowait = 5 },
		{ .user = 10, .system = 5, .idle = 80, .softirq = 5 },
	};
	struct procfs_stat a, b;
	struct procfs_cpu_times d;

	ck_assert_int_eq(procfs_read_stat(proc_dir("host2"), &a), 0);
	ck_assert_int_eq(procfs_read_stat(proc_dir("host2-later"), &b), 0);
	ck_assert_uint_eq(a.ncores, 2);
	ck_assert_uint_eq(b.ncores, 2);
	for (size_t i = 0; i < 2; i++) {
		d.user = b.cores[i].user - a.cores[i].user;
		d.nice = b.cores[i].nice - a.cores[i].nice;
		d.system = b.cores[i].system - a.cores[i].system;
		d.idle = b.cores[i].idle - a.cores[i].idle;
		d.iowait = b.cores[i].iowait - a.cores[i].iowait;
		d.irq = b.cores[i].irq - a.cores[i].irq;
		d.softirq = b.cores[i].softirq - a.cores[i].softirq;
		d.steal = b.cores[i].steal - a.cores[i].steal;
		assert_cpu_eq(&d, &want[i]);
		ck_assert_uint_eq(d.user + d.nice + d.system + d.idle + d.iowait +
		    d.irq + d.softirq + d.steal, 100);
	}
	ck_assert_uint_eq(b.total.user - a.total.user, 60);
	ck_assert_uint_eq(b.total.idle - a.total.idle, 105);
	procfs_stat_free(&a);
	procfs_stat_free(&b);
}
END_TEST

/* cpu64: cpuN = {1000+N, N, 500+N, 100000+10N, 2N, N%3, 10+N, 0}, cpu13 offline. */
START_TEST(stat_cpu64_with_gap)
{
	struct procfs_stat st;
	struct procfs_cpu_times want, sum;
	size_t i = 0;

	memset(&sum, 0, sizeof(sum));
	ck_assert_int_eq(procfs_read_stat(proc_dir("cpu64"), &st), 0);
	ck_assert_uint_eq(st.ncores, 63);
	for (unsigned id = 0; id < 64; id++) {
		if (id == 13)
			continue;
		ck_assert_uint_lt(i, st.ncores);
		ck_assert_uint_eq(st.core_ids[i], id);
		want = (struct procfs_cpu_times){ 1000 + id, id, 500 + id, 100000 + 10 * id,
		    2 * id, id % 3, 10 + id, 0 };
		assert_cpu_eq(&st.cores[i], &want);
		sum.user += want.user;
		sum.nice += want.nice;
		sum.system += want.system;
		sum.idle += want.idle;
		sum.iowait += want.iowait;
		sum.irq += want.irq;
		sum.softirq += want.softirq;
		i++;
	}
	ck_assert_uint_eq(st.core_ids[12], 12);
	ck_assert_uint_eq(st.core_ids[13], 14);
	ck_assert_uint_eq(st.core_ids[62], 63);
	assert_cpu_eq(&st.total, &sum);
	ck_assert_uint_eq(st.total.user, 65003);
	ck_assert_uint_eq(st.ctxt, 123456789);
	ck_assert_uint_eq(st.intr, 98765432);
	ck_assert_uint_eq(st.processes, 987654);
	ck_assert_uint_eq(st.procs_running, 17);
	ck_assert_uint_eq(st.procs_blocked, 3);
	ck_assert_uint_eq(st.btime, 1690000000);
	procfs_stat_free(&st);
}
END_TEST

/* Trees where every reader must fail, and the errno it must leave. */
static const struct {
	const char *tree;
	int err;
} bad_trees[] = {
	{ "broken", EINVAL },	/* cut short mid-line, no MemTotal, garbage */
	{ "garbage", EINVAL },	/* whole lines, wrong numbers */
	{ "empty", ENOENT },
	{ "no-such-tree", ENOENT },
};

START_TEST(stat_fails)
{
	struct procfs_stat st;

	errno = 0;
	ck_assert_int_eq(procfs_read_stat(proc_dir(bad_trees[_i].tree), &st), -1);
	ck_assert_int_eq(errno, bad_trees[_i].err);
	/* Left as a zeroed struct, so the caller may free it unconditionally. */
	ck_assert_ptr_null(st.cores);
	ck_assert_ptr_null(st.core_ids);
	ck_assert_uint_eq(st.ncores, 0);
	procfs_stat_free(&st);
}
END_TEST

/* /proc/stat files that are whole but wrong (the other files are missing). */
static const char *const bad_stat_trees[] = {
	"short-fields",	/* cpu lines with 3 fields: fewer than 2.4 kernels wrote */
	"no-cores",	/* a "cpu" total but no "cpuN" line */
};

START_TEST(stat_fails_on_bad_cpu_lines)
{
	struct procfs_stat st;

	errno = 0;
	ck_assert_int_eq(procfs_read_stat(proc_dir(bad_stat_trees[_i]), &st), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(st.cores);
	ck_assert_uint_eq(st.ncores, 0);
}
END_TEST

START_TEST(stat_free_zeroed)
{
	struct procfs_stat st;

	memset(&st, 0, sizeof(st));
	procfs_stat_free(&st);
	procfs_stat_free(&st);
	ck_assert_ptr_null(st.cores);
	ck_assert_uint_eq(st.ncores, 0);
	procfs_stat_free(NULL);
}
END_TEST

/* ---- /proc/meminfo ------------------------------------------------------- */

static const struct {
	const char *tree;
	struct procfs_meminfo m;
} meminfo_cases[] = {
	{ "host2", { .mem_total = 4194304 * KIB, .mem_free = 1048576 * KIB,
	    .mem_available = 2097152 * KIB, .buffers = 65536 * KIB, .cached = 786432 * KIB,
	    .swap_cached = 0, .shmem = 16384 * KIB, .sreclaimable = 131072 * KIB,
	    .slab = 196608 * KIB, .dirty = 512 * KIB, .swap_total = 2097152 * KIB,
	    .swap_free = 1572864 * KIB, .has_mem_available = 1 } },
	{ "host2-later", { .mem_total = 4194304 * KIB, .mem_free = 1044480 * KIB,
	    .mem_available = 2093056 * KIB, .buffers = 65536 * KIB, .cached = 786432 * KIB,
	    .swap_cached = 0, .shmem = 16384 * KIB, .sreclaimable = 131072 * KIB,
	    .slab = 196608 * KIB, .dirty = 512 * KIB, .swap_total = 2097152 * KIB,
	    .swap_free = 1572864 * KIB, .has_mem_available = 1 } },
	/* Lines shuffled out of the kernel's order; no swap. */
	{ "cpu64", { .mem_total = 268435456 * KIB, .mem_free = 134217728 * KIB,
	    .mem_available = 201326592 * KIB, .buffers = 1048576 * KIB,
	    .cached = 33554432 * KIB, .swap_cached = 1024 * KIB, .shmem = 2097152 * KIB,
	    .sreclaimable = 4194304 * KIB, .slab = 6291456 * KIB, .dirty = 2048 * KIB,
	    .swap_total = 0, .swap_free = 0, .has_mem_available = 1 } },
	/* Linux 2.4: "Mem:"/"Swap:" byte lines first, no MemAvailable/Shmem/Slab. */
	{ "oldkernel", { .mem_total = 1031160 * KIB, .mem_free = 32040 * KIB,
	    .mem_available = 0, .buffers = 85408 * KIB, .cached = 677072 * KIB,
	    .swap_cached = 1884 * KIB, .swap_total = 2096472 * KIB,
	    .swap_free = 2080624 * KIB, .has_mem_available = 0 } },
};

START_TEST(meminfo_exact)
{
	const struct procfs_meminfo *want = &meminfo_cases[_i].m;
	struct procfs_meminfo m;

	memset(&m, 0xa5, sizeof(m));
	ck_assert_int_eq(procfs_read_meminfo(proc_dir(meminfo_cases[_i].tree), &m), 0);
	ck_assert_uint_eq(m.mem_total, want->mem_total);
	ck_assert_uint_eq(m.mem_free, want->mem_free);
	ck_assert_uint_eq(m.mem_available, want->mem_available);
	ck_assert_uint_eq(m.buffers, want->buffers);
	ck_assert_uint_eq(m.cached, want->cached);
	ck_assert_uint_eq(m.swap_cached, want->swap_cached);
	ck_assert_uint_eq(m.shmem, want->shmem);
	ck_assert_uint_eq(m.sreclaimable, want->sreclaimable);
	ck_assert_uint_eq(m.slab, want->slab);
	ck_assert_uint_eq(m.dirty, want->dirty);
	ck_assert_uint_eq(m.swap_total, want->swap_total);
	ck_assert_uint_eq(m.swap_free, want->swap_free);
	ck_assert_int_eq(m.has_mem_available, want->has_mem_available);
}
END_TEST

START_TEST(meminfo_fails)
{
	struct procfs_meminfo m;

	errno = 0;
	ck_assert_int_eq(procfs_read_meminfo(proc_dir(bad_trees[_i].tree), &m), -1);
	ck_assert_int_eq(errno, bad_trees[_i].err);
}
END_TEST

/* ---- /proc/loadavg and /proc/uptime -------------------------------------- */

static const struct {
	const char *tree;
	double load1, load5, load15;
	unsigned long running, total;
	double uptime;
} load_cases[] = {
	{ "host2", 0.52, 0.58, 0.59, 2, 345, 12345.67 },
	{ "host2-later", 0.48, 0.57, 0.59, 1, 346, 12346.67 },
	{ "cpu64", 31.25, 28.50, 20.75, 17, 1234, 3600.0 },
	{ "oldkernel", 0.20, 0.18, 0.12, 1, 80, 350735.47 },
};

START_TEST(loadavg_and_uptime_exact)
{
	struct procfs_loadavg la;
	double up = -1;

	ck_assert_int_eq(procfs_read_loadavg(proc_dir(load_cases[_i].tree), &la), 0);
	ck_assert_double_eq_tol(la.load1, load_cases[_i].load1, 1e-9);
	ck_assert_double_eq_tol(la.load5, load_cases[_i].load5, 1e-9);
	ck_assert_double_eq_tol(la.load15, load_cases[_i].load15, 1e-9);
	ck_assert_uint_eq(la.tasks_running, load_cases[_i].running);
	ck_assert_uint_eq(la.tasks_total, load_cases[_i].total);
	ck_assert_int_eq(procfs_read_uptime(proc_dir(load_cases[_i].tree), &up), 0);
	ck_assert_double_eq_tol(up, load_cases[_i].uptime, 1e-6);
}
END_TEST

START_TEST(loadavg_and_uptime_fail)
{
	struct procfs_loadavg la;
	double up = 42;

	errno = 0;
	ck_assert_int_eq(procfs_read_loadavg(proc_dir(bad_trees[_i].tree), &la), -1);
	ck_assert_int_eq(errno, bad_trees[_i].err);
	errno = 0;
	ck_assert_int_eq(procfs_read_uptime(proc_dir(bad_trees[_i].tree), &up), -1);
	ck_assert_int_eq(errno, bad_trees[_i].err);
	ck_assert_double_eq(up, 42);	/* untouched on failure */
}
END_TEST

/* ---- one-line files ------------------------------------------------------ */

static const struct {
	const char *tree, *relpath;
	size_t len;
	const char *want;
} line_cases[] = {
	{ "host2", "sys/kernel/hostname", 64, "host2" },
	{ "host2", "sys/kernel/osrelease", 64, "6.1.0-18-amd64" },
	{ "cpu64", "sys/kernel/hostname", 64, "bigbox" },
	{ "oldkernel", "sys/kernel/osrelease", 64, "2.4.37.11" },
	{ "escape", "sys/kernel/hostname", 64, "<script>alert(\"x\")&'</script>" },
	/* Truncated to len - 1, newline or not. */
	{ "escape", "sys/kernel/hostname", 8, "<script" },
	{ "host2", "sys/kernel/hostname", 6, "host2" },
	{ "host2", "sys/kernel/hostname", 5, "host" },
	{ "host2", "sys/kernel/hostname", 1, "" },
	/* Only the first line. */
	{ "host2", "loadavg", 64, "0.52 0.58 0.59 2/345 12345" },
	{ "host2", "stat", 64, "cpu  18000 150 7000 410000 700 0 400 0 0 0" },
};

START_TEST(line_exact)
{
	char buf[64];

	memset(buf, 'Z', sizeof(buf));
	ck_assert_uint_le(line_cases[_i].len, sizeof(buf));
	ck_assert_int_eq(procfs_read_line(proc_dir(line_cases[_i].tree),
	    line_cases[_i].relpath, buf, line_cases[_i].len), 0);
	ck_assert_str_eq(buf, line_cases[_i].want);
	/* Nothing written past len. */
	for (size_t i = line_cases[_i].len; i < sizeof(buf); i++)
		ck_assert_int_eq(buf[i], 'Z');
}
END_TEST

START_TEST(line_fails)
{
	char buf[16] = "stale";

	errno = 0;
	ck_assert_int_eq(procfs_read_line(proc_dir("empty"), "sys/kernel/hostname",
	    buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(buf, "");
	errno = 0;
	ck_assert_int_eq(procfs_read_line(proc_dir("host2"), "sys/kernel/hostname", buf, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* A directory opens but cannot be read. */
	errno = 0;
	ck_assert_int_eq(procfs_read_line(proc_dir("host2"), "sys", buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EISDIR);
}
END_TEST

/* Every reader rejects a directory where a file should be. */
START_TEST(readers_reject_directory)
{
	struct procfs_stat st;
	struct procfs_meminfo m;
	struct procfs_loadavg la;
	double up;
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/host2", TEST_DATA);	/* "proc" is a directory */
	ck_assert_int_eq(procfs_read_stat(dir, &st), -1);
	ck_assert_int_eq(procfs_read_meminfo(dir, &m), -1);
	ck_assert_int_eq(procfs_read_loadavg(dir, &la), -1);
	ck_assert_int_eq(procfs_read_uptime(dir, &up), -1);
	procfs_stat_free(&st);
}
END_TEST

/* ---- /proc/vmstat -------------------------------------------------------- */

static const struct {
	const char *tree;
	struct procfs_vmstat v;
} vmstat_cases[] = {
	{ "host2", { .pswpin = 3000, .pswpout = 6000, .pgpgin = 1000000,
	    .pgpgout = 2000000, .pgfault = 50000000, .pgmajfault = 12000 } },
	/* +150 +300 +1500 +3000 +15000 +15 over the tests' 1.5 s. */
	{ "host2-later", { .pswpin = 3150, .pswpout = 6300, .pgpgin = 1001500,
	    .pgpgout = 2003000, .pgfault = 50015000, .pgmajfault = 12015 } },
};

START_TEST(vmstat_exact)
{
	const struct procfs_vmstat *want = &vmstat_cases[_i].v;
	struct procfs_vmstat v;

	memset(&v, 0xa5, sizeof(v));
	ck_assert_int_eq(procfs_read_vmstat(proc_dir(vmstat_cases[_i].tree), &v), 0);
	ck_assert_uint_eq(v.pswpin, want->pswpin);
	ck_assert_uint_eq(v.pswpout, want->pswpout);
	ck_assert_uint_eq(v.pgpgin, want->pgpgin);
	ck_assert_uint_eq(v.pgpgout, want->pgpgout);
	ck_assert_uint_eq(v.pgfault, want->pgfault);
	ck_assert_uint_eq(v.pgmajfault, want->pgmajfault);
}
END_TEST

/* ---- /proc/net/dev ------------------------------------------------------- */

struct netdev_want {
	const char *name;
	uint64_t rx_bytes, rx_packets, rx_errs, rx_drop;
	uint64_t tx_bytes, tx_packets, tx_errs, tx_drop;
};

static const struct netdev_want netdev_host2[] = {
	{ "lo", 123456789, 100000, 0, 0, 123456789, 100000, 0, 0 },
	{ "eth0", 4294967000ull, 3000000, 3, 6, 987654321, 2000000, 0, 9 },
	{ "eth1", 5000000, 40000, 0, 0, 6000000, 30000, 0, 0 },
};
/* eth0's rx_bytes wrapped at 2^32 (true delta 1000); eth1 gone, wg0 new. */
static const struct netdev_want netdev_host2_later[] = {
	{ "lo", 123471789, 100150, 0, 0, 123471789, 100150, 0, 0 },
	{ "eth0", 704, 3001500, 6, 12, 987684321, 2000300, 0, 12 },
	{ "wg0", 1500, 15, 0, 0, 3000, 30, 0, 0 },
};
/* Names are not limited to IFNAMSIZ, nor cleaned. */
static const struct netdev_want netdev_escape[] = {
	{ "lo", 1000, 10, 0, 0, 1000, 10, 0, 0 },
	{ "<script>alert(1)</script>", 1, 2, 3, 4, 9, 10, 11, 12 },
	{ "a\"b&c'd", 100, 200, 0, 0, 300, 400, 0, 0 },
};
/* Linux 2.4: no blank between the ':' and a wide first number. */
static const struct netdev_want netdev_oldkernel[] = {
	{ "lo", 345678, 4567, 0, 0, 345678, 4567, 0, 0 },
	{ "eth0", 123456789, 234567, 1, 2, 87654321, 123456, 0, 0 },
};

static const struct {
	const char *tree;
	const struct netdev_want *want;
	size_t n;
} netdev_cases[] = {
	{ "host2", netdev_host2, NELEM(netdev_host2) },
	{ "host2-later", netdev_host2_later, NELEM(netdev_host2_later) },
	{ "escape", netdev_escape, NELEM(netdev_escape) },
	{ "oldkernel", netdev_oldkernel, NELEM(netdev_oldkernel) },
};

START_TEST(netdev_exact)
{
	struct procfs_netdev *devs = (void *)1;
	size_t n = 99;

	ck_assert_int_eq(procfs_read_netdev(proc_dir(netdev_cases[_i].tree), &devs, &n), 0);
	ck_assert_uint_eq(n, netdev_cases[_i].n);
	for (size_t i = 0; i < n; i++) {
		const struct netdev_want *w = &netdev_cases[_i].want[i];

		ck_assert_str_eq(devs[i].name, w->name);
		ck_assert_uint_eq(devs[i].rx_bytes, w->rx_bytes);
		ck_assert_uint_eq(devs[i].rx_packets, w->rx_packets);
		ck_assert_uint_eq(devs[i].rx_errs, w->rx_errs);
		ck_assert_uint_eq(devs[i].rx_drop, w->rx_drop);
		ck_assert_uint_eq(devs[i].tx_bytes, w->tx_bytes);
		ck_assert_uint_eq(devs[i].tx_packets, w->tx_packets);
		ck_assert_uint_eq(devs[i].tx_errs, w->tx_errs);
		ck_assert_uint_eq(devs[i].tx_drop, w->tx_drop);
	}
	procfs_netdev_free(devs, n);
}
END_TEST

/* What the collector must undo: a 32-bit wrap, 1000 bytes in truth. */
START_TEST(netdev_wrap_raw_values)
{
	struct procfs_netdev *a, *b;
	size_t na, nb;

	ck_assert_int_eq(procfs_read_netdev(proc_dir("host2"), &a, &na), 0);
	ck_assert_int_eq(procfs_read_netdev(proc_dir("host2-later"), &b, &nb), 0);
	ck_assert_str_eq(a[1].name, "eth0");
	ck_assert_str_eq(b[1].name, "eth0");
	ck_assert_uint_lt(b[1].rx_bytes, a[1].rx_bytes);
	ck_assert_uint_eq((uint32_t)(b[1].rx_bytes - a[1].rx_bytes), 1000);
	ck_assert_uint_eq(b[1].tx_bytes - a[1].tx_bytes, 30000);
	procfs_netdev_free(a, na);
	procfs_netdev_free(b, nb);
}
END_TEST

/* ---- /proc/diskstats ----------------------------------------------------- */

struct disk_want {
	unsigned major, minor;
	const char *name;
	uint64_t v[11];
};

/* 17 numbers per line (Linux 5.5+); the last 6 are not kept. */
static const struct disk_want disks_host2[] = {
	{ 1, 0, "ram0", { 0 } },
	{ 7, 0, "loop0", { 0 } },
	{ 8, 0, "sda", { 60000, 3000, 2400000, 30000, 90000, 6000, 4800000, 120000, 0,
	    4294966796, 150000 } },
	{ 8, 1, "sda1", { 59000, 2900, 2390000, 29900, 89000, 5900, 4790000, 119000, 0,
	    149000, 149000 } },
	{ 8, 2, "sda2", { 300, 0, 9000, 100, 10, 0, 80, 5, 0, 90, 105 } },
	{ 259, 0, "nvme0n1", { 500000, 1000, 40000000, 200000, 300000, 2000, 30000000,
	    100000, 2, 250000, 300000 } },
};
/* sda grew; nvme0n1 went down (a reset); sdb, sdb1 appeared. */
static const struct disk_want disks_host2_later[] = {
	{ 1, 0, "ram0", { 0 } },
	{ 7, 0, "loop0", { 0 } },
	{ 8, 0, "sda", { 60150, 3015, 2403000, 30150, 90300, 6030, 4806000, 120300, 1,
	    250, 151500 } },
	{ 8, 1, "sda1", { 59150, 2915, 2393000, 30050, 89300, 5930, 4796000, 119300, 1,
	    149750, 150500 } },
	{ 8, 2, "sda2", { 300, 0, 9000, 100, 10, 0, 80, 5, 0, 90, 105 } },
	{ 259, 0, "nvme0n1", { 100, 0, 8000, 50, 200, 0, 16000, 80, 0, 100, 130 } },
	{ 8, 16, "sdb", { 30, 0, 2400, 15, 0, 0, 0, 0, 0, 15, 15 } },
	{ 8, 17, "sdb1", { 20, 0, 1600, 10, 0, 0, 0, 0, 0, 10, 10 } },
};
/* 11 numbers (before 4.18). */
static const struct disk_want disks_kernel4[] = {
	{ 7, 0, "loop0", { 0 } },
	{ 8, 0, "sda", { 11000, 500, 880000, 7000, 22000, 1000, 1760000, 33000, 0,
	    21000, 40000 } },
	{ 8, 1, "sda1", { 10900, 500, 879000, 6990, 22000, 1000, 1760000, 33000, 0,
	    20990, 39990 } },
};
/* 15 numbers (4.18 to 5.4: discard fields, no flush fields). */
static const struct disk_want disks_kernel5[] = {
	{ 253, 0, "vda", { 4000, 10, 320000, 2000, 8000, 20, 640000, 9000, 0, 7000, 11000 } },
	{ 253, 1, "vda1", { 3900, 10, 319000, 1990, 8000, 20, 640000, 9000, 0, 6990, 10990 } },
};

static const struct {
	const char *tree;
	const struct disk_want *want;
	size_t n;
} disk_cases[] = {
	{ "host2", disks_host2, NELEM(disks_host2) },
	{ "host2-later", disks_host2_later, NELEM(disks_host2_later) },
	{ "kernel4", disks_kernel4, NELEM(disks_kernel4) },
	{ "kernel5", disks_kernel5, NELEM(disks_kernel5) },
};

START_TEST(diskstats_exact)
{
	struct procfs_disk *d;
	size_t n;

	ck_assert_int_eq(procfs_read_diskstats(proc_dir(disk_cases[_i].tree), &d, &n), 0);
	ck_assert_uint_eq(n, disk_cases[_i].n);
	for (size_t i = 0; i < n; i++) {
		const struct disk_want *w = &disk_cases[_i].want[i];

		ck_assert_uint_eq(d[i].major, w->major);
		ck_assert_uint_eq(d[i].minor, w->minor);
		ck_assert_str_eq(d[i].name, w->name);
		ck_assert_uint_eq(d[i].reads, w->v[0]);
		ck_assert_uint_eq(d[i].reads_merged, w->v[1]);
		ck_assert_uint_eq(d[i].sectors_read, w->v[2]);
		ck_assert_uint_eq(d[i].read_ms, w->v[3]);
		ck_assert_uint_eq(d[i].writes, w->v[4]);
		ck_assert_uint_eq(d[i].writes_merged, w->v[5]);
		ck_assert_uint_eq(d[i].sectors_written, w->v[6]);
		ck_assert_uint_eq(d[i].write_ms, w->v[7]);
		ck_assert_uint_eq(d[i].in_flight, w->v[8]);
		ck_assert_uint_eq(d[i].io_ms, w->v[9]);
		ck_assert_uint_eq(d[i].weighted_io_ms, w->v[10]);
	}
	procfs_disks_free(d, n);
}
END_TEST

/* ---- /proc/self/mountinfo ------------------------------------------------ */

struct mount_want {
	const char *mountpoint, *fstype, *source;
	unsigned major, minor;
	int readonly;
};

static const struct mount_want mounts_host2[] = {
	{ "/", "ext4", "/dev/sda1", 8, 1, 0 },
	{ "/proc", "proc", "proc", 0, 21, 0 },
	{ "/sys", "sysfs", "sysfs", 0, 22, 0 },
	{ "/dev", "devtmpfs", "udev", 0, 5, 0 },
	{ "/run", "tmpfs", "tmpfs", 0, 24, 0 },
	{ "/sys/fs/cgroup", "cgroup2", "cgroup2", 0, 26, 0 },
	{ "/boot", "vfat", "/dev/sda2", 8, 2, 0 },
	{ "/home", "ext4", "/dev/nvme0n1", 259, 0, 1 },
	{ "/mnt/usb", "exfat", "/dev/sdb1", 8, 17, 0 },	/* host2-later only */
};
/* Octal escapes decoded; anything else after a backslash kept. */
static const struct mount_want mounts_escape[] = {
	{ "/", "ext4", "/dev/sda1", 8, 1, 0 },
	{ "/mnt/my disk", "ext4", "/dev/sdb1", 8, 17, 0 },
	{ "/mnt/\"quoted\"&<b>", "ext4", "/dev/sdb2", 8, 18, 1 },
	{ "/mnt/back\\slash", "fuse.sshfs", "me@host:/a b&<c>", 0, 50, 0 },
	{ "/mnt/tab\tnl\nend", "tmpfs", "<tmpfs>", 0, 51, 0 },
	{ "/mnt/x\\1y\\zz\\777", "tmpfs", "tmpfs", 0, 52, 0 },
	{ "/mnt/nosrc", "tmpfs", "", 0, 53, 0 },	/* mount -t tmpfs '' : two spaces */
};

/*
 * As a service under systemd's ProtectSystem=strict sees them: every mount
 * read-only in its namespace, while the filesystems are read-write; the
 * flag follows the filesystem (super options), not the mount.
 */
static const struct mount_want mounts_sandboxed[] = {
	{ "/", "ext4", "/dev/sda1", 8, 1, 0 },
	{ "/home", "ext4", "/dev/nvme0n1", 259, 0, 0 },
	{ "/media/cdrom", "iso9660", "/dev/sr0", 11, 0, 1 },
};

static const struct {
	const char *tree;
	const struct mount_want *want;
	size_t n;
} mount_cases[] = {
	{ "sandboxed", mounts_sandboxed, NELEM(mounts_sandboxed) },
	{ "host2", mounts_host2, NELEM(mounts_host2) - 1 },
	{ "host2-later", mounts_host2, NELEM(mounts_host2) },
	{ "escape", mounts_escape, NELEM(mounts_escape) },
};

/* What of the filesystem a mount shows, and which btrfs subvolume. */
START_TEST(mountinfo_root_and_subvolume)
{
	static const struct { const char *root; uint64_t subvolid; } want[] = {
		{ "/@", 256 }, { "/@home", 257 }, { "/@home/shared", 257 }, { "/", 0 },
		{ "/export", 0 }, { "/", 0 },
	};
	struct procfs_mount *m;
	size_t n;

	ck_assert_int_eq(procfs_read_mountinfo(proc_dir("df-rules"), "self", &m, &n), 0);
	ck_assert_uint_eq(n, 15);
	for (size_t i = 0; i < NELEM(want); i++) {
		ck_assert_str_eq(m[i].root, want[i].root);
		ck_assert_uint_eq(m[i].subvolid, want[i].subvolid);
	}
	/* The mount's id and its parent's, which say what it sits on. */
	ck_assert_uint_eq(m[0].id, 26);
	ck_assert_uint_eq(m[0].parent, 1);
	ck_assert_uint_eq(m[14].id, 65);
	ck_assert_uint_eq(m[14].parent, 26);
	procfs_mounts_free(m, n);
}
END_TEST

START_TEST(mountinfo_exact)
{
	struct procfs_mount *m;
	size_t n;

	ck_assert_int_eq(procfs_read_mountinfo(proc_dir(mount_cases[_i].tree), "self", &m, &n), 0);
	ck_assert_uint_eq(n, mount_cases[_i].n);
	for (size_t i = 0; i < n; i++) {
		const struct mount_want *w = &mount_cases[_i].want[i];

		ck_assert_str_eq(m[i].mountpoint, w->mountpoint);
		ck_assert_str_eq(m[i].fstype, w->fstype);
		ck_assert_str_eq(m[i].source, w->source);
		ck_assert_uint_eq(m[i].major, w->major);
		ck_assert_uint_eq(m[i].minor, w->minor);
		ck_assert_int_eq(m[i].readonly, w->readonly);
	}
	procfs_mounts_free(m, n);
}
END_TEST

/* ---- /proc/pressure ------------------------------------------------------ */

static const struct {
	const char *tree, *resource;
	struct procfs_psi psi;
} psi_cases[] = {
	/* 6.1: cpu has a "full" line, all zero system-wide. */
	{ "host2", "cpu", { { 1, 1.50, 1.20, 0.80, 123456789 }, { 1, 0, 0, 0, 0 } } },
	{ "host2", "memory", { { 1, 0.25, 0.10, 0.05, 4500000 },
	    { 1, 0.12, 0.05, 0.02, 2000000 } } },
	{ "host2", "io", { { 1, 3.00, 2.50, 1.75, 98765432 }, { 1, 2.00, 1.50, 1.00, 55555555 } } },
	{ "host2-later", "cpu", { { 1, 2.10, 1.30, 0.81, 123606789 }, { 1, 0, 0, 0, 0 } } },
	{ "host2-later", "memory", { { 1, 0.30, 0.11, 0.05, 4515000 },
	    { 1, 0.15, 0.06, 0.02, 2007500 } } },
	{ "host2-later", "io", { { 1, 4.00, 2.60, 1.76, 99065432 },
	    { 1, 2.50, 1.60, 1.01, 55705555 } } },
	/* 5.4: cpu without "full". */
	{ "kernel5", "cpu", { { 1, 0.75, 0.50, 0.25, 7654321 }, { 0, 0, 0, 0, 0 } } },
	{ "kernel5", "io", { { 1, 10.01, 5.55, 99.99, 3 }, { 1, 100.00, 0.10, 0.01, 2 } } },
};

static void
assert_psi_line(const struct procfs_psi_line *got, const struct procfs_psi_line *want)
{
	ck_assert_int_eq(got->present, want->present);
	ck_assert_double_eq_tol(got->avg10, want->avg10, 1e-9);
	ck_assert_double_eq_tol(got->avg60, want->avg60, 1e-9);
	ck_assert_double_eq_tol(got->avg300, want->avg300, 1e-9);
	ck_assert_uint_eq(got->total_us, want->total_us);
}

START_TEST(psi_exact)
{
	struct procfs_psi p;

	memset(&p, 0xa5, sizeof(p));
	ck_assert_int_eq(procfs_read_psi(proc_dir(psi_cases[_i].tree), psi_cases[_i].resource,
	    &p), 0);
	assert_psi_line(&p.some, &psi_cases[_i].psi.some);
	assert_psi_line(&p.full, &psi_cases[_i].psi.full);
}
END_TEST

/* Kernels before 4.20 (or booted psi=0 ...) have no pressure/ at all. */
START_TEST(psi_missing_and_bad_names)
{
	static const char *const resources[] = { "cpu", "memory", "io" };
	struct procfs_psi p;

	for (size_t i = 0; i < NELEM(resources); i++) {
		errno = 0;
		ck_assert_int_eq(procfs_read_psi(proc_dir("kernel4"), resources[i], &p), -1);
		ck_assert_int_eq(errno, ENOENT);
		errno = 0;
		ck_assert_int_eq(procfs_read_psi(proc_dir("oldkernel"), resources[i], &p), -1);
		ck_assert_int_eq(errno, ENOENT);
	}
	/* Not a path outside pressure/. */
	errno = 0;
	ck_assert_int_eq(procfs_read_psi(proc_dir("host2"), "../net/dev", &p), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(procfs_read_psi(proc_dir("host2"), "", &p), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(procfs_read_psi(proc_dir("host2"), "..", &p), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* ---- /proc/net/sockstat -------------------------------------------------- */

static const struct {
	const char *tree;
	struct procfs_sockstat s;
} sockstat_cases[] = {
	{ "host2", { 345, 12, 0, 7, 15, 3, 4, 1, 5, 2 } },
	{ "host2-later", { 350, 13, 1, 9, 17, 4, 4, 1, 6, 2 } },
	/* No sockstat6 (IPv6 disabled): still a success. */
	{ "kernel4", { 345, 12, 0, 7, 15, 3, 4, 0, 0, 0 } },
	/* Linux 2.4: "UDP: inuse N" without mem. */
	{ "oldkernel", { 52, 6, 0, 2, 8, 1, 3, 0, 0, 0 } },
};

START_TEST(sockstat_exact)
{
	const struct procfs_sockstat *want = &sockstat_cases[_i].s;
	struct procfs_sockstat s;

	memset(&s, 0xa5, sizeof(s));
	ck_assert_int_eq(procfs_read_sockstat(proc_dir(sockstat_cases[_i].tree), &s), 0);
	ck_assert_uint_eq(s.sockets_used, want->sockets_used);
	ck_assert_uint_eq(s.tcp_inuse, want->tcp_inuse);
	ck_assert_uint_eq(s.tcp_orphan, want->tcp_orphan);
	ck_assert_uint_eq(s.tcp_tw, want->tcp_tw);
	ck_assert_uint_eq(s.tcp_alloc, want->tcp_alloc);
	ck_assert_uint_eq(s.tcp_mem_pages, want->tcp_mem_pages);
	ck_assert_uint_eq(s.udp_inuse, want->udp_inuse);
	ck_assert_int_eq(s.has_v6, want->has_v6);
	ck_assert_uint_eq(s.tcp6_inuse, want->tcp6_inuse);
	ck_assert_uint_eq(s.udp6_inuse, want->udp6_inuse);
}
END_TEST

/* ---- /proc/sys/fs/file-nr ------------------------------------------------ */

static const struct {
	const char *tree;
	uint64_t allocated, max;
} file_nr_cases[] = {
	{ "host2", 1888, 9223372036854775807ull },
	{ "host2-later", 1920, 9223372036854775807ull },
	{ "oldkernel", 1024, 104857 },
};

START_TEST(file_nr_exact)
{
	uint64_t allocated = 1, max = 1;

	ck_assert_int_eq(procfs_read_file_nr(proc_dir(file_nr_cases[_i].tree), &allocated,
	    &max), 0);
	ck_assert_uint_eq(allocated, file_nr_cases[_i].allocated);
	ck_assert_uint_eq(max, file_nr_cases[_i].max);
}
END_TEST

/* ---- /proc/PID/stat ------------------------------------------------------ */

static const struct {
	const char *tree, *pid;
	struct procfs_pidstat p;
} pidstat_cases[] = {
	{ "host2", "self", { 300, 150, 5, 2560, 1000000 } },
	{ "host2-later", "self", { 315, 153, 6, 2816, 1000000 } },
	/* comm "a) (b c) S 1 2 (", with spaces and parentheses. */
	{ "escape", "self", { 7, 8, 3, 99, 424242 } },
	{ "escape", "4321", { 11, 22, 1, 33, 44 } },
};

START_TEST(pidstat_exact)
{
	const struct procfs_pidstat *want = &pidstat_cases[_i].p;
	struct procfs_pidstat p;

	memset(&p, 0xa5, sizeof(p));
	ck_assert_int_eq(procfs_read_pidstat(proc_dir(pidstat_cases[_i].tree),
	    pidstat_cases[_i].pid, &p), 0);
	ck_assert_uint_eq(p.utime, want->utime);
	ck_assert_uint_eq(p.stime, want->stime);
	ck_assert_uint_eq(p.num_threads, want->num_threads);
	ck_assert_uint_eq(p.rss_pages, want->rss_pages);
	ck_assert_uint_eq(p.starttime, want->starttime);
}
END_TEST

START_TEST(pidstat_bad_pid)
{
	struct procfs_pidstat p;

	errno = 0;
	ck_assert_int_eq(procfs_read_pidstat(proc_dir("host2"), "999999", &p), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(procfs_read_pidstat(proc_dir("host2"), "self/..", &p), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(procfs_read_pidstat(proc_dir("host2"), "", &p), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(p.utime, 0);
}
END_TEST

/* ---- failures common to the new readers ---------------------------------- */

/*
 * Every new reader on trees where its file is cut short (broken), holds
 * wrong numbers (garbage), lacks columns (short-fields), or is missing.
 */
static const struct {
	const char *tree;
	int err;
} bad_new_trees[] = {
	{ "broken", EINVAL },
	{ "garbage", EINVAL },
	{ "short-fields", EINVAL },
	{ "empty", ENOENT },
	{ "no-such-tree", ENOENT },
};

START_TEST(new_readers_fail)
{
	static const char *const resources[] = { "cpu", "memory", "io" };
	const char *dir = proc_dir(bad_new_trees[_i].tree);
	int err = bad_new_trees[_i].err;
	struct procfs_vmstat vm;
	struct procfs_netdev *devs = (void *)1;
	struct procfs_disk *disks = (void *)1;
	struct procfs_mount *mounts = (void *)1;
	struct procfs_psi psi;
	struct procfs_sockstat ss;
	struct procfs_pidstat ps;
	uint64_t allocated = 42, max = 42;
	size_t n = 42;

	errno = 0;
	ck_assert_int_eq(procfs_read_vmstat(dir, &vm), -1);
	ck_assert_int_eq(errno, err);
	ck_assert_uint_eq(vm.pswpin, 0);
	errno = 0;
	ck_assert_int_eq(procfs_read_netdev(dir, &devs, &n), -1);
	ck_assert_int_eq(errno, err);
	ck_assert_ptr_null(devs);
	ck_assert_uint_eq(n, 0);
	n = 42;
	errno = 0;
	ck_assert_int_eq(procfs_read_diskstats(dir, &disks, &n), -1);
	ck_assert_int_eq(errno, err);
	ck_assert_ptr_null(disks);
	ck_assert_uint_eq(n, 0);
	n = 42;
	errno = 0;
	ck_assert_int_eq(procfs_read_mountinfo(dir, "self", &mounts, &n), -1);
	ck_assert_int_eq(errno, err);
	ck_assert_ptr_null(mounts);
	ck_assert_uint_eq(n, 0);
	for (size_t i = 0; i < NELEM(resources); i++) {
		errno = 0;
		ck_assert_int_eq(procfs_read_psi(dir, resources[i], &psi), -1);
		ck_assert_int_eq(errno, err);
		ck_assert_int_eq(psi.some.present, 0);
	}
	errno = 0;
	ck_assert_int_eq(procfs_read_sockstat(dir, &ss), -1);
	ck_assert_int_eq(errno, err);
	ck_assert_uint_eq(ss.sockets_used, 0);
	errno = 0;
	ck_assert_int_eq(procfs_read_file_nr(dir, &allocated, &max), -1);
	ck_assert_int_eq(errno, err);
	ck_assert_uint_eq(allocated, 42);	/* untouched on failure */
	ck_assert_uint_eq(max, 42);
	errno = 0;
	ck_assert_int_eq(procfs_read_pidstat(dir, "self", &ps), -1);
	ck_assert_int_eq(errno, err);
	ck_assert_uint_eq(ps.utime, 0);
}
END_TEST

/* Free functions accept what a failed read leaves. */
START_TEST(new_free_null)
{
	procfs_netdev_free(NULL, 0);
	procfs_disks_free(NULL, 0);
	procfs_mounts_free(NULL, 0);
}
END_TEST


/* ---- files kept open between reads --------------------------------------- */

static void
put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");	/* in place: same inode, as /proc is */

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/*
 * A reader keeps its file open and reads it again from offset 0: every read
 * sees the file as it is now, a file that turns bad is dropped and found
 * again, a file larger than the last buffer is read whole, and reading again
 * and again opens nothing more.
 */
START_TEST(kept_files_read_anew)
{
	char dir[] = "/tmp/check_procfs.XXXXXX", path[PATH_MAX], big[64 * 1024];
	struct procfs_loadavg la;
	double up;
	int fds;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/loadavg", dir);
	put_file(path, "0.50 0.40 0.30 2/100 999\n");
	ck_assert_int_eq(procfs_read_loadavg(dir, &la), 0);
	ck_assert_double_eq_tol(la.load1, 0.5, 1e-9);
	put_file(path, "1.25 0.40 0.30 3/120 999\n");
	ck_assert_int_eq(procfs_read_loadavg(dir, &la), 0);
	ck_assert_double_eq_tol(la.load1, 1.25, 1e-9);
	ck_assert_uint_eq(la.tasks_total, 120);

	put_file(path, "");	/* empty: rejected, and the kept file dropped */
	errno = 0;
	ck_assert_int_eq(procfs_read_loadavg(dir, &la), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(procfs_read_loadavg(dir, &la), -1);
	ck_assert_int_eq(errno, ENOENT);
	put_file(path, "2.00 0.40 0.30 1/90 999\n");	/* a new file at the path */
	ck_assert_int_eq(procfs_read_loadavg(dir, &la), 0);
	ck_assert_double_eq_tol(la.load1, 2.0, 1e-9);

	/* Past the first 8 KiB buffer: read whole, with the number at its end. */
	snprintf(path, sizeof(path), "%s/uptime", dir);
	put_file(path, "12.5 30.0\n");
	ck_assert_int_eq(procfs_read_uptime(dir, &up), 0);
	ck_assert_double_eq_tol(up, 12.5, 1e-9);
	memset(big, ' ', sizeof(big));
	memcpy(big, "77.25 1.0", 9);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	put_file(path, big);
	ck_assert_int_eq(procfs_read_uptime(dir, &up), 0);
	ck_assert_double_eq_tol(up, 77.25, 1e-9);

	fds = open_fds();
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(procfs_read_loadavg(dir, &la), 0);
	ck_assert_int_eq(open_fds(), fds);

	procfs_close_files();
	ck_assert_int_lt(open_fds(), fds);
	unlink(path);
	snprintf(path, sizeof(path), "%s/loadavg", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

/*
 * Every load d.dd from 0.00 to 99.99, as /proc/loadavg writes it, parses to
 * the double strtod gives, exactly: three per file (load1, 5 and 15).
 */
START_TEST(decimals_round_as_strtod)
{
	char dir[] = "/tmp/check_procfs.XXXXXX", path[PATH_MAX], text[96], num[3][16];
	struct procfs_loadavg la;
	unsigned off = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/loadavg", dir);
	for (unsigned v = 0; v < 10000; v += 3) {
		double got[3];

		for (unsigned k = 0; k < 3; k++)
			snprintf(num[k], sizeof(num[k]), "%u.%02u", (v + k) % 10000 / 100,
			    (v + k) % 100);
		snprintf(text, sizeof(text), "%s %s %s 2/100 999\n", num[0], num[1], num[2]);
		put_file(path, text);
		ck_assert_int_eq(procfs_read_loadavg(dir, &la), 0);
		got[0] = la.load1;
		got[1] = la.load5;
		got[2] = la.load15;
		for (unsigned k = 0; k < 3; k++)
			if (got[k] != strtod(num[k], NULL))
				off++;
	}
	ck_assert_msg(off == 0, "%u of 10000 loads are off by an ulp or more", off);
	procfs_close_files();
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *
procfs_suite(void)
{
	Suite *s = suite_create("procfs");
	TCase *tc;

	tc = tcase_create("stat");
	tcase_add_loop_test(tc, stat_exact, 0, NELEM(stat_cases));
	tcase_add_test(tc, stat_host2_deltas);
	tcase_add_test(tc, stat_cpu64_with_gap);
	tcase_add_loop_test(tc, stat_fails, 0, NELEM(bad_trees));
	tcase_add_loop_test(tc, stat_fails_on_bad_cpu_lines, 0, NELEM(bad_stat_trees));
	tcase_add_test(tc, stat_free_zeroed);
	suite_add_tcase(s, tc);

	tc = tcase_create("meminfo");
	tcase_add_loop_test(tc, meminfo_exact, 0, NELEM(meminfo_cases));
	tcase_add_loop_test(tc, meminfo_fails, 0, NELEM(bad_trees));
	suite_add_tcase(s, tc);

	tc = tcase_create("loadavg+uptime");
	tcase_add_loop_test(tc, loadavg_and_uptime_exact, 0, NELEM(load_cases));
	tcase_add_loop_test(tc, loadavg_and_uptime_fail, 0, NELEM(bad_trees));
	suite_add_tcase(s, tc);

	tc = tcase_create("line");
	tcase_add_loop_test(tc, line_exact, 0, NELEM(line_cases));
	tcase_add_test(tc, line_fails);
	tcase_add_test(tc, readers_reject_directory);
	suite_add_tcase(s, tc);

	tc = tcase_create("vmstat");
	tcase_add_loop_test(tc, vmstat_exact, 0, NELEM(vmstat_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("netdev");
	tcase_add_loop_test(tc, netdev_exact, 0, NELEM(netdev_cases));
	tcase_add_test(tc, netdev_wrap_raw_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("diskstats");
	tcase_add_loop_test(tc, diskstats_exact, 0, NELEM(disk_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("mountinfo");
	tcase_add_test(tc, mountinfo_root_and_subvolume);
	tcase_add_loop_test(tc, mountinfo_exact, 0, NELEM(mount_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("psi");
	tcase_add_loop_test(tc, psi_exact, 0, NELEM(psi_cases));
	tcase_add_test(tc, psi_missing_and_bad_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("sockstat+file-nr");
	tcase_add_loop_test(tc, sockstat_exact, 0, NELEM(sockstat_cases));
	tcase_add_loop_test(tc, file_nr_exact, 0, NELEM(file_nr_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("kept files");
	tcase_add_test(tc, kept_files_read_anew);
	tcase_add_test(tc, decimals_round_as_strtod);
	tcase_set_timeout(tc, 30);	/* 3,334 file writes: slow under ASan */
	suite_add_tcase(s, tc);

	tc = tcase_create("pidstat");
	tcase_add_loop_test(tc, pidstat_exact, 0, NELEM(pidstat_cases));
	tcase_add_test(tc, pidstat_bad_pid);
	suite_add_tcase(s, tc);

	tc = tcase_create("new-failures");
	tcase_add_loop_test(tc, new_readers_fail, 0, NELEM(bad_new_trees));
	tcase_add_test(tc, new_free_null);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(procfs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
