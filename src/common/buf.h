/* A byte buffer with a read offset: data[off, off + len) is pending. */
#ifndef FWPROXY_BUF_H
#define FWPROXY_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NULL until first needed */
	size_t off;
	size_t len;
	size_t cap;
};

/* Makes sure the buffer has storage of cap bytes (allocating on first
 * use) and that its pending bytes start at offset 0 when the free tail is
 * smaller than want. */
void buf_reserve(struct buf *b, size_t cap, size_t want);

/* Free space after the pending bytes. */
size_t buf_room(const struct buf *b);
char *buf_tail(struct buf *b);
const char *buf_head(const struct buf *b);

void buf_consume(struct buf *b, size_t n);

/* Appends n bytes; the buffer grows as needed. */
void buf_append(struct buf *b, const void *p, size_t n);
void buf_append_str(struct buf *b, const char *s);
/* Appends v in decimal (the hot path's printf). */
void buf_append_uint(struct buf *b, unsigned long long v);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The pending bytes as a C string: a NUL is kept after them (not counted
 * in len). Valid until the buffer changes. */
const char *buf_cstr(struct buf *b);

/* Frees the storage when nothing is pending (idle connections keep no
 * buffers). Returns the bytes freed. */
size_t buf_release_if_empty(struct buf *b);
void buf_free(struct buf *b);

#endif
