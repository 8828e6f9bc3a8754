#include "stream.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "broadcast.h"
#include "deadline.h"
#include "log.h"
#include "monotime.h"
#include "render.h"
#include "stats.h"
#include "strbuf.h"
#include "xmem.h"

/*
 * The block libmicrohttpd allocates (calloc: every byte touched) with each
 * callback response. A chunked response never uses it: the reader fills the
 * connection's pool (connection_memory) directly, and a tick goes out in one
 * write while it fits there. 16K here cost 8.6 KiB of RSS per stream.
 * An HTTP/1.0 response is not chunked, and libmicrohttpd sends it from this
 * block, one block a write: those get STREAM_BLOCK_SIZE_1_0, so that a tick
 * of the HTML events (some 80 KB) is a few writes, not some 300.
 */
#define STREAM_BLOCK_SIZE 256
#define STREAM_BLOCK_SIZE_1_0 (16 * 1024)

/* What sse_comment(sb, "keep-alive") makes, as a constant: no formatting per stream. */
static const char heartbeat_text[] = ": keep-alive\n\n";

/*
 * The first bytes of every stream, a constant too: no printf, whose frames
 * would touch one more page of each thread's stack.
 */
#define STREAM_STR_(x) #x
#define STREAM_STR(x) STREAM_STR_(x)
static const char retry_text[] = "retry: " STREAM_STR(STREAM_RETRY_MS) "\n\n";

/*
 * What the kernel may hold of a stream that has not yet gone on the wire
 * (TCP_NOTSENT_LOWAT): a viewer that stops reading then costs the host this
 * much, not tcp_wmem's maximum (4 MiB; 2 MB seen in 3.4 s), and its ring
 * drops ticks instead. A viewer that reads never nears it: a tick leaves
 * the queue as soon as it is written. Lifted at stop for every stream that
 * may be held up by it (stream_stop()), so a lagging viewer's
 * closing chunk still goes to the kernel at once.
 */
#define STREAM_UNSENT_MAX (64 * 1024)

static atomic_uint heartbeat_ms = 15000;	/* read by a waiting stream at each wake-up */
static atomic_uint timeout_s = 60;	/* libmicrohttpd's connection timeout, the same */
/* Whether streams write their own chunks (see direct_write()): by the library's version. */
#define STREAM_DIRECT_MHD_VERSION "0.9.75"
static atomic_bool direct_allowed;
static atomic_uint client_buffer = 32;
static atomic_bool park_when_ended;
static atomic_uint streams_open;	/* opened and not yet freed */

/*
 * Every stream with a socket, for stream_stop() to lift the bound
 * above. The lock is taken when a stream opens and ends, never per event.
 * Once the list has been walked, unbounded is set, and a stream ending after
 * that (most of them, at a parking stop) takes no shared lock.
 */
static pthread_mutex_t streams_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, stream) streams = LIST_HEAD_INITIALIZER(streams);
static atomic_bool unbounded;
static atomic_bool stopping;	/* stream_stop() was called */

struct stream {
	broadcast_sub_t *sub;
	unsigned mask;		/* RENDER_EV_* bits wanted */
	char *preamble;		/* "retry:" and maybe a reset event; sent first */
	size_t preamble_len, preamble_off;
	render_tick_t *cur;	/* tick being copied out, or NULL */
	int cur_ev;		/* event type of cur being copied */
	size_t cur_off;		/* bytes of that event already copied */
	struct timespec last_write;	/* CLOCK_MONOTONIC */
	int pin_cpu;		/* CPU to pin the thread to once it runs there, or -1 */
	unsigned pin_tries;	/* wake-ups seen while pin_cpu was pending */
	int sock;		/* the connection's socket, closed by a parking stop */
	struct MHD_Connection *conn;
	int direct;		/* chunks may be written to sock here (see direct_write()) */
	int mhd_timer_off;	/* libmicrohttpd's timeout is off: the stream keeps its own */
	LIST_ENTRY(stream) link;	/* in streams, under streams_lock */
	int listed;
	int unbound;		/* its TCP_NOTSENT_LOWAT is lifted */
	atomic_int waiting;	/* in broadcast_next(); read by stream_stop() */
};

static void unbind(struct stream *s);

void
stream_configure(unsigned heartbeat, unsigned buffer, unsigned timeout)
{
	atomic_store(&heartbeat_ms, heartbeat * 1000);
	atomic_store(&client_buffer, buffer);
	atomic_store(&timeout_s, timeout);
	if (strcmp(MHD_get_version(), STREAM_DIRECT_MHD_VERSION) == 0)
		atomic_store(&direct_allowed, 1);
	else
		log_debug("stream: libmicrohttpd %s, not " STREAM_DIRECT_MHD_VERSION
		    ": every event goes through its buffer", MHD_get_version());
	/* A heartbeat goes out between heartbeat/2 and heartbeat s of silence. */
	broadcast_set_pulse(heartbeat * 500);
}

void
stream_add_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	/* nginx: do not buffer this response. */
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
}

/*
 * A stream is the last response on its connection: once it ends, the
 * connection thread closes and exits by itself instead of idling in
 * keep-alive until shutdown has to wake it.
 */
static void
add_close(struct MHD_Response *r)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
}

/*
 * Pin the calling thread, the stream's connection thread, to the CPU of its
 * wake-up group: then the group's waker wakes it without an
 * inter-processor interrupt (see broadcast.h). Pinning a thread that runs
 * on another CPU moves it through the stopper thread, which cost a fifth
 * to a quarter of the connect rate when new streams did it; so a thread
 * elsewhere is pinned only once a wake-up has placed it on that CPU (the
 * scheduler tends to put a woken thread on its waker's CPU), or after
 * PIN_TRIES wake-ups, when moving it costs no new viewer anything.
 */
#define PIN_TRIES 8

static void
pin_here(struct stream *s, int force)
{
	cpu_set_t one;
	int err;

	if (s->pin_cpu < 0 || (!force && sched_getcpu() != s->pin_cpu))
		return;
	CPU_ZERO(&one);
	CPU_SET(s->pin_cpu, &one);
	if ((err = pthread_setaffinity_np(pthread_self(), sizeof(one), &one)) != 0)
		log_debug("stream: cannot move to CPU %d: %s", s->pin_cpu, strerror(err));
	s->pin_cpu = -1;
}

/* After each wake-up of a stream still waiting to be pinned. */
static void
pin_pending(struct stream *s)
{
	if (s->pin_cpu >= 0)
		pin_here(s, ++s->pin_tries >= PIN_TRIES);
}

/* Skip to the next event type of cur the viewer wants; drop cur after the last. */
static void
advance_event(struct stream *s)
{
	size_t len;

	s->cur_off = 0;
	/* Wanted, and in this tick (a replayed older tick has its snapshot only). */
	while (++s->cur_ev < RENDER_EV_COUNT)
		if ((s->mask & (1u << s->cur_ev)) &&
		    render_tick_frame(s->cur, (enum render_event)s->cur_ev, &len) != NULL)
			return;
	render_tick_unref(s->cur);
	s->cur = NULL;
}

static void
start_tick(struct stream *s, render_tick_t *t)
{
	if (s->mask & ~(1u << RENDER_EV_SNAPSHOT))
		render_tick_views(t);	/* a tick made while nobody watched */
	s->cur = t;
	s->cur_ev = -1;
	advance_event(s);
}

/*
 * Copy as much of the queued ticks as fits into buf; never blocks. *events
 * counts the events copied out whole.
 */
static size_t
fill(struct stream *s, char *buf, size_t max, uint64_t *events)
{
	size_t n = 0;

	while (n < max) {
		const char *frame;
		size_t len, chunk;

		if (s->cur == NULL) {
			render_tick_t *t = broadcast_try_next(s->sub);

			if (t == NULL)
				break;
			start_tick(s, t);
			continue;
		}
		frame = render_tick_frame(s->cur, (enum render_event)s->cur_ev, &len);
		chunk = len - s->cur_off;
		if (chunk > max - n)
			chunk = max - n;
		memcpy(buf + n, frame + s->cur_off, chunk);
		n += chunk;
		s->cur_off += chunk;
		if (s->cur_off == len) {
			advance_event(s);
			(*events)++;
		}
	}
	return n;
}


/*
 * Writing past libmicrohttpd. An event handed to libmicrohttpd costs the
 * stream's thread a copy into the connection's pool, a return into
 * libmicrohttpd's loop and its poll() for POLLOUT before the write.
 * libmicrohttpd 0.9.75 calls the reader only in a chunked body's "unready"
 * state, which only check_write_done() enters, once all it had to send is
 * on the socket (connection.c), so chunks the reader writes itself, framed
 * as libmicrohttpd frames them, go on the wire in order between its own. The
 * reader then waits for the next tick without returning: one sendmsg()
 * per tick from the shared frames, no poll, no copy (bench/NOTES.md,
 * eleventh round). What goes the old way: the headers and the first chunk,
 * the last chunk, and all of an HTTP/1.0 response, which is not chunked.
 * A chunk the socket does not take whole is finished here, waiting for
 * room as libmicrohttpd would have (finish_chunk()), since libmicrohttpd
 * would frame the rest as a chunk of its own. That state machine is no
 * interface of libmicrohttpd's, so other versions than the one read go the
 * old way throughout (direct_allowed). There is no TLS here, which would
 * rule this out.
 */
enum direct { DIRECT_SENT, DIRECT_FAILED };

/*
 * Set in a connection's thread when its reader ends the connection with
 * MHD_CONTENT_READER_END_WITH_ERROR because the viewer is gone or was given
 * up: libmicrohttpd then logs "application error", which this is not
 * (stream_closed_on_purpose()).
 */
static _Thread_local int closed_on_purpose;

int
stream_closed_on_purpose(void)
{
	int was = closed_on_purpose;

	closed_on_purpose = 0;
	return was;
}

static ssize_t
direct_end(void)
{
	closed_on_purpose = 1;
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

static const char crlf[] = "\r\n";

/* Move m's iovecs past n bytes sent. */
static void
iov_consume(struct msghdr *m, size_t n)
{
	while (m->msg_iovlen > 0 && n >= m->msg_iov->iov_len) {
		n -= m->msg_iov->iov_len;
		m->msg_iov++;
		m->msg_iovlen--;
	}
	if (m->msg_iovlen > 0) {
		m->msg_iov->iov_base = (char *)m->msg_iov->iov_base + n;
		m->msg_iov->iov_len -= n;
	}
}

static int
would_block(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/*
 * A write failed: a viewer gone is no error of the daemon's; anything else
 * (ENOMEM, a bad descriptor) is logged, as libmicrohttpd logs its own.
 */
static enum direct
write_failed(int err)
{
	if (err != EPIPE && err != ECONNRESET && err != ETIMEDOUT && err != EHOSTUNREACH &&
	    err != ENETUNREACH && err != ENOTCONN)
		log_warnx("stream: cannot write to its socket: %s", strerror(err));
	return DIRECT_FAILED;
}

/*
 * The rest of a chunk the socket did not take whole. It waits for room as
 * libmicrohttpd would, and gives up as it does: once the socket has taken
 * nothing for timeout seconds, counted as a timeout and reset if bytes are
 * still unsent (deadline_reset_if_unsent()). A stop lifts the socket's
 * bound (stream_stop()), which wakes the poll.
 */
static enum direct
finish_chunk(struct stream *s, struct msghdr *m)
{
	int64_t last = monotime_ns(), now;

	while (m->msg_iovlen > 0) {
		struct pollfd p = { .fd = s->sock, .events = POLLOUT };
		ssize_t r;

		(void)poll(&p, 1, 1000);
		r = sendmsg(s->sock, m, MSG_DONTWAIT | MSG_NOSIGNAL);
		now = monotime_ns();
		if (r > 0) {
			iov_consume(m, (size_t)r);
			last = now;
		} else if (r < 0 && !would_block(errno)) {
			return write_failed(errno);
		} else if (now - last > (int64_t)atomic_load(&timeout_s) * 1000000000) {
			log_debug("stream: its viewer took nothing for %u s; closing",
			    atomic_load(&timeout_s));
			stats_stream_timed_out();
			deadline_reset_if_unsent(s->sock);
			return DIRECT_FAILED;
		}
	}
	return DIRECT_SENT;
}

/*
 * Write iov[1 .. n - 2], len bytes, to the socket as one chunk; iov[0] and
 * iov[n - 1] are set here to its framing (the size in hex, CRLF; then
 * CRLF), in one sendmsg() while the socket has room. Nothing for no bytes:
 * a chunk of size 0 is the last one.
 *
 * libmicrohttpd times a connection out from its own last write, checked
 * when the reader returns; it would end a stream that wrote for itself
 * longer than that at its last chunk. So the first write here turns that
 * timer off (the stream keeps the timeout itself, finish_chunk()): once
 * per stream, since setting it takes a lock all connections share.
 */
static enum direct
direct_write(struct stream *s, struct iovec *iov, size_t n, size_t len)
{
	char size_line[2 * sizeof(size_t) + sizeof(crlf)], digits[2 * sizeof(size_t)];
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = n };
	size_t k = 0, d = 0;
	ssize_t r;

	if (len == 0)
		return DIRECT_SENT;
	if (!s->mhd_timer_off) {
		MHD_set_connection_option(s->conn, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
		s->mhd_timer_off = 1;
	}
	do
		digits[d++] = "0123456789abcdef"[len & 15];
	while ((len >>= 4) != 0);
	while (d > 0)
		size_line[k++] = digits[--d];
	memcpy(size_line + k, crlf, 2);
	iov[0] = (struct iovec){ size_line, k + 2 };
	iov[n - 1] = (struct iovec){ (void *)crlf, 2 };
	if ((r = sendmsg(s->sock, &m, MSG_DONTWAIT | MSG_NOSIGNAL)) < 0) {
		if (!would_block(errno))
			return write_failed(errno);
		r = 0;
	}
	iov_consume(&m, (size_t)r);
	return m.msg_iovlen == 0 ? DIRECT_SENT : finish_chunk(s, &m);
}

/* What is left of s->cur, as one chunk. */
static enum direct
direct_tick(struct stream *s, uint64_t *events, uint64_t *bytes)
{
	struct iovec iov[RENDER_EV_COUNT + 2];
	size_t n = 1, len = 0, off = s->cur_off;
	uint64_t whole = 0;
	enum direct d;

	for (int ev = s->cur_ev; ev < RENDER_EV_COUNT; ev++) {
		const char *frame;
		size_t flen;

		if (!(s->mask & (1u << ev)) ||
		    (frame = render_tick_frame(s->cur, (enum render_event)ev, &flen)) == NULL)
			continue;
		iov[n++] = (struct iovec){ (void *)(frame + off), flen - off };
		len += flen - off;
		off = 0;
		whole++;
	}
	if ((d = direct_write(s, iov, n + 1, len)) == DIRECT_SENT) {
		*events += whole;
		*bytes += len;
		render_tick_unref(s->cur);
		s->cur = NULL;
	}
	return d;
}

/* Every tick queued, a chunk each, while the socket takes them. */
static enum direct
direct_queued(struct stream *s)
{
	uint64_t events = 0, bytes = 0;
	enum direct d = DIRECT_SENT;

	for (;;) {
		if (s->cur == NULL) {
			render_tick_t *t = broadcast_try_next(s->sub);

			if (t == NULL)
				break;
			start_tick(s, t);
		} else if ((d = direct_tick(s, &events, &bytes)) != DIRECT_SENT)
			break;
	}
	if (bytes > 0) {
		broadcast_sub_sent(s->sub, events, bytes);
		clock_gettime(CLOCK_MONOTONIC, &s->last_write);
	}
	return d;
}

/* A heartbeat straight to the socket. */
static enum direct
direct_heartbeat(struct stream *s)
{
	struct iovec iov[3];
	enum direct d;

	iov[1] = (struct iovec){ (void *)heartbeat_text, sizeof(heartbeat_text) - 1 };
	if ((d = direct_write(s, iov, 3, iov[1].iov_len)) == DIRECT_SENT) {
		broadcast_sub_sent(s->sub, 0, sizeof(heartbeat_text) - 1);
		clock_gettime(CLOCK_MONOTONIC, &s->last_write);
	}
	return d;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	uint64_t events = 0;
	size_t n;

	(void)pos;
	if (s->preamble_off < s->preamble_len) {
		/*
		 * First bytes at once, so the client sees the headers now, with
		 * whatever is already queued (the replay) in the same chunk: one
		 * write, one poll and one wake-up of the client fewer per new stream.
		 */
		n = s->preamble_len - s->preamble_off;
		if (n > max)
			n = max;
		memcpy(buf, s->preamble + s->preamble_off, n);
		s->preamble_off += n;
		if (s->preamble_off == s->preamble_len)
			n += fill(s, buf + n, max - n, &events);
		goto wrote;
	}

	for (;;) {
		enum broadcast_status st;
		render_tick_t *t;

		if (s->direct) {
			if (direct_queued(s) == DIRECT_FAILED)
				return direct_end();
		} else if ((n = fill(s, buf, max, &events)) > 0)
			goto wrote;

		/*
		 * waiting tells stream_stop() that this thread will see the
		 * stop here; once it is cleared, this thread checks for the stop
		 * itself (both sequentially consistent: one of the two sees the
		 * other's store).
		 */
		atomic_store(&s->waiting, 1);
		st = broadcast_next(s->sub, &s->last_write, &heartbeat_ms, &t);
		atomic_store(&s->waiting, 0);
		if (!s->unbound && atomic_load(&stopping))
			unbind(s);
		switch (st) {
		case BROADCAST_TICK:
			pin_pending(s);
			start_tick(s, t);
			break;
		case BROADCAST_TIMEOUT:
			/* A comment: keeps proxies from closing, and finds dead peers. */
			if (s->direct) {
				if (direct_heartbeat(s) == DIRECT_FAILED)
					return direct_end();
				break;
			}
			n = sizeof(heartbeat_text) - 1;
			if (n > max)
				n = max;
			memcpy(buf, heartbeat_text, n);
			goto wrote;
		case BROADCAST_STOPPING:
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
	}
wrote:
	broadcast_sub_sent(s->sub, events, n);
	clock_gettime(CLOCK_MONOTONIC, &s->last_write);
	return (ssize_t)n;
}

/* Bound a socket's unsent bytes; 0 gives it back the system's bound (none, by default). */
static void
set_unsent_bound(int sock, int bytes)
{
	if (setsockopt(sock, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &bytes, sizeof(bytes)) != 0)
		log_debug("stream: TCP_NOTSENT_LOWAT: %s", strerror(errno));
}

/*
 * Stream s's own thread lifts its bound at stop, so its closing chunk does
 * not wait for its viewer to read even when its last tick left the queue
 * over the bound.
 */
static void
unbind(struct stream *s)
{
	if (s->sock != -1)
		set_unsent_bound(s->sock, 0);
	s->unbound = 1;
}

void
stream_stop(int park)
{
	struct stream *s;

	atomic_store(&park_when_ended, park);
	atomic_store(&stopping, 1);
	/*
	 * A lagging viewer's thread may wait in libmicrohttpd for the queue to
	 * fall under the bound: lifting it wakes that thread, and its closing
	 * chunk goes to the kernel at once. A thread in broadcast_next() sees
	 * the stop there and lifts its own, so this walk makes a system call
	 * only for the streams that were busy: one for each of 19,000 streams
	 * took 55 ms here, before any stream was told to end.
	 */
	pthread_mutex_lock(&streams_lock);
	LIST_FOREACH(s, &streams, link)
		if (!atomic_load(&s->waiting))
			set_unsent_bound(s->sock, 0);
	atomic_store(&unbounded, 1);
	pthread_mutex_unlock(&streams_lock);
}

static void
list_add(struct stream *s)
{
	/* One opened during the stop lifts its own bound in stream_read(). */
	pthread_mutex_lock(&streams_lock);
	LIST_INSERT_HEAD(&streams, s, link);
	s->listed = 1;
	pthread_mutex_unlock(&streams_lock);
}

static void
list_remove(struct stream *s)
{
	if (!s->listed)
		return;
	pthread_mutex_lock(&streams_lock);
	LIST_REMOVE(s, link);
	s->listed = 0;
	pthread_mutex_unlock(&streams_lock);
}

unsigned
stream_count(void)
{
	return atomic_load(&streams_open);
}

static void
stream_free(void *cls)
{
	struct stream *s = cls;
	uint64_t dropped;

	/*
	 * libmicrohttpd calls this once the end of the response is sent. At a
	 * parking stop the thread stops here for good, and closes its socket
	 * first (the FIN follows the data already queued): 19,000 closes would
	 * otherwise run one after another in the process exit. It frees
	 * nothing and leaves its subscription (the process exit frees all),
	 * so ending N streams takes no lock they share.
	 */
	if (atomic_load(&park_when_ended)) {
		/* Not while stream_stop() may still be walking the list. */
		if (!atomic_load(&unbounded))
			list_remove(s);
		if (s->sock != -1)
			close(s->sock);
		atomic_fetch_sub(&streams_open, 1);
		for (;;)
			pause();
	}
	dropped = broadcast_sub_dropped(s->sub);
	if (dropped)
		log_debug("stream closed after dropping %llu ticks", (unsigned long long)dropped);
	list_remove(s);
	broadcast_unsubscribe(s->sub);
	render_tick_unref(s->cur);
	free(s->preamble);
	free(s);
	atomic_fetch_sub(&streams_open, 1);
}

enum stream_open_status
stream_open(struct MHD_Connection *conn, int sock, unsigned mask, int have_last_id,
    uint64_t last_id, int http_1_0, struct MHD_Response **response)
{
	struct strbuf pre = STRBUF_INIT;
	struct stream *s;
	int reset;

	s = xcalloc(1, sizeof(*s));
	s->sock = sock;
	s->conn = conn;
	s->direct = sock != -1 && conn != NULL && !http_1_0 && atomic_load(&direct_allowed);
	s->mask = mask;
	/*
	 * Counted before it subscribes, so that http_stop(), which waits for
	 * the count to reach 0 after broadcast_stop(), cannot miss a stream
	 * that subscribed just before the stop. stream_free() takes it back.
	 */
	atomic_fetch_add(&streams_open, 1);
	s->sub = broadcast_subscribe(atomic_load(&client_buffer), have_last_id, last_id, &reset);
	if (s->sub == NULL) {
		free(s);
		atomic_fetch_sub(&streams_open, 1);
		return STREAM_FULL;
	}
	/* The collector draws the views only while some stream wants them. */
	if (mask & ~(1u << RENDER_EV_SNAPSHOT))
		broadcast_sub_want_views(s->sub);
	s->pin_cpu = broadcast_sub_cpu(s->sub);
	pin_here(s, 0);

	strbuf_append(&pre, retry_text, sizeof(retry_text) - 1);
	if (reset)
		render_reset_frame(&pre);
	s->preamble = strbuf_detach(&pre, &s->preamble_len);
	clock_gettime(CLOCK_MONOTONIC, &s->last_write);

	*response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    http_1_0 ? STREAM_BLOCK_SIZE_1_0 : STREAM_BLOCK_SIZE, stream_read, s, stream_free);
	if (*response == NULL) {
		stream_free(s);
		return STREAM_FULL;
	}
	stream_add_headers(*response);
	add_close(*response);
	if (sock != -1) {
		set_unsent_bound(sock, STREAM_UNSENT_MAX);
		list_add(s);
	}
	return STREAM_OK;
}
