/* Running client VMs' IPv6 addresses, from the IPv6 route table (vms.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route_text.h"
#include "util.h"
#include "vms.h"

#define RTF_LOCAL_FLAG   0x80000000UL /* a local address's own route */
#define RTF_CACHE_FLAG   0x01000000UL
#define RTF_ANYCAST_FLAG 0x00100000UL /* a router's subnet anycast (fe80::) */

/* 32 hexadecimal digits into an address. */
static int hex128(const char *s, size_t n, struct in6_addr *out)
{
	size_t i;

	if (n != 32)
		return -1;
	for (i = 0; i < 16; i++) {
		int hi = ascii_hex_digit(s[2 * i]),
		    lo = ascii_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out->s6_addr[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Drops the routes to the firewall's own addresses: an address added as
 * /128 (the IPv6 gateway on each vif) brings a /128 prefix route through
 * that vif with a lower metric than the VM's. */
static void drop_local(struct ctl_routes *r, const struct in6_addr *local,
                       size_t n_local)
{
	size_t i, j, kept = 0;

	for (i = 0; i < r->count6; i++) {
		for (j = 0; j < n_local; j++)
			if (memcmp(&r->v6[i].ip, &local[j], sizeof(*local)) ==
			    0)
				break;
		if (j == n_local)
			r->v6[kept++] = r->v6[i];
	}
	r->count6 = kept;
}

int ctl_routes_parse6(struct ctl_routes *r, const char *text)
{
	static const struct in6_addr none = IN6ADDR_ANY_INIT;
	const char *p = text;
	size_t cap = 0, n_local = 0, local_cap = 0;
	struct in6_addr *local = NULL;

	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		const char *f[10];
		size_t len[10], n = route_fields(p, end, f, len, 10);
		struct in6_addr dst, hop;
		uint32_t plen, metric, flags;

		p = eol ? eol + 1 : end;
		if (n == 0)
			continue;
		if (n != 10 || len[9] >= IF_NAMESIZE ||
		    hex128(f[0], len[0], &dst) ||
		    route_hex(f[1], len[1], &plen) ||
		    hex128(f[4], len[4], &hop) ||
		    route_hex(f[5], len[5], &metric) ||
		    route_hex(f[8], len[8], &flags))
			goto fail;
		if (plen == 128 && (flags & RTF_LOCAL_FLAG) != 0) {
			if (n_local == local_cap) {
				local_cap = local_cap ? local_cap * 2 : 8;
				local =
				    xrealloc(local, local_cap * sizeof(*local));
			}
			local[n_local++] = dst;
			continue;
		}
		/* A forwarding host has an anycast fe80:: /128 (metric 0) on
		 * every interface once its link-local address is up: no VM. */
		if (plen != 128 || memcmp(&hop, &none, sizeof(hop)) != 0 ||
		    (flags & (RTF_CACHE_FLAG | RTF_ANYCAST_FLAG)) != 0 ||
		    IN6_IS_ADDR_LINKLOCAL(&dst) ||
		    IN6_IS_ADDR_MULTICAST(&dst) ||
		    IN6_IS_ADDR_UNSPECIFIED(&dst) ||
		    (len[9] == 2 && memcmp(f[9], "lo", 2) == 0))
			continue;
		if (r->count6 == cap) {
			cap = cap ? cap * 2 : 8;
			r->v6 = xrealloc(r->v6, cap * sizeof(*r->v6));
		}
		r->v6[r->count6].ip = dst;
		memcpy(r->v6[r->count6].iface, f[9], len[9]);
		r->v6[r->count6].iface[len[9]] = '\0';
		r->v6[r->count6].metric = metric;
		r->count6++;
	}
	drop_local(r, local, n_local);
	free(local);
	return 0;
fail:
	free(local);
	free(r->v6);
	r->v6 = NULL;
	r->count6 = 0;
	return -1;
}

int ctl_routes_ip6(const struct ctl_routes *r, const char *iface,
                   struct in6_addr *out)
{
	const struct ctl_route6 *best = NULL;
	size_t i;

	for (i = 0; i < r->count6; i++)
		if (strcmp(r->v6[i].iface, iface) == 0 &&
		    (best == NULL || r->v6[i].metric < best->metric))
			best = &r->v6[i];
	if (best == NULL)
		return -1;
	*out = best->ip;
	return 0;
}

int ctl_routes_vm_ip6(const struct ctl_routes *r, struct in_addr vm,
                      struct in6_addr *out)
{
	const char *iface = ctl_routes_iface(r, vm);

	return iface != NULL ? ctl_routes_ip6(r, iface, out) : -1;
}

const char *ctl_routes_iface6(const struct ctl_routes *r,
                              const struct in6_addr *ip)
{
	const struct ctl_route6 *best = NULL;
	size_t i;

	for (i = 0; i < r->count6; i++)
		if (memcmp(&r->v6[i].ip, ip, sizeof(*ip)) == 0 &&
		    (best == NULL || r->v6[i].metric < best->metric))
			best = &r->v6[i];
	return best != NULL ? best->iface : NULL;
}
