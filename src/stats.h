/*
 * stats: the daemon's own counters.
 *
 * DESIGN
 * HTTP threads add to these counters when a request or a stream ends; the
 * collector thread reads them once per tick into the snapshot. Each counter
 * is an independent relaxed atomic: no reader needs two of them to agree
 * exactly. Nothing here is touched per event, so the per-stream hot path
 * shares no cache line with other streams through this module.
 */
#ifndef SSE_STATS_H
#define SSE_STATS_H

#include <stdint.h>

struct stats_values {
	uint64_t requests_total;		/* completed non-stream requests */
	uint64_t request_duration_ns_total;	/* their summed durations */
	uint64_t streams_total;			/* streams ever opened */
	uint64_t streams_rejected_total;	/* refused for max_clients */
	uint64_t events_dropped_total;		/* ticks dropped from full rings */
};

/* A non-stream request finished after duration_ns. */
void stats_request_done(uint64_t duration_ns);
/* A stream was opened. */
void stats_stream_opened(void);
/* A stream was refused because max_clients streams were open. */
void stats_stream_rejected(void);
/* n ticks were dropped from slow streams' rings. */
void stats_events_dropped(uint64_t n);
/* Read every counter. */
void stats_read(struct stats_values *out);

#endif
