/*
 * sse: Server-Sent Events framing, as the WHATWG HTML standard defines it.
 * Pure functions over a strbuf; no state.
 */
#ifndef SSE_SSE_H
#define SSE_SSE_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define SSE_NO_ID UINT64_MAX

/*
 * Append one event: "event: NAME\n" (when name is not NULL), "id: ID\n" (when
 * id is not SSE_NO_ID), then one "data: " line per line of data, then the
 * blank line that dispatches it. Data is split at LF, CR and CRLF, the three
 * line ends a client recognises, so every line survives; empty data gives
 * one empty data line, which a client still dispatches (with empty data).
 * name must not contain CR or LF.
 */
void sse_frame(struct strbuf *sb, const char *name, uint64_t id,
    const char *data, size_t len);

/* Append a comment line (":" text), which clients ignore: a heartbeat. */
void sse_comment(struct strbuf *sb, const char *text);

#endif
