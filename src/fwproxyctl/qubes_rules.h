/* A VM's Qubes firewall rules, as QubesDB holds them under
 * /qubes-firewall/IP/, read and turned into domain rules for its proxy.
 * Pure: no I/O. */
#ifndef FWPROXY_CTL_QUBES_RULES_H
#define FWPROXY_CTL_QUBES_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "hostname.h"
#include "netaddr.h"

enum qfw_dst {
	QFW_DST_ANY,  /* no dsthost, dst4 or dst6 */
	QFW_DST_HOST, /* dsthost: one exact name */
	QFW_DST_NET,  /* dst4 or dst6: an address or range */
};

struct qfw_rule {
	char key[5]; /* "0003" */
	int accept;  /* action=accept, else drop */
	enum qfw_dst dst;
	char host[HOSTNAME_MAX + 1]; /* QFW_DST_HOST, normalised */
	struct cidr net;             /* QFW_DST_NET, host bits cleared */
	int proto;                   /* 0 any, 6 tcp, 17 udp, 1 icmp */
	uint16_t port_lo, port_hi;   /* 0-65535 without dstports */
	int dns;                     /* specialtarget=dns */
};

struct qfw {
	int policy_accept;
	struct qfw_rule *rules; /* in key order */
	size_t n;
};

/* Parses the output of `qubesdb-multiread /qubes-firewall/IP/`: lines
 * "KEY = VALUE", the key relative to that folder, the value with bytes
 * outside 0x20-0x7f as \xNN. Applies Qubes' own checks (a policy, four-
 * digit rule keys, an action in every rule, known options only), so that
 * what Qubes would refuse is refused here too. Returns NULL, or an error
 * message (in err) naming the key. */
const char *qfw_parse(const char *text, struct qfw *out, char *err,
                      size_t errlen);

void qfw_free(struct qfw *q);

/* Adds to q the rules of other, the list Qubes writes under the VM's other
 * address: Qubes writes one list under /qubes-firewall/IPV4/ and
 * /qubes-firewall/IPV6/ alike, numbered as in dom0, leaving out the dst6
 * rules under the IPv4 address and the dst4 rules under the IPv6 one.
 * Merged by key, the whole list comes back. Returns NULL, or an error
 * message (in err) when the two disagree (policy, or one key holding two
 * different rules); q is unchanged then. */
const char *qfw_merge(struct qfw *q, const struct qfw *other, char *err,
                      size_t errlen);

/* The key of the first rule that decides every TCP connection (no
 * destination, no ports), or NULL: new rules must go before it. */
const char *qfw_decider(const struct qfw *q);

/* What became of one rule that could not be carried over exactly. */
struct qfw_finding {
	char key[5]; /* the rule, or "" for the whole list */
	char message[160];
};

struct qfw_translation {
	char *text;       /* domain rules, one per line, with comments */
	int deny_default; /* FilterDefaultDeny: 1 when a match allows */
	struct qfw_finding *findings;
	size_t n_findings;
};

/* Turns Qubes' first-match rules into the proxy's single-polarity rules:
 * the first rule without destination and ports becomes the default (the
 * policy when there is none), rules that only concern UDP, ICMP or DNS
 * are left out (the proxy carries TCP only), and every rule is cut by the
 * rules of the other action before it. Where that cannot be written
 * exactly, the result never allows more than Qubes would: an allow that
 * cannot be written is left out, a refusal that cannot be written is
 * widened. Each such case is a finding. qfw_translation_free. */
void qfw_translate(const struct qfw *q, const char *vm_ip,
                   struct qfw_translation *out);

void qfw_translation_free(struct qfw_translation *t);

#endif
