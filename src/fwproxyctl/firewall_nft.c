#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "firewall.h"
#include "util.h"

#define OWN_CHAIN_SPEC                                                         \
	"{ type filter hook input priority filter; policy accept; }"

void ctl_nft_rule_text(const struct ctl_fw_rule *r, char *out, size_t len)
{
	char vm[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
	const char *ip = ctl_nft_family(r->family);

	ctl_fw_rule_addrs(r, vm, gw);
	snprintf(out, len,
	         "iifname \"%s\" %s saddr %s %s daddr %s tcp dport %u accept "
	         "comment \"" CTL_FW_TAG "%s\"",
	         r->iface, ip, vm, ip, gw, (unsigned)r->port, r->name);
}

char *ctl_nft_family(int family)
{
	return family == 6 ? "ip6" : "ip";
}

int ctl_nft_parse(const char *text, struct ctl_fw_list *l)
{
	static const char tag[] = "comment \"" CTL_FW_TAG;
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		const char *t, *q, *h, *s = p;
		char line[CTL_FW_RULE_MAX], name[128];
		size_t n;
		long long handle;

		p = eol ? eol + 1 : end;
		n = (size_t)(end - s);
		if (n >= sizeof(line))
			continue;
		memcpy(line, s, n);
		line[n] = '\0';
		t = strstr(line, tag);
		if (t == NULL)
			continue;
		t += sizeof(tag) - 1;
		q = strchr(t, '"');
		if (q == NULL || (size_t)(q - t) >= sizeof(name))
			return -1;
		memcpy(name, t, (size_t)(q - t));
		name[q - t] = '\0';
		h = strstr(q, " # handle ");
		if (h == NULL ||
		    parse_number(h + 10, 1, 1LL << 40, &handle) != NULL)
			return -1;
		s = line;
		while (*s == '\t' || *s == ' ')
			s++;
		ctl_fw_list_add(l, name, s, (size_t)(h - s), (long)handle);
	}
	return 0;
}

int ctl_nft_detect(struct ctl_firewall *fw)
{
	char *const probe[] = {"nft", "list", "tables", NULL};
	char *const qubes[] = {
	    "nft",   "list",         "chain", ctl_nft_family(fw->family),
	    "qubes", "custom-input", NULL};
	char *out = NULL;

	if (ctl_exec(probe, NULL, &out, 1) != 0) {
		free(out);
		return -1;
	}
	free(out);
	out = NULL;
	fw->qubes = ctl_exec(qubes, NULL, &out, 1) == 0;
	free(out);
	snprintf(fw->table, sizeof(fw->table), "%s %s",
	         ctl_nft_family(fw->family),
	         fw->qubes ? "qubes" : CTL_FW_TABLE);
	str_copy(fw->chain, fw->qubes ? "custom-input" : "input",
	         sizeof(fw->chain));
	return 0;
}

/* Lists our chain; *exists tells whether it is there at all. */
static int list_chain(struct ctl_firewall *fw, struct ctl_fw_list *out,
                      int *exists)
{
	char *const argv[] = {"nft",
	                      "-a",
	                      "list",
	                      "chain",
	                      ctl_nft_family(fw->family),
	                      fw->qubes ? "qubes" : CTL_FW_TABLE,
	                      fw->chain,
	                      NULL};
	char *text = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ctl_exec(argv, NULL, &text, 1);
	*exists = rc == 0;
	if (rc == 0 && ctl_nft_parse(text, out) != 0) {
		fprintf(stderr, "fwproxyctl: cannot parse nft output\n");
		free(text);
		ctl_fw_list_free(out);
		return -1;
	}
	free(text);
	if (rc != 0 && fw->qubes) {
		fprintf(stderr, "fwproxyctl: nft list chain %s %s failed\n",
		        fw->table, fw->chain);
		return -1;
	}
	return 0;
}

int ctl_nft_list(struct ctl_firewall *fw, struct ctl_fw_list *out)
{
	int exists;
	return list_chain(fw, out, &exists);
}

static void script_add(char **script, size_t *len, const char *line)
{
	size_t n = strlen(line);
	*script = xrealloc(*script, *len + n + 2);
	memcpy(*script + *len, line, n);
	*len += n;
	(*script)[(*len)++] = '\n';
	(*script)[*len] = '\0';
}

int ctl_nft_set(struct ctl_firewall *fw, const char *name,
                const struct ctl_fw_rule *rule, int *changed)
{
	char want[CTL_FW_RULE_MAX], line[CTL_FW_RULE_MAX + 192];
	char *script = NULL, *const argv[] = {"nft", "-f", "-", NULL};
	size_t i, others = 0, len = 0;
	struct ctl_fw_list l;
	int exists, keep = 0, rc = 0;

	if (list_chain(fw, &l, &exists) != 0)
		return -1;
	if (rule != NULL)
		ctl_nft_rule_text(rule, want, sizeof(want));
	for (i = 0; i < l.count; i++) {
		if (strcmp(l.v[i].name, name) != 0) {
			others++;
			continue;
		}
		if (rule != NULL && strcmp(l.v[i].text, want) == 0 && !keep) {
			keep = 1;
			continue;
		}
		snprintf(line, sizeof(line), "delete rule %s %s handle %ld",
		         fw->table, fw->chain, l.v[i].handle);
		script_add(&script, &len, line);
	}
	if (rule != NULL && !keep) {
		if (!fw->qubes && !exists) {
			snprintf(line, sizeof(line), "add table %s", fw->table);
			script_add(&script, &len, line);
			snprintf(line, sizeof(line),
			         "add chain %s input " OWN_CHAIN_SPEC,
			         fw->table);
			script_add(&script, &len, line);
		}
		snprintf(line, sizeof(line), "insert rule %s %s %s", fw->table,
		         fw->chain, want);
		script_add(&script, &len, line);
	}
	/* Our own table goes away with its last rule, so that stopping every
	 * proxy leaves the ruleset as it was. */
	if (rule == NULL && !fw->qubes && exists && others == 0) {
		free(script);
		script = NULL;
		len = 0;
		snprintf(line, sizeof(line), "delete table %s", fw->table);
		script_add(&script, &len, line);
	}
	if (script != NULL) {
		*changed = 1;
		if (fw->dry_run) {
			const char *p = script;
			while (*p) {
				size_t n = strcspn(p, "\n");
				printf("nft %.*s\n", (int)n, p);
				p += n + (p[n] == '\n');
			}
		} else if (ctl_exec(argv, script, NULL, 0) != 0) {
			fprintf(stderr, "fwproxyctl: nft failed on:\n%s",
			        script);
			rc = -1;
		}
	}
	free(script);
	ctl_fw_list_free(&l);
	return rc;
}
