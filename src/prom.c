#include "prom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

/*
 * Host metrics carry node_exporter's names, labels and HELP texts, so a
 * Grafana dashboard built for node_exporter reads this endpoint unchanged;
 * the daemon's own carry the sse_metricsd_ prefix. Values are printed with
 * %.15g (exact below 1e15) or as integers for counters of whole things.
 */

/*
 * A label value: backslash, double quote and newline escaped, and, as the
 * format is UTF-8 (Prometheus drops a scrape with an invalid label value),
 * a byte that starts no UTF-8 character as U+FFFD.
 */
static void
put_label(struct strbuf *sb, const char *v)
{
	size_t n;

	while (*v != '\0') {
		switch (*v) {
		case '\\': strbuf_puts(sb, "\\\\"); break;
		case '"': strbuf_puts(sb, "\\\""); break;
		case '\n': strbuf_puts(sb, "\\n"); break;
		default:
			if ((n = strbuf_utf8_char(v)) == 0) {
				strbuf_append(sb, "\xef\xbf\xbd", 3);
				v++;
			} else {
				strbuf_append(sb, v, n);
				v += n;
			}
			continue;
		}
		v++;
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
	strbuf_printf(sb, "%s %.15g\n", name, v);
}

static void
counter(struct strbuf *sb, const char *name, const char *help, uint64_t v)
{
	family(sb, name, "counter", help);
	strbuf_printf(sb, "%s %llu\n", name, (unsigned long long)v);
}

/* node_memory_FIELD_bytes, as node_exporter's meminfo collector. */
static void
meminfo(struct strbuf *sb, const char *field, uint64_t v)
{
	char name[96], help[128];

	snprintf(name, sizeof(name), "node_memory_%s_bytes", field);
	snprintf(help, sizeof(help), "Memory information field %s_bytes.", field);
	gauge(sb, name, help, (double)v);
}

static void
vmstat(struct strbuf *sb, const char *field, uint64_t v)
{
	char name[96], help[128];

	snprintf(name, sizeof(name), "node_vmstat_%s", field);
	snprintf(help, sizeof(help), "/proc/vmstat information field %s.", field);
	family(sb, name, "untyped", help);
	strbuf_printf(sb, "%s %llu\n", name, (unsigned long long)v);
}

static void
cpu_metrics(struct strbuf *sb, const struct snapshot *s)
{
	int any_freq = 0;

	family(sb, "node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.");
	for (size_t i = 0; i < s->ncores; i++) {
		for (int m = 0; m < CPU_MODES; m++)
			strbuf_printf(sb, "node_cpu_seconds_total{cpu=\"%u\",mode=\"%s\"} %.2f\n",
			    s->cores[i].id, snapshot_cpu_mode_names[m], s->cores[i].seconds[m]);
		any_freq |= s->cores[i].frequency_hertz >= 0;
	}
	if (any_freq) {
		family(sb, "node_cpu_scaling_frequency_hertz", "gauge",
		    "Current scaled CPU thread frequency in hertz.");
		for (size_t i = 0; i < s->ncores; i++)
			if (s->cores[i].frequency_hertz >= 0)
				strbuf_printf(sb, "node_cpu_scaling_frequency_hertz{cpu=\"%u\"} %.15g\n",
				    s->cores[i].id, s->cores[i].frequency_hertz);
	}
	counter(sb, "node_forks_total", "Total number of forks.", s->forks.total);
	counter(sb, "node_context_switches_total", "Total number of context switches.",
	    s->context_switches.total);
	counter(sb, "node_intr_total", "Total number of interrupts serviced.", s->interrupts.total);
	gauge(sb, "node_procs_running", "Number of processes in runnable state.",
	    (double)s->procs_running);
	gauge(sb, "node_procs_blocked", "Number of processes blocked waiting for I/O to complete.",
	    (double)s->procs_blocked);
}

static void
memory_metrics(struct strbuf *sb, const struct snapshot *s)
{
	meminfo(sb, "MemTotal", s->mem_total_bytes);
	meminfo(sb, "MemFree", s->mem_free_bytes);
	/* As node_exporter: the kernel's figure, when it has one (free(1)'s is the JSON's). */
	if (s->has_meminfo_available)
		meminfo(sb, "MemAvailable", s->meminfo_available_bytes);
	meminfo(sb, "Buffers", s->mem_buffers_bytes);
	meminfo(sb, "Cached", s->mem_page_cache_bytes);
	meminfo(sb, "SReclaimable", s->mem_sreclaimable_bytes);
	meminfo(sb, "Shmem", s->mem_shared_bytes);
	meminfo(sb, "Slab", s->mem_slab_bytes);
	meminfo(sb, "Dirty", s->mem_dirty_bytes);
	meminfo(sb, "SwapTotal", s->swap_total_bytes);
	meminfo(sb, "SwapFree", s->swap_free_bytes);
	meminfo(sb, "SwapCached", s->swap_cached_bytes);
}

/* One family with a {device="..."} sample per network interface. */
static void
net_family(struct strbuf *sb, const struct snapshot *s, enum snapshot_net_counter k)
{
	char name[96], help[128];

	snprintf(name, sizeof(name), "node_network_%s_total", snapshot_net_counter_names[k]);
	snprintf(help, sizeof(help), "Network device statistic %s.", snapshot_net_counter_names[k]);
	family(sb, name, "counter", help);
	for (size_t i = 0; i < s->nnets; i++) {
		strbuf_printf(sb, "%s{device=\"", name);
		put_label(sb, s->nets[i].name);
		strbuf_printf(sb, "\"} %llu\n", (unsigned long long)s->nets[i].c[k].total);
	}
}

static void
disk_family(struct strbuf *sb, const struct snapshot *s, enum snapshot_disk_counter k)
{
	static const struct { const char *name, *help; } f[DISK_COUNTERS] = {
		[DISK_READS] = { "node_disk_reads_completed_total",
		    "The total number of reads completed successfully." },
		[DISK_WRITES] = { "node_disk_writes_completed_total",
		    "The total number of writes completed successfully." },
		[DISK_READ_BYTES] = { "node_disk_read_bytes_total",
		    "The total number of bytes read successfully." },
		[DISK_WRITTEN_BYTES] = { "node_disk_written_bytes_total",
		    "The total number of bytes written successfully." },
		[DISK_IO_SECONDS] = { "node_disk_io_time_seconds_total",
		    "Total seconds spent doing I/Os." },
	};

	family(sb, f[k].name, "counter", f[k].help);
	for (size_t i = 0; i < s->ndisks; i++) {
		strbuf_printf(sb, "%s{device=\"", f[k].name);
		put_label(sb, s->disks[i].name);
		if (k == DISK_IO_SECONDS)
			strbuf_printf(sb, "\"} %.3f\n", (double)s->disks[i].c[k].total / 1000);
		else
			strbuf_printf(sb, "\"} %llu\n", (unsigned long long)s->disks[i].c[k].total);
	}
}

enum fs_field { FS_SIZE, FS_FREE, FS_AVAIL, FS_FILES, FS_FILES_FREE, FS_READONLY, FS_FIELDS };

static void
fs_family(struct strbuf *sb, const struct snapshot *s, enum fs_field k)
{
	static const struct { const char *name, *help; } f[FS_FIELDS] = {
		[FS_SIZE] = { "node_filesystem_size_bytes", "Filesystem size in bytes." },
		[FS_FREE] = { "node_filesystem_free_bytes", "Filesystem free space in bytes." },
		[FS_AVAIL] = { "node_filesystem_avail_bytes",
		    "Filesystem space available to non-root users in bytes." },
		[FS_FILES] = { "node_filesystem_files", "Filesystem total file nodes." },
		[FS_FILES_FREE] = { "node_filesystem_files_free", "Filesystem total free file nodes." },
		[FS_READONLY] = { "node_filesystem_readonly", "Filesystem read-only status." },
	};

	family(sb, f[k].name, "gauge", f[k].help);
	for (size_t i = 0; i < s->nfilesystems; i++) {
		const struct snapshot_fs *fs = &s->filesystems[i];
		const uint64_t v[FS_FIELDS] = {
			fs->size_bytes, fs->free_bytes, fs->available_bytes, fs->files,
			fs->files_free, (uint64_t)fs->readonly,
		};

		strbuf_printf(sb, "%s{device=\"", f[k].name);
		put_label(sb, fs->device);
		strbuf_puts(sb, "\",fstype=\"");
		put_label(sb, fs->fstype);
		strbuf_puts(sb, "\",mountpoint=\"");
		put_label(sb, fs->mountpoint);
		strbuf_printf(sb, "\"} %llu\n", (unsigned long long)v[k]);
	}
}

static void
pressure_metrics(struct strbuf *sb, const struct snapshot *s)
{
	char name[96], help[160];

	for (int r = 0; r < PSI_RESOURCES; r++) {
		if (!s->psi[r].present)
			continue;
		if (s->psi[r].some.present) {
			snprintf(name, sizeof(name), "node_pressure_%s_waiting_seconds_total",
			    snapshot_psi_names[r]);
			snprintf(help, sizeof(help), "Total time in seconds that processes have "
			    "waited for %s (some).", snapshot_psi_names[r]);
			family(sb, name, "counter", help);
			strbuf_printf(sb, "%s %.6f\n", name, s->psi[r].some.total_seconds);
		}
		if (s->psi[r].full.present) {
			snprintf(name, sizeof(name), "node_pressure_%s_stalled_seconds_total",
			    snapshot_psi_names[r]);
			snprintf(help, sizeof(help), "Total time in seconds no process could make "
			    "progress for lack of %s (full).", snapshot_psi_names[r]);
			family(sb, name, "counter", help);
			strbuf_printf(sb, "%s %.6f\n", name, s->psi[r].full.total_seconds);
		}
	}
}

static int
is_thermal_zone(const struct snapshot_temp *t)
{
	return strncmp(t->sensor, "thermal_zone", 12) == 0;
}

/* node_exporter's chip label of hwmon sensor t: from its device's path. */
static const char *
chip_id(const struct snapshot_temp *t)
{
	return t->chip_id != NULL ? t->chip_id : t->chip;
}

/*
 * The "_N" of hwmon sensor i's chip label: N earlier chips of the same
 * label have the same sensor (two chips without a device, both named
 * "nvme" with a "temp1"), so no two samples share their labels; 0, none.
 */
static unsigned
chip_suffix(const struct snapshot *s, size_t i)
{
	unsigned same = 0;

	for (size_t j = 0; j < i; j++)
		if (!is_thermal_zone(&s->temps[j]) &&
		    strcmp(chip_id(&s->temps[j]), chip_id(&s->temps[i])) == 0 &&
		    strcmp(s->temps[j].sensor, s->temps[i].sensor) == 0)
			same++;
	return same;
}

static void
put_chip_label(struct strbuf *sb, const struct snapshot *s, size_t i, unsigned suffix)
{
	put_label(sb, chip_id(&s->temps[i]));
	if (suffix > 0)
		strbuf_printf(sb, "_%u", suffix);
}

/* The chip label of hwmon sensor i. */
static void
put_chip(struct strbuf *sb, const struct snapshot *s, size_t i)
{
	put_chip_label(sb, s, i, chip_suffix(s, i));
}

/*
 * node_hwmon_chip_names: node_exporter's chip_name (the chip's "name" file,
 * cleaned as its labels are) for each chip label printed, "_N" ones too;
 * none for a chip without a "name".
 */
static void
chip_names(struct strbuf *sb, const struct snapshot *s)
{
	unsigned *suffix = xcalloc(s->ntemps ? s->ntemps : 1, sizeof(*suffix));
	int any = 0;

	for (size_t i = 0; i < s->ntemps; i++) {
		if (!is_thermal_zone(&s->temps[i]))
			suffix[i] = chip_suffix(s, i);
		any |= !is_thermal_zone(&s->temps[i]) && s->temps[i].chip_name != NULL;
	}
	if (any)
		family(sb, "node_hwmon_chip_names", "gauge",
		    "Annotation metric for human-readable chip names");
	for (size_t i = 0; i < s->ntemps; i++) {
		int seen = 0;

		if (is_thermal_zone(&s->temps[i]) || s->temps[i].chip_name == NULL)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !is_thermal_zone(&s->temps[j]) && suffix[j] == suffix[i] &&
			    strcmp(chip_id(&s->temps[j]), chip_id(&s->temps[i])) == 0;
		if (seen)
			continue;
		strbuf_puts(sb, "node_hwmon_chip_names{chip=\"");
		put_chip_label(sb, s, i, suffix[i]);
		strbuf_puts(sb, "\",chip_name=\"");
		put_label(sb, s->temps[i].chip_name);
		strbuf_puts(sb, "\"} 1\n");
	}
	free(suffix);
}

static void
temperature_metrics(struct strbuf *sb, const struct snapshot *s)
{
	int hwmon = 0, zones = 0, labels = 0;

	for (size_t i = 0; i < s->ntemps; i++) {
		zones |= is_thermal_zone(&s->temps[i]);
		hwmon |= !is_thermal_zone(&s->temps[i]);
		labels |= !is_thermal_zone(&s->temps[i]) && s->temps[i].label != NULL;
	}
	if (hwmon) {
		family(sb, "node_hwmon_temp_celsius", "gauge", "Hardware monitor for temperature (input).");
		for (size_t i = 0; i < s->ntemps; i++) {
			if (is_thermal_zone(&s->temps[i]))
				continue;
			strbuf_puts(sb, "node_hwmon_temp_celsius{chip=\"");
			put_chip(sb, s, i);
			strbuf_puts(sb, "\",sensor=\"");
			put_label(sb, s->temps[i].sensor);
			strbuf_printf(sb, "\"} %.15g\n", s->temps[i].celsius);
		}
	}
	chip_names(sb, s);
	if (labels) {
		family(sb, "node_hwmon_sensor_label", "gauge", "Label for given chip and sensor.");
		for (size_t i = 0; i < s->ntemps; i++) {
			if (is_thermal_zone(&s->temps[i]) || s->temps[i].label == NULL)
				continue;
			strbuf_puts(sb, "node_hwmon_sensor_label{chip=\"");
			put_chip(sb, s, i);
			strbuf_puts(sb, "\",label=\"");
			put_label(sb, s->temps[i].label);
			strbuf_puts(sb, "\",sensor=\"");
			put_label(sb, s->temps[i].sensor);
			strbuf_puts(sb, "\"} 1\n");
		}
	}
	if (zones) {
		family(sb, "node_thermal_zone_temp", "gauge", "Zone temperature in Celsius.");
		for (size_t i = 0; i < s->ntemps; i++) {
			if (!is_thermal_zone(&s->temps[i]))
				continue;
			strbuf_puts(sb, "node_thermal_zone_temp{type=\"");
			put_label(sb, s->temps[i].chip);
			strbuf_printf(sb, "\",zone=\"%s\"} %.15g\n", s->temps[i].sensor + 12,
			    s->temps[i].celsius);
		}
	}
}

static void
sockstat_metrics(struct strbuf *sb, const struct snapshot *s)
{
	gauge(sb, "node_sockstat_sockets_used", "Number of IPv4 sockets in use.",
	    (double)s->sockets_used);
	gauge(sb, "node_sockstat_TCP_inuse", "Number of TCP sockets in state inuse.",
	    (double)s->tcp_inuse);
	gauge(sb, "node_sockstat_TCP_orphan", "Number of TCP sockets in state orphan.",
	    (double)s->tcp_orphan);
	gauge(sb, "node_sockstat_TCP_tw", "Number of TCP sockets in state tw.",
	    (double)s->tcp_timewait);
	gauge(sb, "node_sockstat_TCP_alloc", "Number of TCP sockets in state alloc.",
	    (double)s->tcp_alloc);
	gauge(sb, "node_sockstat_UDP_inuse", "Number of UDP sockets in state inuse.",
	    (double)s->udp_inuse);
	if (!s->has_sockstat6)
		return;	/* no IPv6: as node_exporter, no TCP6/UDP6 series */
	gauge(sb, "node_sockstat_TCP6_inuse", "Number of TCP6 sockets in state inuse.",
	    (double)s->tcp6_inuse);
	gauge(sb, "node_sockstat_UDP6_inuse", "Number of UDP6 sockets in state inuse.",
	    (double)s->udp6_inuse);
}

static void
daemon_metrics(struct strbuf *sb, const struct snapshot *s)
{
	const struct snapshot_daemon *d = &s->daemon;

	gauge(sb, "sse_metricsd_snapshot_seq",
	    "Sequence number of the snapshot served; the id of its stream events.", (double)s->seq);
	gauge(sb, "sse_metricsd_snapshot_timestamp_seconds",
	    "Unix time at which the snapshot was collected.", (double)s->timestamp_ns / 1e9);
	gauge(sb, "sse_metricsd_streams_open", "Event streams open now.", (double)d->streams_open);
	counter(sb, "sse_metricsd_streams_total", "Event streams opened since start.",
	    d->streams_total);
	counter(sb, "sse_metricsd_streams_rejected_total",
	    "Event streams refused: max_clients open, or a connection limit.",
	    d->streams_rejected_total);

	family(sb, "sse_metricsd_http_requests_total", "counter",
	    "HTTP requests completed since start, by endpoint and status code; "
	    "a stream counts when it ends.");
	for (int e = 0; e < EP_COUNT; e++)
		for (int st = 0; st < ST_COUNT; st++)
			if (d->requests[e][st] != 0 || (e == EP_METRICS && st == ST_200)) {
				strbuf_printf(sb, "sse_metricsd_http_requests_total{code=\"");
				if (st == ST_OTHER)
					strbuf_puts(sb, "other");
				else
					strbuf_printf(sb, "%u", snapshot_status_codes[st]);
				strbuf_printf(sb, "\",endpoint=\"%s\"} %llu\n",
				    snapshot_endpoint_names[e], (unsigned long long)d->requests[e][st]);
			}

	family(sb, "sse_metricsd_http_request_duration_seconds", "histogram",
	    "Time from the request's headers to its completion, event streams excluded.");
	for (int b = 0; b < SNAPSHOT_DURATION_BUCKETS; b++)
		strbuf_printf(sb, "sse_metricsd_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
		    snapshot_duration_bounds[b], (unsigned long long)d->duration_bucket[b]);
	strbuf_printf(sb, "sse_metricsd_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "sse_metricsd_http_request_duration_seconds_sum %.9f\n"
	    "sse_metricsd_http_request_duration_seconds_count %llu\n",
	    (unsigned long long)d->duration_bucket[SNAPSHOT_DURATION_BUCKETS],
	    d->duration_sum_seconds,
	    (unsigned long long)d->duration_bucket[SNAPSHOT_DURATION_BUCKETS]);

	counter(sb, "sse_metricsd_events_sent_total", "Events written to streams since start.",
	    d->events_sent_total);
	counter(sb, "sse_metricsd_sent_bytes_total",
	    "Bytes written to streams since start, heartbeats included.", d->bytes_sent_total);
	counter(sb, "sse_metricsd_events_dropped_total",
	    "Ticks dropped from the queues of streams that read too slowly.",
	    d->events_dropped_total);
	counter(sb, "sse_metricsd_streams_timed_out_total",
	    "Streams closed because their viewer took nothing for timeout seconds.",
	    d->streams_timed_out_total);
	counter(sb, "sse_metricsd_requests_timed_out_total",
	    "Connections closed because they began a request and did not finish it within "
	    "request_timeout.", d->requests_timed_out_total);
	counter(sb, "sse_metricsd_connections_idle_closed_total",
	    "Connections closed because they sent not a byte within request_timeout "
	    "(a keep-alive left idle, a browser's preconnect).", d->connections_idle_closed_total);
	gauge(sb, "sse_metricsd_collect_seconds",
	    "CPU time the last collection took.", d->collect_seconds);
	gauge(sb, "sse_metricsd_render_seconds",
	    "CPU time the last rendering of the events took.", d->render_seconds);
	gauge(sb, "sse_metricsd_resident_memory_bytes", "Resident memory size in bytes.",
	    (double)d->rss_bytes);
	family(sb, "sse_metricsd_cpu_seconds_total", "counter",
	    "User and system CPU time spent in seconds.");
	strbuf_printf(sb, "sse_metricsd_cpu_seconds_total %.2f\n", d->cpu_seconds_total);
	gauge(sb, "sse_metricsd_threads", "Threads of the daemon.", (double)d->threads);
	gauge(sb, "sse_metricsd_start_time_seconds", "Start time of the daemon since unix epoch in seconds.",
	    (double)d->start_time_seconds);
}

void
prom_render(struct strbuf *sb, const struct snapshot *s)
{
	if (s->has_cpu)
		cpu_metrics(sb, s);
	if (s->boot_time_seconds)
		gauge(sb, "node_boot_time_seconds", "Node boot time, in unixtime.",
		    (double)s->boot_time_seconds);
	if (s->has_memory)
		memory_metrics(sb, s);
	if (s->has_vmstat) {
		vmstat(sb, "pswpin", s->vm_pswpin);
		vmstat(sb, "pswpout", s->vm_pswpout);
		vmstat(sb, "pgpgin", s->vm_pgpgin);
		vmstat(sb, "pgpgout", s->vm_pgpgout);
		vmstat(sb, "pgfault", s->vm_pgfault);
		vmstat(sb, "pgmajfault", s->vm_pgmajfault);
	}
	if (s->has_load) {
		gauge(sb, "node_load1", "1m load average.", s->load1);
		gauge(sb, "node_load5", "5m load average.", s->load5);
		gauge(sb, "node_load15", "15m load average.", s->load15);
	}
	if (s->has_file_nr) {
		gauge(sb, "node_filefd_allocated", "File descriptor statistics: allocated.",
		    (double)s->files_allocated);
		gauge(sb, "node_filefd_maximum", "File descriptor statistics: maximum.",
		    (double)s->files_max);
	}
	if (s->has_sockstat)
		sockstat_metrics(sb, s);
	if (s->has_net)
		for (int k = 0; k < NET_COUNTERS; k++)
			net_family(sb, s, (enum snapshot_net_counter)k);
	if (s->has_disks)
		for (int k = 0; k < DISK_COUNTERS; k++)
			disk_family(sb, s, (enum snapshot_disk_counter)k);
	if (s->has_filesystems)
		for (int k = 0; k < FS_FIELDS; k++)
			fs_family(sb, s, (enum fs_field)k);
	pressure_metrics(sb, s);
	temperature_metrics(sb, s);

	family(sb, "node_uname_info", "gauge",
	    "Labeled system information as provided by the uname system call.");
	strbuf_puts(sb, "node_uname_info{nodename=\"");
	put_label(sb, s->hostname);
	strbuf_puts(sb, "\",release=\"");
	put_label(sb, s->kernel_release);
	strbuf_puts(sb, "\"} 1\n");

	daemon_metrics(sb, s);
}
