/*
 * html: a snapshot as the dashboard's HTML fragments, for HTMX.
 * Pure: called once per tick by the collector thread through render.
 */
#ifndef SSE_HTML_H
#define SSE_HTML_H

#include "snapshot.h"
#include "strbuf.h"

/* Append every card as an out-of-band fragment (hx-swap-oob), one per line. */
void html_render(struct strbuf *sb, const struct snapshot *s);

#endif
