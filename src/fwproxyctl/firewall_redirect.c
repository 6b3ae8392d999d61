/* Transparent mode's firewall rules: the backend-neutral part and the
 * listings' parsers. */
#include "firewall_redirect.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int ctl_redirect_set(struct ctl_firewall *fw, const char *name,
                     const struct ctl_redirect *r, int *changed)
{
	switch (fw->kind) {
	case CTL_FW_NFT:
		return ctl_redirect_nft_set(fw, name, r, changed);
	case CTL_FW_IPT:
		return ctl_redirect_ipt_set(fw, name, r, changed);
	case CTL_FW_NONE:
		break;
	}
	return 0;
}

/* Adds line (n bytes, tagged) to l as a rule in where; its name is what
 * follows the tag up to a quote or space. */
static void add_tagged(struct ctl_redirect_list *l, const char *where,
                       const char *line, size_t n, long handle)
{
	struct ctl_redirect_rule *e;
	const char *t = strstr(line, CTL_REDIRECT_TAG);
	size_t k;

	if (t == NULL || (size_t)(t - line) >= n)
		return;
	if (l->count == sizeof(l->v) / sizeof(l->v[0])) {
		l->truncated = 1;
		return;
	}
	e = &l->v[l->count];
	t += strlen(CTL_REDIRECT_TAG);
	k = strcspn(t, "\" \n");
	if (k == 0 || k >= sizeof(e->name) || n >= sizeof(e->text))
		return;
	memcpy(e->name, t, k);
	e->name[k] = '\0';
	memcpy(e->text, line, n);
	e->text[n] = '\0';
	str_copy(e->where, where, sizeof(e->where));
	e->handle = handle;
	l->count++;
}

void ctl_redirect_nft_parse(const char *text, struct ctl_redirect_list *l)
{
	char chain[16] = "";
	const char *p = text;

	memset(l, 0, sizeof(*l));
	while (*p != '\0') {
		const char *line = p, *end = p + strcspn(p, "\n"), *h;
		long long handle;

		p = *end == '\n' ? end + 1 : end;
		while (*line == '\t' || *line == ' ')
			line++;
		if (strncmp(line, "chain ", 6) == 0) {
			size_t k = strcspn(line + 6, " {\n");
			if (k < sizeof(chain)) {
				memcpy(chain, line + 6, k);
				chain[k] = '\0';
			}
			continue;
		}
		h = strstr(line, " # handle ");
		if (h == NULL || h > end ||
		    parse_number_n(h + 10, (size_t)(end - h - 10), 1, 1LL << 40,
		                   &handle) != NULL)
			continue;
		add_tagged(l, chain, line, (size_t)(h - line), (long)handle);
	}
}

void ctl_redirect_ipt_parse(const char *text, const char *where,
                            struct ctl_redirect_list *l)
{
	const char *p = text;
	long pos = 0;

	while (*p != '\0') {
		const char *line = p, *end = p + strcspn(p, "\n");

		p = *end == '\n' ? end + 1 : end;
		if (strncmp(line, "-A ", 3) != 0)
			continue;
		pos++;
		add_tagged(l, where, line, (size_t)(end - line), pos);
	}
}

/* The VM's address and the proxy's as rules write them: "10.137.0.13"
 * and "10.138.24.91", or "fd09::d" and "[fd09::1]" before a port. */
static void addresses(const struct ctl_redirect *r, char vm[INET6_ADDRSTRLEN],
                      char to[INET6_ADDRSTRLEN + 2])
{
	if (r->family == 6) {
		inet_ntop(AF_INET6, &r->vm6, vm, INET6_ADDRSTRLEN);
		inet_ntop(AF_INET6, &r->proxy6, to + 1, INET6_ADDRSTRLEN);
		to[0] = '[';
		strcat(to, "]");
	} else {
		inet_ntop(AF_INET, &r->vm, vm, INET6_ADDRSTRLEN);
		inet_ntop(AF_INET, &r->proxy, to, INET6_ADDRSTRLEN);
	}
}

int ctl_redirect_nft_rules(const char *name, const struct ctl_redirect *r,
                           struct ctl_redirect_rule *out)
{
	char vm[INET6_ADDRSTRLEN], to[INET6_ADDRSTRLEN + 2];
	const char *ip = ctl_nft_family(r->family);
	int i, n = 0;

	addresses(r, vm, to);
	for (i = 0; i < r->n_ports; i++, n++) {
		str_copy(out[n].where, "dstnat", sizeof(out[n].where));
		snprintf(
		    out[n].text, sizeof(out[n].text),
		    "iifname \"%s\" %s saddr %s tcp dport %u dnat to %s:%u "
		    "comment \"" CTL_REDIRECT_TAG "%s\"",
		    r->iface, ip, vm, (unsigned)r->ports[i], to,
		    (unsigned)r->proxy_port, name);
	}
	str_copy(out[n].where, "forward", sizeof(out[n].where));
	snprintf(out[n].text, sizeof(out[n].text),
	         "iifname \"%s\" %s saddr %s udp dport 443 reject "
	         "comment \"" CTL_REDIRECT_TAG "%s\"",
	         r->iface, ip, vm, name);
	return n + 1;
}

int ctl_redirect_ipt_rules(const char *name, const struct ctl_redirect *r,
                           struct ctl_redirect_rule *out)
{
	char vm[INET6_ADDRSTRLEN], to[INET6_ADDRSTRLEN + 2];
	int i, n = 0, v6 = r->family == 6;

	addresses(r, vm, to);
	for (i = 0; i < r->n_ports; i++, n++) {
		str_copy(out[n].where, "nat", sizeof(out[n].where));
		snprintf(out[n].text, sizeof(out[n].text),
		         "-A " CTL_REDIRECT_TABLE
		         " -s %s/%d -i %s -p tcp -m tcp "
		         "--dport %u -m comment --comment \"" CTL_REDIRECT_TAG
		         "%s\" -j DNAT --to-destination %s:%u",
		         vm, v6 ? 128 : 32, r->iface, (unsigned)r->ports[i],
		         name, to, (unsigned)r->proxy_port);
	}
	str_copy(out[n].where, "filter", sizeof(out[n].where));
	snprintf(out[n].text, sizeof(out[n].text),
	         "-A " CTL_REDIRECT_TABLE " -s %s/%d -i %s -p udp -m udp "
	         "--dport 443 -m comment --comment \"" CTL_REDIRECT_TAG
	         "%s\" -j REJECT --reject-with %s",
	         vm, v6 ? 128 : 32, r->iface, name,
	         v6 ? "icmp6-port-unreachable" : "icmp-port-unreachable");
	return n + 1;
}
