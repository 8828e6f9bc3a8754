#include "snapshot.h"

#include <pthread.h>
#include <stdlib.h>

#include "xmem.h"

const char *const snapshot_cpu_mode_names[CPU_MODES] = {
	[CPU_USER] = "user", [CPU_NICE] = "nice", [CPU_SYSTEM] = "system",
	[CPU_IDLE] = "idle", [CPU_IOWAIT] = "iowait", [CPU_IRQ] = "irq",
	[CPU_SOFTIRQ] = "softirq", [CPU_STEAL] = "steal",
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
