/* procfs: parse the fixture trees under tests/data exactly, reject broken ones. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
