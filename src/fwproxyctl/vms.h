/* Running client VMs, as the routing table shows them: a host route (/32,
 * no gateway) to the VM's address through its vif. Qubes gives each vif's
 * route the metric 32752 - domid, so while a restarted VM's old vif still
 * exists the newer vif's route wins. */
#ifndef FWPROXY_CTL_VMS_H
#define FWPROXY_CTL_VMS_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>

struct ctl_route {
	struct in_addr ip;
	char iface[IF_NAMESIZE];
	unsigned long metric;
};

/* With Qubes' ipv6 feature on, a VM also has an IPv6 address
 * (fd09:24ef:4179::a89:N) and a /128 route to it through the same vif. */
struct ctl_route6 {
	struct in6_addr ip;
	char iface[IF_NAMESIZE];
	unsigned long metric;
};

struct ctl_routes {
	struct ctl_route *v;
	size_t count;
	char uplink[IF_NAMESIZE]; /* the default route's interface, or "" */
	struct ctl_route6 *v6;    /* IPv6 host routes, see ctl_routes_parse6 */
	size_t count6;
};

/* Parses the text of /proc/net/route, keeping host routes without a
 * gateway and the default route's interface. Returns the routes
 * (ctl_routes_free) or NULL for a malformed table. */
struct ctl_routes *ctl_routes_parse(const char *text);

/* Reads /proc/net/route of the current network namespace. NULL on error
 * (errno set). */
struct ctl_routes *ctl_routes_load(void);

/* The interface routing ip (of several routes, the one with the lowest
 * metric), or NULL. */
const char *ctl_routes_iface(const struct ctl_routes *r, struct in_addr ip);

/* The VM's IPv4 address into *out: the destination of the IPv4 host route
 * through iface (of several, the one with the lowest metric). Returns 0,
 * or -1 when iface has none. */
int ctl_routes_ip4(const struct ctl_routes *r, const char *iface,
                   struct in_addr *out);

void ctl_routes_free(struct ctl_routes *r);

/* Adds to r the IPv6 host routes of text, /proc/net/ipv6_route's: a /128
 * destination, no next hop, not a local or cached route. Returns 0, or
 * -1 for a malformed table (r then has none). */
int ctl_routes_parse6(struct ctl_routes *r, const char *text);

/* The VM's IPv6 address into *out: the destination of the IPv6 host route
 * through iface (of several, the one with the lowest metric). Returns 0,
 * or -1 when iface has none (the VM has no IPv6). */
int ctl_routes_ip6(const struct ctl_routes *r, const char *iface,
                   struct in6_addr *out);

/* The IPv6 address of the VM at IPv4 address vm into *out: the IPv6 host
 * route through the vif of its IPv4 route (ctl_routes_ip6). Returns 0, or
 * -1 when the VM is not running or has no IPv6. */
int ctl_routes_vm_ip6(const struct ctl_routes *r, struct in_addr vm,
                      struct in6_addr *out);

/* The interface routing the IPv6 address ip (of several routes, the one
 * with the lowest metric), or NULL. */
const char *ctl_routes_iface6(const struct ctl_routes *r,
                              const struct in6_addr *ip);

/* The IPv6 gateway address a VM behind iface uses, into *out: the first
 * IPv6 address on iface that is not link-local, or, before Qubes has put
 * it there (after the hooks, as for IPv4), the first such address of the
 * uplink: Qubes puts the firewall VM's own IPv6 address
 * (/qubes-netvm-gateway6) on every vif. Returns 0, or -1 when neither
 * has one. */
int ctl_gateway_addr6(const struct ctl_routes *r, const char *iface,
                      struct in6_addr *out);

/* The first IPv4 address on iface into *out. Returns 0, or -1 when the
 * interface has none. */
int ctl_iface_addr(const char *iface, struct in_addr *out);

/* The gateway address a VM behind iface uses, into *out: the first IPv4
 * address on iface, or, before Qubes has put it there (its hooks run
 * first), the firewall VM's own address, the first IPv4 address of the
 * uplink (the default route's interface), which Qubes copies onto every
 * vif. Returns 0, or -1 when neither has one. */
int ctl_gateway_addr(const struct ctl_routes *r, const char *iface,
                     struct in_addr *out);

#endif
