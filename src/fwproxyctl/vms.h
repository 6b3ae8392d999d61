/* Running client VMs, as the routing table shows them: a host route (/32,
 * no gateway) to the VM's address through its vif. */
#ifndef FWPROXY_CTL_VMS_H
#define FWPROXY_CTL_VMS_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>

struct ctl_route {
	struct in_addr ip;
	char iface[IF_NAMESIZE];
};

struct ctl_routes {
	struct ctl_route *v;
	size_t count;
};

/* Parses the text of /proc/net/route, keeping host routes without a
 * gateway. Returns the routes (ctl_routes_free) or NULL for a malformed
 * table. */
struct ctl_routes *ctl_routes_parse(const char *text);

/* Reads /proc/net/route of the current network namespace. NULL on error
 * (errno set). */
struct ctl_routes *ctl_routes_load(void);

/* The interface routing ip, or NULL. */
const char *ctl_routes_iface(const struct ctl_routes *r, struct in_addr ip);

void ctl_routes_free(struct ctl_routes *r);

/* The first IPv4 address on iface (the gateway address a VM uses) into
 * *out. Returns 0, or -1 when the interface has none. */
int ctl_iface_addr(const char *iface, struct in_addr *out);

#endif
