#include "http_parse.h"

#include <stdlib.h>

#include "guard.h"
#include "slice.h"
#include "tap.h"

static const struct http_limits deflim = {8192, 8192, 100, 32768};
static struct http_response resp;
static const char *why;

/* Parses the n bytes at s, placed against the guard page. */
static enum http_parse parse_n(const char *s, size_t n,
                               const struct http_limits *lim, int is_head,
                               int is_connect)
{
	why = NULL;
	return http_parse_response(guard_place(s, n), n, lim, is_head,
	                           is_connect, &resp, &why);
}

static enum http_parse parse(const char *s)
{
	return parse_n(s, strlen(s), &deflim, 0, 0);
}

static void check_prefixes(const char *s, const struct http_limits *lim)
{
	size_t n = strlen(s), k, bad = 0;

	for (k = 0; k < n; k++)
		if (parse_n(s, k, lim, 0, 0) != HTTP_PARSE_INCOMPLETE)
			bad++;
	is_int(bad, 0, "every prefix of a %zu-byte head is INCOMPLETE", n);
	is_int(parse_n(s, n, lim, 0, 0), HTTP_PARSE_DONE,
	       "and the whole is DONE");
}

static void bad(const char *s, const char *what)
{
	enum http_parse r = parse(s);

	is_int(r, HTTP_PARSE_BAD, "BAD: %s (%s)", what, why ? why : "-");
}

/* The body framing of s as an answer to a plain, HEAD or CONNECT request. */
static void framing(const char *s, int is_head, int is_connect,
                    enum http_body body, int keep_alive, const char *what)
{
	enum http_parse r = parse_n(s, strlen(s), &deflim, is_head, is_connect);

	is_int(r, HTTP_PARSE_DONE, "DONE: %s", what);
	is_int(resp.body, body, "body: %s", what);
	is_int(resp.keep_alive, keep_alive, "keep_alive: %s", what);
}

static void test_status_line(void)
{
	const char *s = "HTTP/1.1 404 Not\tFound \xff\r\n"
	                "Content-Length: 12\r\n"
	                "Server:  x \r\n"
	                "\r\n";
	char with_body[256];

	snprintf(with_body, sizeof(with_body), "%sHello world!", s);
	is_int(parse(with_body), HTTP_PARSE_DONE, "404");
	is_int(resp.minor, 1, "minor");
	is_int(resp.status, 404, "status");
	is_str(slice(resp.reason), "Not\tFound \xff", "reason as sent");
	is_int(resp.head_len, strlen(s), "head_len");
	is_int(resp.n_headers, 2, "2 headers");
	is_str(slice(resp.headers[1].value), "x", "value trimmed");
	is_int(resp.body, HTTP_BODY_LENGTH, "CL body");
	is_int(resp.content_length, 12, "CL value");
	is_int(resp.keep_alive, 1, "1.1 keeps alive");
	check_prefixes(s, &deflim);

	is_int(parse("HTTP/1.1 200 \r\n\r\n"), HTTP_PARSE_DONE, "empty reason");
	is_int(resp.reason.n, 0, "empty reason is empty");
	is_int(parse("HTTP/1.0 200\r\n\r\n"), HTTP_PARSE_DONE, "no reason");
	is_int(resp.reason.n, 0, "no reason is empty");
	is_int(resp.minor, 0, "minor 0");
	is_int(parse("HTTP/1.1 100 Continue\r\n\r\n"), HTTP_PARSE_DONE, "100");
	is_int(parse("HTTP/1.1 599 x\r\n\r\n"), HTTP_PARSE_DONE, "599");
	check_prefixes("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", &deflim);

	bad("HTTP/1.1 099 x\r\n\r\n", "status 099");
	bad("HTTP/1.1 600 x\r\n\r\n", "status 600");
	bad("HTTP/1.1 20 x\r\n\r\n", "two digits");
	bad("HTTP/1.1 2000 x\r\n\r\n", "four digits");
	bad("HTTP/1.1 2x0 x\r\n\r\n", "non-digit");
	bad("HTTP/1.1  200 x\r\n\r\n", "two spaces");
	bad("HTTP/1.1200 x\r\n\r\n", "no space");
	bad("HTTP/1.2 200 x\r\n\r\n", "HTTP/1.2");
	bad("HTTP/2 200 x\r\n\r\n", "HTTP/2");
	bad("http/1.1 200 x\r\n\r\n", "lower case");
	bad("ICY 200 OK\r\n\r\n", "not HTTP");
	bad("\r\nHTTP/1.1 200 x\r\n\r\n", "leading CRLF");
	is_int(parse("HTTP/1.1 200 x\n\r\n"), HTTP_PARSE_DONE,
	       "lone LF status line (see test_lone_lf)");
	bad("HTTP/1.1 200 x\rY\r\n\r\n", "bare CR status line");
	bad("HTTP/1.1 200 x\x01y\r\n\r\n", "control in reason");
	bad("HTTP/1.1 200 x\r\nA : b\r\n\r\n", "space before colon");
	bad("HTTP/1.1 200 x\r\nA: b\r\n c\r\n\r\n", "obs-fold");
	is_int(parse("HTTP/1.1 200 x\r\nA: b\nC: d\r\n\r\n"), HTTP_PARSE_DONE,
	       "lone LF field line");
	is_int(resp.n_headers, 2, "two fields, not one with an LF");
	bad("HTTP/1.1 200 x\r\nA: b\x7f\r\n\r\n", "DEL in value");
}

static void test_framing(void)
{
	framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 0,
	        HTTP_BODY_CHUNKED, 1, "chunked");
	framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n",
	        0, 0, HTTP_BODY_CHUNKED, 1, "gzip, chunked");
	framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: x-gzip,deflate , "
	        "compress,X-Compress, chunked\r\n\r\n",
	        0, 0, HTTP_BODY_CHUNKED, 1, "every known coding, then chunked");
	framing("HTTP/1.1 200 OK\r\n\r\n", 0, 0, HTTP_BODY_CLOSE, 0,
	        "no framing: until close");
	framing("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0,
	        HTTP_BODY_NONE, 1, "CL 0");
	framing(
	    "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n", 0,
	    0, HTTP_BODY_LENGTH, 1, "CL 2^63-1");
	ok(resp.content_length == 9223372036854775807ULL, "CL max value");
	framing("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 1, 0,
	        HTTP_BODY_NONE, 1, "HEAD with CL");
	framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 1, 0,
	        HTTP_BODY_NONE, 1, "HEAD with chunked");
	framing("HTTP/1.1 200 OK\r\n\r\n", 1, 0, HTTP_BODY_NONE, 1,
	        "HEAD without framing");
	framing("HTTP/1.1 100 Continue\r\n\r\n", 0, 0, HTTP_BODY_NONE, 1,
	        "100");
	framing("HTTP/1.1 101 Switching\r\nConnection: upgrade\r\n\r\n", 0, 0,
	        HTTP_BODY_NONE, 1, "101");
	framing("HTTP/1.1 204 No\r\nContent-Length: 5\r\n\r\n", 0, 0,
	        HTTP_BODY_NONE, 1, "204 with CL");
	framing("HTTP/1.1 304 NM\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 0,
	        HTTP_BODY_NONE, 1, "304 with chunked");
	framing("HTTP/1.1 200 OK\r\n\r\n", 0, 1, HTTP_BODY_NONE, 1,
	        "2xx to CONNECT");
	framing("HTTP/1.1 299 OK\r\nContent-Length: 5\r\n\r\n", 0, 1,
	        HTTP_BODY_NONE, 1, "299 to CONNECT");
	framing("HTTP/1.1 407 Auth\r\nContent-Length: 5\r\n\r\n", 0, 1,
	        HTTP_BODY_LENGTH, 1, "407 to CONNECT has a body");
	framing("HTTP/1.1 205 Reset\r\nContent-Length: 0\r\n\r\n", 0, 0,
	        HTTP_BODY_NONE, 1, "205 with CL 0");

	bad("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "CL and TE");
	bad("HTTP/1.1 304 OK\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "CL and TE even without a body");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "two TE fields");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
	    "chunked twice");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
	    "TE parameter");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
	    "chunked not final");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,\r\n\r\n",
	    "empty element after chunked");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked , \t,\r\n\r\n",
	    "empty elements after chunked");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	    "gzip without chunked");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: br, chunked\r\n\r\n",
	    "unknown coding before chunked");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n",
	    "identity (removed from the registry)");
	bad("HTTP/1.1 304 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
	    "chunked not final, even without a body");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n", "TE empty");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n", "TE only comma");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: a b\r\n\r\n", "TE a b");
	bad("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "TE in HTTP/1.0");
	bad("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
	    "equal CL twice");
	bad("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", "CL list");
	bad("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", "CL sign");
	bad("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", "CL junk");
	bad("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n",
	    "CL 2^63");
	bad("HTTP/1.1 204 OK\r\nContent-Length: x\r\n\r\n",
	    "invalid CL even without a body");
}

static void test_lone_lf(void)
{
	const char *s = "HTTP/1.1 200 OK\n"
	                "Content-Length: 2\n"
	                "X-A: a \r\n"
	                "X-B:b\n"
	                "\n";
	char with_body[128];

	snprintf(with_body, sizeof(with_body), "%shi", s);
	is_int(parse(with_body), HTTP_PARSE_DONE, "lone LF line ends");
	is_int(resp.head_len, strlen(s), "head_len after the LF blank line");
	is_int(resp.n_headers, 3, "3 headers");
	is_str(slice(resp.reason), "OK", "reason without the LF");
	is_str(slice(resp.headers[0].value), "2", "CL value");
	is_str(slice(resp.headers[1].value), "a", "CRLF line among LF ones");
	is_str(slice(resp.headers[2].value), "b", "last value");
	is_int(resp.body, HTTP_BODY_LENGTH, "framed by length");
	check_prefixes(s, &deflim);
	is_int(parse("HTTP/1.0 200\n\n"), HTTP_PARSE_DONE,
	       "LF-only head without reason");
	is_int(resp.head_len, 14, "its head_len");
	is_int(parse("HTTP/1.1 204 No\r\n\n"), HTTP_PARSE_DONE,
	       "CRLF start line, LF blank line");
	bad("HTTP/1.1 200 OK\rX: y\r\n\r\n", "bare CR after the start line");
	bad("HTTP/1.1 200 OK\r\nX: y\r\r\n\r\n", "CR CR LF");
	bad("HTTP/1.1 200 OK\nX: y\n\r\r\n", "bare CR as blank line");
	bad("HTTP/1.1 200 OK\nX\n\n", "field without colon");
	bad("HTTP/1.1 200 OK\nX: a\n b\n\n", "obs-fold after LF");
	bad("HTTP/1.1 200 OK\n X: a\n\n", "indented first field");
}

static void test_keep_alive(void)
{
	framing("HTTP/1.1 200 OK\r\nConnection: close\r\n"
	        "Content-Length: 1\r\n\r\n",
	        0, 0, HTTP_BODY_LENGTH, 0, "1.1 close");
	framing("HTTP/1.1 200 OK\r\nConnection: x, CLOSE\r\n"
	        "Content-Length: 1\r\n\r\n",
	        0, 0, HTTP_BODY_LENGTH, 0, "1.1 close in a list");
	framing("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", 0, 0,
	        HTTP_BODY_LENGTH, 0, "1.0 default");
	framing("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
	        "Content-Length: 1\r\n\r\n",
	        0, 0, HTTP_BODY_LENGTH, 1, "1.0 keep-alive");
	framing("HTTP/1.0 200 OK\r\nProxy-Connection: keep-alive\r\n"
	        "Content-Length: 1\r\n\r\n",
	        0, 0, HTTP_BODY_LENGTH, 0,
	        "Proxy-Connection means nothing from a server");
	framing("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", 0, 0,
	        HTTP_BODY_CLOSE, 0, "1.0 keep-alive but close-delimited");
	bad("HTTP/1.1 200 OK\r\nConnection: a b\r\n\r\n", "Connection a b");
}

static void test_limits(void)
{
	struct http_limits lim = {30, 30, 2, 90};
	char buf[300];

	/* "HTTP/1.1 200 " is 13 bytes */
	snprintf(buf, sizeof(buf), "HTTP/1.1 200 %017d\r\n\r\n", 0);
	is_int(parse_n(buf, strlen(buf), &lim, 0, 0), HTTP_PARSE_DONE,
	       "status line at the limit");
	check_prefixes(buf, &lim);
	snprintf(buf, sizeof(buf), "HTTP/1.1 200 %018d\r\n\r\n", 0);
	is_int(parse_n(buf, strlen(buf), &lim, 0, 0), HTTP_PARSE_TOO_LARGE,
	       "status line one past the limit");
	is_int(parse_n(buf, 31, &lim, 0, 0), HTTP_PARSE_TOO_LARGE,
	       "31 bytes without CRLF: too large at once");
	is_int(parse_n(buf, 30, &lim, 0, 0), HTTP_PARSE_INCOMPLETE,
	       "30 bytes without CRLF: wait");

	snprintf(buf, sizeof(buf), "HTTP/1.1 200\r\nX: %027d\r\n\r\n", 0);
	is_int(parse_n(buf, strlen(buf), &lim, 0, 0), HTTP_PARSE_DONE,
	       "field line at the limit");
	snprintf(buf, sizeof(buf), "HTTP/1.1 200\r\nX: %028d\r\n\r\n", 0);
	is_int(parse_n(buf, strlen(buf), &lim, 0, 0), HTTP_PARSE_TOO_LARGE,
	       "field line one past the limit");

	strcpy(buf, "HTTP/1.1 200\r\nA: 1\r\nB: 2\r\n\r\n");
	is_int(parse_n(buf, strlen(buf), &lim, 0, 0), HTTP_PARSE_DONE,
	       "field count at the limit");
	strcpy(buf, "HTTP/1.1 200\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
	is_int(parse_n(buf, strlen(buf), &lim, 0, 0), HTTP_PARSE_TOO_LARGE,
	       "field count one past the limit");

	/* 32 + 32 + 24 + 2 = 90 */
	snprintf(buf, sizeof(buf),
	         "HTTP/1.1 200 %017d\r\nA: %027d\r\nB: %019d\r\n\r\n", 0, 0, 0);
	is_int(strlen(buf), 90, "head built to 90 bytes");
	is_int(parse_n(buf, strlen(buf), &lim, 0, 0), HTTP_PARSE_DONE,
	       "head at the size limit");
	check_prefixes(buf, &lim);
	snprintf(buf, sizeof(buf),
	         "HTTP/1.1 200 %017d\r\nA: %027d\r\nB: %020d\r\n\r\n", 0, 0, 0);
	is_int(parse_n(buf, strlen(buf), &lim, 0, 0), HTTP_PARSE_TOO_LARGE,
	       "head one past the size limit");
	is_int(parse_n(buf, 90, &lim, 0, 0), HTTP_PARSE_INCOMPLETE,
	       "90 bytes of it: wait");
	is_int(parse_n(buf, 91, &lim, 0, 0), HTTP_PARSE_TOO_LARGE,
	       "91 bytes of it: too large");
}

int main(void)
{
	test_status_line();
	test_framing();
	test_lone_lf();
	test_keep_alive();
	test_limits();
	return done();
}
