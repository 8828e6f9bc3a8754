#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The drawing, in viewBox units; the SVG scales to its container's width. */
#define W		440.0
#define H		170.0
#define LEFT		70.0	/* room for "1023 MiB/s" */
#define RIGHT		10.0
#define TOP		26.0	/* room for the legend */
#define BOTTOM		22.0	/* room for the time labels */
#define FONT		12	/* px in viewBox units */
#define CHAR_W		6.8	/* rough advance of one character at FONT */

/* Series colours that read on white and on a dark grey alike. */
static const char *const colours[CHART_MAX_SERIES] = {
	"#3b82f6", "#f59e0b", "#ef4444", "#10b981",
};

static const char *const byte_units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
#define NUNITS (sizeof(byte_units) / sizeof(byte_units[0]))

/* The power of 1024 that brings v below 1024 (0 for v < 1024). */
static size_t
unit_of(double v)
{
	size_t u = 0;

	while (v >= 1024 && u + 1 < NUNITS) {
		v /= 1024;
		u++;
	}
	return u;
}

/* "12", "1.5", "0.25": up to two decimals, no trailing zeros. */
static void
format_number(char *buf, size_t len, double v)
{
	if (fabs(v) >= 100 || fabs(v - round(v)) < 0.005)
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v * 10 - round(v * 10)) < 0.05)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

/* v in the unit of power u: "1.5 GiB", "3 KiB/s". */
static void
format_in_unit(char *buf, size_t len, double v, size_t u, enum chart_unit unit)
{
	char num[32];

	format_number(num, sizeof(num), v / pow(1024, (double)u));
	snprintf(buf, len, "%s %s%s", num, byte_units[u],
	    unit == CHART_BYTES_PER_SECOND ? "/s" : "");
}

void
chart_format_value(char *buf, size_t len, double v, enum chart_unit unit)
{
	if (isnan(v)) {
		snprintf(buf, len, "n/a");
		return;
	}
	if (unit == CHART_PERCENT) {
		snprintf(buf, len, "%.1f %%", v);
		return;
	}
	if (v < 0)
		v = 0;
	/*
	 * Three significant digits at most: "812 KiB/s", "1.53 GiB". The unit
	 * and the decimals are chosen for the value as printed, rounded: 1023.6
	 * is "1.00 KiB", not "1024 B", and 9.996 KiB "10.0 KiB", not "10.00".
	 */
	{
		size_t u = unit_of(v);
		double x = v / pow(1024, (double)u);
		int dec = u == 0 || x >= 100 ? 0 : x >= 10 ? 1 : 2;

		if (round(x * pow(10, dec)) / pow(10, dec) >= 1024 && u + 1 < NUNITS) {
			x /= 1024;
			u++;
			dec = 2;
		}
		if (dec == 2 && round(x * 100) / 100 >= 10)
			dec = 1;
		if (dec == 1 && round(x * 10) / 10 >= 100)
			dec = 0;
		snprintf(buf, len, "%.*f %s%s", dec, x, byte_units[u],
		    unit == CHART_BYTES_PER_SECOND ? "/s" : "");
	}
}

/* 1, 2, 2.5 or 5 times a power of ten, at least raw. */
static double
nice_step(double raw)
{
	double mag = pow(10, floor(log10(raw))), f = raw / mag;

	if (f <= 1.0001)
		return mag;
	if (f <= 2.0001)
		return 2 * mag;
	if (f <= 2.5001)
		return 2.5 * mag;
	if (f <= 5.0001)
		return 5 * mag;
	return 10 * mag;
}

double
chart_nice_top(double max, enum chart_unit unit, double *step)
{
	double div, x, s, top;

	if (unit == CHART_PERCENT && max <= 100) {
		*step = 25;
		return 100;
	}
	if (!(max > 0))	/* also NAN */
		max = unit == CHART_PERCENT ? 100 : 1024;
	if (unit != CHART_PERCENT && max < 1024)
		max = 1024;	/* an idle link: 0 .. 1 KiB/s, not 0 .. 1 B/s */
	div = unit == CHART_PERCENT ? 1 : pow(1024, (double)unit_of(max));
	x = max / div;
	s = nice_step(x / 4);
	top = ceil(x / s - 1e-9) * s;
	/*
	 * Just under 1024 of a unit, the top can pass it (1010 KiB: steps of
	 * 500 to 1500): the labels are then in the next unit, where 500 KiB is
	 * not round. Choose the steps in that unit instead (0.25 MiB).
	 */
	if (unit != CHART_PERCENT && top >= 1024 && div < pow(1024, (double)(NUNITS - 1))) {
		div *= 1024;
		x = max / div;
		s = nice_step(x / 4);
		top = ceil(x / s - 1e-9) * s;
	}
	*step = s * div;
	return top * div;
}

/* Axis labels of the x axis: "-45s", "-2m", "-1h", "now". */
static void
format_age(char *buf, size_t len, double seconds)
{
	if (seconds < 0.5)
		snprintf(buf, len, "now");
	else if (seconds < 120)
		snprintf(buf, len, "-%.0fs", seconds);
	else if (seconds < 7200)
		snprintf(buf, len, "-%.0fm", seconds / 60);
	else
		snprintf(buf, len, "-%.0fh", seconds / 3600);
}

/* A round time step giving at most five intervals over span seconds. */
static double
time_step(double span)
{
	static const double steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
	    7200, 14400, 43200, 86400 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span / steps[i] <= 5)
			return steps[i];
	return 86400;
}

static double
slot_x(const struct chart *c, size_t slot)
{
	return LEFT + (W - LEFT - RIGHT) * (double)slot / (double)(c->window - 1);
}

static double
value_y(double v, double top)
{
	double plot = H - TOP - BOTTOM;

	if (v < 0)
		v = 0;
	if (v > top)
		v = top;
	return TOP + plot * (1 - v / top);
}

/*
 * Write v with one decimal (tenth != 0) or none, rounded half away from
 * zero, backwards into the buffer that ends at end; returns its start. By
 * hand: printf's float formatting was most of a tick's rendering time, and
 * the SVG's coordinates are most of its numbers.
 */
static char *
fixed_back(char *end, double v, int tenth)
{
	long n = lround(tenth ? v * 10 : v), t = n < 0 ? -n : n;
	char *p = end;

	if (tenth) {
		*--p = (char)('0' + t % 10);
		*--p = '.';
		t /= 10;
	}
	do {
		*--p = (char)('0' + t % 10);
		t /= 10;
	} while (t > 0);
	if (n < 0)
		*--p = '-';
	return p;
}

/* Append v as printf's "%.1f" (tenth) or "%.0f" would, but for ties. */
static void
put_fixed(struct strbuf *sb, double v, int tenth)
{
	char buf[32], *p = fixed_back(buf + sizeof(buf), v, tenth);

	strbuf_append(sb, p, (size_t)(buf + sizeof(buf) - p));
}

/* Append text, v as put_fixed() writes it, then more text. */
static void
put_between(struct strbuf *sb, const char *text, double v, int tenth, const char *more)
{
	strbuf_puts(sb, text);
	put_fixed(sb, v, tenth);
	strbuf_puts(sb, more);
}

/* Append "Cx.x y.y": a path command and a point, one decimal each. */
static void
put_point(struct strbuf *sb, char cmd, double x, double y)
{
	char buf[64], *p = fixed_back(buf + sizeof(buf), y, 1);

	*--p = ' ';
	p = fixed_back(p, x, 1);
	*--p = cmd;
	strbuf_append(sb, p, (size_t)(buf + sizeof(buf) - p));
}

/* Append a horizontal grid line at y. */
static void
put_grid_line(struct strbuf *sb, double y)
{
	put_between(sb, "<line x1=\"", LEFT, 0, "\" x2=\"");
	put_fixed(sb, W - RIGHT, 0);
	put_between(sb, "\" y1=\"", y, 1, "\" y2=\"");
	put_between(sb, "", y, 1, "\"/>");
}

/* The value series k draws at sample j: its own, or the running sum when stacked. */
static double
drawn_value(const struct chart *c, size_t k, size_t j)
{
	double sum = 0;

	if (!c->stacked)
		return c->series[k].values[j];
	for (size_t i = 0; i <= k; i++) {
		double v = c->series[i].values[j];

		if (isnan(v))
			return NAN;
		sum += v;
	}
	return sum;
}

/* The path data of series k: one sub-path per run of samples without a gap. */
static void
series_path(struct strbuf *sb, const struct chart *c, size_t k, double top)
{
	size_t first = c->window - c->n;
	size_t j = 0;

	while (j < c->n) {
		size_t start, end;

		while (j < c->n && isnan(drawn_value(c, k, j)))
			j++;
		if (j == c->n)
			break;
		start = j;
		while (j < c->n && !isnan(drawn_value(c, k, j)))
			j++;
		end = j;	/* run [start, end) */
		for (size_t i = start; i < end; i++)
			put_point(sb, i == start ? 'M' : 'L', slot_x(c, first + i),
			    value_y(drawn_value(c, k, i), top));
		if (!c->stacked) {
			if (end - start == 1)	/* a lone sample: a dot (round cap) */
				strbuf_puts(sb, "l0 0");
			continue;
		}
		/* Close the area along the top of the series below (or the axis). */
		for (size_t i = end; i-- > start;)
			put_point(sb, 'L', slot_x(c, first + i),
			    value_y(k == 0 ? 0 : drawn_value(c, k - 1, i), top));
		strbuf_putc(sb, 'Z');
	}
}

/* The latest value of series k, or NAN. */
static double
latest(const struct chart *c, size_t k)
{
	if (c->series[k].has_latest)
		return c->series[k].latest;
	return c->n == 0 ? NAN : c->series[k].values[c->n - 1];
}

void
chart_svg(struct strbuf *sb, const struct chart *c)
{
	double max = 0, top, step, span, tstep, legend_x, legend_w = 0;
	size_t nseries = c->nseries > CHART_MAX_SERIES ? CHART_MAX_SERIES : c->nseries;
	char label[64];

	for (size_t j = 0; j < c->n; j++)
		for (size_t k = 0; k < nseries; k++) {
			double v = drawn_value(c, k, j);

			if (!isnan(v) && v > max)
				max = v;
		}
	if (c->ymax > 0) {
		top = c->ymax;
		chart_nice_top(c->ymax, c->unit, &step);
		if (c->unit == CHART_PERCENT)
			step = 25;
	} else {
		top = chart_nice_top(max, c->unit, &step);
	}

	strbuf_printf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" "
	    "viewBox=\"0 0 %.0f %.0f\" role=\"img\" font-family=\"system-ui, sans-serif\" "
	    "font-size=\"%d\">", W, H, FONT);

	/* The accessible name: what, over how long, the latest values. */
	strbuf_puts(sb, "<title>");
	strbuf_put_html(sb, c->title);
	span = c->seconds_per_slot * (double)(c->window - 1);
	if (c->seconds_per_slot > 0)
		strbuf_printf(sb, ", last %.0f s", c->span_seconds > 0 ? c->span_seconds :
		    c->seconds_per_slot * (double)c->window);
	for (size_t k = 0; k < nseries; k++) {
		chart_format_value(label, sizeof(label), latest(c, k), c->unit);
		strbuf_puts(sb, k == 0 ? ": " : ", ");
		strbuf_put_html(sb, c->series[k].name);
		strbuf_printf(sb, " %s", label);
	}
	strbuf_puts(sb, "</title>");

	/* Horizontal grid lines and the y labels. */
	strbuf_puts(sb, "<g class=\"grid\" stroke=\"currentColor\" stroke-opacity=\"0.15\">");
	for (double v = 0; v <= top * (1 + 1e-9); v += step)
		put_grid_line(sb, value_y(v, top));
	if (fmod(top, step) > step * 1e-6)	/* a fixed top between two ticks */
		put_grid_line(sb, value_y(top, top));
	strbuf_puts(sb, "</g><g class=\"axis\" fill=\"currentColor\" fill-opacity=\"0.7\">");
	{
		size_t u = c->unit == CHART_PERCENT ? 0 : unit_of(top);

		for (double v = 0; v <= top * (1 + 1e-9); v += step) {
			if (v == 0) {
				snprintf(label, sizeof(label), "0");
			} else if (c->unit == CHART_PERCENT) {
				format_number(label, sizeof(label), v);
				strncat(label, " %", sizeof(label) - strlen(label) - 1);
			} else {
				format_in_unit(label, sizeof(label), v, u, c->unit);
			}
			put_between(sb, "<text x=\"", LEFT - 6, 0, "\" y=\"");
			put_between(sb, "", value_y(v, top), 1,
			    "\" text-anchor=\"end\" dominant-baseline=\"middle\">");
			strbuf_puts(sb, label);
			strbuf_puts(sb, "</text>");
		}
	}

	/* The time labels, right to left from "now". */
	tstep = time_step(span);
	for (double age = 0; age <= span + 1e-9 && c->seconds_per_slot > 0; age += tstep) {
		double x = W - RIGHT - (W - LEFT - RIGHT) * age / span;

		format_age(label, sizeof(label), age);
		put_between(sb, "<text x=\"", x, 1, "\" y=\"");
		put_between(sb, "", H - 6, 0, "\" text-anchor=\"");
		strbuf_puts(sb, age == 0 ? "end" : x - LEFT < 20 ? "start" : "middle");
		strbuf_puts(sb, "\">");
		strbuf_puts(sb, label);
		strbuf_puts(sb, "</text>");
	}
	strbuf_puts(sb, "</g>");

	/*
	 * The series: areas (stacked) or lines, each with its own title. Stacked
	 * areas are drawn top first, so a series at zero does not hide the edge
	 * of the one below it.
	 */
	for (size_t i = 0; i < nseries; i++) {
		size_t k = c->stacked ? nseries - 1 - i : i;

		if (c->stacked)
			strbuf_printf(sb, "<path class=\"s%zu\" fill=\"%s\" fill-opacity=\"0.35\" "
			    "stroke=\"%s\" stroke-width=\"1.5\" stroke-linejoin=\"round\" d=\"",
			    k, colours[k], colours[k]);
		else
			strbuf_printf(sb, "<path class=\"s%zu\" fill=\"none\" stroke=\"%s\" "
			    "stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\" d=\"",
			    k, colours[k]);
		series_path(sb, c, k, top);
		strbuf_puts(sb, "\"><title>");
		strbuf_put_html(sb, c->series[k].name);
		strbuf_puts(sb, "</title></path>");
	}

	/*
	 * The legend: a swatch, the name and the latest value of each series,
	 * over the plot, or from the left edge when that is too narrow.
	 */
	for (size_t k = 0; k < nseries; k++) {
		chart_format_value(label, sizeof(label), latest(c, k), c->unit);
		legend_w += 28 + CHAR_W * (double)(strlen(c->series[k].name) + 1 + strlen(label));
	}
	legend_x = legend_w <= W - RIGHT - LEFT ? LEFT : 4;
	strbuf_puts(sb, "<g class=\"legend\" fill=\"currentColor\">");
	for (size_t k = 0; k < nseries; k++) {
		chart_format_value(label, sizeof(label), latest(c, k), c->unit);
		strbuf_printf(sb, "<rect class=\"s%zu\" x=\"", k);
		put_between(sb, "", legend_x, 1, "\" y=\"6\" width=\"10\" height=\"10\" rx=\"2\" fill=\"");
		strbuf_puts(sb, colours[k]);
		put_between(sb, "\"/><text x=\"", legend_x + 14, 1, "\" y=\"15\">");
		strbuf_put_html(sb, c->series[k].name);
		strbuf_printf(sb, " <tspan font-weight=\"600\">%s</tspan></text>", label);
		legend_x += 14 + CHAR_W * (double)(strlen(c->series[k].name) + 1 + strlen(label)) + 14;
	}
	strbuf_puts(sb, "</g></svg>");
}
