/*
 * stats: the daemon's own request counters.
 *
 * DESIGN
 * HTTP threads add to these counters when a request or a stream ends; the
 * collector thread reads them once per tick into the snapshot. Each counter
 * is an independent relaxed atomic: no reader needs two of them to agree
 * exactly (a scrape may see a bucket one ahead of the count, which the next
 * tick settles). Nothing here is touched per event: what streams send is
 * counted per stream in broadcast, so the per-event path shares no cache
 * line with other streams through this module.
 */
#ifndef SSE_STATS_H
#define SSE_STATS_H

#include <stdint.h>

#include "snapshot.h"

struct stats_values {
	uint64_t requests[EP_COUNT][ST_COUNT];	/* by endpoint and status, streams included */
	uint64_t requests_total;		/* completed non-stream requests */
	uint64_t request_duration_ns_total;	/* their summed durations */
	uint64_t duration_bucket[SNAPSHOT_DURATION_BUCKETS + 1];	/* NOT cumulative; last: above every bound */
	uint64_t streams_rejected_total;	/* refused GETs: max_clients, a connection limit */
	uint64_t events_dropped_total;		/* ticks dropped from full rings */
	uint64_t streams_timed_out_total;	/* closed: the viewer took nothing for timeout s */
	uint64_t requests_timed_out_total;	/* closed: a request begun, not in within request_timeout */
	uint64_t connections_idle_closed_total;	/* closed: not a byte within request_timeout */
};

/* The status index of HTTP status code (ST_OTHER for one not in the table). */
enum snapshot_status stats_status_index(unsigned code);

/*
 * A request to endpoint ep finished with HTTP status code. A stream
 * (is_stream) is counted by endpoint and status only; other requests also
 * add duration_ns to the duration histogram and the totals.
 */
void stats_request_done(enum snapshot_endpoint ep, unsigned status, int is_stream,
    uint64_t duration_ns);
/* A stream was refused because max_clients streams were open. */
void stats_stream_rejected(void);
/* n ticks were dropped from slow streams' rings. */
void stats_events_dropped(uint64_t n);
/* A stream was closed because its viewer took nothing for timeout seconds. */
void stats_stream_timed_out(void);
/* A connection was closed: it began a request and did not finish it within request_timeout. */
void stats_request_timed_out(void);
/* A connection was closed: it sent not a byte within request_timeout (an idle keep-alive). */
void stats_connection_idle_closed(void);
/* Read every counter. */
void stats_read(struct stats_values *out);

#endif
