#include "html.h"

#include <stdio.h>

/* Binary units, as free -h prints them: "3.8 GiB". */
static void
put_bytes(struct strbuf *sb, uint64_t v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double d = (double)v;
	size_t u = 0;

	while (d >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		strbuf_printf(sb, "%llu B", (unsigned long long)v);
	else
		strbuf_printf(sb, "%.1f %s", d, units[u]);
}

static void
put_duration(struct strbuf *sb, double seconds)
{
	uint64_t t = (uint64_t)seconds;
	uint64_t d = t / 86400, h = t / 3600 % 24, m = t / 60 % 60;

	if (d > 0)
		strbuf_printf(sb, "%llud %lluh %llum", (unsigned long long)d,
		    (unsigned long long)h, (unsigned long long)m);
	else
		strbuf_printf(sb, "%lluh %llum %llus", (unsigned long long)h,
		    (unsigned long long)m, (unsigned long long)(t % 60));
}

static double
busy_percent(const struct snapshot_cpu *c)
{
	double busy = 100.0 - c->percent[CPU_IDLE] - c->percent[CPU_IOWAIT];

	return busy < 0 ? 0 : busy > 100 ? 100 : busy;
}

/*
 * The HTML event: out-of-band fragments (hx-swap-oob) that replace the
 * page's cards by id. One element per line, so it travels as several
 * data: lines.
 */
void
html_render(struct strbuf *sb, const struct snapshot *s)
{
	strbuf_puts(sb, "<div id=\"host\" hx-swap-oob=\"true\"><h2>");
	strbuf_put_html(sb, s->hostname);
	strbuf_puts(sb, "</h2>\n<p>Linux ");
	strbuf_put_html(sb, s->kernel_release);
	if (s->has_uptime) {
		strbuf_puts(sb, " &middot; up ");
		put_duration(sb, s->uptime_seconds);
	}
	strbuf_puts(sb, "</p></div>\n");

	strbuf_puts(sb, "<div id=\"cpu\" hx-swap-oob=\"true\"><h2>CPU</h2>\n");
	if (s->has_cpu) {
		strbuf_printf(sb, "<p class=\"value\">%.1f %%</p>\n", busy_percent(&s->cpu_total));
		strbuf_printf(sb, "<p>user %.1f %% &middot; system %.1f %% &middot; iowait %.1f %%</p>\n",
		    s->cpu_total.percent[CPU_USER] + s->cpu_total.percent[CPU_NICE],
		    s->cpu_total.percent[CPU_SYSTEM], s->cpu_total.percent[CPU_IOWAIT]);
		for (size_t i = 0; i < s->ncores; i++) {
			double b = busy_percent(&s->cores[i]);

			strbuf_printf(sb, "<div class=\"bar\" title=\"cpu%u %.1f %%\">"
			    "<span style=\"width:%.1f%%\"></span></div>\n", s->cores[i].id, b, b);
		}
	} else {
		strbuf_puts(sb, "<p>unavailable</p>\n");
	}
	strbuf_puts(sb, "</div>\n");

	strbuf_puts(sb, "<div id=\"memory\" hx-swap-oob=\"true\"><h2>Memory</h2>\n");
	if (s->has_memory) {
		strbuf_puts(sb, "<p class=\"value\">");
		put_bytes(sb, s->mem_used_bytes);
		strbuf_puts(sb, " / ");
		put_bytes(sb, s->mem_total_bytes);
		strbuf_puts(sb, "</p>\n<p>available ");
		put_bytes(sb, s->mem_available_bytes);
		strbuf_puts(sb, " &middot; swap ");
		put_bytes(sb, s->swap_used_bytes);
		strbuf_puts(sb, " / ");
		put_bytes(sb, s->swap_total_bytes);
		strbuf_puts(sb, "</p>\n");
	} else {
		strbuf_puts(sb, "<p>unavailable</p>\n");
	}
	strbuf_puts(sb, "</div>\n");

	strbuf_puts(sb, "<div id=\"load\" hx-swap-oob=\"true\"><h2>Load</h2>\n");
	if (s->has_load)
		strbuf_printf(sb, "<p class=\"value\">%.2f %.2f %.2f</p>\n"
		    "<p>tasks %llu running / %llu total</p>\n", s->load1, s->load5, s->load15,
		    (unsigned long long)s->tasks_running, (unsigned long long)s->tasks_total);
	else
		strbuf_puts(sb, "<p>unavailable</p>\n");
	strbuf_puts(sb, "</div>\n");

	strbuf_printf(sb, "<div id=\"daemon\" hx-swap-oob=\"true\"><h2>sse-metricsd</h2>\n"
	    "<p class=\"value\">%llu %s</p>\n"
	    "<p>%.1f requests/s &middot; %llu events dropped &middot; tick %llu</p></div>",
	    (unsigned long long)s->daemon.streams_open, s->daemon.streams_open == 1 ? "viewer" : "viewers",
	    s->daemon.requests_per_second,
	    (unsigned long long)s->daemon.events_dropped_total, (unsigned long long)s->seq);
}

