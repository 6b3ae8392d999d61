/* IP addresses and CIDR ranges: parsing and matching, no I/O. */
#ifndef FWPROXY_NETADDR_H
#define FWPROXY_NETADDR_H

#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 network. IPv4 is stored as an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) with prefix + 96, so one comparison serves both. */
struct cidr {
	uint8_t addr[16];
	int prefix; /* 0..128 */
};

/* Parses "A.B.C.D", "A.B.C.D/N", "IPV6", "IPV6/N" (strict dotted quad, no
 * shorthand). Returns NULL or a constant error message. */
const char *cidr_parse(const char *s, struct cidr *out);

/* Sets *network (may be NULL) to net with the address bits past its
 * prefix cleared. Returns 1 when some were set ("10.0.0.1/8": the text
 * names an address, the range is 10.0.0.0/8), else 0. */
int cidr_network(const struct cidr *net, struct cidr *network);

/* Fills addr[16] (v4 mapped) from a sockaddr; returns 0 / -1 (not IP). */
int netaddr_from_sockaddr(const struct sockaddr *sa, uint8_t addr[16]);

/* 1 when addr (16 bytes) is an IPv4 address in its v4-mapped form. */
int netaddr_is_v4(const uint8_t addr[16]);

/* 1 when addr (16 bytes, v4 mapped) lies in net. */
int cidr_contains(const struct cidr *net, const uint8_t addr[16]);

/* 1 for loopback, link-local, unspecified, multicast, broadcast and
 * IPv4-mapped or -compatible forms of those: never a proxy destination
 * unless explicitly allowed. */
int netaddr_is_special(const uint8_t addr[16]);

/* Formats addr as text (dotted quad for v4 mapped). buf >= 46 bytes. */
const char *netaddr_format(const uint8_t addr[16], char *buf, size_t size);

#endif
