#include "base64.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t n)
{
	const uint8_t *in = data;
	char *out = xmalloc((n + 2) / 3 * 4 + 1);
	char *o = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		             in[i + 2];
		*o++ = ALPHABET[v >> 18];
		*o++ = ALPHABET[(v >> 12) & 63];
		*o++ = ALPHABET[(v >> 6) & 63];
		*o++ = ALPHABET[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		*o++ = ALPHABET[v >> 18];
		*o++ = ALPHABET[(v >> 12) & 63];
		*o++ = i + 1 < n ? ALPHABET[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

char *base64_credentials(const char *user, const char *pass)
{
	size_t ul = strlen(user), pl = strlen(pass);
	char *joined = xmalloc(ul + pl + 2);
	char *out;

	memcpy(joined, user, ul);
	joined[ul] = ':';
	memcpy(joined + ul + 1, pass, pl + 1);
	out = base64_encode(joined, ul + 1 + pl);
	explicit_bzero(joined, ul + pl + 2);
	free(joined);
	return out;
}
