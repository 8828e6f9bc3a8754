#include "deadline.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/sockios.h>	/* SIOCOUTQ */
#include <linux/tcp.h>	/* struct tcp_info with tcpi_bytes_received (Linux 4.1) */
#include <netinet/in.h>

#include "log.h"
#include "monotime.h"
#include "stats.h"

struct deadline_conn {
	TAILQ_ENTRY(deadline_conn) link;
	int64_t due_ns;		/* CLOCK_MONOTONIC */
	uint64_t received;	/* the socket's bytes in when the deadline was set */
	int fd;
	int listed;
};

/*
 * Bytes the kernel has taken in on the connection so far (TCP_INFO), or
 * UINT64_MAX when it cannot say (not TCP). libmicrohttpd reads what comes
 * at once, so the socket's queue cannot tell whether a request has begun;
 * this count can. *closed_window: whether the peer's receive window is
 * shut (it reads nothing of ours); 1 when the kernel cannot say (before
 * Linux 5.4).
 */
static uint64_t
bytes_received(int fd, int *closed_window)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	*closed_window = 1;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received))
		return UINT64_MAX;
	if (len >= offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof(ti.tcpi_snd_wnd))
		*closed_window = ti.tcpi_snd_wnd == 0;
	return ti.tcpi_bytes_received;
}

void
deadline_reset_if_unsent(int fd)
{
	struct linger now = { 1, 0 };
	int queued = 0;

	if (fd == -1 || ioctl(fd, SIOCOUTQ, &queued) != 0 || queued == 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof(now)) != 0)
		log_debug("deadline: SO_LINGER: %s", strerror(errno));
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;		/* CLOCK_MONOTONIC; signalled when the list fills or at stop */
static TAILQ_HEAD(, deadline_conn) owed = TAILQ_HEAD_INITIALIZER(owed);
static int64_t timeout_ns;
static int sleeping;			/* the thread waits for the list to fill */
static int stopping;
static int running;
static pthread_t thread;

/* Under lock. */
static void
unlink_conn(struct deadline_conn *dc)
{
	if (!dc->listed)
		return;
	TAILQ_REMOVE(&owed, dc, link);
	dc->listed = 0;
}

/*
 * Under lock: at the tail, which keeps the list in deadline order. A new
 * connection's request begins with its first byte, however early it came;
 * a kept-alive one's with the first byte after its last response.
 */
static void
append(struct deadline_conn *dc, int fresh)
{
	int closed_window;

	unlink_conn(dc);
	dc->due_ns = monotime_ns() + timeout_ns;
	dc->received = bytes_received(dc->fd, &closed_window);
	if (fresh && dc->received != UINT64_MAX)
		dc->received = 0;
	TAILQ_INSERT_TAIL(&owed, dc, link);
	dc->listed = 1;
	if (sleeping) {
		sleeping = 0;
		pthread_cond_signal(&wake);
	}
}

static void *
run(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		int64_t now = monotime_ns();
		struct deadline_conn *dc;
		struct timespec until;
		unsigned closed = 0;
		int64_t t;

		while ((dc = TAILQ_FIRST(&owed)) != NULL && dc->due_ns <= now) {
			/*
			 * Idle (not a byte since), or a request begun and not
			 * finished. Asked of every socket, for closed_window too.
			 */
			int closed_window;
			uint64_t received = bytes_received(dc->fd, &closed_window);
			int idle = dc->received != UINT64_MAX && received == dc->received;

			/*
			 * A peer that has shut its window on the rest of the last
			 * response is not reading it: reset, or the FIN would queue
			 * behind those bytes (deadline_reset_if_unsent()). One that
			 * still takes them, slowly, gets them, then the FIN.
			 */
			if (closed_window)
				deadline_reset_if_unsent(dc->fd);

			/* libmicrohttpd's thread reads the end, and closes the connection. */
			if (shutdown(dc->fd, SHUT_RDWR) == 0) {
				if (idle)
					stats_connection_idle_closed();
				else
					stats_request_timed_out();
				closed++;
			}
			unlink_conn(dc);
		}
		if (closed > 0) {
			/* Not under the lock every new connection takes. */
			pthread_mutex_unlock(&lock);
			log_debug("closed %u connections that sent no whole request in %lld s", closed,
			    (long long)(timeout_ns / 1000000000));
			pthread_mutex_lock(&lock);
			continue;
		}
		if (TAILQ_EMPTY(&owed)) {
			sleeping = 1;
			while (sleeping && !stopping)
				pthread_cond_wait(&wake, &lock);
			continue;
		}
		/* Once a second, not at each deadline: no wake-up per connection. */
		t = now + 1000000000;
		until.tv_sec = (time_t)(t / 1000000000);
		until.tv_nsec = (long)(t % 1000000000);
		(void)pthread_cond_timedwait(&wake, &lock, &until);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int
deadline_start(unsigned seconds)
{
	pthread_condattr_t ca;
	int err;

	timeout_ns = (int64_t)seconds * 1000000000;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &ca);
	pthread_condattr_destroy(&ca);
	stopping = 0;
	/* It inherits main's mask: every signal blocked (main.c). */
	if ((err = pthread_create(&thread, NULL, run, NULL)) != 0) {
		log_fatal("cannot start the request deadline thread: %s", strerror(err));
		return -1;
	}
	running = 1;
	return 0;
}

void
deadline_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = 0;
}

struct deadline_conn *
deadline_open(int fd)
{
	struct deadline_conn *dc = calloc(1, sizeof(*dc));

	if (dc == NULL)
		return NULL;
	dc->fd = fd;
	pthread_mutex_lock(&lock);
	append(dc, 1);
	pthread_mutex_unlock(&lock);
	return dc;
}

void
deadline_met(struct deadline_conn *dc)
{
	if (dc == NULL)
		return;
	pthread_mutex_lock(&lock);
	unlink_conn(dc);
	pthread_mutex_unlock(&lock);
}

void
deadline_rearm(struct deadline_conn *dc)
{
	if (dc == NULL)
		return;
	pthread_mutex_lock(&lock);
	append(dc, 0);
	pthread_mutex_unlock(&lock);
}

void
deadline_close(struct deadline_conn *dc)
{
	if (dc == NULL)
		return;
	pthread_mutex_lock(&lock);
	unlink_conn(dc);
	pthread_mutex_unlock(&lock);
	free(dc);
}
