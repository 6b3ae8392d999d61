#include "test.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "denied.h"
#include "rules_source.h"
#include "util.h"

static void report_errors(void *ctx, const char *file, int line, int is_error,
                          const char *msg)
{
	if (is_error)
		config_report_print(ctx, file, line, is_error, msg);
}

static void report_all(void *ctx, const char *file, int line, int is_error,
                       const char *msg)
{
	config_report_print(ctx, file, line, is_error, msg);
}

const char *ctl_test_template_name(const struct ctl *c)
{
	return c->rd != NULL && c->rd->template_path != NULL
	           ? c->rd->template_path
	           : "(built-in template)";
}

struct config *ctl_test_vm_config(const struct ctl *c,
                                  const struct ctl_vm_rules *vm, FILE *err,
                                  int warnings)
{
	struct ctl_vm_state st;
	char why[256], *text, *rendered;
	struct config *cfg = NULL;

	memset(&st, 0, sizeof(st));
	if (c->routes != NULL)
		ctl_instance_state(c, vm, &st);
	text = ctl_instance_render(c, vm, &st, why, sizeof(why));
	/* Read as the proxy will read it: from the run directory. */
	rendered = ctl_instance_path(c, vm->name, "config");
	if (text == NULL && ctl_instance_render_error_in_rules(vm, why))
		fprintf(err, "fwproxyctl: %s\n", why);
	else if (text == NULL)
		fprintf(err, "fwproxyctl: template %s: %s\n",
		        ctl_test_template_name(c), why);
	else
		cfg = config_load_buffer_as(
		    ctl_test_template_name(c), rendered, text, strlen(text),
		    warnings ? report_all : report_errors, err);
	free(text);
	free(rendered);
	return cfg;
}

const char *ctl_test_rules_path(const struct config *cfg,
                                const struct ctl_vm_rules *vm,
                                const struct ctl *c)
{
	char *copy;
	int same;

	if (cfg->filter == NULL)
		return NULL;
	copy = ctl_instance_path(c, vm->name, "rules");
	same = strcmp(copy, cfg->filter) == 0;
	free(copy);
	return same ? vm->path : cfg->filter;
}

static const char *set_host(struct ctl_test_target *t, const char *s, size_t n)
{
	char *u, *ace = NULL;
	const char *why;
	size_t i;

	for (i = 0; i < n && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == n)
		return hostname_normalize(s, n, t->host);
	u = xstrndup(s, n);
	if (idn2_to_ascii_8z(u, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) !=
	    IDN2_OK) {
		free(u);
		return "invalid international host name";
	}
	why = hostname_normalize(ace, strlen(ace), t->host);
	free(u);
	free(ace);
	return why;
}

const char *ctl_test_parse_target(const char *arg, struct ctl_test_target *t)
{
	const char *p = arg, *host, *end, *colon = NULL, *path = "/", *why;
	size_t host_n;
	long long port;
	int scheme = 0; /* 0 none, 1 http, 2 https */

	memset(t, 0, sizeof(*t));
	if (strncasecmp(p, "http://", 7) == 0) {
		scheme = 1;
		p += 7;
	} else if (strncasecmp(p, "https://", 8) == 0) {
		scheme = 2;
		p += 8;
	} else if (strstr(p, "://") != NULL) {
		return "only http:// and https:// URLs";
	}
	end = p + strcspn(p, "/?#");
	if (scheme == 0 && *end != '\0')
		return "not a URL (http://...) nor HOST[:PORT]";
	if (*end != '\0')
		path = end;
	if (memchr(p, '@', (size_t)(end - p)) != NULL)
		return "user names in URLs are not sent to proxies";
	host = p;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (close == NULL)
			return "unterminated '[' in the host";
		if (close + 1 < end && close[1] != ':')
			return "text after ']'";
		if (close + 1 < end)
			colon = close + 1;
		host_n = (size_t)(close + 1 - p);
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		host_n = colon ? (size_t)(colon - p) : (size_t)(end - p);
	}
	if (host_n == 0)
		return "no host";
	t->port = scheme == 1 ? 80 : 443;
	if (colon != NULL) {
		if (parse_number_n(colon + 1, (size_t)(end - colon - 1), 1,
		                   65535, &port) != NULL)
			return "invalid port";
		t->port = (uint16_t)port;
	}
	if ((why = set_host(t, host, host_n)) != NULL)
		return why;
	t->connect = scheme != 1;
	{
		int v6 = strchr(t->host, ':') != NULL;
		char auth[HOSTNAME_MAX + 16];

		if (t->connect || t->port != 80)
			snprintf(auth, sizeof(auth), "%s%s%s:%u", v6 ? "[" : "",
			         t->host, v6 ? "]" : "", (unsigned)t->port);
		else
			snprintf(auth, sizeof(auth), "%s%s%s", v6 ? "[" : "",
			         t->host, v6 ? "]" : "");
		if (t->connect)
			snprintf(t->url, sizeof(t->url), "%s", auth);
		else if (snprintf(t->url, sizeof(t->url), "http://%s%s%s", auth,
		                  path[0] == '/' ? "" : "/",
		                  path) >= (int)sizeof(t->url))
			return "URL too long";
	}
	return NULL;
}

static void by_default(FILE *out, const struct config *cfg)
{
	fprintf(out, "by the default (FilterDefaultDeny %s)",
	        cfg->filter_default_deny ? "Yes" : "No");
}

int ctl_test_run(const struct ctl *c, const struct ctl_vm_rules *vm,
                 const char *arg, FILE *out)
{
	struct ctl_test_target t;
	struct filter_options opt;
	struct filter_verdict v;
	struct filter *f = NULL;
	struct config *cfg;
	const char *why, *path;
	char line[HOSTNAME_MAX * 2 + 8];
	enum ctl_rules_from from;
	int rc = -1;

	if ((why = ctl_test_parse_target(arg, &t)) != NULL) {
		fprintf(stderr, "fwproxyctl: test %s: %s\n", arg, why);
		return -1;
	}
	cfg = ctl_test_vm_config(c, vm, stderr, 0);
	if (cfg == NULL)
		return -1;
	path = ctl_test_rules_path(cfg, vm, c);
	if (t.connect && !config_connect_port_allowed(cfg, t.port)) {
		fprintf(out,
		        "refused by ConnectPort: CONNECT to port %u is not "
		        "allowed\n",
		        (unsigned)t.port);
		rc = 1;
		goto done;
	}
	if (path == NULL) {
		fprintf(out, "allowed: the config has no Filter\n");
		rc = 0;
		goto done;
	}
	filter_options_from_config(cfg, &opt);
	from = vm->path != NULL && strcmp(path, vm->path) == 0
	           ? ctl_rules_from(vm)
	           : CTL_RULES_FILE;
	f = ctl_rules_load(c, vm, path, &opt, report_errors, stderr);
	if (f == NULL)
		goto done;
	filter_check(f, t.host, t.port, t.url, &v);
	if (!v.allowed && cfg->filter_learn)
		fprintf(out, "allowed (FilterMode learn), would be refused ");
	else
		fprintf(out, "%s ", v.allowed ? "allowed" : "refused");
	if (v.line > 0)
		fprintf(out, "by %s:%d: %s\n", v.file, v.line, v.rule);
	else {
		by_default(out, cfg);
		fputc('\n', out);
	}
	if (!v.allowed && v.line == 0 && from != CTL_RULES_FILE &&
	    ctl_rules_qvm_firewall_add(c, vm, t.host, t.port, line,
	                               sizeof(line)) == 0)
		fprintf(out, "to allow it, in dom0: %s\n", line);
	if (!v.allowed && v.line == 0 && from != CTL_RULES_QUBES &&
	    ctl_denied_rule(line, sizeof(line), &opt, t.host) == 0)
		fprintf(out, "to allow it, add to %s: %s\n", path, line);
	else if (!v.allowed && v.line > 0)
		fprintf(out, "to allow it, remove or narrow %s:%d\n", v.file,
		        v.line);
	rc = v.allowed || cfg->filter_learn ? 0 : 1;
done:
	filter_free(f);
	config_free(cfg);
	return rc;
}
