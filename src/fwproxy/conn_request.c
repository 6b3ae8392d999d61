/* Deciding a request: who may ask, what the rules say, where it goes, and
 * the head the server receives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "conn.h"
#include "json.h"
#include "log.h"
#include "util.h"

static void copy_slice(char *dst, size_t size, struct http_slice s)
{
	size_t n = s.n < size - 1 ? s.n : size - 1;

	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* Writes s at dst + at (the string so far, size > at) and a NUL, cutting
 * it to fit; returns the new length. Formats per request without
 * printf's cost. */
static size_t cat(char *dst, size_t size, size_t at, const char *s)
{
	at += str_copy(dst + at, s, size - at);
	return at < size ? at : size - 1;
}

static size_t cat_port(char *dst, size_t size, size_t at, uint16_t port)
{
	char digits[24];

	str_uint(digits, port);
	return cat(dst, size, at, digits);
}

/* Host as it goes into a Host header or URL: IPv6 literals in brackets,
 * the port only when it is not the default. */
static void format_authority(char *dst, size_t size, const char *host,
                             uint16_t port, int always_port)
{
	int v6 = strchr(host, ':') != NULL;
	size_t n = cat(dst, size, 0, v6 ? "[" : "");

	n = cat(dst, size, n, host);
	n = cat(dst, size, n, v6 ? "]" : "");
	if (always_port || port != 80) {
		n = cat(dst, size, n, ":");
		cat_port(dst, size, n, port);
	}
}

static void append_path(struct buf *b, struct http_slice path)
{
	if (path.n == 0 || path.p[0] != '/')
		buf_append(b, "/", 1);
	buf_append(b, path.p, path.n);
}

/* Sets c->request_line (line_len bytes at line) and c->url ("http://"
 * authority path, or for a tunnel the authority alone), both kept in
 * c->text: its storage outlives the request, so a busy connection
 * allocates nothing here. */
static void keep_request_text(struct conn *c, const char *line, size_t line_len,
                              const char *authority,
                              const struct http_slice *path)
{
	size_t url_at;

	c->text.len = 0;
	buf_append(&c->text, line, line_len);
	buf_append(&c->text, "", 1);
	url_at = c->text.len;
	if (path == NULL) {
		buf_append_str(&c->text, authority);
	} else {
		buf_append_str(&c->text, "http://");
		buf_append_str(&c->text, authority);
		append_path(&c->text, *path);
	}
	buf_append(&c->text, "", 1);
	c->request_line = buf_head(&c->text);
	c->url = buf_head(&c->text) + url_at;
}

static int authorized(const struct config *cfg, const struct http_request *req)
{
	const struct basic_auth *a;
	const struct http_header *h = req->proxy_authorization;
	const char *v;
	size_t n;

	if (cfg->basic_auth == NULL)
		return 1;
	if (h == NULL)
		return 0;
	v = h->value.p;
	n = h->value.n;
	if (n < 6 || ascii_casecmp_n(v, "basic ", 6) != 0)
		return 0;
	v += 6;
	n -= 6;
	while (n > 0 && *v == ' ') {
		v++;
		n--;
	}
	for (a = cfg->basic_auth; a != NULL; a = a->next)
		if (strlen(a->encoded) == n && memcmp(a->encoded, v, n) == 0)
			return 1;
	return 0;
}

static int anonymous_keeps(const struct config *cfg,
                           const struct http_header *h)
{
	const struct string_list *s;

	if (cfg->anonymous == NULL)
		return 1;
	for (s = cfg->anonymous; s != NULL; s = s->next)
		if (http_header_is(h, s->value))
			return 1;
	return 0;
}

/* 1 when the name reads as lit once '_' is taken for '-': gateways that
 * map headers to variables (CGI) do so, and would see a second framing
 * field in "Transfer_Encoding". */
static int underscore_alias(const struct http_header *h, const char *lit)
{
	size_t i;

	if (h->name.n != strlen(lit) ||
	    memchr(h->name.p, '_', h->name.n) == NULL)
		return 0;
	for (i = 0; i < h->name.n; i++) {
		int ch = h->name.p[i] == '_' ? '-' : h->name.p[i];
		if (ascii_lower(ch) != ascii_lower((unsigned char)lit[i]))
			return 0;
	}
	return 1;
}

/* Fields the proxy writes itself or never forwards, whatever the client's
 * Connection header says. */
static int replaced_field(const struct http_header *h)
{
	return underscore_alias(h, "Content-Length") ||
	       underscore_alias(h, "Transfer-Encoding") ||
	       http_header_is(h, "Host") ||
	       http_header_is(h, "Content-Length") ||
	       http_header_is(h, "Transfer-Encoding") ||
	       http_header_is(h, "Proxy-Authorization") ||
	       http_header_is(h, "Proxy-Connection");
}

static int has_content_length(const struct http_request *req)
{
	size_t i;

	for (i = 0; i < req->n_headers; i++)
		if (http_header_is(&req->headers[i], "Content-Length"))
			return 1;
	return 0;
}

static void build_server_head(struct conn *c, const struct http_request *req,
                              const char *authority)
{
	const struct config *cfg = c->rt->cfg;
	struct buf *b = &c->sout;
	const struct header_line *add;
	size_t i;
	int via_upstream =
	    c->upstream != NULL && c->upstream->type == UPSTREAM_HTTP;

	b->off = b->len = 0;
	buf_append(b, req->method.p, req->method.n);
	buf_append(b, " ", 1);
	if (via_upstream) {
		buf_append_str(b, "http://");
		buf_append_str(b, authority);
		/* The last proxy turns an empty path into "*". */
		if (!(req->is_options && req->empty_path))
			append_path(b, req->path);
	} else if (req->is_options && req->empty_path) {
		buf_append(b, "*", 1); /* RFC 9112 3.2.4 */
	} else {
		append_path(b, req->path);
	}
	buf_append_str(b, req->minor == 0 ? " HTTP/1.0\r\nHost: "
	                                  : " HTTP/1.1\r\nHost: ");
	buf_append_str(b, authority);
	buf_append(b, "\r\n", 2);
	for (i = 0; i < req->n_headers; i++) {
		const struct http_header *h = &req->headers[i];
		if (replaced_field(h) ||
		    http_header_is_hop_by_hop(req->headers, req->n_headers,
		                              h) ||
		    !anonymous_keeps(cfg, h))
			continue;
		if (req->max_forwards > 0 &&
		    http_header_is(h, "Max-Forwards")) {
			/* RFC 9110 7.6.2: one hop fewer. */
			buf_append_str(b, "Max-Forwards: ");
			buf_append_uint(
			    b, (unsigned long long)req->max_forwards - 1);
			buf_append(b, "\r\n", 2);
			continue;
		}
		conn_append_field(b, h);
	}
	if (req->body == HTTP_BODY_LENGTH) {
		conn_append_content_length(b, req->content_length);
	} else if (req->body == HTTP_BODY_NONE && has_content_length(req)) {
		buf_append_str(b, "Content-Length: 0\r\n");
	} else if (req->body == HTTP_BODY_CHUNKED) {
		buf_append_str(b, "Transfer-Encoding: chunked\r\n");
	}
	/* A connection the client will not reuse is not kept to the server
	 * either; asking the server to close it first leaves the TIME_WAIT
	 * there, not on this proxy's ephemeral ports. */
	if (req->minor == 0 || !req->keep_alive)
		buf_append_str(b, "Connection: close\r\n");
	if (!cfg->disable_via_header)
		buf_append(b, c->rt->via[req->minor],
		           c->rt->via_len[req->minor]);
	if (cfg->x_tinyproxy)
		buf_printf(b, "X-Tinyproxy: %s\r\n", c->client_ip);
	for (add = cfg->add_headers; add != NULL; add = add->next)
		buf_printf(b, "%s: %s\r\n", add->name, add->value);
	if (via_upstream && c->upstream->user != NULL) {
		char *cred =
		    base64_credentials(c->upstream->user, c->upstream->pass);
		buf_printf(b, "Proxy-Authorization: Basic %s\r\n", cred);
		free(cred);
	}
	buf_append(b, "\r\n", 2);
	c->sout_total = b->len;
}

/* Before an answer of ours: consumes the HTTP request's head, and its
 * body when all of it has arrived, so that the connection can go on to
 * the next request. A body still on its way cannot be told from a next
 * request: the connection then closes after the answer. */
static void consume_request(struct conn *c, const struct http_request *req)
{
	struct http_chunked chunked;
	size_t used;

	if (req == NULL)
		return; /* a tunnel's handshake, consumed by its front-end */
	buf_consume(&c->cin, req->head_len);
	c->req_done = 1;
	if (req->body == HTTP_BODY_NONE)
		return;
	if (req->body == HTTP_BODY_LENGTH &&
	    req->content_length <= c->cin.len) {
		buf_consume(&c->cin, (size_t)req->content_length);
		return;
	}
	http_chunked_init(&chunked);
	if (req->body == HTTP_BODY_CHUNKED &&
	    http_chunked_feed(&chunked, buf_head(&c->cin), c->cin.len, &used) ==
	        HTTP_CHUNKED_DONE) {
		buf_consume(&c->cin, used);
		return;
	}
	c->req_done = 0;
	c->close_after_reply = 1;
}

/* RFC 9110 7.6.2: a TRACE or OPTIONS that may go no further is answered
 * here. */
static void answer_max_forwards(struct conn *c, const struct http_request *req)
{
	struct buf body = {0};

	if (req->is_trace)
		conn_trace_body(&body, req);
	consume_request(c, req);
	conn_reply_ok(c, req->is_trace ? "message/http" : NULL, &body);
}

static void note_refusal(struct conn *c, const struct filter_verdict *v)
{
	int learn = c->rt->cfg->filter_learn;
	int transparent = c->transparent != TRANSPARENT_NONE;
	char rule[HOSTNAME_MAX + 32], label[48], line[LOG_LINE_MAX];

	if (v->line > 0)
		snprintf(rule, sizeof(rule), "%s:%d", v->file, v->line);
	else
		str_copy(rule, "default", sizeof(rule));
	if (log_is_json()) {
		/* Repeats are counted without the URL, as in the text line. */
		struct buf key = {0}, full = {0};
		json_string(&key, "event", learn ? "would-refuse" : "refused");
		json_string(&key, "client", c->client_ip);
		json_string(&key, "method", c->method);
		json_string(&key, "host", c->host);
		json_number(&key, "port", c->port);
		json_string(&key, "rule", rule);
		if (transparent)
			json_string(&key, "mode", "transparent");
		buf_append(&full, buf_head(&key), key.len);
		json_string(&full, "url", c->url);
		proxy_log_refusal(c->px, c->client_ip, buf_cstr(&key),
		                  buf_cstr(&full));
		buf_free(&key);
		buf_free(&full);
	} else {
		snprintf(line, sizeof(line),
		         "%s filtered domain \"%s\" (client %s, %s %s:%u%s, "
		         "rule %s)",
		         learn ? "Learning: would refuse"
		               : "Proxying refused on",
		         c->host, c->client_ip, c->method, c->host, c->port,
		         transparent ? " transparent" : "", rule);
		proxy_log_refusal(c->px, c->client_ip, line, NULL);
	}
	proxy_note_refusal(c->px, c->client_ip,
	                   transparent
	                       ? conn_transparent_label(c, label, sizeof(label))
	                       : c->method,
	                   c->host, c->port);
}

static void server_key(struct conn *c, char *key, size_t size)
{
	const struct upstream *up = c->upstream;

	if (up == NULL) {
		size_t n = cat(key, size, 0, "D ");

		n = cat(key, size, n, c->host);
		cat_port(key, size, cat(key, size, n, " "), c->port);
	} else if (up->type == UPSTREAM_HTTP) {
		snprintf(key, size, "H %s %u", up->host, up->port);
	} else {
		snprintf(key, size, "S%d %s %u %s %u", (int)up->type, up->host,
		         up->port, c->host, c->port);
	}
}

static void decide(struct conn *c, const struct http_request *req,
                   const char *authority);

void conn_handle_request(struct conn *c, struct http_request *req)
{
	const struct config *cfg = c->rt->cfg;
	char authority[HOSTNAME_MAX + 16];
	const char *line_end = memchr(req->method.p, '\r', req->head_len);

	copy_slice(c->method, sizeof(c->method), req->method);
	str_copy(c->host, req->host, sizeof(c->host));
	c->port = req->port;
	/* A redirected HTTP request goes where its client sent it. */
	if (c->transparent == TRANSPARENT_HTTP && !req->is_connect)
		c->port = conn_transparent_port(c);
	c->is_connect = req->is_connect;
	c->is_head = req->is_head;
	c->client_minor = req->minor;
	c->client_keep_alive = req->keep_alive;
	c->req_body = req->body;
	c->req_left = req->content_length;
	c->req_done = 0;
	c->cin_body = 0;
	format_authority(authority, sizeof(authority), c->host, c->port,
	                 req->is_connect);
	keep_request_text(c, req->method.p,
	                  line_end ? (size_t)(line_end - req->method.p)
	                           : req->method.n,
	                  authority, req->is_connect ? NULL : &req->path);

	/* A redirected client knows no proxy, nor its password. */
	if (c->transparent == TRANSPARENT_NONE && !authorized(cfg, req)) {
		consume_request(c, req);
		log_msg(LOG_LEVEL_NOTICE,
		        "Proxy authentication required for %s", c->client_ip);
		conn_reply_error(c, 407, "Proxy Authentication Required",
		                 "this proxy needs a user name and password",
		                 0);
		return;
	}
	if (cfg->stat_host != NULL && strcmp(c->host, cfg->stat_host) == 0 &&
	    !req->is_connect) {
		consume_request(c, req);
		conn_reply_stats(c);
		return;
	}
	if (req->is_connect && c->transparent == TRANSPARENT_HTTP) {
		buf_consume(&c->cin, req->head_len);
		c->px->stats.errors++;
		conn_reply_error(c, 400, "Bad Request",
		                 "CONNECT sent to a server, not to a proxy", 1);
		return;
	}
	decide(c, req, authority);
}

void conn_decide_tunnel(struct conn *c, const char *protocol)
{
	char authority[HOSTNAME_MAX + 16], line[HOSTNAME_MAX + 48];
	size_t n;

	/* Every other request field is as reset_request leaves it. */
	str_copy(c->method, protocol, sizeof(c->method));
	c->is_connect = 1;
	c->client_keep_alive = 0;
	format_authority(authority, sizeof(authority), c->host, c->port, 1);
	n = cat(line, sizeof(line), 0, protocol);
	n = cat(line, sizeof(line), cat(line, sizeof(line), n, " "), authority);
	keep_request_text(c, line, n, authority, NULL);
	decide(c, NULL, authority);
}

/* The decision every front-end shares: ConnectPort for tunnels, the
 * rules, the upstream, then the dial. req is the HTTP request whose head
 * is still in cin, or NULL for a tunnel whose handshake is consumed. */
static void decide(struct conn *c, const struct http_request *req,
                   const char *authority)
{
	const struct config *cfg = c->rt->cfg;
	size_t head_len = req != NULL ? req->head_len : 0;
	struct filter_verdict v;
	char key[sizeof(c->server_key)];
	uint8_t literal[16];
	int is_literal;

	/* Transparent lists the ports a redirected tunnel may reach. */
	if (c->is_connect && c->transparent == TRANSPARENT_NONE &&
	    !config_connect_port_allowed(cfg, c->port)) {
		char line[HOSTNAME_MAX + 128];
		consume_request(c, req);
		c->px->stats.refused++;
		snprintf(line, sizeof(line),
		         "Refused %s to %s:%u from %s: port not allowed by "
		         "ConnectPort",
		         c->method, c->host, c->port, c->client_ip);
		proxy_log_refusal(c->px, c->client_ip, line, NULL);
		conn_reply_error(c, 403, "Access violation",
		                 "CONNECT to this port is not allowed", 0);
		return;
	}
	filter_check(c->rt->filter, c->host, c->port, c->url, &v);
	if (v.line > 0) {
		c->rule_file = v.file;
		c->rule_line = v.line;
	}
	if (!v.allowed) {
		note_refusal(c, &v);
		if (!cfg->filter_learn) {
			consume_request(c, req);
			c->px->stats.refused++;
			conn_reply_error(
			    c, 403, "Filtered",
			    "the request was refused by the filter", 0);
			return;
		}
	}
	c->px->stats.allowed++;
	if (req != NULL && req->max_forwards == 0) {
		answer_max_forwards(c, req);
		return;
	}
	is_literal = hostname_ip_literal(c->host, literal);
	c->upstream =
	    config_upstream_for(cfg, c->host, is_literal ? literal : NULL);
	if (c->upstream != NULL && c->upstream->type == UPSTREAM_NONE)
		c->upstream = NULL;

	if (!c->is_connect)
		build_server_head(c, req, authority);
	buf_consume(&c->cin, head_len);

	server_key(c, key, sizeof(key));
	if (c->server.fd != -1 && !c->is_connect &&
	    strcmp(key, c->server_key) == 0) {
		c->server_reused = 1;
		conn_start_exchange(c);
		return;
	}
	conn_server_close(c);
	str_copy(c->server_key, key, sizeof(c->server_key));
	conn_dial(c);
}
