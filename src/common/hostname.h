/* Host names and IP literals as they arrive in request targets. */
#ifndef FWPROXY_HOSTNAME_H
#define FWPROXY_HOSTNAME_H

#include <stddef.h>
#include <stdint.h>

#define HOSTNAME_MAX 255

/* Normalises the n bytes at in (a reg-name or an IP literal as found in a
 * URL authority, without port) into out (size >= HOSTNAME_MAX + 1): lower
 * case, one trailing dot removed, IPv6 brackets removed. Rejects empty
 * names and labels, labels over 63 bytes, names over 255 bytes, and bytes
 * other than letters, digits, '-', '_' and '.' (or a valid IPv6 literal
 * inside brackets). Returns NULL or a constant error message. */
const char *hostname_normalize(const char *in, size_t n, char *out);

/* If host (normalised) is an IP literal in any form inet_aton or
 * inet_pton accepts (so "127.1", "2130706433", "0x7f.1" and "::ffff:1.2.3.4"
 * all count), stores it v4-mapped in addr and returns 1; else 0. */
int hostname_ip_literal(const char *host, uint8_t addr[16]);

#endif
