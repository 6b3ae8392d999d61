/* HTTP/1.x message heads (RFC 9110, 9112), parsed strictly. Pure: no I/O,
 * no allocation; every slice points into the caller's buffer. */
#ifndef FWPROXY_HTTP_PARSE_H
#define FWPROXY_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "hostname.h"
#include "util.h"

#define HTTP_MAX_HEADERS_CAP 256 /* upper bound for any MaxHeaders setting */

struct http_slice {
	const char *p;
	size_t n;
};

struct http_header {
	struct http_slice name;
	struct http_slice value; /* leading and trailing whitespace removed */
};

struct http_limits {
	size_t max_request_line; /* request or status line, without CRLF */
	size_t max_header_line;  /* one field line, without CRLF */
	size_t max_headers;      /* field count, <= HTTP_MAX_HEADERS_CAP */
	size_t max_header_size;  /* the whole head including the blank line */
};

enum http_parse {
	HTTP_PARSE_DONE,         /* a whole, valid head */
	HTTP_PARSE_INCOMPLETE,   /* valid so far; read more */
	HTTP_PARSE_BAD,          /* malformed: 400 (request) / 502 (response) */
	HTTP_PARSE_URI_TOO_LONG, /* request line over its limit: 414 */
	HTTP_PARSE_TOO_LARGE,    /* header line, count or size: 431 / 502 */
	HTTP_PARSE_NOT_IMPLEMENTED, /* unknown transfer coding: 501 */
};

enum http_body {
	HTTP_BODY_NONE,
	HTTP_BODY_LENGTH, /* content_length bytes */
	HTTP_BODY_CHUNKED,
	HTTP_BODY_CLOSE, /* response only: until the server closes */
};

/* A request as a forward proxy receives it. */
struct http_request {
	struct http_slice method;
	struct http_slice target; /* as sent */
	int minor;                /* HTTP/1.minor: 0 or 1 */
	size_t head_len;          /* bytes up to and including the blank line */
	struct http_header headers[HTTP_MAX_HEADERS_CAP];
	size_t n_headers;

	/* Derived from the target. */
	int is_connect;
	int is_head;
	char host[HOSTNAME_MAX + 1]; /* normalised (hostname_normalize) */
	uint16_t port;               /* explicit or the scheme's default (80) */
	struct http_slice path;      /* origin-form: path and query; "/" when
	                                empty (p points to a static "/") */
	int empty_path; /* absolute-form with neither path nor query: an
	                   OPTIONS goes on as "OPTIONS *" (RFC 9112 3.2.4) */
	int is_trace, is_options;

	/* Derived from the fields. */
	enum http_body body; /* NONE, LENGTH or CHUNKED */
	uint64_t content_length;
	int keep_alive; /* the client allows a persistent connection */
	int expect_continue;
	const struct http_header *proxy_authorization; /* NULL if absent */
	/* TRACE and OPTIONS: the Max-Forwards value (RFC 9110 7.6.2), -1
	 * when absent; always -1 for other methods, which ignore it. */
	long long max_forwards;
};

/* Parses a request head at buf. Returns DONE (and fills req), INCOMPLETE,
 * or an error; *why gets a constant message for the log on error.
 * Accepts only absolute-form "http://" targets and CONNECT authority-form.
 * Rejects everything RFC 9112 lets a proxy reject that could desynchronise
 * framing: see SECURITY.md. Bare LF line ends and obs-fold are rejected.
 * A TRACE or OPTIONS with a Max-Forwards that is not one decimal number
 * is BAD. */
enum http_parse http_parse_request(const char *buf, size_t len,
                                   const struct http_limits *lim,
                                   struct http_request *req, const char **why);

/* The same for a request sent to the origin server itself (a client that
 * knows no proxy, redirected to it): origin-form targets are accepted too,
 * their host and port then taken from the Host field, which must be
 * there. CONNECT is still authority-form only. */
enum http_parse http_parse_request_origin(const char *buf, size_t len,
                                          const struct http_limits *lim,
                                          struct http_request *req,
                                          const char **why);

struct http_response {
	int minor;
	int status;
	struct http_slice reason;
	size_t head_len;
	struct http_header headers[HTTP_MAX_HEADERS_CAP];
	size_t n_headers;

	enum http_body
	    body; /* NONE for HEAD, 1xx, 204, 304 and 2xx to CONNECT */
	uint64_t content_length;
	int keep_alive; /* the server allows reuse of its connection */
};

/* Parses a response head to a request that was HEAD (is_head) or CONNECT
 * (is_connect). Same results as http_parse_request. Unlike requests, a
 * lone LF ends a line (RFC 9112 2.2), for old servers; obs-fold is still
 * BAD (a 502, as RFC 9112 5.2 allows a proxy). Transfer-Encoding must be
 * a list of known codings (chunked, gzip, x-gzip, deflate, compress,
 * x-compress) ending in chunked: anything else is BAD, never a body read
 * until close as if it were plain. */
enum http_parse http_parse_response(const char *buf, size_t len,
                                    const struct http_limits *lim, int is_head,
                                    int is_connect, struct http_response *resp,
                                    const char **why);

/* 1 when the header must not be forwarded by a proxy: the hop-by-hop
 * fields (Connection, Proxy-Connection, Keep-Alive, TE, Trailer, Upgrade,
 * Transfer-Encoding is NOT among them: framing is handled by the caller)
 * and any field named in a Connection header of headers[0..n). */
int http_header_is_hop_by_hop(const struct http_header *headers, size_t n,
                              const struct http_header *h);

/* 1 when the header's name equals lit, ignoring ASCII case. */
static inline int http_header_is(const struct http_header *h, const char *lit)
{
	return ascii_eq_n(h->name.p, h->name.n, lit);
}

/* Streaming tracker of a chunked body: finds where it ends without
 * changing a byte. */
struct http_chunked {
	int state;
	uint64_t remaining;  /* data bytes left in the current chunk */
	size_t line_len;     /* bytes of the current size/trailer line */
	size_t trailer_size; /* bytes of trailer fields so far */
};

enum http_chunked_result {
	HTTP_CHUNKED_MORE, /* all len bytes belong to the body; more follows */
	HTTP_CHUNKED_DONE, /* the body ended after *used bytes */
	HTTP_CHUNKED_BAD,  /* malformed: sign, overflow, bad byte, a size or
	                      extension line over 4096 bytes, trailers over
	                      the limit */
};

void http_chunked_init(struct http_chunked *c);

/* Feeds len bytes; *used is how many belong to the body (== len unless
 * DONE). */
enum http_chunked_result http_chunked_feed(struct http_chunked *c,
                                           const char *buf, size_t len,
                                           size_t *used);

#endif
