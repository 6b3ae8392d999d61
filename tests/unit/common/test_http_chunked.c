#include "http_parse.h"

#include <stdlib.h>

#include "guard.h"
#include "tap.h"
#include "util.h"

#define TAIL "GET http://next/ HTTP/1.1\r\n"

static const char *const valid[] = {
    "0\r\n\r\n",
    "5\r\nhello\r\n0\r\n\r\n",
    "5\r\nhello\r\n6\r\n world\r\n000\r\n\r\n",
    "A\r\n0123456789\r\na\r\n\r\n\r\n\r\n\r\n\r\n\r\n0\r\n\r\n",
    "0000000000000000000003\r\nabc\r\n0\r\n\r\n",
    "3;ext\r\nabc\r\n0;last=1\r\n\r\n",
    "3 ;a=b ; c ;d = \"q\\\"x;y\"\r\nabc\r\n0\r\n\r\n",
    "3;a=\"\"\r\nabc\r\n0\r\n\r\n",
    "3\t;\ta\t=\tb\r\nabc\r\n0\r\n\r\n",
    "1\r\n\r\r\n0\r\nX-Sum: 1\r\nX-Empty:\r\nY:  a b \t\r\n\r\n",
    "2\r\n\r\n\r\n0\r\nCrlf: \xff\r\n\r\n",
};

static const char *const invalid[] = {
    "\r\n",
    "-5\r\nhello\r\n0\r\n\r\n",
    "+5\r\nhello\r\n0\r\n\r\n",
    "0x5\r\nhello\r\n0\r\n\r\n",
    " 5\r\nhello\r\n0\r\n\r\n",
    "5 \r\nhello\r\n0\r\n\r\n",
    "5\t\r\nhello\r\n0\r\n\r\n",
    "g\r\n",
    "5\nhello\r\n0\r\n\r\n",
    "5\rhello\r\n0\r\n\r\n",
    "5\r\nhelloX\r\n0\r\n\r\n",
    "5\r\nhello\n0\r\n\r\n",
    "5\r\nhello\r0\r\n\r\n",
    "5\r\nhello\r\n0\r\n\n",
    "5\r\nhello\r\n0\r\r\n",
    "8000000000000000\r\n",
    "10000000000000000\r\n",
    "ffffffffffffffffff\r\n",
    "3;\r\nabc\r\n0\r\n\r\n",
    "3;=x\r\nabc\r\n0\r\n\r\n",
    "3;a=\r\nabc\r\n0\r\n\r\n",
    "3;a \r\nabc\r\n0\r\n\r\n",
    "3;a=b \r\nabc\r\n0\r\n\r\n",
    "3;a b\r\nabc\r\n0\r\n\r\n",
    "3;a=\"x\r\nabc\r\n0\r\n\r\n",
    "3;a=\"x\" \r\nabc\r\n0\r\n\r\n",
    "3;a=\"x\"y\r\nabc\r\n0\r\n\r\n",
    "3;a=\"\x01\"\r\nabc\r\n0\r\n\r\n",
    "3;a=b=c\r\nabc\r\n0\r\n\r\n",
    "3;a(b)\r\nabc\r\n0\r\n\r\n",
    "0\r\n X: a\r\n\r\n",
    "0\r\nX : a\r\n\r\n",
    "0\r\nX\r\n\r\n",
    "0\r\n: a\r\n\r\n",
    "0\r\nX: a\x01\r\n\r\n",
    "0\r\nX: a\x7f\r\n\r\n",
    "0\r\nX: a\nY: b\r\n\r\n",
    "0\r\nX: a\rb\r\n\r\n",
    "0\r\nX: a\r\n b\r\n\r\n",
};

struct feed_result {
	enum http_chunked_result r;
	size_t used;         /* bytes of the body over all pieces */
	int more_after_done; /* a piece after DONE or BAD */
	int used_wrong;      /* MORE with used != len */
};

/* Feeds s in pieces ending at the given cut points (ascending, the last
 * one n), each piece placed against the guard page. */
static struct feed_result feed_cuts(const char *s, const size_t *cuts,
                                    size_t ncuts)
{
	struct http_chunked c;
	struct feed_result fr = {HTTP_CHUNKED_MORE, 0, 0, 0};
	size_t i, from = 0, used;

	http_chunked_init(&c);
	for (i = 0; i < ncuts; i++) {
		size_t len = cuts[i] - from;

		if (fr.r != HTTP_CHUNKED_MORE) {
			fr.more_after_done = 1;
			break;
		}
		fr.r = http_chunked_feed(&c, guard_place(s + from, len), len,
		                         &used);
		if (fr.r == HTTP_CHUNKED_MORE && used != len)
			fr.used_wrong = 1;
		if (fr.r != HTTP_CHUNKED_BAD)
			fr.used += used;
		from = cuts[i];
	}
	return fr;
}

static struct feed_result feed_whole(const char *s, size_t n)
{
	return feed_cuts(s, &n, 1);
}

/* The tracker's answer for s fed whole, split at every point, split at
 * every pair of points, and one byte at a time must be the same. */
static int same_for_every_split(const char *s, size_t n,
                                struct feed_result want)
{
	size_t cuts[3], i, j, *one;
	struct feed_result fr;
	int good = 1;

	for (i = 1; i < n; i++) {
		cuts[0] = i;
		cuts[1] = n;
		fr = feed_cuts(s, cuts, 2);
		if (fr.r != want.r ||
		    (want.r == HTTP_CHUNKED_DONE && fr.used != want.used) ||
		    fr.used_wrong) {
			printf("# split at %zu: r=%d used=%zu\n", i, fr.r,
			       fr.used);
			good = 0;
		}
	}
	for (i = 1; i < n && n < 200; i++)
		for (j = i + 1; j < n; j++) {
			cuts[0] = i;
			cuts[1] = j;
			cuts[2] = n;
			fr = feed_cuts(s, cuts, 3);
			if (fr.r != want.r || (want.r == HTTP_CHUNKED_DONE &&
			                       fr.used != want.used))
				good = 0;
		}
	one = malloc(n * sizeof(*one));
	for (i = 0; i < n; i++)
		one[i] = i + 1;
	fr = feed_cuts(s, one, n);
	free(one);
	if (fr.r != want.r ||
	    (want.r == HTTP_CHUNKED_DONE && fr.used != want.used)) {
		printf("# byte by byte: r=%d used=%zu\n", fr.r, fr.used);
		good = 0;
	}
	return good;
}

static void test_valid(void)
{
	char buf[512];
	size_t i;

	for (i = 0; i < ARRAY_LEN(valid); i++) {
		size_t body = strlen(valid[i]), n;
		struct feed_result fr;

		snprintf(buf, sizeof(buf), "%s%s", valid[i], TAIL);
		n = strlen(buf);
		fr = feed_whole(buf, n);
		is_int(fr.r, HTTP_CHUNKED_DONE, "valid %zu: DONE", i);
		is_int(fr.used, body, "valid %zu: used stops at the end", i);
		is_str(buf + fr.used, TAIL, "valid %zu: the rest follows", i);
		ok(same_for_every_split(buf, n, fr), "valid %zu: every split",
		   i);
		fr = feed_whole(valid[i], body - 1);
		is_int(fr.r, HTTP_CHUNKED_MORE,
		       "valid %zu: all but the last "
		       "byte is MORE",
		       i);
		is_int(fr.used, body - 1, "valid %zu: and uses all", i);
	}
}

static void test_invalid(void)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(invalid); i++) {
		size_t n = strlen(invalid[i]);
		struct feed_result fr = feed_whole(invalid[i], n);

		is_int(fr.r, HTTP_CHUNKED_BAD, "invalid %zu: BAD", i);
		ok(same_for_every_split(invalid[i], n, fr),
		   "invalid %zu: BAD for every split", i);
	}
}

static void test_sizes(void)
{
	struct http_chunked c;
	size_t used;
	enum http_chunked_result r;

	http_chunked_init(&c);
	r = http_chunked_feed(&c, "7fffffffffffffff\r\n", 18, &used);
	is_int(r, HTTP_CHUNKED_MORE, "2^63-1 is accepted");
	ok(c.remaining == 0x7fffffffffffffffULL, "and awaited");
	r = http_chunked_feed(&c, "abc", 3, &used);
	is_int(r, HTTP_CHUNKED_MORE, "data counts down");
	ok(c.remaining == 0x7fffffffffffffffULL - 3, "remaining");

	http_chunked_init(&c);
	r = http_chunked_feed(&c, "000000007FFFFFFFFFFFFFFF\r\n", 26, &used);
	is_int(r, HTTP_CHUNKED_MORE, "leading zeros do not count");

	http_chunked_init(&c);
	r = http_chunked_feed(&c, "5\r\nhello\r\n0\r\n\r\n", 15, &used);
	is_int(r, HTTP_CHUNKED_DONE, "done");
	is_int(used, 15, "used");
	r = http_chunked_feed(&c, "more", 4, &used);
	is_int(r, HTTP_CHUNKED_DONE, "after DONE: still DONE");
	is_int(used, 0, "after DONE: nothing used");
	r = http_chunked_feed(&c, "", 0, &used);
	is_int(r, HTTP_CHUNKED_DONE, "after DONE, empty feed");

	http_chunked_init(&c);
	r = http_chunked_feed(&c, "", 0, &used);
	is_int(r, HTTP_CHUNKED_MORE, "empty feed");
	is_int(used, 0, "empty feed uses nothing");
	r = http_chunked_feed(&c, "x", 1, &used);
	is_int(r, HTTP_CHUNKED_BAD, "bad");
	r = http_chunked_feed(&c, "0\r\n\r\n", 5, &used);
	is_int(r, HTTP_CHUNKED_BAD, "after BAD: still BAD");
}

static void test_limits(void)
{
	static char buf[20000];
	struct feed_result fr;
	size_t n;

	/* size line "1;x=" + padding: exactly 4096 bytes before CRLF */
	strcpy(buf, "1;x=");
	memset(buf + 4, 'a', 4092);
	strcpy(buf + 4096, "\r\nZ\r\n0\r\n\r\n");
	n = strlen(buf);
	fr = feed_whole(buf, n);
	is_int(fr.r, HTTP_CHUNKED_DONE, "size line of 4096 bytes");
	is_int(fr.used, n, "all used");
	strcpy(buf, "1;x=");
	memset(buf + 4, 'a', 4093);
	strcpy(buf + 4097, "\r\nZ\r\n0\r\n\r\n");
	fr = feed_whole(buf, strlen(buf));
	is_int(fr.r, HTTP_CHUNKED_BAD, "size line of 4097 bytes");
	fr = feed_whole(buf, 4097);
	is_int(fr.r, HTTP_CHUNKED_BAD, "BAD before its CRLF arrives");
	fr = feed_whole(buf, 4096);
	is_int(fr.r, HTTP_CHUNKED_MORE, "4096 bytes of it: more");
	memset(buf, '0', 4096);
	strcpy(buf + 4096, "\r\n\r\n");
	fr = feed_whole(buf, strlen(buf));
	is_int(fr.r, HTTP_CHUNKED_DONE, "4096 zeros as the last chunk");
	memset(buf, '0', 4097);
	strcpy(buf + 4097, "\r\n\r\n");
	fr = feed_whole(buf, strlen(buf));
	is_int(fr.r, HTTP_CHUNKED_BAD, "4097 zeros");

	/* trailers of exactly 8192 bytes: "0\r\n" + fields + "\r\n" */
	strcpy(buf, "0\r\n");
	memcpy(buf + 3, "T: ", 3);
	memset(buf + 6, 'v', 8192 - 5);
	strcpy(buf + 3 + 8192 - 2, "\r\n\r\n");
	n = strlen(buf);
	is_int(n, 3 + 8192 + 2, "built 8192 bytes of trailers");
	fr = feed_whole(buf, n);
	is_int(fr.r, HTTP_CHUNKED_DONE, "trailers at the limit");
	is_int(fr.used, n, "all used");
	memcpy(buf + 3, "T: ", 3);
	memset(buf + 6, 'v', 8192 - 4);
	strcpy(buf + 3 + 8192 - 1, "\r\n\r\n");
	fr = feed_whole(buf, strlen(buf));
	is_int(fr.r, HTTP_CHUNKED_BAD, "trailers one past the limit");
	/* the same limit over several fields */
	strcpy(buf, "0\r\n");
	for (n = 0; n < 1024; n++)
		strcat(buf, "A: 1234\r\n");
	strcat(buf, "\r\n");
	fr = feed_whole(buf, strlen(buf));
	is_int(fr.r, HTTP_CHUNKED_BAD, "1024 trailer fields of 9 bytes");
	strcpy(buf, "0\r\n");
	for (n = 0; n < 1024; n++)
		strcat(buf, "A: 123\r\n");
	strcat(buf, "\r\n");
	fr = feed_whole(buf, strlen(buf));
	is_int(fr.r, HTTP_CHUNKED_DONE, "1024 trailer fields of 8 bytes");
}

static void test_big_data(void)
{
	struct http_chunked c;
	static char data[70000];
	size_t used, total = 0, off;
	enum http_chunked_result r;

	/* a 65536-byte chunk fed in uneven pieces */
	http_chunked_init(&c);
	r = http_chunked_feed(&c, "10000\r\n", 7, &used);
	is_int(r, HTTP_CHUNKED_MORE, "64 KiB chunk header");
	memset(data, '\r', sizeof(data));
	for (off = 0; off < 65536; off += 997) {
		size_t len = 65536 - off < 997 ? 65536 - off : 997;
		r = http_chunked_feed(&c, data, len, &used);
		if (r != HTTP_CHUNKED_MORE || used != len)
			break;
		total += used;
	}
	is_int(total, 65536, "chunk data of CRs passes untouched");
	r = http_chunked_feed(&c, "\r\n0\r\n\r\nX", 8, &used);
	is_int(r, HTTP_CHUNKED_DONE, "then the end");
	is_int(used, 7, "up to the final CRLF");
}

int main(void)
{
	test_valid();
	test_invalid();
	test_sizes();
	test_limits();
	test_big_data();
	return done();
}
