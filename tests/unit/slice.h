/* Test helper: a parser's slice as a C string. */
#ifndef FWPROXY_SLICE_H
#define FWPROXY_SLICE_H

#include <string.h>

#include "http_parse.h"

/* The slice's bytes (at most 1023) NUL-terminated, in one of four static
 * buffers used in turn, so that a few may be compared at once. */
static char *slice(struct http_slice s)
{
	static char out[4][1024];
	static int k;
	char *o = out[k++ % 4];
	size_t n = s.n < 1023 ? s.n : 1023;

	memcpy(o, s.p, n);
	o[n] = '\0';
	return o;
}

#endif
