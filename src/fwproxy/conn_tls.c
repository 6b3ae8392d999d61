/* TLS inspection without decrypting: the ClientHello at the start of a
 * CONNECT tunnel must name the tunnel's host (no domain fronting). */
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "json.h"
#include "log.h"
#include "tls_hello.h"
#include "util.h"

int conn_tls_check_wanted(const struct conn *c)
{
	/* A transparent TLS tunnel was decided by this very name. */
	return c->is_connect && c->transparent == TRANSPARENT_NONE &&
	       config_connect_sni_check(c->rt->cfg);
}

/* Logs a tunnel refused for what its ClientHello says. */
static void log_tls_refusal(struct conn *c, const char *reason, const char *sni)
{
	int learn = c->rt->cfg->filter_learn;

	if (log_is_json()) {
		struct buf b = {0};
		json_string(&b, "event", learn ? "would-refuse" : "refused");
		json_string(&b, "client", c->client_ip);
		json_string(&b, "method", c->method);
		json_string(&b, "host", c->host);
		json_number(&b, "port", c->port);
		json_string(&b, "sni", sni);
		json_string(&b, "reason", reason);
		log_json(LOG_LEVEL_NOTICE, buf_cstr(&b));
		buf_free(&b);
		return;
	}
	log_msg(LOG_LEVEL_NOTICE, "%s %s tunnel to %s:%u from %s: %s",
	        learn ? "Learning: would refuse" : "Refused", c->method,
	        c->host, c->port, c->client_ip, reason);
}

/* Refuses the tunnel; in learn mode only logs. 0 when it goes on. */
static int refuse(struct conn *c, const char *reason, const char *sni)
{
	log_tls_refusal(c, reason, sni);
	if (c->rt->cfg->filter_learn)
		return 0;
	c->px->stats.refused++;
	proxy_note_refusal(c->px, c->client_ip, c->method,
	                   sni[0] != '\0' ? sni : c->host, c->port);
	conn_close(c);
	return -1;
}

int conn_tls_tunnel_check(struct conn *c)
{
	struct tls_hello h;
	const char *why;
	char reason[HOSTNAME_MAX + 128];

	switch (tls_hello_parse((const uint8_t *)buf_head(&c->cin), c->cin.len,
	                        &h, &why)) {
	case TLS_HELLO_INCOMPLETE:
		if (c->client_eof || c->cin.len >= CONN_BUF_SIZE) {
			c->tls_pending = 0;
			return refuse(c,
			              "the TLS ClientHello did not arrive "
			              "whole",
			              "");
		}
		return 0;
	case TLS_HELLO_NOT_TLS: /* another protocol: nothing to compare */
		c->tls_pending = 0;
		return 0;
	case TLS_HELLO_BAD:
		c->tls_pending = 0;
		snprintf(reason, sizeof(reason),
		         "malformed TLS ClientHello: %s", why);
		return refuse(c, reason, "");
	case TLS_HELLO_DONE:
		break;
	}
	c->tls_pending = 0;
	if (h.server_name[0] == '\0' || strcmp(h.server_name, c->host) == 0)
		return 0;
	snprintf(reason, sizeof(reason),
	         "%s \"%s\" is not the CONNECT host (domain fronting)",
	         h.has_ech ? "the outer name of an encrypted ClientHello"
	                   : "the TLS server name",
	         h.server_name);
	return refuse(c, reason, h.server_name);
}
