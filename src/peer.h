/*
 * peer: connections per client address, for max_clients_per_ip.
 *
 * libmicrohttpd's own per-address limit closes the connection at accept:
 * the client sees a reset and no reason. Counted here, a connection over
 * the limit is still accepted and its request answered (429, or for a
 * browser's EventSource a stream that says when to retry); libmicrohttpd's
 * limit stays, HTTP_ANSWERED_EXCESS higher (http.h), to cut a flood at accept.
 *
 * DESIGN
 * libmicrohttpd's listening thread calls peer_open() as it accepts a
 * connection; the thread that closes it calls peer_close(). One mutex guards
 * the tree of addresses (tsearch) and every count in it, taken twice per
 * connection and never per event. With no limit set, neither takes it.
 * peer_init() runs in main before libmicrohttpd starts.
 */
#ifndef SSE_PEER_H
#define SSE_PEER_H

#include <sys/socket.h>

struct peer;

/* Set the limit (max_clients_per_ip; 0: none). */
void peer_init(unsigned limit);

/*
 * A connection from sa has been accepted. Sets *over when the address
 * already held the limit's worth. NULL when nothing is counted: no limit,
 * not an IP address, or no memory (then it is not over).
 */
struct peer *peer_open(const struct sockaddr *sa, int *over);

/* That connection has closed; p may be NULL. */
void peer_close(struct peer *p);

/* Addresses with a connection open (for its unit test). */
unsigned peer_addresses(void);

#endif
