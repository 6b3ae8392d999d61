#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void buf_reserve(struct buf *b, size_t cap, size_t want)
{
	if (b->data == NULL) {
		b->data = xmalloc(cap);
		b->cap = cap;
		b->off = b->len = 0;
		return;
	}
	if (b->len == 0)
		b->off = 0;
	if (b->cap - b->off - b->len < want && b->off > 0) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	if (b->cap < cap) {
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
}

size_t buf_room(const struct buf *b)
{
	return b->data == NULL ? 0 : b->cap - b->off - b->len;
}

char *buf_tail(struct buf *b)
{
	return b->data + b->off + b->len;
}

const char *buf_head(const struct buf *b)
{
	return b->data + b->off;
}

void buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	b->len -= n;
	if (b->len == 0)
		b->off = 0;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	if (b->data == NULL || buf_room(b) < n) {
		size_t need = b->len + n;
		size_t cap = b->cap ? b->cap : 256;
		while (cap < need)
			cap *= 2;
		buf_reserve(b, cap, n);
	}
	memcpy(buf_tail(b), p, n);
	b->len += n;
}

void buf_append_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_append_uint(struct buf *b, unsigned long long v)
{
	char digits[24];

	buf_append(b, digits, str_uint(digits, v));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		buf_append(b, small, (size_t)n);
		return;
	}
	buf_append(b, "", 0);
	buf_reserve(b, b->cap, (size_t)n + 1);
	if (buf_room(b) < (size_t)n + 1)
		buf_reserve(b, b->off + b->len + (size_t)n + 1, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(buf_tail(b), (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *buf_cstr(struct buf *b)
{
	buf_append(b, "", 1);
	b->len--;
	return buf_head(b);
}

size_t buf_release_if_empty(struct buf *b)
{
	size_t cap = b->cap;

	if (b->len != 0)
		return 0;
	buf_free(b);
	return cap;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}
