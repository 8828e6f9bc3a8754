#include "deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "monotime.h"
#include "stats.h"

struct deadline_conn {
	TAILQ_ENTRY(deadline_conn) link;
	int64_t due_ns;		/* CLOCK_MONOTONIC */
	int fd;
	int listed;
};

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

/* Under lock: at the tail, which keeps the list in deadline order. */
static void
append(struct deadline_conn *dc)
{
	unlink_conn(dc);
	dc->due_ns = monotime_ns() + timeout_ns;
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
			/* libmicrohttpd's thread reads the end, and closes the connection. */
			if (shutdown(dc->fd, SHUT_RDWR) == 0) {
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
	append(dc);
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
	append(dc);
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
