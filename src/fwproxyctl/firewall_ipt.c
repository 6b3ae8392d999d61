#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "firewall.h"
#include "util.h"

#define IPT_ARGS_MAX 40

void ctl_ipt_rule_text(const struct ctl_fw_rule *r, char *out, size_t len)
{
	char vm[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
	int bits = r->family == 6 ? 128 : 32;

	ctl_fw_rule_addrs(r, vm, gw);
	snprintf(out, len,
	         "-A INPUT -s %s/%d -d %s/%d -i %s -p tcp -m tcp --dport %u "
	         "-m comment --comment \"" CTL_FW_TAG "%s\" -j ACCEPT",
	         vm, bits, gw, bits, r->iface, (unsigned)r->port, r->name);
}

char *ctl_ipt_command(int family)
{
	return family == 6 ? "ip6tables" : "iptables";
}

int ctl_ipt_parse(const char *text, struct ctl_fw_list *l)
{
	/* iptables -S quotes the comment (it holds a colon). */
	static const char tag[] = "--comment \"" CTL_FW_TAG;
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		const char *t, *s = p;
		char line[CTL_FW_RULE_MAX], name[128];
		size_t n;

		p = eol ? eol + 1 : end;
		n = (size_t)(end - s);
		if (n >= sizeof(line) || n < 9 || strncmp(s, "-A INPUT ", 9))
			continue;
		memcpy(line, s, n);
		line[n] = '\0';
		t = strstr(line, tag);
		if (t == NULL)
			continue;
		t += sizeof(tag) - 1;
		n = strcspn(t, "\" ");
		if (n == 0 || n >= sizeof(name))
			return -1;
		memcpy(name, t, n);
		name[n] = '\0';
		ctl_fw_list_add(l, name, line, strlen(line), 0);
	}
	return 0;
}

int ctl_ipt_detect(int family)
{
	char *const argv[] = {ctl_ipt_command(family), "-w", "-S", "INPUT",
	                      NULL};
	char *out = NULL;
	int rc = ctl_exec(argv, NULL, &out, 1);
	free(out);
	return rc == 0 ? 0 : -1;
}

int ctl_ipt_list(struct ctl_firewall *fw, struct ctl_fw_list *out)
{
	char *const argv[] = {ctl_ipt_command(fw->family), "-w", "-S", "INPUT",
	                      NULL};
	char *text = NULL;

	memset(out, 0, sizeof(*out));
	if (ctl_exec(argv, NULL, &text, 0) != 0 ||
	    ctl_ipt_parse(text, out) != 0) {
		fprintf(stderr, "fwproxyctl: %s -S INPUT failed\n",
		        ctl_ipt_command(fw->family));
		free(text);
		ctl_fw_list_free(out);
		return -1;
	}
	free(text);
	return 0;
}

size_t ctl_ipt_words(char *text, char **words, size_t max)
{
	char *save = NULL, *w;
	size_t n = 0;

	for (w = strtok_r(text, " ", &save); w != NULL && n < max;
	     w = strtok_r(NULL, " ", &save)) {
		size_t len = strlen(w);
		if (len >= 2 && w[0] == '"' && w[len - 1] == '"') {
			w[len - 1] = '\0';
			w++;
		}
		words[n++] = w;
	}
	return n;
}

/* Runs iptables with the rule text (which starts with "-A INPUT"), its
 * first word replaced by op; rule text never holds quoted spaces since
 * names and interfaces have none. */
static int run_rule(struct ctl_firewall *fw, const char *op, const char *text,
                    const char *pos)
{
	char buf[CTL_FW_RULE_MAX], *argv[IPT_ARGS_MAX];
	size_t n = 3, i;

	str_copy(buf, text + 3, sizeof(buf));
	argv[0] = ctl_ipt_command(fw->family);
	argv[1] = "-w";
	argv[2] = (char *)op;
	/* The chain, then pos (if any), then the rest. */
	n += ctl_ipt_words(buf, argv + n, IPT_ARGS_MAX - n - 2);
	if (pos != NULL && n > 3) {
		memmove(argv + 5, argv + 4, (n - 4) * sizeof(*argv));
		argv[4] = (char *)pos;
		n++;
	}
	argv[n] = NULL;
	if (fw->dry_run) {
		for (i = 0; i < n; i++)
			printf("%s%s", i ? " " : "", argv[i]);
		printf("\n");
		return 0;
	}
	return ctl_exec(argv, NULL, NULL, 0) == 0 ? 0 : -1;
}

int ctl_ipt_set(struct ctl_firewall *fw, const char *name,
                const struct ctl_fw_rule *rule, int *changed)
{
	char want[CTL_FW_RULE_MAX];
	struct ctl_fw_list l;
	int keep = 0, rc = 0;
	size_t i;

	if (ctl_ipt_list(fw, &l) != 0)
		return -1;
	if (rule != NULL)
		ctl_ipt_rule_text(rule, want, sizeof(want));
	for (i = 0; i < l.count; i++) {
		if (strcmp(l.v[i].name, name) != 0)
			continue;
		if (rule != NULL && !keep && strcmp(l.v[i].text, want) == 0) {
			keep = 1;
			continue;
		}
		*changed = 1;
		if (run_rule(fw, "-D", l.v[i].text, NULL) != 0)
			rc = -1;
	}
	if (rule != NULL && !keep) {
		*changed = 1;
		if (run_rule(fw, "-I", want, "1") != 0)
			rc = -1;
	}
	if (rc != 0)
		fprintf(stderr, "fwproxyctl: %s failed for %s\n",
		        ctl_ipt_command(fw->family), name);
	ctl_fw_list_free(&l);
	return rc;
}
