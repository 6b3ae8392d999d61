#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(void)
{
	fputs("fwproxy: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

const char *parse_number_n(const char *s, size_t n, long long min,
                           long long max, long long *out)
{
	unsigned long long v = 0;
	size_t i;

	if (n == 0)
		return "is not a number";
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return "is not a number";
		if (v > (unsigned long long)max / 10 + 1)
			return "is too large";
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (max >= 0 && v > (unsigned long long)max)
		return "is too large";
	if (min > 0 && v < (unsigned long long)min)
		return "is too small";
	*out = (long long)v;
	return NULL;
}

const char *parse_number(const char *s, long long min, long long max,
                         long long *out)
{
	return parse_number_n(s, strlen(s), min, max, out);
}

size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t str_uint(char *out, unsigned long long v)
{
	char digits[20];
	size_t n = 0, i;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = digits[n - 1 - i];
	out[n] = '\0';
	return n;
}

int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int ascii_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int ascii_casecmp_n(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int d = ascii_lower((unsigned char)a[i]) -
		        ascii_lower((unsigned char)b[i]);
		if (d != 0 || a[i] == '\0')
			return d;
	}
	return 0;
}
