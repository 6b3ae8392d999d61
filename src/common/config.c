#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "file.h"
#include "text.h"
#include "util.h"

/* Far above any real configuration; only keeps a mistaken path (a log, a
 * device) from being read whole into memory. */
#define CONFIG_FILE_MAX (16 * 1024 * 1024)

struct tokens {
	char **v;
	int n;
	int cap;
};

void config_diag(struct config_parse *p, int is_error, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	size_t off = 0;
	int n;

	if (is_error)
		p->errors++;
	if (p->report == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (p->directive != NULL)
		off = strlen(p->directive) + 2;
	msg = xmalloc(off + (size_t)n + 1);
	if (p->directive != NULL) {
		memcpy(msg, p->directive, off - 2);
		memcpy(msg + off - 2, ": ", 2);
	}
	va_start(ap, fmt);
	vsnprintf(msg + off, (size_t)n + 1, fmt, ap);
	va_end(ap);
	p->report(p->ctx, p->file, p->line, is_error, msg);
	free(msg);
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Control bytes never belong in a value: several end up in HTTP headers,
 * where a CR or LF would let the file inject header lines. */
static int is_control(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static void tokens_push(struct tokens *t, char *s)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->v = xrealloc(t->v, (size_t)t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = s;
}

static void tokens_clear(struct tokens *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		free(t->v[i]);
	t->n = 0;
}

/* Splits one line into words: bare words end at a blank or '#', quoted
 * strings take \" and \\ as escapes and keep any other backslash as it
 * is, since tinyproxy has no escapes and its users write "a\.b". */
static int split_line(struct config_parse *p, const char *s, size_t n,
                      struct tokens *out)
{
	size_t i = 0;

	while (i < n) {
		size_t start;
		char *w;
		size_t len = 0;

		while (i < n && is_blank((unsigned char)s[i]))
			i++;
		if (i == n || s[i] == '#')
			return 0;
		if (s[i] != '"') {
			start = i;
			while (i < n && !is_blank((unsigned char)s[i]) &&
			       s[i] != '#') {
				if (s[i] == '"') {
					config_diag(p, 1,
					            "unexpected quote "
					            "inside a word");
					return -1;
				}
				if (is_control((unsigned char)s[i])) {
					config_diag(p, 1,
					            "control character "
					            "in line");
					return -1;
				}
				i++;
			}
			tokens_push(out, xstrndup(s + start, i - start));
			continue;
		}
		i++;
		w = xmalloc(n - i + 1);
		for (;;) {
			if (i == n) {
				free(w);
				config_diag(p, 1, "unterminated quoted string");
				return -1;
			}
			if (s[i] == '"')
				break;
			if (is_control((unsigned char)s[i])) {
				free(w);
				config_diag(p, 1, "control character in line");
				return -1;
			}
			if (s[i] == '\\' && i + 1 < n &&
			    (s[i + 1] == '"' || s[i + 1] == '\\'))
				i++;
			w[len++] = s[i++];
		}
		w[len] = '\0';
		tokens_push(out, w);
		i++;
		if (i < n && !is_blank((unsigned char)s[i]) && s[i] != '#') {
			config_diag(p, 1, "text after a closing quote");
			return -1;
		}
	}
	return 0;
}

static struct config *config_new(const char *name)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->path = xstrdup(name);
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->port = 8888;
	cfg->timeout = 600;
	cfg->max_clients = 100;
	cfg->filter_type = FILTER_TYPE_BRE;
	cfg->basic_auth_realm = xstrdup("Tinyproxy");
	cfg->max_request_line = 8192;
	cfg->max_header_line = 8192;
	cfg->max_headers = 100;
	cfg->max_header_size = 32768;
	cfg->header_timeout = 30;
	cfg->connect_timeout = 10;
	cfg->dns_timeout = 5;
	cfg->keepalive_timeout = 60;
	cfg->connect_sni_check = -1;
	return cfg;
}

static void check_whole(struct config_parse *p)
{
	p->line = 0;
	p->directive = NULL;
	if (p->cfg->n_connect_ports == 0)
		config_diag(p, 0,
		            "no ConnectPort: CONNECT is allowed to every port");
}

/* A UTF-8 byte order mark is skipped with a warning; UTF-16 and UTF-32
 * text is refused as a whole rather than line by line. */
static int skip_bom(struct config_parse *p, const char *text, size_t len,
                    size_t *pos)
{
	enum text_bom bom = text_bom(text, len, pos);

	p->line = 1;
	if (bom == TEXT_BOM_UTF8)
		config_diag(p, 0, "UTF-8 byte order mark skipped");
	else if (bom != TEXT_BOM_NONE)
		config_diag(p, 1,
		            "%s text (byte order mark): configuration files "
		            "are ASCII or UTF-8; convert it with iconv -f %.6s "
		            "-t UTF-8",
		            text_bom_name(bom), text_bom_name(bom));
	p->line = 0;
	return bom == TEXT_BOM_NONE || bom == TEXT_BOM_UTF8 ? 0 : -1;
}

struct config *config_load_buffer(const char *name, const char *text,
                                  size_t len, config_report_fn *report,
                                  void *ctx)
{
	return config_load_buffer_as(name, name, text, len, report, ctx);
}

struct config *config_load_buffer_as(const char *name, const char *path,
                                     const char *text, size_t len,
                                     config_report_fn *report, void *ctx)
{
	struct config_parse p = {0};
	struct tokens t = {0};
	size_t pos = 0;

	p.cfg = config_new(name);
	p.file = name;
	p.path = path;
	p.report = report;
	p.ctx = ctx;
	config_parse_init_tails(&p);
	if (skip_bom(&p, text, len, &pos) == -1) {
		config_free(p.cfg);
		return NULL;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;

		p.line++;
		p.directive = NULL;
		if (split_line(&p, text + pos, end - pos, &t) == 0 && t.n > 0)
			config_directive_apply(&p, t.v, t.n);
		tokens_clear(&t);
		pos = end + 1;
	}
	free(t.v);
	check_whole(&p);
	if (p.errors > 0) {
		config_free(p.cfg);
		return NULL;
	}
	return p.cfg;
}

struct config *config_load(const char *path, config_report_fn *report,
                           void *ctx)
{
	struct config *cfg;
	char why[256];
	size_t len = 0;
	char *text = file_read(path, CONFIG_FILE_MAX, &len, why, sizeof(why));

	if (text == NULL) {
		if (report != NULL) {
			char msg[300];
			snprintf(msg, sizeof(msg), "cannot open: %s", why);
			report(ctx, path, 0, 1, msg);
		}
		return NULL;
	}
	cfg = config_load_buffer(path, text, len, report, ctx);
	free(text);
	return cfg;
}

void config_report_print(FILE *f, const char *file, int line, int is_error,
                         const char *msg)
{
	const char *kind = is_error ? "" : "warning: ";

	if (line > 0)
		fprintf(f, "%s:%d: %s%s\n", file, line, kind, msg);
	else
		fprintf(f, "%s: %s%s\n", file, kind, msg);
}

static void upstreams_free(struct upstream *u)
{
	while (u != NULL) {
		struct upstream *next = u->next;
		config_upstream_free(u);
		u = next;
	}
}

static void basic_auth_free(struct basic_auth *a)
{
	while (a != NULL) {
		struct basic_auth *next = a->next;
		free(a->user);
		explicit_bzero(a->pass, strlen(a->pass));
		free(a->pass);
		explicit_bzero(a->encoded, strlen(a->encoded));
		free(a->encoded);
		free(a);
		a = next;
	}
}

static void string_list_free(struct string_list *s)
{
	while (s != NULL) {
		struct string_list *next = s->next;
		free(s->value);
		free(s);
		s = next;
	}
}

void config_free(struct config *cfg)
{
	int i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->user);
	free(cfg->group);
	free(cfg->pid_file);
	free(cfg->log_file);
	free(cfg->listen);
	free(cfg->bind);
	while (cfg->acl != NULL) {
		struct acl_rule *next = cfg->acl->next;
		free(cfg->acl);
		cfg->acl = next;
	}
	free(cfg->default_error_file);
	while (cfg->error_files != NULL) {
		struct error_file *next = cfg->error_files->next;
		free(cfg->error_files->path);
		free(cfg->error_files);
		cfg->error_files = next;
	}
	free(cfg->stat_host);
	free(cfg->stat_file);
	free(cfg->filter);
	free(cfg->filter_source);
	free(cfg->connect_ports);
	upstreams_free(cfg->upstreams);
	free(cfg->via_proxy_name);
	while (cfg->add_headers != NULL) {
		struct header_line *next = cfg->add_headers->next;
		free(cfg->add_headers->name);
		free(cfg->add_headers->value);
		free(cfg->add_headers);
		cfg->add_headers = next;
	}
	string_list_free(cfg->anonymous);
	basic_auth_free(cfg->basic_auth);
	free(cfg->basic_auth_realm);
	free(cfg->allow_destinations);
	for (i = 0; i < cfg->n_dns_servers; i++)
		free(cfg->dns_servers[i]);
	free(cfg->dns_servers);
	free(cfg);
}

const char *config_error_file(const struct config *cfg, int status)
{
	const struct error_file *e;
	const char *found = NULL;

	for (e = cfg->error_files; e != NULL; e = e->next)
		if (e->status == status)
			found = e->path;
	return found != NULL ? found : cfg->default_error_file;
}

int config_connect_port_allowed(const struct config *cfg, uint16_t port)
{
	int i;

	if (cfg->n_connect_ports == 0)
		return 1;
	for (i = 0; i < cfg->n_connect_ports; i++)
		if (cfg->connect_ports[i] == port)
			return 1;
	return 0;
}

static int site_matches(const struct upstream *u, const char *host,
                        const uint8_t *addr)
{
	const char *d = u->site_domain;
	size_t hl, dl;

	switch (u->site_kind) {
	case SITE_ANY:
		return 1;
	case SITE_NET:
		return addr != NULL && cidr_contains(&u->site_net, addr);
	case SITE_DOMAIN:
		break;
	}
	if (host == NULL)
		return 0;
	/* "." alone is tinyproxy's spelling for every host without a dot. */
	if (strcmp(d, ".") == 0)
		return strchr(host, '.') == NULL;
	if (d[0] != '.')
		return strcmp(host, d) == 0;
	hl = strlen(host);
	dl = strlen(d);
	if (hl == dl - 1 && memcmp(host, d + 1, hl) == 0)
		return 1;
	return hl > dl && memcmp(host + hl - dl, d, dl) == 0;
}

const struct upstream *config_upstream_for(const struct config *cfg,
                                           const char *host,
                                           const uint8_t *addr)
{
	const struct upstream *u, *found = NULL;

	for (u = cfg->upstreams; u != NULL; u = u->next)
		if (site_matches(u, host, addr))
			found = u;
	return found;
}

int config_client_allowed(const struct config *cfg, const uint8_t addr[16])
{
	const struct acl_rule *r;

	if (cfg->acl == NULL)
		return 1;
	for (r = cfg->acl; r != NULL; r = r->next)
		if (cidr_contains(&r->net, addr))
			return r->allow;
	return 0;
}

int config_destination_allowed(const struct config *cfg, const uint8_t addr[16])
{
	int i;

	for (i = 0; i < cfg->n_allow_destinations; i++)
		if (cidr_contains(&cfg->allow_destinations[i], addr))
			return 1;
	return 0;
}

int config_connect_sni_check(const struct config *cfg)
{
	if (cfg->connect_sni_check != -1)
		return cfg->connect_sni_check;
	return cfg->filter != NULL && cfg->filter_default_deny;
}

const struct transparent_port *config_transparent_port(const struct config *cfg,
                                                       uint16_t port)
{
	int i;

	for (i = 0; i < cfg->n_transparent; i++)
		if (cfg->transparent[i].port == port)
			return &cfg->transparent[i];
	return NULL;
}

const char *config_transparent_kind_name(enum transparent_kind kind)
{
	switch (kind) {
	case TRANSPARENT_HTTP:
		return "http";
	case TRANSPARENT_TLS:
		return "tls";
	case TRANSPARENT_IP:
		return "ip";
	case TRANSPARENT_NONE:
		break;
	}
	return "none";
}
