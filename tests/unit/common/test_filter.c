#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "filter_int.h"
#include "tap.h"
#include "util.h"

#define MSG_MAX 16

struct reports {
	int n;
	int line[MSG_MAX];
	char file[MSG_MAX][128];
	char msg[MSG_MAX][256];
};

static void collect(void *ctx, const char *file, int line, int is_error,
                    const char *msg)
{
	struct reports *r = ctx;

	if (!is_error || r->n >= MSG_MAX)
		return;
	r->line[r->n] = line;
	snprintf(r->file[r->n], sizeof(r->file[0]), "%s", file);
	snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", msg);
	r->n++;
}

static char data_dir[256];

static const char *data(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	return path;
}

static struct filter *load_text(const char *text, enum filter_type type, int cs,
                                int dd, int urls)
{
	struct filter_options opt = {type, cs, dd, urls};

	return filter_load_buffer("test.rules", text, strlen(text), &opt, NULL,
	                          NULL);
}

/* The line of the deciding rule for host (or url), 0 when none. */
static int line_for(const struct filter *f, const char *host, uint16_t port,
                    const char *url)
{
	struct filter_verdict v;

	filter_check(f, host, port, url, &v);
	return v.line;
}

static int allowed(const struct filter *f, const char *host)
{
	struct filter_verdict v;

	filter_check(f, host, 80, NULL, &v);
	return v.allowed;
}

static void test_classic_file(void)
{
	struct filter_options opt = {FILTER_TYPE_BRE, 0, 1, 0};
	struct filter_verdict v;
	struct reports rep = {0};
	struct filter *f;

	f = filter_load(data("classic.rules"), &opt, collect, &rep);
	ok(f != NULL, "classic.rules loads");
	is_int(rep.n, 0, "no errors");
	is_int(filter_count(f), 7, "seven rules");

	filter_check(f, "example.com", 80, NULL, &v);
	ok(v.allowed, "default deny: a match allows");
	is_int(v.line, 3, "deciding line counts blank and comment lines");
	is_str(v.rule, "^example\\.com$", "deciding rule text");
	is_str(v.file, data("classic.rules"), "verdict names the file");

	filter_check(f, "www.example.com", 80, NULL, &v);
	ok(!v.allowed, "anchored rule refuses a subdomain");
	is_int(v.line, 0, "no rule decided");
	ok(v.rule == NULL, "no rule text");

	is_int(line_for(f, "ftp.debian.org", 80, NULL), 4,
	       "indented rule with trailing comment");
	is_int(line_for(f, "xcnn.com", 80, NULL), 5,
	       "tinyproxy pitfall kept: cnn\\.com$ matches xcnn.com");
	is_int(line_for(f, "updates.example.net", 80, NULL), 6, "prefix rule");
	is_int(line_for(f, "www.python.org", 80, NULL), 0,
	       "BRE parentheses are literal");
	is_int(line_for(f, "(www.)?python.org", 80, NULL), 7,
	       "BRE parentheses match themselves");
	is_int(line_for(f, "foo#bar", 80, NULL), 8,
	       "escaped # stays in the rule");
	is_int(line_for(f, "foo", 80, NULL), 0, "\\# rule needs the #");
	is_int(line_for(f, "api.github.com", 80, NULL), 10,
	       "comment right after the rule is cut");
	filter_free(f);

	opt.type = FILTER_TYPE_ERE;
	f = filter_load(data("classic.rules"), &opt, NULL, NULL);
	is_int(line_for(f, "www.python.org", 80, NULL), 7,
	       "ERE parentheses group");
	is_int(line_for(f, "python.org", 80, NULL), 7, "ERE optional group");
	filter_free(f);
}

static void test_default_deny(void)
{
	struct filter *f =
	    load_text("^blocked\\.example$\nads\n", FILTER_TYPE_BRE, 0, 0, 0);

	ok(!allowed(f, "blocked.example"), "block list: a match refuses");
	ok(!allowed(f, "ads.example"), "block list: substring rule");
	ok(allowed(f, "fine.example"), "block list: no match allows");
	filter_free(f);

	f = load_text("^allowed\\.example$\n", FILTER_TYPE_BRE, 0, 1, 0);
	ok(allowed(f, "allowed.example"), "allow list: a match allows");
	ok(!allowed(f, "other.example"), "allow list: no match refuses");
	filter_free(f);

	f = load_text("", FILTER_TYPE_BRE, 0, 1, 0);
	ok(f != NULL && filter_count(f) == 0, "empty rules load");
	ok(!allowed(f, "any.example"), "empty allow list refuses all");
	filter_free(f);

	f = load_text("# only\n\n   \n\t# comments\n", FILTER_TYPE_BRE, 0, 0,
	              0);
	ok(f != NULL && filter_count(f) == 0, "comments only: no rules");
	ok(allowed(f, "any.example"), "empty block list allows all");
	filter_free(f);

	ok(allowed(NULL, "any.example"), "NULL filter allows");
}

static void test_case(void)
{
	struct filter *f;

	f = load_text("^Example\\.COM$\nUPPER\n[A-Z]xyz\n", FILTER_TYPE_BRE, 0,
	              0, 0);
	is_int(line_for(f, "example.com", 80, NULL), 1,
	       "case-insensitive literal");
	is_int(line_for(f, "upper.net", 80, NULL), 2,
	       "case-insensitive substring");
	is_int(line_for(f, "axyz", 80, NULL), 3, "case-insensitive bracket");
	filter_free(f);

	f = load_text("^Example\\.COM$\nUPPER\n[A-Z]xyz\n", FILTER_TYPE_BRE, 1,
	              0, 0);
	is_int(line_for(f, "example.com", 80, NULL), 0,
	       "case-sensitive literal");
	is_int(line_for(f, "Example.COM", 80, NULL), 1,
	       "case-sensitive exact case");
	is_int(line_for(f, "upper.net", 80, NULL), 0,
	       "case-sensitive substring");
	is_int(line_for(f, "axyz", 80, NULL), 0, "case-sensitive bracket");
	filter_free(f);

	f = load_text("*.Example.com\n", FILTER_TYPE_FNMATCH, 0, 0, 0);
	is_int(line_for(f, "www.example.com", 80, NULL), 1,
	       "fnmatch folds case by default");
	is_int(line_for(f, "example.com", 80, NULL), 0, "fnmatch is anchored");
	filter_free(f);
	f = load_text("*.Example.com\n", FILTER_TYPE_FNMATCH, 1, 0, 0);
	is_int(line_for(f, "www.example.com", 80, NULL), 0,
	       "case-sensitive fnmatch");
	filter_free(f);
	f = load_text("www.ex?mple.[ct]om\n", FILTER_TYPE_FNMATCH, 0, 0, 0);
	is_int(line_for(f, "www.example.tom", 80, NULL), 1,
	       "fnmatch wildcards");
	filter_free(f);
}

static void test_urls(void)
{
	struct filter *f = load_text("^http://example\\.com/private\n"
	                             "\\.exe$\n",
	                             FILTER_TYPE_BRE, 0, 0, 1);

	is_int(line_for(f, "example.com", 80, "http://example.com/private/a"),
	       1, "URL prefix rule");
	is_int(line_for(f, "example.com", 80, "HTTP://EXAMPLE.COM/PRIVATE"), 1,
	       "URL matched case-insensitively");
	is_int(line_for(f, "example.com", 80, "http://example.com/public"), 0,
	       "other URL");
	is_int(line_for(f, "example.com", 80, "http://x.org/setup.EXE"), 2,
	       "URL suffix rule");
	is_int(line_for(f, "setup.exe", 80, "http://x.org/"), 0,
	       "the host is not matched when filtering URLs");
	filter_free(f);
}

static void test_order(void)
{
	struct filter *f = load_text("a.c\n"          /* regex */
	                             "^abc\\.com$\n"  /* exact */
	                             "com$\n"         /* suffix */
	                             "^ab\n"          /* prefix */
	                             "b\n"            /* substring */
	                             "^abc\\.com$\n", /* duplicate */
	                             FILTER_TYPE_BRE, 0, 0, 0);

	is_int(line_for(f, "abc.com", 80, NULL), 1, "regex first wins");
	is_int(line_for(f, "xbc.com", 80, NULL), 3, "suffix before substring");
	is_int(line_for(f, "abd", 80, NULL), 4, "prefix");
	is_int(line_for(f, "xbx", 80, NULL), 5, "substring last");
	is_int(line_for(f, "zzz", 80, NULL), 0, "none");
	filter_free(f);

	f = load_text("x\\.org$\n^abc\\.com$\na.c\n", FILTER_TYPE_BRE, 0, 0, 0);
	is_int(line_for(f, "abc.com", 80, NULL), 2,
	       "index hit before a later regex");
	filter_free(f);
}

static void test_comments(void)
{
	struct filter_verdict v;
	struct filter *f = load_text("\t  one two three\n"
	                             "x#y\n"
	                             "#\n"
	                             "  #z\n"
	                             "p\\#q#r\n"
	                             "last",
	                             FILTER_TYPE_BRE, 1, 0, 0);

	is_int(filter_count(f), 4, "four rules");
	filter_check(f, "one", 80, NULL, &v);
	is_str(v.rule, "one", "rule cut at white space");
	is_int(line_for(f, "two", 80, NULL), 0, "words after a space ignored");
	filter_check(f, "x", 80, NULL, &v);
	is_str(v.rule, "x", "rule cut at #");
	is_int(v.line, 2, "its line");
	filter_check(f, "p#q", 80, NULL, &v);
	is_str(v.rule, "p\\#q", "\\# kept, next # cuts");
	is_int(v.line, 5, "its line");
	is_int(line_for(f, "last", 80, NULL), 6, "last line without newline");
	filter_free(f);

	f = filter_load(data("crlf.rules"), &(struct filter_options){0}, NULL,
	                NULL);
	is_int(filter_count(f), 2, "CRLF file: two rules");
	is_int(line_for(f, "www.test", 80, NULL), 3, "CR is white space");
	filter_free(f);
}

static void test_errors(void)
{
	struct filter_options opt = {FILTER_TYPE_BRE, 0, 0, 0};
	struct reports rep = {0};
	struct filter *f;

	f = filter_load(data("bad.rules"), &opt, collect, &rep);
	ok(f == NULL, "bad lines fail the load");
	is_int(rep.n, 3, "every bad line reported");
	is_int(rep.line[0], 2, "first bad line");
	is_int(rep.line[1], 4, "second bad line");
	is_int(rep.line[2], 6, "third bad line");
	is_str(rep.file[0], data("bad.rules"), "file name reported");
	ok(strncmp(rep.msg[0], "bad rule \"[unclosed\": ", 22) == 0,
	   "message names the rule: %s", rep.msg[0]);
	ok(strlen(rep.msg[0]) > 22, "and the regerror text");

	memset(&rep, 0, sizeof(rep));
	f = filter_load(data("no-such.rules"), &opt, collect, &rep);
	ok(f == NULL, "missing file fails");
	is_int(rep.n, 1, "reported once");
	is_int(rep.line[0], 0, "with line 0");
	ok(strstr(rep.msg[0], "No such file") != NULL, "why: %s", rep.msg[0]);

	ok(load_text("[x\n", FILTER_TYPE_BRE, 0, 0, 0) == NULL,
	   "NULL report accepted");
	f = load_text("[x\n", FILTER_TYPE_FNMATCH, 0, 0, 0);
	ok(f != NULL, "fnmatch patterns always load");
	filter_free(f);

	f = filter_load(data("empty.rules"), &opt, NULL, NULL);
	ok(f != NULL && filter_count(f) == 0, "empty file");
	filter_free(f);

	f = load_text("a{1000}\n(a|b){200}\n", FILTER_TYPE_ERE, 0, 0, 0);
	ok(f != NULL, "repetitions at the size limit load");
	filter_free(f);
	opt.type = FILTER_TYPE_ERE;
	memset(&rep, 0, sizeof(rep));
	f = filter_load_buffer("big.rules", "ok\n^(x+++++++++++++++++)$\n", 26,
	                       &opt, collect, &rep);
	ok(f == NULL, "stacked repetitions fail the load");
	is_int(rep.n, 1, "reported once");
	is_int(rep.line[0], 2, "on their line");
	is_str(rep.msg[0],
	       "bad rule \"^(x+++++++++++++++++)$\": repetitions expand it "
	       "too far",
	       "naming the rule and why");
}

/* Literal rules must reach the index and never regcomp. */
static void test_index(void)
{
	char text[64 * 200];
	size_t o = 0;
	struct filter *f;
	int i;

	for (i = 1; i <= 200; i++)
		o += (size_t)sprintf(text + o, "^host%d\\.example\\.com$\n", i);
	f = load_text(text, FILTER_TYPE_BRE, 0, 1, 0);
	is_int(f->n_regex, 0, "no regex compiled for literal rules");
	is_int(f->rev.used, 200, "all in the index");
	is_int(f->rules[0].kind, RULE_EXACT, "^lit$ is exact");
	is_int(line_for(f, "host200.example.com", 80, NULL), 200,
	       "last rule found");
	is_int(line_for(f, "host2000.example.com", 80, NULL), 0,
	       "no false hit");
	filter_free(f);

	f = load_text("cnn\\.com$\n^www\\.\nads\nx.y\n", FILTER_TYPE_BRE, 0, 0,
	              0);
	is_int(f->rules[0].kind, RULE_SUFFIX, "lit$ is a suffix");
	is_int(f->rules[1].kind, RULE_PREFIX, "^lit is a prefix");
	is_int(f->rules[2].kind, RULE_SUBSTR, "lit is a substring");
	is_int(f->rules[3].kind, RULE_REGEX, "unescaped dot is a regex");
	is_int(f->n_regex, 1, "one regex compiled");
	filter_free(f);

	o = 0;
	for (i = 1; i <= 40; i++)
		o += (size_t)sprintf(text + o, "ad%d\\.\n", i);
	f = load_text(text, FILTER_TYPE_BRE, 0, 0, 0);
	is_int(f->sub.used, 40, "many substrings: indexed");
	is_int(f->n_scan, 0, "none scanned");
	is_int(line_for(f, "x.AD17.example", 80, NULL), 17, "found inside");
	is_int(line_for(f, "ad1.ad40.", 80, NULL), 1, "first in file order");
	is_int(line_for(f, "ad41.", 80, NULL), 0, "no false hit");
	filter_free(f);

	f = load_text("a+b\n", FILTER_TYPE_BRE, 0, 0, 0);
	is_int(f->rules[0].kind, RULE_SUBSTR, "BRE + is literal");
	filter_free(f);
	f = load_text("a+b\n", FILTER_TYPE_ERE, 0, 0, 0);
	is_int(f->rules[0].kind, RULE_REGEX, "ERE + is an operator");
	filter_free(f);
	f = load_text("*.example.com\n", FILTER_TYPE_FNMATCH, 0, 0, 0);
	is_int(f->rules[0].kind, RULE_SUFFIX, "fnmatch *lit is a suffix");
	filter_free(f);
}

static void test_domain_file(void)
{
	struct filter_options opt = {FILTER_TYPE_DOMAIN, 0, 1, 0};
	struct reports rep = {0};
	struct filter *f;

	f = filter_load(data("domain.rules"), &opt, collect, &rep);
	ok(f != NULL, "domain.rules loads");
	if (rep.n)
		printf("# %s:%d: %s\n", rep.file[0], rep.line[0], rep.msg[0]);
	is_int(filter_count(f), 11, "eleven rules");

	is_int(line_for(f, "example.com", 80, NULL), 2, "the domain");
	is_int(line_for(f, "a.b.example.com", 80, NULL), 2, "a subdomain");
	is_int(line_for(f, "notexample.com", 80, NULL), 0, "notexample.com");
	is_int(line_for(f, "example.com.evil.net", 80, NULL), 0,
	       "example.com.evil.net");
	is_int(line_for(f, "com", 80, NULL), 0, "the parent");

	is_int(line_for(f, "exact.example", 80, NULL), 3, "=name");
	is_int(line_for(f, "www.exact.example", 80, NULL), 0,
	       "=name has no subdomains");

	is_int(line_for(f, "wild.example", 80, NULL), 0,
	       "*.name is not the name");
	is_int(line_for(f, "a.wild.example", 80, NULL), 4, "*.name subdomain");
	is_int(line_for(f, "a.b.wild.example", 80, NULL), 4, "deeper");
	is_int(line_for(f, "xwild.example", 80, NULL), 0, "*.name needs a dot");

	is_int(line_for(f, "ports.example", 443, NULL), 5, "port matches");
	is_int(line_for(f, "www.ports.example", 443, NULL), 5,
	       "port on a subdomain");
	is_int(line_for(f, "ports.example", 80, NULL), 0, "other port");
	is_int(line_for(f, "range.example", 8000, NULL), 6, "range start");
	is_int(line_for(f, "range.example", 8099, NULL), 6, "range end");
	is_int(line_for(f, "range.example", 8100, NULL), 0, "past the range");
	is_int(line_for(f, "range.example", 7999, NULL), 0, "before the range");

	is_int(line_for(f, "10.1.2.3", 80, NULL), 7, "IPv4 CIDR");
	is_int(line_for(f, "10.1", 80, NULL), 7, "trick literal in the CIDR");
	is_int(line_for(f, "167772161", 80, NULL), 7, "decimal literal");
	is_int(line_for(f, "11.0.0.1", 80, NULL), 0, "outside the CIDR");
	is_int(line_for(f, "192.168.1.1", 80, NULL), 8, "one address");
	is_int(line_for(f, "0xc0.168.1.1", 80, NULL), 8, "hex trick");
	is_int(line_for(f, "192.168.1.2", 80, NULL), 0, "next address");
	is_int(line_for(f, "1.192.168.1.1", 80, NULL), 0,
	       "name, not an address");
	is_int(line_for(f, "::ffff:10.0.0.1", 80, NULL), 7,
	       "v4-mapped IPv6 in an IPv4 range");
	is_int(line_for(f, "2001:db8:1::5", 443, NULL), 9,
	       "IPv6 range with port");
	is_int(line_for(f, "2001:db8:1::5", 80, NULL), 0,
	       "IPv6 range, other port");
	is_int(line_for(f, "fd12::1", 80, NULL), 10, "bare IPv6 range");
	is_int(line_for(f, "fe80::1", 80, NULL), 0, "outside IPv6 range");

	is_int(line_for(f, "xn--bcher-kva.example", 80, NULL), 11,
	       "Unicode rule matched as A-label");
	is_int(line_for(f, "shop.xn--bcher-kva.example", 80, NULL), 11,
	       "and its subdomains");

	is_int(line_for(f, "re42.example", 80, NULL), 12, "~ regex rule");
	is_int(line_for(f, "RE42.example", 80, NULL), 12,
	       "~ regex is case-insensitive");
	is_int(line_for(f, "re.example", 80, NULL), 0, "~ regex no match");
	filter_free(f);
}

static void test_domain_errors(void)
{
	static const char *const bad[] = {
	    "ex..ample",
	    "example.com:0",
	    "example.com:65536",
	    "example.com:80-70",
	    "example.com:x",
	    "10.0.0.1/33",
	    "10.0.0.1/8",
	    "[::1",
	    "[::1]x",
	    "[zz::]/8",
	    "2001:db8::/129",
	    "~",
	    "~(",
	    "=",
	    "*.",
	    "ex\\.com",
	    "1.2.3",
	    "a_b.-/",
	    "\xff\xfe.example",
	};
	struct filter_options opt = {FILTER_TYPE_DOMAIN, 0, 1, 0};
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		struct reports rep = {0};
		char text[128];
		struct filter *f;

		snprintf(text, sizeof(text), "ok.example\n%s\n", bad[i]);
		f = filter_load_buffer("d.rules", text, strlen(text), &opt,
		                       collect, &rep);
		ok(f == NULL && rep.n == 1 && rep.line[0] == 2,
		   "rejected at line 2: %s (%s)", bad[i], rep.msg[0]);
		filter_free(f);
	}
}

static void test_domain_more(void)
{
	struct filter *f = load_text("Example.COM.\n"
	                             "=a.example.org:80\n"
	                             "a.example.org:443\n"
	                             "~^http://x\\.test/\n"
	                             "B\xc3\x9c\x43HER.example\n",
	                             FILTER_TYPE_DOMAIN, 0, 1, 1);

	ok(f != NULL, "loads");
	is_int(line_for(f, "www.example.com", 80, "http://www.example.com/"), 1,
	       "domain rules match the host even with FilterURLs");
	is_int(line_for(f, "a.example.org", 80, "http://a.example.org/"), 2,
	       "same name, port 80");
	is_int(line_for(f, "a.example.org", 443, "a.example.org:443"), 3,
	       "same name, port 443");
	is_int(line_for(f, "x.test", 80, "http://x.test/a"), 4,
	       "~ rules match the URL with FilterURLs");
	is_int(line_for(f, "xn--bcher-kva.example", 80, "http://b/"), 5,
	       "Unicode upper case mapped");
	is_int(line_for(f, "1.2.3.4", 80, "http://1.2.3.4/"), 0,
	       "an address never matches a name rule");
	filter_free(f);

	f = load_text("4\n", FILTER_TYPE_DOMAIN, 0, 1, 0);
	ok(f == NULL, "a number is not a domain");
	f = load_text("com\n", FILTER_TYPE_DOMAIN, 0, 1, 0);
	is_int(line_for(f, "1.2.3.com", 80, NULL), 1, "TLD rule");
	is_int(line_for(f, "10.0.0.1", 80, NULL), 0,
	       "an IPv4 host is not under a name");
	filter_free(f);
}

struct all_reports {
	int errors, warnings;
	char first[256]; /* "LINE: E|W MESSAGE" */
};

static void collect_all(void *ctx, const char *file, int line, int is_error,
                        const char *msg)
{
	struct all_reports *r = ctx;

	(void)file;
	if (r->errors + r->warnings == 0)
		snprintf(r->first, sizeof(r->first), "%d: %s %s", line,
		         is_error ? "E" : "W", msg);
	if (is_error)
		r->errors++;
	else
		r->warnings++;
}

/* Loads the n bytes at text as a default-deny regex file; the first
 * report goes to r. */
static struct filter *load_bytes(const char *text, size_t n,
                                 enum filter_type type, struct all_reports *r)
{
	struct filter_options opt = {type, 0, 1, 0};

	memset(r, 0, sizeof(*r));
	return filter_load_buffer("t.rules", text, n, &opt, collect_all, r);
}

#define BYTES(lit) (lit), sizeof(lit) - 1

/* A rules file is rejected unless every byte of every rule is what the
 * reader sees. */
static void test_not_text(void)
{
	struct all_reports r;
	struct filter *f;

	f = load_bytes(BYTES("^a\\.test$\n^b\0\\.test$\n^c\\.test$\n"),
	               FILTER_TYPE_BRE, &r);
	ok(f == NULL, "a NUL byte in a rule fails the load");
	is_str(r.first,
	       "2: E NUL byte at column 3: not a text file (rules files are "
	       "ASCII or UTF-8)",
	       "naming line and column");
	is_int(r.errors, 1, "one error: the file is not text");
	f = load_bytes(BYTES("^a\\.test$ # \0\n"), FILTER_TYPE_BRE, &r);
	ok(f == NULL, "a NUL byte in a comment too");
	f = load_bytes(BYTES("\xff\xfe^\0\n\0"), FILTER_TYPE_BRE, &r);
	ok(f == NULL, "UTF-16 text fails the load");
	is_str(r.first,
	       "1: E UTF-16LE text (byte order mark): rules files are ASCII "
	       "or UTF-8; convert it with iconv -f UTF-16 -t UTF-8",
	       "saying what it is and how to convert it");
	f = load_bytes(BYTES("\0\0\xfe\xff\0\0\0^"), FILTER_TYPE_ERE, &r);
	ok(f == NULL && strstr(r.first, "1: E UTF-32BE text") == r.first,
	   "UTF-32 text fails the load");
	f = load_bytes(BYTES("^\0b\0$\0"), FILTER_TYPE_FNMATCH, &r);
	ok(f == NULL, "UTF-16 without a byte order mark fails on its NULs");
	f = load_bytes(BYTES("\xef\xbb\xbf^a\\.test$\n"), FILTER_TYPE_BRE, &r);
	ok(f != NULL, "a UTF-8 byte order mark is skipped");
	is_str(r.first, "1: W UTF-8 byte order mark skipped", "with a warning");
	is_int(r.errors, 0, "and no error");
	ok(f != NULL && allowed(f, "a.test") && !allowed(f, "xa.test"),
	   "the first rule is read without it");
	filter_free(f);
	f = load_bytes(BYTES("^a\x01\\.test$\n"), FILTER_TYPE_BRE, &r);
	ok(f == NULL, "a control character fails the load");
	is_str(r.first,
	       "1: E control character 0x01 at column 3: rules are plain text",
	       "naming it");
	f = load_bytes(BYTES("^a\\.test$\x0b.*\n"), FILTER_TYPE_BRE, &r);
	ok(f == NULL, "a vertical tab is not taken for a space");
	f = load_bytes(BYTES("^a\\.test$\r\n^b\\.test$\r\n"), FILTER_TYPE_BRE,
	               &r);
	ok(f != NULL && allowed(f, "b.test"), "CRLF line ends are text");
	filter_free(f);
	f = load_bytes(BYTES("^a\\.te\rst$\n"), FILTER_TYPE_BRE, &r);
	ok(f == NULL, "a CR inside a line is not");
	f = load_bytes(BYTES("\n  ex\xe2\x80\x8b"
	                     "ample.com\n"),
	               FILTER_TYPE_DOMAIN, &r);
	ok(f == NULL, "an invisible character in a domain rule fails");
	is_str(r.first,
	       "2: E invisible character U+200B at column 5 in the rule: "
	       "rules must be exactly what they show",
	       "naming it and its column");
	f = load_bytes(BYTES("b\xfc"
	                     "cher.example\n"),
	               FILTER_TYPE_DOMAIN, &r);
	ok(f == NULL && strstr(r.first, "malformed UTF-8 (byte 0xFC)") != NULL,
	   "Latin-1 in a rule fails: %s", r.first);
	f = load_bytes(BYTES("b\xc3\xbc"
	                     "cher.example # gr\xfc\xdf\n"),
	               FILTER_TYPE_DOMAIN, &r);
	ok(f != NULL && allowed(f, "xn--bcher-kva.example"),
	   "UTF-8 rules load; comments are not read");
	filter_free(f);
}

int main(void)
{
	const char *slash = strrchr(__FILE__, '/');

	snprintf(data_dir, sizeof(data_dir), "%.*s/../data/filter",
	         slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	test_classic_file();
	test_default_deny();
	test_case();
	test_urls();
	test_order();
	test_comments();
	test_errors();
	test_index();
	test_domain_file();
	test_domain_errors();
	test_domain_more();
	test_not_text();
	return done();
}
