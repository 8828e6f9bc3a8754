/*
 * snapjson: a snapshot as the JSON object of the "snapshot" event and of
 * /api/snapshot. Field names carry their units (_bytes, _seconds, _percent,
 * _per_second, _total for counters); doc/json-schema.md documents them.
 * Pure: called by the collector thread through render, or by tests.
 */
#ifndef SSE_SNAPJSON_H
#define SSE_SNAPJSON_H

#include <stddef.h>

#include "snapshot.h"

/* The snapshot as one line of JSON (heap, NUL-terminated); *len its length. */
char *snapjson_render(const struct snapshot *s, size_t *len);

#endif
