#include "rules_source.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "qubes_rules.h"
#include "qubesdb.h"
#include "util.h"

#define RULES_READ_MAX (64u << 20)
#define HEADER_DENY    "refused by default"

/* One VM's Qubes rules as read in this run: read once, so that rules and
 * config agree even when QubesDB changes in between. */
struct qubes_read {
	char name[CTL_NAME_MAX + 1];
	int ok;           /* QubesDB read and translated */
	int deny_default; /* with ok */
	char *text;       /* with ok: the translation */
	struct qfw q;     /* with ok */
	struct qfw_translation t;
	char why[256]; /* without ok */
};

static struct qubes_read *reads;
static size_t n_reads;

/* NULL also for a file that is not text (a NUL byte): callers then read
 * it as a plain rules file, whose loader names the line. */
static char *read_bounded(const char *path)
{
	return ctl_rulesdir_read(path, RULES_READ_MAX, NULL);
}

/* The offset of the marker line in text, or -1. */
static long marker_at(const char *text, size_t *line_len, int *others)
{
	const char *p = text;
	long at = -1;

	*others = 0;
	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		const char *s = p, *e = p + n;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s &&
		       (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if ((size_t)(e - s) == strlen(CTL_QUBES_MARKER) &&
		    memcmp(s, CTL_QUBES_MARKER, (size_t)(e - s)) == 0) {
			if (at < 0) {
				at = (long)(p - text);
				*line_len = n;
			}
		} else if (e > s && *s != '#') {
			*others = 1;
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return at;
}

enum ctl_rules_from ctl_rules_from(const struct ctl_vm_rules *vm)
{
	char *text = vm->path != NULL ? read_bounded(vm->path) : NULL;
	enum ctl_rules_from from = CTL_RULES_FILE;
	size_t n;
	int others;

	if (text != NULL && marker_at(text, &n, &others) >= 0)
		from = others ? CTL_RULES_FILE_QUBES : CTL_RULES_QUBES;
	free(text);
	return from;
}

char *ctl_rules_file_masked(const struct ctl_vm_rules *vm)
{
	char *text = vm->path != NULL ? read_bounded(vm->path) : NULL;
	size_t n;
	int others;
	long at;

	if (text == NULL)
		return NULL;
	at = marker_at(text, &n, &others);
	if (at >= 0)
		text[at + (long)strspn(text + at, " \t")] = '#';
	return text;
}

const char *ctl_rules_from_name(enum ctl_rules_from from)
{
	switch (from) {
	case CTL_RULES_QUBES:
		return "qubes";
	case CTL_RULES_FILE_QUBES:
		return "file+qubes";
	case CTL_RULES_FILE:
		break;
	}
	return "file";
}

/* The VM's IPv6 address as text, when it has one (Qubes' ipv6 feature). */
static int vm_ip6(const struct ctl *c, const struct ctl_vm_rules *vm,
                  char out[INET6_ADDRSTRLEN])
{
	struct in6_addr a;

	if (c->routes == NULL || ctl_routes_vm_ip6(c->routes, vm->ip, &a) != 0)
		return -1;
	inet_ntop(AF_INET6, &a, out, INET6_ADDRSTRLEN);
	return 0;
}

/* The rules Qubes wrote under /qubes-firewall/ip/, parsed into q. */
static int read_list(const char *ip, struct qfw *q, char *why, size_t len)
{
	char prefix[INET6_ADDRSTRLEN + 32], *out;
	const char *err;

	snprintf(prefix, sizeof(prefix), "/qubes-firewall/%s/", ip);
	out = ctl_qubesdb_multiread(prefix, why, len);
	if (out == NULL)
		return -1;
	err = qfw_parse(out, q, why, len);
	free(out);
	return err == NULL ? 0 : -1;
}

static struct qubes_read *qubes_read(const struct ctl *c,
                                     const struct ctl_vm_rules *vm)
{
	char ip6[INET6_ADDRSTRLEN], why6[192];
	struct qubes_read *r;
	struct qfw q6 = {0};
	size_t i;

	for (i = 0; i < n_reads; i++)
		if (strcmp(reads[i].name, vm->name) == 0)
			return &reads[i];
	reads = xrealloc(reads, (n_reads + 1) * sizeof(*reads));
	r = &reads[n_reads++];
	memset(r, 0, sizeof(*r));
	str_copy(r->name, vm->name, sizeof(r->name));
	if (read_list(vm->ip_text, &r->q, r->why, sizeof(r->why)) != 0)
		return r;
	/* Each address's list leaves out the rules for the other family
	 * (dst6 under IPv4, dst4 under IPv6); the proxy connects over
	 * both, so it takes the whole list back. */
	if (vm_ip6(c, vm, ip6) == 0) {
		if (read_list(ip6, &q6, why6, sizeof(why6)) != 0 ||
		    qfw_merge(&r->q, &q6, why6, sizeof(why6)) != NULL) {
			snprintf(r->why, sizeof(r->why), "%s: %s", ip6, why6);
			qfw_free(&r->q);
			qfw_free(&q6);
			return r;
		}
		qfw_free(&q6);
	}
	qfw_translate(&r->q, vm->ip_text, &r->t);
	r->ok = 1;
	r->deny_default = r->t.deny_default;
	r->text = r->t.text;
	return r;
}

static int tools_missing(const struct qubes_read *r)
{
	return strstr(r->why, "not found") != NULL;
}

/* Appends "fwproxyctl: msg" with a time stamp to the VM's log, where the
 * user reads why its proxy refuses. */
static void log_to_vm(const struct ctl *c, const char *name, const char *msg)
{
	char *path = ctl_instance_path(c, name, "log");
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	if (c->dry_run || (f = fopen(path, "ae")) == NULL) {
		free(path);
		return;
	}
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm);
	fprintf(f, "%s fwproxyctl: %s\n", stamp, msg);
	fclose(f);
	free(path);
}

/* The copy in force, when it was made from Qubes rules, else NULL. */
static char *rules_in_force(const struct ctl *c, const char *name,
                            int *deny_default)
{
	char *path = ctl_instance_path(c, name, "rules");
	char *text = read_bounded(path);

	free(path);
	if (text != NULL &&
	    strstr(text, "# The Qubes firewall rules of ") == NULL) {
		free(text);
		return NULL;
	}
	if (text != NULL)
		*deny_default = strstr(text, HEADER_DENY) != NULL;
	return text;
}

/* When the Qubes rules cannot be read: the rules in force, whole (*kept
 * set), else a list that allows nothing from Qubes. */
static char *fallback(const struct ctl *c, const struct ctl_vm_rules *vm,
                      struct qubes_read *r, int *kept)
{
	char msg[512];
	char *in_force;
	int deny = 1;

	in_force = rules_in_force(c, vm->name, &deny);
	snprintf(msg, sizeof(msg),
	         "%s: the Qubes firewall rules of %s cannot be used (%s); %s",
	         vm->name, vm->ip_text, r->why,
	         in_force != NULL
	             ? "keeping the rules in force"
	             : "allowing nothing from them until they can");
	fprintf(stderr, "fwproxyctl: %s\n", msg);
	log_to_vm(c, vm->name, msg);
	r->deny_default = deny;
	*kept = in_force != NULL;
	if (in_force != NULL)
		return in_force;
	return xstrdup("# The Qubes firewall rules of this VM could not be "
	               "read: " HEADER_DENY ", nothing allowed from them.\n");
}

char *ctl_rules_expand(const struct ctl *c, const struct ctl_vm_rules *vm,
                       char *file_text)
{
	struct qubes_read *r;
	struct buf b = {0};
	size_t line_len;
	char *qubes, *out;
	long at;
	int others, kept = 0;

	if (file_text == NULL)
		return NULL;
	at = marker_at(file_text, &line_len, &others);
	if (at < 0)
		return file_text;
	r = qubes_read(c, vm);
	if (!r->ok && tools_missing(r)) {
		fprintf(stderr,
		        "fwproxyctl: %s: %s asks for the Qubes firewall "
		        "rules: %s\n",
		        vm->name, vm->path, r->why);
		free(file_text);
		return NULL;
	}
	qubes = r->ok ? xstrdup(r->text) : fallback(c, vm, r, &kept);
	if (kept) {
		free(file_text);
		return qubes;
	}
	buf_append(&b, file_text, (size_t)at);
	buf_append_str(&b, qubes);
	buf_append_str(&b, file_text + at + (long)line_len +
	                       (file_text[at + (long)line_len] == '\n'));
	out = xstrdup(buf_cstr(&b));
	buf_free(&b);
	free(qubes);
	free(file_text);
	return out;
}

char *ctl_rules_config(const struct ctl *c, const struct ctl_vm_rules *vm,
                       char *config)
{
	static const char LINES[] = "\n# The Qubes firewall rules, as Qubes "
	                            "means them.\nFilterType domain\n"
	                            "FilterURLs No\nFilterDefaultDeny %s\n";
	struct qubes_read *r;
	char *out;
	size_t n, size;

	(void)c;
	if (config == NULL || ctl_rules_from(vm) == CTL_RULES_FILE)
		return config;
	r = qubes_read(c, vm);
	if (!r->ok) {
		int deny = 1;
		char *kept = rules_in_force(c, vm->name, &deny);

		free(kept);
		r->deny_default = deny;
	}
	n = strlen(config);
	size = n + sizeof(LINES) + 4;
	out = xmalloc(size);
	memcpy(out, config, n);
	snprintf(out + n, size - n, LINES, r->deny_default ? "Yes" : "No");
	free(config);
	return out;
}

struct filter *ctl_rules_load(const struct ctl *c,
                              const struct ctl_vm_rules *vm, const char *path,
                              const struct filter_options *opt,
                              config_report_fn *report, void *ctx)
{
	char *text, *copy;
	struct filter *f;

	if (vm->path == NULL || strcmp(path, vm->path) != 0 ||
	    ctl_rules_from(vm) == CTL_RULES_FILE)
		return filter_load(path, opt, report, ctx);
	text = ctl_rules_expand(c, vm, read_bounded(path));
	if (text == NULL)
		return NULL;
	copy = ctl_instance_path(c, vm->name, "rules");
	f = filter_load_buffer(copy, text, strlen(text), opt, report, ctx);
	free(copy);
	free(text);
	return f;
}

/* The line number of the marker in vm's rules file, or 0. */
static int marker_line(const struct ctl_vm_rules *vm)
{
	char *text = vm->path != NULL ? read_bounded(vm->path) : NULL;
	size_t n;
	int others, line = 1;
	long at, i;

	if (text == NULL)
		return 0;
	at = marker_at(text, &n, &others);
	for (i = 0; i < at; i++)
		line += text[i] == '\n';
	free(text);
	return at < 0 ? 0 : line;
}

int ctl_rules_report(const struct ctl *c, const struct ctl_vm_rules *vm,
                     FILE *out)
{
	struct qubes_read *r;
	size_t i;
	int line = marker_line(vm);

	(void)c;
	if (line == 0)
		return 0;
	r = qubes_read(c, vm);
	if (!r->ok) {
		fprintf(out,
		        "%s:%d: error: the Qubes firewall rules of %s: %s\n",
		        vm->path, line, vm->ip_text, r->why);
		return -1;
	}
	for (i = 0; i < r->t.n_findings; i++)
		fprintf(
		    out,
		    "%s:%d: warning: Qubes firewall rule /qubes-firewall/%s/"
		    "%s: %s\n",
		    vm->path, line, vm->ip_text, r->t.findings[i].key,
		    r->t.findings[i].message);
	return (int)r->t.n_findings;
}

int ctl_rules_qvm_firewall_add(const struct ctl *c,
                               const struct ctl_vm_rules *vm, const char *host,
                               unsigned port, char *out, size_t outlen)
{
	struct qubes_read *r = qubes_read(c, vm);
	const char *decider;
	char before[32] = "";

	(void)c;
	if (!r->ok)
		return -1;
	decider = qfw_decider(&r->q);
	if (decider != NULL)
		snprintf(before, sizeof(before), " --before %d", atoi(decider));
	snprintf(out, outlen,
	         "qvm-firewall %s add%s action=accept dsthost=%s proto=tcp "
	         "dstports=%u",
	         vm->name, before, host, port);
	return 0;
}
