/* html: every card on a full and on an empty snapshot, escaping of every
 * dynamic string, the html event's fragments, and the charts' history. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fullsnap.h"
#include "html.h"
#include "render.h"
#include "xmem.h"

static char *
card(enum html_card c, const struct snapshot *s)
{
	struct strbuf sb = STRBUF_INIT;

	html_card(&sb, c, s);
	return strbuf_detach(&sb, NULL);
}

/* What each card of fullsnap_new() must show. */
static const struct {
	enum html_card card;
	const char *want[5];
} full[] = {
	{ HTML_HOST, { "<h2>Host</h2>", ">web-1<", "Linux 6.1.0-13-amd64", "up <span class=\"uptime\">1h 0m 0s<" } },
	{ HTML_CPU, { "<h2>CPU</h2>", ">30.0<small> %", "2.40&nbsp;GHz", "title=\"cpu2 30.0 %\"" } },
	{ HTML_MEMORY, { ">2.00&nbsp;GiB<small> of 8.00&nbsp;GiB", "<dt>buff/cache</dt><dd>3.10&nbsp;GiB",
	    "<dt>dirty</dt><dd>4.00&nbsp;KiB", "width:25.0%" } },
	{ HTML_SWAP, { ">512&nbsp;MiB<small> of 1.00&nbsp;GiB", "<dt>in</dt><dd>8.00&nbsp;KiB/s", "<dt>out</dt><dd>0&nbsp;B/s",
	    "width:50.0%" } },
	{ HTML_LOAD, { ">0.52 <small>0.58 0.59<", "2 CPUs", "2 running of 345", NULL } },
	{ HTML_SYSTEM, { "<dt>forks</dt><dd>12.5/s", "<dt>context switches</dt><dd>4321/s",
	    "<dt>interrupts</dt><dd>&ndash;", "<dt>open files</dt><dd>1984" } },
	{ HTML_NETWORK, { "<th scope=\"row\">eth&quot;0\\\n</th><td>10&nbsp;B/s</td><td>50&nbsp;B/s</td>",
	    "<th scope=\"row\">wg0</th><td>&ndash;</td><td>&ndash;</td>", "10000 / 12000", NULL } },
	{ HTML_DISKS, { "<th scope=\"row\">sda</th><td>2.50&nbsp;KiB/s</td><td>3.00&nbsp;KiB/s</td><td class=\"wide\">11</td><td>25&nbsp;%",
	    "<th scope=\"row\">nvme0n1</th>", "</td><td>&ndash;</td></tr>", NULL } },
	{ HTML_FILESYSTEMS, { ">/mnt/my disk</span> <span class=\"badge\">ro</span>",
	    "title=\"/dev/sda1 (ext4)\">/<", "60.0&nbsp;GiB of 100&nbsp;GiB &middot; 64&nbsp;%", NULL } },
	{ HTML_PRESSURE, { "<th scope=\"row\">cpu</th><td>1.50</td><td class=\"wide\">2.25</td><td class=\"wide\">3.00</td><td>&ndash;",
	    "<th scope=\"row\">io</th><td>0.50</td>", NULL, NULL } },
	{ HTML_TEMPERATURES, { "<dt>nvme Composite</dt><dd class=\"\">3", "<dt>nvme temp1</dt>",
	    "<dt>x86_pkg_temp thermal_zone0</dt><dd class=\"\">46.0&nbsp;&deg;C", NULL } },
	{ HTML_DAEMON, { "<span class=\"viewers\">3</span><small> viewers<", "<dt>requests</dt><dd>2.5/s",
	    "321 + 123&nbsp;&micro;s", "<dd class=\"seq\">1763769600123<",
	    "<dt>timed out</dt><dd>4 streams, 9 requests</dd>" } },
};

/*
 * A temperature shows as the JSON has it: 45.25 (a sensor of 0.25 degree
 * steps) is 45.3 in both, where printf's %.1f alone rounds the tie to even.
 */
START_TEST(temperature_rounded_as_the_json)
{
	struct snapshot *s = fullsnap_new();
	char *h;

	s->temps[1].celsius = 45.25;
	s->temps[2].celsius = 45.75;
	h = card(HTML_TEMPERATURES, s);
	ck_assert_msg(strstr(h, ">45.3&nbsp;&deg;C") != NULL, "45.25 is not 45.3 in\n%s", h);
	ck_assert_msg(strstr(h, ">45.8&nbsp;&deg;C") != NULL, "45.75 is not 45.8 in\n%s", h);
	free(h);
	snapshot_release(s);
}
END_TEST

START_TEST(full_cards)
{
	struct snapshot *s = fullsnap_new();
	char *h = card(full[_i].card, s);

	ck_assert_msg(strncmp(h, "<h2>", 4) == 0, "%s starts with %.20s", html_card_name(full[_i].card), h);
	for (size_t k = 0; k < 5 && full[_i].want[k] != NULL; k++)
		ck_assert_msg(strstr(h, full[_i].want[k]) != NULL, "card %s: no '%s' in\n%s",
		    html_card_name(full[_i].card), full[_i].want[k], h);
	ck_assert_ptr_null(strstr(h, "hx-swap-oob"));	/* the inside only */
	free(h);
	snapshot_release(s);
}
END_TEST

/* Nothing collected: every card says so instead of showing zeros. */
START_TEST(empty_cards)
{
	struct snapshot *s = snapshot_new();
	static const char *const want[HTML_CARDS] = {
		[HTML_CPU] = "unavailable", [HTML_MEMORY] = "unavailable", [HTML_SWAP] = "unavailable",
		[HTML_LOAD] = "unavailable", [HTML_SYSTEM] = "unavailable", [HTML_NETWORK] = "unavailable",
		[HTML_DISKS] = "unavailable", [HTML_FILESYSTEMS] = "unavailable",
		[HTML_PRESSURE] = "no PSI", [HTML_TEMPERATURES] = "no sensors", [HTML_DAEMON] = ">0</span>",
		[HTML_HOST] = "<p class=\"value hostname\"></p>",
	};

	for (int c = 0; c < HTML_CARDS; c++) {
		char *h = card((enum html_card)c, s);

		ck_assert_msg(strstr(h, want[c]) != NULL, "card %s: no '%s' in\n%s",
		    html_card_name((enum html_card)c), want[c], h);
		free(h);
	}
	snapshot_release(s);
}
END_TEST

/* df rounds its Use% up: anything used is at least 1 %, only full is 100 %. */
START_TEST(filesystem_use_rounds_up_as_df)
{
	static const struct { uint64_t used, avail; const char *want; } cases[] = {
		{ 4096, 1019904, "&middot; 1&nbsp;%" },
		{ 0, 1024000, "&middot; 0&nbsp;%" },
		{ 1023999, 1, "&middot; 100&nbsp;%" },
		{ 1000, 0, "&middot; 100&nbsp;%" },
		{ 0, 0, "&middot; 0&nbsp;%" },
		{ UINT64_MAX / 2, UINT64_MAX / 2, "&middot; 50&nbsp;%" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct snapshot *s = fullsnap_new();
		char *h;

		for (size_t k = 0; k < s->nfilesystems; k++) {
			s->filesystems[k].used_bytes = cases[i].used;
			s->filesystems[k].available_bytes = cases[i].avail;
		}
		h = card(HTML_FILESYSTEMS, s);
		ck_assert_msg(strstr(h, cases[i].want) != NULL, "%llu used, %llu available: no '%s' in\n%s",
		    (unsigned long long)cases[i].used, (unsigned long long)cases[i].avail,
		    cases[i].want, h);
		free(h);
		snapshot_release(s);
	}
}
END_TEST

#define HOSTILE "<script>alert(1)</script>"
#define ESCAPED "&lt;script&gt;alert(1)&lt;/script&gt;"

START_TEST(hostile_names_are_escaped)
{
	struct snapshot *s = fullsnap_new();
	size_t n = 0;

	snprintf(s->hostname, sizeof(s->hostname), "%s", HOSTILE);
	snprintf(s->kernel_release, sizeof(s->kernel_release), "%s", HOSTILE);
	free(s->nets[1].name);
	s->nets[1].name = xstrdup(HOSTILE);
	free(s->disks[0].name);
	s->disks[0].name = xstrdup(HOSTILE);
	free(s->filesystems[0].mountpoint);
	s->filesystems[0].mountpoint = xstrdup(HOSTILE);
	free(s->filesystems[0].device);
	s->filesystems[0].device = xstrdup("\"><script>x</script>");
	free(s->filesystems[0].fstype);
	s->filesystems[0].fstype = xstrdup(HOSTILE);
	free(s->temps[0].chip);
	s->temps[0].chip = xstrdup(HOSTILE);
	free(s->temps[0].label);
	s->temps[0].label = xstrdup(HOSTILE);

	for (int c = 0; c < HTML_CARDS; c++) {
		char *h = card((enum html_card)c, s);

		ck_assert_msg(strstr(h, "<script") == NULL, "card %s has a script element",
		    html_card_name((enum html_card)c));
		for (const char *p = h; (p = strstr(p, ESCAPED)) != NULL; p++)
			n++;
		free(h);
	}
	/* host (twice), network, disks, filesystems (mount point, type), temperatures (twice). */
	ck_assert_uint_eq(n, 8);
	snapshot_release(s);
}
END_TEST

/*
 * A snapshot for the history: taken at t_ns (wall clock), elapsed s after
 * the one before (monotonic), CPU user at cpu percent, lo busy, eth0 at rx.
 */
static struct snapshot *
tick(int64_t t_ns, double elapsed, double cpu, double rx)
{
	struct snapshot *s = fullsnap_new();

	s->timestamp_ns = t_ns;
	s->elapsed_seconds = elapsed;
	s->cpu_total.percent[CPU_USER] = cpu;
	s->cpu_total.percent[CPU_IDLE] = 100 - cpu;
	free(s->nets[1].name);
	s->nets[1].name = xstrdup("lo");
	s->nets[1].c[NET_RX_BYTES].per_second = 1e9;	/* loopback is not traffic */
	s->nets[1].c[NET_TX_BYTES].per_second = 1e9;
	s->nets[0].c[NET_RX_BYTES].per_second = rx;
	return s;
}

static char *
chart(enum html_chart c, const html_history_t *h)
{
	struct strbuf sb = STRBUF_INIT;

	html_chart(&sb, c, h);
	return strbuf_detach(&sb, NULL);
}

static size_t
count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

START_TEST(history_window)
{
	html_history_t *h = html_history_new(5);
	char *svg, *d;

	/* Empty: axes, no points. */
	svg = chart(HTML_CHART_NETWORK, h);
	ck_assert_ptr_nonnull(strstr(svg, "receive n/a"));
	free(svg);

	for (int i = 0; i < 7; i++) {
		struct snapshot *s = tick((int64_t)i * 2000000000, i > 0 ? 2 : 0, 10.0 * i,
		    1024.0 * (i + 1));

		html_history_push(h, s);
		snapshot_release(s);
		if (i == 1) {
			svg = chart(HTML_CHART_NETWORK, h);
			d = strstr(svg, "<path class=\"s0\"");
			ck_assert_uint_eq(count(d, "L") - count(strstr(d, "</path>"), "L"), 1);
			free(svg);
		}
	}
	/* Seven ticks 2 s apart into a window of five: the last five, over 10 s. */
	svg = chart(HTML_CHART_NETWORK, h);
	ck_assert_msg(strstr(svg, "<title>Network, last 10 s: receive 7.00 KiB/s, transmit 50 B/s</title>")
	    != NULL, "%s", svg);
	d = strstr(svg, "<path class=\"s0\"");
	ck_assert_uint_eq(count(d, "L") - count(strstr(d, "</path>"), "L"), 4);
	ck_assert_ptr_nonnull(strstr(svg, ">8 KiB/s<"));	/* not lo's 1 GB/s */
	free(svg);

	/*
	 * The wall clock stepped an hour (NTP, a VM resumed) before the next
	 * tick: the time axis goes by the monotonic elapsed times, unmoved.
	 */
	{
		struct snapshot *s = tick(7 * 2000000000LL + 3600000000000LL, 2, 60, 7168);

		html_history_push(h, s);
		snapshot_release(s);
	}
	svg = chart(HTML_CHART_NETWORK, h);
	ck_assert_msg(strstr(svg, "<title>Network, last 10 s:") != NULL, "%s", svg);
	ck_assert_msg(strstr(svg, ">-8s<") != NULL, "%s", svg);
	free(svg);

	svg = chart(HTML_CHART_CPU, h);
	ck_assert_ptr_nonnull(strstr(svg, "user 60.0 %"));
	ck_assert_ptr_null(strstr(svg, "steal"));	/* none in the window */
	free(svg);

	svg = chart(HTML_CHART_MEMORY, h);
	/* Stacked to the 8 GiB total: used 2 GiB; buff/cache 3.1 GiB. */
	ck_assert_ptr_nonnull(strstr(svg, "used 2.00 GiB, buff/cache 3.10 GiB"));
	ck_assert_ptr_nonnull(strstr(svg, ">8 GiB<"));
	free(svg);

	svg = chart(HTML_CHART_DISK, h);
	ck_assert_ptr_nonnull(strstr(svg, "read 5.00 KiB/s, write 6.00 KiB/s"));	/* both disks */
	free(svg);
	html_history_free(h);
}
END_TEST

/*
 * The charts show the host's traffic once: a bridge, a veth or a VPN
 * carries packets a NIC carries too, and a dm or md disk the I/O of the
 * disks below it. Where there is no NIC (a container), every interface.
 */
START_TEST(stacked_devices_counted_once)
{
	html_history_t *h = html_history_new(5);
	struct snapshot *s = fullsnap_new();
	char *svg;

	s->nets[1].c[NET_RX_BYTES].per_second = 1 << 20;	/* wg0 */
	s->nets[1].c[NET_TX_BYTES].per_second = 1 << 20;
	s->nets[1].is_virtual = 1;
	s->disks[1].stacked = 1;	/* a dm device on sda, say */
	html_history_push(h, s);
	svg = chart(HTML_CHART_NETWORK, h);
	ck_assert_msg(strstr(svg, "receive 10 B/s, transmit 50 B/s") != NULL, "%s", svg);
	free(svg);
	svg = chart(HTML_CHART_DISK, h);
	ck_assert_msg(strstr(svg, "read 2.50 KiB/s, write 3.00 KiB/s") != NULL, "%s", svg);
	free(svg);
	html_history_free(h);

	h = html_history_new(5);
	s->nets[0].is_virtual = 1;	/* no NIC at all: a container's veth and VPN */
	html_history_push(h, s);
	svg = chart(HTML_CHART_NETWORK, h);
	ck_assert_msg(strstr(svg, "receive 1.00 MiB/s, transmit 1.00 MiB/s") != NULL, "%s", svg);
	free(svg);
	html_history_free(h);

	/*
	 * A NIC without a rate yet (just plugged): no figure, not the virtual
	 * interfaces' sum in its place.
	 */
	h = html_history_new(5);
	s->nets[0].is_virtual = 0;
	s->nets[0].c[NET_RX_BYTES].per_second = -1;
	s->nets[0].c[NET_TX_BYTES].per_second = -1;
	html_history_push(h, s);
	svg = chart(HTML_CHART_NETWORK, h);
	ck_assert_msg(strstr(svg, "receive n/a, transmit n/a") != NULL, "%s", svg);
	free(svg);
	html_history_free(h);
	snapshot_release(s);
}
END_TEST

/* A window of 600 ticks is drawn as 120 averages of 5 ticks each. */
START_TEST(long_window_is_averaged)
{
	html_history_t *h = html_history_new(600);
	char *svg, *d;

	for (int i = 0; i < 603; i++) {
		struct snapshot *s = tick((int64_t)i * 1000000000, i > 0 ? 1 : 0, 0, 1024.0 * i);

		html_history_push(h, s);
		snapshot_release(s);
	}
	svg = chart(HTML_CHART_NETWORK, h);
	/*
	 * The window holds ticks 3..602; the newest bucket, 598..602, averages
	 * 600 KiB/s, but the legend and title say the newest tick's 602.
	 */
	ck_assert_msg(strstr(svg, "<title>Network, last 600 s: receive 602 KiB/s,") != NULL, "%.200s", svg);
	ck_assert_msg(strstr(svg, "receive <tspan font-weight=\"600\">602 KiB/s<") != NULL, "%s", svg);
	d = strstr(svg, "<path class=\"s0\"");
	ck_assert_uint_eq(count(d, "L") - count(strstr(d, "</path>"), "L"), HTML_CHART_MAX_POINTS - 1);
	ck_assert_ptr_nonnull(strstr(svg, ">-8m<"));	/* 5 s a slot, every 2 minutes */
	free(svg);
	html_history_free(h);

	/* 121 ticks in buckets of 2: the title still says the window's 121 s. */
	h = html_history_new(121);
	for (int i = 0; i < 121; i++) {
		struct snapshot *s = tick((int64_t)i * 1000000000, i > 0 ? 1 : 0, 0, 1024.0 * i);

		html_history_push(h, s);
		snapshot_release(s);
	}
	svg = chart(HTML_CHART_NETWORK, h);
	ck_assert_msg(strstr(svg, "<title>Network, last 121 s: receive 120 KiB/s,") != NULL, "%.200s", svg);
	free(svg);
	html_history_free(h);
}
END_TEST

START_TEST(html_event_fragments)
{
	struct snapshot *s = fullsnap_new();
	html_history_t *h = html_history_new(HTML_CHART_WINDOW_DEFAULT);
	struct strbuf sb = STRBUF_INIT, cards[HTML_CARDS], charts[HTML_CHARTS];
	const char *p;

	html_history_push(h, s);
	html_render(&sb, s, h, NULL, NULL);
	ck_assert_uint_eq(count(sb.data, "hx-swap-oob=\"true\""), HTML_CARDS + HTML_CHARTS);
	/* In page order, each closed before the next. */
	p = sb.data;
	for (int c = 0; c < HTML_CARDS; c++) {
		char want[96];

		snprintf(want, sizeof(want), "<section id=\"%s\" class=\"card card-%s\" hx-swap-oob=\"true\">\n",
		    html_card_name((enum html_card)c), html_card_name((enum html_card)c));
		p = strstr(p, want);
		ck_assert_msg(p != NULL, "no %s in order", want);
	}
	for (int c = 0; c < HTML_CHARTS; c++) {
		char want[96];

		snprintf(want, sizeof(want), "<div id=\"%s\" class=\"chart\" hx-swap-oob=\"true\"><svg ",
		    html_chart_name((enum html_chart)c));
		p = strstr(p, want);
		ck_assert_msg(p != NULL, "no %s in order", want);
	}
	ck_assert_uint_eq(count(sb.data, "</section>"), HTML_CARDS);

	/* Pre-rendered parts are used as they are. */
	strbuf_reset(&sb);
	for (int c = 0; c < HTML_CARDS; c++) {
		cards[c] = (struct strbuf)STRBUF_INIT;
		strbuf_printf(&cards[c], "card %d", c);
	}
	for (int c = 0; c < HTML_CHARTS; c++) {
		charts[c] = (struct strbuf)STRBUF_INIT;
		strbuf_printf(&charts[c], "chart %d", c);
	}
	html_render(&sb, s, h, cards, charts);
	ck_assert_ptr_nonnull(strstr(sb.data, "hx-swap-oob=\"true\">\ncard 11</section>"));
	ck_assert_ptr_nonnull(strstr(sb.data, "hx-swap-oob=\"true\">chart 3</div>"));
	for (int c = 0; c < HTML_CARDS; c++)
		strbuf_free(&cards[c]);
	for (int c = 0; c < HTML_CHARTS; c++)
		strbuf_free(&charts[c]);
	strbuf_free(&sb);
	html_history_free(h);
	snapshot_release(s);
}
END_TEST

/* Through render: a card's event is its inside; the html event carries the same bytes. */
START_TEST(render_events_share_cards)
{
	struct snapshot *s = fullsnap_new();
	render_tick_t *t;
	const char *f, *html;
	size_t len, hlen;

	render_configure(3);
	t = render_tick_create(s);
	f = render_tick_frame(t, RENDER_EV_CARD + HTML_LOAD, &len);
	ck_assert(strncmp(f, "event: load\nid: 1763769600123\ndata: <h2>Load</h2>\ndata: ", 56) == 0);
	ck_assert_ptr_eq(strstr(f, "\n\n"), f + len - 2);
	html = render_tick_frame(t, RENDER_EV_HTML, &hlen);
	ck_assert_ptr_nonnull(strstr(html, "data: <h2>Load</h2>\ndata: <p class=\"value\">0.52 "));
	f = render_tick_frame(t, RENDER_EV_CHART + HTML_CHART_CPU, &len);
	ck_assert(strncmp(f, "event: chart-cpu\nid: 1763769600123\ndata: <svg ", 46) == 0);
	ck_assert_uint_eq(count(f, "\ndata: "), 1);	/* one line */
	render_tick_unref(t);

	/* A window of three: the fourth tick draws three points. */
	for (int i = 0; i < 3; i++)
		render_tick_unref(render_tick_create(s));
	t = render_tick_create(s);
	f = render_tick_frame(t, RENDER_EV_CHART + HTML_CHART_NETWORK, &len);
	f = strstr(f, "<path class=\"s0\"");
	ck_assert_uint_eq(count(f, "L") - count(strstr(f, "</path>"), "L"), 2);
	render_tick_unref(t);
	render_configure(HTML_CHART_WINDOW_DEFAULT);
	snapshot_release(s);
}
END_TEST

/* An uptime of 2^64 s or more (a /proc/uptime can say so): the most there is, not 0. */
START_TEST(uptime_past_2_64_seconds)
{
	struct snapshot *s = fullsnap_new();
	char *h;

	s->uptime_seconds = 18446744073709551615.0;	/* 2^64 as a double */
	h = card(HTML_HOST, s);
	ck_assert_msg(strstr(h, ">213503982334601d 7h 0m<") != NULL, "%s", h);
	free(h);
	snapshot_release(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("html");
	TCase *tc = tcase_create("html");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, temperature_rounded_as_the_json);
	tcase_add_loop_test(tc, full_cards, 0, sizeof(full) / sizeof(full[0]));
	tcase_add_test(tc, empty_cards);
	tcase_add_test(tc, filesystem_use_rounds_up_as_df);
	tcase_add_test(tc, hostile_names_are_escaped);
	tcase_add_test(tc, history_window);
	tcase_add_test(tc, stacked_devices_counted_once);
	tcase_add_test(tc, long_window_is_averaged);
	tcase_add_test(tc, html_event_fragments);
	tcase_add_test(tc, render_events_share_cards);
	tcase_add_test(tc, uptime_past_2_64_seconds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
