/*
 * deadline: connections that owe the daemon a request, and the thread that
 * closes those that take longer than request_timeout to send it.
 *
 * libmicrohttpd 0.9.75's timeout is an idle timeout: a client that sends a
 * header a byte every few seconds holds its connection, and its thread, for
 * as long as it likes, and 32 such clients lock scrapes and health checks
 * out. A connection is owed a request from when it opens, and again from
 * the end of each response on it (keep-alive), until its headers are in,
 * and the body they announce, if any.
 *
 * DESIGN
 * libmicrohttpd's listening thread calls deadline_open() and, after the
 * connection's thread has ended, deadline_close(); the connection's thread
 * calls deadline_met() when a request is in (headers, and any body) and
 * deadline_rearm() when its response has ended. One mutex guards the list
 * of connections owed a request (in deadline order, as every deadline is
 * now + the same timeout) and each entry's place in it; no stream is in
 * the list, so it is never touched per event. The deadline thread wakes once a second while
 * the list is not empty, shuts down the socket of each connection past its
 * deadline (libmicrohttpd then reads the end and closes it; a reset when
 * the peer took nothing of the last response since), and sleeps on
 * a condition variable while the list is empty: an idle daemon pays nothing.
 * deadline_close() takes the entry out under the mutex before libmicrohttpd
 * closes the socket, so the thread never shuts down a reused descriptor.
 */
#ifndef SSE_DEADLINE_H
#define SSE_DEADLINE_H

struct deadline_conn;

/* Start the thread; seconds is request_timeout. Returns 0, or -1 logged. */
int deadline_start(unsigned seconds);

/* Stop and join the thread (before libmicrohttpd is stopped). */
void deadline_stop(void);

/* A connection on socket fd has opened: it owes a request from now. NULL on no memory. */
struct deadline_conn *deadline_open(int fd);

/* Its request is in: the headers, and the body if they announced one. */
void deadline_met(struct deadline_conn *dc);

/* Its response has ended: it owes the next request from now. */
void deadline_rearm(struct deadline_conn *dc);

/* It is closing: forget and free it. */
void deadline_close(struct deadline_conn *dc);

/*
 * Socket fd is about to be closed for a timeout: when it holds bytes its
 * peer never took, make the close a reset (SO_LINGER 0), as nginx's
 * reset_timedout_connection does. A FIN would queue behind those bytes, and
 * the kernel would keep them, in FIN-WAIT-1, for as long as the peer
 * answers its probes. Any thread; the caller keeps fd from being reused.
 */
void deadline_reset_if_unsent(int fd);

/*
 * (Connections closed for missing it are counted in stats: in
 * requests_timed_out_total when a byte came since the deadline was set, a
 * request begun; else in connections_idle_closed_total.)
 */

#endif
