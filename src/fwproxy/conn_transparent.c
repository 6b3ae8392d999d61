/* Transparent mode: connections the firewall redirected to the proxy from
 * programs that know no proxy, turned into the same decision request a
 * proxy client's would be: by the HTTP Host field (conn.c parses those
 * heads), by the TLS server name, or by the address they were sent to. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "json.h"
#include "log.h"
#include "tls_hello.h"
#include "util.h"

/* From <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h>,
 * whose other definitions clash with the C library's. */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static int same_endpoint(const struct sockaddr_storage *a,
                         const struct sockaddr_storage *b)
{
	uint8_t x[16], y[16];

	if (netaddr_from_sockaddr((const struct sockaddr *)a, x) == -1 ||
	    netaddr_from_sockaddr((const struct sockaddr *)b, y) == -1)
		return 0;
	return memcmp(x, y, 16) == 0 && port_of(a) == port_of(b);
}

static const char *orig_text(const struct conn *c, char *buf, size_t size)
{
	return conn_addr_text((const struct sockaddr *)&c->orig_dst, buf, size);
}

uint16_t conn_transparent_port(const struct conn *c)
{
	return port_of(&c->orig_dst);
}

const char *conn_transparent_label(const struct conn *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s (transparent)", c->method);
	return buf;
}

/* Refuses a redirected connection: one log line naming host (NULL: the
 * original destination), then close. */
static void refuse(struct conn *c, const char *what, const char *host,
                   const char *reason)
{
	char a[64], label[48];
	uint16_t port = port_of(&c->orig_dst);

	if (host == NULL)
		host = orig_text(c, a, sizeof(a));
	c->px->stats.refused++;
	if (log_is_json()) {
		struct buf b = {0};
		json_string(&b, "event", "refused");
		json_string(&b, "client", c->client_ip);
		json_string(&b, "method", what);
		json_string(&b, "host", host);
		json_number(&b, "port", port);
		json_string(&b, "reason", reason);
		json_string(&b, "mode", "transparent");
		log_json(LOG_LEVEL_NOTICE, buf_cstr(&b));
		buf_free(&b);
	} else {
		log_msg(LOG_LEVEL_NOTICE,
		        "Refused transparent %s from %s to %s:%u: %s", what,
		        c->client_ip, host, port, reason);
	}
	if (what != c->method)
		str_copy(c->method, what, sizeof(c->method));
	proxy_note_refusal(c->px, c->client_ip,
	                   conn_transparent_label(c, label, sizeof(label)),
	                   host, port);
	conn_close(c);
}

int conn_transparent_accept(struct conn *c)
{
	const struct config *cfg = c->px->rt->cfg;
	const struct transparent_port *tp;
	socklen_t len = sizeof(c->orig_dst);
	int v6 = c->local.ss_family == AF_INET6;

	if (cfg->n_transparent == 0)
		return 0;
	/* Without a NAT entry (no redirect) this fails or names the proxy's
	 * own address: an ordinary proxy client. */
	if (getsockopt(c->client.fd, v6 ? SOL_IPV6 : SOL_IP,
	               v6 ? IP6T_SO_ORIGINAL_DST : SO_ORIGINAL_DST,
	               &c->orig_dst, &len) == -1 ||
	    same_endpoint(&c->orig_dst, &c->local))
		return 0;
	tp = config_transparent_port(cfg, port_of(&c->orig_dst));
	if (tp == NULL) {
		refuse(c, "TCP", NULL, "the port is not listed by Transparent");
		return -1;
	}
	c->transparent = tp->kind;
	c->px->stats.transparent++;
	return 0;
}

/* Hands the connection, as a tunnel to host at the original port, to the
 * decision every front-end shares. */
static void decide(struct conn *c, const char *method, const char *host)
{
	str_copy(c->host, host, sizeof(c->host));
	c->port = port_of(&c->orig_dst);
	if (c->started_ms == 0)
		c->started_ms = event_now_ms();
	c->px->stats.requests++;
	conn_decide_tunnel(c, method);
}

void conn_transparent_ip(struct conn *c)
{
	char a[64];

	if (c->rt == NULL)
		c->rt = runtime_ref(c->px->rt);
	decide(c, "TCP", orig_text(c, a, sizeof(a)));
}

void conn_transparent_tls(struct conn *c)
{
	struct tls_hello h;
	const char *why;

	switch (tls_hello_parse((const uint8_t *)buf_head(&c->cin), c->cin.len,
	                        &h, &why)) {
	case TLS_HELLO_INCOMPLETE:
		if (c->client_eof || c->cin.len >= CONN_BUF_SIZE) {
			refuse(c, "TLS", NULL,
			       "the TLS ClientHello did not arrive whole");
			return;
		}
		conn_update_events(c);
		return;
	case TLS_HELLO_NOT_TLS:
		refuse(c, "TLS", NULL, "not a TLS ClientHello");
		return;
	case TLS_HELLO_BAD: {
		char reason[160];
		snprintf(reason, sizeof(reason),
		         "malformed TLS ClientHello: %s", why);
		refuse(c, "TLS", NULL, reason);
		return;
	}
	case TLS_HELLO_DONE:
		break;
	}
	if (h.server_name[0] == '\0' &&
	    c->rt->cfg->transparent_no_sni_by_address) {
		char a[64];
		c->transparent = TRANSPARENT_IP;
		decide(c, "TLS", orig_text(c, a, sizeof(a)));
		return;
	}
	if (h.server_name[0] == '\0') {
		refuse(c, "TLS", NULL,
		       "no server name (SNI) in the TLS ClientHello");
		return;
	}
	/* With ECH the outer name is all there is to decide on; the method
	 * says so in every log line. */
	decide(c, h.has_ech ? "TLS/ECH" : "TLS", h.server_name);
}

int conn_transparent_pin(struct conn *c)
{
	uint8_t want[16], got[16];
	char a[64], reason[HOSTNAME_MAX + 96];
	int i, n = 0;

	if (c->transparent != TRANSPARENT_TLS || c->upstream != NULL)
		return 0;
	netaddr_from_sockaddr((const struct sockaddr *)&c->orig_dst, want);
	for (i = 0; i < c->addrs.n; i++)
		if (netaddr_from_sockaddr(&c->addrs.addr[i].sa, got) == 0 &&
		    memcmp(got, want, 16) == 0)
			c->addrs.addr[n++] = c->addrs.addr[i];
	c->addrs.n = n;
	if (n > 0)
		return 0;
	snprintf(reason, sizeof(reason),
	         "the TLS server name \"%s\" does not resolve to %s", c->host,
	         netaddr_format(want, a, sizeof(a)));
	refuse(c, c->method, c->host, reason);
	return -1;
}
