/* Transparent mode for one VM: the rules file's setting and the redirect
 * rules that follow the rendered config. */
#include "transparent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "firewall_redirect.h"
#include "util.h"

struct first_error {
	char msg[256];
	int seen;
};

static void keep_first_error(void *ctx, const char *file, int line,
                             int is_error, const char *msg)
{
	struct first_error *e = ctx;

	(void)file;
	(void)line;
	if (is_error && !e->seen) {
		str_copy(e->msg, msg, sizeof(e->msg));
		e->seen = 1;
	}
}

/* Checks a directive line with the daemon's own parser. */
static const char *check_directive(const char *line, struct first_error *e)
{
	struct config *cfg = config_load_buffer("setting", line, strlen(line),
	                                        keep_first_error, e);

	config_free(cfg);
	return e->seen ? e->msg : NULL;
}

char *ctl_transparent_render(char *config, const char *rules, char *err,
                             size_t errlen)
{
	const char *p = rules, *found = NULL;
	size_t found_len = 0, n;
	int lineno = 0;
	char *out;

	while (*p != '\0') {
		const char *line = p, *end = p + strcspn(p, "\n"), *s;
		struct first_error e = {{0}, 0};
		char directive[1024];

		p = *end == '\n' ? end + 1 : end;
		lineno++;
		s = line;
		if (*s != '#')
			continue;
		for (s++; *s == ' ' || *s == '\t'; s++)
			;
		if (strncmp(s, CTL_TRANSPARENT_SETTING,
		            strlen(CTL_TRANSPARENT_SETTING)) != 0)
			continue;
		for (s += strlen(CTL_TRANSPARENT_SETTING);
		     *s == ' ' || *s == '\t'; s++)
			;
		n = (size_t)(end - s);
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
		                 s[n - 1] == '\r'))
			n--;
		if (n < 12 || ascii_casecmp_n(s, "Transparent", 11) != 0 ||
		    (s[11] != ' ' && s[11] != '\t')) {
			snprintf(err, errlen,
			         "%d: \"# fwproxy:\" takes only Transparent "
			         "PORT...",
			         lineno);
			free(config);
			return NULL;
		}
		if (n >= sizeof(directive)) {
			snprintf(err, errlen, "%d: setting too long", lineno);
			free(config);
			return NULL;
		}
		memcpy(directive, s, n);
		directive[n] = '\0';
		if (check_directive(directive, &e) != NULL) {
			snprintf(err, errlen, "%d: %s", lineno, e.msg);
			free(config);
			return NULL;
		}
		found = s;
		found_len = n;
	}
	if (found == NULL)
		return config;
	n = strlen(config);
	out = xmalloc(n + found_len + 80);
	snprintf(out, n + found_len + 80,
	         "%s\n# From the rules file's \"# fwproxy:\" line.\n%.*s\n",
	         config, (int)found_len, found);
	free(config);
	return out;
}

/* The Transparent ports of a rendered config, into r. */
static void ports_of(const char *config, struct ctl_redirect *r)
{
	struct config *cfg =
	    config_load_buffer("config", config, strlen(config), NULL, NULL);
	int i;

	r->n_ports = 0;
	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_transparent; i++)
		r->ports[r->n_ports++] = cfg->transparent[i].port;
	config_free(cfg);
}

/* Sets name's rules to r (IPv4) and r6 (IPv6), NULL for none. */
static int apply(struct ctl *c, const char *name, const struct ctl_redirect *r,
                 const struct ctl_redirect *r6)
{
	int changed = 0, rc = ctl_redirect_set(&c->fw, name, r, &changed);

	if (ctl_redirect_set(&c->fw6, name, r6, &changed) != 0)
		rc = -1;
	if (changed) {
		c->changes++;
		printf("%s: transparent redirect %s\n", name,
		       r != NULL ? "set" : "removed");
	}
	return rc;
}

int ctl_transparent_sync(struct ctl *c, const struct ctl_vm_rules *vm,
                         const struct ctl_vm_state *st, int on)
{
	struct ctl_redirect r, r6;
	char err[256], *config;

	if (!on)
		return apply(c, vm->name, NULL, NULL);
	config = ctl_instance_render(c, vm, st, err, sizeof(err));
	if (config == NULL)
		return -1;
	memset(&r, 0, sizeof(r));
	ports_of(config, &r);
	free(config);
	r.iface = st->iface;
	r.family = 4;
	r.vm = vm->ip;
	r.proxy = st->gw;
	r.proxy_port = c->port;
	/* The VM's IPv6 traffic goes to the proxy's IPv6 socket; without
	 * one, the VM's Qubes firewall decides on it as before. */
	r6 = r;
	r6.family = 6;
	r6.vm6 = st->ip6;
	r6.proxy6 = st->gw6;
	return apply(c, vm->name, r.n_ports > 0 ? &r : NULL,
	             r.n_ports > 0 && st->has_gw6 ? &r6 : NULL);
}

int ctl_transparent_remove(struct ctl *c, const char *name)
{
	return apply(c, name, NULL, NULL);
}
