/*
 * A growable text buffer for the exporter's responses (cold path: a scrape
 * allocates; the engine is another process).  On allocation failure the
 * buffer is marked failed and further appends are dropped, so a response is
 * either whole or refused with 500.
 */
#ifndef RG_STRBUF_H
#define RG_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rg_strbuf {
	char *data;
	size_t len, cap;
	bool failed;
};

static inline bool _rg_strbuf_reserve(struct rg_strbuf *b, size_t more)
{
	size_t want;
	char *p;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	want = b->cap ? b->cap : 4096;
	while (want < b->len + more + 1)
		want *= 2;
	p = realloc(b->data, want);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = want;
	return true;
}

static inline void rg_strbuf_put(struct rg_strbuf *b, const char *s, size_t n)
{
	if (!_rg_strbuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void rg_strbuf_printf(struct rg_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void rg_strbuf_printf(struct rg_strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !_rg_strbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Hands the text over (the caller frees it); the buffer is empty again. */
static inline char *rg_strbuf_take(struct rg_strbuf *b, size_t *len)
{
	char *d = b->failed ? NULL : b->data;

	if (b->failed)
		free(b->data);
	*len = d != NULL ? b->len : 0;
	memset(b, 0, sizeof(*b));
	return d;
}

#endif /* RG_STRBUF_H */
