/*
 * log: messages to stderr, the daemon's only log destination.
 *
 * Under systemd (JOURNAL_STREAM names our stderr) each line carries a
 * "<N>" priority prefix that journald understands; on a terminal it carries a
 * timestamp and the level instead. Safe to call from any thread: each message
 * is written with one write(2).
 */
#ifndef SSE_LOG_H
#define SSE_LOG_H

#include <stdarg.h>

/* Set up the destination; verbosity 0 logs info and above, 1 adds debug. */
void log_init(int verbosity);

/* 1 when stderr is the journal (lines carry "<N>" priorities). */
int log_to_journal(void);

/* Change the verbosity at run time. */
void log_set_verbosity(int verbosity);

/* An error the daemon cannot go on from; the caller exits. */
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning without errno. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Normal operation worth an administrator's eye (start, stop, reload). */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
