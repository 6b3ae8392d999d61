#include "vms.h"

#include <errno.h>
#include <ifaddrs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route_text.h"
#include "util.h"

#define ROUTE_FILE_MAX (1 << 22)

/* /proc/net/route prints each __be32 as a native-endian %08X, so the parsed
 * value is already the in_addr bit pattern. */
static int hex32(const char *s, size_t n, uint32_t *out)
{
	return n == 8 ? route_hex(s, n, out) : -1;
}

struct ctl_routes *ctl_routes_parse(const char *text)
{
	struct ctl_routes *r = xcalloc(1, sizeof(*r));
	const char *p = strchr(text, '\n');
	size_t cap = 0;

	if (p == NULL || strncmp(text, "Iface", 5) != 0)
		goto fail;
	p++;
	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		const char *f[8];
		size_t len[8];
		uint32_t dst, gw, mask;
		long long metric;
		size_t n = route_fields(p, end, f, len, 8);

		p = eol ? eol + 1 : end;
		if (n == 0)
			continue;
		if (n < 8 || len[0] >= IF_NAMESIZE ||
		    hex32(f[1], len[1], &dst) || hex32(f[2], len[2], &gw) ||
		    hex32(f[7], len[7], &mask) ||
		    parse_number_n(f[6], len[6], 0, 0xffffffffLL, &metric))
			goto fail;
		if (dst == 0 && mask == 0 && r->uplink[0] == '\0') {
			memcpy(r->uplink, f[0], len[0]);
			r->uplink[len[0]] = '\0';
		}
		if (mask != 0xffffffffu || gw != 0)
			continue;
		if (r->count == cap) {
			cap = cap ? cap * 2 : 8;
			r->v = xrealloc(r->v, cap * sizeof(*r->v));
		}
		r->v[r->count].ip.s_addr = dst;
		memcpy(r->v[r->count].iface, f[0], len[0]);
		r->v[r->count].iface[len[0]] = '\0';
		r->v[r->count].metric = (unsigned long)metric;
		r->count++;
	}
	return r;
fail:
	ctl_routes_free(r);
	return NULL;
}

/* The whole of a /proc file (at most ROUTE_FILE_MAX), or NULL. */
static char *read_table(const char *path)
{
	size_t len = 0, cap = 4096, got;
	char *buf;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return NULL;
	buf = xmalloc(cap);
	while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (len + 1 == cap) {
			if (cap >= ROUTE_FILE_MAX)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

struct ctl_routes *ctl_routes_load(void)
{
	struct ctl_routes *r;
	char *buf = read_table("/proc/net/route"), *buf6;

	if (buf == NULL)
		return NULL;
	r = ctl_routes_parse(buf);
	free(buf);
	if (r == NULL) {
		errno = EINVAL;
		return NULL;
	}
	/* Without IPv6 in the kernel there is no such file: no VM has an
	 * IPv6 address then. */
	buf6 = read_table("/proc/net/ipv6_route");
	if (buf6 != NULL && ctl_routes_parse6(r, buf6) != 0)
		fprintf(stderr, "fwproxyctl: /proc/net/ipv6_route: malformed, "
		                "IPv6 addresses ignored\n");
	free(buf6);
	return r;
}

const char *ctl_routes_iface(const struct ctl_routes *r, struct in_addr ip)
{
	const struct ctl_route *best = NULL;
	size_t i;

	for (i = 0; i < r->count; i++)
		if (r->v[i].ip.s_addr == ip.s_addr &&
		    (best == NULL || r->v[i].metric < best->metric))
			best = &r->v[i];
	return best != NULL ? best->iface : NULL;
}

int ctl_routes_ip4(const struct ctl_routes *r, const char *iface,
                   struct in_addr *out)
{
	const struct ctl_route *best = NULL;
	size_t i;

	for (i = 0; i < r->count; i++)
		if (strcmp(r->v[i].iface, iface) == 0 &&
		    (best == NULL || r->v[i].metric < best->metric))
			best = &r->v[i];
	if (best == NULL)
		return -1;
	*out = best->ip;
	return 0;
}

void ctl_routes_free(struct ctl_routes *r)
{
	if (r == NULL)
		return;
	free(r->v);
	free(r->v6);
	free(r);
}

/* The first address of family (AF_INET, or AF_INET6 without link-local
 * ones) on iface into out, a struct in_addr or in6_addr. Returns 0, or -1
 * when the interface has none. */
static int iface_addr(const char *iface, int family, void *out)
{
	struct ifaddrs *list, *a;
	int rc = -1;

	if (getifaddrs(&list) != 0)
		return -1;
	for (a = list; a != NULL && rc != 0; a = a->ifa_next) {
		const void *addr;
		size_t len;

		if (a->ifa_addr == NULL || a->ifa_addr->sa_family != family ||
		    strcmp(a->ifa_name, iface) != 0)
			continue;
		if (family == AF_INET6) {
			const struct in6_addr *v6 =
			    &((struct sockaddr_in6 *)(void *)a->ifa_addr)
			         ->sin6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(v6))
				continue;
			addr = v6;
			len = sizeof(*v6);
		} else {
			addr = &((struct sockaddr_in *)(void *)a->ifa_addr)
			            ->sin_addr;
			len = sizeof(struct in_addr);
		}
		memcpy(out, addr, len);
		rc = 0;
	}
	freeifaddrs(list);
	return rc;
}

/* iface's own address of family, or, before Qubes has put it there (after
 * the hooks), the uplink's: Qubes copies the firewall VM's own addresses
 * onto every vif. */
static int gateway(const struct ctl_routes *r, const char *iface, int family,
                   void *out)
{
	if (iface_addr(iface, family, out) == 0)
		return 0;
	if (r->uplink[0] == '\0' || strcmp(r->uplink, iface) == 0)
		return -1;
	return iface_addr(r->uplink, family, out);
}

int ctl_iface_addr(const char *iface, struct in_addr *out)
{
	return iface_addr(iface, AF_INET, out);
}

int ctl_gateway_addr(const struct ctl_routes *r, const char *iface,
                     struct in_addr *out)
{
	return gateway(r, iface, AF_INET, out);
}

int ctl_gateway_addr6(const struct ctl_routes *r, const char *iface,
                      struct in6_addr *out)
{
	return gateway(r, iface, AF_INET6, out);
}
