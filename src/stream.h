/*
 * stream: one viewer's event stream, as a libmicrohttpd content reader.
 *
 * DESIGN
 * libmicrohttpd runs each connection in its own thread; that thread calls
 * the stream's reader, which blocks in broadcast_next() on the stream's own
 * ring until a tick, a heartbeat deadline or shutdown, then writes the
 * shared, pre-framed bytes of the event types the viewer asked for to the
 * socket itself as one chunk, and waits again; only the first and the
 * last chunk, and all of an HTTP/1.0 response, go into libmicrohttpd's
 * buffer for it to send (stream.c, direct_write()). A stream's state is
 * touched by its connection thread only (the reader, then the free
 * callback, which libmicrohttpd calls after the last read). heartbeat and
 * client_buffer are atomics that main may change on SIGHUP, timeout one
 * that keeps its start value (a reload passes it again, unchanged, since
 * libmicrohttpd's own timeout is fixed at start); a stream reads them
 * without a lock. The flag that a stream closed its connection on purpose
 * is thread-local. stream_stop()
 * sets atomics that every free callback, and every reader coming back from
 * broadcast_next(), reads after it. streams_lock guards the list of open
 * streams' sockets: a stream's thread takes it when the stream opens and
 * ends, stream_stop() (main) to walk it; never per event. A stream's
 * waiting flag is an atomic its thread sets around broadcast_next() and
 * that walk reads.
 */
#ifndef SSE_STREAM_H
#define SSE_STREAM_H

#include <stdint.h>

struct MHD_Connection;
struct MHD_Response;

/* The "retry:" a client gets first, in milliseconds. */
#define STREAM_RETRY_MS 3000
/* The "retry:" of a stream refused because max_clients are open (a string). */
#define STREAM_REFUSED_RETRY_MS "5000"

/*
 * Settings that SIGHUP may change; they apply from the next read. timeout
 * is libmicrohttpd's connection timeout (which a reload does not change),
 * which the stream keeps too while it writes to the socket itself.
 */
void stream_configure(unsigned heartbeat_seconds, unsigned client_buffer, unsigned timeout);

/*
 * Called by main's shutdown before the streams are told to end. With park,
 * a connection thread whose stream has ended (its last chunk handed to the
 * kernel, its subscription gone) then waits for the process to exit instead
 * of unwinding: the caller must end the process without stopping
 * libmicrohttpd. It also lifts the bound on what the kernel may queue
 * unsent (stream.c) for every stream not waiting for a tick, so a lagging
 * viewer's closing chunk need not wait for it to read; a waiting stream
 * lifts its own when it sees the stop.
 */
void stream_stop(int park);

/* Streams opened and not yet ended (any thread). */
unsigned stream_count(void);

enum stream_open_status {
	STREAM_OK,
	STREAM_FULL,		/* max_clients streams open, or stopping: 503 */
};

/*
 * Open a stream on connection conn whose socket is sock (or -1), sending the
 * event types in mask (RENDER_EV_* bits), starting after last_id when
 * have_last_id. Called in the connection's own thread, which is pinned to
 * the CPU of the stream's wake-up group (see broadcast.h): at once when it
 * runs there, else when a wake-up has placed it there, or after 8 wake-ups
 * (stream.c). http_1_0: the request is HTTP/1.0, whose response is not
 * chunked (a larger block, see stream.c). On STREAM_OK *response is a
 * libmicrohttpd response with the SSE headers set, to queue once and destroy.
 */
enum stream_open_status stream_open(struct MHD_Connection *conn, int sock, unsigned mask,
    int have_last_id, uint64_t last_id, int http_1_0, struct MHD_Response **response);

/*
 * In a connection's thread, once: whether its stream just ended the
 * connection because the viewer is gone or was given up on (so the
 * "application error" libmicrohttpd logs for it is none). Clears it.
 */
int stream_closed_on_purpose(void);

/* Add the headers every event-stream response carries (also for HEAD). */
void stream_add_headers(struct MHD_Response *response);

#endif
