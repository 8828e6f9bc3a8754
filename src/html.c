#include "html.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "xmem.h"

static const char *const card_names[HTML_CARDS] = {
	[HTML_HOST] = "host", [HTML_CPU] = "cpu", [HTML_MEMORY] = "memory",
	[HTML_SWAP] = "swap", [HTML_LOAD] = "load", [HTML_SYSTEM] = "system",
	[HTML_NETWORK] = "network", [HTML_DISKS] = "disks",
	[HTML_FILESYSTEMS] = "filesystems", [HTML_PRESSURE] = "pressure",
	[HTML_TEMPERATURES] = "temperatures", [HTML_DAEMON] = "daemon",
};

static const char *const chart_names[HTML_CHARTS] = {
	[HTML_CHART_CPU] = "chart-cpu", [HTML_CHART_MEMORY] = "chart-memory",
	[HTML_CHART_NETWORK] = "chart-network", [HTML_CHART_DISK] = "chart-disk",
};

const char *
html_card_name(enum html_card c)
{
	return card_names[c];
}

const char *
html_chart_name(enum html_chart c)
{
	return chart_names[c];
}

/* ---- the history the charts draw ----------------------------------------- */

/* The numbers of one tick that some chart draws; NAN where a group was absent. */
struct point {
	double elapsed;		/* seconds since the tick before (monotonic); <= 0: none */
	double cpu[4];		/* user+nice, system+irq+softirq, iowait, steal: percent */
	double mem_used, mem_cache, mem_total;	/* bytes */
	double net_rx, net_tx;	/* bytes per second, every interface but lo */
	double disk_read, disk_write;	/* bytes per second, every disk */
};

struct html_history {
	unsigned window;
	struct point *ring;	/* window entries */
	unsigned head;		/* next slot to write */
	unsigned count;		/* valid entries, <= window */
};

html_history_t *
html_history_new(unsigned window)
{
	html_history_t *h = xcalloc(1, sizeof(*h));

	h->window = window < 2 ? 2 : window;
	h->ring = xcalloc(h->window, sizeof(*h->ring));
	return h;
}

void
html_history_free(html_history_t *h)
{
	if (h == NULL)
		return;
	free(h->ring);
	free(h);
}

/*
 * The host's disk traffic: the sum over its disks, but not over those built
 * on others (dm, md), whose I/O their disks count again. NAN if none has a
 * rate.
 */
static void
sum_disks(const struct snapshot *s, double *rd, double *wr)
{
	int any = 0;

	*rd = *wr = 0;
	for (size_t i = 0; i < s->ndisks; i++) {
		const struct snapshot_disk *d = &s->disks[i];

		if (d->stacked || d->c[DISK_READ_BYTES].per_second < 0 ||
		    d->c[DISK_WRITTEN_BYTES].per_second < 0)
			continue;
		*rd += d->c[DISK_READ_BYTES].per_second;
		*wr += d->c[DISK_WRITTEN_BYTES].per_second;
		any = 1;
	}
	if (!any)
		*rd = *wr = NAN;
}

/*
 * The host's network traffic: the sum over its NICs, not over virtual
 * interfaces (a bridge, a veth, a VPN), whose packets a NIC carries too;
 * over every interface but lo where there is no NIC (a container). Which of
 * the two is decided by whether a NIC exists, not by whether one has a rate:
 * a NIC without one yet (just plugged, its counters reset) must not make the
 * chart jump to the virtual interfaces' sum. NAN if none summed has a rate.
 */
static void
sum_nets(const struct snapshot *s, double *rx, double *tx)
{
	int nics = 0, any = 0;

	for (size_t i = 0; i < s->nnets && !nics; i++)
		nics = !s->nets[i].is_virtual && strcmp(s->nets[i].name, "lo") != 0;
	*rx = *tx = 0;
	for (size_t i = 0; i < s->nnets; i++) {
		const struct snapshot_net *n = &s->nets[i];

		if ((nics && n->is_virtual) || strcmp(n->name, "lo") == 0 ||
		    n->c[NET_RX_BYTES].per_second < 0 || n->c[NET_TX_BYTES].per_second < 0)
			continue;
		*rx += n->c[NET_RX_BYTES].per_second;
		*tx += n->c[NET_TX_BYTES].per_second;
		any = 1;
	}
	if (!any)
		*rx = *tx = NAN;
}

void
html_history_push(html_history_t *h, const struct snapshot *s)
{
	struct point *p = &h->ring[h->head];
	const double *pc = s->cpu_total.percent;

	p->elapsed = s->elapsed_seconds;
	if (s->has_cpu) {
		p->cpu[0] = pc[CPU_USER] + pc[CPU_NICE];
		p->cpu[1] = pc[CPU_SYSTEM] + pc[CPU_IRQ] + pc[CPU_SOFTIRQ];
		p->cpu[2] = pc[CPU_IOWAIT];
		p->cpu[3] = pc[CPU_STEAL];
	} else {
		p->cpu[0] = p->cpu[1] = p->cpu[2] = p->cpu[3] = NAN;
	}
	if (s->has_memory) {
		p->mem_used = (double)s->mem_used_bytes;
		p->mem_cache = (double)(s->mem_buffers_bytes + s->mem_cached_bytes);
		/* used + cache can pass total when MemAvailable undercounts; cap the stack. */
		if (p->mem_used + p->mem_cache > (double)s->mem_total_bytes)
			p->mem_cache = fmax(0, (double)s->mem_total_bytes - p->mem_used);
		p->mem_total = (double)s->mem_total_bytes;
	} else {
		p->mem_used = p->mem_cache = p->mem_total = NAN;
	}
	p->net_rx = p->net_tx = NAN;
	if (s->has_net) {
		sum_nets(s, &p->net_rx, &p->net_tx);
		if (s->nnets == 0)
			p->net_rx = p->net_tx = 0;
	}
	p->disk_read = p->disk_write = NAN;
	if (s->has_disks && s->ndisks > 0)
		sum_disks(s, &p->disk_read, &p->disk_write);
	else if (s->has_disks)
		p->disk_read = p->disk_write = 0;
	h->head = (h->head + 1) % h->window;
	if (h->count < h->window)
		h->count++;
}

/* The i-th oldest point, 0 <= i < count. */
static const struct point *
point_at(const html_history_t *h, unsigned i)
{
	return &h->ring[(h->head + h->window - h->count + i) % h->window];
}

/*
 * The measured time between two ticks, for the time axis: the mean of the
 * ticks' monotonic elapsed times, so that a step of the wall clock (NTP, a
 * VM resumed) does not relabel the charts; 1 s before any tick has one.
 */
static double
seconds_per_tick(const html_history_t *h)
{
	double sum = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < h->count; i++)
		if (point_at(h, i)->elapsed > 0) {
			sum += point_at(h, i)->elapsed;
			n++;
		}
	return n > 0 ? sum / n : 1;
}

/*
 * Average v's n values in buckets of bucket (the oldest bucket may be short),
 * in place; NAN where a bucket has no sample. Returns the number of buckets.
 */
static size_t
downsample(double *v, size_t n, size_t bucket)
{
	size_t nb = (n + bucket - 1) / bucket;

	for (size_t j = 0; j < nb; j++) {
		size_t start = j == 0 ? 0 : n - (nb - j) * bucket, end = n - (nb - 1 - j) * bucket;
		double sum = 0;
		size_t got = 0;

		for (size_t i = start; i < end; i++)
			if (!isnan(v[i])) {
				sum += v[i];
				got++;
			}
		v[j] = got > 0 ? sum / (double)got : NAN;
	}
	return nb;
}

void
html_chart(struct strbuf *sb, enum html_chart which, const html_history_t *h)
{
	/* A long window is drawn as at most HTML_CHART_MAX_POINTS averages. */
	size_t bucket = (h->window + HTML_CHART_MAX_POINTS - 1) / HTML_CHART_MAX_POINTS;
	static const char *const cpu_names[] = { "user", "system", "iowait", "steal" };
	double *values = xcalloc((size_t)h->count * CHART_MAX_SERIES + 1, sizeof(double));
	struct chart_series series[CHART_MAX_SERIES] = { { 0 } };
	struct chart c = {
		.window = h->window, .n = h->count, .seconds_per_slot = seconds_per_tick(h),
		.series = series,
	};

	for (size_t k = 0; k < CHART_MAX_SERIES; k++)
		series[k].values = values + k * h->count;
	for (unsigned i = 0; i < h->count; i++) {
		const struct point *p = point_at(h, i);

		switch (which) {
		case HTML_CHART_CPU:
			for (size_t k = 0; k < 4; k++)
				values[k * h->count + i] = p->cpu[k];
			break;
		case HTML_CHART_MEMORY:
			values[i] = p->mem_used;
			values[h->count + i] = p->mem_cache;
			break;
		case HTML_CHART_NETWORK:
			values[i] = p->net_rx;
			values[h->count + i] = p->net_tx;
			break;
		case HTML_CHART_DISK:
		default:
			values[i] = p->disk_read;
			values[h->count + i] = p->disk_write;
			break;
		}
	}
	switch (which) {
	case HTML_CHART_CPU:
		c.title = "CPU busy";
		c.unit = CHART_PERCENT;
		c.stacked = 1;
		c.ymax = 100;
		/* Steal only where there is some: on a VM's host, not on bare metal. */
		c.nseries = 3;
		for (unsigned i = 0; i < h->count; i++)
			if (point_at(h, i)->cpu[3] > 0)
				c.nseries = 4;
		for (size_t k = 0; k < 4; k++)
			series[k].name = cpu_names[k];
		break;
	case HTML_CHART_MEMORY:
		c.title = "Memory";
		c.unit = CHART_BYTES;
		c.stacked = 1;
		c.ymax = h->count > 0 && !isnan(point_at(h, h->count - 1)->mem_total) ?
		    point_at(h, h->count - 1)->mem_total : 0;
		c.nseries = 2;
		series[0].name = "used";
		series[1].name = "buff/cache";
		break;
	case HTML_CHART_NETWORK:
		c.title = "Network";
		c.unit = CHART_BYTES_PER_SECOND;
		c.nseries = 2;
		series[0].name = "receive";
		series[1].name = "transmit";
		break;
	case HTML_CHART_DISK:
	default:
		c.title = "Disk I/O";
		c.unit = CHART_BYTES_PER_SECOND;
		c.nseries = 2;
		series[0].name = "read";
		series[1].name = "write";
		break;
	}
	if (bucket > 1) {
		/* The legend and title keep the newest tick's values, and the window's span. */
		c.span_seconds = c.seconds_per_slot * (double)h->window;
		for (size_t k = 0; k < c.nseries; k++) {
			series[k].has_latest = 1;
			series[k].latest = h->count > 0 ? values[k * h->count + h->count - 1] : NAN;
			c.n = downsample(values + k * h->count, h->count, bucket);
		}
		c.window = (h->window + bucket - 1) / bucket;
		c.seconds_per_slot *= (double)bucket;
	}
	chart_svg(sb, &c);
	free(values);
}

/* ---- formatting ---------------------------------------------------------- */

/* "2.70&nbsp;GiB": a value and its unit never split across lines. */
static void
put_value(struct strbuf *sb, double v, enum chart_unit unit)
{
	char buf[32], *space;

	chart_format_value(buf, sizeof(buf), v, unit);
	space = strchr(buf, ' ');
	if (space == NULL) {
		strbuf_puts(sb, buf);
		return;
	}
	strbuf_append(sb, buf, (size_t)(space - buf));
	strbuf_puts(sb, "&nbsp;");
	strbuf_puts(sb, space + 1);
}

static void
put_bytes(struct strbuf *sb, uint64_t v)
{
	put_value(sb, (double)v, CHART_BYTES);
}

/* A rate in bytes per second; a dash when there is none yet (first tick, reset). */
static void
put_rate(struct strbuf *sb, double v)
{
	if (v < 0 || isnan(v)) {
		strbuf_puts(sb, "&ndash;");
		return;
	}
	put_value(sb, v, CHART_BYTES_PER_SECOND);
}

/* A count per second: "4321/s", "12.5/s", "1.2k/s"; a dash without a rate. */
static void
put_per_second(struct strbuf *sb, double v)
{
	if (v < 0 || isnan(v))
		strbuf_puts(sb, "&ndash;");
	else if (v >= 1e6)
		strbuf_printf(sb, "%.1fM/s", v / 1e6);
	else if (v >= 1e4)
		strbuf_printf(sb, "%.1fk/s", v / 1e3);
	else if (v >= 100)
		strbuf_printf(sb, "%.0f/s", v);
	else
		strbuf_printf(sb, "%.1f/s", v);
}

static void
put_duration(struct strbuf *sb, double seconds)
{
	/* Past 2^64 s the conversion is undefined: /proc/uptime can say so. */
	uint64_t t = seconds < 18446744073709551616.0 ? (uint64_t)seconds : UINT64_MAX;
	uint64_t d = t / 86400, h = t / 3600 % 24, m = t / 60 % 60;

	if (d > 0)
		strbuf_printf(sb, "%llud %lluh %llum", (unsigned long long)d,
		    (unsigned long long)h, (unsigned long long)m);
	else
		strbuf_printf(sb, "%lluh %llum %llus", (unsigned long long)h,
		    (unsigned long long)m, (unsigned long long)(t % 60));
}

static double
clamp_percent(double v)
{
	return v < 0 ? 0 : v > 100 ? 100 : v;
}

static double
busy_percent(const struct snapshot_cpu *c)
{
	return clamp_percent(100.0 - c->percent[CPU_IDLE] - c->percent[CPU_IOWAIT]);
}

/* A meter: <div class="bar"><span style="width:P%"></span></div>, level-coloured. */
static void
put_bar(struct strbuf *sb, double percent)
{
	double p = clamp_percent(percent);

	strbuf_printf(sb, "<div class=\"bar%s\"><span style=\"width:%.1f%%\"></span></div>",
	    p >= 90 ? " crit" : p >= 75 ? " warn" : "", p);
}

static void
put_unavailable(struct strbuf *sb, const char *what)
{
	strbuf_printf(sb, "<p class=\"none\">%s</p>\n", what);
}

/* ---- the cards ----------------------------------------------------------- */

static void
card_host(struct strbuf *sb, const struct snapshot *s)
{
	strbuf_puts(sb, "<h2>Host</h2>\n<p class=\"value hostname\">");
	strbuf_put_html(sb, s->hostname);
	strbuf_puts(sb, "</p>\n<p class=\"sub\">Linux ");
	strbuf_put_html(sb, s->kernel_release);
	if (s->has_uptime) {
		strbuf_puts(sb, " &middot; up <span class=\"uptime\">");
		put_duration(sb, s->uptime_seconds);
		strbuf_puts(sb, "</span>");
	}
	strbuf_puts(sb, "</p>\n");
}

static void
card_cpu(struct strbuf *sb, const struct snapshot *s)
{
	const double *p = s->cpu_total.percent;
	double mhz = 0;
	size_t nfreq = 0;

	strbuf_puts(sb, "<h2>CPU</h2>\n");
	if (!s->has_cpu) {
		put_unavailable(sb, "unavailable");
		return;
	}
	strbuf_printf(sb, "<p class=\"value\">%.1f<small> %%</small></p>\n",
	    busy_percent(&s->cpu_total));
	put_bar(sb, busy_percent(&s->cpu_total));
	strbuf_printf(sb, "<p class=\"sub\">user %.1f&nbsp;%% &middot; system %.1f&nbsp;%% &middot; "
	    "iowait %.1f&nbsp;%%", p[CPU_USER] + p[CPU_NICE], p[CPU_SYSTEM] + p[CPU_IRQ] +
	    p[CPU_SOFTIRQ], p[CPU_IOWAIT]);
	if (p[CPU_STEAL] > 0)
		strbuf_printf(sb, " &middot; steal %.1f&nbsp;%%", p[CPU_STEAL]);
	for (size_t i = 0; i < s->ncores; i++)
		if (s->cores[i].frequency_hertz > 0) {
			mhz += s->cores[i].frequency_hertz / 1e6;
			nfreq++;
		}
	if (nfreq > 0)
		strbuf_printf(sb, " &middot; %.2f&nbsp;GHz", mhz / (double)nfreq / 1e3);
	strbuf_printf(sb, "</p>\n<div class=\"cores\" aria-label=\"%zu cores\">", s->ncores);
	for (size_t i = 0; i < s->ncores; i++) {
		double b = busy_percent(&s->cores[i]);

		strbuf_printf(sb, "<div class=\"core\" title=\"cpu%u %.1f %%\"><span>%u</span>", s->cores[i].id,
		    b, s->cores[i].id);
		put_bar(sb, b);
		strbuf_printf(sb, "<span>%.0f%%</span></div>", b);
	}
	strbuf_puts(sb, "</div>\n");
}

static void
card_memory(struct strbuf *sb, const struct snapshot *s)
{
	double total = (double)s->mem_total_bytes;
	uint64_t cache = s->mem_buffers_bytes + s->mem_cached_bytes;

	strbuf_puts(sb, "<h2>Memory</h2>\n");
	if (!s->has_memory) {
		put_unavailable(sb, "unavailable");
		return;
	}
	strbuf_puts(sb, "<p class=\"value\">");
	put_bytes(sb, s->mem_used_bytes);
	strbuf_puts(sb, "<small> of ");
	put_bytes(sb, s->mem_total_bytes);
	strbuf_puts(sb, "</small></p>\n");
	put_bar(sb, total > 0 ? 100.0 * (double)s->mem_used_bytes / total : 0);
	strbuf_puts(sb, "<dl>\n<dt>available</dt><dd>");
	put_bytes(sb, s->mem_available_bytes);
	strbuf_puts(sb, "</dd>\n<dt>buff/cache</dt><dd>");
	put_bytes(sb, cache);
	strbuf_puts(sb, "</dd>\n<dt>free</dt><dd>");
	put_bytes(sb, s->mem_free_bytes);
	strbuf_puts(sb, "</dd>\n<dt>shared</dt><dd>");
	put_bytes(sb, s->mem_shared_bytes);
	strbuf_puts(sb, "</dd>\n<dt>slab</dt><dd>");
	put_bytes(sb, s->mem_slab_bytes);
	strbuf_puts(sb, "</dd>\n<dt>dirty</dt><dd>");
	put_bytes(sb, s->mem_dirty_bytes);
	strbuf_puts(sb, "</dd>\n</dl>\n");
}

static void
card_swap(struct strbuf *sb, const struct snapshot *s)
{
	strbuf_puts(sb, "<h2>Swap</h2>\n");
	if (!s->has_memory) {
		put_unavailable(sb, "unavailable");
		return;
	}
	if (s->swap_total_bytes == 0) {
		strbuf_puts(sb, "<p class=\"value\">none</p>\n");
	} else {
		strbuf_puts(sb, "<p class=\"value\">");
		put_bytes(sb, s->swap_used_bytes);
		strbuf_puts(sb, "<small> of ");
		put_bytes(sb, s->swap_total_bytes);
		strbuf_puts(sb, "</small></p>\n");
		put_bar(sb, 100.0 * (double)s->swap_used_bytes / (double)s->swap_total_bytes);
	}
	if (s->has_vmstat) {
		strbuf_puts(sb, "<dl>\n<dt>in</dt><dd>");
		put_rate(sb, s->swap_in_bytes.per_second);
		strbuf_puts(sb, "</dd>\n<dt>out</dt><dd>");
		put_rate(sb, s->swap_out_bytes.per_second);
		strbuf_puts(sb, "</dd>\n</dl>\n");
	}
}

static void
card_load(struct strbuf *sb, const struct snapshot *s)
{
	strbuf_puts(sb, "<h2>Load</h2>\n");
	if (!s->has_load) {
		put_unavailable(sb, "unavailable");
		return;
	}
	strbuf_printf(sb, "<p class=\"value\">%.2f <small>%.2f %.2f</small></p>\n"
	    "<p class=\"sub\">1, 5 and 15 minutes", s->load1, s->load5, s->load15);
	if (s->ncores > 0)
		strbuf_printf(sb, " &middot; %zu CPUs", s->ncores);
	strbuf_printf(sb, "</p>\n<dl>\n<dt>threads</dt><dd>%llu running of %llu</dd>\n</dl>\n",
	    (unsigned long long)s->tasks_running, (unsigned long long)s->tasks_total);
}

static void
card_system(struct strbuf *sb, const struct snapshot *s)
{
	strbuf_puts(sb, "<h2>System</h2>\n<dl>\n");
	if (s->has_cpu) {
		strbuf_printf(sb, "<dt>processes running</dt><dd>%llu</dd>\n"
		    "<dt>processes blocked</dt><dd>%llu</dd>\n",
		    (unsigned long long)s->procs_running, (unsigned long long)s->procs_blocked);
		strbuf_puts(sb, "<dt>forks</dt><dd>");
		put_per_second(sb, s->forks.per_second);
		strbuf_puts(sb, "</dd>\n<dt>context switches</dt><dd>");
		put_per_second(sb, s->context_switches.per_second);
		strbuf_puts(sb, "</dd>\n<dt>interrupts</dt><dd>");
		put_per_second(sb, s->interrupts.per_second);
		strbuf_puts(sb, "</dd>\n");
	}
	if (s->has_file_nr)
		strbuf_printf(sb, "<dt>open files</dt><dd>%llu</dd>\n",
		    (unsigned long long)s->files_allocated);
	if (s->has_sockstat)
		strbuf_printf(sb, "<dt>sockets</dt><dd>%llu</dd>\n"
		    "<dt>TCP in use</dt><dd>%llu</dd>\n"
		    "<dt>TCP time-wait</dt><dd>%llu</dd>\n"
		    "<dt>UDP in use</dt><dd>%llu</dd>\n",
		    (unsigned long long)s->sockets_used, (unsigned long long)(s->tcp_inuse + s->tcp6_inuse),
		    (unsigned long long)s->tcp_timewait, (unsigned long long)(s->udp_inuse + s->udp6_inuse));
	strbuf_puts(sb, "</dl>\n");
	if (!s->has_cpu && !s->has_file_nr && !s->has_sockstat)
		put_unavailable(sb, "unavailable");
}

static void
card_network(struct strbuf *sb, const struct snapshot *s)
{
	strbuf_puts(sb, "<h2>Network</h2>\n");
	if (!s->has_net) {
		put_unavailable(sb, "unavailable");
		return;
	}
	if (s->nnets == 0) {
		put_unavailable(sb, "no interfaces");
		return;
	}
	strbuf_puts(sb, "<table>\n<thead><tr><th>interface</th><th>receive</th><th>transmit</th>"
	    "<th class=\"wide\">errors</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < s->nnets; i++) {
		const struct snapshot_net *n = &s->nets[i];
		uint64_t errors = n->c[NET_RX_ERRORS].total + n->c[NET_TX_ERRORS].total;
		uint64_t drops = n->c[NET_RX_DROPPED].total + n->c[NET_TX_DROPPED].total;

		strbuf_puts(sb, "<tr><th scope=\"row\">");
		strbuf_put_html(sb, n->name);
		strbuf_puts(sb, "</th><td>");
		put_rate(sb, n->c[NET_RX_BYTES].per_second);
		strbuf_puts(sb, "</td><td>");
		put_rate(sb, n->c[NET_TX_BYTES].per_second);
		strbuf_printf(sb, "</td><td class=\"wide%s\">%llu / %llu</td></tr>\n",
		    errors + drops > 0 ? " warn" : "", (unsigned long long)errors,
		    (unsigned long long)drops);
	}
	strbuf_puts(sb, "</tbody>\n</table>\n");
}

static void
card_disks(struct strbuf *sb, const struct snapshot *s)
{
	strbuf_puts(sb, "<h2>Disks</h2>\n");
	if (!s->has_disks) {
		put_unavailable(sb, "unavailable");
		return;
	}
	if (s->ndisks == 0) {
		put_unavailable(sb, "no disks");
		return;
	}
	strbuf_puts(sb, "<table>\n<thead><tr><th>device</th><th>read</th><th>write</th>"
	    "<th class=\"wide\">IOPS</th><th>busy</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < s->ndisks; i++) {
		const struct snapshot_disk *d = &s->disks[i];
		double r = d->c[DISK_READS].per_second, w = d->c[DISK_WRITES].per_second;

		strbuf_puts(sb, "<tr><th scope=\"row\">");
		strbuf_put_html(sb, d->name);
		strbuf_puts(sb, "</th><td>");
		put_rate(sb, d->c[DISK_READ_BYTES].per_second);
		strbuf_puts(sb, "</td><td>");
		put_rate(sb, d->c[DISK_WRITTEN_BYTES].per_second);
		strbuf_puts(sb, "</td><td class=\"wide\">");
		if (r >= 0 && w >= 0)
			strbuf_printf(sb, "%.0f", r + w);
		else
			strbuf_puts(sb, "&ndash;");
		strbuf_puts(sb, "</td><td>");
		if (d->busy_percent >= 0)
			strbuf_printf(sb, "%.0f&nbsp;%%", d->busy_percent);
		else
			strbuf_puts(sb, "&ndash;");
		strbuf_puts(sb, "</td></tr>\n");
	}
	strbuf_puts(sb, "</tbody>\n</table>\n");
}

static void
card_filesystems(struct strbuf *sb, const struct snapshot *s)
{
	strbuf_puts(sb, "<h2>Filesystems</h2>\n");
	if (!s->has_filesystems) {
		put_unavailable(sb, "unavailable");
		return;
	}
	if (s->nfilesystems == 0) {
		put_unavailable(sb, "none mounted");
		return;
	}
	strbuf_puts(sb, "<ul class=\"fs\">\n");
	for (size_t i = 0; i < s->nfilesystems; i++) {
		const struct snapshot_fs *f = &s->filesystems[i];
		/*
		 * As df: used / (used + available), the share an unprivileged
		 * user sees, rounded up (4 KiB used of 1000 KiB is 1 %, not 0).
		 */
		uint64_t used = f->used_bytes, whole = used + f->available_bytes;
		double pct = whole > 0 ? 100.0 * (double)used / (double)whole : 0;
		unsigned shown = 0;

		if (whole < used)	/* the sum wrapped: no such filesystem */
			whole = UINT64_MAX;
		if (whole > 0 && used <= UINT64_MAX / 100)
			shown = (unsigned)(used * 100 / whole + (used * 100 % whole != 0));
		else if (whole > 0)
			shown = (unsigned)ceil(pct);

		strbuf_puts(sb, "<li><div class=\"fs-head\"><span class=\"mount\" title=\"");
		strbuf_put_html(sb, f->device);
		strbuf_puts(sb, " (");
		strbuf_put_html(sb, f->fstype);
		strbuf_puts(sb, ")\">");
		strbuf_put_html(sb, f->mountpoint);
		strbuf_puts(sb, "</span>");
		if (f->readonly)
			strbuf_puts(sb, " <span class=\"badge\">ro</span>");
		strbuf_puts(sb, "<span class=\"num\">");
		put_bytes(sb, f->used_bytes);
		strbuf_puts(sb, " of ");
		put_bytes(sb, f->size_bytes);
		strbuf_printf(sb, " &middot; %u&nbsp;%%</span></div>", shown);
		put_bar(sb, pct);
		strbuf_puts(sb, "</li>\n");
	}
	strbuf_puts(sb, "</ul>\n");
}

static void
put_psi_cell(struct strbuf *sb, const struct snapshot_psi_line *l)
{
	if (l->present)
		strbuf_printf(sb, "<td>%.2f</td><td class=\"wide\">%.2f</td><td class=\"wide\">%.2f</td>",
		    l->avg10, l->avg60, l->avg300);
	else
		strbuf_puts(sb, "<td>&ndash;</td><td class=\"wide\">&ndash;</td>"
		    "<td class=\"wide\">&ndash;</td>");
}

static void
card_pressure(struct strbuf *sb, const struct snapshot *s)
{
	int any = 0;

	strbuf_puts(sb, "<h2>Pressure</h2>\n");
	for (int r = 0; r < PSI_RESOURCES; r++)
		any |= s->psi[r].present;
	if (!any) {
		put_unavailable(sb, "no PSI on this kernel");
		return;
	}
	strbuf_puts(sb, "<table>\n<thead><tr><th>% stalled</th><th>some 10s</th>"
	    "<th class=\"wide\">60s</th><th class=\"wide\">300s</th><th>full 10s</th>"
	    "<th class=\"wide\">60s</th><th class=\"wide\">300s</th></tr></thead>\n<tbody>\n");
	for (int r = 0; r < PSI_RESOURCES; r++) {
		if (!s->psi[r].present)
			continue;
		strbuf_printf(sb, "<tr><th scope=\"row\">%s</th>", snapshot_psi_names[r]);
		put_psi_cell(sb, &s->psi[r].some);
		put_psi_cell(sb, &s->psi[r].full);
		strbuf_puts(sb, "</tr>\n");
	}
	strbuf_puts(sb, "</tbody>\n</table>\n");
}

static void
card_temperatures(struct strbuf *sb, const struct snapshot *s)
{
	strbuf_puts(sb, "<h2>Temperatures</h2>\n");
	if (s->ntemps == 0) {
		put_unavailable(sb, "no sensors");
		return;
	}
	strbuf_puts(sb, "<dl>\n");
	for (size_t i = 0; i < s->ntemps; i++) {
		const struct snapshot_temp *t = &s->temps[i];

		strbuf_puts(sb, "<dt>");
		strbuf_put_html(sb, t->chip);
		strbuf_puts(sb, " ");
		strbuf_put_html(sb, t->label != NULL ? t->label : t->sensor);
		/*
		 * Rounded as the JSON's (half away from zero) before %.1f, whose
		 * ties go to even: 45.25 is 45.3 in both, not 45.2 here.
		 */
		strbuf_printf(sb, "</dt><dd class=\"%s\">%.1f&nbsp;&deg;C</dd>\n",
		    t->celsius >= 85 ? "crit" : t->celsius >= 70 ? "warn" : "",
		    round(t->celsius * 10) / 10);
	}
	strbuf_puts(sb, "</dl>\n");
}

static void
card_daemon(struct strbuf *sb, const struct snapshot *s)
{
	const struct snapshot_daemon *d = &s->daemon;

	strbuf_printf(sb, "<h2>sse-metricsd</h2>\n"
	    "<p class=\"value\"><span class=\"viewers\">%llu</span><small> %s</small></p>\n<dl>\n"
	    "<dt>requests</dt><dd>",
	    (unsigned long long)d->streams_open, d->streams_open == 1 ? "viewer" : "viewers");
	put_per_second(sb, d->requests_per_second);
	strbuf_printf(sb, "</dd>\n"
	    "<dt>events dropped</dt><dd class=\"%s\">%llu</dd>\n"
	    "<dt>streams refused</dt><dd>%llu</dd>\n"
	    "<dt>timed out</dt><dd>%llu streams, %llu requests</dd>\n"
	    "<dt>sent</dt><dd>",
	    d->events_dropped_total > 0 ? "warn" : "",
	    (unsigned long long)d->events_dropped_total,
	    (unsigned long long)d->streams_rejected_total,
	    (unsigned long long)d->streams_timed_out_total,
	    (unsigned long long)d->requests_timed_out_total);
	put_bytes(sb, d->bytes_sent_total);
	strbuf_printf(sb, "</dd>\n<dt>events sent</dt><dd>%llu</dd>\n"
	    "<dt>collect, render</dt><dd>%.0f + %.0f&nbsp;&micro;s</dd>\n"
	    "<dt>resident memory</dt><dd>",
	    (unsigned long long)d->events_sent_total, d->collect_seconds * 1e6, d->render_seconds * 1e6);
	put_bytes(sb, d->rss_bytes);
	strbuf_printf(sb, "</dd>\n<dt>threads</dt><dd>%llu</dd>\n"
	    "<dt>tick</dt><dd class=\"seq\">%llu</dd>\n</dl>\n",
	    (unsigned long long)d->threads, (unsigned long long)s->seq);
}

void
html_card(struct strbuf *sb, enum html_card c, const struct snapshot *s)
{
	static void (*const cards[HTML_CARDS])(struct strbuf *, const struct snapshot *) = {
		[HTML_HOST] = card_host, [HTML_CPU] = card_cpu, [HTML_MEMORY] = card_memory,
		[HTML_SWAP] = card_swap, [HTML_LOAD] = card_load, [HTML_SYSTEM] = card_system,
		[HTML_NETWORK] = card_network, [HTML_DISKS] = card_disks,
		[HTML_FILESYSTEMS] = card_filesystems, [HTML_PRESSURE] = card_pressure,
		[HTML_TEMPERATURES] = card_temperatures, [HTML_DAEMON] = card_daemon,
	};

	cards[c](sb, s);
}

/*
 * The "html" event: out-of-band fragments (hx-swap-oob) that replace the
 * page's cards and charts by id, whatever element the event is swapped into.
 */
void
html_render(struct strbuf *sb, const struct snapshot *s, const html_history_t *h,
    const struct strbuf *cards, const struct strbuf *charts)
{
	for (int c = 0; c < HTML_CARDS; c++) {
		strbuf_printf(sb, "<section id=\"%s\" class=\"card card-%s\" hx-swap-oob=\"true\">\n",
		    card_names[c], card_names[c]);
		if (cards != NULL)
			strbuf_append(sb, cards[c].data, cards[c].len);
		else
			html_card(sb, (enum html_card)c, s);
		strbuf_puts(sb, "</section>\n");
	}
	for (int c = 0; c < HTML_CHARTS; c++) {
		strbuf_printf(sb, "<div id=\"%s\" class=\"chart\" hx-swap-oob=\"true\">",
		    chart_names[c]);
		if (charts != NULL)
			strbuf_append(sb, charts[c].data, charts[c].len);
		else
			html_chart(sb, (enum html_chart)c, h);
		strbuf_puts(sb, "</div>\n");
	}
}
