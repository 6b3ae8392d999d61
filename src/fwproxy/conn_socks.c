/* The SOCKS front-end: SOCKS4/4a and SOCKS5 on the HTTP port, told apart
 * by a connection's first byte. The handshake becomes the decision a
 * CONNECT gets (conn_decide_tunnel); the outcome becomes the protocol's
 * reply; the tunnel is CONNECT's. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "socks.h"
#include "util.h"

enum socks_stage {
	STAGE_GREETING, /* SOCKS5 method negotiation */
	STAGE_AUTH,     /* RFC 1929 username/password */
	STAGE_REQUEST,
	STAGE_DECIDED, /* the request went to conn_decide_tunnel */
};

int conn_socks_claims(struct conn *c)
{
	uint8_t first;

	if (c->socks_version != 0)
		return 1;
	/* Only a connection's first bytes: no request finished on it yet.
	 * No HTTP method starts with these bytes. A connection the firewall
	 * redirected speaks the protocol of the port it was sent to. */
	if (c->idle_since_ms != 0 || c->cin.len == 0 ||
	    c->transparent != TRANSPARENT_NONE)
		return 0;
	first = (uint8_t)buf_head(&c->cin)[0];
	if (first != 4 && first != 5)
		return 0;
	c->socks_version = first;
	c->socks_stage = first == 5 ? STAGE_GREETING : STAGE_REQUEST;
	return 1;
}

static void queue(struct conn *c, const uint8_t *reply, size_t n)
{
	buf_append(&c->cout, reply, n);
}

static void send_and_close(struct conn *c, const uint8_t *reply, size_t n)
{
	queue(c, reply, n);
	conn_send_reply(c, 1);
}

/* The reply a failed request gets: SOCKS4 has a single refusal code. */
static void refuse_request(struct conn *c, uint8_t socks5_code)
{
	uint8_t v5[10] = {5, socks5_code, 0, 1, 0, 0, 0, 0, 0, 0};
	uint8_t v4[8] = {0, SOCKS4_REJECTED, 0, 0, 0, 0, 0, 0};

	if (c->socks_version == 5)
		send_and_close(c, v5, sizeof(v5));
	else
		send_and_close(c, v4, sizeof(v4));
}

/* The failure reply of the stage the handshake is in, then close. */
static void fail_stage(struct conn *c, uint8_t socks5_code)
{
	static const uint8_t no_method[2] = {5, SOCKS5_METHOD_UNACCEPTABLE};
	static const uint8_t auth_failed[2] = {1, 1};

	switch (c->socks_stage) {
	case STAGE_GREETING:
		send_and_close(c, no_method, sizeof(no_method));
		return;
	case STAGE_AUTH:
		send_and_close(c, auth_failed, sizeof(auth_failed));
		return;
	default:
		refuse_request(c, socks5_code);
		return;
	}
}

static void malformed(struct conn *c, const char *why)
{
	c->px->stats.errors++;
	log_msg(LOG_LEVEL_WARNING, "Bad SOCKS%d handshake from %s: %s",
	        c->socks_version, c->client_ip, why);
	fail_stage(c, SOCKS5_GENERAL_FAILURE);
}

static int credentials_match(const struct config *cfg,
                             const struct socks5_auth *a)
{
	const struct basic_auth *b;

	for (b = cfg->basic_auth; b != NULL; b = b->next)
		if (strlen(b->user) == a->user_len &&
		    strlen(b->pass) == a->pass_len &&
		    memcmp(b->user, a->user, a->user_len) == 0 &&
		    memcmp(b->pass, a->pass, a->pass_len) == 0)
			return 1;
	return 0;
}

/* Each returns 0 to go on with the next message, -1 when the connection
 * is answered. */
static int greeting(struct conn *c, const struct socks5_greeting *g)
{
	static const uint8_t none[2] = {5, SOCKS5_METHOD_NONE};
	static const uint8_t userpass[2] = {5, SOCKS5_METHOD_USERPASS};

	if (c->rt->cfg->basic_auth != NULL && g->offers_userpass) {
		queue(c, userpass, sizeof(userpass));
		c->socks_stage = STAGE_AUTH;
		return 0;
	}
	if (c->rt->cfg->basic_auth == NULL && g->offers_none) {
		queue(c, none, sizeof(none));
		c->socks_stage = STAGE_REQUEST;
		return 0;
	}
	log_msg(LOG_LEVEL_NOTICE,
	        "Proxy authentication required for %s: SOCKS5 client offers "
	        "%s",
	        c->client_ip,
	        c->rt->cfg->basic_auth != NULL
	            ? "no username/password method"
	            : "only methods this proxy does not use without BasicAuth");
	fail_stage(c, SOCKS5_GENERAL_FAILURE);
	return -1;
}

static int auth(struct conn *c, const struct socks5_auth *a)
{
	static const uint8_t accepted[2] = {1, 0};

	if (!credentials_match(c->rt->cfg, a)) {
		log_msg(LOG_LEVEL_NOTICE,
		        "Proxy authentication failed for %s: SOCKS5 user name "
		        "or password not accepted",
		        c->client_ip);
		fail_stage(c, SOCKS5_GENERAL_FAILURE);
		return -1;
	}
	queue(c, accepted, sizeof(accepted));
	c->socks_stage = STAGE_REQUEST;
	return 0;
}

static void request(struct conn *c, const struct socks_request *r)
{
	const char *protocol = r->version == 5 ? "SOCKS5"
	                       : r->by_name    ? "SOCKS4a"
	                                       : "SOCKS4";

	if (r->version == 4 && c->rt->cfg->basic_auth != NULL) {
		log_msg(LOG_LEVEL_NOTICE,
		        "Proxy authentication required for %s: %s has no "
		        "password, use SOCKS5",
		        c->client_ip, protocol);
		refuse_request(c, SOCKS5_GENERAL_FAILURE);
		return;
	}
	str_copy(c->host, r->host, sizeof(c->host));
	c->port = r->port;
	c->started_ms = event_now_ms();
	c->socks_stage = STAGE_DECIDED;
	c->px->stats.requests++;
	conn_decide_tunnel(c, protocol);
}

/* The client waits for a method or login reply before it sends on: write
 * it at once rather than on the next turn of the event loop. */
static void send_now(struct conn *c)
{
	ssize_t n;

	if (c->cout.len > 0) {
		n = write(c->client.fd, buf_head(&c->cout), c->cout.len);
		if (n > 0)
			buf_consume(&c->cout, (size_t)n);
	}
	conn_update_events(c);
}

void conn_socks_head(struct conn *c)
{
	for (;;) {
		const uint8_t *p = (const uint8_t *)buf_head(&c->cin);
		const char *why = "malformed";
		struct socks5_greeting g;
		struct socks5_auth a;
		struct socks_request r;
		enum socks_parse res;
		size_t used = 0;

		if (c->rt == NULL)
			c->rt = runtime_ref(c->px->rt);
		if (c->socks_stage == STAGE_GREETING)
			res = socks5_parse_greeting(p, c->cin.len, &g, &used,
			                            &why);
		else if (c->socks_stage == STAGE_AUTH)
			res = socks5_parse_auth(p, c->cin.len, &a, &used, &why);
		else if (c->socks_version == 5)
			res = socks5_parse_request(p, c->cin.len, &r, &used,
			                           &why);
		else
			res = socks4_parse_request(p, c->cin.len, &r, &used,
			                           &why);
		switch (res) {
		case SOCKS_PARSE_INCOMPLETE:
			if (c->client_eof) {
				malformed(c, "the client closed the handshake "
				             "before its end");
				return;
			}
			send_now(c);
			return;
		case SOCKS_PARSE_BAD:
			malformed(c, why);
			return;
		case SOCKS_PARSE_BAD_ADDRESS:
			c->px->stats.errors++;
			log_msg(LOG_LEVEL_WARNING,
			        "Bad SOCKS5 request from %s: %s", c->client_ip,
			        why);
			refuse_request(c, SOCKS5_ADDRESS_NOT_SUPPORTED);
			return;
		case SOCKS_PARSE_BAD_COMMAND:
			c->px->stats.errors++;
			log_msg(
			    LOG_LEVEL_NOTICE,
			    "SOCKS%d command %d from %s not supported (only "
			    "CONNECT)",
			    c->socks_version, r.command, c->client_ip);
			refuse_request(c, SOCKS5_COMMAND_NOT_SUPPORTED);
			return;
		case SOCKS_PARSE_DONE:
			break;
		}
		buf_consume(&c->cin, used);
		if (c->socks_stage == STAGE_GREETING) {
			if (greeting(c, &g) == -1)
				return;
		} else if (c->socks_stage == STAGE_AUTH) {
			if (auth(c, &a) == -1)
				return;
		} else {
			request(c, &r);
			return;
		}
	}
}

/* What an HTTP error status stands for in SOCKS5: refusals by rule or
 * destination policy are "not allowed by ruleset", failures to reach the
 * server say why where SOCKS5 has a word for it. */
static uint8_t socks5_code(const struct conn *c, int status)
{
	if (status == 403)
		return SOCKS5_NOT_ALLOWED;
	if (status == 504)
		return SOCKS5_TTL_EXPIRED;
	if (status != 502)
		return SOCKS5_GENERAL_FAILURE;
	if (c->upstream != NULL)
		return SOCKS5_GENERAL_FAILURE;
	if (strcmp(c->dial_error, strerror(ECONNREFUSED)) == 0)
		return SOCKS5_CONNECTION_REFUSED;
	if (strcmp(c->dial_error, strerror(ENETUNREACH)) == 0)
		return SOCKS5_NETWORK_UNREACHABLE;
	return SOCKS5_HOST_UNREACHABLE;
}

void conn_socks_reply_error(struct conn *c, int status)
{
	c->resp_status = status;
	fail_stage(c, socks5_code(c, status));
}

void conn_socks_established(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint8_t reply[22] = {5, SOCKS5_SUCCEEDED, 0, 1};
	size_t n = 10;

	memset(&ss, 0, sizeof(ss));
	getsockname(c->server.fd, (struct sockaddr *)&ss, &len);
	if (c->socks_version == 4) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
		reply[0] = 0;
		reply[1] = SOCKS4_GRANTED;
		if (ss.ss_family == AF_INET) {
			memcpy(reply + 2, &s4->sin_port, 2);
			memcpy(reply + 4, &s4->sin_addr, 4);
		}
		queue(c, reply, 8);
		return;
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)&ss;
		reply[3] = 4;
		memcpy(reply + 4, &s6->sin6_addr, 16);
		memcpy(reply + 20, &s6->sin6_port, 2);
		n = 22;
	} else if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
		memcpy(reply + 4, &s4->sin_addr, 4);
		memcpy(reply + 8, &s4->sin_port, 2);
	}
	queue(c, reply, n);
}
