/* The firewall rules fwproxyctl owns: one accept rule per running proxy,
 * admitting exactly that VM's address on its interface to the proxy port,
 * tagged with the comment "fwproxy:NAME" so that exactly these rules are
 * found and removed again. Backends: nftables (firewall_nft.c),
 * iptables (firewall_ipt.c), none. */
#ifndef FWPROXY_CTL_FIREWALL_H
#define FWPROXY_CTL_FIREWALL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_FW_TAG      "fwproxy:"
#define CTL_FW_TABLE    "fwproxy" /* nft: our own table without Qubes */
#define CTL_FW_RULE_MAX 512

enum ctl_fw_kind {
	CTL_FW_NONE,
	CTL_FW_NFT,
	CTL_FW_IPT,
};

struct ctl_fw_rule {
	const char *name;
	const char *iface;
	int family;          /* 4: vm and gw; 6: vm6 and gw6 */
	struct in_addr vm;   /* source */
	struct in_addr gw;   /* destination, the proxy's address */
	struct in6_addr vm6; /* the same for IPv6 (Qubes' ipv6 feature) */
	struct in6_addr gw6;
	uint16_t port;
};

/* One tagged rule found in the ruleset. */
struct ctl_fw_entry {
	char *name;  /* after the tag */
	char *text;  /* the rule as listed, without handle */
	long handle; /* nft only */
};

struct ctl_fw_list {
	struct ctl_fw_entry *v;
	size_t count;
};

struct ctl_firewall {
	enum ctl_fw_kind kind;
	int family;     /* 4, or 6 for the IPv6 rules (ctl_firewall_init6) */
	int dry_run;    /* print commands instead of running them */
	int qubes;      /* nft: table ip qubes with chain custom-input exists */
	char table[64]; /* nft: "ip qubes" or "ip fwproxy" (ip6 for 6) */
	char chain[64]; /* nft: "custom-input" or "input" */
	/* The tagged rules as last listed, valid until a change: one command
	 * (under the run directory's lock) asks about every VM's rule, and
	 * most are unchanged. Freed by ctl_firewall_free. */
	struct ctl_fw_list *cache;
};

/* Frees what ctl_firewall_init and later calls keep in fw. */
void ctl_firewall_free(struct ctl_firewall *fw);

/* Chooses the backend: "nft", "iptables", "none", or "auto" (nftables
 * where Qubes' nft ruleset or no iptables exists, else iptables). Returns
 * NULL or a constant error message. */
const char *ctl_firewall_init(struct ctl_firewall *fw, const char *kind,
                              int dry_run);

/* The IPv6 rules' backend beside fw4's, the same kind: nft's table ip6
 * qubes (Qubes 4.2) or ip6 fwproxy, or ip6tables (Qubes 4.1); none when
 * that does not work (a kernel without IPv6). */
void ctl_firewall_init6(struct ctl_firewall *fw6,
                        const struct ctl_firewall *fw4);

/* Makes the rules tagged for name exactly rule (none when rule is NULL).
 * *changed is set to 1 when the ruleset had to change. Returns 0 or -1
 * (message on stderr). */
int ctl_firewall_set(struct ctl_firewall *fw, const char *name,
                     const struct ctl_fw_rule *rule, int *changed);

/* Every tagged rule in the ruleset into *out (ctl_fw_list_free). Returns
 * 0 or -1. */
int ctl_firewall_list(struct ctl_firewall *fw, struct ctl_fw_list *out);

void ctl_fw_list_free(struct ctl_fw_list *l);

/* Appends an entry (the list owns copies). */
void ctl_fw_list_add(struct ctl_fw_list *l, const char *name, const char *text,
                     size_t text_len, long handle);

/* The rule's source and destination addresses as text, of its family. */
void ctl_fw_rule_addrs(const struct ctl_fw_rule *r, char vm[INET6_ADDRSTRLEN],
                       char gw[INET6_ADDRSTRLEN]);

/* nftables backend, pure parts. The rule as "nft list" prints it. */
void ctl_nft_rule_text(const struct ctl_fw_rule *r, char *out, size_t len);
/* Parses "nft -a list chain ..." output into l. Returns 0 or -1. */
int ctl_nft_parse(const char *text, struct ctl_fw_list *l);
/* Finds Qubes' table for fw->family; -1 when nft does not work. */
int ctl_nft_detect(struct ctl_firewall *fw);
/* nft's name of a family: "ip", or "ip6" for 6. */
char *ctl_nft_family(int family);
int ctl_nft_list(struct ctl_firewall *fw, struct ctl_fw_list *out);
int ctl_nft_set(struct ctl_firewall *fw, const char *name,
                const struct ctl_fw_rule *rule, int *changed);

/* iptables backend: the rule as "iptables -S INPUT" prints it. */
void ctl_ipt_rule_text(const struct ctl_fw_rule *r, char *out, size_t len);
int ctl_ipt_parse(const char *text, struct ctl_fw_list *l);
/* Splits a listed rule in place into at most max words at spaces, the
 * quotes around a word removed (names and interfaces hold no spaces);
 * returns the count. */
size_t ctl_ipt_words(char *text, char **words, size_t max);
/* 0 when iptables (ip6tables for family 6) works. */
int ctl_ipt_detect(int family);
/* The command of a family: "iptables", or "ip6tables" for 6. */
char *ctl_ipt_command(int family);
int ctl_ipt_list(struct ctl_firewall *fw, struct ctl_fw_list *out);
int ctl_ipt_set(struct ctl_firewall *fw, const char *name,
                const struct ctl_fw_rule *rule, int *changed);

#endif
