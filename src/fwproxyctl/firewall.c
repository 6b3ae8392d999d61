#include "firewall.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *ctl_firewall_init(struct ctl_firewall *fw, const char *kind,
                              int dry_run)
{
	int nft;

	memset(fw, 0, sizeof(*fw));
	fw->family = 4;
	fw->dry_run = dry_run;
	if (strcmp(kind, "none") == 0) {
		fw->kind = CTL_FW_NONE;
		return NULL;
	}
	if (strcmp(kind, "nft") == 0 || strcmp(kind, "nftables") == 0) {
		fw->kind = CTL_FW_NFT;
		return ctl_nft_detect(fw) == 0 ? NULL : "nft does not work";
	}
	if (strcmp(kind, "iptables") == 0) {
		fw->kind = CTL_FW_IPT;
		return ctl_ipt_detect(4) == 0 ? NULL : "iptables does not work";
	}
	if (strcmp(kind, "auto") != 0)
		return "unknown firewall backend (nft, iptables, none)";
	fw->kind = CTL_FW_NFT;
	nft = ctl_nft_detect(fw) == 0;
	if (nft && fw->qubes)
		return NULL;
	if (ctl_ipt_detect(4) == 0) {
		fw->kind = CTL_FW_IPT;
		return NULL;
	}
	if (nft)
		return NULL;
	return "neither nft nor iptables works (use --firewall none)";
}

void ctl_firewall_init6(struct ctl_firewall *fw6,
                        const struct ctl_firewall *fw4)
{
	memset(fw6, 0, sizeof(*fw6));
	fw6->family = 6;
	fw6->dry_run = fw4->dry_run;
	fw6->kind = fw4->kind;
	if ((fw6->kind == CTL_FW_NFT && ctl_nft_detect(fw6) != 0) ||
	    (fw6->kind == CTL_FW_IPT && ctl_ipt_detect(6) != 0))
		fw6->kind = CTL_FW_NONE;
}

/* 1 when the cached ruleset already holds exactly what ctl_firewall_set
 * would make for name: the one rule wanted (or none, where removing the
 * last rule has nothing else to clean up). */
static int cached_unchanged(struct ctl_firewall *fw, const char *name,
                            const struct ctl_fw_rule *rule)
{
	char want[CTL_FW_RULE_MAX];
	size_t i, mine = 0, same = 0;

	if (fw->cache == NULL) {
		fw->cache = xcalloc(1, sizeof(*fw->cache));
		if (ctl_firewall_list(fw, fw->cache) != 0) {
			ctl_firewall_free(fw);
			return 0;
		}
	}
	if (rule != NULL && fw->kind == CTL_FW_NFT)
		ctl_nft_rule_text(rule, want, sizeof(want));
	else if (rule != NULL)
		ctl_ipt_rule_text(rule, want, sizeof(want));
	for (i = 0; i < fw->cache->count; i++) {
		if (strcmp(fw->cache->v[i].name, name) != 0)
			continue;
		mine++;
		same += rule != NULL && strcmp(fw->cache->v[i].text, want) == 0;
	}
	if (rule != NULL)
		return mine == 1 && same == 1;
	/* nft's own table goes when its last rule goes: leave that to the
	 * backend. */
	return mine == 0 &&
	       (fw->kind == CTL_FW_IPT || fw->qubes || fw->cache->count > 0);
}

void ctl_firewall_free(struct ctl_firewall *fw)
{
	ctl_fw_list_free(fw->cache);
	free(fw->cache);
	fw->cache = NULL;
}

int ctl_firewall_set(struct ctl_firewall *fw, const char *name,
                     const struct ctl_fw_rule *rule, int *changed)
{
	if (fw->kind != CTL_FW_NONE && cached_unchanged(fw, name, rule))
		return 0;
	ctl_firewall_free(fw);
	switch (fw->kind) {
	case CTL_FW_NFT:
		return ctl_nft_set(fw, name, rule, changed);
	case CTL_FW_IPT:
		return ctl_ipt_set(fw, name, rule, changed);
	case CTL_FW_NONE:
		break;
	}
	return 0;
}

int ctl_firewall_list(struct ctl_firewall *fw, struct ctl_fw_list *out)
{
	memset(out, 0, sizeof(*out));
	switch (fw->kind) {
	case CTL_FW_NFT:
		return ctl_nft_list(fw, out);
	case CTL_FW_IPT:
		return ctl_ipt_list(fw, out);
	case CTL_FW_NONE:
		break;
	}
	return 0;
}

void ctl_fw_rule_addrs(const struct ctl_fw_rule *r, char vm[INET6_ADDRSTRLEN],
                       char gw[INET6_ADDRSTRLEN])
{
	if (r->family == 6) {
		inet_ntop(AF_INET6, &r->vm6, vm, INET6_ADDRSTRLEN);
		inet_ntop(AF_INET6, &r->gw6, gw, INET6_ADDRSTRLEN);
	} else {
		inet_ntop(AF_INET, &r->vm, vm, INET6_ADDRSTRLEN);
		inet_ntop(AF_INET, &r->gw, gw, INET6_ADDRSTRLEN);
	}
}

void ctl_fw_list_add(struct ctl_fw_list *l, const char *name, const char *text,
                     size_t text_len, long handle)
{
	l->v = xrealloc(l->v, (l->count + 1) * sizeof(*l->v));
	l->v[l->count].name = xstrdup(name);
	l->v[l->count].text = xstrndup(text, text_len);
	l->v[l->count].handle = handle;
	l->count++;
}

void ctl_fw_list_free(struct ctl_fw_list *l)
{
	size_t i;
	if (l == NULL)
		return;
	for (i = 0; i < l->count; i++) {
		free(l->v[i].name);
		free(l->v[i].text);
	}
	free(l->v);
	l->v = NULL;
	l->count = 0;
}
