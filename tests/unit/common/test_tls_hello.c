#include "tls_hello.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "tap.h"

#define DATA "tests/unit/data/tls/"

/* A ClientHello body under construction. */
struct hello {
	uint8_t b[TLS_HELLO_MAX + 64];
	size_t n;
};

static void put(struct hello *h, const void *p, size_t n)
{
	memcpy(h->b + h->n, p, n);
	h->n += n;
}

static void put16(struct hello *h, size_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(h, b, 2);
}

static void ext(struct hello *h, unsigned type, const void *p, size_t n)
{
	put16(h, type);
	put16(h, n);
	put(h, p, n);
}

static void sni_ext(struct hello *h, const char *name)
{
	uint8_t b[300];
	size_t n = strlen(name);

	b[0] = (uint8_t)((n + 3) >> 8);
	b[1] = (uint8_t)(n + 3);
	b[2] = 0;
	b[3] = (uint8_t)(n >> 8);
	b[4] = (uint8_t)n;
	memcpy(b + 5, name, n);
	ext(h, TLS_EXT_SERVER_NAME, b, n + 5);
}

/* The fixed part: version, random, session id, one suite, null
 * compression. */
static void start(struct hello *h)
{
	static const uint8_t fixed[] = {3, 3};
	uint8_t random[32] = {0};

	h->n = 0;
	put(h, fixed, 2);
	put(h, random, 32);
	put(h, "\x00", 1);
	put(h, "\x00\x02\x13\x01", 4);
	put(h, "\x01\x00", 2);
}

/* Wraps body (the extensions given as exts, exts_n bytes) into a
 * handshake message cut into records of at most rec bytes. */
static size_t wrap(uint8_t *out, const struct hello *fixed,
                   const struct hello *exts, size_t rec)
{
	static uint8_t msg[TLS_HELLO_MAX + 128];
	size_t body = fixed->n + (exts ? exts->n + 2 : 0), m = 0, o = 0;

	msg[m++] = 1;
	msg[m++] = (uint8_t)(body >> 16);
	msg[m++] = (uint8_t)(body >> 8);
	msg[m++] = (uint8_t)body;
	memcpy(msg + m, fixed->b, fixed->n);
	m += fixed->n;
	if (exts) {
		msg[m++] = (uint8_t)(exts->n >> 8);
		msg[m++] = (uint8_t)exts->n;
		memcpy(msg + m, exts->b, exts->n);
		m += exts->n;
	}
	for (size_t at = 0; at < m; at += rec) {
		size_t k = m - at < rec ? m - at : rec;
		out[o++] = 22;
		out[o++] = 3;
		out[o++] = 1;
		out[o++] = (uint8_t)(k >> 8);
		out[o++] = (uint8_t)k;
		memcpy(out + o, msg + at, k);
		o += k;
	}
	return o;
}

static uint8_t wire[2 * TLS_HELLO_MAX];

static enum tls_hello_result parse(const uint8_t *p, size_t n,
                                   struct tls_hello *out, const char **why)
{
	return tls_hello_parse((const uint8_t *)guard_place(p, n), n, out, why);
}

static size_t with_sni(const char *name, size_t rec)
{
	static struct hello fixed, exts;

	start(&fixed);
	exts.n = 0;
	ext(&exts, 10, "\x00\x02\x00\x1d", 4);
	sni_ext(&exts, name);
	ext(&exts, 43, "\x02\x03\x04", 3);
	return wrap(wire, &fixed, &exts, rec);
}

/* Every proper prefix asks for more, the whole gives the name. */
static void check_prefixes(const uint8_t *p, size_t n, const char *name,
                           const char *what)
{
	struct tls_hello h;
	const char *why;
	size_t i, wrong = 0;

	for (i = 0; i < n; i++)
		if (parse(p, i, &h, &why) != TLS_HELLO_INCOMPLETE)
			wrong++;
	is_int(wrong, 0, "%s: every prefix is incomplete", what);
	is_int(parse(p, n, &h, &why), TLS_HELLO_DONE, "%s: whole", what);
	is_str(h.server_name, name, "%s: server name", what);
	is_int(h.length, n, "%s: length", what);
}

static uint8_t *slurp(const char *path, size_t *n)
{
	static uint8_t buf[65536];
	FILE *f = fopen(path, "rb");

	*n = 0;
	if (f == NULL)
		return NULL;
	*n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return buf;
}

static void real_clients(void)
{
	static const struct {
		const char *file, *name;
		int ech;
	} cases[] = {
	    {DATA "curl.bin", "www.example.com", 0},
	    {DATA "chromium.bin", "www.example.com", 1},
	    {DATA "openssl-tls12.bin", "mixed.example.org", 0},
	    {DATA "openssl-nosni.bin", "", 0},
	};
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *p = slurp(cases[i].file, &n);
		struct tls_hello h;
		const char *why;

		if (!ok(p != NULL && n > 0, "%s read", cases[i].file))
			continue;
		check_prefixes(p, n, cases[i].name, cases[i].file);
		parse(p, n, &h, &why);
		is_int(h.has_ech, cases[i].ech, "%s: ECH", cases[i].file);
	}
}

static void records(void)
{
	static const size_t sizes[] = {1, 2, 5, 7, 64, 16384};
	struct tls_hello h;
	const char *why;
	size_t i, n;
	char what[64];

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = with_sni("Split.Example.COM.", sizes[i]);
		snprintf(what, sizeof(what), "records of %zu bytes", sizes[i]);
		check_prefixes(wire, n, "split.example.com", what);
	}
	/* Bytes after the ClientHello's records are not ours to read. */
	n = with_sni("a.example", 16384);
	memcpy(wire + n, "\x14\x03\x03\x00\x01\x01", 6);
	is_int(parse(wire, n + 6, &h, &why), TLS_HELLO_DONE,
	       "a record after the ClientHello");
	is_int(h.length, n, "its length stops before it");
}

static void expect_bad(const uint8_t *p, size_t n, const char *what)
{
	struct tls_hello h;
	const char *why = NULL;

	is_int(parse(p, n, &h, &why), TLS_HELLO_BAD, "%s", what);
	ok(why != NULL, "%s: says why (%s)", what, why ? why : "-");
}

static void bad_framing(void)
{
	struct tls_hello h;
	const char *why;
	size_t n;

	is_int(parse((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &h, &why),
	       TLS_HELLO_NOT_TLS, "HTTP is not TLS");
	is_int(parse((const uint8_t *)"\x80\x2e\x01", 3, &h, &why),
	       TLS_HELLO_NOT_TLS, "SSLv2 is not TLS");
	is_int(parse((const uint8_t *)"", 0, &h, &why), TLS_HELLO_INCOMPLETE,
	       "nothing yet");
	expect_bad((const uint8_t *)"\x16\x02", 2, "record version 2");
	expect_bad((const uint8_t *)"\x16\x03\x01\x00\x00", 5, "empty record");
	expect_bad((const uint8_t *)"\x16\x03\x01\x40\x01", 5,
	           "record over 16384 bytes");
	expect_bad((const uint8_t *)"\x16\x03\x01\x00\x04\x02\x00\x00\x00", 9,
	           "a ServerHello");
	expect_bad((const uint8_t *)"\x16\x03\x01\x00\x04\x01\x00\x80\x01", 9,
	           "ClientHello over the limit");

	n = with_sni("a.example", 7);
	wire[4 * 12] = 23; /* the 5th record: application data */
	expect_bad(wire, n, "another record type in the middle");

	n = with_sni("a.example", 16384);
	wire[3] = (uint8_t)((n - 5 + 2) >> 8);
	wire[4] = (uint8_t)(n - 5 + 2);
	wire[n] = 1;
	wire[n + 1] = 0;
	expect_bad(wire, n + 2, "handshake bytes after the ClientHello");
}

static void bad_fields(void)
{
	static struct hello fixed, exts;
	size_t n;

	start(&fixed);
	fixed.b[34] = 33;
	expect_bad(wire, wrap(wire, &fixed, NULL, 16384),
	           "session id of 33 bytes");
	start(&fixed);
	fixed.b[35] = 0;
	fixed.b[36] = 0;
	expect_bad(wire, wrap(wire, &fixed, NULL, 16384), "no cipher suite");
	start(&fixed);
	fixed.b[0] = 2;
	expect_bad(wire, wrap(wire, &fixed, NULL, 16384), "version 2.3");

	exts.n = 0;
	sni_ext(&exts, "a.example");
	sni_ext(&exts, "b.example");
	start(&fixed);
	expect_bad(wire, wrap(wire, &fixed, &exts, 16384),
	           "two server_name extensions");

	exts.n = 0;
	ext(&exts, TLS_EXT_SERVER_NAME,
	    "\x00\x10\x00\x00\x05"
	    "a.exa\x00\x00\x05"
	    "b.exa",
	    18);
	expect_bad(wire, wrap(wire, &fixed, &exts, 16384),
	           "two names in one server_name");

	exts.n = 0;
	ext(&exts, TLS_EXT_SERVER_NAME, "\x00\x08\x01\x00\x05hello", 10);
	expect_bad(wire, wrap(wire, &fixed, &exts, 16384), "unknown name type");

	exts.n = 0;
	sni_ext(&exts, "evil.example\x01.com");
	expect_bad(wire, wrap(wire, &fixed, &exts, 16384),
	           "control byte in the name");
	exts.n = 0;
	sni_ext(&exts, "a..example");
	expect_bad(wire, wrap(wire, &fixed, &exts, 16384), "empty label");

	exts.n = 0;
	ext(&exts, TLS_EXT_SERVER_NAME, "\x00\x09\x00\x00\x05hello", 10);
	expect_bad(wire, wrap(wire, &fixed, &exts, 16384),
	           "list length past the extension");

	exts.n = 0;
	ext(&exts, 43, "\x02\x03\x04", 3);
	exts.b[3] = 9; /* the extension claims 9 bytes */
	expect_bad(wire, wrap(wire, &fixed, &exts, 16384),
	           "extension past the ClientHello");

	exts.n = 0;
	ext(&exts, TLS_EXT_ECH, "\x00", 1);
	ext(&exts, TLS_EXT_ECH, "\x00", 1);
	expect_bad(wire, wrap(wire, &fixed, &exts, 16384), "two ECH");

	n = wrap(wire, &fixed, NULL, 16384);
	wire[8] = (uint8_t)(wire[8] + 1); /* message one byte longer */
	wire[4] = (uint8_t)(wire[4] + 1);
	wire[n] = 0;
	expect_bad(wire, n + 1, "one stray byte where extensions begin");
}

static void names_and_ech(void)
{
	static struct hello fixed, exts;
	struct tls_hello h;
	const char *why;
	char name[300];
	size_t n;

	start(&fixed);
	n = wrap(wire, &fixed, NULL, 16384);
	is_int(parse(wire, n, &h, &why), TLS_HELLO_DONE, "no extensions");
	is_str(h.server_name, "", "no extensions: no name");

	exts.n = 0;
	sni_ext(&exts, "public.example");
	ext(&exts, TLS_EXT_ECH, "\x00\x00\x01\x00\x01\x07\x00\x00\x00", 9);
	n = wrap(wire, &fixed, &exts, 16384);
	is_int(parse(wire, n, &h, &why), TLS_HELLO_DONE, "ECH outer");
	is_int(h.has_ech, 1, "ECH outer seen");
	is_str(h.server_name, "public.example", "ECH: the outer name");

	exts.n = 0;
	ext(&exts, TLS_EXT_ECH, "\x01", 1);
	n = wrap(wire, &fixed, &exts, 16384);
	is_int(parse(wire, n, &h, &why), TLS_HELLO_DONE, "ECH inner marker");
	is_int(h.has_ech, 0, "an inner marker is no ECH");

	/* 63-byte labels up to 253 bytes: the longest name DNS has. */
	memset(name, 'a', 253);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	is_int(parse(wire, with_sni(name, 16384), &h, &why), TLS_HELLO_DONE,
	       "253-byte name");
	is_int(strlen(h.server_name), 253, "253-byte name kept whole");
	name[253] = 'a';
	name[254] = '.';
	memset(name + 255, 'a', 2);
	name[257] = '\0';
	expect_bad(wire, with_sni(name, 16384), "257-byte name");
}

static void size_limit(void)
{
	static struct hello fixed, exts;
	struct tls_hello h;
	const char *why;
	size_t pad, n;

	start(&fixed);
	pad = TLS_HELLO_MAX - fixed.n - 2 - 4;
	exts.n = 0;
	put16(&exts, 21); /* padding */
	put16(&exts, pad);
	memset(exts.b + exts.n, 0, pad);
	exts.n += pad;
	n = wrap(wire, &fixed, &exts, 16384);
	is_int(parse(wire, n, &h, &why), TLS_HELLO_DONE,
	       "ClientHello of TLS_HELLO_MAX bytes over three records");
	exts.b[3]++;
	exts.n++;
	exts.b[exts.n - 1] = 0;
	expect_bad(wire, wrap(wire, &fixed, &exts, 16384),
	           "one byte over TLS_HELLO_MAX");
}

int main(void)
{
	real_clients();
	records();
	bad_framing();
	bad_fields();
	names_and_ech();
	size_limit();
	return done();
}
