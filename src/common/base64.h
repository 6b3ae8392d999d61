/* Base64 (RFC 4648, standard alphabet, padded) for Basic credentials. */
#ifndef FWPROXY_BASE64_H
#define FWPROXY_BASE64_H

#include <stddef.h>

/* Returns the encoding of the n bytes at data as a NUL-terminated string
 * the caller frees. */
char *base64_encode(const void *data, size_t n);

/* Returns the encoding of "user:pass", as sent in a Basic Authorization or
 * Proxy-Authorization header; the caller frees it. */
char *base64_credentials(const char *user, const char *pass);

#endif
