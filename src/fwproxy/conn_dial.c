/* Reaching the server: name lookup, destination policy, connecting to
 * each address in turn, and the handshake with an upstream proxy. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base64.h"
#include "conn.h"
#include "log.h"
#include "util.h"

static void try_next_address(struct conn *c);

static const char *dial_host(const struct conn *c)
{
	return c->upstream ? c->upstream->host : c->host;
}

static uint16_t dial_port(const struct conn *c)
{
	return c->upstream ? c->upstream->port : c->port;
}

void conn_dial_cancel(struct conn *c)
{
	if (c->dns != NULL) {
		resolve_cancel(c->dns);
		c->dns = NULL;
	}
	buf_free(&c->hs);
}

static int out_of_fds(int err)
{
	return err == EMFILE || err == ENFILE;
}

/* A lookup that gave no address: 504 when the DNS server did not answer
 * in time, 503 when no descriptor was left for the query, 502 for every
 * answer that is a failure; the reason names which. */
static void lookup_failed(struct conn *c, enum resolve_status st,
                          const char *reason)
{
	char detail[HOSTNAME_MAX + 100];

	snprintf(detail, sizeof(detail), "cannot resolve %s: %s", dial_host(c),
	         reason);
	log_msg(LOG_LEVEL_WARNING, "For %s: %s", c->client_ip, detail);
	c->px->stats.errors++;
	if (st == RESOLVE_TIMEOUT)
		conn_reply_error(c, 504, "Gateway Timeout", detail, 1);
	else if (st == RESOLVE_NO_FDS)
		conn_reply_error(c, 503, "Service Unavailable", detail, 1);
	else
		conn_reply_error(c, 502, "Bad Gateway", detail, 1);
}

static void dial_failed(struct conn *c)
{
	char detail[HOSTNAME_MAX + 200];

	conn_server_close(c);
	c->px->stats.errors++;
	if (c->dial_refused && c->addrs.n == c->dial_refused) {
		log_msg(LOG_LEVEL_NOTICE,
		        "Refused destination %s:%u for %s: %s", c->host,
		        c->port, c->client_ip, c->dial_error);
		snprintf(detail, sizeof(detail),
		         "the destination %s is not allowed: %s", c->host,
		         c->dial_error);
		conn_reply_error(c, 403, "Destination not allowed", detail, 1);
		return;
	}
	snprintf(detail, sizeof(detail), "unable to connect to %s:%u: %s",
	         dial_host(c), dial_port(c), c->dial_error);
	log_msg(LOG_LEVEL_WARNING, "For %s: %s", c->client_ip, detail);
	if (c->dial_no_fds)
		conn_reply_error(c, 503, "Service Unavailable", detail, 1);
	else if (c->dial_timed_out)
		conn_reply_error(c, 504, "Gateway Timeout", detail, 1);
	else
		conn_reply_error(c, 502, "Bad Gateway", detail, 1);
}

static int is_local_address(const struct proxy *px, const uint8_t a[16])
{
	int i;

	for (i = 0; i < px->n_local_addrs; i++)
		if (memcmp(px->local_addrs[i], a, 16) == 0)
			return 1;
	return 0;
}

/* The destination policy, applied to the address actually used. */
static const char *destination_refusal(const struct conn *c,
                                       const struct sockaddr *sa)
{
	uint8_t a[16];

	if (c->upstream != NULL)
		return NULL; /* the administrator named it */
	if (netaddr_from_sockaddr(sa, a) == -1)
		return "not an IP address";
	if (config_destination_allowed(c->rt->cfg, a))
		return NULL;
	if (netaddr_is_special(a))
		return "loopback, link-local, multicast or unspecified address";
	if (is_local_address(c->px, a))
		return "an address of this proxy";
	return NULL;
}

static void resolved(void *arg, enum resolve_status st, const char *reason,
                     const struct resolve_result *res)
{
	struct conn *c = arg;

	c->dns = NULL;
	if (st != RESOLVE_OK) {
		lookup_failed(c, st, reason);
		return;
	}
	c->addrs = *res;
	c->addr_next = 0;
	try_next_address(c);
}

void conn_dial(struct conn *c)
{
	const struct config *cfg = c->rt->cfg;
	uint8_t literal[16];
	int r;

	c->phase = PHASE_DIAL;
	c->dial = DIAL_RESOLVE;
	c->dial_error[0] = '\0';
	c->dial_refused = 0;
	c->dial_timed_out = 0;
	c->dial_no_fds = 0;
	c->addrs.n = 0;
	c->addr_next = 0;
	conn_update_events(c);
	if (hostname_ip_literal(dial_host(c), literal)) {
		union resolve_addr *ra = &c->addrs.addr[0];
		memset(ra, 0, sizeof(*ra));
		if (netaddr_is_v4(literal)) {
			ra->v4.sin_family = AF_INET;
			memcpy(&ra->v4.sin_addr, literal + 12, 4);
		} else {
			ra->v6.sin6_family = AF_INET6;
			memcpy(&ra->v6.sin6_addr, literal, 16);
		}
		c->addrs.n = 1;
		try_next_address(c);
		return;
	}
	c->deadline_ms = event_now_ms() + (cfg->dns_timeout + 1) * 1000LL;
	r = resolver_lookup(c->px->resolver, dial_host(c), resolved, c,
	                    &c->addrs, &c->dns);
	if (r == 1)
		try_next_address(c);
}

static int bind_source(struct conn *c, int fd, int family)
{
	const struct config *cfg = c->rt->cfg;
	struct sockaddr_storage ss;
	socklen_t len;

	if (cfg->bind_same) {
		if (c->local.ss_family != family)
			return 0;
		ss = c->local;
		if (family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = 0;
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = 0;
		len = family == AF_INET ? sizeof(struct sockaddr_in)
		                        : sizeof(struct sockaddr_in6);
		return bind(fd, (struct sockaddr *)&ss, len);
	}
	if (cfg->bind != NULL) {
		memset(&ss, 0, sizeof(ss));
		if (family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			if (inet_pton(AF_INET, cfg->bind, &s4->sin_addr) != 1)
				return 0;
			s4->sin_family = AF_INET;
			len = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			if (inet_pton(AF_INET6, cfg->bind, &s6->sin6_addr) != 1)
				return 0;
			s6->sin6_family = AF_INET6;
			len = sizeof(*s6);
		}
		return bind(fd, (struct sockaddr *)&ss, len);
	}
	return 0;
}

static void try_next_address(struct conn *c)
{
	if (c->addr_next == 0 && conn_transparent_pin(c) == -1)
		return;
	while (c->addr_next < c->addrs.n) {
		union resolve_addr *ra = &c->addrs.addr[c->addr_next++];
		int family = ra->sa.sa_family;
		const char *refusal = destination_refusal(c, &ra->sa);
		socklen_t len;
		int fd;

		if (refusal != NULL) {
			char a[64];
			c->dial_refused++;
			snprintf(
			    c->dial_error, sizeof(c->dial_error), "%s is %s",
			    conn_addr_text(&ra->sa, a, sizeof(a)), refusal);
			continue;
		}
		if (family == AF_INET) {
			ra->v4.sin_port = htons(dial_port(c));
			len = sizeof(ra->v4);
		} else {
			ra->v6.sin6_port = htons(dial_port(c));
			len = sizeof(ra->v6);
		}
		fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            0);
		if (fd == -1) {
			c->dial_no_fds |= out_of_fds(errno);
			snprintf(c->dial_error, sizeof(c->dial_error), "%s",
			         c->dial_no_fds ? "out of file descriptors"
			                        : strerror(errno));
			continue;
		}
		if (bind_source(c, fd, family) == -1 ||
		    (connect(fd, &ra->sa, len) == -1 && errno != EINPROGRESS)) {
			snprintf(c->dial_error, sizeof(c->dial_error), "%s",
			         strerror(errno));
			close(fd);
			continue;
		}
		c->server.fd = fd;
		c->server_eof = 0;
		if (event_add(c->px->loop, &c->server, EPOLLOUT | EPOLLRDHUP) ==
		    -1) {
			snprintf(c->dial_error, sizeof(c->dial_error), "%s",
			         strerror(errno));
			close(fd);
			c->server.fd = -1;
			continue;
		}
		c->dial = DIAL_CONNECT;
		c->deadline_ms =
		    event_now_ms() + c->rt->cfg->connect_timeout * 1000LL;
		return;
	}
	dial_failed(c);
}

static void handshake_done(struct conn *c)
{
	buf_free(&c->hs);
	if (c->is_connect) {
		if (c->socks_version != 0)
			conn_socks_established(c);
		else if (c->transparent == TRANSPARENT_NONE)
			buf_append_str(
			    &c->cout,
			    "HTTP/1.1 200 Connection established\r\n\r\n");
		c->resp_status = 200;
		c->resp_head_sent = 1;
		conn_start_tunnel(c);
		return;
	}
	conn_start_exchange(c);
}

static void start_socks4(struct conn *c)
{
	uint8_t literal[16];
	uint8_t head[8] = {
	    4, 1, (uint8_t)(c->port >> 8), (uint8_t)c->port, 0, 0, 0, 1};
	int v4 =
	    hostname_ip_literal(c->host, literal) && netaddr_is_v4(literal);

	if (v4)
		memcpy(head + 4, literal + 12, 4);
	buf_append(&c->hs, head, sizeof(head));
	buf_append(&c->hs, "", 1); /* empty user id */
	if (!v4)                   /* SOCKS4a: the proxy resolves the name */
		buf_append(&c->hs, c->host, strlen(c->host) + 1);
	c->dial = DIAL_SOCKS4;
}

static void start_socks5(struct conn *c)
{
	static const uint8_t plain[] = {5, 1, 0};
	static const uint8_t with_auth[] = {5, 2, 0, 2};

	if (c->upstream->user != NULL)
		buf_append(&c->hs, with_auth, sizeof(with_auth));
	else
		buf_append(&c->hs, plain, sizeof(plain));
	c->dial = DIAL_SOCKS5_GREETING;
}

static void socks5_request(struct conn *c)
{
	uint8_t literal[16], head[4] = {5, 1, 0, 3};
	uint8_t port[2] = {(uint8_t)(c->port >> 8), (uint8_t)c->port};

	if (hostname_ip_literal(c->host, literal)) {
		int v4 = netaddr_is_v4(literal);
		head[3] = v4 ? 1 : 4;
		buf_append(&c->hs, head, 4);
		buf_append(&c->hs, v4 ? literal + 12 : literal, v4 ? 4 : 16);
	} else {
		uint8_t n = (uint8_t)strlen(c->host);
		buf_append(&c->hs, head, 4);
		buf_append(&c->hs, &n, 1);
		buf_append(&c->hs, c->host, n);
	}
	buf_append(&c->hs, port, 2);
	c->dial = DIAL_SOCKS5_REQUEST;
}

static void start_http_connect(struct conn *c)
{
	char authority[HOSTNAME_MAX + 16];
	int v6 = strchr(c->host, ':') != NULL;

	snprintf(authority, sizeof(authority), "%s%s%s:%u", v6 ? "[" : "",
	         c->host, v6 ? "]" : "", c->port);
	buf_printf(&c->hs, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", authority,
	           authority);
	if (c->upstream->user != NULL) {
		char *cred =
		    base64_credentials(c->upstream->user, c->upstream->pass);
		buf_printf(&c->hs, "Proxy-Authorization: Basic %s\r\n", cred);
		free(cred);
	}
	buf_append_str(&c->hs, "\r\n");
	c->dial = DIAL_HTTP_CONNECT;
}

static void connected(struct conn *c)
{
	int one = 1;

	setsockopt(c->server.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->deadline_ms = event_now_ms() + c->rt->cfg->timeout * 1000LL;
	if (c->upstream == NULL ||
	    (c->upstream->type == UPSTREAM_HTTP && !c->is_connect)) {
		handshake_done(c);
		return;
	}
	if (c->upstream->type == UPSTREAM_SOCKS4)
		start_socks4(c);
	else if (c->upstream->type == UPSTREAM_SOCKS5)
		start_socks5(c);
	else
		start_http_connect(c);
	event_modify(c->px->loop, &c->server, EPOLLOUT | EPOLLRDHUP);
}

static void handshake_failed(struct conn *c, const char *why)
{
	char detail[HOSTNAME_MAX + 200];

	snprintf(detail, sizeof(detail), "upstream proxy %s:%u: %s",
	         c->upstream->host, c->upstream->port, why);
	log_msg(LOG_LEVEL_WARNING, "For %s: %s", c->client_ip, detail);
	c->px->stats.errors++;
	conn_server_close(c);
	conn_reply_error(c, 502, "Bad Gateway", detail, 1);
}

/* Reads the upstream's answer; returns the bytes available, -1 when the
 * connection failed. */
static ssize_t read_reply(struct conn *c)
{
	ssize_t n;

	buf_reserve(&c->sin, CONN_BUF_SIZE, 1);
	n = read(c->server.fd, buf_tail(&c->sin), buf_room(&c->sin));
	if (n > 0)
		c->sin.len += (size_t)n;
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		return -1;
	return (ssize_t)c->sin.len;
}

static void handshake_reply(struct conn *c)
{
	const uint8_t *p;
	ssize_t have = read_reply(c);
	size_t need;

	if (have == -1) {
		handshake_failed(c, "closed the connection");
		return;
	}
	p = (const uint8_t *)buf_head(&c->sin);
	switch (c->dial) {
	case DIAL_SOCKS4:
		if (have < 8)
			return;
		if (p[1] != 90) {
			handshake_failed(c, "SOCKS4 request refused");
			return;
		}
		buf_consume(&c->sin, 8);
		handshake_done(c);
		return;
	case DIAL_SOCKS5_GREETING:
		if (have < 2)
			return;
		if (p[0] != 5 || (p[1] != 0 && p[1] != 2) ||
		    (p[1] == 2 && c->upstream->user == NULL)) {
			handshake_failed(c, "no acceptable SOCKS5 method");
			return;
		}
		buf_consume(&c->sin, 2);
		if (p[1] == 2) {
			uint8_t v = 1, ul = (uint8_t)strlen(c->upstream->user),
			        pl = (uint8_t)strlen(c->upstream->pass);
			buf_append(&c->hs, &v, 1);
			buf_append(&c->hs, &ul, 1);
			buf_append(&c->hs, c->upstream->user, ul);
			buf_append(&c->hs, &pl, 1);
			buf_append(&c->hs, c->upstream->pass, pl);
			c->dial = DIAL_SOCKS5_AUTH;
		} else {
			socks5_request(c);
		}
		break;
	case DIAL_SOCKS5_AUTH:
		if (have < 2)
			return;
		if (p[1] != 0) {
			handshake_failed(c, "SOCKS5 authentication failed");
			return;
		}
		buf_consume(&c->sin, 2);
		socks5_request(c);
		break;
	case DIAL_SOCKS5_REQUEST:
		if (have < 5)
			return;
		if (p[0] != 5 || p[1] != 0) {
			handshake_failed(c, "SOCKS5 request refused");
			return;
		}
		need = p[3] == 1 ? 10 : p[3] == 4 ? 22 : 7 + (size_t)p[4];
		if ((size_t)have < need)
			return;
		buf_consume(&c->sin, need);
		handshake_done(c);
		return;
	case DIAL_HTTP_CONNECT: {
		static struct http_response r;
		const char *why = "malformed answer";
		enum http_parse res =
		    http_parse_response(buf_head(&c->sin), c->sin.len,
		                        &c->rt->limits, 0, 1, &r, &why);
		if (res == HTTP_PARSE_INCOMPLETE)
			return;
		if (res != HTTP_PARSE_DONE) {
			handshake_failed(c, why);
			return;
		}
		if (r.status < 200 || r.status > 299) {
			char msg[64];
			snprintf(msg, sizeof(msg), "CONNECT answered %d",
			         r.status);
			handshake_failed(c, msg);
			return;
		}
		buf_consume(&c->sin, r.head_len);
		handshake_done(c);
		return;
	}
	default:
		return;
	}
	event_modify(c->px->loop, &c->server, EPOLLOUT | EPOLLRDHUP);
}

static void handshake_send(struct conn *c)
{
	ssize_t n = write(c->server.fd, buf_head(&c->hs), c->hs.len);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			handshake_failed(c, strerror(errno));
		return;
	}
	buf_consume(&c->hs, (size_t)n);
	if (c->hs.len == 0)
		event_modify(c->px->loop, &c->server, EPOLLIN | EPOLLRDHUP);
}

void conn_dial_event(struct conn *c, uint32_t events)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (events == 0) { /* deadline */
		if (c->dial == DIAL_RESOLVE) {
			conn_dial_cancel(c);
			lookup_failed(c, RESOLVE_TIMEOUT,
			              RESOLVE_TIMEOUT_REASON);
			return;
		}
		if (c->dial == DIAL_CONNECT) {
			c->dial_timed_out = 1;
			str_copy(c->dial_error, "connection timed out",
			         sizeof(c->dial_error));
			conn_server_close(c);
			try_next_address(c);
			return;
		}
		handshake_failed(c, "timed out");
		return;
	}
	if (c->dial == DIAL_CONNECT) {
		getsockopt(c->server.fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
			snprintf(c->dial_error, sizeof(c->dial_error), "%s",
			         strerror(err ? err : ECONNREFUSED));
			conn_server_close(c);
			try_next_address(c);
			return;
		}
		connected(c);
		return;
	}
	if ((events & EPOLLOUT) && c->hs.len > 0) {
		handshake_send(c);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		handshake_reply(c);
}
