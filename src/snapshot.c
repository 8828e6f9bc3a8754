#include "snapshot.h"

#include <pthread.h>
#include <stdlib.h>

#include "xmem.h"

const char *const snapshot_cpu_mode_names[CPU_MODES] = {
	[CPU_USER] = "user", [CPU_NICE] = "nice", [CPU_SYSTEM] = "system",
	[CPU_IDLE] = "idle", [CPU_IOWAIT] = "iowait", [CPU_IRQ] = "irq",
	[CPU_SOFTIRQ] = "softirq", [CPU_STEAL] = "steal",
};

const char *const snapshot_net_counter_names[NET_COUNTERS] = {
	[NET_RX_BYTES] = "receive_bytes", [NET_RX_PACKETS] = "receive_packets",
	[NET_RX_ERRORS] = "receive_errs", [NET_RX_DROPPED] = "receive_drop",
	[NET_TX_BYTES] = "transmit_bytes", [NET_TX_PACKETS] = "transmit_packets",
	[NET_TX_ERRORS] = "transmit_errs", [NET_TX_DROPPED] = "transmit_drop",
};

const char *const snapshot_psi_names[PSI_RESOURCES] = {
	[PSI_CPU] = "cpu", [PSI_MEMORY] = "memory", [PSI_IO] = "io",
};

const char *const snapshot_endpoint_names[EP_COUNT] = {
	[EP_EVENTS] = "/events", [EP_SNAPSHOT] = "/api/snapshot", [EP_METRICS] = "/metrics",
	[EP_HEALTHZ] = "/healthz", [EP_PAGE] = "page",
};

const unsigned snapshot_status_codes[ST_COUNT] = {
	[ST_200] = 200, [ST_304] = 304, [ST_400] = 400, [ST_404] = 404, [ST_405] = 405,
	[ST_413] = 413, [ST_429] = 429, [ST_500] = 500, [ST_503] = 503,
	[ST_OTHER] = 0,
};

/* From 100 us to 5 s: a scrape or a page takes well under a millisecond here. */
const double snapshot_duration_bounds[SNAPSHOT_DURATION_BUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 5,
};

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;	/* guarded by current_lock */

struct snapshot *
snapshot_new(void)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));

	atomic_init(&s->refs, 1);
	return s;
}

struct snapshot *
snapshot_ref(struct snapshot *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void
snapshot_release(struct snapshot *s)
{
	if (s == NULL)
		return;
	/* acq_rel: the freeing thread sees every write made before the drops. */
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(s->cores);
	for (size_t i = 0; i < s->nnets; i++)
		free(s->nets[i].name);
	free(s->nets);
	for (size_t i = 0; i < s->ndisks; i++)
		free(s->disks[i].name);
	free(s->disks);
	for (size_t i = 0; i < s->nfilesystems; i++) {
		free(s->filesystems[i].mountpoint);
		free(s->filesystems[i].device);
		free(s->filesystems[i].fstype);
	}
	free(s->filesystems);
	for (size_t i = 0; i < s->ntemps; i++) {
		free(s->temps[i].chip);
		free(s->temps[i].chip_id);
		free(s->temps[i].chip_name);
		free(s->temps[i].sensor);
		free(s->temps[i].label);
	}
	free(s->temps);
	free(s);
}

void
snapshot_publish(struct snapshot *s)
{
	struct snapshot *old;

	pthread_mutex_lock(&current_lock);
	old = current;
	current = s;
	pthread_mutex_unlock(&current_lock);
	snapshot_release(old);
}

struct snapshot *
snapshot_acquire(void)
{
	struct snapshot *s;

	pthread_mutex_lock(&current_lock);
	s = current;
	if (s != NULL)
		snapshot_ref(s);
	pthread_mutex_unlock(&current_lock);
	return s;
}

void
snapshot_clear(void)
{
	snapshot_publish(NULL);
}
