/* The firewall rules of transparent mode: a VM's TCP connections to the
 * listed ports redirected (DNAT) to its proxy, and its UDP 443 (QUIC)
 * rejected so that browsers fall back to TCP. Qubes reserves no NAT chain
 * for users, so they live in fwproxy's own: nftables table
 * "ip fwproxy-transparent" (chains dstnat at the prerouting dstnat hook
 * and forward), or iptables chains "fwproxy-transparent" in the nat and
 * filter tables, jumped to first from PREROUTING and FORWARD. With
 * Qubes' ipv6 feature the VM's IPv6 traffic gets the same in table
 * "ip6 fwproxy-transparent" or ip6tables, sent to the proxy's IPv6
 * gateway socket. Each rule is tagged "fwproxy-transparent:NAME"; the
 * redirected connections then meet the proxy's own accept rule in
 * custom-input (firewall.h). */
#ifndef FWPROXY_CTL_FIREWALL_REDIRECT_H
#define FWPROXY_CTL_FIREWALL_REDIRECT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "firewall.h"

#define CTL_REDIRECT_TAG       "fwproxy-transparent:"
#define CTL_REDIRECT_TABLE     "fwproxy-transparent" /* and the chains' name */
#define CTL_REDIRECT_RULES_MAX (TRANSPARENT_PORTS_MAX + 1)

struct ctl_redirect {
	const char *iface;
	int family;           /* 4: vm and proxy; 6: vm6 and proxy6 */
	struct in_addr vm;    /* source */
	struct in_addr proxy; /* where to: the proxy's address and port */
	struct in6_addr vm6;  /* the same for IPv6 */
	struct in6_addr proxy6;
	uint16_t proxy_port;
	uint16_t ports[TRANSPARENT_PORTS_MAX];
	int n_ports;
};

/* One rule: where it sits (nft: chain dstnat or forward; iptables: table
 * nat or filter) and its text as the listing prints it. */
struct ctl_redirect_rule {
	char where[16];
	char text[CTL_FW_RULE_MAX];
	char name[128]; /* after the tag, in a listing */
	long handle;    /* nft: the rule handle; iptables: its position */
};

struct ctl_redirect_list {
	struct ctl_redirect_rule v[256];
	size_t count;
	int truncated; /* more tagged rules than v holds */
};

/* The rules r wants for name, as the backend lists them; returns how many
 * were written to out (CTL_REDIRECT_RULES_MAX at most). */
int ctl_redirect_nft_rules(const char *name, const struct ctl_redirect *r,
                           struct ctl_redirect_rule *out);
int ctl_redirect_ipt_rules(const char *name, const struct ctl_redirect *r,
                           struct ctl_redirect_rule *out);

/* The tagged rules of "nft -a list table ip fwproxy-transparent" output,
 * and of "iptables -S fwproxy-transparent" output for table where. */
void ctl_redirect_nft_parse(const char *text, struct ctl_redirect_list *l);
void ctl_redirect_ipt_parse(const char *text, const char *where,
                            struct ctl_redirect_list *l);

/* Makes name's redirect rules of fw's family exactly r's (none when r is
 * NULL; r->family is fw->family), creating the table or chains with the
 * first rule and removing them with the last. *changed is set to 1 when
 * the ruleset had to change. 0 or -1 (message on stderr). */
int ctl_redirect_set(struct ctl_firewall *fw, const char *name,
                     const struct ctl_redirect *r, int *changed);
int ctl_redirect_nft_set(struct ctl_firewall *fw, const char *name,
                         const struct ctl_redirect *r, int *changed);
int ctl_redirect_ipt_set(struct ctl_firewall *fw, const char *name,
                         const struct ctl_redirect *r, int *changed);

#endif
