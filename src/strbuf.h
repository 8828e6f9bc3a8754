/*
 * strbuf: a growable byte buffer for building text (JSON, HTML, SSE frames,
 * Prometheus text). Not shared between threads: one owner builds it, then
 * hands the bytes over with strbuf_detach().
 */
#ifndef SSE_STRBUF_H
#define SSE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *data;	/* always NUL-terminated once anything was added */
	size_t len;	/* bytes used, without the NUL */
	size_t cap;	/* bytes allocated */
};

#define STRBUF_INIT { NULL, 0, 0 }

/* Make room for at least extra more bytes (plus the NUL). */
void strbuf_reserve(struct strbuf *sb, size_t extra);
/* Append len bytes. */
void strbuf_append(struct strbuf *sb, const char *s, size_t len);
/* Append a NUL-terminated string. */
void strbuf_puts(struct strbuf *sb, const char *s);
/* Append one byte. */
void strbuf_putc(struct strbuf *sb, char c);
/* Append formatted text. */
void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * Append s with & < > " ' and CR replaced by HTML entities, and every byte
 * that starts no valid UTF-8 character by U+FFFD.
 */
void strbuf_put_html(struct strbuf *sb, const char *s);
/*
 * The length (1 to 4) of the valid UTF-8 character that starts s, or 0 when
 * s does not start one (a stray or truncated byte, an overlong form, a
 * surrogate, past U+10FFFF) or is at its NUL.
 */
size_t strbuf_utf8_char(const char *s);
/* Append s with every byte that starts no valid UTF-8 character as U+FFFD. */
void strbuf_put_utf8(struct strbuf *sb, const char *s);
/* Forget the contents, keep the allocation. */
void strbuf_reset(struct strbuf *sb);
/* Take the bytes (NUL-terminated, never NULL); the buffer becomes empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
/* Free the bytes. */
void strbuf_free(struct strbuf *sb);

#endif
