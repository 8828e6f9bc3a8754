/* chart: axis scaling, value formatting, and the SVG of line and stacked charts. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

#define KiB 1024.0
#define MiB (1024.0 * 1024)
#define GiB (1024.0 * 1024 * 1024)

static const struct {
	double max;
	enum chart_unit unit;
	double top, step;
} tops[] = {
	{ 0, CHART_BYTES_PER_SECOND, 1 * KiB, 0.25 * KiB },	/* idle: 0 .. 1 KiB/s */
	{ NAN, CHART_BYTES_PER_SECOND, 1 * KiB, 0.25 * KiB },
	{ 300, CHART_BYTES_PER_SECOND, 1 * KiB, 0.25 * KiB },
	{ 3000, CHART_BYTES_PER_SECOND, 3 * KiB, 1 * KiB },
	{ 5.5 * MiB, CHART_BYTES_PER_SECOND, 6 * MiB, 2 * MiB },
	{ 1000 * MiB, CHART_BYTES, 1000 * MiB, 250 * MiB },
	{ 1.1 * GiB, CHART_BYTES, 1.5 * GiB, 0.5 * GiB },
	{ 50, CHART_PERCENT, 100, 25 },
	{ 100, CHART_PERCENT, 100, 25 },
	{ 150, CHART_PERCENT, 150, 50 },	/* more than 100 %: scaled like anything else */
	/* Just under 1024 of a unit: steps round in the next unit, its labels'. */
	{ 1010 * KiB, CHART_BYTES_PER_SECOND, 1 * MiB, 0.25 * MiB },
	{ 1020 * MiB, CHART_BYTES, 1 * GiB, 0.25 * GiB },
	{ 1023, CHART_BYTES, 1 * KiB, 0.25 * KiB },
};

START_TEST(nice_top)
{
	double step, top = chart_nice_top(tops[_i].max, tops[_i].unit, &step);

	ck_assert_msg(fabs(top - tops[_i].top) < 1e-6 && fabs(step - tops[_i].step) < 1e-6,
	    "max %g: top %g step %g, want %g %g", tops[_i].max, top, step, tops[_i].top,
	    tops[_i].step);
	ck_assert(isnan(tops[_i].max) || top >= tops[_i].max);
}
END_TEST

static const struct {
	double v;
	enum chart_unit unit;
	const char *want;
} formats[] = {
	{ 0, CHART_BYTES_PER_SECOND, "0 B/s" },
	{ 1023, CHART_BYTES, "1023 B" },
	{ 812 * KiB, CHART_BYTES_PER_SECOND, "812 KiB/s" },
	{ 10.5 * KiB, CHART_BYTES, "10.5 KiB" },
	{ 1.5 * GiB, CHART_BYTES, "1.50 GiB" },
	{ -5, CHART_BYTES, "0 B" },
	{ 12.345, CHART_PERCENT, "12.3 %" },
	{ NAN, CHART_PERCENT, "n/a" },
	/* Rounded first, then the unit and the decimals chosen. */
	{ 1023.6, CHART_BYTES_PER_SECOND, "1.00 KiB/s" },
	{ 1023.9 * KiB, CHART_BYTES_PER_SECOND, "1.00 MiB/s" },
	{ 99.96 * KiB, CHART_BYTES_PER_SECOND, "100 KiB/s" },
	{ 9.996 * KiB, CHART_BYTES, "10.0 KiB" },
	{ 9.994 * KiB, CHART_BYTES, "9.99 KiB" },
};

START_TEST(format_value)
{
	char buf[32];

	chart_format_value(buf, sizeof(buf), formats[_i].v, formats[_i].unit);
	ck_assert_str_eq(buf, formats[_i].want);
}
END_TEST

/* The d attribute of the path with class sK, copied (caller frees). */
static char *
path_of(const char *svg, int k)
{
	char key[32];
	const char *p, *d, *end;
	char *out;

	snprintf(key, sizeof(key), "<path class=\"s%d\"", k);
	p = strstr(svg, key);
	ck_assert_msg(p != NULL, "no %s", key);
	d = strstr(p, " d=\"");
	ck_assert_ptr_nonnull(d);
	d += 4;
	end = strchr(d, '"');
	out = strndup(d, (size_t)(end - d));
	return out;
}

static size_t
count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

START_TEST(line_chart)
{
	const double rx[] = { 1 * KiB, 2 * KiB, NAN, 5.5 * MiB, 3 * MiB };
	const double tx[] = { 0, 0, 0, 0, 1 * KiB };
	const struct chart_series series[] = {
		{ .name = "rx <b>", .values = rx }, { .name = "tx", .values = tx },
	};
	struct chart c = {
		.title = "Net & co", .unit = CHART_BYTES_PER_SECOND, .window = 10, .n = 5,
		.seconds_per_slot = 1, .series = series, .nseries = 2,
	};
	struct strbuf sb = STRBUF_INIT;
	char *d;

	chart_svg(&sb, &c);
	ck_assert(strncmp(sb.data, "<svg ", 5) == 0);
	ck_assert_int_eq(strcmp(sb.data + sb.len - 6, "</svg>"), 0);
	ck_assert_ptr_null(strchr(sb.data, '\n'));	/* one SSE data: line */
	ck_assert_ptr_nonnull(strstr(sb.data, "role=\"img\""));
	/* The accessible name: title escaped, window, latest values. */
	ck_assert_ptr_nonnull(strstr(sb.data,
	    "<title>Net &amp; co, last 10 s: rx &lt;b&gt; 3.00 MiB/s, tx 1.00 KiB/s</title>"));
	ck_assert_ptr_null(strstr(sb.data, "<b>"));
	/* Auto-scaled to the 5.5 MiB/s peak: 0, 2, 4, 6 MiB/s. */
	ck_assert_ptr_nonnull(strstr(sb.data, ">6 MiB/s<"));
	ck_assert_ptr_nonnull(strstr(sb.data, ">2 MiB/s<"));
	ck_assert_ptr_null(strstr(sb.data, ">8 MiB/s<"));
	/* Time labels from now back over the 9 s the 10 slots span. */
	ck_assert_ptr_nonnull(strstr(sb.data, ">now<"));
	ck_assert_ptr_nonnull(strstr(sb.data, ">-4s<"));	/* every 2 s */
	/* The markup around the numbers: grid lines, axis and time labels, legend. */
	ck_assert_ptr_nonnull(strstr(sb.data, "<line x1=\"70\" x2=\"430\" y1=\"148.0\" y2=\"148.0\"/>"));
	ck_assert_ptr_nonnull(strstr(sb.data, "<line x1=\"70\" x2=\"430\" y1=\"107.3\" y2=\"107.3\"/>"));
	ck_assert_ptr_nonnull(strstr(sb.data,
	    "<text x=\"64\" y=\"66.7\" text-anchor=\"end\" dominant-baseline=\"middle\">4 MiB/s</text>"));
	ck_assert_ptr_nonnull(strstr(sb.data, "<text x=\"430.0\" y=\"164\" text-anchor=\"end\">now</text>"));
	ck_assert_ptr_nonnull(strstr(sb.data, "<text x=\"270.0\" y=\"164\" text-anchor=\"middle\">-4s</text>"));
	ck_assert_ptr_nonnull(strstr(sb.data, "<rect class=\"s0\" x=\"70.0\" y=\"6\" width=\"10\" height=\"10\" rx=\"2\" fill=\""));
	ck_assert_ptr_nonnull(strstr(sb.data, "\"/><text x=\"227.6\" y=\"15\">tx <tspan font-weight=\"600\">1.00 KiB/s</tspan></text>"));
	ck_assert_ptr_nonnull(strstr(sb.data, "<rect class=\"s1\" x=\"213.6\" y=\"6\""));
	/* The gap splits rx into two runs: M L, then M L. */
	d = path_of(sb.data, 0);
	ck_assert_uint_eq(count_char(d, 'M'), 2);
	ck_assert_uint_eq(count_char(d, 'L'), 2);
	ck_assert_ptr_null(strchr(d, 'Z'));
	/* The five values fill the right-most slots: the last is at the right edge. */
	ck_assert_ptr_nonnull(strstr(d, "L430.0 "));
	free(d);
	d = path_of(sb.data, 1);
	ck_assert_uint_eq(count_char(d, 'M'), 1);
	ck_assert_uint_eq(count_char(d, 'L'), 4);
	free(d);
	strbuf_free(&sb);
}
END_TEST

START_TEST(stacked_chart)
{
	const double user[] = { 10, 20, 30 };
	const double sys[] = { 5, 5, 200 };	/* above the top: clamped */
	const struct chart_series series[] = {
		{ .name = "user", .values = user }, { .name = "system", .values = sys },
	};
	struct chart c = {
		.title = "CPU", .unit = CHART_PERCENT, .stacked = 1, .ymax = 100, .window = 3,
		.n = 3, .seconds_per_slot = 60, .series = series, .nseries = 2,
	};
	struct strbuf sb = STRBUF_INIT;
	char *d;
	const char *s0, *s1;

	chart_svg(&sb, &c);
	ck_assert_ptr_nonnull(strstr(sb.data, ">25 %<"));
	ck_assert_ptr_nonnull(strstr(sb.data, ">100 %<"));
	ck_assert_ptr_nonnull(strstr(sb.data, "last 180 s: user 30.0 %, system 200.0 %"));
	ck_assert_ptr_nonnull(strstr(sb.data, ">-2m<"));
	/* Areas: three points along the top, three back along the series below, closed. */
	d = path_of(sb.data, 0);
	ck_assert_uint_eq(count_char(d, 'L'), 5);
	ck_assert_uint_eq(count_char(d, 'Z'), 1);
	free(d);
	d = path_of(sb.data, 1);
	/* system's last point, 230 %, is clamped to the top of the plot (y = 26). */
	ck_assert_ptr_nonnull(strstr(d, "L430.0 26.0L"));
	free(d);
	/* The top series is drawn first, so it cannot hide the edge of the one below. */
	s0 = strstr(sb.data, "<path class=\"s0\"");
	s1 = strstr(sb.data, "<path class=\"s1\"");
	ck_assert(s1 < s0);
	strbuf_free(&sb);
}
END_TEST

START_TEST(empty_chart)
{
	const double v[1] = { 0 };
	const struct chart_series series[] = { { .name = "read", .values = v } };
	struct chart c = {
		.title = "Disk", .unit = CHART_BYTES_PER_SECOND, .window = 60, .n = 0,
		.seconds_per_slot = 1, .series = series, .nseries = 1,
	};
	struct strbuf sb = STRBUF_INIT;
	char *d;

	chart_svg(&sb, &c);
	ck_assert_ptr_nonnull(strstr(sb.data, "read n/a"));
	ck_assert_ptr_nonnull(strstr(sb.data, ">1 KiB/s<"));
	d = path_of(sb.data, 0);
	ck_assert_str_eq(d, "");
	free(d);
	strbuf_free(&sb);
}
END_TEST

/* A sample with gaps on both sides still shows: a zero-length segment, drawn as a dot. */
START_TEST(lone_sample_is_a_dot)
{
	const double v[] = { NAN, 2 * KiB, NAN };
	const struct chart_series series[] = { { .name = "rx", .values = v } };
	struct chart c = {
		.title = "Net", .unit = CHART_BYTES_PER_SECOND, .window = 3, .n = 3,
		.seconds_per_slot = 1, .series = series, .nseries = 1,
	};
	struct strbuf sb = STRBUF_INIT;
	char *d;

	chart_svg(&sb, &c);
	d = path_of(sb.data, 0);
	ck_assert_str_eq(d, "M250.0 26.0l0 0");
	free(d);
	ck_assert_ptr_nonnull(strstr(sb.data, "stroke-linecap=\"round\""));
	strbuf_free(&sb);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("chart");
	TCase *tc = tcase_create("chart");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, nice_top, 0, sizeof(tops) / sizeof(tops[0]));
	tcase_add_loop_test(tc, format_value, 0, sizeof(formats) / sizeof(formats[0]));
	tcase_add_test(tc, line_chart);
	tcase_add_test(tc, stacked_chart);
	tcase_add_test(tc, empty_chart);
	tcase_add_test(tc, lone_sample_is_a_dot);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
