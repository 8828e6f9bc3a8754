#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* syslog(3) priorities, as journald reads them from "<N>" prefixes. */
enum { PRI_ERR = 3, PRI_WARNING = 4, PRI_INFO = 6, PRI_DEBUG = 7 };

static atomic_int verbosity;
static int to_journal;

static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_init(int v)
{
	atomic_store(&verbosity, v);
	to_journal = stderr_is_journal();
}

int
log_to_journal(void)
{
	return to_journal;
}

void
log_set_verbosity(int v)
{
	atomic_store(&verbosity, v);
}

static void
vlog(int pri, const char *errstr, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		[PRI_ERR] = "error", [PRI_WARNING] = "warning",
		[PRI_INFO] = "info", [PRI_DEBUG] = "debug",
	};
	char line[1024];
	size_t n = 0;
	int r;

	if (to_journal) {
		r = snprintf(line, sizeof(line), "<%d>", pri);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		r = snprintf(line + n, sizeof(line) - n, ".%03ld sse-metricsd %s: ",
		    ts.tv_nsec / 1000000, names[pri]);
	}
	if (r > 0)
		n += (size_t)r;
	if (n < sizeof(line)) {
		r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		if (r > 0)
			n += (size_t)r;
	}
	if (errstr != NULL && n < sizeof(line)) {
		r = snprintf(line + n, sizeof(line) - n, ": %s", errstr);
		if (r > 0)
			n += (size_t)r;
	}
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;	/* truncated: keep the newline */
	line[n++] = '\n';
	/* One write per message keeps lines whole across threads. */
	(void)!write(STDERR_FILENO, line, n);
}

#define LOG_BODY(pri, errstr) do {		\
	va_list ap;				\
	va_start(ap, fmt);			\
	vlog((pri), (errstr), fmt, ap);		\
	va_end(ap);				\
} while (0)

void
log_fatal(const char *fmt, ...)
{
	LOG_BODY(PRI_ERR, NULL);
}

void
log_warn(const char *fmt, ...)
{
	char buf[128];
	const char *e = strerror_r(errno, buf, sizeof(buf));

	LOG_BODY(PRI_WARNING, e);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(PRI_WARNING, NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(PRI_INFO, NULL);
}

void
log_debug(const char *fmt, ...)
{
	if (atomic_load_explicit(&verbosity, memory_order_relaxed) < 1)
		return;
	LOG_BODY(PRI_DEBUG, NULL);
}
