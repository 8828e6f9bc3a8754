#include "prom.h"


/* A label value: backslash, double quote and newline escaped. */
static void
put_label(struct strbuf *sb, const char *v)
{
	for (; *v != '\0'; v++) {
		switch (*v) {
		case '\\': strbuf_puts(sb, "\\\\"); break;
		case '"': strbuf_puts(sb, "\\\""); break;
		case '\n': strbuf_puts(sb, "\\n"); break;
		default: strbuf_putc(sb, *v);
		}
	}
}

static void
family(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	strbuf_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
gauge(struct strbuf *sb, const char *name, const char *help, double v)
{
	family(sb, name, "gauge", help);
	strbuf_printf(sb, "%s %.15g\n", name, v);	/* exact below 1e15 */
}

static void
counter(struct strbuf *sb, const char *name, const char *help, uint64_t v)
{
	family(sb, name, "counter", help);
	strbuf_printf(sb, "%s %llu\n", name, (unsigned long long)v);
}

static void
cpu_seconds(struct strbuf *sb, const struct snapshot_cpu *c)
{
	for (int m = 0; m < CPU_MODES; m++)
		strbuf_printf(sb, "node_cpu_seconds_total{cpu=\"%u\",mode=\"%s\"} %.2f\n",
		    c->id, snapshot_cpu_mode_names[m], c->seconds[m]);
}

void
prom_render(struct strbuf *sb, const struct snapshot *s)
{
	if (s->has_cpu) {
		family(sb, "node_cpu_seconds_total", "counter",
		    "Seconds the CPUs spent in each mode.");
		for (size_t i = 0; i < s->ncores; i++)
			cpu_seconds(sb, &s->cores[i]);
	}
	if (s->has_memory) {
		gauge(sb, "node_memory_MemTotal_bytes", "Memory information field MemTotal_bytes.",
		    (double)s->mem_total_bytes);
		gauge(sb, "node_memory_MemFree_bytes", "Memory information field MemFree_bytes.",
		    (double)s->mem_free_bytes);
		gauge(sb, "node_memory_MemAvailable_bytes",
		    "Memory information field MemAvailable_bytes.", (double)s->mem_available_bytes);
		gauge(sb, "node_memory_Buffers_bytes", "Memory information field Buffers_bytes.",
		    (double)s->mem_buffers_bytes);
		gauge(sb, "node_memory_SwapTotal_bytes", "Memory information field SwapTotal_bytes.",
		    (double)s->swap_total_bytes);
		gauge(sb, "node_memory_SwapFree_bytes", "Memory information field SwapFree_bytes.",
		    (double)s->swap_free_bytes);
	}
	if (s->has_load) {
		gauge(sb, "node_load1", "1m load average.", s->load1);
		gauge(sb, "node_load5", "5m load average.", s->load5);
		gauge(sb, "node_load15", "15m load average.", s->load15);
		gauge(sb, "node_procs_running", "Number of processes in runnable state.",
		    (double)s->tasks_running);
	}
	if (s->boot_time_seconds)
		gauge(sb, "node_boot_time_seconds", "Node boot time, in unixtime.",
		    (double)s->boot_time_seconds);

	family(sb, "node_uname_info", "gauge", "Labeled system information as provided by the uname system call.");
	strbuf_puts(sb, "node_uname_info{nodename=\"");
	put_label(sb, s->hostname);
	strbuf_puts(sb, "\",release=\"");
	put_label(sb, s->kernel_release);
	strbuf_puts(sb, "\"} 1\n");

	gauge(sb, "sse_metricsd_snapshot_seq",
	    "Sequence number of the snapshot served; the id of its stream events.", (double)s->seq);
	gauge(sb, "sse_metricsd_snapshot_timestamp_seconds",
	    "Unix time at which the snapshot was collected.", (double)s->timestamp_ns / 1e9);
	gauge(sb, "sse_metricsd_streams_open", "Event streams open now.", (double)s->daemon.streams_open);
	counter(sb, "sse_metricsd_streams_total", "Event streams opened since start.",
	    s->daemon.streams_total);
	counter(sb, "sse_metricsd_streams_rejected_total",
	    "Event streams refused because max_clients were open.", s->daemon.streams_rejected_total);
	counter(sb, "sse_metricsd_requests_total",
	    "Requests completed since start, event streams excluded.", s->daemon.requests_total);
	counter(sb, "sse_metricsd_events_dropped_total",
	    "Ticks dropped from the queues of streams that read too slowly.",
	    s->daemon.events_dropped_total);
}
