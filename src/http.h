/*
 * http: the libmicrohttpd daemon and its routes.
 *
 * DESIGN
 * main calls http_start() and http_stop(); libmicrohttpd calls the handlers
 * from its connection threads (one per connection), and the connection
 * notifications, which keep each connection's request deadline (deadline.h),
 * from its listening thread. The daemon pointer and
 * the webroot are written by http_start() before any connection exists and
 * only read afterwards. Shutdown order (see shared MHD notes): quiesce (stop
 * accepting), broadcast_stop() (every blocked stream returns end-of-stream),
 * a bounded wait until every stream has sent its last chunk, then either
 * MHD_stop_daemon() joins the connection threads (a full teardown), or, in
 * a parking stop, the connection threads are left parked and main ends the
 * process at once. Parking is the default: at 19,000 streams the threads'
 * own exits (each unmaps its stack under one glibc lock, a TLB shootdown
 * each) and the joins took over a second; the process exit frees it all at
 * once. Builds with AddressSanitizer or ThreadSanitizer tear down in full,
 * so the leak and race checks cover every free path.
 */
#ifndef SSE_HTTP_H
#define SSE_HTTP_H

#include "config.h"

/* Connections kept free beyond max_clients for scrapes and health checks. */
#define HTTP_RESERVED_CONNECTIONS 32

/*
 * Connections beyond a limit (max_clients + HTTP_RESERVED_CONNECTIONS in
 * all, max_clients_per_ip from one address) that are still accepted, to be
 * answered 503 or 429 and closed; libmicrohttpd resets any further one at
 * accept, so a flood costs no more threads than this.
 */
#define HTTP_ANSWERED_EXCESS 8

/*
 * Shutdown waits for streams to end cleanly while they are still at it:
 * every HTTP_STOP_STALL_MS it checks that a stream has ended or that the
 * daemon's other threads used HTTP_STOP_BUSY_NS of CPU since the last
 * check, and closes the streams left when neither holds (their peers take
 * nothing) or after HTTP_STOP_MAX_MS in all. Stream threads held to a
 * small CPU quota (systemd's CPUQuota=) end none for seconds and then all
 * at once; a fixed 700 ms cut most of them (bench/NOTES.md).
 */
#define HTTP_STOP_STALL_MS 700
#define HTTP_STOP_BUSY_NS (1000 * 1000)
#define HTTP_STOP_MAX_MS 10000

/*
 * Listen on c->listen and serve; or, when listen_fd is not -1, serve on that
 * listening socket (socket activation) and ignore c->listen. Returns 0, or -1
 * with the reason logged. On success *bound holds the address actually bound
 * (the real port when c->listen.port was 0).
 */
int http_start(const struct config *c, int listen_fd, struct config_listen *bound);

/*
 * Stop accepting and end every stream cleanly (bounded as above).
 * Returns 0 when libmicrohttpd was stopped and freed; 1 for a parking stop,
 * when its threads still run: the caller must then end the process with
 * _exit() and free nothing they may use.
 */
int http_stop(void);

#endif
