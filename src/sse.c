#include "sse.h"

#include <string.h>

void
sse_frame(struct strbuf *sb, const char *name, uint64_t id,
    const char *data, size_t len)
{
	const char *end = data + len;
	const char *line = data;

	/* "data: " per line plus the headers; most events are one line. */
	strbuf_reserve(sb, len + 64);
	if (name != NULL)
		strbuf_printf(sb, "event: %s\n", name);
	if (id != SSE_NO_ID)
		strbuf_printf(sb, "id: %llu\n", (unsigned long long)id);
	for (;;) {
		/* The first '\n' or '\r'; memchr, as a tick frames ~80 KB. */
		const char *p = memchr(line, '\n', (size_t)(end - line));
		const char *cr;

		if (p == NULL)
			p = end;
		if ((cr = memchr(line, '\r', (size_t)(p - line))) != NULL)
			p = cr;
		strbuf_append(sb, "data: ", 6);
		strbuf_append(sb, line, (size_t)(p - line));
		strbuf_putc(sb, '\n');
		if (p == end)
			break;
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			p++;
		line = p + 1;	/* a final line end yields a last, empty line */
	}
	strbuf_putc(sb, '\n');
}

void
sse_comment(struct strbuf *sb, const char *text)
{
	strbuf_putc(sb, ':');
	if (text != NULL && *text != '\0') {
		strbuf_putc(sb, ' ');
		strbuf_puts(sb, text);
	}
	strbuf_append(sb, "\n\n", 2);
}
