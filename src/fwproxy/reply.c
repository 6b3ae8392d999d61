/* Replies the proxy writes itself: error pages and the statistics page. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "html.h"
#include "util.h"

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 407:
		return "Proxy Authentication Required";
	case 408:
		return "Request Timeout";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Error";
	}
}

static const char *page_template(const struct runtime *rt, int status)
{
	int i;

	for (i = 0; i < rt->n_error_pages; i++)
		if (rt->error_pages[i].status == status)
			return rt->error_pages[i].text;
	return rt->error_page;
}

static void http_date(char *dst, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(dst, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void builtin_page(struct buf *b, const struct conn *c,
                         const struct runtime *rt, int status,
                         const char *cause, const char *detail)
{
	char rule[HOSTNAME_MAX * 2 + 4];

	buf_printf(b,
	           "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	           "<title>%d ",
	           status);
	html_escape(b, cause);
	buf_append_str(b, "</title><style>body{font-family:sans-serif;"
	                  "margin:2em;max-width:50em}pre{background:#eee;"
	                  "padding:.5em}</style></head>\n<body>\n<h1>");
	html_escape(b, cause);
	buf_append_str(b, "</h1>\n<p>");
	html_escape(b, detail);
	buf_append_str(b, "</p>\n");
	if (c->host[0] != '\0') {
		buf_append_str(b, "<p>Host: <code>");
		html_escape(b, c->host);
		buf_append_str(b, "</code></p>\n");
	}
	if (status == 403 && strcmp(cause, "Filtered") == 0) {
		const struct config *cfg = rt->cfg;
		if (c->rule_file != NULL) {
			buf_printf(b, "<p>Refused by rule <code>");
			html_escape(b, c->rule_file);
			buf_printf(b, ":%d</code>.</p>\n", c->rule_line);
		} else if (cfg->filter_default_deny && cfg->filter != NULL) {
			html_suggested_rule(rule, sizeof(rule),
			                    cfg->filter_type, c->host);
			buf_append_str(
			    b, "<p>To allow it, add this line to <code>");
			html_escape(b, cfg->filter_source ? cfg->filter_source
			                                  : cfg->filter);
			buf_append_str(b, "</code>:</p>\n<pre>");
			html_escape(b, rule);
			buf_append_str(b, "</pre>\n");
		}
	}
	buf_printf(b, "<hr><address>fwproxy %s</address>\n</body></html>\n",
	           FWPROXY_VERSION);
}

static void finish_reply(struct conn *c, int status, const char *reason,
                         const char *type, struct buf *body, int close)
{
	struct buf *b = &c->cout;
	const struct runtime *rt = c->rt ? c->rt : c->px->rt;
	/* Kept open only when the request was read whole: a body still on
	 * its way would be read as the next request. */
	int keep = !close && c->client_keep_alive && c->req_done &&
	           !c->close_after_reply && !c->px->stopping;

	c->resp_status = status;
	c->resp_body = HTTP_BODY_NONE;
	buf_printf(b, "HTTP/1.1 %d %s\r\n", status, reason);
	if (type != NULL)
		buf_printf(b, "Content-Type: %s\r\n", type);
	buf_printf(b, "Content-Length: %zu\r\nCache-Control: no-store\r\n",
	           body->len);
	if (status == 407)
		buf_printf(b, "Proxy-Authenticate: Basic realm=\"%s\"\r\n",
		           rt->cfg->basic_auth_realm ? rt->cfg->basic_auth_realm
		                                     : "fwproxy");
	buf_append_str(b, keep ? (c->client_minor == 0
	                              ? "Connection: keep-alive\r\n\r\n"
	                              : "\r\n")
	                       : "Connection: close\r\n\r\n");
	if (!c->is_head && body->len > 0)
		buf_append(b, buf_head(body), body->len);
	buf_free(body);
	conn_send_reply(c, !keep);
}

void conn_reply_ok(struct conn *c, const char *type, struct buf *body)
{
	c->cout.off = c->cout.len = 0;
	finish_reply(c, 200, "OK", type, body, 0);
}

/* Fields that carry credentials: a TRACE echo leaves them out (RFC 9110
 * 9.3.8 asks so of the recipient that answers). */
static int secret_field(const struct http_header *h)
{
	return http_header_is(h, "Proxy-Authorization") ||
	       http_header_is(h, "Authorization") ||
	       http_header_is(h, "Cookie");
}

void conn_trace_body(struct buf *b, const struct http_request *req)
{
	size_t i;

	buf_append(b, req->method.p, req->method.n);
	buf_append(b, " ", 1);
	buf_append(b, req->target.p, req->target.n);
	buf_append_str(b, req->minor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
	for (i = 0; i < req->n_headers; i++)
		if (!secret_field(&req->headers[i]))
			conn_append_field(b, &req->headers[i]);
	buf_append(b, "\r\n", 2);
}

void conn_reply_error(struct conn *c, int status, const char *cause,
                      const char *detail, int close)
{
	const struct runtime *rt = c->rt ? c->rt : c->px->rt;
	const char *template = page_template(rt, status);
	struct buf body = {0};
	char code[8], date[64];

	if (c->socks_version != 0) {
		conn_socks_reply_error(c, status);
		return;
	}
	/* A redirected TLS or TCP client would take a page for its
	 * protocol's bytes: it only sees the connection close. */
	if (c->transparent == TRANSPARENT_TLS ||
	    c->transparent == TRANSPARENT_IP) {
		conn_close(c);
		return;
	}
	c->cout.off = c->cout.len = 0;
	if (template != NULL) {
		struct html_var vars[] = {
		    {"errno", code},
		    {"cause", cause},
		    {"detail", detail},
		    {"url", c->url ? c->url : ""},
		    {"request", c->request_line ? c->request_line : ""},
		    {"clientip", c->client_ip},
		    {"clienthost", c->client_ip},
		    {"date", date},
		    {"website", "fwproxy"},
		    {"version", FWPROXY_VERSION},
		    {"package", "fwproxy"},
		};
		snprintf(code, sizeof(code), "%d", status);
		http_date(date, sizeof(date));
		html_render(&body, template, vars, (int)ARRAY_LEN(vars));
	} else {
		builtin_page(&body, c, rt, status, cause, detail);
	}
	finish_reply(c, status, reason_phrase(status),
	             "text/html; charset=utf-8", &body, close);
}

void conn_reply_stats(struct conn *c)
{
	const struct proxy_stats *st = &c->px->stats;
	const struct config *cfg = c->rt->cfg;
	struct buf body = {0};
	char n[8][24];
	int i;

	snprintf(n[0], sizeof(n[0]), "%d", c->px->n_conns);
	snprintf(n[1], sizeof(n[1]), "%lu", st->requests);
	snprintf(n[2], sizeof(n[2]), "%lu", st->errors);
	snprintf(n[3], sizeof(n[3]), "%lu", st->denied_clients);
	snprintf(n[4], sizeof(n[4]), "%lu", st->refused);
	snprintf(n[5], sizeof(n[5]), "%lu", st->allowed);
	snprintf(n[6], sizeof(n[6]), "%lu", st->connections);
	snprintf(n[7], sizeof(n[7]), "%lu", st->over_limit);
	if (c->rt->stat_page != NULL) {
		struct html_var vars[] = {
		    {"opens", n[0]},        {"reqs", n[1]},
		    {"badconns", n[2]},     {"deniedconns", n[3]},
		    {"refusedconns", n[7]}, {"filtered", n[4]},
		    {"allowed", n[5]},      {"connections", n[6]},
		    {"package", "fwproxy"}, {"version", FWPROXY_VERSION},
		};
		html_render(&body, c->rt->stat_page, vars,
		            (int)ARRAY_LEN(vars));
	} else {
		buf_append_str(&body,
		               "<!DOCTYPE html>\n<html><head><meta "
		               "charset=\"utf-8\"><title>fwproxy</title>"
		               "<style>body{font-family:sans-serif;margin:2em}"
		               "td,th{padding:.2em .8em;text-align:left}"
		               "</style></head>\n<body>\n<h1>fwproxy</h1>\n"
		               "<table>\n");
		buf_printf(
		    &body,
		    "<tr><th>Open connections</th><td id=\"opens\">%s"
		    "</td></tr>\n<tr><th>Requests</th><td id=\"reqs\">%s"
		    "</td></tr>\n<tr><th>Allowed</th><td id=\"allowed\">%s"
		    "</td></tr>\n<tr><th>Refused</th><td id=\"refused\">%s"
		    "</td></tr>\n<tr><th>Bad requests and failures</th>"
		    "<td id=\"errors\">%s</td></tr>\n",
		    n[0], n[1], n[5], n[4], n[2]);
		if (cfg->n_transparent > 0)
			buf_printf(&body,
			           "<tr><th>Transparent connections</th>"
			           "<td id=\"transparent\">%lu</td></tr>\n",
			           st->transparent);
		buf_append_str(&body, "</table>\n");
		buf_append_str(&body, "<h2>Recently refused</h2>\n");
		if (st->n_recent == 0)
			buf_append_str(&body, "<p>None.</p>\n");
		else
			buf_append_str(
			    &body, "<table><tr><th>Host</th><th>Port</th>"
			           "<th>Method</th><th>Times</th><th>Last</th>"
			           "<th>Line to add</th></tr>\n");
		for (i = 0; i < RECENT_REFUSALS && i < st->n_recent; i++) {
			const struct refusal *r =
			    &st->recent[(st->n_recent - 1 - i) %
			                RECENT_REFUSALS];
			char rule[HOSTNAME_MAX * 2 + 4], when[32];
			struct tm tm;
			html_suggested_rule(rule, sizeof(rule),
			                    cfg->filter_type, r->host);
			buf_append_str(&body, "<tr class=\"refused\"><td>");
			html_escape(&body, r->host);
			buf_printf(&body, "</td><td>%u</td><td>", r->port);
			html_escape(&body, r->method);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
			         gmtime_r(&(time_t){(time_t)r->when}, &tm));
			buf_printf(&body,
			           "</td><td>%lu</td><td>%s UTC</td><td><code>",
			           r->count, when);
			html_escape(&body, rule);
			buf_append_str(&body, "</code></td></tr>\n");
		}
		if (st->n_recent > 0)
			buf_append_str(&body, "</table>\n");
		buf_printf(&body,
		           "<hr><address>fwproxy %s</address>\n"
		           "</body></html>\n",
		           FWPROXY_VERSION);
	}
	finish_reply(c, 200, "OK", "text/html; charset=utf-8", &body, 0);
}
