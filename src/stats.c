#include "stats.h"

#include <stdatomic.h>

static _Atomic uint64_t requests_total;
static _Atomic uint64_t request_duration_ns_total;
static _Atomic uint64_t streams_total;
static _Atomic uint64_t streams_rejected_total;
static _Atomic uint64_t events_dropped_total;

#define ADD(counter, n) atomic_fetch_add_explicit(&(counter), (n), memory_order_relaxed)
#define GET(counter) atomic_load_explicit(&(counter), memory_order_relaxed)

void
stats_request_done(uint64_t duration_ns)
{
	ADD(request_duration_ns_total, duration_ns);
	ADD(requests_total, 1);
}

void
stats_stream_opened(void)
{
	ADD(streams_total, 1);
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
stats_read(struct stats_values *out)
{
	out->requests_total = GET(requests_total);
	out->request_duration_ns_total = GET(request_duration_ns_total);
	out->streams_total = GET(streams_total);
	out->streams_rejected_total = GET(streams_rejected_total);
	out->events_dropped_total = GET(events_dropped_total);
}
