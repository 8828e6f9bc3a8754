/*
 * fuzz_sse: sse_frame() with any name, id and data, read back by an
 * EventSource-conforming parser (tests/sseclient.c).
 *
 * The input: one byte of flags (1: a name, 2: an id, 4: also a comment),
 * then with 2 the id's 8 bytes (little-endian), then with 1 the name up to
 * a NUL (its CR and LF left out: sse.h forbids them), then the data. The
 * frame, fed twice and split at an input-chosen byte, must give two events
 * of that name (or "message"), that id, and the data with every line end
 * (CRLF, CR, LF) as LF: what a browser hands to its listener. A comment
 * sse_comment() makes of the data (without CR and LF) is no event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "sse.h"
#include "sseclient.h"

static unsigned long runs, named, with_id, lines;

/* The data as the client must see it: CRLF and CR as LF. */
static char *
normalised(const uint8_t *data, size_t len, size_t *out_len, unsigned *nlines)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	*nlines = 1;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\r' || data[i] == '\n') {
			if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
				i++;
			out[o++] = '\n';
			(*nlines)++;
		} else {
			out[o++] = (char)data[i];
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

static void
check_event(const struct sse_event *e, const char *type, const char *id, int has_id,
    const char *data, size_t len, unsigned nlines)
{
	if (e == NULL)
		fuzz_fail("sse: an event is missing");
	if (strcmp(e->type, type) != 0)
		fuzz_fail("sse: event type '%s', want '%s'", e->type, type);
	if (e->has_id != has_id || strcmp(e->id, id) != 0)
		fuzz_fail("sse: id '%s' (%d), want '%s' (%d)", e->id, e->has_id, id, has_id);
	if (e->data_len != len || memcmp(e->data, data, len) != 0)
		fuzz_fail("sse: data of %zu bytes, want %zu", e->data_len, len);
	if (e->data_lines != nlines)
		fuzz_fail("sse: %u data lines, want %u", e->data_lines, nlines);
}

static void
report(void)
{
	printf("fuzz_sse: %lu runs; %lu with a name, %lu with an id, %lu data lines\n", runs, named,
	    with_id, lines);
	fflush(stdout);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	atexit(report);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	const uint8_t *p = data, *end = data + size;
	uint64_t id = SSE_NO_ID;
	char *name = NULL, *want, id_text[32] = "";
	const char *type = "message";
	size_t want_len, split;
	unsigned flags, nlines;
	sseclient_t *client;

	if (size == 0)
		return 0;
	runs++;
	flags = *p++;
	if (flags & 2) {
		if (end - p < 8)
			return 0;
		id = 0;
		for (int i = 7; i >= 0; i--)
			id = id << 8 | p[i];
		p += 8;
		if (id != SSE_NO_ID) {
			snprintf(id_text, sizeof(id_text), "%llu", (unsigned long long)id);
			with_id++;
		}
	}
	if (flags & 1) {
		const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));
		size_t n = 0;

		if (nul == NULL)
			nul = end;
		name = malloc((size_t)(nul - p) + 1);
		for (const uint8_t *q = p; q < nul; q++)
			if (*q != '\r' && *q != '\n')
				name[n++] = (char)*q;
		name[n] = '\0';
		if (n > 0)
			type = name;	/* "event: " with nothing is the default type */
		p = nul < end ? nul + 1 : nul;
		named++;
	}
	want = normalised(p, (size_t)(end - p), &want_len, &nlines);
	lines += nlines;

	sse_frame(&sb, name, id, (const char *)p, (size_t)(end - p));
	sse_frame(&sb, name, id, (const char *)p, (size_t)(end - p));
	client = sseclient_create();
	split = sb.len ? size % sb.len : 0;
	sseclient_feed(client, sb.data, split);
	sseclient_feed(client, sb.data + split, sb.len - split);
	if (sseclient_count(client) != 2)
		fuzz_fail("sse: two frames gave %zu events", sseclient_count(client));
	for (size_t i = 0; i < 2; i++)
		check_event(sseclient_event(client, i), type, id_text, id != SSE_NO_ID, want, want_len,
		    nlines);
	sseclient_free(client);

	if (flags & 4) {
		char *text = malloc(want_len + 1);
		size_t n = 0;

		for (size_t i = 0; i < want_len; i++)
			if (want[i] != '\n' && want[i] != '\0')
				text[n++] = want[i];
		text[n] = '\0';
		strbuf_reset(&sb);
		sse_comment(&sb, text);
		client = sseclient_create();
		sseclient_feed(client, sb.data, sb.len);
		if (sseclient_count(client) != 0 || sseclient_comments(client) != 1)
			fuzz_fail("sse: a comment gave %zu events and %u comments", sseclient_count(client),
			    sseclient_comments(client));
		sseclient_free(client);
		free(text);
	}
	strbuf_free(&sb);
	free(want);
	free(name);
	return 0;
}
