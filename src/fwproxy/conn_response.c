/* The server's answer: its head checked and rewritten for the client. */
#include <string.h>

#include "conn.h"
#include "log.h"
#include "util.h"

/* Parsing scratch, as for requests. */
static struct http_response parsed_response;

/* Fields written from our own parse, and the proxy authentication
 * fields: a challenge from an origin (or an upstream proxy) would ask the
 * client for credentials this proxy never forwards. */
static int replaced_field(const struct http_header *h)
{
	return http_header_is(h, "Content-Length") ||
	       http_header_is(h, "Transfer-Encoding") ||
	       http_header_is(h, "Proxy-Connection") ||
	       http_header_is(h, "Proxy-Authenticate") ||
	       http_header_is(h, "Proxy-Authentication-Info");
}

/* The first field named name, or NULL. */
static const struct http_header *find_field(const struct http_response *r,
                                            const char *name)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++)
		if (http_header_is(&r->headers[i], name))
			return &r->headers[i];
	return NULL;
}

static void build_client_head(struct conn *c, const struct http_response *r,
                              int keep_client)
{
	const struct config *cfg = c->rt->cfg;
	struct buf *b = &c->cout;
	size_t i;

	buf_append_str(b, "HTTP/1.1 ");
	buf_append_uint(b, (unsigned)r->status); /* 100-999: three digits */
	buf_append(b, " ", 1);
	buf_append(b, r->reason.p, r->reason.n);
	buf_append(b, "\r\n", 2);
	for (i = 0; i < r->n_headers; i++) {
		const struct http_header *h = &r->headers[i];
		if (replaced_field(h) ||
		    http_header_is_hop_by_hop(r->headers, r->n_headers, h))
			continue;
		conn_append_field(b, h);
	}
	if (r->body == HTTP_BODY_LENGTH) {
		conn_append_content_length(b, r->content_length);
	} else if (r->body == HTTP_BODY_CHUNKED) {
		/* The codings as sent ("gzip, chunked"): the parser checked
		 * that each is known and chunked is last. */
		conn_append_field(b, find_field(r, "Transfer-Encoding"));
	} else if (r->body == HTTP_BODY_NONE) {
		/* No body follows, but the length (of a HEAD's GET, or zero)
		 * still tells the client so; the parser checked the value. */
		const struct http_header *cl = find_field(r, "Content-Length");
		if (cl != NULL)
			conn_append_field(b, cl);
	}
	if (r->status >= 200) {
		if (!keep_client)
			buf_append_str(b, "Connection: close\r\n");
		else if (c->client_minor == 0)
			buf_append_str(b, "Connection: keep-alive\r\n");
	}
	if (!cfg->disable_via_header)
		buf_append(b, c->rt->via[r->minor], c->rt->via_len[r->minor]);
	buf_append(b, "\r\n", 2);
}

int conn_handle_response(struct conn *c)
{
	struct http_response *r = &parsed_response;
	const char *why = "malformed response";
	enum http_parse p;
	int keep_client;

	for (;;) {
		p = http_parse_response(buf_head(&c->sin), c->sin.len,
		                        &c->rt->limits, c->is_head, 0, r, &why);
		if (p == HTTP_PARSE_INCOMPLETE) {
			if (c->server_eof) {
				why = "the server closed the connection in "
				      "the response head";
				break;
			}
			if (buf_room(&c->sin) == 0) {
				why = "response head too large";
				break;
			}
			conn_update_events(c);
			return 0;
		}
		if (p != HTTP_PARSE_DONE)
			break;
		if (r->status == 101) {
			why = "the server switched protocols unasked";
			break;
		}
		if (r->status >= 100 && r->status < 200 &&
		    ++c->interim_count > MAX_INTERIM_RESPONSES) {
			why = "too many interim (1xx) answers";
			break;
		}
		if (r->status >= 100 && r->status < 200) {
			/* Interim answers go on to 1.1 clients only. */
			if (c->client_minor == 1)
				build_client_head(c, r, 1);
			buf_consume(&c->sin, r->head_len);
			if (c->sin.len == 0) {
				conn_update_events(c);
				return 0;
			}
			continue;
		}
		c->resp_status = r->status;
		c->resp_body = r->body;
		c->resp_left = r->content_length;
		c->server_keep_alive = r->keep_alive;
		if (r->body == HTTP_BODY_CHUNKED) {
			http_chunked_init(&c->resp_chunked);
			c->resp_left = 0;
		}
		/* A request body still arriving (the server answered
		 * early) cannot be told from the next request: close. */
		keep_client = c->client_keep_alive && c->req_done &&
		              r->body != HTTP_BODY_CLOSE && !c->px->stopping;
		if (!keep_client)
			c->close_after_reply = 1;
		build_client_head(c, r, keep_client);
		buf_consume(&c->sin, r->head_len);
		c->sin_body = 0;
		c->resp_head_sent = 1;
		return 0;
	}
	log_msg(LOG_LEVEL_WARNING, "Bad response from %s for %s: %s", c->host,
	        c->client_ip, why);
	c->px->stats.errors++;
	conn_server_close(c);
	c->cout.off = c->cout.len = 0;
	conn_reply_error(c, 502, "Bad Gateway", why, 1);
	return -1;
}
