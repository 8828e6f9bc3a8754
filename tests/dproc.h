/*
 * dproc: the daemon under test, as check_daemon and check_abuse run it:
 * its pid, its stderr (drained into a buffer by a thread of the test), its
 * port and config file, and the run directory that holds them.
 *
 * DESIGN
 * The test's main thread starts and stops the daemon and owns every field
 * but log and eof, which dproc_drain() (the drainer thread) appends to and
 * sets under mu, broadcasting cv; readers take mu (dproc_log_copy()).
 */
#ifndef SSE_TESTS_DPROC_H
#define SSE_TESTS_DPROC_H

#include <pthread.h>
#include <sys/types.h>

#include "dbuf.h"

struct dproc {
	pid_t pid;		/* the running daemon; 0 when none or reaped */
	int err_fd;		/* read end of its stderr; -1 when closed */
	pthread_t drainer;
	int draining;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dbuf log;	/* its stderr so far; mu */
	int eof;		/* stderr reached EOF; mu */
	unsigned port;
	char conf[128];		/* the config file the daemon reads */
	int journal;		/* dproc_start(): stderr as journald's (JOURNAL_STREAM) */
};

extern struct dproc D;		/* the one daemon a test program runs at a time */
extern char run_dir[64];	/* the test's scratch directory (mkdtemp) */

/* The drainer thread: D.err_fd into D.log until EOF. */
void *dproc_drain(void *arg);

/* A copy of the daemon's stderr so far (free it). */
char *dproc_log_copy(void);

/* 1 while the daemon runs (it is not reaped here). */
int dproc_alive(void);

/* Remove run_dir and the files in it. */
void dproc_remove_run_dir(void);

/* CLOCK_MONOTONIC in seconds. */
double now_mono(void);

/* Bytes of the daemon's log so far: a mark for dproc_log_wait(). */
size_t dproc_log_mark(void);

/*
 * Wait up to timeout seconds until a whole line holding needle is in the
 * log at or after byte from. 1 when it is; 0 on timeout, or when the log
 * ended without it.
 */
int dproc_log_wait(size_t from, const char *needle, double timeout);

/* What the daemon logs once it listens on port 0 of 127.0.0.1, and how long it may take. */
#define DPROC_LISTEN_PREFIX "listening on http://127.0.0.1:"
#define DPROC_START_TIMEOUT 10.0

/*
 * The test program's start: run_dir made below TMPDIR (or /tmp) as
 * NAME.XXXXXX, the open-file limit raised to the hard one (tests open
 * thousands of streams), SIGPIPE ignored, stdout line-buffered. 0, or -1
 * after perror().
 */
int dproc_main_init(const char *name);

/*
 * Each test's fixture: D fresh, with D.conf = run_dir/PREFIX-PID.conf; and
 * its end: the daemon killed and reaped if it still runs, the drainer
 * joined, the log printed when CHECK_DAEMON_LOG is set, D.conf removed.
 */
void dproc_setup(const char *conf_prefix);
void dproc_teardown(void);

/*
 * fork and exec DAEMON_PATH with argv; its stdout goes to out_fd and its
 * stderr to err_fd (-1: /dev/null). The child gets a clean signal state and
 * dies with the test. The child's pid, or -1.
 */
pid_t dproc_spawn(char *const argv[], int out_fd, int err_fd);

/*
 * Start the daemon with -c D.conf, its stderr drained into D.log, and wait
 * until it listens: sets D.pid, D.err_fd and D.port. 0, or -1 with why
 * written (the caller fails with the log).
 */
int dproc_start(char *why, size_t whylen);

/*
 * dproc_start() in two: the daemon started and its stderr drained (D.pid,
 * D.err_fd), and then the wait until it listens (D.port). 0, or -1 with
 * why written.
 */
int dproc_spawn_drained(char *why, size_t whylen);
int dproc_wait_listening(char *why, size_t whylen);

#endif
