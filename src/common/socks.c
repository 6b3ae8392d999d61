/* SOCKS4/4a and SOCKS5 client messages, parsed (see socks.h). */
#include "socks.h"

#include <string.h>

#include "netaddr.h"

static uint16_t port_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void ip_text(const uint8_t *ip, int v6, char *out)
{
	uint8_t a[16] = {0};

	if (v6) {
		memcpy(a, ip, 16);
	} else {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, ip, 4);
	}
	netaddr_format(a, out, HOSTNAME_MAX + 1);
}

/* 1 (and *why set) when the version byte, once there, is not want. */
static int wrong_version(const uint8_t *buf, size_t len, uint8_t want,
                         const char *msg, const char **why)
{
	if (len == 0 || buf[0] == want)
		return 0;
	*why = msg;
	return 1;
}

enum socks_parse socks5_parse_greeting(const uint8_t *buf, size_t len,
                                       struct socks5_greeting *g, size_t *used,
                                       const char **why)
{
	size_t i, n;

	if (wrong_version(buf, len, 5, "not a SOCKS5 greeting", why))
		return SOCKS_PARSE_BAD;
	if (len < 2)
		return SOCKS_PARSE_INCOMPLETE;
	n = buf[1];
	if (n == 0) {
		*why = "SOCKS5 greeting without methods";
		return SOCKS_PARSE_BAD;
	}
	if (len < 2 + n)
		return SOCKS_PARSE_INCOMPLETE;
	g->offers_none = g->offers_userpass = 0;
	for (i = 0; i < n; i++) {
		if (buf[2 + i] == SOCKS5_METHOD_NONE)
			g->offers_none = 1;
		else if (buf[2 + i] == SOCKS5_METHOD_USERPASS)
			g->offers_userpass = 1;
	}
	*used = 2 + n;
	return SOCKS_PARSE_DONE;
}

enum socks_parse socks5_parse_auth(const uint8_t *buf, size_t len,
                                   struct socks5_auth *a, size_t *used,
                                   const char **why)
{
	size_t ulen, plen;

	if (wrong_version(buf, len, 1,
	                  "not an RFC 1929 username/password message", why))
		return SOCKS_PARSE_BAD;
	if (len < 2)
		return SOCKS_PARSE_INCOMPLETE;
	ulen = buf[1];
	if (len < 3 + ulen)
		return SOCKS_PARSE_INCOMPLETE;
	plen = buf[2 + ulen];
	if (len < 3 + ulen + plen)
		return SOCKS_PARSE_INCOMPLETE;
	a->user = buf + 2;
	a->user_len = ulen;
	a->pass = buf + 3 + ulen;
	a->pass_len = plen;
	*used = 3 + ulen + plen;
	return SOCKS_PARSE_DONE;
}

/* A name of n bytes into r->host; NULL or why not (hostname_normalize
 * refuses NUL and every other byte a host name cannot hold). */
static const char *take_name(const uint8_t *name, size_t n,
                             struct socks_request *r)
{
	r->by_name = 1;
	return hostname_normalize((const char *)name, n, r->host);
}

enum socks_parse socks5_parse_request(const uint8_t *buf, size_t len,
                                      struct socks_request *r, size_t *used,
                                      const char **why)
{
	size_t addr_len, need;

	if (wrong_version(buf, len, 5, "not a SOCKS5 request", why))
		return SOCKS_PARSE_BAD;
	if (len >= 3 && buf[2] != 0) {
		*why = "SOCKS5 reserved byte not zero";
		return SOCKS_PARSE_BAD;
	}
	if (len < 5)
		return SOCKS_PARSE_INCOMPLETE;
	switch (buf[3]) {
	case 1:
		addr_len = 4;
		break;
	case 4:
		addr_len = 16;
		break;
	case 3:
		addr_len = 1 + (size_t)buf[4];
		if (buf[4] == 0) {
			*why = "empty SOCKS5 host name";
			return SOCKS_PARSE_BAD;
		}
		break;
	default:
		*why = "unknown SOCKS5 address type";
		return SOCKS_PARSE_BAD_ADDRESS;
	}
	need = 4 + addr_len + 2;
	if (len < need)
		return SOCKS_PARSE_INCOMPLETE;
	r->version = 5;
	r->command = buf[1];
	r->by_name = 0;
	r->port = port_at(buf + need - 2);
	if (buf[3] == 3) {
		*why = take_name(buf + 5, buf[4], r);
		if (*why != NULL)
			return SOCKS_PARSE_BAD;
	} else {
		ip_text(buf + 4, buf[3] == 4, r->host);
	}
	*used = need;
	/* UDP ASSOCIATE may name port 0: the command is judged first. */
	if (r->command != SOCKS_CMD_CONNECT) {
		*why = "SOCKS5 command other than CONNECT";
		return SOCKS_PARSE_BAD_COMMAND;
	}
	if (r->port == 0) {
		*why = "SOCKS5 request for port 0";
		return SOCKS_PARSE_BAD;
	}
	return SOCKS_PARSE_DONE;
}

/* The end of a NUL-terminated field of at most max bytes starting at
 * from: its offset, -1 while incomplete, -2 when too long. */
static long field_end(const uint8_t *buf, size_t len, size_t from, size_t max)
{
	size_t avail = len > from ? len - from : 0;
	size_t look = avail < max + 1 ? avail : max + 1;
	const uint8_t *nul = memchr(buf + from, '\0', look);

	if (nul != NULL)
		return (long)(nul - buf);
	return avail > max ? -2 : -1;
}

enum socks_parse socks4_parse_request(const uint8_t *buf, size_t len,
                                      struct socks_request *r, size_t *used,
                                      const char **why)
{
	long user_end, name_end;
	int is_4a;

	if (wrong_version(buf, len, 4, "not a SOCKS4 request", why))
		return SOCKS_PARSE_BAD;
	if (len < 8)
		return SOCKS_PARSE_INCOMPLETE;
	user_end = field_end(buf, len, 8, SOCKS4_MAX_USERID);
	if (user_end == -2) {
		*why = "SOCKS4 user id too long";
		return SOCKS_PARSE_BAD;
	}
	if (user_end == -1)
		return SOCKS_PARSE_INCOMPLETE;
	r->version = 4;
	r->command = buf[1];
	r->by_name = 0;
	r->port = port_at(buf + 2);
	is_4a = buf[4] == 0 && buf[5] == 0 && buf[6] == 0 && buf[7] != 0;
	*used = (size_t)user_end + 1;
	if (is_4a) {
		name_end =
		    field_end(buf, len, (size_t)user_end + 1, HOSTNAME_MAX);
		if (name_end == -2) {
			*why = "SOCKS4a host name too long";
			return SOCKS_PARSE_BAD;
		}
		if (name_end == -1)
			return SOCKS_PARSE_INCOMPLETE;
		*why = take_name(buf + user_end + 1,
		                 (size_t)(name_end - user_end - 1), r);
		if (*why != NULL)
			return SOCKS_PARSE_BAD;
		*used = (size_t)name_end + 1;
	} else {
		ip_text(buf + 4, 0, r->host);
	}
	if (r->command != SOCKS_CMD_CONNECT) {
		*why = "SOCKS4 command other than CONNECT";
		return SOCKS_PARSE_BAD_COMMAND;
	}
	if (r->port == 0) {
		*why = "SOCKS4 request for port 0";
		return SOCKS_PARSE_BAD;
	}
	return SOCKS_PARSE_DONE;
}
