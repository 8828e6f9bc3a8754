#include "stats.h"

#include <stdatomic.h>

static _Atomic uint64_t requests[EP_COUNT][ST_COUNT];
static _Atomic uint64_t requests_total;
static _Atomic uint64_t request_duration_ns_total;
static _Atomic uint64_t duration_bucket[SNAPSHOT_DURATION_BUCKETS + 1];
static _Atomic uint64_t streams_rejected_total;
static _Atomic uint64_t events_dropped_total;
static _Atomic uint64_t streams_timed_out_total;
static _Atomic uint64_t requests_timed_out_total;
static _Atomic uint64_t connections_idle_closed_total;

#define ADD(counter, n) atomic_fetch_add_explicit(&(counter), (n), memory_order_relaxed)
#define GET(counter) atomic_load_explicit(&(counter), memory_order_relaxed)

enum snapshot_status
stats_status_index(unsigned code)
{
	for (int i = 0; i < ST_OTHER; i++)
		if (snapshot_status_codes[i] == code)
			return (enum snapshot_status)i;
	return ST_OTHER;
}

void
stats_request_done(enum snapshot_endpoint ep, unsigned status, int is_stream,
    uint64_t duration_ns)
{
	size_t b = 0;

	ADD(requests[ep][stats_status_index(status)], 1);
	if (is_stream)
		return;
	while (b < SNAPSHOT_DURATION_BUCKETS &&
	    (double)duration_ns > snapshot_duration_bounds[b] * 1e9)
		b++;
	ADD(duration_bucket[b], 1);
	ADD(request_duration_ns_total, duration_ns);
	ADD(requests_total, 1);
}

void
stats_stream_rejected(void)
{
	ADD(streams_rejected_total, 1);
}

void
stats_events_dropped(uint64_t n)
{
	ADD(events_dropped_total, n);
}

void
stats_stream_timed_out(void)
{
	ADD(streams_timed_out_total, 1);
}

void
stats_request_timed_out(void)
{
	ADD(requests_timed_out_total, 1);
}

void
stats_connection_idle_closed(void)
{
	ADD(connections_idle_closed_total, 1);
}

void
stats_read(struct stats_values *out)
{
	for (int e = 0; e < EP_COUNT; e++)
		for (int st = 0; st < ST_COUNT; st++)
			out->requests[e][st] = GET(requests[e][st]);
	for (int b = 0; b <= SNAPSHOT_DURATION_BUCKETS; b++)
		out->duration_bucket[b] = GET(duration_bucket[b]);
	out->requests_total = GET(requests_total);
	out->request_duration_ns_total = GET(request_duration_ns_total);
	out->streams_rejected_total = GET(streams_rejected_total);
	out->events_dropped_total = GET(events_dropped_total);
	out->streams_timed_out_total = GET(streams_timed_out_total);
	out->requests_timed_out_total = GET(requests_timed_out_total);
	out->connections_idle_closed_total = GET(connections_idle_closed_total);
}
