#include "http_parse.h"

#include <stdlib.h>

#include "guard.h"
#include "slice.h"
#include "tap.h"
#include "util.h"

static const struct http_limits deflim = {8192, 8192, 100, 32768};
static struct http_request req;
static const char *why;
static int origin_ok; /* parse as http_parse_request_origin does */

/* Parses the n bytes at s, placed against the guard page. */
static enum http_parse parse_n(const char *s, size_t n,
                               const struct http_limits *lim)
{
	why = NULL;
	return (origin_ok ? http_parse_request_origin : http_parse_request)(
	    guard_place(s, n), n, lim, &req, &why);
}

static enum http_parse parse(const char *s)
{
	return parse_n(s, strlen(s), &deflim);
}

/* Every proper prefix of a valid head is INCOMPLETE; the whole is DONE. */
static void check_prefixes(const char *s, const struct http_limits *lim)
{
	size_t n = strlen(s), k, bad = 0;

	for (k = 0; k < n; k++)
		if (parse_n(s, k, lim) != HTTP_PARSE_INCOMPLETE)
			bad++;
	is_int(bad, 0, "every prefix of a %zu-byte head is INCOMPLETE", n);
	is_int(parse_n(s, n, lim), HTTP_PARSE_DONE, "and the whole is DONE");
}

static void bad(const char *s, const char *what)
{
	enum http_parse r = parse(s);

	is_int(r, HTTP_PARSE_BAD, "BAD: %s (%s)", what, why ? why : "-");
}

static void test_basic(void)
{
	const char *s = "GET http://Example.COM/a/b?c=d HTTP/1.1\r\n"
	                "Host: example.com\r\n"
	                "X-Spaced:  \t value with  spaces \t \r\n"
	                "X-Empty:\r\n"
	                "X-Obs: caf\xc3\xa9\r\n"
	                "\r\n";
	char with_body[256];

	snprintf(with_body, sizeof(with_body), "%sBODY", s);
	is_int(parse(with_body), HTTP_PARSE_DONE, "simple GET");
	is_str(slice(req.method), "GET", "method");
	is_str(slice(req.target), "http://Example.COM/a/b?c=d", "target");
	is_int(req.minor, 1, "minor");
	is_int(req.head_len, strlen(s), "head_len stops at blank line");
	is_int(req.n_headers, 4, "4 headers");
	is_str(slice(req.headers[0].name), "Host", "name 0");
	is_str(slice(req.headers[0].value), "example.com", "value 0");
	is_str(slice(req.headers[1].value), "value with  spaces",
	       "OWS trimmed, inner kept");
	is_int(req.headers[2].value.n, 0, "empty value");
	is_str(slice(req.headers[3].value), "caf\xc3\xa9", "obs-text kept");
	is_int(req.is_connect, 0, "not CONNECT");
	is_int(req.is_head, 0, "not HEAD");
	is_str(req.host, "example.com", "host normalised");
	is_int(req.port, 80, "default port");
	is_str(slice(req.path), "/a/b?c=d", "path and query");
	is_int(req.body, HTTP_BODY_NONE, "no body");
	is_int(req.keep_alive, 1, "1.1 keeps alive");
	is_int(req.expect_continue, 0, "no expect");
	ok(req.proxy_authorization == NULL, "no proxy auth");
	check_prefixes(s, &deflim);
}

static void test_targets(void)
{
	is_int(parse("GET HTTP://h.example:8080 HTTP/1.1\r\nHost: x\r\n\r\n"),
	       HTTP_PARSE_DONE, "scheme case-insensitive, no path");
	is_int(req.port, 8080, "explicit port");
	is_str(slice(req.path), "/", "empty path is /");
	is_int(req.path.n, 1, "path length 1");
	is_int(parse("GET http://h:/x HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "empty port");
	is_int(req.port, 80, "empty port is 80");
	is_int(parse("GET http://h:65535/ HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "port 65535");
	is_int(req.port, 65535, "port 65535 kept");
	is_int(parse("GET http://h:1/ HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "port 1");
	is_int(parse("GET http://h?q=1 HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "query without path");
	is_str(slice(req.path), "?q=1", "path starts at ?");
	is_str(req.host, "h", "host before ?");
	is_int(
	    parse("GET http://[2001:DB8::1]:81/x HTTP/1.1\r\nHost: h\r\n\r\n"),
	    HTTP_PARSE_DONE, "IPv6 literal");
	is_str(req.host, "2001:db8::1", "IPv6 brackets removed");
	is_int(req.port, 81, "IPv6 port");
	is_int(parse("GET http://[::1]/ HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "IPv6 literal without port");
	is_int(req.port, 80, "IPv6 default port");
	is_int(parse("GET http://example.com./ HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "trailing dot");
	is_str(req.host, "example.com", "trailing dot removed");
	is_int(parse("GET http://127.1/a@b HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "@ in the path is fine");
	is_str(req.host, "127.1", "IP tricks pass the parser unchanged");
	is_int(parse("HEAD http://h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "HEAD");
	is_int(req.is_head, 1, "is_head");

	is_int(parse("CONNECT Example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n"),
	       HTTP_PARSE_DONE, "CONNECT");
	is_int(req.is_connect, 1, "is_connect");
	is_str(req.host, "example.com", "CONNECT host");
	is_int(req.port, 443, "CONNECT port");
	is_int(req.path.n, 0, "CONNECT has no path");
	is_int(req.body, HTTP_BODY_NONE, "CONNECT has no body");
	is_int(parse("CONNECT [::1]:8443 HTTP/1.1\r\nHost: x\r\n\r\n"),
	       HTTP_PARSE_DONE, "CONNECT IPv6");
	is_str(req.host, "::1", "CONNECT IPv6 host");
	is_int(req.port, 8443, "CONNECT IPv6 port");
	is_int(parse("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n"
	             "Content-Length: 0\r\n\r\n"),
	       HTTP_PARSE_DONE, "CONNECT with Content-Length: 0");

	bad("GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n", "origin-form");
	bad("GET https://h/ HTTP/1.1\r\nHost: h\r\n\r\n", "https target");
	bad("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", "ftp target");
	bad("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "asterisk-form");
	bad("GET h:80 HTTP/1.1\r\nHost: h\r\n\r\n", "authority-form GET");
	bad("GET http://user@h/ HTTP/1.1\r\nHost: h\r\n\r\n", "userinfo");
	bad("GET http://u:p@h/ HTTP/1.1\r\nHost: h\r\n\r\n", "user:pass");
	bad("GET http://h:0/ HTTP/1.1\r\nHost: h\r\n\r\n", "port 0");
	bad("GET http://h:65536/ HTTP/1.1\r\nHost: h\r\n\r\n", "port 65536");
	bad("GET http://h:+80/ HTTP/1.1\r\nHost: h\r\n\r\n", "port sign");
	bad("GET http://h:8a/ HTTP/1.1\r\nHost: h\r\n\r\n", "port non-digit");
	bad("GET http://h:99999999999999999999999/ HTTP/1.1\r\nHost: h\r\n\r\n",
	    "port overflow");
	bad("GET http:/// HTTP/1.1\r\nHost: h\r\n\r\n", "empty host");
	bad("GET http:// HTTP/1.1\r\nHost: h\r\n\r\n", "nothing after scheme");
	bad("GET http://:80/ HTTP/1.1\r\nHost: h\r\n\r\n", "port only");
	bad("GET http://a..b/ HTTP/1.1\r\nHost: h\r\n\r\n", "empty label");
	bad("GET http://a%2eb/ HTTP/1.1\r\nHost: h\r\n\r\n", "% in host");
	bad("GET http://[::1/ HTTP/1.1\r\nHost: h\r\n\r\n", "unclosed [");
	bad("GET http://[::1]x/ HTTP/1.1\r\nHost: h\r\n\r\n", "junk after ]");
	bad("GET http://[zz]/ HTTP/1.1\r\nHost: h\r\n\r\n", "bad IPv6");
	bad("GET http://h/#frag HTTP/1.1\r\nHost: h\r\n\r\n", "fragment");
	bad("GET http://h/\x7f HTTP/1.1\r\nHost: h\r\n\r\n", "DEL in target");
	bad("GET http://h/\x80 HTTP/1.1\r\nHost: h\r\n\r\n", "8-bit target");
	bad("GET http://h/\tx HTTP/1.1\r\nHost: h\r\n\r\n", "tab in target");
	bad("CONNECT h HTTP/1.1\r\nHost: h\r\n\r\n", "CONNECT without port");
	bad("CONNECT h: HTTP/1.1\r\nHost: h\r\n\r\n", "CONNECT empty port");
	bad("CONNECT [::1] HTTP/1.1\r\nHost: h\r\n\r\n", "CONNECT v6 no port");
	bad("CONNECT h:0 HTTP/1.1\r\nHost: h\r\n\r\n", "CONNECT port 0");
	bad("CONNECT h:65536 HTTP/1.1\r\nHost: h\r\n\r\n", "CONNECT 65536");
	bad("CONNECT u@h:443 HTTP/1.1\r\nHost: h\r\n\r\n", "CONNECT userinfo");
	bad("CONNECT h:443/x HTTP/1.1\r\nHost: h\r\n\r\n", "CONNECT path");
	bad("CONNECT http://h:443 HTTP/1.1\r\nHost: h\r\n\r\n",
	    "CONNECT scheme");
	bad("CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n", "CONNECT origin-form");
	bad("connect h:443 HTTP/1.1\r\nHost: h\r\n\r\n",
	    "lower-case connect is another method");
	bad("CONNECT h:443 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n",
	    "CONNECT with a body");
	bad("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "CONNECT chunked");
}

static void test_options_and_max_forwards(void)
{
	is_int(parse("OPTIONS http://h.example:81 HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "OPTIONS without path");
	is_int(req.is_options, 1, "is_options");
	is_int(req.empty_path, 1, "no path, no query: empty_path");
	is_int(req.max_forwards, -1, "no Max-Forwards: -1");
	is_int(parse("OPTIONS http://h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "OPTIONS with /");
	is_int(req.empty_path, 0, "path / is not empty");
	is_int(parse("OPTIONS http://h?q HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "OPTIONS with a query only");
	is_int(req.empty_path, 0, "a query is not an empty path");
	is_int(parse("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "GET without path");
	is_int(req.is_options || req.is_trace, 0, "GET is neither");
	is_int(parse("options http://h HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "lower-case options");
	is_int(req.is_options, 0, "methods are case-sensitive");

	is_int(parse("TRACE http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Max-Forwards: 0\r\n\r\n"),
	       HTTP_PARSE_DONE, "TRACE Max-Forwards 0");
	is_int(req.is_trace, 1, "is_trace");
	is_int(req.max_forwards, 0, "Max-Forwards 0");
	is_int(parse("OPTIONS http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "max-forwards:  12 \r\n\r\n"),
	       HTTP_PARSE_DONE, "OPTIONS Max-Forwards 12");
	is_int(req.max_forwards, 12, "Max-Forwards 12, name in any case");
	is_int(parse("TRACE http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Max-Forwards: 9223372036854775807\r\n\r\n"),
	       HTTP_PARSE_DONE, "Max-Forwards 2^63-1");
	ok(req.max_forwards == INT64_MAX, "Max-Forwards 2^63-1 kept");
	bad("TRACE http://h/ HTTP/1.1\r\nHost: h\r\n"
	    "Max-Forwards: 9223372036854775808\r\n\r\n",
	    "Max-Forwards 2^63");
	bad("TRACE http://h/ HTTP/1.1\r\nHost: h\r\nMax-Forwards: -1\r\n\r\n",
	    "Max-Forwards -1");
	bad("OPTIONS http://h/ HTTP/1.1\r\nHost: h\r\nMax-Forwards: 1x\r\n\r\n",
	    "Max-Forwards 1x");
	bad("OPTIONS http://h/ HTTP/1.1\r\nHost: h\r\nMax-Forwards:\r\n\r\n",
	    "Max-Forwards empty");
	bad("TRACE http://h/ HTTP/1.1\r\nHost: h\r\nMax-Forwards: 1\r\n"
	    "Max-Forwards: 1\r\n\r\n",
	    "Max-Forwards twice");
	is_int(parse("GET http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Max-Forwards: junk\r\nMax-Forwards: 0\r\n\r\n"),
	       HTTP_PARSE_DONE, "other methods ignore Max-Forwards");
	is_int(req.max_forwards, -1, "and report none");
}

static void test_request_line(void)
{
	is_int(parse("\r\nGET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "one leading CRLF ignored");
	is_int(req.head_len, 37, "head_len counts the leading CRLF");
	is_str(slice(req.method), "GET", "method after the CRLF");
	check_prefixes("\r\nGET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n",
	               &deflim);
	is_int(parse("M-._~!#$%&'*+^`|9 http://h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "method is any token");
	is_int(parse("GET http://h/ HTTP/1.0\r\n\r\n"), HTTP_PARSE_DONE,
	       "HTTP/1.0 without Host");
	is_int(req.minor, 0, "minor 0");

	bad("\r\n\r\nGET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n",
	    "two leading CRLFs");
	bad("\n", "leading bare LF");
	bad("\rGET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", "leading bare CR");
	bad(" GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", "leading space");
	bad("GET  http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", "two spaces");
	bad("GET http://h/  HTTP/1.1\r\nHost: h\r\n\r\n", "two spaces after");
	bad("GET\thttp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", "tab separator");
	bad("GET http://h/ HTTP/1.1 \r\nHost: h\r\n\r\n", "trailing space");
	bad("http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", "no method");
	bad("GET http://h/\r\nHost: h\r\n\r\n", "no version");
	bad("GET http://h/ HTTP/1.2\r\nHost: h\r\n\r\n", "HTTP/1.2");
	bad("GET http://h/ HTTP/2.0\r\nHost: h\r\n\r\n", "HTTP/2.0");
	bad("GET http://h/ HTTP/0.9\r\nHost: h\r\n\r\n", "HTTP/0.9");
	bad("GET http://h/ http/1.1\r\nHost: h\r\n\r\n", "lower-case version");
	bad("GET http://h/ HTTP/1.10\r\nHost: h\r\n\r\n", "HTTP/1.10");
	bad("GET http://h/ HTTP/1.1\nHost: h\r\n\r\n", "bare LF request line");
	bad("GET http://h/ HTTP/1.1\rHost: h\r\n\r\n", "bare CR request line");
	bad("G\x01T http://h/ HTTP/1.1\r\nHost: h\r\n\r\n",
	    "control in method");
	bad("G(T http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", "non-token method");
	{
		const char nul[] = "GET http://h/\0 HTTP/1.0\r\n\r\n";
		is_int(parse_n(nul, sizeof(nul) - 1, &deflim), HTTP_PARSE_BAD,
		       "NUL in target");
	}
}

static void test_fields(void)
{
	bad("GET http://h/ HTTP/1.1\r\nHost : h\r\n\r\n", "space before colon");
	bad("GET http://h/ HTTP/1.1\r\nHost\t: h\r\n\r\n", "tab before colon");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
	    "obs-fold");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n",
	    "obs-fold with tab");
	bad("GET http://h/ HTTP/1.1\r\n Host: h\r\n\r\n",
	    "indented first field");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", "empty name");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\nX(Y): v\r\n\r\n",
	    "non-token name");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\nX-No-Colon\r\n\r\n",
	    "no colon");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
	    "bare CR in value");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\nX: a\nY: b\r\n\r\n",
	    "bare LF in value");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\nX: a\x01\r\n\r\n",
	    "control byte in value");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n",
	    "DEL in value");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\n\n", "bare LF blank line");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\n\rX", "bare CR blank line");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\n\r\n", "bare LF after field");
	{
		const char nul[] = "GET http://h/ HTTP/1.1\r\nHost: h\r\n"
		                   "X: a\0b\r\n\r\n";
		is_int(parse_n(nul, sizeof(nul) - 1, &deflim), HTTP_PARSE_BAD,
		       "NUL in value");
	}
	bad("GET http://h/ HTTP/1.1\r\n\r\n", "1.1 without Host");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n",
	    "two Host fields");
}

static void test_framing(void)
{
	const char *pre = "POST http://h/ HTTP/1.1\r\nHost: h\r\n";
	char buf[512];

#define REQ(fields) (snprintf(buf, sizeof(buf), "%s%s\r\n", pre, fields), buf)
	is_int(parse(REQ("Content-Length: 42\r\n")), HTTP_PARSE_DONE, "CL");
	is_int(req.body, HTTP_BODY_LENGTH, "CL body");
	is_int(req.content_length, 42, "CL value");
	is_int(parse(REQ("content-length:0\r\n")), HTTP_PARSE_DONE, "CL 0");
	is_int(req.body, HTTP_BODY_NONE, "CL 0 is no body");
	is_int(parse(REQ("Content-Length: 9223372036854775807\r\n")),
	       HTTP_PARSE_DONE, "CL 2^63-1");
	ok(req.content_length == 9223372036854775807ULL, "CL max value");
	is_int(parse(REQ("Content-Length: 007\r\n")), HTTP_PARSE_DONE,
	       "CL leading zeros");
	is_int(req.content_length, 7, "CL leading zeros value");
	is_int(parse(REQ("Transfer-Encoding: chunked\r\n")), HTTP_PARSE_DONE,
	       "chunked");
	is_int(req.body, HTTP_BODY_CHUNKED, "chunked body");
	is_int(parse(REQ("transfer-encoding:  ChUnKeD \t\r\n")),
	       HTTP_PARSE_DONE, "chunked any case, OWS");
	is_int(req.body, HTTP_BODY_CHUNKED, "chunked any case body");

	bad(REQ("Content-Length: 1\r\nTransfer-Encoding: chunked\r\n"),
	    "CL then TE");
	bad(REQ("Transfer-Encoding: chunked\r\nContent-Length: 1\r\n"),
	    "TE then CL");
	bad(REQ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
	    "two TE");
	bad(REQ("Transfer-Encoding: gzip, chunked\r\n"), "TE gzip, chunked");
	bad(REQ("Transfer-Encoding: chunked, chunked\r\n"), "TE chunked twice");
	bad(REQ("Transfer-Encoding: chunked,\r\n"), "TE chunked,");
	bad(REQ("Transfer-Encoding: identity\r\n"), "TE identity");
	bad(REQ("Transfer-Encoding: chunked;q=1\r\n"), "TE with parameter");
	bad(REQ("Transfer-Encoding: xchunked\r\n"), "TE xchunked");
	bad(REQ("Transfer-Encoding:\r\n"), "TE empty");
	bad(REQ("Content-Length: +1\r\n"), "CL plus");
	bad(REQ("Content-Length: -1\r\n"), "CL minus");
	bad(REQ("Content-Length: 0x10\r\n"), "CL hex");
	bad(REQ("Content-Length: 1 2\r\n"), "CL inner space");
	bad(REQ("Content-Length:\r\n"), "CL empty");
	bad(REQ("Content-Length: 1,1\r\n"), "CL list");
	bad(REQ("Content-Length: 1\r\nContent-Length: 1\r\n"), "CL twice");
	bad(REQ("Content-Length: 1\r\nContent-Length: 2\r\n"), "CL differing");
	bad(REQ("Content-Length: 9223372036854775808\r\n"), "CL 2^63");
	bad(REQ("Content-Length: 99999999999999999999999999\r\n"),
	    "CL overflow");
	bad("POST http://h/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "TE in HTTP/1.0");
#undef REQ
}

static void test_connection(void)
{
	is_int(parse("GET http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Connection: Close\r\n\r\n"),
	       HTTP_PARSE_DONE, "close");
	is_int(req.keep_alive, 0, "1.1 with close");
	is_int(parse("GET http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Connection: foo , ,close\r\n\r\n"),
	       HTTP_PARSE_DONE, "close in a list");
	is_int(req.keep_alive, 0, "close in a list counts");
	is_int(parse("GET http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Connection: closed\r\n\r\n"),
	       HTTP_PARSE_DONE, "closed");
	is_int(req.keep_alive, 1, "closed is not close");
	is_int(parse("GET http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Connection: keep-alive\r\nConnection: close\r\n\r\n"),
	       HTTP_PARSE_DONE, "two Connection fields");
	is_int(req.keep_alive, 0, "second Connection field counts");
	is_int(parse("GET http://h/ HTTP/1.0\r\n\r\n"), HTTP_PARSE_DONE, "1.0");
	is_int(req.keep_alive, 0, "1.0 closes by default");
	is_int(
	    parse("GET http://h/ HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
	    HTTP_PARSE_DONE, "1.0 keep-alive");
	is_int(req.keep_alive, 1, "1.0 with keep-alive");
	is_int(parse("GET http://h/ HTTP/1.0\r\n"
	             "Proxy-Connection: keep-alive\r\n\r\n"),
	       HTTP_PARSE_DONE, "1.0 Proxy-Connection");
	is_int(req.keep_alive, 1, "1.0 with Proxy-Connection: keep-alive");
	is_int(parse("GET http://h/ HTTP/1.0\r\n"
	             "Connection: keep-alive, close\r\n\r\n"),
	       HTTP_PARSE_DONE, "1.0 keep-alive and close");
	is_int(req.keep_alive, 0, "close wins");
	is_int(parse("GET http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Proxy-Connection: close\r\n\r\n"),
	       HTTP_PARSE_DONE, "Proxy-Connection: close");
	is_int(req.keep_alive, 0, "Proxy-Connection: close honoured");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\nConnection: keep "
	    "alive\r\n\r\n",
	    "Connection element not a token");

	is_int(parse("PUT http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Expect: 100-Continue\r\nContent-Length: 3\r\n\r\n"),
	       HTTP_PARSE_DONE, "expect");
	is_int(req.expect_continue, 1, "expect_continue");
	is_int(parse("PUT http://h/ HTTP/1.0\r\n"
	             "Expect: 100-continue\r\nContent-Length: 3\r\n\r\n"),
	       HTTP_PARSE_DONE, "expect in 1.0");
	is_int(req.expect_continue, 0, "1.0 expectation ignored");
	is_int(parse("PUT http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Expect: 200-ok\r\n\r\n"),
	       HTTP_PARSE_DONE, "other expectation");
	is_int(req.expect_continue, 0, "other expectation ignored");

	is_int(parse("GET http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Proxy-Authorization: Basic dTpw\r\n\r\n"),
	       HTTP_PARSE_DONE, "proxy auth");
	ok(req.proxy_authorization == &req.headers[1], "points to the field");
	is_str(slice(req.proxy_authorization->value), "Basic dTpw",
	       "proxy auth value");
	bad("GET http://h/ HTTP/1.1\r\nHost: h\r\n"
	    "Proxy-Authorization: Basic a\r\nProxy-Authorization: Basic b\r\n"
	    "\r\n",
	    "two Proxy-Authorization");
}

/* A request line of exactly n bytes. */
static char *line_of(size_t n, char *buf)
{
	static const char pre[] = "GET http://h/", post[] = " HTTP/1.1";
	size_t pad = n - strlen(pre) - strlen(post);

	strcpy(buf, pre);
	memset(buf + strlen(pre), 'a', pad);
	strcpy(buf + strlen(pre) + pad, post);
	return buf;
}

/* A head of exactly n bytes (160 < n < 200) within the limits below:
 * five fields, none over 40 bytes. */
static void head_of_size(char *buf, size_t n)
{
	size_t i, have, fill;

	strcpy(buf, "GET http://h/ HTTP/1.1\r\nHost: h\r\n");
	for (i = 0; i < 3; i++)
		sprintf(buf + strlen(buf), "X: %037d\r\n", 0);
	have = strlen(buf);
	fill = n - have - 7;
	strcat(buf, "Y: ");
	memset(buf + have + 3, 'y', fill);
	strcpy(buf + have + 3 + fill, "\r\n\r\n");
}

static void test_limits(void)
{
	struct http_limits lim = {64, 40, 5, 200};
	static char buf[70000], line[200];
	size_t i;

	snprintf(buf, sizeof(buf), "%s\r\nHost: h\r\n\r\n", line_of(64, line));
	is_int(parse_n(buf, strlen(buf), &lim), HTTP_PARSE_DONE,
	       "request line at the limit");
	check_prefixes(buf, &lim);
	snprintf(buf, sizeof(buf), "%s\r\nHost: h\r\n\r\n", line_of(65, line));
	is_int(parse_n(buf, strlen(buf), &lim), HTTP_PARSE_URI_TOO_LONG,
	       "request line one past the limit");
	is_int(parse_n(buf, 64, &lim), HTTP_PARSE_INCOMPLETE,
	       "64 bytes without CRLF: wait");
	is_int(parse_n(buf, 65, &lim), HTTP_PARSE_URI_TOO_LONG,
	       "65 bytes without CRLF: too long at once");
	is_int(parse_n("\r\n", 2, &lim), HTTP_PARSE_INCOMPLETE,
	       "leading CRLF alone");

	/* "X: " + 37 = 40 bytes */
	snprintf(buf, sizeof(buf),
	         "GET http://h/ HTTP/1.1\r\nHost: h\r\nX: %037d\r\n\r\n", 0);
	is_int(parse_n(buf, strlen(buf), &lim), HTTP_PARSE_DONE,
	       "header line at the limit");
	check_prefixes(buf, &lim);
	snprintf(buf, sizeof(buf),
	         "GET http://h/ HTTP/1.1\r\nHost: h\r\nX: %038d\r\n\r\n", 0);
	is_int(parse_n(buf, strlen(buf), &lim), HTTP_PARSE_TOO_LARGE,
	       "header line one past the limit");
	is_int(parse_n(buf, 33 + 41, &lim), HTTP_PARSE_TOO_LARGE,
	       "41 bytes of a field line without CRLF: too large at once");
	is_int(parse_n(buf, 33 + 40, &lim), HTTP_PARSE_INCOMPLETE,
	       "40 bytes of a field line without CRLF: wait");
	snprintf(buf, sizeof(buf),
	         "GET http://h/ HTTP/1.1\r\nHost: h\r\n%040d\r\n\r\n", 0);
	is_int(parse_n(buf, strlen(buf), &lim), HTTP_PARSE_BAD,
	       "40-byte name without colon is BAD");
	snprintf(buf, sizeof(buf),
	         "GET http://h/ HTTP/1.1\r\nHost: h\r\n%041d: x\r\n\r\n", 0);
	is_int(parse_n(buf, strlen(buf), &lim), HTTP_PARSE_TOO_LARGE,
	       "41-byte name is too large");

	strcpy(buf, "GET http://h/ HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n"
	            "C: 3\r\nD: 4\r\n\r\n");
	is_int(parse_n(buf, strlen(buf), &lim), HTTP_PARSE_DONE,
	       "header count at the limit");
	is_int(req.n_headers, 5, "5 headers");
	strcpy(buf, "GET http://h/ HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n"
	            "C: 3\r\nD: 4\r\nE: 5\r\n\r\n");
	is_int(parse_n(buf, strlen(buf), &lim), HTTP_PARSE_TOO_LARGE,
	       "header count one past the limit");
	is_int(parse_n(buf, strlen(buf) - 8, &lim), HTTP_PARSE_INCOMPLETE,
	       "before the sixth field: wait");
	is_int(parse_n(buf, strlen(buf) - 7, &lim), HTTP_PARSE_TOO_LARGE,
	       "sixth field detected at its first byte");

	head_of_size(buf, 200);
	is_int(strlen(buf), 200, "head built to 200 bytes");
	is_int(parse_n(buf, 200, &lim), HTTP_PARSE_DONE,
	       "head at the size limit");
	check_prefixes(buf, &lim);
	head_of_size(buf, 201);
	is_int(parse_n(buf, 201, &lim), HTTP_PARSE_TOO_LARGE,
	       "head one past the size limit");
	is_int(parse_n(buf, 200, &lim), HTTP_PARSE_INCOMPLETE,
	       "200 bytes of an unfinished head: wait");
	lim.max_header_size = 100;
	is_int(parse_n(buf, 101, &lim), HTTP_PARSE_TOO_LARGE,
	       "101 bytes of an unfinished head over 100: too large at once");

	/* max_headers above the array's capacity is capped. */
	lim.max_request_line = 8192;
	lim.max_header_line = 8192;
	lim.max_headers = 100000;
	lim.max_header_size = sizeof(buf);
	strcpy(buf, "GET http://h/ HTTP/1.1\r\nHost: h\r\n");
	for (i = 1; i < HTTP_MAX_HEADERS_CAP; i++)
		strcat(buf, "X: y\r\n");
	strcat(buf, "\r\n");
	is_int(parse_n(buf, strlen(buf), &lim), HTTP_PARSE_DONE,
	       "HTTP_MAX_HEADERS_CAP fields");
	is_int(req.n_headers, HTTP_MAX_HEADERS_CAP, "all of them stored");
	strcpy(buf + strlen(buf) - 2, "X: y\r\n\r\n");
	is_int(parse_n(buf, strlen(buf), &lim), HTTP_PARSE_TOO_LARGE,
	       "one past HTTP_MAX_HEADERS_CAP");
}

static struct http_header hdr(const char *name)
{
	struct http_header h;

	h.name.p = name;
	h.name.n = strlen(name);
	h.value.p = "";
	h.value.n = 0;
	return h;
}

static void test_hop_by_hop(void)
{
	static const char *const hop[] = {"Connection", "proxy-connection",
	                                  "KEEP-ALIVE", "TE",
	                                  "Trailer",    "Upgrade"};
	static const char *const e2e[] = {
	    "Transfer-Encoding", "Content-Length", "Host",
	    "Content-Type",      "Trailers",       "T"};
	size_t i;

	for (i = 0; i < ARRAY_LEN(hop); i++) {
		struct http_header h = hdr(hop[i]);
		is_int(http_header_is_hop_by_hop(NULL, 0, &h), 1, "%s is hop",
		       hop[i]);
	}
	for (i = 0; i < ARRAY_LEN(e2e); i++) {
		struct http_header h = hdr(e2e[i]);
		is_int(http_header_is_hop_by_hop(NULL, 0, &h), 0,
		       "%s is end-to-end", e2e[i]);
	}
	is_int(parse("GET http://h/ HTTP/1.1\r\nHost: h\r\n"
	             "Connection: Host, content-LENGTH,,X-Foo \r\n"
	             "Connection: Connection\r\n"
	             "Content-Length: 1\r\nX-Foo: 1\r\nX-Fo: 2\r\n\r\n"),
	       HTTP_PARSE_DONE, "Connection naming fields");
	is_int(http_header_is_hop_by_hop(req.headers, req.n_headers,
	                                 &req.headers[0]),
	       1, "Host named in Connection is hop");
	is_int(http_header_is_hop_by_hop(req.headers, req.n_headers,
	                                 &req.headers[3]),
	       1, "Content-Length named in Connection is hop");
	is_int(http_header_is_hop_by_hop(req.headers, req.n_headers,
	                                 &req.headers[4]),
	       1, "X-Foo named in Connection is hop");
	is_int(http_header_is_hop_by_hop(req.headers, req.n_headers,
	                                 &req.headers[5]),
	       0, "X-Fo (a prefix) is not");
	is_int(req.body, HTTP_BODY_LENGTH, "framing unchanged by Connection");
	{
		struct http_header h = hdr("Host");
		is_int(http_header_is_hop_by_hop(req.headers, 1, &h), 0,
		       "only headers[0..n) are searched");
	}
	{
		struct http_header h = hdr("host");
		is_int(http_header_is(&h, "HOST"), 1,
		       "http_header_is ignores case");
		is_int(http_header_is(&h, "hos"), 0, "http_header_is prefix");
		is_int(http_header_is(&h, "hostx"), 0, "http_header_is longer");
	}
}

static enum http_parse parse_origin(const char *s)
{
	enum http_parse r;

	origin_ok = 1;
	r = parse(s);
	origin_ok = 0;
	return r;
}

/* Requests a client that knows no proxy sends, redirected to the proxy. */
static void test_origin_form(void)
{
	static const char get[] =
	    "GET /a/b?c=1 HTTP/1.1\r\nHost: Work.Test:8080\r\n\r\n";

	is_int(parse_origin(get), HTTP_PARSE_DONE, "origin-form with Host");
	is_str(req.host, "work.test", "host from the Host field");
	is_int(req.port, 8080, "port from the Host field");
	ok(req.path.n == 8 && memcmp(req.path.p, "/a/b?c=1", 8) == 0,
	   "path is the target");
	origin_ok = 1;
	check_prefixes(get, &deflim);
	origin_ok = 0;
	is_int(parse_origin("GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_DONE, "default port");
	is_int(req.port, 80, "port 80 without one in Host");
	is_int(parse_origin("GET http://abs.test/x HTTP/1.1\r\nHost: "
	                    "other\r\n\r\n"),
	       HTTP_PARSE_DONE, "absolute-form still accepted");
	is_str(req.host, "abs.test", "absolute-form: host from the target");
	is_int(parse_origin("GET / HTTP/1.0\r\n\r\n"), HTTP_PARSE_BAD,
	       "HTTP/1.0 without Host");
	is_str(why, "request without Host", "says why");
	is_int(parse_origin("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
	       HTTP_PARSE_BAD, "bad Host");
	is_int(parse_origin("GET / HTTP/1.1\r\nHost: h:0\r\n\r\n"),
	       HTTP_PARSE_BAD, "port 0 in Host");
	is_int(parse_origin("GET / HTTP/1.1\r\nHost: h\r\nHost: "
	                    "i\r\n\r\n"),
	       HTTP_PARSE_BAD, "two Host fields");
	is_int(parse_origin("CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n"),
	       HTTP_PARSE_BAD, "CONNECT origin-form");
	bad("GET /x HTTP/1.1\r\nHost: h\r\n\r\n",
	    "origin-form still refused from proxy clients");
}

int main(void)
{
	test_origin_form();
	test_basic();
	test_targets();
	test_options_and_max_forwards();
	test_request_line();
	test_fields();
	test_framing();
	test_connection();
	test_limits();
	test_hop_by_hop();
	return done();
}
