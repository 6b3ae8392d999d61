/* libFuzzer target: the input's first byte picks the options, the rest
 * is a rules file. Every compiled filter is checked against a few fixed
 * subjects, and for regex and fnmatch files each verdict is compared with
 * a plain scan over the rules in file order. */
#include <fnmatch.h>
#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "filter_int.h"
#include "fuzz_filter_options.h"

#define ORACLE_MAX_RULES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const HOSTS[] = {
    "example.com",
    "www.example.com",
    "notexample.com",
    "a+b",
    "",
    "127.0.0.1",
    "127.1",
    "2001:db8::1",
    "xn--bcher-kva.example",
    "EXAMPLE.COM",
    "a.b.c.d.e.f",
    "ab",
    "(foo)",
};

static const char *const URLS[] = {
    "http://example.com/path?q=1#frag",
    "example.com:443",
    "HTTP://WWW.EXAMPLE.COM/",
};

static void ignore(void *ctx, const char *file, int line, int is_error,
                   const char *msg)
{
	(void)ctx;
	(void)file;
	(void)line;
	(void)is_error;
	(void)msg;
}

static int plain_match(const struct filter *f, const char *pat, const char *s)
{
	int flags = REG_NOSUB, m;
	regex_t re;

	if (f->opt.type == FILTER_TYPE_FNMATCH)
		return fnmatch(pat, s,
		               f->opt.case_sensitive ? 0 : FNM_CASEFOLD) == 0;
	if (f->opt.type == FILTER_TYPE_ERE)
		flags |= REG_EXTENDED;
	if (!f->opt.case_sensitive)
		flags |= REG_ICASE;
	if (regcomp(&re, pat, flags) != 0)
		abort(); /* it compiled inside the filter */
	m = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static void oracle(const struct filter *f, const char *host, const char *url,
                   const struct filter_verdict *v)
{
	const char *s = f->opt.urls ? url : host;
	int want = 0;
	size_t i;

	if (f->opt.type == FILTER_TYPE_DOMAIN || f->n_rules > ORACLE_MAX_RULES)
		return;
	for (i = 0; i < f->n_rules; i++) {
		if (plain_match(f, f->rules[i].text, s)) {
			want = f->rules[i].line;
			break;
		}
	}
	if (v->line != want)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter_options opt;
	struct filter *f;
	size_t i, j;

	if (size == 0)
		return 0;
	fuzz_filter_options(data[0], &opt);
	f = filter_load_buffer("fuzz", (const char *)data + 1, size - 1, &opt,
	                       ignore, NULL);
	if (f == NULL)
		return 0;
	for (i = 0; i < sizeof(HOSTS) / sizeof(HOSTS[0]); i++) {
		for (j = 0; j < sizeof(URLS) / sizeof(URLS[0]); j++) {
			struct filter_verdict v;

			filter_check(f, HOSTS[i], (uint16_t)(i * 40 + j),
			             URLS[j], &v);
			if ((v.line == 0) != (v.rule == NULL))
				abort();
			oracle(f, HOSTS[i], URLS[j], &v);
		}
	}
	filter_free(f);
	return 0;
}
