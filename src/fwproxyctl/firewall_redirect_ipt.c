/* Transparent mode's rules in iptables (Qubes 4.1): chains
 * fwproxy-transparent in the nat and filter tables, jumped to first from
 * PREROUTING and FORWARD; the same in ip6tables for the IPv6 ones. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "firewall_redirect.h"
#include "util.h"

#define CHAIN    CTL_REDIRECT_TABLE
#define ARGS_MAX 40

static int run(struct ctl_firewall *fw, char **argv, int quiet)
{
	int i;

	if (fw->dry_run) {
		for (i = 0; argv[i] != NULL; i++)
			printf("%s%s", i ? " " : "", argv[i]);
		printf("\n");
		return 0;
	}
	return ctl_exec(argv, NULL, NULL, quiet) == 0 ? 0 : -1;
}

/* iptables -w -t table, then the words given, then NULL. */
static int ipt(struct ctl_firewall *fw, const char *table, int quiet, ...)
{
	char *argv[ARGS_MAX];
	const char *w;
	va_list ap;
	int n = 0;

	argv[n++] = ctl_ipt_command(fw->family);
	argv[n++] = "-w";
	argv[n++] = "-t";
	argv[n++] = (char *)table;
	va_start(ap, quiet);
	while ((w = va_arg(ap, const char *)) != NULL && n < ARGS_MAX - 1)
		argv[n++] = (char *)w;
	va_end(ap);
	argv[n] = NULL;
	return run(fw, argv, quiet);
}

/* Appends a listed rule ("-A CHAIN ..."). */
static int append(struct ctl_firewall *fw, const char *table, const char *text)
{
	char buf[CTL_FW_RULE_MAX], *argv[ARGS_MAX];
	size_t n = 4;

	str_copy(buf, text, sizeof(buf));
	argv[0] = ctl_ipt_command(fw->family);
	argv[1] = "-w";
	argv[2] = "-t";
	argv[3] = (char *)table;
	n += ctl_ipt_words(buf, argv + n, ARGS_MAX - n - 1);
	argv[n] = NULL;
	return run(fw, argv, 0);
}

/* The rules of one table (nat: the redirects; filter: the QUIC reject). */
static int set_table(struct ctl_firewall *fw, const char *table,
                     const char *hook, const char *name,
                     const struct ctl_redirect_rule *want, int n_want,
                     int *changed)
{
	static struct ctl_redirect_list l;
	char *const list[] = {ctl_ipt_command(fw->family),
	                      "-w",
	                      "-t",
	                      (char *)table,
	                      "-S",
	                      CHAIN,
	                      NULL};
	int keep[CTL_REDIRECT_RULES_MAX] = {0}, exists, mine = 0, rc = 0, j;
	char *text = NULL, pos[24];
	size_t i, others = 0;

	exists = ctl_exec(list, NULL, &text, 1) == 0;
	memset(&l, 0, sizeof(l));
	ctl_redirect_ipt_parse(exists && text ? text : "", table, &l);
	free(text);
	for (j = 0; j < n_want; j++)
		mine += strcmp(want[j].where, table) == 0;
	/* Deleting by position from the last keeps the others' numbers. */
	for (i = l.count; i-- > 0;) {
		if (strcmp(l.v[i].name, name) != 0) {
			others++;
			continue;
		}
		for (j = 0; j < n_want; j++)
			if (!keep[j] && strcmp(want[j].text, l.v[i].text) == 0)
				break;
		if (j < n_want) {
			keep[j] = 1;
			continue;
		}
		*changed = 1;
		snprintf(pos, sizeof(pos), "%ld", l.v[i].handle);
		rc |= ipt(fw, table, 0, "-D", CHAIN, pos, NULL);
	}
	if (mine > 0 && !exists) {
		*changed = 1;
		rc |= ipt(fw, table, 0, "-N", CHAIN, NULL);
	}
	if (mine > 0 && (fw->dry_run ||
	                 ipt(fw, table, 1, "-C", hook, "-j", CHAIN, NULL) != 0))
		rc |= ipt(fw, table, 0, "-I", hook, "1", "-j", CHAIN, NULL);
	for (j = 0; j < n_want; j++) {
		if (keep[j] || strcmp(want[j].where, table) != 0)
			continue;
		*changed = 1;
		rc |= append(fw, table, want[j].text);
	}
	if (mine == 0 && others == 0 && exists) {
		*changed = 1;
		rc |= ipt(fw, table, 0, "-D", hook, "-j", CHAIN, NULL);
		rc |= ipt(fw, table, 0, "-F", CHAIN, NULL);
		rc |= ipt(fw, table, 0, "-X", CHAIN, NULL);
	}
	return rc;
}

int ctl_redirect_ipt_set(struct ctl_firewall *fw, const char *name,
                         const struct ctl_redirect *r, int *changed)
{
	static struct ctl_redirect_rule want[CTL_REDIRECT_RULES_MAX];
	int n = r != NULL ? ctl_redirect_ipt_rules(name, r, want) : 0, rc;

	rc = set_table(fw, "nat", "PREROUTING", name, want, n, changed);
	rc |= set_table(fw, "filter", "FORWARD", name, want, n, changed);
	if (rc != 0)
		fprintf(stderr, "fwproxyctl: %s failed for %s\n",
		        ctl_ipt_command(fw->family), name);
	return rc == 0 ? 0 : -1;
}
