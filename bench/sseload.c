/*
 * sseload: an epoll load client for sse-metricsd's event stream.
 *
 * DESIGN
 * One thread, one epoll set, non-blocking sockets. It ramps up N streams
 * (GET PATH, HTTP/1.1), at most -i connects in flight at once, each bound to
 * one of -s source addresses 127.0.0.2, .3, ... in turn (IP_BIND_ADDRESS_NO_PORT,
 * so the port is picked at connect time per 4-tuple: past the 28k ephemeral
 * ports of one address). Each stream's bytes are de-chunked and parsed as SSE
 * in place; for every "snapshot" event it checks that "id:" follows the
 * previous one by exactly 1 (seq gap otherwise) and takes two latencies,
 * each minus the JSON's "timestamp_ns": the read time (CLOCK_REALTIME after
 * each recvmsg()), and the kernel's receive time of the newest bytes read
 * (SO_TIMESTAMPNS, CLOCK_REALTIME too). The first includes the time this
 * one thread waited for a CPU behind the daemon's threads on a shared host;
 * the second is when a viewer's host had the event.
 *
 * Phases: ramp (until every stream got its first event, or failed), warm-up
 * (-w s), measurement window (-d s), then optionally SIGTERM to the daemon
 * (-T), timing its exit with a pidfd and counting streams that ended with
 * the chunked terminator. Latencies are counted in a fixed histogram (10 us
 * buckets) over the window only. With -S PID the daemon's CPU (utime+stime
 * from /proc/PID/stat), VmRSS and Threads are read at the window's edges.
 * The host's memory in use (/proc/meminfo: MemTotal - MemFree - Buffers -
 * Cached + Shmem, so the slab of open sockets counts whole, and the page
 * cache does not) is read before the ramp and at the window's end: what
 * the streams cost the host beyond the daemon's RSS (the kernel's side of
 * every thread and socket), less this client's own RSS growth.
 * The first stream's snapshot events in the window also give what each tick
 * cost the daemon's collector ("collect_seconds" + "render_seconds"), so
 * the driver needs no request of its own during the window to learn it.
 *
 * Output: "key=value" lines on stdout (the driver parses them), a human
 * summary on stderr. Exit status 0 when every stream connected, none ended
 * before the window closed, and no seq gap was seen; 1 otherwise; 2 on usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, strcasestr; configure defines it */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hostmem.h"

#define HIST_US 10			/* bucket width */
#define HIST_BUCKETS (2000000)		/* 20 s */
#define READ_SIZE (256 * 1024)
#define LINE_MAX_BYTES (1 << 20)	/* a longer SSE line is an error */

enum conn_state { C_CONNECTING, C_HEADERS, C_BODY, C_ENDED, C_FAILED };
enum chunk_state { K_SIZE, K_EXT, K_SIZE_LF, K_DATA, K_DATA_CR, K_DATA_LF, K_TRAILER };

struct conn {
	int fd;
	int kept_fd;		/* an ended stream's socket, closed after the daemon exited */
	enum conn_state state;
	enum chunk_state chunk;
	size_t chunk_left;
	int chunk_digits;
	int clean_end;		/* saw the last chunk */
	int got_first;		/* first event seen */
	char *line;		/* partial header block or SSE line */
	size_t line_len, line_cap;
	/* the SSE event being parsed */
	uint64_t ev_id;
	int ev_has_id, ev_is_snapshot, ev_has_ts, ev_named;
	int64_t ev_ts;
	uint64_t ev_seq_json;
	int ev_has_seq;
	double ev_tick_s;	/* "collect_seconds" + "render_seconds", < 0: not both */
	/* per stream */
	uint64_t last_seq;
	uint64_t events, gaps;
};

struct opts {
	const char *host, *path;
	int port, nsrc, inflight;
	unsigned n;
	double warm, duration, ramp_timeout, rate;
	pid_t server;
	int term;
};

static struct opts o = {
	.host = "127.0.0.1", .path = "/events?events=snapshot", .port = 9730,
	.nsrc = 4, .inflight = 512, .n = 100, .warm = 2, .duration = 10,
	.ramp_timeout = 60, .rate = 0, .server = 0, .term = 0,
};

static struct conn *conns;
static int epfd;
struct hist {
	uint32_t *b;		/* HIST_BUCKETS buckets of HIST_US */
	uint64_t over, count;
	int64_t max_ns;
};
static struct hist lat;		/* receive time taken after read() */
static struct hist klat;	/* the kernel's receive time of the bytes (SO_TIMESTAMPNS) */
static int64_t cur_krx_ns;	/* kernel receive time of the read being parsed, 0: none */
static char request[1024];
static size_t request_len;

/* Figures. */
static unsigned opened, headers_ok, first_events, failed, ended_early;
static unsigned refused;	/* status other than 200 */
static uint64_t win_events, total_events, total_gaps, dup_or_back, seq_mismatch, parse_errors;
static int in_window, terminating;
/*
 * What each tick cost the daemon's collector thread, as its events say
 * ("collect_seconds" of the tick + "render_seconds" of the one before), from
 * the first stream's events in the window: the daemon's own figures, with
 * no request of their own to disturb the window.
 */
#define TICKS_MAX 4096
static double tick_s[TICKS_MAX];
static unsigned nticks;
static double t_first_connect, t_all_headers, t_last_first;

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t
now_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: sseload [-T] [-n streams] [-H host] [-p port] [-P path] [-s sources]\n"
	    "               [-i inflight] [-r connects/s] [-w warm_s] [-d window_s]\n"
	    "               [-R ramp_timeout_s] [-S server_pid]\n"
	    "  -n N   streams to open (default 100)\n"
	    "  -H A   server address (default 127.0.0.1); -p port (default 9730)\n"
	    "  -P P   request path (default /events?events=snapshot)\n"
	    "  -s K   source addresses 127.0.0.2 .. 127.0.0.(K+1) (default 4; 0 = any)\n"
	    "  -i M   connects in flight (not yet at first event) at most (default 512)\n"
	    "  -r R   connects per second at most (default 0 = no limit)\n"
	    "  -w W   seconds between the end of the ramp and the window (default 2)\n"
	    "  -d D   measurement window in seconds (default 10)\n"
	    "  -R T   give up on the ramp after T seconds (default 60)\n"
	    "  -S PID read the daemon's CPU, RSS and threads from /proc/PID\n"
	    "  -T     after the window, SIGTERM the daemon (-S) and time its exit\n");
	exit(2);
}

static void
die(const char *what)
{
	perror(what);
	exit(2);
}

struct proc_sample {
	double cpu_s;		/* utime + stime */
	long rss_kib, threads;
	long host_used_kib;	/* the host's memory in use (host_used_kib()) */
	long self_rss_kib;	/* this client's VmRSS */
};

/* VmRSS of /proc/<pid or "self">/status, in KiB; -1 if unreadable. */
static long
rss_of(const char *status_path, long *threads)
{
	char buf[256];
	long rss = -1;
	FILE *f;

	if ((f = fopen(status_path, "r")) == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		if (strncmp(buf, "VmRSS:", 6) == 0)
			rss = strtol(buf + 6, NULL, 10);
		else if (threads != NULL && strncmp(buf, "Threads:", 8) == 0)
			*threads = strtol(buf + 8, NULL, 10);
	}
	fclose(f);
	return rss;
}

static int
proc_sample(pid_t pid, struct proc_sample *ps)
{
	char path[64], buf[4096], *p;
	unsigned long long ut, st;
	long tck = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	memset(ps, 0, sizeof(*ps));
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command name, which may hold spaces: field 3 is state. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	ps->cpu_s = (double)(ut + st) / (double)tck;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((ps->rss_kib = rss_of(path, &ps->threads)) < 0)
		return -1;
	ps->host_used_kib = host_used_kib();
	ps->self_rss_kib = rss_of("/proc/self/status", NULL);
	return 0;
}

static double
self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void
close_conn(struct conn *c, enum conn_state st)
{
	if (c->fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		/*
		 * During the timed shutdown, keep the socket of a cleanly ended
		 * stream: its close (a FIN through loopback each, which remote
		 * viewers pay on their own hosts) would take the daemon's CPUs.
		 */
		if (terminating && st == C_ENDED && c->clean_end)
			c->kept_fd = c->fd;
		else
			close(c->fd);
		c->fd = -1;
	}
	if (!c->got_first)
		failed++;
	else if (!terminating)
		ended_early++;
	c->state = st == C_ENDED && c->clean_end ? C_ENDED : C_FAILED;
	free(c->line);
	c->line = NULL;
	c->line_len = c->line_cap = 0;
}

static void
open_conn(unsigned i)
{
	struct conn *c = &conns[i];
	struct sockaddr_in sa;
	struct epoll_event ev;
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->kept_fd = -1;
	c->ev_tick_s = -1;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		die("socket");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (o.nsrc > 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(i % (unsigned)o.nsrc));
		setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
			die("bind source address");
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)o.port);
	if (inet_pton(AF_INET, o.host, &sa.sin_addr) != 1) {
		fprintf(stderr, "sseload: bad address %s\n", o.host);
		exit(2);
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 && errno != EINPROGRESS) {
		perror("connect");
		close(c->fd);
		c->fd = -1;
		c->state = C_FAILED;
		failed++;
		return;
	}
	c->state = C_CONNECTING;
	ev.events = EPOLLOUT | EPOLLIN;
	ev.data.u32 = i;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		die("epoll_ctl");
}

static void
line_append(struct conn *c, const char *p, size_t n)
{
	if (c->line_len + n > c->line_cap) {
		size_t cap = c->line_cap ? c->line_cap : 256;

		while (cap < c->line_len + n)
			cap *= 2;
		if ((c->line = realloc(c->line, cap)) == NULL)
			die("realloc");
		c->line_cap = cap;
	}
	memcpy(c->line + c->line_len, p, n);
	c->line_len += n;
}

static void
hist_add(struct hist *h, int64_t ns)
{
	int64_t b = ns < 0 ? 0 : ns / (HIST_US * 1000);

	if (ns > h->max_ns)
		h->max_ns = ns;
	if (b >= HIST_BUCKETS)
		h->over++;
	else
		h->b[b]++;
	h->count++;
}

/* The latency (ms) below which a fraction q of the window's samples fall. */
static double
hist_quantile(const struct hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->count), seen = 0;

	if (h->count == 0)
		return -1;
	if (want >= h->count)
		want = h->count - 1;
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen > want) {
			/* The bucket's upper edge, but never above the largest sample. */
			double ms = (double)((b + 1) * HIST_US) / 1000.0;

			return ms < (double)h->max_ns / 1e6 ? ms : (double)h->max_ns / 1e6;
		}
	}
	return (double)h->max_ns / 1e6;
}

static uint64_t
parse_u64(const char *p, const char *end, int *ok)
{
	uint64_t v = 0;
	const char *s = p;

	while (p < end && *p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	*ok = p > s;
	return v;
}

static int
has_prefix(const char *l, size_t n, const char *pfx, size_t plen)
{
	return n >= plen && memcmp(l, pfx, plen) == 0;
}

static void
dispatch_event(struct conn *c, int64_t rx_ns)
{
	int snapshot = c->ev_named ? c->ev_is_snapshot : 0;

	if (!snapshot || !c->ev_has_id)
		goto reset;
	if (!c->ev_has_ts || !c->ev_has_seq) {
		parse_errors++;
		goto reset;
	}
	if (c->ev_seq_json != c->ev_id)
		seq_mismatch++;
	if (c->last_seq != 0) {
		if (c->ev_id > c->last_seq + 1) {
			c->gaps += c->ev_id - c->last_seq - 1;
			total_gaps += c->ev_id - c->last_seq - 1;
		} else if (c->ev_id <= c->last_seq) {
			dup_or_back++;
		}
	}
	c->last_seq = c->ev_id;
	c->events++;
	total_events++;
	if (!c->got_first) {
		c->got_first = 1;
		first_events++;
	} else if (in_window) {
		win_events++;
		if (c == &conns[0] && c->ev_tick_s >= 0 && nticks < TICKS_MAX)
			tick_s[nticks++] = c->ev_tick_s;
		hist_add(&lat, rx_ns - c->ev_ts);
		if (cur_krx_ns != 0)
			hist_add(&klat, cur_krx_ns - c->ev_ts);
	}
reset:
	c->ev_has_id = c->ev_is_snapshot = c->ev_has_ts = c->ev_named = c->ev_has_seq = 0;
	c->ev_tick_s = -1;
}

/* A JSON number after key in l[0..n), or -1. */
static double
json_number(const char *l, size_t n, const char *key, size_t klen)
{
	const char *p = memmem(l, n, key, klen), *end = l + n;
	char num[40];
	size_t len = 0;
	char *stop;
	double v;

	if (p == NULL)
		return -1;
	for (p += klen; p < end && len < sizeof(num) - 1 && strchr("0123456789.eE+-", *p) != NULL; p++)
		num[len++] = *p;
	num[len] = '\0';
	v = strtod(num, &stop);
	return len > 0 && *stop == '\0' ? v : -1;
}

/* "collect_seconds" + "render_seconds" of a snapshot's data line, or -1. */
static double
tick_seconds(const char *l, size_t n)
{
	static const char ck[] = "\"collect_seconds\":", rk[] = "\"render_seconds\":";
	double collect = json_number(l, n, ck, sizeof(ck) - 1);
	double render = json_number(l, n, rk, sizeof(rk) - 1);

	return collect >= 0 && render >= 0 ? collect + render : -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One SSE line, without its end. */
static void
sse_line(struct conn *c, const char *l, size_t n, int64_t rx_ns)
{
	static const char ts_key[] = "\"timestamp_ns\":", seq_key[] = "\"seq\":";
	const char *p;
	int ok;

	if (n == 0) {
		dispatch_event(c, rx_ns);
		return;
	}
	if (l == NULL || l[0] == ':')	/* l is never NULL here; gcc -O1 -fsanitize cannot tell */
		return;
	if (has_prefix(l, n, "event: ", 7)) {
		c->ev_named = 1;
		c->ev_is_snapshot = n - 7 == 8 && memcmp(l + 7, "snapshot", 8) == 0;
	} else if (has_prefix(l, n, "id: ", 4)) {
		c->ev_id = parse_u64(l + 4, l + n, &ok);
		c->ev_has_id = ok;
	} else if (has_prefix(l, n, "data: ", 6) && c->ev_is_snapshot) {
		if ((p = memmem(l, n, ts_key, sizeof(ts_key) - 1)) != NULL) {
			p += sizeof(ts_key) - 1;
			c->ev_ts = (int64_t)parse_u64(p, l + n, &ok);
			c->ev_has_ts = ok;
		}
		if ((p = memmem(l, n, seq_key, sizeof(seq_key) - 1)) != NULL) {
			p += sizeof(seq_key) - 1;
			c->ev_seq_json = parse_u64(p, l + n, &ok);
			c->ev_has_seq = ok;
		}
		if (c == &conns[0] && in_window)
			c->ev_tick_s = tick_seconds(l, n);
	}
}

/* De-chunked body bytes: split into SSE lines (the server ends lines with LF). */
static void
sse_bytes(struct conn *c, const char *p, size_t n, int64_t rx_ns)
{
	while (n > 0) {
		const char *lf = memchr(p, '\n', n);
		size_t take;

		if (lf == NULL) {
			if (c->line_len + n > LINE_MAX_BYTES) {
				parse_errors++;
				c->line_len = 0;
				return;
			}
			line_append(c, p, n);
			return;
		}
		take = (size_t)(lf - p);
		if (c->line_len > 0) {
			line_append(c, p, take);
			sse_line(c, c->line, c->line_len, rx_ns);
			c->line_len = 0;
		} else {
			sse_line(c, p, take, rx_ns);
		}
		p += take + 1;
		n -= take + 1;
	}
}

/* Body bytes of a chunked response. Returns -1 on a framing error. */
static int
chunked_bytes(struct conn *c, const char *p, size_t n, int64_t rx_ns)
{
	while (n > 0) {
		char ch = *p;

		switch (c->chunk) {
		case K_SIZE:
			if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
			    (ch >= 'A' && ch <= 'F')) {
				int d = ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10;

				c->chunk_left = c->chunk_left * 16 + (size_t)d;
				c->chunk_digits++;
			} else if (ch == ';' && c->chunk_digits) {
				c->chunk = K_EXT;
			} else if (ch == '\r' && c->chunk_digits) {
				c->chunk = K_SIZE_LF;
			} else {
				return -1;
			}
			p++, n--;
			break;
		case K_EXT:
			if (ch == '\r')
				c->chunk = K_SIZE_LF;
			p++, n--;
			break;
		case K_SIZE_LF:
			if (ch != '\n')
				return -1;
			p++, n--;
			if (c->chunk_left == 0) {
				c->clean_end = 1;	/* the last chunk; only "\r\n" follows */
				c->chunk = K_TRAILER;
				return 0;
			}
			c->chunk = K_DATA;
			break;
		case K_DATA: {
			size_t take = n < c->chunk_left ? n : c->chunk_left;

			sse_bytes(c, p, take, rx_ns);
			p += take, n -= take;
			if ((c->chunk_left -= take) == 0)
				c->chunk = K_DATA_CR;
			break;
		}
		case K_DATA_CR:
			if (ch != '\r')
				return -1;
			c->chunk = K_DATA_LF;
			p++, n--;
			break;
		case K_DATA_LF:
			if (ch != '\n')
				return -1;
			c->chunk = K_SIZE;
			c->chunk_digits = 0;
			p++, n--;
			break;
		case K_TRAILER:
			return 0;
		}
	}
	return 0;
}

/* Whether the header block h (len bytes) says Transfer-Encoding: chunked. */
static int
headers_chunked(const char *h, size_t len)
{
	static const char key[] = "\r\ntransfer-encoding: chunked";
	const size_t klen = sizeof(key) - 1;

	for (size_t i = 0; i + klen <= len; i++)
		if (h[i] == '\r' && strncasecmp(h + i, key, klen) == 0)
			return 1;
	return 0;
}

/*
 * Bytes before the end of the header block. Returns -1 when it is not a 200
 * chunked stream. A block that arrives whole (the usual case) is read where
 * it lies: copying it, and the replayed event after it, into a line buffer
 * per stream cost this one-thread client a third of its CPU in a ramp.
 */
static int
header_bytes(struct conn *c, const char *p, size_t n, int64_t rx_ns)
{
	const char *h = p, *end = NULL;
	size_t hlen, old = c->line_len, len = n;

	if (old == 0)
		end = memmem(p, n, "\r\n\r\n", 4);
	if (end == NULL) {
		line_append(c, p, n);
		h = c->line;
		len = c->line_len;
		end = memmem(h, len, "\r\n\r\n", 4);
		if (end == NULL)
			return len > 16384 ? -1 : 0;
	}
	hlen = (size_t)(end - h) + 4;
	if (hlen < 12 || memcmp(h + 9, "200", 3) != 0) {
		refused++;
		return -1;
	}
	if (!headers_chunked(h, hlen))
		return -1;
	c->state = C_BODY;
	if (++headers_ok == o.n)
		t_all_headers = now_mono();
	c->line_len = 0;
	c->chunk = K_SIZE;
	/* The bytes of this read past the header block. */
	return chunked_bytes(c, p + (hlen - old), n - (hlen - old), rx_ns);
}

static void
on_readable(unsigned i, char *buf)
{
	struct conn *c = &conns[i];
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = READ_SIZE };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	ssize_t n = recvmsg(c->fd, &msg, 0);
	int64_t rx_ns = now_real_ns();
	int first = c->got_first;

	/* With SO_TIMESTAMPNS, when the kernel received the newest bytes read. */
	cur_krx_ns = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); n > 0 && cm != NULL; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			cur_krx_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}

	if (n == 0) {
		close_conn(c, C_ENDED);
		return;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		close_conn(c, C_FAILED);
		return;
	}
	if ((c->state == C_HEADERS ? header_bytes(c, buf, (size_t)n, rx_ns) :
	    chunked_bytes(c, buf, (size_t)n, rx_ns)) == -1) {
		close_conn(c, C_FAILED);
		return;
	}
	if (!first && c->got_first)
		t_last_first = now_mono();
	if (c->clean_end)
		close_conn(c, C_ENDED);
}

static void
on_writable(unsigned i)
{
	struct conn *c = &conns[i];
	struct epoll_event ev;
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0) {
		close_conn(c, C_FAILED);
		return;
	}
	/* The request fits any socket buffer: one write. */
	n = write(c->fd, request, request_len);
	if (n != (ssize_t)request_len) {
		close_conn(c, C_FAILED);
		return;
	}
	c->state = C_HEADERS;
	ev.events = EPOLLIN;
	ev.data.u32 = i;
	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static unsigned
open_streams(void)
{
	unsigned open = 0;

	for (unsigned i = 0; i < opened; i++)
		if (conns[i].fd >= 0)
			open++;
	return open;
}

static long
pidfd_open_(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[1024];
	struct proc_sample s0, s1, idle;
	struct rlimit rl;
	double t_start, t_ramp_end = 0, t_win_start = 0, t_win_end = 0, t_term = 0;
	double t_exit = 0, t_all_closed = 0, cpu0 = 0, cpu1 = 0;
	char *buf;
	int ch, rc, pidfd = -1, phase = 0;	/* 0 ramp, 1 warm, 2 window, 3 shutdown, 4 done */
	unsigned clean_at_term = 0;

	while ((ch = getopt(argc, argv, "n:H:p:P:s:i:r:w:d:R:S:T")) != -1) {
		switch (ch) {
		case 'n': o.n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'H': o.host = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 'P': o.path = optarg; break;
		case 's': o.nsrc = atoi(optarg); break;
		case 'i': o.inflight = atoi(optarg); break;
		case 'r': o.rate = atof(optarg); break;
		case 'w': o.warm = atof(optarg); break;
		case 'd': o.duration = atof(optarg); break;
		case 'R': o.ramp_timeout = atof(optarg); break;
		case 'S': o.server = (pid_t)atoi(optarg); break;
		case 'T': o.term = 1; break;
		default: usage();
		}
	}
	if (o.n == 0 || o.inflight < 1 || o.port <= 0 || (o.term && o.server == 0))
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)o.n + 16) {
		fprintf(stderr, "sseload: open-file limit %llu is below %u streams\n",
		    (unsigned long long)rl.rlim_cur, o.n);
		return 2;
	}
	request_len = (size_t)snprintf(request, sizeof(request),
	    "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n"
	    "User-Agent: sseload\r\n\r\n", o.path, o.host, o.port);
	if ((conns = calloc(o.n, sizeof(*conns))) == NULL ||
	    (lat.b = calloc(HIST_BUCKETS, sizeof(*lat.b))) == NULL ||
	    (klat.b = calloc(HIST_BUCKETS, sizeof(*klat.b))) == NULL ||
	    (buf = malloc(READ_SIZE)) == NULL)
		die("calloc");
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");
	if (o.server != 0 && proc_sample(o.server, &idle) == -1) {
		fprintf(stderr, "sseload: cannot read /proc/%d\n", (int)o.server);
		return 2;
	}

	t_start = t_first_connect = now_mono();
	while (phase < 4) {
		double now = now_mono();
		int nev, timeout = 20;

		/* Ramp: open more while few are pending and the rate allows. */
		while (phase == 0 && opened < o.n &&
		    (int)(opened - first_events - failed) < o.inflight &&
		    (o.rate <= 0 || opened < (now - t_start) * o.rate + 1))
			open_conn(opened++);
		if (phase == 0 && opened == o.n && first_events + failed >= o.n) {
			t_ramp_end = now;
			phase = 1;
			fprintf(stderr, "sseload: %u streams up in %.3f s (%u failed)\n",
			    first_events, now - t_start, failed);
		} else if (phase == 0 && now - t_start > o.ramp_timeout) {
			t_ramp_end = now;
			phase = 1;
			fprintf(stderr, "sseload: ramp timed out: %u of %u streams up\n",
			    first_events, o.n);
		}
		if (phase == 1 && now >= t_ramp_end + o.warm) {
			phase = 2;
			in_window = 1;
			t_win_start = now;
			cpu0 = self_cpu();
			if (o.server)
				proc_sample(o.server, &s0);
		}
		if (phase == 2 && now >= t_win_start + o.duration) {
			in_window = 0;
			t_win_end = now;
			cpu1 = self_cpu();
			if (o.server)
				proc_sample(o.server, &s1);
			if (!o.term) {
				phase = 4;
				break;
			}
			for (unsigned i = 0; i < opened; i++)
				if (conns[i].fd >= 0)
					clean_at_term++;
			if ((pidfd = (int)pidfd_open_(o.server)) >= 0) {
				struct epoll_event ev = { .events = EPOLLIN, .data.u32 = UINT32_MAX };

				epoll_ctl(epfd, EPOLL_CTL_ADD, pidfd, &ev);
			}
			t_term = now_mono();
			terminating = 1;
			kill(o.server, SIGTERM);
			phase = 3;
		}
		if (phase == 3) {
			if (t_all_closed == 0 && open_streams() == 0)
				t_all_closed = now;
			if ((t_exit != 0 || pidfd < 0) && t_all_closed != 0)
				phase = 4;
			else if (now - t_term > 10)
				phase = 4;
			if (phase == 4)
				break;
		}
		if (phase == 0 && o.rate > 0)
			timeout = 1;
		nev = epoll_wait(epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), timeout);
		if (nev == -1 && errno != EINTR)
			die("epoll_wait");
		for (int k = 0; k < nev; k++) {
			unsigned i = evs[k].data.u32;

			if (i == UINT32_MAX) {
				t_exit = now_mono();
				epoll_ctl(epfd, EPOLL_CTL_DEL, pidfd, NULL);
				continue;
			}
			if (conns[i].fd < 0)
				continue;
			if (conns[i].state == C_CONNECTING) {
				if (evs[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
					on_writable(i);
			} else if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
				on_readable(i, buf);
			}
		}
	}

	{
		double win = t_win_end - t_win_start;
		double ramp = t_ramp_end - t_start;
		unsigned clean = 0;

		for (unsigned i = 0; i < opened; i++)
			if (conns[i].state == C_ENDED)
				clean++;
		printf("streams=%u\n", o.n);
		printf("connected=%u\n", first_events);
		printf("failed=%u\n", failed);
		printf("refused=%u\n", refused);
		printf("ramp_s=%.3f\n", ramp);
		printf("headers_s=%.3f\n", t_all_headers ? t_all_headers - t_first_connect : -1);
		printf("connect_rate=%.0f\n",
		    t_last_first ? (double)first_events / (t_last_first - t_first_connect) : 0);
		printf("window_s=%.3f\n", win);
		printf("events=%" PRIu64 "\n", win_events);
		printf("events_total=%" PRIu64 "\n", total_events);
		printf("lat_p01_ms=%.2f\n", hist_quantile(&lat, 0.01));
		printf("lat_p10_ms=%.2f\n", hist_quantile(&lat, 0.10));
		printf("lat_p50_ms=%.2f\n", hist_quantile(&lat, 0.50));
		printf("lat_p90_ms=%.2f\n", hist_quantile(&lat, 0.90));
		printf("lat_p99_ms=%.2f\n", hist_quantile(&lat, 0.99));
		printf("lat_max_ms=%.2f\n", (double)lat.max_ns / 1e6);
		printf("klat_p01_ms=%.2f\n", hist_quantile(&klat, 0.01));
		printf("klat_p50_ms=%.2f\n", hist_quantile(&klat, 0.50));
		printf("klat_p99_ms=%.2f\n", hist_quantile(&klat, 0.99));
		printf("klat_samples=%" PRIu64 "\n", klat.count);
		qsort(tick_s, nticks, sizeof(tick_s[0]), cmp_double);
		printf("tick_samples=%u\n", nticks);
		if (nticks > 0) {
			printf("tick_p50_ms=%.2f\n", tick_s[(nticks - 1) / 2] * 1000);
			printf("tick_max_ms=%.2f\n", tick_s[nticks - 1] * 1000);
		}
		printf("lat_over_20s=%" PRIu64 "\n", lat.over);
		printf("seq_gaps=%" PRIu64 "\n", total_gaps);
		printf("seq_backwards=%" PRIu64 "\n", dup_or_back);
		printf("seq_mismatch=%" PRIu64 "\n", seq_mismatch);
		printf("parse_errors=%" PRIu64 "\n", parse_errors);
		printf("ended_early=%u\n", ended_early);
		printf("client_cpu_pct=%.1f\n", win > 0 ? 100 * (cpu1 - cpu0) / win : 0);
		printf("client_us_per_event=%.2f\n",
		    win_events ? (cpu1 - cpu0) * 1e6 / (double)win_events : 0);
		if (o.server) {
			double scpu = s1.cpu_s - s0.cpu_s;

			printf("server_rss_idle_kib=%ld\n", idle.rss_kib);
			printf("server_rss_kib=%ld\n", s1.rss_kib);
			printf("server_threads=%ld\n", s1.threads);
			printf("server_cpu_pct=%.1f\n", win > 0 ? 100 * scpu / win : 0);
			printf("server_us_per_event=%.2f\n",
			    win_events ? scpu * 1e6 / (double)win_events : 0);
			printf("server_kib_per_stream=%.2f\n",
			    first_events ? (double)(s1.rss_kib - idle.rss_kib) / first_events : 0);
			if (idle.host_used_kib >= 0 && s1.host_used_kib >= 0 &&
			    idle.self_rss_kib >= 0 && s1.self_rss_kib >= 0) {
				long grew = (s1.host_used_kib - idle.host_used_kib) -
				    (s1.self_rss_kib - idle.self_rss_kib);

				printf("host_used_idle_kib=%ld\n", idle.host_used_kib);
				printf("host_used_kib=%ld\n", s1.host_used_kib);
				printf("client_rss_growth_kib=%ld\n", s1.self_rss_kib - idle.self_rss_kib);
				printf("host_kib_per_stream=%.2f\n",
				    first_events ? (double)grew / first_events : 0);
			}
		}
		if (o.term) {
			printf("shutdown_ms=%.1f\n", t_exit ? (t_exit - t_term) * 1000 : -1);
			printf("streams_closed_ms=%.1f\n",
			    t_all_closed ? (t_all_closed - t_term) * 1000 : -1);
			printf("clean_ends=%u\n", clean);
			printf("open_at_term=%u\n", clean_at_term);
		}
		fflush(stdout);
		fprintf(stderr, "sseload: %u streams, window %.1f s: %" PRIu64 " events, "
		    "p50 %.2f p99 %.2f max %.2f ms, %" PRIu64 " seq gaps, %u ended early\n",
		    first_events, win, win_events, hist_quantile(&lat, 0.5), hist_quantile(&lat, 0.99),
		    (double)lat.max_ns / 1e6, total_gaps, ended_early);
		rc = (first_events == o.n && ended_early == 0 && total_gaps == 0 &&
		    parse_errors == 0 && seq_mismatch == 0) ? 0 : 1;
	}

	for (unsigned i = 0; i < opened; i++) {
		if (conns[i].fd >= 0)
			close(conns[i].fd);
		if (conns[i].kept_fd >= 0)
			close(conns[i].kept_fd);
		free(conns[i].line);
	}
	if (pidfd >= 0)
		close(pidfd);
	close(epfd);
	free(conns);
	free(lat.b);
	free(klat.b);
	free(buf);
	return rc;
}
