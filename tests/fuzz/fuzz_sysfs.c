/*
 * fuzz_sysfs: the readers of sysfs.h on a sysfs tree made from the input.
 *
 * The input is records (fuzz_common.h) naming files of a fixed tree: two
 * CPUs' scaling_cur_freq, two hwmon devices (the second may keep its files
 * in device/, as drivers before the hwmon core did), two thermal zones, and
 * "disk", a name for sysfs_is_whole_disk() to look up below block/ (which
 * holds "sda" and "cciss!c0d0"). A file without a record does not exist.
 *
 * Each reader is checked against what its contract says it must return for
 * those files: the frequency of a "<digits>\n" file, each sensor whose
 * value parses (in hwmonN, tempK, thermal zone order), with its chip name,
 * label or fallback, and whether a disk name is a whole disk.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "sysfs.h"

static const char *const files[] = {
	"devices/system/cpu/cpu0/cpufreq/scaling_cur_freq",
	"devices/system/cpu/cpu1/cpufreq/scaling_cur_freq",
	"class/hwmon/hwmon0/name",
	"class/hwmon/hwmon0/temp1_input", "class/hwmon/hwmon0/temp1_label",
	"class/hwmon/hwmon0/temp2_input", "class/hwmon/hwmon0/temp2_label",
	"class/hwmon/hwmon1/name",
	"class/hwmon/hwmon1/temp1_input", "class/hwmon/hwmon1/temp1_label",
	"class/hwmon/hwmon1/device/name",
	"class/hwmon/hwmon1/device/temp1_input", "class/hwmon/hwmon1/device/temp1_label",
	"class/thermal/thermal_zone0/type", "class/thermal/thermal_zone0/temp",
	"class/thermal/thermal_zone1/type", "class/thermal/thermal_zone1/temp",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static char sysfs[PATH_MAX];
static unsigned long runs, freqs_read, sensors_read, whole_disks;

/* The record of path if it is one of files[] (others are not written), or NULL. */
static const struct fuzz_record *
find(const struct fuzz_record *r, size_t nr, const char *path)
{
	for (size_t i = 0; i < NFILES; i++)
		if (strcmp(files[i], path) == 0)
			return fuzz_record_find(r, nr, path);
	return NULL;
}

/* An attribute as read_attr() takes it: the contents without the final '\n'. */
struct attr {
	int ok;
	char value[128];
};

static void
attr_of(const struct fuzz_record *r, struct attr *a)
{
	a->ok = r != NULL && r->len > 0 && r->len < sizeof(a->value) &&
	    r->data[r->len - 1] == '\n' && memchr(r->data, '\0', r->len) == NULL;
	if (a->ok) {
		memcpy(a->value, r->data, r->len - 1);
		a->value[r->len - 1] = '\0';
	}
}

/* A whole "-?digits" string within +-LLONG_MAX: what parse_i64 takes. */
static int
ref_i64(const char *s, long long *v)
{
	const char *digits = s[0] == '-' ? s + 1 : s;
	char *end;

	if (*digits < '0' || *digits > '9' || strspn(digits, "0123456789") != strlen(digits))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno == ERANGE || *v == LLONG_MIN)
		return -1;
	return 0;
}

struct want_temp {
	char chip[128], sensor[32], label[128];
	int has_label;
	double celsius;
};

static void
want_hwmon(const struct fuzz_record *r, size_t nr, unsigned hwmon, const char *dir,
    struct want_temp *w, size_t *nw)
{
	char path[128];
	struct attr name, value, label;

	snprintf(path, sizeof(path), "class/hwmon/hwmon%u/%sname", hwmon, dir);
	attr_of(find(r, nr, path), &name);
	for (unsigned t = 1; t <= 2; t++) {
		long long millic;

		snprintf(path, sizeof(path), "class/hwmon/hwmon%u/%stemp%u_input", hwmon, dir, t);
		attr_of(find(r, nr, path), &value);
		if (!value.ok || ref_i64(value.value, &millic) == -1)
			continue;
		snprintf(path, sizeof(path), "class/hwmon/hwmon%u/%stemp%u_label", hwmon, dir, t);
		attr_of(find(r, nr, path), &label);
		if (name.ok)
			snprintf(w[*nw].chip, sizeof(w[*nw].chip), "%s", name.value);
		else
			snprintf(w[*nw].chip, sizeof(w[*nw].chip), "hwmon%u", hwmon);
		snprintf(w[*nw].sensor, sizeof(w[*nw].sensor), "temp%u", t);
		w[*nw].has_label = label.ok && label.value[0] != '\0';
		snprintf(w[*nw].label, sizeof(w[*nw].label), "%s", label.ok ? label.value : "");
		w[*nw].celsius = (double)millic / 1000.0;
		(*nw)++;
	}
}

static void
check_temps(const struct fuzz_record *r, size_t nr)
{
	struct want_temp w[8];
	struct sysfs_temp *t;
	size_t nw = 0, n;
	int legacy;

	want_hwmon(r, nr, 0, "", w, &nw);
	/* hwmon1 without a name but with device/name: its files are in device/. */
	legacy = find(r, nr, "class/hwmon/hwmon1/name") == NULL &&
	    find(r, nr, "class/hwmon/hwmon1/device/name") != NULL;
	want_hwmon(r, nr, 1, legacy ? "device/" : "", w, &nw);
	for (unsigned z = 0; z <= 1; z++) {
		char path[64];
		struct attr type, value;
		long long millic;

		snprintf(path, sizeof(path), "class/thermal/thermal_zone%u/temp", z);
		attr_of(find(r, nr, path), &value);
		if (!value.ok || ref_i64(value.value, &millic) == -1)
			continue;
		snprintf(path, sizeof(path), "class/thermal/thermal_zone%u/type", z);
		attr_of(find(r, nr, path), &type);
		snprintf(w[nw].sensor, sizeof(w[nw].sensor), "thermal_zone%u", z);
		snprintf(w[nw].chip, sizeof(w[nw].chip), "%s",
		    type.ok && type.value[0] != '\0' ? type.value : w[nw].sensor);
		w[nw].has_label = 0;
		w[nw].celsius = (double)millic / 1000.0;
		nw++;
	}

	if (sysfs_read_temps(sysfs, &t, &n) == -1)
		fuzz_fail("temps: failed: %s", strerror(errno));
	if (n != nw)
		fuzz_fail("temps: %zu sensors, want %zu", n, nw);
	for (size_t i = 0; i < n; i++) {
		if (t[i].chip == NULL || t[i].sensor == NULL || strcmp(t[i].chip, w[i].chip) != 0 ||
		    strcmp(t[i].sensor, w[i].sensor) != 0)
			fuzz_fail("temps: sensor %zu is '%s' '%s', want '%s' '%s'", i,
			    t[i].chip ? t[i].chip : "(null)", t[i].sensor ? t[i].sensor : "(null)",
			    w[i].chip, w[i].sensor);
		if ((t[i].label != NULL) != w[i].has_label ||
		    (t[i].label != NULL && strcmp(t[i].label, w[i].label) != 0))
			fuzz_fail("temps: sensor %zu label '%s', want '%s'", i,
			    t[i].label ? t[i].label : "(none)", w[i].has_label ? w[i].label : "(none)");
		if (!isfinite(t[i].celsius) || t[i].celsius != w[i].celsius)
			fuzz_fail("temps: sensor %zu is %.17g degrees, want %.17g", i, t[i].celsius,
			    w[i].celsius);
	}
	sensors_read += n;
	sysfs_temps_free(t, n);
}

static void
check_cpufreq(const struct fuzz_record *r, size_t nr)
{
	for (unsigned cpu = 0; cpu <= 2; cpu++) {
		char path[80];
		struct attr a;
		long long khz;
		double hz = -7;
		int want_ok, rc;

		snprintf(path, sizeof(path), "devices/system/cpu/cpu%u/cpufreq/scaling_cur_freq", cpu);
		attr_of(find(r, nr, path), &a);
		want_ok = a.ok && ref_i64(a.value, &khz) == 0 && khz >= 0;
		rc = sysfs_read_cpufreq(sysfs, cpu, &hz);
		if (rc != (want_ok ? 0 : -1))
			fuzz_fail("cpufreq cpu%u: returned %d for '%s'", cpu, rc, a.ok ? a.value : "?");
		if (rc == -1) {
			if (hz != -7)
				fuzz_fail("cpufreq cpu%u: failed but wrote %g", cpu, hz);
			if (errno == 0)
				fuzz_fail("cpufreq cpu%u: failed without errno", cpu);
			continue;
		}
		if (!isfinite(hz) || hz < 0 || hz != (double)khz * 1000.0)
			fuzz_fail("cpufreq cpu%u: %.17g Hz for '%s'", cpu, hz, a.value);
		freqs_read++;
	}
}

static void
check_whole_disk(const struct fuzz_record *r, size_t nr)
{
	const struct fuzz_record *d = fuzz_record_find(r, nr, "disk");
	char name[256], look[PATH_MAX + 256];
	size_t o;
	int rc, want;

	if (d == NULL || d->len >= sizeof(name) || memchr(d->data, '\0', d->len) != NULL)
		return;
	memcpy(name, d->data, d->len);
	name[d->len] = '\0';
	/* The contract: '/' is sysfs's '!'; "", "." and ".." are no disk. */
	o = (size_t)snprintf(look, sizeof(look), "%s/block/", sysfs);
	for (size_t i = 0; i <= d->len; i++)
		look[o + i] = name[i] == '/' ? '!' : name[i];
	want = strcmp(name, "") != 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
	    access(look, F_OK) == 0;
	if ((rc = sysfs_is_whole_disk(sysfs, name)) != want)
		fuzz_fail("whole disk '%s': %d, want %d", name, rc, want);
	whole_disks += (unsigned long)rc;
}

static void
report(void)
{
	printf("fuzz_sysfs: %lu runs; %lu frequencies and %lu sensors read, %lu whole disks\n",
	    runs, freqs_read, sensors_read, whole_disks);
	fflush(stdout);
}

/* One seed per fixture tree that has a sys/, its files under our names. */
static void
make_seeds(const char *data_dir, const char *out_dir)
{
	static const char *const trees[] = { "host2", "host2-later", "cpu64", "escape", "garbage",
		"broken", "kernel4" };

	for (size_t t = 0; t < sizeof(trees) / sizeof(trees[0]); t++) {
		char dir[PATH_MAX];
		char *buf = NULL;
		size_t len = 0;

		snprintf(dir, sizeof(dir), "%s/%s/sys", data_dir, trees[t]);
		for (size_t i = 0; i < NFILES; i++)
			fuzz_seed_append(&buf, &len, files[i], dir, files[i]);
		/* cpu64's hwmon10 has the odd sensors: offer them as hwmon1's. */
		fuzz_seed_append(&buf, &len, "class/hwmon/hwmon1/temp1_input", dir,
		    "class/hwmon/hwmon10/temp4_input");
		fuzz_seed_append_text(&buf, &len, "disk", t % 2 ? "sda" : "cciss/c0d0");
		if (len > 0)
			fuzz_seed_write(out_dir, trees[t], buf, len);
		free(buf);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_seed_mode(make_seeds);
	snprintf(sysfs, sizeof(sysfs), "%s/sys", fuzz_scratch());
	fuzz_mkdirs(fuzz_scratch(), "sys/block/sda");
	fuzz_mkdirs(fuzz_scratch(), "sys/block/cciss!c0d0");
	fuzz_mkdirs(fuzz_scratch(), "sys/class/hwmon/hwmon1/device");
	fuzz_mkdirs(fuzz_scratch(), "sys/class/thermal/thermal_zone1");
	atexit(report);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_record r[64];
	size_t nr = fuzz_records(data, size, r, 64);
	const char *leaked;

	runs++;
	for (size_t i = 0; i < NFILES; i++) {
		const struct fuzz_record *f = fuzz_record_find(r, nr, files[i]);

		if (f != NULL)
			fuzz_write(sysfs, files[i], f->data, f->len);
		else
			fuzz_remove(sysfs, files[i]);
	}
	check_cpufreq(r, nr);
	check_temps(r, nr);
	check_whole_disk(r, nr);
	if (fuzz_fds_below(fuzz_scratch(), &leaked) != 0)
		fuzz_fail("a file descriptor leaked, open on %s", leaked);
	return 0;
}
