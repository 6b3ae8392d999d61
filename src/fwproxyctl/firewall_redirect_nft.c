/* Transparent mode's rules in nftables: table ip fwproxy-transparent, and
 * ip6 fwproxy-transparent for the IPv6 ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exec.h"
#include "firewall_redirect.h"

/* Idempotent: "add" leaves an existing table or chain alone. */
static void setup(struct buf *script, const char *table)
{
	buf_printf(script,
	           "add table %s\n"
	           "add chain %s dstnat { type nat hook prerouting priority "
	           "dstnat; policy accept; }\n"
	           "add chain %s forward { type filter hook forward priority "
	           "filter; policy accept; }\n",
	           table, table, table);
}

static int run_script(struct ctl_firewall *fw, const char *script)
{
	char *const argv[] = {"nft", "-f", "-", NULL};
	const char *p = script;

	if (fw->dry_run) {
		while (*p != '\0') {
			size_t n = strcspn(p, "\n");
			printf("nft %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
		return 0;
	}
	if (ctl_exec(argv, script, NULL, 0) == 0)
		return 0;
	fprintf(stderr, "fwproxyctl: nft failed on:\n%s", script);
	return -1;
}

int ctl_redirect_nft_set(struct ctl_firewall *fw, const char *name,
                         const struct ctl_redirect *r, int *changed)
{
	static struct ctl_redirect_list l;
	static struct ctl_redirect_rule want[CTL_REDIRECT_RULES_MAX];
	char *family = ctl_nft_family(fw->family);
	char *const list[] = {
	    "nft", "-a", "list", "table", family, CTL_REDIRECT_TABLE, NULL};
	char table[32], *text = NULL;
	struct buf script = {0};
	int keep[CTL_REDIRECT_RULES_MAX] = {0}, n_want = 0, exists, rc = 0;
	size_t i, others = 0;
	int j;

	snprintf(table, sizeof(table), "%s " CTL_REDIRECT_TABLE, family);
	exists = ctl_exec(list, NULL, &text, 1) == 0;
	ctl_redirect_nft_parse(exists && text ? text : "", &l);
	free(text);
	if (l.truncated) {
		fprintf(stderr, "fwproxyctl: too many rules in table %s\n",
		        table);
		return -1;
	}
	if (r != NULL)
		n_want = ctl_redirect_nft_rules(name, r, want);
	for (i = 0; i < l.count; i++) {
		if (strcmp(l.v[i].name, name) != 0) {
			others++;
			continue;
		}
		for (j = 0; j < n_want; j++)
			if (!keep[j] &&
			    strcmp(want[j].where, l.v[i].where) == 0 &&
			    strcmp(want[j].text, l.v[i].text) == 0)
				break;
		if (j < n_want) {
			keep[j] = 1;
			continue;
		}
		buf_printf(&script, "delete rule %s %s handle %ld\n", table,
		           l.v[i].where, l.v[i].handle);
	}
	for (j = 0; j < n_want; j++) {
		if (keep[j])
			continue;
		if (script.len == 0 ||
		    strstr(buf_cstr(&script), "add table") == NULL)
			setup(&script, table);
		buf_printf(&script, "add rule %s %s %s\n", table, want[j].where,
		           want[j].text);
	}
	/* The table goes with its last rule: stopping every transparent
	 * VM leaves the ruleset as it was. */
	if (n_want == 0 && others == 0 && exists) {
		script.len = 0;
		buf_printf(&script, "delete table %s\n", table);
	}
	if (script.len > 0) {
		*changed = 1;
		rc = run_script(fw, buf_cstr(&script));
	}
	buf_free(&script);
	return rc;
}
