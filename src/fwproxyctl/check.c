#include "check.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "hostname.h"
#include "rule_shape.h"
#include "text.h"
#include "util.h"

#define CHECK_FILE_MAX (256u << 20)
/* Hosts made up to show what a rule wrongly matches. */
#define TRICK_PREFIX "not"
#define TRICK_SUFFIX ".evil.net"
#define RULE_MAX     (HOSTNAME_MAX * 2 + 16)

struct entry {
	int line;
	size_t line_start, line_end; /* without the '\n' */
	size_t tok, tok_len;         /* the rule; tok_len 0: none */
	int bad;
	int dup;   /* line of the first occurrence, or 0 */
	char *fix; /* the corrected rule(s), '\n' between two, or NULL */
};

struct pending {
	int line;
	char *msg;
};

struct lint {
	const char *name;
	const char *text;
	size_t len;
	struct filter_options opt;
	struct entry *e;
	size_t n;
	struct pending *err;
	size_t n_err;
	struct filter *full; /* every good line, for shadowing */
	struct ctl_check *k;
};

static void add(struct ctl_check *k, int line, int is_error, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

static void add(struct ctl_check *k, int line, int is_error, const char *fmt,
                ...)
{
	struct ctl_check_finding *f;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	k->v = xrealloc(k->v, (k->count + 1) * sizeof(*k->v));
	f = &k->v[k->count++];
	f->line = line;
	f->is_error = is_error;
	f->msg = xmalloc((size_t)(n > 0 ? n : 0) + 1);
	va_start(ap, fmt);
	vsnprintf(f->msg, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
	va_end(ap);
	if (is_error)
		k->errors++;
	else
		k->warnings++;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

/* The lines of the file, each rule cut as filter.c cuts it. */
static void split(struct lint *l)
{
	size_t pos = 0;
	int line = 0;

	while (pos < l->len) {
		const char *start = l->text + pos, *end, *s, *t;
		struct entry *e;

		end = memchr(start, '\n', l->len - pos);
		if (end == NULL)
			end = l->text + l->len;
		l->e = xrealloc(l->e, (l->n + 1) * sizeof(*l->e));
		e = &l->e[l->n++];
		memset(e, 0, sizeof(*e));
		e->line = ++line;
		e->line_start = pos;
		e->line_end = (size_t)(end - l->text);
		pos = e->line_end + 1;
		for (t = start; t < end && is_space(*t); t++)
			;
		for (s = t; s < end && *s != '\0' && !is_space(*s); s++)
			if (*s == '#' && (s == t || s[-1] != '\\'))
				break;
		e->tok = (size_t)(t - l->text);
		e->tok_len = (size_t)(s - t);
	}
}

static void collect_error(void *ctx, const char *file, int line, int is_error,
                          const char *msg)
{
	struct lint *l = ctx;

	(void)file;
	if (!is_error) {
		add(l->k, line, 0, "%s", msg);
		return;
	}
	l->err = xrealloc(l->err, (l->n_err + 1) * sizeof(*l->err));
	l->err[l->n_err].line = line;
	l->err[l->n_err].msg = xstrdup(msg);
	l->n_err++;
}

static const char *verb(const struct lint *l)
{
	return l->opt.default_deny ? "admits" : "blocks";
}

/* Whether the rule alone matches host. */
static int alone_matches(const struct lint *l, const struct entry *e,
                         const char *host)
{
	struct filter_verdict v;
	struct filter *f;
	int hit;

	f = filter_load_buffer(l->name, l->text + e->tok, e->tok_len, &l->opt,
	                       NULL, NULL);
	if (f == NULL)
		return 0;
	filter_check(f, host, 443, host, &v);
	hit = v.line != 0;
	filter_free(f);
	return hit;
}

/* Hosts with nothing in common: a rule that matches each of them alone
 * matches every host (".*", "^", "$", "()", "a|", "*", "~.*", "."). */
static const char *const ANY_HOSTS[] = {
    "a",
    "zz-probe.example",
    "192.0.2.1",
    "xn--bcher-kva.example",
};

/* Warns about a rule that matches every host: one such line makes an
 * allow-list admit everything. 1 when it warned. */
static int matches_every_host(struct lint *l, const struct entry *e)
{
	struct filter_verdict v;
	struct filter *f;
	size_t i;
	int all = 1;

	f = filter_load_buffer(l->name, l->text + e->tok, e->tok_len, &l->opt,
	                       NULL, NULL);
	if (f == NULL)
		return 0;
	for (i = 0; i < ARRAY_LEN(ANY_HOSTS) && all; i++) {
		filter_check(f, ANY_HOSTS[i], 443, ANY_HOSTS[i], &v);
		all = v.line != 0;
	}
	filter_free(f);
	if (all)
		add(l->k, e->line, 0,
		    "\"%.*s\" matches every host: it %s them all, and no rule "
		    "after it decides anything",
		    (int)e->tok_len, l->text + e->tok, verb(l));
	return all;
}

/* The rule(s) that say what the shape's author meant, in the file's own
 * syntax: one rule in a, a second one (or "") in b. */
static void meant(const struct lint *l, int tilde, const struct rule_shape *s,
                  char *a, char *b, size_t size)
{
	char esc[HOSTNAME_MAX * 2 + 2];

	b[0] = '\0';
	rule_escape_dots(esc, sizeof(esc), s->host);
	if (l->opt.type == FILTER_TYPE_DOMAIN && tilde) {
		snprintf(a, size, "%s%s",
		         s->start == SHAPE_START_ANCHORED ? "="
		         : s->start == SHAPE_START_SUB    ? "*."
		                                          : "",
		         s->host);
	} else if (l->opt.type == FILTER_TYPE_FNMATCH) {
		snprintf(a, size, "%s%s",
		         s->start == SHAPE_START_SUB ? "*." : "", s->host);
		if (s->start == SHAPE_START_LOOSE)
			snprintf(b, size, "*.%s", s->host);
	} else if (s->start == SHAPE_START_SUB) {
		snprintf(a, size, "%s\\.%s$", tilde ? "~" : "", esc);
	} else {
		snprintf(a, size, "%s^%s$", tilde ? "~" : "", esc);
		if (s->start == SHAPE_START_LOOSE)
			snprintf(b, size, "%s\\.%s$", tilde ? "~" : "", esc);
	}
}

static void set_fix(struct entry *e, const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;

	free(e->fix);
	e->fix = xmalloc(n);
	snprintf(e->fix, n, "%s%s%s", a, b[0] ? "\n" : "", b);
}

/* The advice that ends every pitfall warning. */
static void advice(char *out, size_t size, const struct rule_shape *s,
                   const char *a, const char *b)
{
	if (b[0] != '\0')
		snprintf(out, size,
		         "for %s and its subdomains write \"%s\" and "
		         "\"%s\"",
		         s->host, a, b);
	else
		snprintf(out, size, "write \"%s\"", a);
}

/* Warns "PITFALL: "RULE" also admits|blocks "TRICK"; TIP" when the rule
 * alone matches trick, a host its author did not mean. 1 when it warned. */
static int probe(struct lint *l, const struct entry *e, const char *pitfall,
                 const char *trick, const char *tip)
{
	if (!alone_matches(l, e, trick))
		return 0;
	add(l->k, e->line, 0, "%s: \"%.*s\" also %s \"%s\"; %s", pitfall,
	    (int)e->tok_len, l->text + e->tok, verb(l), trick, tip);
	return 1;
}

/* Warns about one rule that names one host; returns the number of
 * warnings. Probes the rule alone with hosts its author did not mean. */
static int pitfalls(struct lint *l, struct entry *e, const struct rule_shape *s,
                    int tilde, int glob)
{
	char trick[HOSTNAME_MAX * 2 + 32], a[RULE_MAX], b[RULE_MAX];
	char tip[RULE_MAX * 3];
	int warned = 0;

	meant(l, tilde, s, a, b, sizeof(a));
	advice(tip, sizeof(tip), s, a, b);
	if (!glob && (s->loose_dot >= 0 || s->lead_loose)) {
		if (s->lead_loose)
			snprintf(trick, sizeof(trick), "x%s", s->host);
		else
			snprintf(trick, sizeof(trick), "%.*sx%s", s->loose_dot,
			         s->host, s->host + s->loose_dot + 1);
		warned += probe(l, e, "unescaped \".\" matches any character",
		                trick, tip);
	}
	if (s->start == SHAPE_START_LOOSE) {
		snprintf(trick, sizeof(trick), TRICK_PREFIX "%s", s->host);
		warned += probe(l, e, "not anchored at the start", trick, tip);
	}
	if (s->end == SHAPE_END_LOOSE) {
		snprintf(trick, sizeof(trick), "%s%s" TRICK_SUFFIX,
		         s->start == SHAPE_START_SUB ? RULE_PROBE_LABEL : "",
		         s->host);
		warned += probe(l, e, "not anchored at the end", trick, tip);
	}
	if (warned)
		set_fix(e, a, b);
	return warned;
}

static void lint_loose_dots(struct lint *l, struct entry *e, const char *p,
                            size_t n, int tilde)
{
	char fixed[RULE_MAX * 2], run[RULE_MAX], trick[RULE_MAX];
	long col = rule_loose_dots(p, n, fixed + tilde, sizeof(fixed) - 1);
	size_t a, b, o = 0, dot = 0;

	if (col < 0)
		return;
	if (tilde)
		fixed[0] = '~';
	/* The name around the dot, as the author read it. */
	for (a = (size_t)col;
	     a > 0 && (rule_label_char(p[a - 1]) ||
	               (p[a - 1] == '.' && a >= 2) || p[a - 1] == '\\');
	     a--)
		;
	for (b = (size_t)col + 1;
	     b < n && (rule_label_char(p[b]) || p[b] == '.' ||
	               (p[b] == '\\' && b + 1 < n && p[b + 1] == '.'));
	     b++)
		;
	for (; a < b && o + 1 < sizeof(run); a++) {
		if (a == (size_t)col)
			dot = o;
		if (p[a] != '\\')
			run[o++] = p[a];
	}
	run[o] = '\0';
	str_copy(trick, run, sizeof(trick));
	trick[dot] = 'x';
	add(l->k, e->line, 0,
	    "unescaped \".\" matches any character: \"%s\" in \"%.*s\" also "
	    "matches \"%s\"; write \"%s\"",
	    run, (int)e->tok_len, l->text + e->tok, trick, fixed);
	set_fix(e, fixed, "");
}

/* A rule shadowed by earlier ones never decides anything: every host of
 * hosts, at each of its ports, is decided by an earlier line. */
static void shadowed(struct lint *l, struct entry *e,
                     char hosts[2][RULE_HOST_TEXT], int n, uint16_t lo,
                     uint16_t hi)
{
	uint16_t ports[4] = {lo, hi, 80, 443};
	struct filter_verdict v;
	const char *rule = NULL;
	int i, j, by = 0;

	if (l->full == NULL || l->opt.urls || n == 0)
		return;
	if (lo == 0)
		ports[0] = 1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < 4; j++) {
			if (ports[j] < ports[0] || ports[j] > hi)
				continue;
			filter_check(l->full, hosts[i], ports[j], hosts[i], &v);
			if (v.line <= 0 || v.line >= e->line)
				return;
			if (by == 0) {
				by = v.line;
				rule = v.rule;
			}
		}
	}
	if (by > 0)
		add(l->k, e->line, 0,
		    "\"%.*s\" never decides: line %d (\"%s\") already matches "
		    "every host it matches",
		    (int)e->tok_len, l->text + e->tok, by, rule);
}

static void one_host(char hosts[2][RULE_HOST_TEXT], const struct rule_shape *s,
                     int *n)
{
	*n = 0;
	if (s->end != SHAPE_END_ANCHORED || s->loose_dot >= 0 || s->lead_loose)
		return;
	if (s->start == SHAPE_START_ANCHORED)
		str_copy(hosts[0], s->host, RULE_HOST_TEXT);
	else if (s->start == SHAPE_START_SUB)
		snprintf(hosts[0], RULE_HOST_TEXT, RULE_PROBE_LABEL "%s",
		         s->host);
	else
		return;
	*n = 1;
}

static const char *type_name(enum filter_type t)
{
	switch (t) {
	case FILTER_TYPE_BRE:
		return "bre";
	case FILTER_TYPE_ERE:
		return "ere";
	case FILTER_TYPE_FNMATCH:
		return "fnmatch";
	default:
		return "domain";
	}
}

/* "*.example.com" in a regex file: a literal '*' in BRE, an error in
 * ERE, never what was meant. */
static int glob_in_regex(struct lint *l, struct entry *e, int tilde)
{
	const char *p = l->text + e->tok + tilde;
	size_t n = e->tok_len - (size_t)tilde;
	char a[RULE_MAX], b[RULE_MAX];
	struct rule_shape s;

	if (n == 0 || p[0] != '*' || !rule_shape_glob(p, n, &s))
		return 0;
	meant(l, tilde, &s, a, b, sizeof(a));
	add(l->k, e->line, 0,
	    "\"%.*s\" is a glob, but rules here are regular expressions "
	    "(FilterType %s); write \"%s\"%s%s%s",
	    (int)e->tok_len, l->text + e->tok,
	    tilde ? "domain, after ~" : type_name(l->opt.type), a,
	    b[0] ? " and \"" : "", b, b[0] ? "\"" : "");
	set_fix(e, a, b);
	return 1;
}

/* A regular expression in a domain file without its '~'. */
static void regex_in_domain(struct lint *l, struct entry *e)
{
	const char *p = l->text + e->tok;
	size_t n = e->tok_len;
	char a[RULE_MAX], b[RULE_MAX];
	struct rule_shape s;

	if (!(p[0] == '^' || p[n - 1] == '$' || memmem(p, n, "\\.", 2)) ||
	    !rule_shape_regex(p, n, &s))
		return;
	meant(l, 1, &s, a, b, sizeof(a));
	add(l->k, e->line, 0,
	    "\"%.*s\" is a regular expression, but rules here are domain "
	    "names (FilterType domain); write \"%s\" (or \"~%.*s\")",
	    (int)n, p, a, (int)n, p);
	set_fix(e, a, "");
}

static void lint_regex(struct lint *l, struct entry *e, int tilde)
{
	const char *p = l->text + e->tok + tilde;
	size_t n = e->tok_len - (size_t)tilde;
	char hosts[2][RULE_HOST_TEXT];
	struct rule_shape s;
	int nh = 0;

	if (l->opt.urls) {
		lint_loose_dots(l, e, p, n, tilde);
		return;
	}
	if (glob_in_regex(l, e, tilde))
		return;
	if (!rule_shape_regex(p, n, &s)) {
		lint_loose_dots(l, e, p, n, tilde);
		return;
	}
	if (pitfalls(l, e, &s, tilde, 0) > 0)
		return;
	one_host(hosts, &s, &nh);
	shadowed(l, e, hosts, nh, 0, 65535);
}

static void lint_glob(struct lint *l, struct entry *e)
{
	const char *p = l->text + e->tok;
	size_t n = e->tok_len;
	char hosts[2][RULE_HOST_TEXT], a[RULE_MAX], b[RULE_MAX];
	struct rule_shape s;
	int nh = 0;

	if ((p[0] == '^' || p[n - 1] == '$' || memmem(p, n, "\\.", 2)) &&
	    rule_shape_regex(p, n, &s)) {
		s.loose_dot = -1;
		s.lead_loose = 0;
		meant(l, 0, &s, a, b, sizeof(a));
		add(l->k, e->line, 0,
		    "\"%.*s\" is a regular expression, but rules here are "
		    "globs "
		    "(FilterType fnmatch); write \"%s\"%s%s%s",
		    (int)n, p, a, b[0] ? " and \"" : "", b, b[0] ? "\"" : "");
		set_fix(e, a, b);
		return;
	}
	if (l->opt.urls || !rule_shape_glob(p, n, &s))
		return;
	if (pitfalls(l, e, &s, 0, 1) > 0)
		return;
	one_host(hosts, &s, &nh);
	shadowed(l, e, hosts, nh, 0, 65535);
}

static void lint_domain(struct lint *l, struct entry *e)
{
	char hosts[2][RULE_HOST_TEXT];
	uint16_t lo, hi;
	int n;

	if (l->text[e->tok] == '~') {
		lint_regex(l, e, 1);
		return;
	}
	n = rule_domain_hosts(l->text + e->tok, e->tok_len, hosts, &lo, &hi);
	shadowed(l, e, hosts, n, lo, hi);
}

static void trailing_text(struct lint *l, const struct entry *e)
{
	size_t i = e->tok + e->tok_len;

	while (i < e->line_end && is_space(l->text[i]))
		i++;
	if (i < e->line_end && l->text[i] != '#') {
		size_t j = i;
		while (j < e->line_end && !is_space(l->text[j]))
			j++;
		add(l->k, e->line, 0,
		    "only the first word is a rule: \"%.*s\" is ignored (one "
		    "rule per line)",
		    (int)(j - i), l->text + i);
	}
}

struct key {
	char *s;
	size_t entry;
};

static int by_key(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c != 0)
		return c;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static void find_duplicates(struct lint *l)
{
	struct key *keys = xmalloc((l->n + 1) * sizeof(*keys));
	int fold = !l->opt.case_sensitive || l->opt.type == FILTER_TYPE_DOMAIN;
	size_t i, j, m = 0;

	for (i = 0; i < l->n; i++) {
		if (l->e[i].tok_len == 0 || l->e[i].bad)
			continue;
		keys[m].s = xstrndup(l->text + l->e[i].tok, l->e[i].tok_len);
		if (fold)
			for (j = 0; keys[m].s[j]; j++)
				keys[m].s[j] = (char)ascii_lower(keys[m].s[j]);
		keys[m++].entry = i;
	}
	qsort(keys, m, sizeof(*keys), by_key);
	for (i = 1; i < m; i++) {
		for (j = i; j > 0 && strcmp(keys[j - 1].s, keys[i].s) == 0; j--)
			;
		if (j < i)
			l->e[keys[i].entry].dup = l->e[keys[j].entry].line;
	}
	for (i = 0; i < m; i++)
		free(keys[i].s);
	free(keys);
}

/* The whole file with bad lines blanked, so that shadowing can be asked
 * of the daemon's own matcher. */
static void load_full(struct lint *l)
{
	char *copy = xmalloc(l->len + 1);
	size_t i;

	memcpy(copy, l->text, l->len);
	for (i = 0; i < l->n; i++)
		if (l->e[i].bad)
			memset(copy + l->e[i].line_start, ' ',
			       l->e[i].line_end - l->e[i].line_start);
	l->full =
	    filter_load_buffer(l->name, copy, l->len, &l->opt, NULL, NULL);
	free(copy);
}

static void flush_errors(struct lint *l, size_t *next, int upto)
{
	for (; *next < l->n_err && l->err[*next].line <= upto; (*next)++)
		add(l->k, l->err[*next].line, 1, "%s", l->err[*next].msg);
}

static char *build_fixed(const struct lint *l)
{
	size_t cap = l->len * 2 + 64, o = 0, i;
	char *out = xmalloc(cap);

	for (i = 0; i < l->n; i++) {
		const struct entry *e = &l->e[i];
		const char *pre = l->text + e->line_start;
		size_t pre_n = e->tok - e->line_start;
		size_t post = e->tok + e->tok_len;
		size_t post_n = e->line_end - post;
		size_t need;

		if (e->dup)
			continue;
		if (e->fix == NULL) {
			pre_n = e->line_end - e->line_start;
			post_n = 0;
		}
		need = pre_n + post_n + (e->fix ? strlen(e->fix) : 0) + 2;
		if (o + need >= cap) {
			cap = (o + need) * 2;
			out = xrealloc(out, cap);
		}
		memcpy(out + o, pre, pre_n);
		o += pre_n;
		if (e->fix != NULL) {
			const char *nl = strchr(e->fix, '\n');
			size_t first =
			    nl ? (size_t)(nl - e->fix) : strlen(e->fix);

			memcpy(out + o, e->fix, first);
			o += first;
			memcpy(out + o, l->text + post, post_n);
			o += post_n;
			if (nl != NULL) {
				out[o++] = '\n';
				memcpy(out + o, nl + 1, strlen(nl + 1));
				o += strlen(nl + 1);
			}
		}
		out[o++] = '\n';
	}
	out[o] = '\0';
	return out;
}

struct ctl_check *ctl_check_buffer(const char *name, const char *text,
                                   size_t len, const struct filter_options *opt)
{
	struct ctl_check *k = xcalloc(1, sizeof(*k));
	struct filter *f;
	struct lint l;
	size_t i, j, next = 0, bom;

	memset(&l, 0, sizeof(l));
	l.name = name;
	l.text = text;
	l.len = len;
	l.opt = *opt;
	l.k = k;
	f = filter_load_buffer(name, text, len, opt, collect_error, &l);
	filter_free(f);
	/* The loader warned about a UTF-8 byte order mark; the lint and the
	 * fixed file go without it. */
	if (text_bom(text, len, &bom) == TEXT_BOM_UTF8) {
		l.text = text += bom;
		l.len = len -= bom;
	}
	split(&l);
	for (i = 0; i < l.n_err; i++)
		for (j = 0; j < l.n; j++)
			if (l.e[j].line == l.err[i].line)
				l.e[j].bad = 1;
	find_duplicates(&l);
	load_full(&l);
	for (i = 0; i < l.n; i++) {
		struct entry *e = &l.e[i];

		flush_errors(&l, &next, e->line);
		if (e->tok_len == 0)
			continue;
		if (e->bad) {
			if (opt->type == FILTER_TYPE_DOMAIN)
				regex_in_domain(&l, e);
			else if (opt->type != FILTER_TYPE_FNMATCH)
				glob_in_regex(&l, e, 0);
			continue;
		}
		trailing_text(&l, e);
		if (e->dup) {
			add(k, e->line, 0, "\"%.*s\" duplicates line %d",
			    (int)e->tok_len, text + e->tok, e->dup);
			continue;
		}
		if (matches_every_host(&l, e))
			continue;
		if (opt->type == FILTER_TYPE_DOMAIN)
			lint_domain(&l, e);
		else if (opt->type == FILTER_TYPE_FNMATCH)
			lint_glob(&l, e);
		else
			lint_regex(&l, e, 0);
	}
	flush_errors(&l, &next, 1 << 30);
	k->fixed = build_fixed(&l);
	filter_free(l.full);
	for (i = 0; i < l.n; i++)
		free(l.e[i].fix);
	free(l.e);
	for (i = 0; i < l.n_err; i++)
		free(l.err[i].msg);
	free(l.err);
	return k;
}

struct ctl_check *ctl_check_file(const char *path,
                                 const struct filter_options *opt)
{
	struct ctl_check *k;
	char why[128];
	size_t len = 0;
	char *buf = file_read(path, CHECK_FILE_MAX, &len, why, sizeof(why));

	if (buf == NULL) {
		k = xcalloc(1, sizeof(*k));
		add(k, 0, 1, "cannot read rules file: %s", why);
		k->fixed = xstrdup("");
		return k;
	}
	k = ctl_check_buffer(path, buf, len, opt);
	free(buf);
	return k;
}

int ctl_check_config(const struct config *cfg, const char *name, FILE *out)
{
	if (cfg->filter == NULL) {
		config_report_print(out, name, 0, 0,
		                    "no Filter: every host is allowed");
		return 1;
	}
	if (!cfg->filter_default_deny) {
		config_report_print(
		    out, name, 0, 0,
		    "no \"FilterDefaultDeny Yes\": the rules file is a "
		    "block-list, and every host it does not name is allowed");
		return 1;
	}
	return 0;
}

void ctl_check_print(const struct ctl_check *k, const char *name, FILE *out)
{
	size_t i;

	for (i = 0; i < k->count; i++) {
		const struct ctl_check_finding *f = &k->v[i];

		config_report_print(out, name, f->line, f->is_error, f->msg);
	}
}

void ctl_check_free(struct ctl_check *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->count; i++)
		free(k->v[i].msg);
	free(k->v);
	free(k->fixed);
	free(k);
}
