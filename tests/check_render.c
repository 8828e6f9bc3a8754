/* render and prom: the JSON object, the pre-framed events of a tick, HTML
 * escaping of every dynamic string, and the Prometheus text. */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "prom.h"
#include "render.h"
#include "snapjson.h"
#include "snapshot.h"

static struct snapshot *
sample_snapshot(const char *hostname)
{
	struct snapshot *s = snapshot_new();

	s->seq = 1763769600123ull;
	s->timestamp_ns = 1763769600123456789ll;
	s->elapsed_seconds = 1.000123;
	snprintf(s->hostname, sizeof(s->hostname), "%s", hostname);
	snprintf(s->kernel_release, sizeof(s->kernel_release), "6.1.0-test");
	s->has_uptime = 1;
	s->uptime_seconds = 93784.56;	/* 1d 2h 3m */
	s->boot_time_seconds = 1763675815;
	s->has_cpu = 1;
	s->cpu_total.percent[CPU_USER] = 12.345;
	s->cpu_total.percent[CPU_IDLE] = 80;
	s->cpu_total.percent[CPU_SYSTEM] = 7.655;
	s->ncores = 2;
	s->cores = calloc(2, sizeof(*s->cores));
	s->cores[0].id = 0;
	s->cores[0].percent[CPU_USER] = 50;
	s->cores[0].percent[CPU_IDLE] = 50;
	s->cores[0].seconds[CPU_USER] = 1234.5;
	s->cores[1].id = 3;	/* cpu1 and cpu2 offline */
	s->cores[1].percent[CPU_IDLE] = 100;
	s->has_memory = 1;
	s->mem_total_bytes = 8ull << 30;
	s->mem_available_bytes = 6ull << 30;
	s->has_meminfo_available = 1;
	s->meminfo_available_bytes = 6ull << 30;
	s->mem_used_bytes = 2ull << 30;
	s->mem_free_bytes = 1ull << 30;
	s->mem_buffers_bytes = 100 << 20;
	s->mem_cached_bytes = 3ull << 30;
	s->swap_total_bytes = 1ull << 30;
	s->swap_free_bytes = 1ull << 30;
	s->has_load = 1;
	s->load1 = 0.52;
	s->load5 = 0.58;
	s->load15 = 0.59;
	s->tasks_running = 2;
	s->tasks_total = 345;
	s->daemon.streams_open = 3;
	s->daemon.requests_total = 10;
	s->daemon.requests_per_second = 2.5;
	s->daemon.request_duration_mean_seconds = -1;
	return s;
}

START_TEST(json_has_the_documented_fields)
{
	struct snapshot *s = sample_snapshot("web-1");
	json_error_t err;
	size_t len;
	char *text = snapjson_render(s, &len);
	json_t *o = json_loads(text, 0, &err), *cores;

	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert_ptr_null(strchr(text, '\n'));	/* one line */
	ck_assert_uint_eq(json_integer_value(json_object_get(o, "seq")), 1763769600123ull);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "timestamp_ns")), 1763769600123456789ll);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "host"), "hostname")), "web-1");
	ck_assert_double_eq_tol(json_real_value(json_object_get(json_object_get(json_object_get(o, "cpu"),
	    "total"), "user_percent")), 12.35, 1e-9);	/* two decimals */
	cores = json_object_get(json_object_get(o, "cpu"), "cores");
	ck_assert_uint_eq(json_array_size(cores), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(cores, 1), "cpu")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(o, "memory"), "total_bytes")),
	    8ll << 30);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(o, "tasks"), "total")), 345);
	/* No request in the last tick: the mean is null, not a made-up 0. */
	ck_assert(json_is_null(json_object_get(json_object_get(o, "daemon"),
	    "request_duration_mean_seconds")));
	json_decref(o);
	free(text);
	snapshot_release(s);
}
END_TEST

START_TEST(missing_groups_are_null)
{
	struct snapshot *s = snapshot_new();
	size_t len;
	char *text;
	json_t *o;

	s->seq = 1;
	s->daemon.request_duration_mean_seconds = -1;
	text = snapjson_render(s, &len);
	o = json_loads(text, 0, NULL);
	ck_assert(json_is_null(json_object_get(o, "cpu")));
	ck_assert(json_is_null(json_object_get(o, "memory")));
	ck_assert(json_is_null(json_object_get(o, "load")));
	ck_assert(json_is_null(json_object_get(json_object_get(o, "host"), "uptime_seconds")));
	json_decref(o);
	free(text);
	snapshot_release(s);
}
END_TEST

START_TEST(tick_frames_share_the_id)
{
	struct snapshot *s = sample_snapshot("web-1");
	render_tick_t *t = render_tick_create(s);
	const char *f, *json;
	size_t len, jlen;

	snapshot_release(s);	/* the tick keeps its own reference */
	ck_assert_uint_eq(render_tick_seq(t), 1763769600123ull);
	json = render_tick_json(t, &jlen);
	f = render_tick_frame(t, RENDER_EV_SNAPSHOT, &len);
	/* The snapshot event's data is exactly the /api/snapshot body. */
	ck_assert(strncmp(f, "event: snapshot\nid: 1763769600123\ndata: ", 40) == 0);
	ck_assert(memcmp(f + 40, json, jlen) == 0);
	ck_assert(strcmp(f + 40 + jlen, "\n\n") == 0);
	ck_assert_uint_eq(len, 40 + jlen + 2);

	f = render_tick_frame(t, RENDER_EV_HTML, &len);
	ck_assert(strncmp(f, "event: html\nid: 1763769600123\ndata: ", 36) == 0);
	ck_assert_ptr_nonnull(strstr(f, "\ndata: "));	/* several data lines */
	/* The only blank line is the last: nothing inside dispatches early. */
	ck_assert_ptr_eq(strstr(f, "\n\n"), f + len - 2);
	ck_assert_uint_eq(render_tick_snapshot(t)->cores[1].id, 3);
	render_tick_unref(t);
}
END_TEST

START_TEST(html_escapes_hostile_names)
{
	struct snapshot *s = sample_snapshot("<script>alert(\"x\")</script>&");
	render_tick_t *t = render_tick_create(s);
	size_t len;
	const char *f = render_tick_frame(t, RENDER_EV_HTML, &len);

	ck_assert_ptr_null(strstr(f, "<script>"));
	ck_assert_ptr_nonnull(strstr(f, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"));
	ck_assert_ptr_nonnull(strstr(f, "1d 2h 3m"));
	ck_assert_ptr_nonnull(strstr(f, "2.00&nbsp;GiB<small> of 8.00&nbsp;GiB"));
	ck_assert_ptr_nonnull(strstr(f, ">3</span><small> viewers<"));
	render_tick_unref(t);
	s->daemon.streams_open = 1;
	t = render_tick_create(s);
	f = render_tick_frame(t, RENDER_EV_HTML, &len);
	ck_assert_ptr_nonnull(strstr(f, ">1</span><small> viewer<"));
	render_tick_unref(t);
	snapshot_release(s);
}
END_TEST


/* Views drawn later: what render_tick_views() adds, once, from any thread. */
static void *
draw_and_read(void *arg)
{
	render_tick_t *t = arg;
	size_t len, total = 0;

	render_tick_views(t);
	for (int ev = 0; ev < RENDER_EV_COUNT; ev++)
		if (render_tick_frame(t, (enum render_event)ev, &len) != NULL)
			total += len;
	return (void *)total;
}

START_TEST(views_drawn_once_on_demand)
{
	struct snapshot *s = sample_snapshot("web-1");
	render_tick_t *t = render_tick_create_json(s), *whole, *slim;
	const char *html, *html_again;
	pthread_t th[4];
	size_t len, len2, total = 0;
	void *got;

	/* Only the snapshot event until someone asks for the views. */
	ck_assert_ptr_nonnull(render_tick_frame(t, RENDER_EV_SNAPSHOT, &len));
	for (int ev = RENDER_EV_HTML; ev < RENDER_EV_COUNT; ev++) {
		ck_assert_ptr_null(render_tick_frame(t, (enum render_event)ev, &len));
		ck_assert_uint_eq(len, 0);
	}
	/* Four threads at once: one draws, all then see every frame. */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, draw_and_read, t), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(th[i], &got), 0);
		ck_assert_uint_ne((size_t)got, 0);
		ck_assert(total == 0 || (size_t)got == total);
		total = (size_t)got;
	}
	html = render_tick_frame(t, RENDER_EV_HTML, &len);
	ck_assert(strncmp(html, "event: html\nid: 1763769600123\ndata: ", 36) == 0);
	render_tick_views(t);	/* drawn already: nothing changes */
	html_again = render_tick_frame(t, RENDER_EV_HTML, &len2);
	ck_assert_ptr_eq(html, html_again);
	/* The same cards as a tick drawn whole (the charts differ: one more point). */
	whole = render_tick_create(s);
	for (int c = 0; c < HTML_CARDS; c++) {
		const char *a = render_tick_frame(t, (enum render_event)(RENDER_EV_CARD + c), &len);
		const char *b = render_tick_frame(whole, (enum render_event)(RENDER_EV_CARD + c), &len2);

		ck_assert_uint_eq(len, len2);
		ck_assert(memcmp(a, b, len) == 0);
	}
	/* A slim tick has no views to draw. */
	slim = render_tick_slim(whole);
	render_tick_views(slim);
	ck_assert_ptr_null(render_tick_frame(slim, RENDER_EV_HTML, &len));
	render_tick_unref(slim);
	render_tick_unref(whole);
	render_tick_unref(t);
	snapshot_release(s);
}
END_TEST

START_TEST(event_names)
{
	ck_assert_int_eq(render_event_lookup("snapshot", 8), RENDER_EV_SNAPSHOT);
	ck_assert_int_eq(render_event_lookup("html", 4), RENDER_EV_HTML);
	ck_assert_int_eq(render_event_lookup("htmlx", 5), -1);
	ck_assert_int_eq(render_event_lookup("snapshot,html", 4), -1);	/* "snap" */
	ck_assert_int_eq(render_event_lookup("", 0), -1);
	ck_assert_str_eq(render_event_name(RENDER_EV_HTML), "html");
	/* Every type's name looks itself up; cards and charts follow html's enums. */
	for (int i = 0; i < RENDER_EV_COUNT; i++) {
		const char *n = render_event_name((enum render_event)i);

		ck_assert_int_eq(render_event_lookup(n, strlen(n)), i);
	}
	ck_assert_int_eq(render_event_lookup("cpu", 3), RENDER_EV_CARD + HTML_CPU);
	ck_assert_int_eq(render_event_lookup("filesystems", 11), RENDER_EV_CARD + HTML_FILESYSTEMS);
	ck_assert_int_eq(render_event_lookup("chart-disk", 10), RENDER_EV_CHART + HTML_CHART_DISK);
	ck_assert_str_eq(render_event_name(RENDER_EV_CARD + HTML_DAEMON), "daemon");
	ck_assert_str_eq(render_event_name(RENDER_EV_COUNT - 1), "chart-disk");
	/* A stream without ?events= gets what the bundled page and JSON clients use. */
	ck_assert_uint_eq(RENDER_EV_DEFAULT, (1u << RENDER_EV_SNAPSHOT) | (1u << RENDER_EV_HTML));
}
END_TEST

START_TEST(reset_frame)
{
	struct strbuf sb = STRBUF_INIT;

	render_reset_frame(&sb);
	/* No id: the client keeps its old one until the next tick's events. */
	ck_assert(strncmp(sb.data, "event: reset\ndata: {", 20) == 0);
	ck_assert_ptr_null(strstr(sb.data, "\nid:"));
	strbuf_free(&sb);
}
END_TEST

/* Every sample line's family has HELP and TYPE before it; labels escaped. */
START_TEST(prometheus_text)
{
	struct snapshot *s = sample_snapshot("a\"b\\c\nd");
	struct strbuf sb = STRBUF_INIT;
	char *copy, *line, *save = NULL;
	char typed[64][96];
	int ntyped = 0, samples = 0;

	prom_render(&sb, s);
	ck_assert_ptr_nonnull(strstr(sb.data, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 1234.50\n"));
	ck_assert_ptr_nonnull(strstr(sb.data, "node_cpu_seconds_total{cpu=\"3\",mode=\"idle\"}"));
	ck_assert_ptr_nonnull(strstr(sb.data, "node_memory_MemAvailable_bytes 6442450944\n"));
	ck_assert_ptr_nonnull(strstr(sb.data, "node_load1 0.52\n"));
	ck_assert_ptr_nonnull(strstr(sb.data, "nodename=\"a\\\"b\\\\c\\nd\""));
	ck_assert_ptr_nonnull(strstr(sb.data, "sse_metricsd_snapshot_seq 1763769600123\n"));
	ck_assert_ptr_nonnull(strstr(sb.data, "# TYPE sse_metricsd_http_requests_total counter\n"));

	copy = strdup(sb.data);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[96];
		int found = 0;

		if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert_int_lt(ntyped, 64);
			sscanf(line + 7, "%95s", typed[ntyped++]);
			continue;
		}
		if (line[0] == '#')
			continue;
		sscanf(line, "%95[^{ ]", name);
		for (int i = 0; i < ntyped; i++)	/* a histogram's _bucket, _sum, _count */
			found |= strncmp(typed[i], name, strlen(typed[i])) == 0;
		ck_assert_msg(found, "sample %s has no TYPE line before it", name);
		samples++;
	}
	ck_assert_int_gt(samples, 20);
	free(copy);
	strbuf_free(&sb);
	snapshot_release(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, json_has_the_documented_fields);
	tcase_add_test(tc, missing_groups_are_null);
	tcase_add_test(tc, tick_frames_share_the_id);
	tcase_add_test(tc, html_escapes_hostile_names);
	tcase_add_test(tc, views_drawn_once_on_demand);
	tcase_add_test(tc, event_names);
	tcase_add_test(tc, reset_frame);
	tcase_add_test(tc, prometheus_text);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
