/*
 * The collector on the live machine, checked against the tools nobody here
 * wrote: free(1), nproc(1), /proc/loadavg, ip(8) and df(1). This is the only
 * suite that reads the real /proc and /sys. Values that move while the test
 * runs are checked within a bound, or between a reading taken before and one
 * taken after the collector's.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include <check.h>
#include <sched.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "snapshot.h"

static struct snapshot *
sample_live(void)
{
	static collector_t *c;
	struct timespec w, m;

	if (c == NULL) {
		c = collector_create("/proc", "/sys", 1);
		collector_set_filesystems(c, "/", 0);
	}
	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return collector_sample(c, (int64_t)w.tv_sec * 1000000000 + w.tv_nsec,
	    (int64_t)m.tv_sec * 1000000000 + m.tv_nsec);
}

/* The whole output of a shell command; the test fails if it fails. */
static char *
run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t len = 0, cap = 4096, n;
	char *out = malloc(cap);

	ck_assert_msg(p != NULL, "cannot run %s", cmd);
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 2)
			out = realloc(out, cap *= 2);
	}
	out[len] = '\0';
	ck_assert_msg(pclose(p) == 0, "%s failed", cmd);
	return out;
}

/* |a - b| <= tol, with a message naming what was compared. */
#define ck_near(what, a, b, tol) \
	ck_assert_msg(llabs((long long)(a) - (long long)(b)) <= (long long)(tol), \
	    "%s: %lld vs %lld (tolerance %lld)", (what), (long long)(a), (long long)(b), (long long)(tol))

START_TEST(memory_agrees_with_free)
{
	unsigned long long total, used, freeb, shared, cache, avail;
	char *out = run("free -b");
	const char *mem = strstr(out, "\nMem:");
	struct snapshot *s = sample_live();
	long long tol = 64ll << 20;	/* memory moves while the test runs */

	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(sscanf(mem, "\nMem: %llu %llu %llu %llu %llu %llu", &total, &used, &freeb,
	    &shared, &cache, &avail), 6);
	ck_assert(s->has_memory);
	ck_assert_uint_eq(s->mem_total_bytes, total);	/* exactly */
	ck_near("used", s->mem_used_bytes, used, tol);
	ck_near("free", s->mem_free_bytes, freeb, tol);
	ck_near("available", s->mem_available_bytes, avail, tol);
	ck_near("shared", s->mem_shared_bytes, shared, tol);
	ck_near("buff/cache", s->mem_buffers_bytes + s->mem_cached_bytes, cache, tol);
	free(out);
	snapshot_release(s);
}
END_TEST

START_TEST(cpu_count_agrees_with_nproc)
{
	char *out = run("nproc");
	struct snapshot *s = sample_live();

	ck_assert(s->has_cpu);
	ck_assert_uint_eq(s->ncores, strtoul(out, NULL, 10));
	free(out);
	snapshot_release(s);
}
END_TEST

START_TEST(load_agrees_with_loadavg)
{
	double before[3], after[3];
	FILE *f;
	struct snapshot *s;

	f = fopen("/proc/loadavg", "r");
	ck_assert_int_eq(fscanf(f, "%lf %lf %lf", &before[0], &before[1], &before[2]), 3);
	fclose(f);
	s = sample_live();
	f = fopen("/proc/loadavg", "r");
	ck_assert_int_eq(fscanf(f, "%lf %lf %lf", &after[0], &after[1], &after[2]), 3);
	fclose(f);
	/* The kernel updates it every 5 s: the snapshot holds one of the two. */
	ck_assert(s->has_load);
	ck_assert((s->load1 == before[0] && s->load5 == before[1] && s->load15 == before[2]) ||
	    (s->load1 == after[0] && s->load5 == after[1] && s->load15 == after[2]));
	snapshot_release(s);
}
END_TEST

static json_t *
ip_links(void)
{
	char *out = run("ip -s -j link");
	json_error_t err;
	json_t *a = json_loads(out, 0, &err);

	ck_assert_msg(json_is_array(a), "ip -s -j link: %s", err.text);
	free(out);
	return a;
}

static json_int_t
ip_stat(json_t *link, const char *dir, const char *field)
{
	json_t *v = json_object_get(json_object_get(json_object_get(link, "stats64"), dir), field);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static json_t *
ip_find(json_t *links, const char *name)
{
	for (size_t i = 0; i < json_array_size(links); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(links, i), "ifname")),
		    name) == 0)
			return json_array_get(links, i);
	return NULL;
}

/* before <= ours <= after: counters only grow while we read. */
#define ck_between(what, name, lo, v, hi) \
	ck_assert_msg((long long)(lo) <= (long long)(v) && (long long)(v) <= (long long)(hi), \
	    "%s %s: %lld not within [%lld, %lld]", (name), (what), (long long)(v), \
	    (long long)(lo), (long long)(hi))

/* Every interface of this process's network namespace, against ip -s link. */
static void
check_interfaces(void)
{
	json_t *before = ip_links(), *after;
	struct snapshot *s = sample_live();

	after = ip_links();
	ck_assert(s->has_net);
	ck_assert_uint_eq(s->nnets, json_array_size(after));
	for (size_t i = 0; i < s->nnets; i++) {
		const struct snapshot_net *n = &s->nets[i];
		json_t *b = ip_find(before, n->name), *a = ip_find(after, n->name);

		ck_assert_msg(a != NULL && b != NULL, "ip link has no %s", n->name);
		ck_between("rx bytes", n->name, ip_stat(b, "rx", "bytes"), n->c[NET_RX_BYTES].total,
		    ip_stat(a, "rx", "bytes"));
		ck_between("rx packets", n->name, ip_stat(b, "rx", "packets"),
		    n->c[NET_RX_PACKETS].total, ip_stat(a, "rx", "packets"));
		ck_between("rx errors", n->name, ip_stat(b, "rx", "errors"),
		    n->c[NET_RX_ERRORS].total, ip_stat(a, "rx", "errors"));
		/* /proc/net/dev's drop column is dropped + missed. */
		ck_between("rx dropped", n->name, ip_stat(b, "rx", "dropped") + ip_stat(b, "rx", "missed"),
		    n->c[NET_RX_DROPPED].total, ip_stat(a, "rx", "dropped") + ip_stat(a, "rx", "missed"));
		ck_between("tx bytes", n->name, ip_stat(b, "tx", "bytes"), n->c[NET_TX_BYTES].total,
		    ip_stat(a, "tx", "bytes"));
		ck_between("tx packets", n->name, ip_stat(b, "tx", "packets"),
		    n->c[NET_TX_PACKETS].total, ip_stat(a, "tx", "packets"));
		ck_between("tx errors", n->name, ip_stat(b, "tx", "errors"),
		    n->c[NET_TX_ERRORS].total, ip_stat(a, "tx", "errors"));
		ck_between("tx dropped", n->name, ip_stat(b, "tx", "dropped"),
		    n->c[NET_TX_DROPPED].total, ip_stat(a, "tx", "dropped"));
	}
	json_decref(before);
	json_decref(after);
	snapshot_release(s);
}

START_TEST(interfaces_agree_with_ip_link)
{
	check_interfaces();
}
END_TEST

/*
 * /proc/net/dev is a seq_file: one read hands out about a page of whole
 * lines, so a reader that takes a short read for the end loses every
 * interface past the 30th or so, silently. Eighty veth ends in a private
 * network namespace of this test's own process make it three pages.
 */
START_TEST(many_interfaces_all_listed)
{
	FILE *ip;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) == -1) {
		printf("many interfaces: skipped, needs root for a private network namespace\n");
		return;
	}
	ck_assert_ptr_nonnull(ip = popen("ip -batch -", "w"));
	for (int i = 0; i < 40; i++)
		fprintf(ip, "link add sse-test%da type veth peer name sse-test%db\n", i, i);
	ck_assert_msg(pclose(ip) == 0, "ip link add ... type veth failed");
	check_interfaces();
	{
		struct snapshot *s = sample_live();

		ck_assert_uint_eq(s->nnets, 81);	/* and lo */
		snapshot_release(s);
	}
}
END_TEST

/* Quote path for sh -c. */
static void
quote(char *out, size_t len, const char *path)
{
	size_t o = 0;

	out[o++] = '\'';
	for (; *path != '\0' && o + 5 < len; path++) {
		if (*path == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = *path;
		}
	}
	out[o++] = '\'';
	out[o] = '\0';
}

START_TEST(filesystems_agree_with_df)
{
	struct snapshot *s = sample_live();
	int root = 0;

	ck_assert(s->has_filesystems);
	for (size_t i = 0; i < s->nfilesystems; i++) {
		const struct snapshot_fs *f = &s->filesystems[i];
		unsigned long long size, used, avail;
		char cmd[8192], q[4096], *out, *line;

		quote(q, sizeof(q), f->mountpoint);
		snprintf(cmd, sizeof(cmd), "df -B1 --output=size,used,avail %s", q);
		out = run(cmd);
		line = strchr(out, '\n');
		ck_assert_ptr_nonnull(line);
		ck_assert_int_eq(sscanf(line, "%llu %llu %llu", &size, &used, &avail), 3);
		ck_assert_msg(f->size_bytes == size, "%s: size %llu, df %llu", f->mountpoint,
		    (unsigned long long)f->size_bytes, size);
		ck_near(f->mountpoint, f->used_bytes, used, 256ll << 20);	/* others write */
		ck_near(f->mountpoint, f->available_bytes, avail, 256ll << 20);
		root |= strcmp(f->mountpoint, "/") == 0;
		free(out);
	}
	/*
	 * df lists the root filesystem; so must we, unless it is a pseudo one,
	 * or / is no mount point at all (a chroot: df then says "-").
	 */
	{
		char *t = run("df --output=fstype / | tail -n 1");

		if (strncmp(t, "overlay", 7) != 0 && strncmp(t, "tmpfs", 5) != 0 &&
		    strncmp(t, "-", 1) != 0)
			ck_assert_msg(root, "/ (%s) is not among the filesystems", t);
		free(t);
	}
	snapshot_release(s);
}
END_TEST

static int
has_mountpoint(const struct snapshot *s, const char *path)
{
	for (size_t i = 0; i < s->nfilesystems; i++)
		if (strcmp(s->filesystems[i].mountpoint, path) == 0)
			return 1;
	return 0;
}

/*
 * The collector re-reads the mount table only when the kernel says it
 * changed (POLLPRI on a kept-open mountinfo): a mount and an unmount made
 * between two ticks must show at the next one. In a private mount
 * namespace of this test's own process (Check forks one per test), as root.
 */
START_TEST(mounts_and_unmounts_show_at_the_next_tick)
{
	collector_t *c;
	struct snapshot *s;
	char dir[] = "/tmp/check_live.XXXXXX";

	if (geteuid() != 0 || unshare(CLONE_NEWNS) == -1 ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1) {
		printf("mounts: skipped, needs root for a private mount namespace\n");
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	c = collector_create("/proc", "/sys", 1);
	collector_set_filesystems(c, "/", 1);
	s = collector_sample(c, 0, 1000000000);
	ck_assert(!has_mountpoint(s, dir));
	snapshot_release(s);
	s = collector_sample(c, 0, 2000000000);	/* unchanged: the cached table */
	ck_assert(!has_mountpoint(s, dir));
	snapshot_release(s);

	ck_assert_int_eq(mount("sse-test", dir, "tmpfs", 0, "size=1m"), 0);
	s = collector_sample(c, 0, 3000000000);
	ck_assert_msg(has_mountpoint(s, dir), "the new tmpfs at %s is not listed", dir);
	snapshot_release(s);

	ck_assert_int_eq(umount(dir), 0);
	s = collector_sample(c, 0, 4000000000);
	ck_assert_msg(!has_mountpoint(s, dir), "the unmounted %s is still listed", dir);
	snapshot_release(s);
	collector_destroy(c);
	rmdir(dir);
}
END_TEST

/*
 * mountinfo is a seq_file too: 100 mounts are some 10 KB of it. And a
 * filesystem of size 0 (ramfs here; other pseudo filesystems) is not
 * listed, as df does not list it.
 */
START_TEST(many_mounts_all_listed)
{
	enum { NMOUNTS = 100 };
	collector_t *c;
	struct snapshot *s;
	char dir[] = "/tmp/check_live.XXXXXX", sub[64];
	int missing = 0;

	if (geteuid() != 0 || unshare(CLONE_NEWNS) == -1 ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1) {
		printf("many mounts: skipped, needs root for a private mount namespace\n");
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (int i = 0; i < NMOUNTS; i++) {
		snprintf(sub, sizeof(sub), "%s/%d", dir, i);
		ck_assert_int_eq(mkdir(sub, 0700), 0);
		ck_assert_int_eq(mount("sse-test", sub, "tmpfs", 0, "size=1m"), 0);
	}
	snprintf(sub, sizeof(sub), "%s/ramfs", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(mount("sse-test", sub, "ramfs", 0, NULL), 0);
	c = collector_create("/proc", "/sys", 1);
	collector_set_filesystems(c, "/", 1);
	s = collector_sample(c, 0, 1000000000);
	ck_assert_msg(!has_mountpoint(s, sub), "ramfs (size 0) at %s is listed", sub);
	umount(sub);
	rmdir(sub);
	for (int i = 0; i < NMOUNTS; i++) {
		snprintf(sub, sizeof(sub), "%s/%d", dir, i);
		if (!has_mountpoint(s, sub)) {
			printf("many mounts: %s is not listed\n", sub);
			missing++;
		}
	}
	ck_assert_msg(missing == 0, "%d of %d tmpfs mounts are not listed", missing, NMOUNTS);
	snapshot_release(s);
	collector_destroy(c);
	for (int i = 0; i < NMOUNTS; i++) {
		snprintf(sub, sizeof(sub), "%s/%d", dir, i);
		umount(sub);
		rmdir(sub);
	}
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("live");
	TCase *tc = tcase_create("against reference tools");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, memory_agrees_with_free);
	tcase_add_test(tc, cpu_count_agrees_with_nproc);
	tcase_add_test(tc, load_agrees_with_loadavg);
	tcase_add_test(tc, interfaces_agree_with_ip_link);
	tcase_add_test(tc, filesystems_agree_with_df);
	tcase_add_test(tc, mounts_and_unmounts_show_at_the_next_tick);
	tcase_add_test(tc, many_interfaces_all_listed);
	tcase_add_test(tc, many_mounts_all_listed);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
