/*
 * sysfs: CPU frequency, whole-disk test, and temperature sensors.
 *
 * sysfs attributes are small one-value files that the kernel writes in one
 * go, ending with '\n'; a value without it is treated as cut short. Paths
 * are built on the heap and directories opened once with openat(), so stack
 * use stays small. Directory listings are bounded (SYSFS_MAX_TEMPS entries,
 * keeping the lowest-numbered ones) and sorted by number, so a machine with
 * hwmon10 lists it after hwmon9 and a strange sysfs cannot eat memory.
 */
#include "sysfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmem.h"

/* At most this many sensors, and this many entries of one listing. */
#define SYSFS_MAX_TEMPS	256
/* Longest attribute we read: a number, a chip name or a label. */
#define SYSFS_ATTR_MAX	128


/*
 * Read attribute NAME below directory dfd into buf, without its newline.
 * Fails with EINVAL when it does not end with '\n' or does not fit in len.
 */
static int
read_attr(int dfd, const char *name, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		if (used == len) {
			errno = EINVAL;	/* longer than any value we expect */
			goto fail;
		}
		n = read(fd, buf + used, len - used);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (used == 0 || buf[used - 1] != '\n' || memchr(buf, '\0', used) != NULL) {
		errno = EINVAL;
		return -1;
	}
	buf[used - 1] = '\0';
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* A decimal integer, optionally negative, the whole string. */
static int
parse_i64(const char *p, long long *v)
{
	unsigned long long x = 0;
	unsigned d;
	int neg = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		d = (unsigned)(*p - '0');
		if (x > ((unsigned long long)LLONG_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	if (*p != '\0')
		return -1;
	*v = neg ? -(long long)x : (long long)x;
	return 0;
}

int
sysfs_read_cpufreq(const char *sysfs, unsigned cpu, double *hertz)
{
	char rel[80], buf[SYSFS_ATTR_MAX];
	char *path;
	long long khz;
	int rc;

	snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%u/cpufreq/scaling_cur_freq", cpu);
	path = xpathjoin(sysfs, rel);
	rc = read_attr(AT_FDCWD, path, buf, sizeof(buf));
	free(path);
	if (rc == -1)
		return -1;
	if (parse_i64(buf, &khz) == -1 || khz < 0) {
		errno = EINVAL;
		return -1;
	}
	*hertz = (double)khz * 1000.0;
	return 0;
}

/* A name /proc gives us, safe as one path component below sysfs. */
static int
is_name(const char *name)
{
	return *name != '\0' && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
	    strchr(name, '/') == NULL;
}

int
sysfs_net_is_virtual(const char *sysfs, const char *name)
{
	char *dir, *path;
	int virtual = 0;

	if (!is_name(name))
		return 0;
	dir = xpathjoin(sysfs, "class/net");
	path = xpathjoin(dir, name);
	free(dir);
	if (faccessat(AT_FDCWD, path, F_OK, 0) == 0) {
		dir = path;
		path = xpathjoin(dir, "device");
		free(dir);
		virtual = faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) != 0;
	}
	free(path);
	return virtual;
}

/*
 * SYSFS/block/NAME on the heap, or NULL for a name that cannot be a disk
 * ("", ".", ".."). sysfs spells the '/' of "cciss/c0d0" as '!'.
 */
static char *
block_path(const char *sysfs, const char *name)
{
	char *rel, *path, *p;

	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return NULL;
	rel = xpathjoin("block", name);
	for (p = rel + strlen("block/"); *p != '\0'; p++)
		if (*p == '/')
			*p = '!';
	path = xpathjoin(sysfs, rel);
	free(rel);
	return path;
}

int
sysfs_disk_is_stacked(const char *sysfs, const char *name)
{
	char *dir = block_path(sysfs, name), *path;
	struct dirent *e;
	DIR *d;
	int stacked = 0;

	if (dir == NULL)
		return 0;
	path = xpathjoin(dir, "slaves");
	free(dir);
	if ((d = opendir(path)) != NULL) {
		while (!stacked && (e = readdir(d)) != NULL)
			stacked = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
		closedir(d);
	}
	free(path);
	return stacked;
}

int
sysfs_is_whole_disk(const char *sysfs, const char *name)
{
	char *path = block_path(sysfs, name);
	int rc, saved;

	if (path == NULL)
		return 0;
	rc = faccessat(AT_FDCWD, path, F_OK, 0);
	saved = errno;
	free(path);
	if (rc == 0)
		return 1;
	if (saved != ENOENT && saved != ENOTDIR) {
		errno = saved;
		return -1;
	}
	/* Missing: a partition, unless block/ itself is missing. */
	path = xpathjoin(sysfs, "block");
	rc = faccessat(AT_FDCWD, path, F_OK, 0);
	saved = errno;
	free(path);
	if (rc == -1) {
		errno = saved;
		return -1;
	}
	return 0;
}

/* "PREFIX<digits>SUFFIX" -> the number. */
static int
entry_index(const char *name, const char *prefix, const char *suffix, unsigned *idx)
{
	size_t plen = strlen(prefix), slen = strlen(suffix), len = strlen(name);
	unsigned long x = 0;
	const char *p;

	if (len <= plen + slen || strncmp(name, prefix, plen) != 0 ||
	    strcmp(name + len - slen, suffix) != 0)
		return -1;
	for (p = name + plen; p < name + len - slen; p++) {
		if (*p < '0' || *p > '9' || x > UINT_MAX / 10)
			return -1;
		x = x * 10 + (unsigned long)(*p - '0');
	}
	if (x > UINT_MAX || (name[plen] == '0' && len - slen - plen > 1))
		return -1;	/* "temp01": not a name the kernel makes */
	*idx = (unsigned)x;
	return 0;
}

/* Insert v into the ascending idx[0..*n), keeping at most max (the lowest). */
static void
bounded_insert(unsigned *idx, size_t *n, size_t max, unsigned v)
{
	size_t i;

	if (*n == max && (max == 0 || v >= idx[max - 1]))
		return;
	if (*n < max)
		(*n)++;
	for (i = *n - 1; i > 0 && idx[i - 1] > v; i--)
		idx[i] = idx[i - 1];
	idx[i] = v;
}

/*
 * The numbers N of the entries "PREFIX<N>SUFFIX" of directory dfd, ascending,
 * into idx (SYSFS_MAX_TEMPS long), their count into *n.
 */
static int
list_indices(int dfd, const char *prefix, const char *suffix, unsigned *idx, size_t *n)
{
	struct dirent *de;
	DIR *dir;
	unsigned v;
	int fd;

	*n = 0;
	if ((fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(dir)) != NULL)
		if (entry_index(de->d_name, prefix, suffix, &v) == 0)
			bounded_insert(idx, n, SYSFS_MAX_TEMPS, v);
	closedir(dir);
	return 0;
}

struct temps {
	struct sysfs_temp *v;
	size_t n, cap;
};

static void
temps_add(struct temps *t, const char *chip, const char *chip_id, const char *chip_name,
    const char *sensor, const char *label, long long millic)
{
	struct sysfs_temp *s;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	s = &t->v[t->n++];
	s->chip = xstrdup(chip);
	s->chip_id = chip_id != NULL ? xstrdup(chip_id) : NULL;
	s->chip_name = chip_name != NULL ? xstrdup(chip_name) : NULL;
	s->sensor = xstrdup(sensor);
	s->label = label != NULL ? xstrdup(label) : NULL;
	s->celsius = (double)millic / 1000.0;
}

/* A temperature attribute in millidegrees Celsius; -1 if unreadable. */
static int
read_millic(int dfd, const char *name, long long *v)
{
	char buf[SYSFS_ATTR_MAX];

	if (read_attr(dfd, name, buf, sizeof(buf)) == -1)
		return -1;
	if (parse_i64(buf, v) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Open SYSFS/REL as a directory; ENOENT/ENOTDIR leave *fd at -1 and succeed. */
static int
open_dir(const char *sysfs, const char *rel, int *fd)
{
	char *path = xpathjoin(sysfs, rel);
	int saved;

	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	saved = errno;
	free(path);
	if (*fd == -1 && saved != ENOENT && saved != ENOTDIR) {
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * As node_exporter's cleanMetricName: lower case, every character but
 * [a-z0-9:_] made '_', no '_' at either end; into out (of len > 0).
 */
static void
clean_name(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		char ch = (char)tolower((unsigned char)s[i]);

		out[o++] = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == ':' ||
		    ch == '_' ? ch : '_';
	}
	while (o > 0 && out[o - 1] == '_')
		o--;
	out[o] = '\0';
	o = strspn(out, "_");
	memmove(out, out + o, strlen(out + o) + 1);
}

/*
 * Resolve "." and ".." in path, in place, without the filesystem: what
 * realpath() would give when no directory on the way is a symlink, as in
 * sysfs's devices/ tree. ".." past the start stays at the start.
 */
static void
resolve_dots(char *path)
{
	char *out = path, *in = path;

	while (*in != '\0') {
		size_t n = strcspn(in, "/");

		if (n == 0 || (n == 1 && in[0] == '.')) {
			/* an empty or "." component: nothing */
		} else if (n == 2 && in[0] == '.' && in[1] == '.') {
			while (out > path && out[-1] != '/')
				out--;
			if (out > path)
				out--;	/* the '/' before the dropped component */
		} else {
			if (out > path)
				*out++ = '/';
			memmove(out, in, n);
			out += n;
		}
		in += n;
		if (*in == '/')
			in++;
	}
	*out = '\0';
}

/*
 * node_exporter's chip label of hwmon directory hname of class/hwmon (cfd;
 * hfd the directory itself), its hwmonName(), stable across boots where
 * hwmonN is not: from the device the hwmon belongs to, TYPE_NAME of the
 * device path's last two components ("platform_coretemp_0", "nvme_nvme0",
 * "pci0000:00_0000:00:18_3"); else the chip's name file; else hname. Two
 * readlinkat() calls, not a realpath() of a dozen lstat()s every tick: the
 * links are relative, and nothing else on the way is a symlink.
 */
static void
hwmon_id(int cfd, int hfd, const char *hname, const char *name, char *out, size_t len)
{
	char path[2 * PATH_MAX + 16], a[SYSFS_ATTR_MAX], b[SYSFS_ATTR_MAX], *base, *type;
	ssize_t n;
	size_t used;

	out[0] = '\0';
	used = (size_t)snprintf(path, sizeof(path), "class/hwmon/");
	if ((n = readlinkat(cfd, hname, path + used, PATH_MAX)) > 0)
		used += (size_t)n;
	else
		used += (size_t)snprintf(path + used, sizeof(path) - used, "%s", hname);
	path[used++] = '/';
	if ((n = readlinkat(hfd, "device", path + used, PATH_MAX)) > 0) {
		path[used + (size_t)n] = '\0';
		resolve_dots(path);
		base = strrchr(path, '/');
		base = base != NULL ? base + 1 : path;
		if (base > path) {
			base[-1] = '\0';
			type = strrchr(path, '/');
			type = type != NULL ? type + 1 : path;
		} else {
			type = base + strlen(base);	/* no parent: no type */
		}
		clean_name(base, strlen(base), b, sizeof(b));
		clean_name(type, strlen(type), a, sizeof(a));
		if (a[0] != '\0' && b[0] != '\0')
			snprintf(out, len, "%s_%s", a, b);
		else
			snprintf(out, len, "%s", b);
	}
	if (out[0] == '\0' && name != NULL)
		clean_name(name, strlen(name), out, len);
	if (out[0] == '\0')
		clean_name(hname, strlen(hname), out, len);
}

/* The temp*_input sensors of hwmon directory hwmonN (hfd) of class/hwmon (cfd). */
static void
hwmon_chip(int cfd, int hfd, unsigned hwmon, unsigned *idx, struct temps *t)
{
	char chip[SYSFS_ATTR_MAX], label[SYSFS_ATTR_MAX], name[48], id[2 * SYSFS_ATTR_MAX + 2];
	char human[SYSFS_ATTR_MAX];
	size_t n;
	long long millic;
	int dfd = hfd, devfd = -1, named;

	/* Drivers from before the hwmon core (Linux < 3.x) kept their files
	 * in the parent device's directory. */
	if (faccessat(hfd, "name", F_OK, 0) == -1 &&
	    faccessat(hfd, "device/name", F_OK, 0) == 0 &&
	    (devfd = openat(hfd, "device", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
		dfd = devfd;
	named = read_attr(dfd, "name", chip, sizeof(chip)) == 0;
	if (!named)
		snprintf(chip, sizeof(chip), "hwmon%u", hwmon);
	/* node_exporter's chip_name: the name cleaned, and none without a name. */
	human[0] = '\0';
	if (named)
		clean_name(chip, strlen(chip), human, sizeof(human));
	snprintf(name, sizeof(name), "hwmon%u", hwmon);
	hwmon_id(cfd, hfd, name, named ? chip : NULL, id, sizeof(id));
	if (list_indices(dfd, "temp", "_input", idx, &n) == -1)
		goto done;
	for (size_t i = 0; i < n && t->n < SYSFS_MAX_TEMPS; i++) {
		snprintf(name, sizeof(name), "temp%u_input", idx[i]);
		if (read_millic(dfd, name, &millic) == -1)
			continue;	/* asleep (EAGAIN, ENODATA), EIO, or junk */
		snprintf(name, sizeof(name), "temp%u_label", idx[i]);
		if (read_attr(dfd, name, label, sizeof(label)) == -1)
			label[0] = '\0';
		snprintf(name, sizeof(name), "temp%u", idx[i]);
		temps_add(t, chip, id, human[0] != '\0' ? human : NULL, name,
		    label[0] != '\0' ? label : NULL, millic);
	}
done:
	if (devfd != -1)
		close(devfd);
}

static int
read_hwmon(const char *sysfs, unsigned *outer, unsigned *inner, struct temps *t)
{
	char name[32];
	size_t n;
	int cfd, hfd;

	if (open_dir(sysfs, "class/hwmon", &cfd) == -1)
		return -1;
	if (cfd == -1)
		return 0;
	if (list_indices(cfd, "hwmon", "", outer, &n) == -1) {
		close(cfd);
		return -1;
	}
	for (size_t i = 0; i < n && t->n < SYSFS_MAX_TEMPS; i++) {
		snprintf(name, sizeof(name), "hwmon%u", outer[i]);
		/* Usually a symlink into devices/: openat follows it. */
		if ((hfd = openat(cfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			continue;
		hwmon_chip(cfd, hfd, outer[i], inner, t);
		close(hfd);
	}
	close(cfd);
	return 0;
}

static int
read_thermal(const char *sysfs, unsigned *idx, struct temps *t)
{
	char type[SYSFS_ATTR_MAX], name[48];
	long long millic;
	size_t n;
	int cfd, zfd;

	if (open_dir(sysfs, "class/thermal", &cfd) == -1)
		return -1;
	if (cfd == -1)
		return 0;
	if (list_indices(cfd, "thermal_zone", "", idx, &n) == -1) {
		close(cfd);
		return -1;
	}
	for (size_t i = 0; i < n && t->n < SYSFS_MAX_TEMPS; i++) {
		snprintf(name, sizeof(name), "thermal_zone%u", idx[i]);
		if ((zfd = openat(cfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			continue;
		if (read_millic(zfd, "temp", &millic) == 0) {
			if (read_attr(zfd, "type", type, sizeof(type)) == -1 ||
			    type[0] == '\0')
				snprintf(type, sizeof(type), "%s", name);
			temps_add(t, type, NULL, NULL, name, NULL, millic);
		}
		close(zfd);
	}
	close(cfd);
	return 0;
}

int
sysfs_read_temps(const char *sysfs, struct sysfs_temp **out, size_t *n)
{
	struct temps t = { NULL, 0, 0 };
	unsigned *outer, *inner;
	int rc;

	*out = NULL;
	*n = 0;
	outer = xmalloc(SYSFS_MAX_TEMPS * sizeof(*outer));
	inner = xmalloc(SYSFS_MAX_TEMPS * sizeof(*inner));
	rc = read_hwmon(sysfs, outer, inner, &t);
	if (rc == 0)
		rc = read_thermal(sysfs, outer, &t);
	free(outer);
	free(inner);
	if (rc == -1) {
		int saved = errno;

		sysfs_temps_free(t.v, t.n);
		errno = saved;
		return -1;
	}
	*out = t.v;
	*n = t.n;
	return 0;
}

void
sysfs_temps_free(struct sysfs_temp *temps, size_t n)
{
	if (temps == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(temps[i].chip);
		free(temps[i].chip_id);
		free(temps[i].chip_name);
		free(temps[i].sensor);
		free(temps[i].label);
	}
	free(temps);
}
