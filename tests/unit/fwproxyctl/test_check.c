/* fwproxyctl check: every finding on the sample files in data/lint,
 * line by line, and the corrected files. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util.h"
#include "tap.h"

#define LINT "tests/unit/data/lint/"

static const char *const regex_findings[] = {
    "3: warning: not anchored at the start: \"google\\.com$\" also admits "
    "\"notgoogle.com\"; for google.com and its subdomains write "
    "\"^google\\.com$\" and \"\\.google\\.com$\"",
    "4: warning: not anchored at the end: \"^example\\.com\" also admits "
    "\"example.com.evil.net\"; write \"^example\\.com$\"",
    "5: warning: not anchored at the start: \"example\\.net\" also admits "
    "\"notexample.net\"; for example.net and its subdomains write "
    "\"^example\\.net$\" and \"\\.example\\.net$\"",
    "5: warning: not anchored at the end: \"example\\.net\" also admits "
    "\"example.net.evil.net\"; for example.net and its subdomains write "
    "\"^example\\.net$\" and \"\\.example\\.net$\"",
    "6: warning: unescaped \".\" matches any character: "
    "\"^api.example.org$\" also admits \"apixexample.org\"; write "
    "\"^api\\.example\\.org$\"",
    "7: warning: \"^work\\.test$\" duplicates line 2",
    "9: warning: \"^a\\.work\\.test$\" never decides: line 8 "
    "(\"\\.work\\.test$\") already matches every host it matches",
    "10: warning: \"*.glob.test\" is a glob, but rules here are regular "
    "expressions (FilterType bre); write \"\\.glob\\.test$\"",
    "11: warning: unescaped \".\" matches any character: \"cdn.host.test\" "
    "in \"cdn.host.test/path\" also matches \"cdnxhost.test\"; write "
    "\"cdn\\.host\\.test/path\"",
    "12: warning: only the first word is a rule: \"three\\.test\" is "
    "ignored (one rule per line)",
    "12: warning: not anchored at the start: \"two\\.test\" also admits "
    "\"nottwo.test\"; for two.test and its subdomains write "
    "\"^two\\.test$\" and \"\\.two\\.test$\"",
    "12: warning: not anchored at the end: \"two\\.test\" also admits "
    "\"two.test.evil.net\"; for two.test and its subdomains write "
    "\"^two\\.test$\" and \"\\.two\\.test$\"",
    "13: error: bad rule \"[bad\": Unmatched [, [^, [:, [., or [=",
    "15: warning: \"^WORK\\.test$\" duplicates line 2",
};

static const char regex_fixed[] =
    "# Allow-list for work (FilterType bre, FilterDefaultDeny Yes)\n"
    "^work\\.test$\n"
    "^google\\.com$\n"
    "\\.google\\.com$\n"
    "^example\\.com$\n"
    "^example\\.net$\n"
    "\\.example\\.net$\n"
    "^api\\.example\\.org$\n"
    "\\.work\\.test$\n"
    "^a\\.work\\.test$\n"
    "\\.glob\\.test$\n"
    "cdn\\.host\\.test/path\n"
    "^two\\.test$ three\\.test\n"
    "\\.two\\.test$\n"
    "[bad\n"
    "^ok\\.test$    # a comment after the rule\n";

static const char *const domain_findings[] = {
    "3: warning: \"a.example.com\" never decides: line 2 (\"example.com\") "
    "already matches every host it matches",
    "4: warning: \"=example.com\" never decides: line 2 (\"example.com\") "
    "already matches every host it matches",
    "5: warning: \"*.example.com\" never decides: line 2 (\"example.com\") "
    "already matches every host it matches",
    "6: warning: \"EXAMPLE.COM\" duplicates line 2",
    "9: warning: \"~^solo\\.test$\" never decides: line 7 (\"=solo.test\") "
    "already matches every host it matches",
    "10: warning: not anchored at the start: \"~google\\.com$\" also "
    "admits \"notgoogle.com\"; write \"google.com\"",
    "11: warning: unescaped \".\" matches any character: \"~^x.test$\" "
    "also admits \"xxtest\"; write \"=x.test\"",
    "12: error: bad rule \"bad..name\": empty label in host name",
    "14: warning: \"10.1.0.0/16\" never decides: line 13 (\"10.0.0.0/8\") "
    "already matches every host it matches",
    "18: warning: \"xn--bcher-kva.test\" never decides: line 17 "
    "(\"b\xc3\xbc"
    "cher.test\") already matches every host it matches",
};

static const char domain_fixed[] = "# Domain rules (FilterType domain)\n"
                                   "example.com\n"
                                   "a.example.com\n"
                                   "=example.com\n"
                                   "*.example.com\n"
                                   "=solo.test\n"
                                   "solo.test\n"
                                   "~^solo\\.test$\n"
                                   "google.com\n"
                                   "=x.test\n"
                                   "bad..name\n"
                                   "10.0.0.0/8\n"
                                   "10.1.0.0/16\n"
                                   "port.test:443\n"
                                   "port.test\n"
                                   "b\xc3\xbc"
                                   "cher.test\n"
                                   "xn--bcher-kva.test\n";

static const char *const fnmatch_findings[] = {
    "1: warning: not anchored at the start: \"*google.com\" also admits "
    "\"notgoogle.com\"; for google.com and its subdomains write "
    "\"google.com\" and \"*.google.com\"",
    "2: warning: not anchored at the end: \"www.example.com*\" also admits "
    "\"www.example.com.evil.net\"; write \"www.example.com\"",
    "3: warning: \"^regex\\.test$\" is a regular expression, but rules "
    "here are globs (FilterType fnmatch); write \"regex.test\"",
    "5: warning: \"a.sub.test\" never decides: line 4 (\"*.sub.test\") "
    "already matches every host it matches",
    "7: warning: \"plain.test\" duplicates line 6",
};

static const char fnmatch_fixed[] = "google.com\n"
                                    "*.google.com\n"
                                    "www.example.com\n"
                                    "regex.test\n"
                                    "*.sub.test\n"
                                    "a.sub.test\n"
                                    "plain.test\n";

static void finding(const struct ctl_check *k, size_t i, char *out, size_t size)
{
	snprintf(out, size, "%d: %s%s", k->v[i].line,
	         k->v[i].is_error ? "error: " : "warning: ", k->v[i].msg);
}

static void same_findings(const struct ctl_check *k, const char *const *want,
                          size_t n, const char *what)
{
	char got[2048];
	size_t i;

	is_int(k->count, n, "%s: %zu findings", what, n);
	for (i = 0; i < n && i < k->count; i++) {
		finding(k, i, got, sizeof(got));
		is_str(got, want[i], "%s: finding %zu", what, i + 1);
	}
}

static struct filter_options options(enum filter_type type)
{
	struct filter_options o;

	memset(&o, 0, sizeof(o));
	o.type = type;
	o.default_deny = 1;
	return o;
}

static void sample_files(void)
{
	struct filter_options o = options(FILTER_TYPE_BRE);
	struct ctl_check *k;

	k = ctl_check_file(LINT "regex.rules", &o);
	same_findings(k, regex_findings, ARRAY_LEN(regex_findings),
	              "regex.rules");
	is_int(k->errors, 1, "regex.rules: one error");
	is_str(k->fixed, regex_fixed, "regex.rules: --fix");
	ctl_check_free(k);

	o = options(FILTER_TYPE_DOMAIN);
	k = ctl_check_file(LINT "domain.rules", &o);
	same_findings(k, domain_findings, ARRAY_LEN(domain_findings),
	              "domain.rules");
	is_int(k->errors, 1, "domain.rules: one error");
	is_str(k->fixed, domain_fixed, "domain.rules: --fix");
	ctl_check_free(k);

	o = options(FILTER_TYPE_FNMATCH);
	k = ctl_check_file(LINT "fnmatch.rules", &o);
	same_findings(k, fnmatch_findings, ARRAY_LEN(fnmatch_findings),
	              "fnmatch.rules");
	is_int(k->errors, 0, "fnmatch.rules: no error");
	is_int(k->warnings, 5, "fnmatch.rules: five warnings");
	is_str(k->fixed, fnmatch_fixed, "fnmatch.rules: --fix");
	ctl_check_free(k);
}

static struct ctl_check *lint(const char *text, struct filter_options o)
{
	return ctl_check_buffer("t", text, strlen(text), &o);
}

static void clean_file(void)
{
	struct ctl_check *k =
	    lint("# ok\n^a\\.test$\n\\.b\\.test$\n\n^c\\.test$ # c\n",
	         options(FILTER_TYPE_ERE));

	is_int(k->count, 0, "a correct file has no findings");
	is_str(k->fixed, "# ok\n^a\\.test$\n\\.b\\.test$\n\n^c\\.test$ # c\n",
	       "and --fix prints it unchanged");
	ctl_check_free(k);
}

static void other_modes(void)
{
	struct filter_options o = options(FILTER_TYPE_ERE);
	struct ctl_check *k;
	char got[2048];

	/* A block list: an unanchored rule blocks too much. */
	o.default_deny = 0;
	k = lint("ads\\.example\\.com$\n", o);
	is_int(k->count, 1, "block list: one finding");
	finding(k, 0, got, sizeof(got));
	ok(strstr(got, "also blocks \"notads.example.com\"") != NULL,
	   "block list: the rule also blocks: %s", got);
	ctl_check_free(k);

	/* ERE: a glob is an error, with the rule that was meant. */
	k = lint("*.glob.test\n", options(FILTER_TYPE_ERE));
	is_int(k->errors, 1, "ERE glob: an error");
	is_int(k->count, 2, "ERE glob: error and hint");
	finding(k, 1, got, sizeof(got));
	is_str(
	    got,
	    "1: warning: \"*.glob.test\" is a glob, but rules here are "
	    "regular expressions (FilterType ere); write \"\\.glob\\.test$\"",
	    "ERE glob: the hint");
	is_str(k->fixed, "\\.glob\\.test$\n", "ERE glob: fixed");
	ctl_check_free(k);

	/* FilterURLs: only the unescaped dots are a host matter. */
	o = options(FILTER_TYPE_ERE);
	o.urls = 1;
	k = lint("^https?://site.test/x\n^http://(www\\.)?ok\\.test/\n", o);
	is_int(k->count, 1, "URLs: one finding");
	finding(k, 0, got, sizeof(got));
	ok(strstr(got, "\"site.test\" in \"^https?://site.test/x\" also "
	               "matches \"sitextest\"") != NULL,
	   "URLs: the dot: %s", got);
	is_str(k->fixed,
	       "^https?://site\\.test/x\n^http://(www\\.)?ok\\.test/\n",
	       "URLs: fixed");
	ctl_check_free(k);

	/* Case matters for duplicates only with FilterCaseSensitive. */
	o = options(FILTER_TYPE_BRE);
	o.case_sensitive = 1;
	k = lint("^a\\.test$\n^A\\.test$\n", o);
	is_int(k->count, 0, "case-sensitive: ^A\\.test$ is another rule");
	ctl_check_free(k);
	k = lint("^a\\.test$\n^A\\.test$\n", options(FILTER_TYPE_BRE));
	is_int(k->count, 1, "case-insensitive: a duplicate");
	ctl_check_free(k);

	/* A regex in a domain file without its '~'. */
	k = lint("^work\\.test$\n", options(FILTER_TYPE_DOMAIN));
	is_int(k->errors, 1, "domain: a regex is an error");
	is_str(k->fixed, "=work.test\n", "domain: fixed to =work.test");
	ctl_check_free(k);

	/* Ports: a rule for other ports is not shadowed. */
	k = lint("a.test:443\na.test\nb.test\nb.test:8080\n",
	         options(FILTER_TYPE_DOMAIN));
	is_int(k->count, 1, "ports: one finding");
	finding(k, 0, got, sizeof(got));
	is_str(got,
	       "4: warning: \"b.test:8080\" never decides: line 3 (\"b.test\") "
	       "already matches every host it matches",
	       "ports: b.test:8080 after b.test");
	ctl_check_free(k);

	/* CRLF files: the CR is not part of the rule. */
	k = lint("^a\\.test$\r\n^a\\.test$\r\n", options(FILTER_TYPE_BRE));
	is_int(k->count, 1, "CRLF: the duplicate only");
	ctl_check_free(k);
}

static void unreadable(void)
{
	struct filter_options o = options(FILTER_TYPE_BRE);
	struct ctl_check *k = ctl_check_file(LINT "missing.rules", &o);

	is_int(k->errors, 1, "a missing file is an error");
	is_int(k->v[0].line, 0, "at line 0");
	ctl_check_free(k);
}

/* Each of these alone admits every host. */
static void every_host(void)
{
	static const struct {
		enum filter_type type;
		const char *rule;
	} all[] = {
	    {FILTER_TYPE_BRE, ".*"},     {FILTER_TYPE_BRE, "^"},
	    {FILTER_TYPE_BRE, "$"},      {FILTER_TYPE_BRE, "."},
	    {FILTER_TYPE_ERE, "()"},     {FILTER_TYPE_ERE, "a|"},
	    {FILTER_TYPE_ERE, "^.*$"},   {FILTER_TYPE_FNMATCH, "*"},
	    {FILTER_TYPE_DOMAIN, "~.*"}, {FILTER_TYPE_DOMAIN, "~^"},
	};
	struct filter_options o;
	struct ctl_check *k;
	char got[512], want[512];
	size_t i;

	for (i = 0; i < ARRAY_LEN(all); i++) {
		char text[64];

		snprintf(text, sizeof(text), "%s\n", all[i].rule);
		k = lint(text, options(all[i].type));
		snprintf(want, sizeof(want),
		         "1: warning: \"%s\" matches every host: it admits "
		         "them all, and no rule after it decides anything",
		         all[i].rule);
		got[0] = '\0';
		if (k->count > 0)
			finding(k, 0, got, sizeof(got));
		is_str(got, want, "every host: %s", all[i].rule);
		is_int(k->count, 1, "one finding for %s", all[i].rule);
		ctl_check_free(k);
	}
	o = options(FILTER_TYPE_BRE);
	o.default_deny = 0;
	k = lint("^a\\.test$\n.*\n", o);
	finding(k, 0, got, sizeof(got));
	ok(strstr(got, "2: warning: \".*\" matches every host: it blocks "
	               "them all") == got,
	   "a block-list: it blocks them all: %s", got);
	ctl_check_free(k);
	k = lint("^a\\.test$\n\\.b\\.test$\nc\n", options(FILTER_TYPE_ERE));
	for (i = 0; i < k->count; i++) {
		finding(k, i, got, sizeof(got));
		ok(strstr(got, "every host") == NULL, "not every host: %s",
		   got);
	}
	ctl_check_free(k);
}

static void configs(void)
{
	struct config *cfg;
	char out[1024];
	FILE *f;

	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"ConnectPort 443\n",
	     "t.conf: warning: no Filter: every host is allowed\n"},
	    {"Filter /r\nConnectPort 443\n",
	     "t.conf: warning: no \"FilterDefaultDeny Yes\": the rules file "
	     "is a block-list, and every host it does not name is allowed\n"},
	    {"Filter /r\nFilterDefaultDeny Yes\nConnectPort 443\n", ""},
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		cfg = config_load_buffer("t.conf", cases[i].text,
		                         strlen(cases[i].text), NULL, NULL);
		memset(out, 0, sizeof(out));
		f = fmemopen(out, sizeof(out) - 1, "w");
		is_int(ctl_check_config(cfg, "t.conf", f),
		       cases[i].want[0] != '\0', "config %zu: count", i);
		fclose(f);
		is_str(out, cases[i].want, "config %zu: warning", i);
		config_free(cfg);
	}
}

int main(void)
{
	sample_files();
	clean_file();
	other_modes();
	unreadable();
	every_host();
	configs();
	return done();
}
