/*
 * chart: a few time series as one self-contained SVG line or area chart,
 * with axes, unit-scaled tick labels, a legend with the latest values and a
 * <title> for screen readers.
 *
 * Pure functions: no state, no allocation that outlives a call. The SVG
 * colours itself with currentColor for text and axes (so it follows the
 * embedding page's text colour, light or dark) and fixed series colours
 * carried as attributes and classes (.s0 .. .s3), which a page's CSS may
 * override.
 */
#ifndef SSE_CHART_H
#define SSE_CHART_H

#include <stddef.h>

#include "strbuf.h"

enum chart_unit {
	CHART_PERCENT,		/* "25 %" */
	CHART_BYTES,		/* "1.5 GiB": powers of 1024 */
	CHART_BYTES_PER_SECOND,	/* "12 MiB/s" */
};

#define CHART_MAX_SERIES 4

struct chart_series {
	const char *name;	/* legend text: "user", "receive" */
	const double *values;	/* n values, oldest first; NAN: no sample there */
	int has_latest;		/* 1: the legend shows latest, not the last of values */
	double latest;		/* (a chart of averages: the newest tick's own value) */
};

struct chart {
	const char *title;	/* "CPU": first words of the <title> */
	enum chart_unit unit;
	int stacked;		/* 1: filled areas, each on top of the previous */
	double ymax;		/* fixed top of the y axis (100 for percent), 0: auto */
	size_t window;		/* slots on the x axis (>= 2); values fill the right-most n */
	size_t n;		/* values per series, at most window */
	double seconds_per_slot;	/* for the time labels of the x axis */
	double span_seconds;	/* > 0: the time the <title> says; else seconds_per_slot * window */
	const struct chart_series *series;
	size_t nseries;		/* 1 .. CHART_MAX_SERIES */
};

/* Append c as one <svg> element (no newline inside, so one SSE data: line). */
void chart_svg(struct strbuf *sb, const struct chart *c);

/*
 * The top of an auto-scaled y axis for data up to max, and its step: a
 * round number (1, 2, 2.5 or 5 times a power of ten) of the unit that
 * chart_format_value() would pick for the top, so the labels read "0, 2,
 * 4, 6 MiB/s". Percent axes and max <= 0 get sensible floors.
 */
double chart_nice_top(double max, enum chart_unit unit, double *step);

/* Format v with unit: "25 %", "1.5 GiB", "0 B/s", "812 KiB/s". */
void chart_format_value(char *buf, size_t len, double v, enum chart_unit unit);

#endif
