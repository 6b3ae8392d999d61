#include "http_parse.h"

#include <string.h>

#include "util.h"

#define CH_TOKEN  0x01 /* tchar */
#define CH_VALUE  0x02 /* field-vchar, SP, HTAB (also reason-phrase) */
#define CH_TARGET 0x04 /* VCHAR: what a request target may hold */

#define HTTP_DEFAULT_PORT  80
#define CONTENT_LENGTH_MAX INT64_MAX

static const unsigned char ch[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    2, 7, 6, 7, 7, 7, 7, 7, 6, 6, 7, 7, 6, 7, 7, 6, /* 0x20 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6, /* 0x30 */
    6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, /* 0x40 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 7, 7, /* 0x50 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, /* 0x60 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 7, 6, 7, 0, /* 0x70 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x90 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xa0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xb0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xc0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xd0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xe0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xf0 */
};

static const char root_path[] = "/";

/* Where the parser stands. end is len cut at the head size limit, so that
 * running into end while len goes further means the head is too large. */
struct scan {
	const char *b;
	size_t len;
	size_t end;
	size_t pos;
	int lf_ok; /* a lone LF ends a line (responses only) */
};

/* What the framing-relevant fields said, gathered while parsing them. */
struct fields {
	int is_request;
	int has_length, has_te, has_host;
	uint64_t length;
	int conn_close;      /* "close" in Connection (or Proxy-Connection) */
	int conn_keep_alive; /* "keep-alive" in Connection */
	int proxy_keep_alive;
	int expect_continue;
	const struct http_header *proxy_authorization;
	int max_forwards_counts; /* TRACE or OPTIONS */
	long long max_forwards;  /* -1 when absent */
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static enum http_parse fail(const char **why, enum http_parse r,
                            const char *msg)
{
	if (why != NULL)
		*why = msg;
	return r;
}

/* ascii_lower, here where the compiler can inline it into hot loops. */
static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static int slice_eq_ci(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* The first index in [p, end) whose byte is not in class, or end. Most
 * of a head goes through here: eight bytes per step where possible. */
static size_t skip_class(const char *b, size_t p, size_t end, unsigned class)
{
	const unsigned char *u = (const unsigned char *)b;

	while (end - p >= 8 && (ch[u[p]] & ch[u[p + 1]] & ch[u[p + 2]] &
	                        ch[u[p + 3]] & ch[u[p + 4]] & ch[u[p + 5]] &
	                        ch[u[p + 6]] & ch[u[p + 7]] & class))
		p += 8;
	while (p < end && (ch[u[p]] & class))
		p++;
	return p;
}

static int is_token(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!(ch[(unsigned char)p[i]] & CH_TOKEN))
			return 0;
	return 1;
}

/* Next element of a comma-separated list (RFC 9110 5.6.1), OWS trimmed;
 * empty elements are skipped. Returns 0 at the end of the list. */
static int list_next(const char **pp, const char *end, struct http_slice *e)
{
	const char *p = *pp, *start, *last;

	while (p < end && (*p == ',' || is_ws(*p)))
		p++;
	if (p == end) {
		*pp = p;
		return 0;
	}
	start = p;
	while (p < end && *p != ',')
		p++;
	last = p;
	while (last > start && is_ws(last[-1]))
		last--;
	e->p = start;
	e->n = (size_t)(last - start);
	*pp = p;
	return 1;
}

/* The caller ran out of bytes: fine unless the head size limit cut them. */
static enum http_parse need_more(const struct scan *s, const char **why)
{
	if (s->end < s->len)
		return fail(why, HTTP_PARSE_TOO_LARGE,
		            "header section too large");
	return HTTP_PARSE_INCOMPLETE;
}

/* The caller ran out of bytes in a line that started at start and may hold
 * max bytes before its CRLF. */
static enum http_parse line_short(const struct scan *s, size_t start,
                                  size_t max, enum http_parse over,
                                  const char *over_why, const char **why)
{
	if (s->pos - start > max)
		return fail(why, over, over_why);
	return need_more(s, why);
}

/* The end of the bytes a line starting at start may span before its CR. */
static size_t line_end(const struct scan *s, size_t start, size_t max)
{
	return s->end - start > max ? start + max + 1 : s->end;
}

static enum http_parse note_connection(struct fields *f,
                                       const struct http_header *h, int proxy,
                                       const char **why)
{
	const char *p = h->value.p, *end = p + h->value.n;
	struct http_slice e;

	while (list_next(&p, end, &e)) {
		if (!is_token(e.p, e.n))
			return fail(why, HTTP_PARSE_BAD,
			            "invalid Connection header");
		if (slice_eq_ci(e.p, e.n, "close", 5))
			f->conn_close = 1;
		else if (slice_eq_ci(e.p, e.n, "keep-alive", 10)) {
			if (proxy)
				f->proxy_keep_alive = 1;
			else
				f->conn_keep_alive = 1;
		}
	}
	return HTTP_PARSE_DONE;
}

static enum http_parse
note_length(struct fields *f, const struct http_header *h, const char **why)
{
	long long v;

	if (f->has_length)
		return fail(why, HTTP_PARSE_BAD, "duplicate Content-Length");
	if (parse_number_n(h->value.p, h->value.n, 0, CONTENT_LENGTH_MAX, &v) !=
	    NULL)
		return fail(why, HTTP_PARSE_BAD, "invalid Content-Length");
	f->has_length = 1;
	f->length = (uint64_t)v;
	return HTTP_PARSE_DONE;
}

/* The registered transfer codings other than chunked (RFC 9112 7). */
static int known_coding(struct http_slice e)
{
	static const char *const codings[] = {"gzip", "x-gzip", "deflate",
	                                      "compress", "x-compress"};
	size_t i;

	for (i = 0; i < ARRAY_LEN(codings); i++)
		if (slice_eq_ci(e.p, e.n, codings[i], strlen(codings[i])))
			return 1;
	return 0;
}

/* A request must say exactly "chunked"; a response may list known codings
 * and must end them with "chunked". */
static enum http_parse note_te(struct fields *f, const struct http_header *h,
                               const char **why)
{
	const char *p = h->value.p, *end = p + h->value.n;
	struct http_slice e;
	int n_chunked = 0, last_chunked = 0, n = 0;

	if (f->has_te)
		return fail(why, HTTP_PARSE_BAD, "duplicate Transfer-Encoding");
	f->has_te = 1;
	if (f->is_request) {
		if (!slice_eq_ci(h->value.p, h->value.n, "chunked", 7))
			return fail(why, HTTP_PARSE_BAD,
			            "Transfer-Encoding other than chunked");
		return HTTP_PARSE_DONE;
	}
	while (list_next(&p, end, &e)) {
		if (!is_token(e.p, e.n))
			return fail(why, HTTP_PARSE_BAD,
			            "invalid Transfer-Encoding");
		last_chunked = slice_eq_ci(e.p, e.n, "chunked", 7);
		if (!last_chunked && !known_coding(e))
			return fail(why, HTTP_PARSE_BAD,
			            "unknown transfer coding");
		n_chunked += last_chunked;
		n++;
	}
	if (n == 0 || n_chunked > 1)
		return fail(why, HTTP_PARSE_BAD, "invalid Transfer-Encoding");
	/* RFC 9112 6.3 would read such a body until close; but its bytes
	 * are still coded, and relayed without the field they would reach
	 * the client as if plain. */
	/* The field is relayed as it came: a trailing empty element, which
	 * RFC 9110 5.6.1 says to ignore, would leave a client that does not
	 * ignore it with a last coding other than chunked. */
	if (!last_chunked || end[-1] == ',')
		return fail(why, HTTP_PARSE_BAD,
		            "chunked is not the final transfer coding");
	return HTTP_PARSE_DONE;
}

/* Max-Forwards = 1*DIGIT (RFC 9110 7.6.2); counted on TRACE and OPTIONS
 * only, which is where a wrong value would change what the proxy does. */
static enum http_parse note_max_forwards(struct fields *f,
                                         const struct http_header *h,
                                         const char **why)
{
	if (!f->max_forwards_counts)
		return HTTP_PARSE_DONE;
	if (f->max_forwards != -1)
		return fail(why, HTTP_PARSE_BAD, "duplicate Max-Forwards");
	if (parse_number_n(h->value.p, h->value.n, 0, INT64_MAX,
	                   &f->max_forwards) != NULL)
		return fail(why, HTTP_PARSE_BAD, "invalid Max-Forwards");
	return HTTP_PARSE_DONE;
}

/* Looks at the fields that decide framing and connection reuse as each one
 * is parsed, so that nothing is read twice. */
static enum http_parse note_field(struct fields *f, const struct http_header *h,
                                  const char **why)
{
	const char *name = h->name.p;

	switch (h->name.n) {
	case 4:
		if (f->is_request && slice_eq_ci(name, 4, "host", 4)) {
			if (f->has_host)
				return fail(why, HTTP_PARSE_BAD,
				            "duplicate Host");
			f->has_host = 1;
		}
		break;
	case 6:
		if (f->is_request && slice_eq_ci(name, 6, "expect", 6) &&
		    slice_eq_ci(h->value.p, h->value.n, "100-continue", 12))
			f->expect_continue = 1;
		break;
	case 10:
		if (slice_eq_ci(name, 10, "connection", 10))
			return note_connection(f, h, 0, why);
		break;
	case 12:
		if (f->is_request && slice_eq_ci(name, 12, "max-forwards", 12))
			return note_max_forwards(f, h, why);
		break;
	case 14:
		if (slice_eq_ci(name, 14, "content-length", 14))
			return note_length(f, h, why);
		break;
	case 16:
		if (f->is_request &&
		    slice_eq_ci(name, 16, "proxy-connection", 16))
			return note_connection(f, h, 1, why);
		break;
	case 17:
		if (slice_eq_ci(name, 17, "transfer-encoding", 17))
			return note_te(f, h, why);
		break;
	case 19:
		if (f->is_request &&
		    slice_eq_ci(name, 19, "proxy-authorization", 19)) {
			/* Two sets of credentials: which one would count? */
			if (f->proxy_authorization != NULL)
				return fail(why, HTTP_PARSE_BAD,
				            "duplicate Proxy-Authorization");
			f->proxy_authorization = h;
		}
		break;
	}
	return HTTP_PARSE_DONE;
}

/* The line end at p: CRLF, or a lone LF where s->lf_ok. DONE sets *next
 * to the offset after it. */
static enum http_parse line_break(const struct scan *s, size_t p, size_t *next,
                                  const char **why)
{
	const char *b = s->b;

	if (b[p] == '\n' && s->lf_ok) {
		*next = p + 1;
		return HTTP_PARSE_DONE;
	}
	if (b[p] != '\r')
		return fail(why, HTTP_PARSE_BAD,
		            b[p] == '\n' ? "bare LF"
		                         : "control byte in field value");
	if (p + 1 == s->end)
		return need_more(s, why);
	if (b[p + 1] != '\n')
		return fail(why, HTTP_PARSE_BAD, "bare CR");
	*next = p + 2;
	return HTTP_PARSE_DONE;
}

/* Parses field lines from s->pos through the blank line. */
static enum http_parse parse_fields(struct scan *s,
                                    const struct http_limits *lim,
                                    struct http_header *hdrs, size_t *n_hdrs,
                                    struct fields *f, const char **why)
{
	size_t max_n = lim->max_headers < HTTP_MAX_HEADERS_CAP
	                   ? lim->max_headers
	                   : HTTP_MAX_HEADERS_CAP;
	size_t max_line = lim->max_header_line;
	const char *b = s->b;
	size_t n = 0;

	*n_hdrs = 0;
	for (;;) {
		size_t start = s->pos, lend, p, vstart, vend, next;
		struct http_header *h;
		enum http_parse r;

		if (start == s->end)
			return need_more(s, why);
		if (b[start] == '\n' && s->lf_ok) {
			s->pos = start + 1;
			*n_hdrs = n;
			return HTTP_PARSE_DONE;
		}
		if (b[start] == '\r') {
			if (start + 1 == s->end)
				return need_more(s, why);
			if (b[start + 1] != '\n')
				return fail(why, HTTP_PARSE_BAD, "bare CR");
			s->pos = start + 2;
			*n_hdrs = n;
			return HTTP_PARSE_DONE;
		}
		if (is_ws(b[start]))
			return fail(why, HTTP_PARSE_BAD,
			            n > 0
			                ? "obsolete line folding (obs-fold)"
			                : "whitespace before the first field");
		if (n == max_n)
			return fail(why, HTTP_PARSE_TOO_LARGE,
			            "too many header fields");
		lend = line_end(s, start, max_line);
		p = skip_class(b, start, lend, CH_TOKEN);
		if (p == lend) {
			s->pos = p;
			return line_short(s, start, max_line,
			                  HTTP_PARSE_TOO_LARGE,
			                  "header line too long", why);
		}
		if (b[p] != ':') {
			if (p > start && is_ws(b[p]))
				return fail(why, HTTP_PARSE_BAD,
				            "whitespace before colon");
			if (b[p] == '\n')
				return fail(why, HTTP_PARSE_BAD, "bare LF");
			return fail(why, HTTP_PARSE_BAD, "invalid field name");
		}
		if (p == start)
			return fail(why, HTTP_PARSE_BAD, "empty field name");
		h = &hdrs[n];
		h->name.p = b + start;
		h->name.n = p - start;
		p++;
		while (p < lend && is_ws(b[p]))
			p++;
		vstart = p;
		p = skip_class(b, p, lend, CH_VALUE);
		if (p == lend) {
			s->pos = p;
			return line_short(s, start, max_line,
			                  HTTP_PARSE_TOO_LARGE,
			                  "header line too long", why);
		}
		r = line_break(s, p, &next, why);
		if (r != HTTP_PARSE_DONE)
			return r;
		vend = p;
		while (vend > vstart && is_ws(b[vend - 1]))
			vend--;
		h->value.p = b + vstart;
		h->value.n = vend - vstart;
		r = note_field(f, h, why);
		if (r != HTTP_PARSE_DONE)
			return r;
		n++;
		s->pos = next;
	}
}

/* Matches the literal lit at s->pos within lend. Returns DONE when all of
 * it is there, INCOMPLETE when the bytes so far match, BAD otherwise. */
static enum http_parse expect_lit(struct scan *s, size_t lend, const char *lit)
{
	for (; *lit != '\0'; lit++, s->pos++) {
		if (s->pos == lend)
			return HTTP_PARSE_INCOMPLETE;
		if (s->b[s->pos] != *lit)
			return HTTP_PARSE_BAD;
	}
	return HTTP_PARSE_DONE;
}

/* "HTTP/1.0" or "HTTP/1.1" at s->pos; stores the minor version. */
static enum http_parse parse_version(struct scan *s, size_t lend, int *minor)
{
	enum http_parse r = expect_lit(s, lend, "HTTP/1.");

	if (r != HTTP_PARSE_DONE)
		return r;
	if (s->pos == lend)
		return HTTP_PARSE_INCOMPLETE;
	if (s->b[s->pos] != '0' && s->b[s->pos] != '1')
		return HTTP_PARSE_BAD;
	*minor = s->b[s->pos] - '0';
	s->pos++;
	return HTTP_PARSE_DONE;
}

/* The CRLF closing a start line whose CR should be at s->pos. */
static enum http_parse start_line_crlf(struct scan *s, size_t start,
                                       size_t lend, size_t max,
                                       enum http_parse over, const char **why)
{
	size_t next;
	enum http_parse r;

	if (s->pos == lend)
		return line_short(s, start, max, over, "start line too long",
		                  why);
	if (s->b[s->pos] != '\r' && s->b[s->pos] != '\n')
		return fail(why, HTTP_PARSE_BAD, "malformed start line");
	r = line_break(s, s->pos, &next, why);
	if (r == HTTP_PARSE_DONE)
		s->pos = next;
	return r;
}

/* host [":" port] of an authority without userinfo. */
static const char *parse_authority(const char *a, size_t n, int need_port,
                                   struct http_request *req)
{
	const char *colon, *err;
	size_t hn;
	long long port = HTTP_DEFAULT_PORT;

	if (memchr(a, '@', n) != NULL)
		return "userinfo in target";
	if (n > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', n);

		if (close == NULL)
			return "invalid IPv6 literal in target";
		hn = (size_t)(close - a) + 1;
		if (hn < n && a[hn] != ':')
			return "invalid authority in target";
		colon = hn < n ? a + hn : NULL;
	} else {
		colon = memchr(a, ':', n);
		hn = colon != NULL ? (size_t)(colon - a) : n;
	}
	if (colon != NULL && colon + 1 < a + n) {
		if (parse_number_n(colon + 1, (size_t)(a + n - colon - 1), 1,
		                   65535, &port) != NULL)
			return "invalid port in target";
	} else if (need_port) {
		return "CONNECT target without port";
	}
	err = hostname_normalize(a, hn, req->host);
	if (err != NULL)
		return err;
	req->port = (uint16_t)port;
	return NULL;
}

/* origin_ok: an origin-form target ("/path") is accepted, its host left
 * empty for the Host field to fill. */
static const char *parse_target(struct http_request *req, int origin_ok)
{
	const char *t = req->target.p, *a, *rest;
	size_t n = req->target.n, an;

	req->empty_path = 0;
	if (memchr(t, '#', n) != NULL)
		return "fragment in target";
	if (req->is_connect) {
		req->path.p = root_path + 1;
		req->path.n = 0;
		return parse_authority(t, n, 1, req);
	}
	if (n >= 7 && ascii_casecmp_n(t, "http://", 7) == 0) {
		a = t + 7;
		for (rest = a; rest < t + n && *rest != '/' && *rest != '?';
		     rest++)
			;
		an = (size_t)(rest - a);
		if (rest == t + n) {
			req->path.p = root_path;
			req->path.n = 1;
			req->empty_path = 1;
		} else {
			req->path.p = rest;
			req->path.n = (size_t)(t + n - rest);
		}
		return parse_authority(a, an, 0, req);
	}
	if (n >= 8 && ascii_casecmp_n(t, "https://", 8) == 0)
		return "https target outside CONNECT";
	if (t[0] == '/' && origin_ok) {
		req->host[0] = '\0';
		req->port = 80;
		req->path = req->target;
		return NULL;
	}
	if (t[0] == '/')
		return "origin-form target (not a proxy request)";
	if (n == 1 && t[0] == '*')
		return "asterisk-form target";
	return "unsupported target";
}

/* method SP request-target SP HTTP-version CRLF */
static enum http_parse
parse_request_line(struct scan *s, const struct http_limits *lim, int origin_ok,
                   struct http_request *req, const char **why)
{
	size_t max = lim->max_request_line, start = s->pos;
	size_t lend = line_end(s, start, max);
	const char *b = s->b, *err;
	enum http_parse r;

	s->pos = skip_class(b, s->pos, lend, CH_TOKEN);
	if (s->pos == lend)
		return line_short(s, start, max, HTTP_PARSE_URI_TOO_LONG,
		                  "request line too long", why);
	if (b[s->pos] != ' ' || s->pos == start)
		return fail(why, HTTP_PARSE_BAD, "malformed method");
	req->method.p = b + start;
	req->method.n = s->pos - start;
	s->pos++;

	req->target.p = b + s->pos;
	s->pos = skip_class(b, s->pos, lend, CH_TARGET);
	if (s->pos == lend)
		return line_short(s, start, max, HTTP_PARSE_URI_TOO_LONG,
		                  "request line too long", why);
	req->target.n = (size_t)(b + s->pos - req->target.p);
	if (b[s->pos] != ' ' || req->target.n == 0)
		return fail(why, HTTP_PARSE_BAD, "malformed request target");
	s->pos++;

	r = parse_version(s, lend, &req->minor);
	if (r == HTTP_PARSE_INCOMPLETE)
		return line_short(s, start, max, HTTP_PARSE_URI_TOO_LONG,
		                  "request line too long", why);
	if (r != HTTP_PARSE_DONE)
		return fail(why, HTTP_PARSE_BAD, "unsupported HTTP version");
	r = start_line_crlf(s, start, lend, max, HTTP_PARSE_URI_TOO_LONG, why);
	if (r != HTTP_PARSE_DONE)
		return r;

	/* Methods are case-sensitive (RFC 9110 9.1). */
	req->is_connect =
	    req->method.n == 7 && memcmp(req->method.p, "CONNECT", 7) == 0;
	req->is_head =
	    req->method.n == 4 && memcmp(req->method.p, "HEAD", 4) == 0;
	req->is_trace =
	    req->method.n == 5 && memcmp(req->method.p, "TRACE", 5) == 0;
	req->is_options =
	    req->method.n == 7 && memcmp(req->method.p, "OPTIONS", 7) == 0;
	err = parse_target(req, origin_ok && !req->is_connect);
	if (err != NULL)
		return fail(why, HTTP_PARSE_BAD, err);
	return HTTP_PARSE_DONE;
}

static void scan_init(struct scan *s, const char *buf, size_t len,
                      const struct http_limits *lim)
{
	s->b = buf;
	s->len = len;
	s->end = len < lim->max_header_size ? len : lim->max_header_size;
	s->pos = 0;
	s->lf_ok = 0;
}

/* The host of an origin-form request, from its Host field. */
static const char *host_from_field(struct http_request *req)
{
	size_t i;

	for (i = 0; i < req->n_headers; i++)
		if (http_header_is(&req->headers[i], "Host"))
			return parse_authority(req->headers[i].value.p,
			                       req->headers[i].value.n, 0, req);
	return "request without Host";
}

static enum http_parse parse_request(const char *buf, size_t len,
                                     const struct http_limits *lim,
                                     int origin_ok, struct http_request *req,
                                     const char **why)
{
	struct fields f = {.is_request = 1, .max_forwards = -1};
	const char *err;
	struct scan s;
	enum http_parse r;

	scan_init(&s, buf, len, lim);
	/* RFC 9112 2.2: a server should ignore at least one empty line before
	 * the request line; clients send one after a POST body. One only. */
	if (s.end > 0 && buf[0] == '\r') {
		if (s.end == 1)
			return need_more(&s, why);
		if (buf[1] != '\n')
			return fail(why, HTTP_PARSE_BAD, "bare CR");
		s.pos = 2;
	}
	r = parse_request_line(&s, lim, origin_ok, req, why);
	if (r != HTTP_PARSE_DONE)
		return r;
	f.max_forwards_counts = req->is_trace || req->is_options;
	r = parse_fields(&s, lim, req->headers, &req->n_headers, &f, why);
	if (r != HTTP_PARSE_DONE)
		return r;
	req->head_len = s.pos;
	if (req->host[0] == '\0' && (err = host_from_field(req)) != NULL)
		return fail(why, HTTP_PARSE_BAD, err);

	if (f.has_te && f.has_length)
		return fail(why, HTTP_PARSE_BAD,
		            "both Transfer-Encoding and Content-Length");
	/* RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing. */
	if (f.has_te && req->minor == 0)
		return fail(why, HTTP_PARSE_BAD,
		            "Transfer-Encoding in HTTP/1.0");
	if (!f.has_host && req->minor == 1)
		return fail(why, HTTP_PARSE_BAD,
		            "HTTP/1.1 request without Host");
	req->content_length = 0;
	if (f.has_te) {
		req->body = HTTP_BODY_CHUNKED;
	} else if (f.has_length && f.length > 0) {
		req->body = HTTP_BODY_LENGTH;
		req->content_length = f.length;
	} else {
		req->body = HTTP_BODY_NONE;
	}
	/* A CONNECT request has no content (RFC 9110 9.3.6); what follows its
	 * head is the tunnel. */
	if (req->is_connect && req->body != HTTP_BODY_NONE)
		return fail(why, HTTP_PARSE_BAD, "CONNECT with a body");
	if (req->minor == 1)
		req->keep_alive = !f.conn_close;
	else
		req->keep_alive =
		    !f.conn_close && (f.conn_keep_alive || f.proxy_keep_alive);
	req->expect_continue = f.expect_continue && req->minor == 1;
	req->proxy_authorization = f.proxy_authorization;
	req->max_forwards = f.max_forwards;
	return HTTP_PARSE_DONE;
}

enum http_parse http_parse_request(const char *buf, size_t len,
                                   const struct http_limits *lim,
                                   struct http_request *req, const char **why)
{
	return parse_request(buf, len, lim, 0, req, why);
}

enum http_parse http_parse_request_origin(const char *buf, size_t len,
                                          const struct http_limits *lim,
                                          struct http_request *req,
                                          const char **why)
{
	return parse_request(buf, len, lim, 1, req, why);
}

/* HTTP-version SP 3DIGIT SP reason-phrase CRLF; the SP before an empty
 * reason is optional, as servers drop it. */
static enum http_parse parse_status_line(struct scan *s,
                                         const struct http_limits *lim,
                                         struct http_response *resp,
                                         const char **why)
{
	size_t max = lim->max_request_line, start = s->pos;
	size_t lend = line_end(s, start, max), i;
	const char *b = s->b;
	enum http_parse r;

	r = parse_version(s, lend, &resp->minor);
	if (r == HTTP_PARSE_DONE)
		r = expect_lit(s, lend, " ");
	if (r == HTTP_PARSE_INCOMPLETE)
		return line_short(s, start, max, HTTP_PARSE_TOO_LARGE,
		                  "status line too long", why);
	if (r != HTTP_PARSE_DONE)
		return fail(why, HTTP_PARSE_BAD, "unsupported HTTP version");
	resp->status = 0;
	for (i = 0; i < 3; i++, s->pos++) {
		if (s->pos == lend)
			return line_short(s, start, max, HTTP_PARSE_TOO_LARGE,
			                  "status line too long", why);
		if (b[s->pos] < '0' || b[s->pos] > '9')
			return fail(why, HTTP_PARSE_BAD,
			            "malformed status code");
		resp->status = resp->status * 10 + (b[s->pos] - '0');
	}
	if (resp->status < 100 || resp->status > 599)
		return fail(why, HTTP_PARSE_BAD, "status code out of range");
	resp->reason.p = b + s->pos;
	resp->reason.n = 0;
	if (s->pos < lend && b[s->pos] == ' ') {
		resp->reason.p = b + ++s->pos;
		s->pos = skip_class(b, s->pos, lend, CH_VALUE);
		resp->reason.n = (size_t)(b + s->pos - resp->reason.p);
	}
	return start_line_crlf(s, start, lend, max, HTTP_PARSE_TOO_LARGE, why);
}

enum http_parse http_parse_response(const char *buf, size_t len,
                                    const struct http_limits *lim, int is_head,
                                    int is_connect, struct http_response *resp,
                                    const char **why)
{
	struct fields f = {.is_request = 0, .max_forwards = -1};
	struct scan s;
	enum http_parse r;
	int st;

	scan_init(&s, buf, len, lim);
	s.lf_ok = 1;
	r = parse_status_line(&s, lim, resp, why);
	if (r != HTTP_PARSE_DONE)
		return r;
	r = parse_fields(&s, lim, resp->headers, &resp->n_headers, &f, why);
	if (r != HTTP_PARSE_DONE)
		return r;
	resp->head_len = s.pos;

	if (f.has_te && f.has_length)
		return fail(why, HTTP_PARSE_BAD,
		            "both Transfer-Encoding and Content-Length");
	if (f.has_te && resp->minor == 0)
		return fail(why, HTTP_PARSE_BAD,
		            "Transfer-Encoding in HTTP/1.0");
	st = resp->status;
	resp->content_length = 0;
	if (is_head || st / 100 == 1 || st == 204 || st == 304 ||
	    (is_connect && st / 100 == 2)) {
		resp->body = HTTP_BODY_NONE;
	} else if (f.has_te) {
		resp->body = HTTP_BODY_CHUNKED; /* note_te saw it final */
	} else if (f.has_length) {
		resp->body = f.length > 0 ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
		resp->content_length = f.length;
	} else {
		resp->body = HTTP_BODY_CLOSE;
	}
	if (resp->minor == 1)
		resp->keep_alive = !f.conn_close;
	else
		resp->keep_alive = !f.conn_close && f.conn_keep_alive;
	if (resp->body == HTTP_BODY_CLOSE)
		resp->keep_alive = 0;
	return HTTP_PARSE_DONE;
}

int http_header_is_hop_by_hop(const struct http_header *headers, size_t n,
                              const struct http_header *h)
{
	struct http_slice e;
	const char *p, *end;
	size_t i;

	if (http_header_is(h, "connection") ||
	    http_header_is(h, "proxy-connection") ||
	    http_header_is(h, "keep-alive") || http_header_is(h, "te") ||
	    http_header_is(h, "trailer") || http_header_is(h, "upgrade"))
		return 1;
	for (i = 0; i < n; i++) {
		if (!http_header_is(&headers[i], "connection"))
			continue;
		p = headers[i].value.p;
		end = p + headers[i].value.n;
		while (list_next(&p, end, &e))
			if (slice_eq_ci(e.p, e.n, h->name.p, h->name.n))
				return 1;
	}
	return 0;
}
