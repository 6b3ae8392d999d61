/* The text of the kernel's route tables, /proc/net/route and
 * /proc/net/ipv6_route: fields and hexadecimal numbers. Pure functions. */
#ifndef FWPROXY_CTL_ROUTE_TEXT_H
#define FWPROXY_CTL_ROUTE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Splits (line, end) at tabs and spaces into at most max fields: f[i]
 * and len[i]. Returns their count. */
size_t route_fields(const char *line, const char *end, const char **f,
                    size_t *len, size_t max);

/* The n hexadecimal digits at s (1 to 8, either case) into *out. Returns
 * 0, or -1 for anything else. */
int route_hex(const char *s, size_t n, uint32_t *out);

#endif
