/* Small helpers shared by every module: allocation that cannot fail,
 * bounded number parsing, bounded string copies. */
#ifndef FWPROXY_UTIL_H
#define FWPROXY_UTIL_H

#include <stddef.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation failure is fatal: these never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Parses all of s (decimal digits only: no sign, no space, no prefix) into
 * *out within [min, max]. Returns NULL on success, else a constant message
 * ("is not a number", "is too small", "is too large"). */
const char *parse_number(const char *s, long long min, long long max,
                         long long *out);

/* Same for the n bytes at s (not NUL-terminated). */
const char *parse_number_n(const char *s, size_t n, long long min,
                           long long max, long long *out);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t size);

/* Writes v in decimal and a NUL to out (at least 21 bytes); returns the
 * number of digits. For hot paths where printf costs too much. */
size_t str_uint(char *out, unsigned long long v);

/* ASCII-only helpers, independent of the locale. */
int ascii_lower(int c);
/* The value of a hexadecimal digit, either case, or -1. */
int ascii_hex_digit(int c);
int ascii_casecmp_n(const char *a, const char *b, size_t n);
/* 1 when the n bytes at s equal the NUL-terminated lit, ignoring ASCII case.
 * Inline so that a literal's length is known when compiling: most
 * comparisons end at the length. */
static inline int ascii_eq_n(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && ascii_casecmp_n(s, lit, n) == 0;
}

#endif
