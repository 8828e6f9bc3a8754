#include "fuzz_common.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch[PATH_MAX];
static pid_t scratch_owner;

size_t
fuzz_records(const uint8_t *data, size_t size, struct fuzz_record *out, size_t max)
{
	const uint8_t *end = data + size, *p, *nl, *next;
	size_t n = 0;

	p = memchr(data, FUZZ_RS, size);
	while (p != NULL && n < max) {
		p++;
		next = memchr(p, FUZZ_RS, (size_t)(end - p));
		if (next == NULL)
			next = end;
		nl = memchr(p, '\n', (size_t)(next - p));
		if (nl != NULL) {
			out[n].path = (const char *)p;
			out[n].path_len = (size_t)(nl - p);
			out[n].data = nl + 1;
			out[n].len = (size_t)(next - nl - 1);
			n++;
		}
		p = next < end ? next : NULL;
	}
	return n;
}

const struct fuzz_record *
fuzz_record_find(const struct fuzz_record *r, size_t n, const char *path)
{
	size_t len = strlen(path);

	for (size_t i = n; i-- > 0;)
		if (r[i].path_len == len && memcmp(r[i].path, path, len) == 0)
			return &r[i];
	return NULL;
}

static int
remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void
remove_scratch(void)
{
	/* Not from a child: libFuzzer does not fork here, but be sure. */
	if (scratch[0] != '\0' && getpid() == scratch_owner)
		nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_scratch(void)
{
	const char *tmp = getenv("TMPDIR");

	if (scratch[0] != '\0')
		return scratch;
	snprintf(scratch, sizeof(scratch), "%s/sse-fuzz.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(scratch) == NULL)
		fuzz_fail("mkdtemp %s: %s", scratch, strerror(errno));
	scratch_owner = getpid();
	atexit(remove_scratch);
	return scratch;
}

void
fuzz_mkdirs(const char *root, const char *rel)
{
	char path[PATH_MAX];
	size_t n;

	n = (size_t)snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (n >= sizeof(path))
		fuzz_fail("path too long: %s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			fuzz_fail("mkdir %s: %s", path, strerror(errno));
		*p = c;
		if (c == '\0')
			break;
	}
}

void
fuzz_write(const char *root, const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX];
	const char *p = data;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1 &&
	    errno == ENOENT && strchr(rel, '/') != NULL) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(rel, '/') - rel), rel);
		fuzz_mkdirs(root, dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	if (fd == -1)
		fuzz_fail("open %s: %s", path, strerror(errno));
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			fuzz_fail("write %s: %s", path, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) == -1)
		fuzz_fail("close %s: %s", path, strerror(errno));
}

void
fuzz_remove(const char *root, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (unlink(path) == -1 && errno != ENOENT)
		fuzz_fail("unlink %s: %s", path, strerror(errno));
}

void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	/* stdout: tests/fuzz.sh runs the pipeline with stderr closed (-close_fd_mask=2). */
	fputs("fuzz: ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	abort();
}

const char *
fuzz_fd_target(int fd)
{
	static char target[PATH_MAX];
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, target, sizeof(target) - 1)) == -1)
		return "?";
	target[n] = '\0';
	return target;
}

int
fuzz_fds_below(const char *root, const char **example)
{
	size_t len = strlen(root);
	struct dirent *de;
	DIR *dir;
	int n = 0;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		fuzz_fail("opendir /proc/self/fd: %s", strerror(errno));
	while ((de = readdir(dir)) != NULL) {
		const char *target;

		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(dir))
			continue;
		target = fuzz_fd_target(atoi(de->d_name));
		if (strncmp(target, root, len) == 0 && (target[len] == '/' || target[len] == '\0')) {
			n++;
			if (example != NULL)
				*example = target;
		}
	}
	closedir(dir);
	return n;
}

int
fuzz_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;

	while (s < end) {
		unsigned c = *s++;
		unsigned need, min, cp;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, min = 0x10000, cp = c & 0x07;
		else
			return 0;
		if ((size_t)(end - s) < need)
			return 0;
		for (unsigned i = 0; i < need; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += need;
	}
	return 1;
}

void
fuzz_seed_mode(void (*make)(const char *data_dir, const char *out_dir))
{
	const char *spec = getenv("FUZZ_MAKE_SEEDS");
	char data_dir[PATH_MAX];
	const char *colon;

	if (spec == NULL)
		return;
	if ((colon = strchr(spec, ':')) == NULL || (size_t)(colon - spec) >= sizeof(data_dir))
		fuzz_fail("FUZZ_MAKE_SEEDS is DATA_DIR:OUT_DIR, got '%s'", spec);
	memcpy(data_dir, spec, (size_t)(colon - spec));
	data_dir[colon - spec] = '\0';
	make(data_dir, colon + 1);
	exit(0);
}

void
fuzz_seed_append_text(char **buf, size_t *len, const char *path, const char *text)
{
	size_t plen = strlen(path), tlen = strlen(text);

	*buf = realloc(*buf, *len + plen + tlen + 2);
	if (*buf == NULL)
		fuzz_fail("out of memory");
	(*buf)[(*len)++] = FUZZ_RS;
	memcpy(*buf + *len, path, plen);
	*len += plen;
	(*buf)[(*len)++] = '\n';
	memcpy(*buf + *len, text, tlen);
	*len += tlen;
}

void
fuzz_seed_append(char **buf, size_t *len, const char *path, const char *dir, const char *file)
{
	char full[PATH_MAX], chunk[4096];
	size_t plen = strlen(path), n;
	struct stat st;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", dir, file);
	if (stat(full, &st) == -1 || !S_ISREG(st.st_mode) || (f = fopen(full, "re")) == NULL)
		return;
	*buf = realloc(*buf, *len + plen + 2);
	if (*buf == NULL)
		fuzz_fail("out of memory");
	(*buf)[(*len)++] = FUZZ_RS;
	memcpy(*buf + *len, path, plen);
	*len += plen;
	(*buf)[(*len)++] = '\n';
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		*buf = realloc(*buf, *len + n);
		if (*buf == NULL)
			fuzz_fail("out of memory");
		memcpy(*buf + *len, chunk, n);
		*len += n;
	}
	fclose(f);
}

void
fuzz_seed_write(const char *out_dir, const char *name, const char *data, size_t len)
{
	fuzz_write(out_dir, name, data, len);
}
