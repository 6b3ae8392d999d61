/* libFuzzer target for one property: a rules file is either rejected or
 * admits exactly what its visible text says. The input's first byte
 * picks the options, the rest is a rules file. When the file loads, the
 * same file with every byte a reader does not see removed (a leading
 * UTF-8 byte order mark, control bytes, malformed UTF-8, invisible and
 * reordering characters) must load too and decide every probe the same
 * way, by the same line and rule; and no rule may hold such a byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "filter_int.h"
#include "fuzz_filter_options.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const HOSTS[] = {
    "a",         "b.test",        "b",
    "ab.test",   "example.com",   "www.example.com",
    "192.0.2.1", "2001:db8::1",   "xn--bcher-kva.example",
    "",          "a.b.c.d.e.f.g", "x",
};

static const char *const URLS[] = {
    "http://example.com/path?q=1",
    "b.test:443",
    "http://a/",
};

/* text without what a reader does not see; a CR ending a line stays, as
 * the white space it is. Returns a buffer of *out_len bytes. */
static char *visible(const char *text, size_t len, size_t *out_len)
{
	char *out = malloc(len + 1);
	size_t bom, i = 0, o = 0;

	if (out == NULL)
		abort();
	if (text_bom(text, len, &bom) == TEXT_BOM_UTF8)
		i = bom;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		size_t stop = end;
		int cr = stop > i && text[stop - 1] == '\r';

		stop -= (size_t)cr;
		while (i < stop) {
			size_t clen,
			    at = text_find_invisible(text + i, stop - i, &clen);

			memcpy(out + o, text + i, at);
			o += at;
			i += at + clen;
		}
		if (cr)
			out[o++] = '\r';
		if (nl != NULL)
			out[o++] = '\n';
		i = end + 1;
	}
	*out_len = o;
	return out;
}

static void same(const struct filter *f, const struct filter *g,
                 const char *host, uint16_t port, const char *url)
{
	struct filter_verdict v, w;

	filter_check(f, host, port, url, &v);
	filter_check(g, host, port, url, &w);
	if (v.allowed != w.allowed || v.line != w.line)
		abort();
	if ((v.rule == NULL) != (w.rule == NULL) ||
	    (v.rule != NULL && strcmp(v.rule, w.rule) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter_options opt;
	struct filter *f, *g;
	const char *text = (const char *)data + 1;
	size_t i, j, vlen, clen;
	char *vis;

	if (size == 0)
		return 0;
	fuzz_filter_options(data[0], &opt);
	f = filter_load_buffer("fuzz", text, size - 1, &opt, NULL, NULL);
	if (f == NULL)
		return 0;
	for (i = 0; i < f->n_rules; i++) {
		size_t n = strlen(f->rules[i].text);

		if (text_find_invisible(f->rules[i].text, n, &clen) != n)
			abort();
	}
	vis = visible(text, size - 1, &vlen);
	g = filter_load_buffer("fuzz", vis, vlen, &opt, NULL, NULL);
	if (g == NULL || filter_count(g) != filter_count(f))
		abort();
	for (i = 0; i < sizeof(HOSTS) / sizeof(HOSTS[0]); i++)
		for (j = 0; j < sizeof(URLS) / sizeof(URLS[0]); j++)
			same(f, g, HOSTS[i], (uint16_t)(j == 1 ? 443 : 80),
			     URLS[j]);
	filter_free(g);
	filter_free(f);
	free(vis);
	return 0;
}
