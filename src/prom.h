/*
 * prom: a snapshot in the Prometheus text exposition format 0.0.4.
 * Host metrics use node_exporter's names and labels, so existing dashboards
 * work; the daemon's own carry the sse_metricsd_ prefix. Pure function.
 */
#ifndef SSE_PROM_H
#define SSE_PROM_H

#include "snapshot.h"
#include "strbuf.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Append the whole exposition of s to sb. */
void prom_render(struct strbuf *sb, const struct snapshot *s);

#endif
