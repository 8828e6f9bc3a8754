#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

void
strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	size_t cap;

	if (need <= sb->cap)
		return;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	sb->data = xreallocarray(sb->data, cap, 1);
	sb->cap = cap;
}

void
strbuf_append(struct strbuf *sb, const char *s, size_t len)
{
	strbuf_reserve(sb, len);
	memcpy(sb->data + sb->len, s, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

void
strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_append(sb, s, strlen(s));
}

void
strbuf_putc(struct strbuf *sb, char c)
{
	strbuf_append(sb, &c, 1);
}

void
strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	strbuf_reserve(sb, 64);
	va_start(ap, fmt);
	n = vsnprintf(sb->data + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sb->cap - sb->len) {
		strbuf_reserve(sb, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(sb->data + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

void
strbuf_put_html(struct strbuf *sb, const char *s)
{
	const char *run = s;
	size_t n;

	while (*s != '\0') {
		const char *ent;

		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		case '\r': ent = "&#13;"; break;	/* SSE data would make it a line break */
		default:
			if ((n = strbuf_utf8_char(s)) != 0) {
				s += n;
				continue;
			}
			ent = "\xef\xbf\xbd";	/* U+FFFD, as JSON and Prometheus have it */
			break;
		}
		strbuf_append(sb, run, (size_t)(s - run));
		strbuf_puts(sb, ent);
		run = ++s;
	}
	strbuf_append(sb, run, (size_t)(s - run));
}

size_t
strbuf_utf8_char(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned cp, min;
	size_t n;

	if (s[0] == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, min = 0x80, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, min = 0x800, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, min = 0x10000, cp = s[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* the NUL too: never read past it */
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void
strbuf_put_utf8(struct strbuf *sb, const char *s)
{
	const char *run = s;
	size_t n;

	while (*s != '\0') {
		if ((n = strbuf_utf8_char(s)) > 0) {
			s += n;
			continue;
		}
		strbuf_append(sb, run, (size_t)(s - run));
		strbuf_append(sb, "\xef\xbf\xbd", 3);	/* U+FFFD REPLACEMENT CHARACTER */
		run = ++s;
	}
	strbuf_append(sb, run, (size_t)(s - run));
}

void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->data != NULL)
		sb->data[0] = '\0';
}

char *
strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *p;

	if (sb->data == NULL)
		strbuf_reserve(sb, 0), sb->data[0] = '\0';
	p = sb->data;
	if (len != NULL)
		*len = sb->len;
	sb->data = NULL;
	sb->len = sb->cap = 0;
	return p;
}

void
strbuf_free(struct strbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}
