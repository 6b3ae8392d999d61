#include "filter.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_int.h"
#include "file.h"
#include "regex_cost.h"
#include "text.h"
#include "util.h"

/* Rule texts and literals are indexed with 32-bit offsets. */
#define FILTER_FILE_MAX (256u << 20)
#define ERR_MAX         256
/* Below this many substring literals a scan with memmem is faster than
 * hashing every substring of the subject. */
#define SUBSTR_INDEX_MIN 16

static void *grow_array(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	if (*cap < need)
		*cap = need;
	return xrealloc(p, *cap * size);
}

char *filter_key_space(struct filter *f, size_t n)
{
	if (f->keys_len + n > f->keys_cap) {
		f->keys_cap = (f->keys_len + n) * 2 + 64;
		f->keys = xrealloc(f->keys, f->keys_cap);
	}
	return f->keys + f->keys_len;
}

uint32_t filter_add_rule(struct filter *f, const char *text, int line,
                         enum rule_kind kind)
{
	struct rule *r;

	f->rules = grow_array(f->rules, &f->cap_rules, f->n_rules + 1,
	                      sizeof(*f->rules));
	r = &f->rules[f->n_rules];
	memset(r, 0, sizeof(*r));
	r->text = text;
	r->line = line;
	r->kind = (uint8_t)kind;
	r->port_hi = 65535;
	return (uint32_t)f->n_rules++;
}

static void add_scan(struct filter *f, uint32_t r)
{
	f->scan =
	    grow_array(f->scan, &f->cap_scan, f->n_scan + 1, sizeof(*f->scan));
	f->scan[f->n_scan++] = r;
}

/* Files the literal just written at f->keys + f->keys_len. */
static void add_literal(struct filter *f, const char *text, int line,
                        enum rule_kind kind, size_t len)
{
	uint32_t r = filter_add_rule(f, text, line, kind);

	f->rules[r].key = (uint32_t)f->keys_len;
	f->rules[r].key_len = (uint32_t)len;
	f->keys_len += len;
	if (kind == RULE_EXACT || kind == RULE_SUFFIX)
		lit_index_add(&f->rev, f, r);
	else if (kind == RULE_PREFIX)
		lit_index_add(&f->fwd, f, r);
	else
		add_scan(f, r);
}

const char *filter_add_pattern(struct filter *f, const char *text,
                               const char *pat, int line, int ere, char *err,
                               size_t errlen)
{
	int fold = !f->opt.case_sensitive;
	size_t n = strlen(pat), len;
	enum rule_kind kind;
	regex_t re;
	int flags = REG_NOSUB, rc;
	const char *why;
	uint32_t r;

	kind =
	    literal_from_regex(pat, n, ere, fold, filter_key_space(f, n), &len);
	if (kind != RULE_REGEX) {
		add_literal(f, text, line, kind, len);
		return NULL;
	}
	why = regex_cost_check(pat, ere != 0, REGEX_NODES_MAX);
	if (why != NULL)
		return why;
	if (ere)
		flags |= REG_EXTENDED;
	if (fold)
		flags |= REG_ICASE;
	rc = regcomp(&re, pat, flags);
	if (rc != 0) {
		regerror(rc, &re, err, errlen);
		return err;
	}
	f->regex = grow_array(f->regex, &f->cap_regex, f->n_regex + 1,
	                      sizeof(*f->regex));
	f->regex[f->n_regex] = re;
	r = filter_add_rule(f, text, line, RULE_REGEX);
	f->rules[r].aux = (uint32_t)f->n_regex++;
	add_scan(f, r);
	return NULL;
}

static void add_fnmatch(struct filter *f, const char *text, int line)
{
	size_t n = strlen(text), len;
	enum rule_kind kind;

	kind = literal_from_fnmatch(text, n, !f->opt.case_sensitive,
	                            filter_key_space(f, n), &len);
	if (kind != RULE_FNMATCH)
		add_literal(f, text, line, kind, len);
	else
		add_scan(f, filter_add_rule(f, text, line, RULE_FNMATCH));
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

static void report_bad(config_report_fn *report, void *ctx, const char *name,
                       int line, const char *text, const char *why)
{
	size_t size = strlen(text) + strlen(why) + 32;
	char *msg;

	if (report == NULL)
		return;
	msg = xmalloc(size);
	snprintf(msg, size, "bad rule \"%s\": %s", text, why);
	report(ctx, name, line, 1, msg);
	free(msg);
}

static void index_substrings(struct filter *f)
{
	size_t i, n = 0, count = 0;

	for (i = 0; i < f->n_scan; i++)
		count += f->rules[f->scan[i]].kind == RULE_SUBSTR;
	if (count < SUBSTR_INDEX_MIN)
		return;
	for (i = 0; i < f->n_scan; i++) {
		if (f->rules[f->scan[i]].kind == RULE_SUBSTR)
			lit_index_add(&f->sub, f, f->scan[i]);
		else
			f->scan[n++] = f->scan[i];
	}
	f->n_scan = n;
}

static void report_at(config_report_fn *report, void *ctx, const char *name,
                      int line, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void report_at(config_report_fn *report, void *ctx, const char *name,
                      int line, int is_error, const char *fmt, ...)
{
	char msg[ERR_MAX];
	va_list ap;

	if (report == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(ctx, name, line, is_error, msg);
}

/* A UTF-8 byte order mark is skipped (*pos moves past it) with a warning;
 * a UTF-16 or UTF-32 one makes the file unreadable as rules: -1. */
static int text_start(const struct filter *f, const char *buf, size_t len,
                      size_t *pos, config_report_fn *report, void *ctx)
{
	size_t n;
	enum text_bom bom = text_bom(buf, len, &n);

	*pos = 0;
	if (bom == TEXT_BOM_NONE)
		return 0;
	if (bom == TEXT_BOM_UTF8) {
		report_at(report, ctx, f->name, 1, 0,
		          "UTF-8 byte order mark skipped");
		*pos = n;
		return 0;
	}
	report_at(report, ctx, f->name, 1, 1,
	          "%s text (byte order mark): rules files are ASCII or "
	          "UTF-8; convert it with iconv -f %.6s -t UTF-8",
	          text_bom_name(bom), text_bom_name(bom));
	return -1;
}

enum line_text { LINE_TEXT, LINE_BAD, LINE_NOT_TEXT };

/* A control byte anywhere in a line could hide or cut what follows it
 * (a NUL ended the rule there): the line is an error, and a NUL means the
 * file is not text at all. */
static enum line_text line_is_text(const struct filter *f, const char *start,
                                   const char *end, int line,
                                   config_report_fn *report, void *ctx)
{
	size_t n = (size_t)(end - start), at = text_find_control(start, n);
	char what[64];

	if (at == n)
		return LINE_TEXT;
	text_describe(start + at, 1, what, sizeof(what));
	if (start[at] == '\0') {
		report_at(report, ctx, f->name, line, 1,
		          "%s at column %zu: not a text file (rules files are "
		          "ASCII or UTF-8)",
		          what, at + 1);
		return LINE_NOT_TEXT;
	}
	report_at(report, ctx, f->name, line, 1,
	          "%s at column %zu: rules are plain text", what, at + 1);
	return LINE_BAD;
}

/* The rule [start, s) must be exactly what it shows: no malformed UTF-8,
 * no invisible or reordering character. col0 is the line's start. */
static int rule_is_visible(const struct filter *f, const char *start,
                           const char *s, const char *col0, int line,
                           config_report_fn *report, void *ctx)
{
	size_t n = (size_t)(s - start), clen;
	size_t at = text_find_invisible(start, n, &clen);
	char what[64];

	if (at == n)
		return 0;
	text_describe(start + at, clen, what, sizeof(what));
	report_at(report, ctx, f->name, line, 1,
	          "%s at column %zu in the rule: rules must be exactly what "
	          "they show",
	          what, (size_t)(start + at - col0) + 1);
	return -1;
}

/* Takes ownership of buf (len bytes plus room for a terminating NUL). */
static struct filter *load(const char *name, char *buf, size_t len,
                           const struct filter_options *opt,
                           config_report_fn *report, void *ctx)
{
	struct filter *f = xcalloc(1, sizeof(*f));
	char err[ERR_MAX];
	size_t pos = 0;
	int line = 0, bad = 0;

	f->name = xstrdup(name);
	f->buf = buf;
	f->opt = *opt;
	f->rev.reverse = 1;
	f->rev.fold = !opt->case_sensitive;
	f->fwd.fold = !opt->case_sensitive;
	f->dom.reverse = 1;
	f->dom.fold = 1;
	f->sub.fold = !opt->case_sensitive;
	buf[len] = '\0';
	if (text_start(f, buf, len, &pos, report, ctx) == -1) {
		filter_free(f);
		return NULL;
	}
	while (pos < len) {
		char *start = buf + pos, *line_start = start, *end, *s;
		const char *why = NULL;

		end = memchr(start, '\n', len - pos);
		if (end == NULL)
			end = buf + len;
		pos = (size_t)(end - buf) + 1;
		line++;
		switch (line_is_text(f, start, end, line, report, ctx)) {
		case LINE_NOT_TEXT:
			bad = 1;
			pos = len;
			continue;
		case LINE_BAD:
			bad = 1;
			continue;
		default:
			break;
		}
		while (start < end && is_space(*start))
			start++;
		/* tinyproxy: a rule ends at white space or at a '#' that
		 * does not follow a backslash. */
		for (s = start; s < end && !is_space(*s); s++)
			if (*s == '#' && (s == start || s[-1] != '\\'))
				break;
		if (rule_is_visible(f, start, s, line_start, line, report,
		                    ctx) == -1) {
			bad = 1;
			continue;
		}
		*s = '\0';
		if (s == start)
			continue;
		switch (opt->type) {
		case FILTER_TYPE_FNMATCH:
			add_fnmatch(f, start, line);
			break;
		case FILTER_TYPE_DOMAIN:
			why =
			    filter_add_domain(f, start, line, err, sizeof(err));
			break;
		default:
			why = filter_add_pattern(f, start, start, line,
			                         opt->type == FILTER_TYPE_ERE,
			                         err, sizeof(err));
			break;
		}
		if (why != NULL) {
			report_bad(report, ctx, name, line, start, why);
			bad = 1;
		}
	}
	if (bad) {
		filter_free(f);
		return NULL;
	}
	index_substrings(f);
	return f;
}

struct filter *filter_load_buffer(const char *name, const char *text,
                                  size_t len, const struct filter_options *opt,
                                  config_report_fn *report, void *ctx)
{
	char *buf;

	if (len > FILTER_FILE_MAX) {
		if (report != NULL)
			report(ctx, name, 0, 1, "rules file too large");
		return NULL;
	}
	buf = xmalloc(len + 1);
	memcpy(buf, text, len);
	return load(name, buf, len, opt, report, ctx);
}

void filter_options_from_config(const struct config *cfg,
                                struct filter_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->type = cfg->filter_type;
	opt->case_sensitive = cfg->filter_case_sensitive;
	opt->default_deny = cfg->filter_default_deny;
	opt->urls = cfg->filter_urls;
}

struct filter *filter_load(const char *path, const struct filter_options *opt,
                           config_report_fn *report, void *ctx)
{
	return filter_load_as(path, path, opt, report, ctx);
}

struct filter *filter_load_as(const char *path, const char *name,
                              const struct filter_options *opt,
                              config_report_fn *report, void *ctx)
{
	char why[ERR_MAX];
	size_t len = 0;
	char *buf = file_read(path, FILTER_FILE_MAX, &len, why, sizeof(why));

	if (buf == NULL) {
		report_at(report, ctx, path, 0, 1, "cannot read rules file: %s",
		          why);
		return NULL;
	}
	return load(name, buf, len, opt, report, ctx);
}

void filter_free(struct filter *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n_regex; i++)
		regfree(&f->regex[i]);
	free(f->regex);
	lit_index_free(&f->rev);
	lit_index_free(&f->fwd);
	lit_index_free(&f->dom);
	lit_index_free(&f->sub);
	free(f->scan);
	free(f->cidr);
	free(f->keys);
	free(f->rules);
	free(f->buf);
	free(f->name);
	free(f);
}

size_t filter_count(const struct filter *f)
{
	return f ? f->n_rules : 0;
}

static int contains(const char *s, size_t n, const char *key, size_t k,
                    int fold)
{
	size_t i;

	if (k > n)
		return 0;
	if (!fold)
		return memmem(s, n, key, k) != NULL;
	for (i = 0; i + k <= n; i++)
		if (ascii_casecmp_n(s + i, key, k) == 0)
			return 1;
	return 0;
}

static int scan_match(const struct filter *f, const struct rule *r,
                      const char *s, size_t n)
{
	switch (r->kind) {
	case RULE_REGEX:
		return regexec(&f->regex[r->aux], s, 0, NULL, 0) == 0;
	case RULE_FNMATCH:
		return fnmatch(r->text, s,
		               f->opt.case_sensitive ? 0 : FNM_CASEFOLD) == 0;
	case RULE_SUBSTR:
		return contains(s, n, f->keys + r->key, r->key_len,
		                !f->opt.case_sensitive);
	default:
		return 0;
	}
}

void filter_check(const struct filter *f, const char *host, uint16_t port,
                  const char *url, struct filter_verdict *v)
{
	const char *s;
	uint32_t best;
	size_t n, i;

	memset(v, 0, sizeof(*v));
	if (f == NULL) {
		v->allowed = 1;
		return;
	}
	if (host == NULL)
		host = "";
	s = f->opt.urls && url != NULL ? url : host;
	n = strlen(s);
	best = (uint32_t)f->n_rules;
	best = lit_index_lookup(&f->rev, f, s, n, port, best);
	best = lit_index_lookup(&f->fwd, f, s, n, port, best);
	if (f->sub.used > 0)
		best = lit_index_lookup_sub(&f->sub, f, s, n, best);
	if (f->opt.type == FILTER_TYPE_DOMAIN)
		best = filter_check_domain(f, host, port, best);
	for (i = 0; i < f->n_scan && f->scan[i] < best; i++) {
		if (scan_match(f, &f->rules[f->scan[i]], s, n)) {
			best = f->scan[i];
			break;
		}
	}
	v->file = f->name;
	if (best < f->n_rules) {
		v->allowed = f->opt.default_deny;
		v->line = f->rules[best].line;
		v->rule = f->rules[best].text;
	} else {
		v->allowed = !f->opt.default_deny;
	}
}
