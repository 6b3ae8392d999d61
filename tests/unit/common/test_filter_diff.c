/* Differential test: the indexed filter must decide exactly as a naive
 * scan with regcomp/regexec (or fnmatch) over every rule in file order. */
#include <fnmatch.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "regex_cost.h"
#include "tap.h"
#include "util.h"

#define MAX_RULES 48
#define TEXT_MAX  8192

static const char *const REGEX_RULES[] = {
    "example.com",
    "example\\.com",
    "^example\\.com$",
    "example\\.com$",
    "^example\\.com",
    "^www\\.example\\.com$",
    "EXAMPLE\\.COM$",
    "Example\\.Com",
    "\\.example\\.com$",
    "cnn\\.com$",
    "^cnn\\.com$",
    "^$",
    "^",
    "$",
    "\\.com$",
    "com$",
    "^www",
    "^http://",
    "^https\\?://",
    "^https?://",
    "a+b",
    "a\\+b",
    "(foo)",
    "\\(foo\\)",
    "foo|bar",
    "foo\\|bar",
    "a{2}",
    "a\\{2\\}",
    "*abc",
    "^*abc",
    "abc*",
    "[a-z]+\\.com$",
    "[[:digit:]]",
    "\\<example",
    "\\w\\+",
    "\\/path",
    "/path$",
    "\\#frag",
    "a\\-b",
    "a_b",
    "^ex\\$",
    "a$b",
    "a^b",
    "\\.$",
    "\\\\",
    "x\\]",
    "]",
    "a\\}",
    "a}",
    "\\:8080",
    "example\\.com\\.$",
    "^[^.]*\\.example\\.com$",
    "o\\.c",
    "ampl",
    "AMPL",
    "^EXAMPLE",
    "1\\.2\\.3\\.4",
    "^10\\.",
    "\\?",
    "\\+",
    "\\|",
    "\\{",
    "\\}",
    "?",
    "+",
    "|",
    "{",
    "a\\'",
    "\\`a",
    "\\bcom",
    "\\.",
    ".",
    "\\*",
    "\\^",
    "^\\^",
    "\\$$",
    "$$",
    "^^",
    "\\$",
    "@",
    "\\@",
    "a\\_b",
    "x\\~y",
    "\\=",
    "\\%",
    "\\!",
    "\\,",
    "\\;",
    "\\&",
    "\\\"",
    "\"",
    "'",
    "^HTTP://WWW\\.",
    "PATH$",
    "path$",
    "\\.COM/",
    "^host1\\.example\\.com$",
    "^host12\\.example\\.com$",
    "^HOST1\\.EXAMPLE\\.COM$",
    "1$",
    "^1",
    "\\(a\\)\\1",
    "a\\{1,\\}b",
    "(a)+",
    "\\n",
    "\\t",
    "\\x",
    "\\1",
};

static const char *const BAD_RULES[] = {
    "[abc", "a\\{1",      "\\(", "foo\\", "(",   "a{1",  "[[:nope:]]",
    "\\)",  "x\\{2,1\\}", "*",   "+a",    "a**", "a|*b",
};

static const char *const FNMATCH_RULES[] = {
    "*.example.com",
    "example.com",
    "*example*",
    "www.*",
    "*",
    "**",
    "\\*",
    "a\\*b",
    "*.COM",
    "?xample.com",
    "[ab]*",
    "*\\",
    "\\",
    "ex*ple.com",
    "EXAMPLE.COM",
    "*com",
    "http://*",
    "*/path",
    "*\\.com",
    "\\e\\x\\a\\m\\p\\l\\e.com",
    "***a***",
    "a*",
    "*a",
    "[!a]*",
    "[",
    "*[",
    "a?",
    "\\?",
    "*.example.com*",
    "host1*",
};

static const char *const SUBJECTS[] = {
    "example.com",
    "www.example.com",
    "notexample.com",
    "example.com.evil.net",
    "EXAMPLE.COM",
    "Example.Com",
    "",
    "a+b",
    "aab",
    "ab",
    "(foo)",
    "foo",
    "bar",
    "foo|bar",
    "a{2}",
    "aa",
    "http://www.example.com/path",
    "https://example.com:8080/a#frag",
    "HTTP://WWW.EXAMPLE.COM/PATH",
    "xcnn.com",
    "cnn.com",
    "a-b",
    "a_b",
    "1.2.3.4",
    "10.0.0.1",
    "ex$",
    "*abc",
    "abc",
    "abcc",
    "ampl",
    "x]",
    "]",
    "a}",
    "?",
    "+",
    "|",
    "{",
    "}",
    "/path",
    "a$b",
    "a^b",
    "o.c",
    "oxc",
    ".",
    "..",
    "\\",
    "example.com.",
    "host1.example.com",
    "host12.example.com",
    "HOST1.example.com",
    "a'",
    "`a",
    "^",
    "$",
    "@",
    "a_b_c",
    "x~y",
    "=",
    "%",
    "!",
    ",",
    ";",
    "&",
    "\"",
    "'",
    "1",
    "11",
    "n",
    "t",
    "x",
    "aa",
    "example.co",
    "xample.com",
    "www.",
    "a*b",
    "e.x.a.m.p.l.e",
    "*",
    "a",
    "wexample.com",
};

/* Tokens for random patterns: operators of both syntaxes, their escaped
 * forms, literals and a few brackets. */
static const char *const TOKENS[] = {
    "a",   "E",       "b",    ".",   "\\.", "^",   "$",   "*",   "+",
    "?",   "|",       "\\+",  "\\?", "\\|", "(",   ")",   "\\(", "\\)",
    "{",   "}",       "\\{",  "\\}", "[a]", "]",   "\\[", "\\]", "\\\\",
    "-",   "/",       ":",    "\\#", "\\-", "\\$", "\\^", "\\*", "1",
    "{1}", "\\{1\\}", "[^a]", "\\w", "\\<", "x",
};

static const char *const RANDOM_SUBJECT_CHARS = "aAbeE.x-/:1+*?|(){}$^\\";

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

struct naive {
	int n;
	const char *pat[MAX_RULES];
	int line[MAX_RULES];
	regex_t re[MAX_RULES];
	int ok[MAX_RULES];
};

static int n_errors;
static int error_lines[MAX_RULES * 4];

static void collect(void *ctx, const char *file, int line, int is_error,
                    const char *msg)
{
	(void)ctx;
	(void)file;
	(void)msg;
	if (is_error &&
	    n_errors < (int)(sizeof(error_lines) / sizeof(error_lines[0])))
		error_lines[n_errors++] = line;
}

static int naive_match(const struct naive *nv, int i,
                       const struct filter_options *opt, const char *s)
{
	if (opt->type == FILTER_TYPE_FNMATCH)
		return fnmatch(nv->pat[i], s,
		               opt->case_sensitive ? 0 : FNM_CASEFOLD) == 0;
	return regexec(&nv->re[i], s, 0, NULL, 0) == 0;
}

static unsigned long checks, failures;
static char last_file[16];

static void fail_once(const char *what, const char *text, const char *s,
                      const struct filter_options *opt)
{
	failures++;
	if (failures <= 10)
		printf("# %s: type %d cs %d dd %d urls %d subject \"%s\" "
		       "rules:\n%s\n",
		       what, opt->type, opt->case_sensitive, opt->default_deny,
		       opt->urls, s, text);
}

static void compare_set(struct naive *nv, const char *text,
                        const struct filter_options *opt,
                        const char *const *subjects, size_t n_subjects)
{
	int flags = REG_NOSUB, i, bad = 0, want_errors = 0;
	struct filter *f;
	size_t k;

	if (opt->type == FILTER_TYPE_ERE)
		flags |= REG_EXTENDED;
	if (!opt->case_sensitive)
		flags |= REG_ICASE;
	for (i = 0; i < nv->n; i++) {
		/* The filter refuses what regcomp would take too long or
		 * too much memory for (tests/unit/test_regex_cost.c), then
		 * what regcomp refuses. */
		nv->ok[i] =
		    opt->type == FILTER_TYPE_FNMATCH ||
		    (regex_cost_check(nv->pat[i], opt->type == FILTER_TYPE_ERE,
		                      REGEX_NODES_MAX) == NULL &&
		     regcomp(&nv->re[i], nv->pat[i], flags) == 0);
		if (!nv->ok[i]) {
			bad = 1;
			want_errors++;
		}
	}
	n_errors = 0;
	f = filter_load_buffer("rules", text, strlen(text), opt, collect, NULL);
	checks++;
	if ((f == NULL) != bad || n_errors != want_errors) {
		fail_once("compile result differs", text, "", opt);
	} else if (bad) {
		int j = 0;
		for (i = 0; i < nv->n; i++)
			if (!nv->ok[i] && error_lines[j++] != nv->line[i])
				fail_once("error line differs", text, "", opt);
	}
	for (k = 0; f != NULL && !bad && k < n_subjects; k++) {
		struct filter_verdict v;
		const char *s = subjects[k];
		int want_line = 0, want_allowed;

		for (i = 0; i < nv->n; i++) {
			if (naive_match(nv, i, opt, s)) {
				want_line = nv->line[i];
				break;
			}
		}
		want_allowed =
		    want_line ? opt->default_deny : !opt->default_deny;
		if (opt->urls)
			filter_check(f, "unused.host", 80, s, &v);
		else
			filter_check(f, s, 80, "http://unused/", &v);
		checks++;
		str_copy(last_file, v.file ? v.file : "(null)",
		         sizeof(last_file));
		if (v.allowed != want_allowed || v.line != want_line) {
			char what[64];
			snprintf(what, sizeof(what), "got line %d, want %d",
			         v.line, want_line);
			fail_once(what, text, s, opt);
		}
	}
	filter_free(f);
	for (i = 0; i < nv->n; i++)
		if (nv->ok[i] && opt->type != FILTER_TYPE_FNMATCH)
			regfree(&nv->re[i]);
}

/* Writes the rules with blank lines, comments and trailing comments
 * around them, recording each rule's line. */
static void render(struct naive *nv, char *text)
{
	int i, line = 0;
	size_t o = 0;

	for (i = 0; i < nv->n; i++) {
		switch (rng() % 6) {
		case 0:
			o += (size_t)sprintf(text + o, "# comment %d\n", i);
			line++;
			break;
		case 1:
			o += (size_t)sprintf(text + o, "\n  \t\n");
			line += 2;
			break;
		default:
			break;
		}
		line++;
		nv->line[i] = line;
		/* After a backslash a '#' is part of the rule. */
		switch (nv->pat[i][strlen(nv->pat[i]) - 1] == '\\'
		            ? 3
		            : rng() % 4) {
		case 0:
			o += (size_t)sprintf(text + o, "  %s\t# why\n",
			                     nv->pat[i]);
			break;
		case 1:
			o += (size_t)sprintf(text + o, "%s#c\r\n", nv->pat[i]);
			break;
		default:
			o += (size_t)sprintf(text + o, "%s\n", nv->pat[i]);
			break;
		}
	}
	if (rng() % 3 == 0 && o > 0)
		o--; /* no final newline */
	text[o] = '\0';
}

static void each_option(struct naive *nv, enum filter_type type,
                        const char *const *subjects, size_t n_subjects)
{
	struct filter_options opt;
	char text[TEXT_MAX];
	int cs, dd, urls;

	render(nv, text);
	for (cs = 0; cs < 2; cs++)
		for (dd = 0; dd < 2; dd++)
			for (urls = 0; urls < 2; urls++) {
				memset(&opt, 0, sizeof(opt));
				opt.type = type;
				opt.case_sensitive = cs;
				opt.default_deny = dd;
				opt.urls = urls;
				compare_set(nv, text, &opt, subjects,
				            n_subjects);
			}
}

static void random_subjects(const char **subj, char (*buf)[16], size_t n)
{
	size_t i, j, len, alpha = strlen(RANDOM_SUBJECT_CHARS);

	for (i = 0; i < n; i++) {
		len = rng() % 8;
		for (j = 0; j < len; j++)
			buf[i][j] = RANDOM_SUBJECT_CHARS[rng() % alpha];
		buf[i][len] = '\0';
		subj[i] = buf[i];
	}
}

int main(void)
{
	static char tokbuf[400][64];
	const char *rand_subj[64];
	char rand_buf[64][16];
	struct naive nv;
	size_t i;
	int round;

	/* Each rule alone, in every syntax. */
	for (i = 0; i < ARRAY_LEN(REGEX_RULES); i++) {
		memset(&nv, 0, sizeof(nv));
		nv.n = 1;
		nv.pat[0] = REGEX_RULES[i];
		each_option(&nv, FILTER_TYPE_BRE, SUBJECTS,
		            ARRAY_LEN(SUBJECTS));
		each_option(&nv, FILTER_TYPE_ERE, SUBJECTS,
		            ARRAY_LEN(SUBJECTS));
		each_option(&nv, FILTER_TYPE_FNMATCH, SUBJECTS,
		            ARRAY_LEN(SUBJECTS));
	}
	for (i = 0; i < ARRAY_LEN(FNMATCH_RULES); i++) {
		memset(&nv, 0, sizeof(nv));
		nv.n = 1;
		nv.pat[0] = FNMATCH_RULES[i];
		each_option(&nv, FILTER_TYPE_FNMATCH, SUBJECTS,
		            ARRAY_LEN(SUBJECTS));
	}
	is_int(failures, 0, "single rules agree (%lu checks)", checks);

	/* Sets of rules from the corpus: the first match must win. */
	for (round = 0; round < 300; round++) {
		enum filter_type type = (enum filter_type)(round % 3);
		int k;

		memset(&nv, 0, sizeof(nv));
		/* Large sets put substring literals in their own index. */
		if (round % 3 == 1)
			nv.n = 16 + (int)(rng() % (MAX_RULES - 15));
		else
			nv.n = 1 + (int)(rng() % 12);
		for (k = 0; k < nv.n; k++) {
			if (type == FILTER_TYPE_FNMATCH && rng() % 2)
				nv.pat[k] =
				    FNMATCH_RULES[rng() %
				                  ARRAY_LEN(FNMATCH_RULES)];
			else if (rng() % 40 == 0)
				nv.pat[k] =
				    BAD_RULES[rng() % ARRAY_LEN(BAD_RULES)];
			else
				nv.pat[k] =
				    REGEX_RULES[rng() % ARRAY_LEN(REGEX_RULES)];
		}
		random_subjects(rand_subj, rand_buf, 16);
		each_option(&nv, type, SUBJECTS, ARRAY_LEN(SUBJECTS));
		each_option(&nv, type, rand_subj, 16);
	}
	is_int(failures, 0, "rule sets agree (%lu checks)", checks);

	/* Random token patterns against random subjects. */
	for (round = 0; round < 400; round++) {
		size_t len = 0, t, ntok = 1 + rng() % 5;

		for (t = 0; t < ntok; t++) {
			const char *tok = TOKENS[rng() % ARRAY_LEN(TOKENS)];
			memcpy(tokbuf[round] + len, tok, strlen(tok));
			len += strlen(tok);
		}
		tokbuf[round][len] = '\0';
		memset(&nv, 0, sizeof(nv));
		nv.n = 1;
		nv.pat[0] = tokbuf[round];
		random_subjects(rand_subj, rand_buf, 64);
		each_option(&nv, (enum filter_type)(round % 3), rand_subj, 64);
		each_option(&nv, (enum filter_type)(round % 3), SUBJECTS,
		            ARRAY_LEN(SUBJECTS));
	}
	is_int(failures, 0, "random patterns agree (%lu checks)", checks);
	ok(checks > 100000, "enough combinations: %lu", checks);
	is_str(last_file, "rules", "verdicts name the rules file");
	return done();
}
