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

#endif
