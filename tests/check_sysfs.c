/* sysfs: CPU frequency, whole disks and temperature sensors from fixture trees. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* TEST_DATA/<tree>/sys */
static const char *
sys_dir(const char *tree)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/sys", TEST_DATA, tree);
	return path;
}

/* ---- cpufreq ------------------------------------------------------------- */

static const struct {
	const char *tree;
	unsigned cpu;
	int ok;		/* 1: hertz, else the errno */
	double hertz;
} cpufreq_cases[] = {
	{ "host2", 0, 1, 2.4e9 },
	{ "host2", 1, 1, 0.8e9 },
	{ "host2", 2, ENOENT, 0 },
	{ "host2-later", 0, 1, 3.1e9 },
	{ "host2-later", 1, 1, 1.2e9 },
	/* cpu64: cpu0..11 have a frequency, cpu12 says "<unknown>", the rest none. */
	{ "cpu64", 0, 1, 2.0e9 },
	{ "cpu64", 11, 1, 3.1e9 },
	{ "cpu64", 12, EINVAL, 0 },
	{ "cpu64", 13, ENOENT, 0 },	/* offline */
	{ "cpu64", 14, ENOENT, 0 },	/* cpufreq/ without scaling_cur_freq */
	{ "cpu64", 63, ENOENT, 0 },
	{ "broken", 0, EINVAL, 0 },	/* no final newline */
	{ "garbage", 0, EINVAL, 0 },	/* "fast" */
	{ "garbage", 1, EINVAL, 0 },	/* negative */
	{ "empty", 0, ENOENT, 0 },
};

START_TEST(cpufreq_exact)
{
	double hz = -1;
	int rc;

	errno = 0;
	rc = sysfs_read_cpufreq(sys_dir(cpufreq_cases[_i].tree), cpufreq_cases[_i].cpu, &hz);
	if (cpufreq_cases[_i].ok == 1) {
		ck_assert_int_eq(rc, 0);
		ck_assert_double_eq_tol(hz, cpufreq_cases[_i].hertz, 1e-3);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(errno, cpufreq_cases[_i].ok);
		ck_assert_double_eq(hz, -1);	/* untouched */
	}
}
END_TEST

/* Every CPU of cpu64 in one pass: exactly cpu0..11 have a frequency. */
START_TEST(cpufreq_cpu64_mix)
{
	unsigned have = 0;
	double hz;

	for (unsigned cpu = 0; cpu < 64; cpu++) {
		if (sysfs_read_cpufreq(sys_dir("cpu64"), cpu, &hz) == 0) {
			ck_assert_uint_lt(cpu, 12);
			ck_assert_double_eq_tol(hz, (2000000.0 + 100000.0 * cpu) * 1000, 1e-3);
			have++;
		}
	}
	ck_assert_uint_eq(have, 12);
}
END_TEST

/* ---- whole disks --------------------------------------------------------- */

static const struct {
	const char *tree, *name;
	int want;
} disk_cases[] = {
	{ "host2", "sda", 1 },
	{ "host2", "nvme0n1", 1 },
	{ "host2", "loop0", 1 },
	{ "host2", "ram0", 1 },
	{ "host2", "sda1", 0 },		/* partitions are not under block/ */
	{ "host2", "sda2", 0 },
	{ "host2", "sdb", 0 },
	{ "host2-later", "sdb", 1 },	/* the USB stick appeared */
	{ "host2-later", "sdb1", 0 },
	{ "host2", "", 0 },
	{ "host2", ".", 0 },
	{ "host2", "..", 0 },
	{ "host2", "cciss/c0d0", 0 },	/* looked up as block/cciss!c0d0 */
	{ "kernel4", "sda", 1 },
	{ "kernel4", "sda1", 0 },
	{ "empty", "sda", -1 },		/* no block/: cannot tell */
	{ "no-such-tree", "sda", -1 },
};

START_TEST(whole_disk)
{
	errno = 0;
	ck_assert_int_eq(sysfs_is_whole_disk(sys_dir(disk_cases[_i].tree), disk_cases[_i].name),
	    disk_cases[_i].want);
	if (disk_cases[_i].want == -1)
		ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* ---- stacked and virtual devices ----------------------------------------- */

static const struct {
	const char *tree, *name;
	int want;
} virtual_cases[] = {
	{ "stacked", "eth0", 0 },	/* class/net/eth0/device: a NIC */
	{ "stacked", "br0", 1 },
	{ "stacked", "veth1", 1 },
	{ "stacked", "lo", 1 },
	{ "stacked", "gone0", 0 },	/* not in sysfs: cannot tell */
	{ "stacked", "..", 0 },
	{ "stacked", "eth0/device", 0 },
	{ "host2", "eth0", 0 },		/* no class/net at all */
};

START_TEST(net_virtual)
{
	ck_assert_int_eq(sysfs_net_is_virtual(sys_dir(virtual_cases[_i].tree),
	    virtual_cases[_i].name), virtual_cases[_i].want);
}
END_TEST

static const struct {
	const char *tree, *name;
	int want;
} stacked_cases[] = {
	{ "stacked", "dm-0", 1 },	/* block/dm-0/slaves/sda */
	{ "stacked", "sda", 0 },	/* no slaves/ */
	{ "stacked", "sdb", 0 },
	{ "stacked", "nope", 0 },
	{ "stacked", "..", 0 },
	{ "host2", "sda", 0 },
};

START_TEST(disk_stacked)
{
	ck_assert_int_eq(sysfs_disk_is_stacked(sys_dir(stacked_cases[_i].tree),
	    stacked_cases[_i].name), stacked_cases[_i].want);
}
END_TEST

/* ---- temperatures -------------------------------------------------------- */

struct temp_want {
	const char *chip, *sensor, *label;
	double celsius;
	const char *id;		/* node_exporter's chip label; NULL for a thermal zone */
};

/* hwmon0 and hwmon1 are symlinks into devices/, as on real machines; no device links. */
static const struct temp_want temps_host2[] = {
	{ "coretemp", "temp1", "Package id 0", 45.0, "coretemp" },
	{ "coretemp", "temp2", "Core 0", 43.0, "coretemp" },
	{ "nvme", "temp1", NULL, 38.85, "nvme" },
	{ "x86_pkg_temp", "thermal_zone0", NULL, 46.0, NULL },
};
static const struct temp_want temps_host2_later[] = {
	{ "coretemp", "temp1", "Package id 0", 47.0, "coretemp" },
	{ "coretemp", "temp2", "Core 0", 44.0, "coretemp" },
	{ "nvme", "temp1", NULL, 39.85, "nvme" },
	{ "x86_pkg_temp", "thermal_zone0", NULL, 48.0, NULL },
};
/*
 * Numeric order (hwmon10 after hwmon2, temp10 after temp3); unreadable
 * skipped. No device links: the chip label is the name, cleaned.
 */
static const struct temp_want temps_cpu64[] = {
	{ "k10temp", "temp1", "Tctl", 55.25, "k10temp" },
	{ "k10temp", "temp3", "Tccd1", 51.0, "k10temp" },
	{ "k10temp", "temp10", "Tccd8", 52.125, "k10temp" },
	{ "acpitz", "temp1", NULL, -5.0, "acpitz" },
	{ "nvme", "temp2", "Sensor 1", 36.85, "nvme" },
	{ "acpitz", "thermal_zone2", NULL, 27.8, NULL },
};
static const struct temp_want temps_escape[] = {
	{ "<b>\"chip\"&amp;", "temp1", "Core <0> & \"1\"", 50.0, "b__chip__amp" },
	{ "<acpi&\"tz\">", "thermal_zone0", NULL, 30.0, NULL },
};

static const struct {
	const char *tree;
	const struct temp_want *want;
	size_t n;
} temp_cases[] = {
	{ "host2", temps_host2, NELEM(temps_host2) },
	{ "host2-later", temps_host2_later, NELEM(temps_host2_later) },
	{ "cpu64", temps_cpu64, NELEM(temps_cpu64) },
	{ "escape", temps_escape, NELEM(temps_escape) },
	{ "garbage", NULL, 0 },		/* every value junk: all skipped */
	{ "kernel4", NULL, 0 },		/* no class/ at all */
	{ "empty", NULL, 0 },
	{ "no-such-tree", NULL, 0 },
};

START_TEST(temps_exact)
{
	struct sysfs_temp *t = (void *)1;
	size_t n = 99;

	ck_assert_int_eq(sysfs_read_temps(sys_dir(temp_cases[_i].tree), &t, &n), 0);
	ck_assert_uint_eq(n, temp_cases[_i].n);
	if (n == 0)
		ck_assert_ptr_null(t);
	for (size_t i = 0; i < n; i++) {
		const struct temp_want *w = &temp_cases[_i].want[i];

		ck_assert_str_eq(t[i].chip, w->chip);
		ck_assert_str_eq(t[i].sensor, w->sensor);
		if (w->label == NULL)
			ck_assert_ptr_null(t[i].label);
		else
			ck_assert_str_eq(t[i].label, w->label);
		ck_assert_double_eq_tol(t[i].celsius, w->celsius, 1e-9);
		if (w->id == NULL)
			ck_assert_ptr_null(t[i].chip_id);
		else
			ck_assert_str_eq(t[i].chip_id, w->id);
	}
	sysfs_temps_free(t, n);
}
END_TEST

/* A sysfs root that is a file: class/hwmon is ENOTDIR, i.e. absent. */
START_TEST(temps_root_is_a_file)
{
	char dir[PATH_MAX];
	struct sysfs_temp *t;
	size_t n;

	snprintf(dir, sizeof(dir), "%s/host2/proc/sys/fs/file-nr", TEST_DATA);
	ck_assert_int_eq(sysfs_read_temps(dir, &t, &n), 0);
	ck_assert_uint_eq(n, 0);
	sysfs_temps_free(NULL, 0);
}
END_TEST

/* Write text to DIR/REL, making REL's directories. */
static void
put_file(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *p = strchr(path + strlen(dir) + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		(void)mkdir(path, 0755);
		*p = '/';
	}
	if (text == NULL)
		return;
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
put_link(const char *dir, const char *rel, const char *target)
{
	char path[PATH_MAX];

	put_file(dir, rel, NULL);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

/*
 * node_exporter's chip label (hwmonName()): TYPE_NAME of the real path of
 * the hwmon's device link, cleaned; else the name file, cleaned; else the
 * hwmon directory's name. The device links point back up the tree, as in
 * the kernel's sysfs: a loop make dist's tar -h would follow, so the tree
 * is built here and not kept in tests/data.
 */
START_TEST(hwmon_chip_labels)
{
	char tmpl[] = "/tmp/check_sysfs.XXXXXX", cmd[64];
	const char *dir = mkdtemp(tmpl);
	struct sysfs_temp *t;
	size_t n;

	ck_assert_ptr_nonnull(dir);
	put_file(dir, "devices/platform/coretemp.0/hwmon/hwmon0/name", "coretemp\n");
	put_file(dir, "devices/platform/coretemp.0/hwmon/hwmon0/temp1_input", "45000\n");
	put_link(dir, "devices/platform/coretemp.0/hwmon/hwmon0/device", "../../../coretemp.0");
	put_link(dir, "class/hwmon/hwmon0", "../../devices/platform/coretemp.0/hwmon/hwmon0");
	put_file(dir, "devices/pci0000:00/0000:00:01.3/0000:01:00.0/nvme/nvme0/hwmon1/name",
	    "nvme\n");
	put_file(dir, "devices/pci0000:00/0000:00:01.3/0000:01:00.0/nvme/nvme0/hwmon1/temp1_input",
	    "38850\n");
	put_link(dir, "devices/pci0000:00/0000:00:01.3/0000:01:00.0/nvme/nvme0/hwmon1/device",
	    "../../nvme0");
	put_link(dir, "class/hwmon/hwmon1",
	    "../../devices/pci0000:00/0000:00:01.3/0000:01:00.0/nvme/nvme0/hwmon1");
	put_file(dir, "class/hwmon/hwmon2/name", "My-Chip.v2\n");	/* no device */
	put_file(dir, "class/hwmon/hwmon2/temp1_input", "30000\n");
	put_file(dir, "class/hwmon/hwmon3/temp1_input", "31000\n");	/* no device, no name */

	ck_assert_int_eq(sysfs_read_temps(dir, &t, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(t[0].chip, "coretemp");
	ck_assert_str_eq(t[0].chip_id, "platform_coretemp_0");
	ck_assert_str_eq(t[1].chip, "nvme");
	ck_assert_str_eq(t[1].chip_id, "nvme_nvme0");
	ck_assert_str_eq(t[2].chip, "My-Chip.v2");
	ck_assert_str_eq(t[2].chip_id, "my_chip_v2");
	ck_assert_str_eq(t[3].chip, "hwmon3");
	ck_assert_str_eq(t[3].chip_id, "hwmon3");
	/* node_exporter's chip_name: the name file cleaned; none without one. */
	ck_assert_str_eq(t[0].chip_name, "coretemp");
	ck_assert_str_eq(t[2].chip_name, "my_chip_v2");
	ck_assert_ptr_null(t[3].chip_name);
	sysfs_temps_free(t, n);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *
sysfs_suite(void)
{
	Suite *s = suite_create("sysfs");
	TCase *tc;

	tc = tcase_create("cpufreq");
	tcase_add_loop_test(tc, cpufreq_exact, 0, NELEM(cpufreq_cases));
	tcase_add_test(tc, cpufreq_cpu64_mix);
	suite_add_tcase(s, tc);

	tc = tcase_create("block");
	tcase_add_loop_test(tc, whole_disk, 0, NELEM(disk_cases));
	tcase_add_loop_test(tc, net_virtual, 0, NELEM(virtual_cases));
	tcase_add_loop_test(tc, disk_stacked, 0, NELEM(stacked_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("temps");
	tcase_add_test(tc, hwmon_chip_labels);
	tcase_add_loop_test(tc, temps_exact, 0, NELEM(temp_cases));
	tcase_add_test(tc, temps_root_is_a_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sysfs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
