#include <arpa/inet.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_int.h"
#include "hostname.h"
#include "util.h"

static const char *parse_ports(const char *s, size_t n, uint16_t *lo,
                               uint16_t *hi)
{
	const char *dash = memchr(s, '-', n);
	long long a, b;

	if (dash == NULL) {
		if (parse_number_n(s, n, 1, 65535, &a) != NULL)
			return "invalid port";
		b = a;
	} else if (parse_number_n(s, (size_t)(dash - s), 1, 65535, &a) !=
	               NULL ||
	           parse_number_n(dash + 1, n - (size_t)(dash - s) - 1, 1,
	                          65535, &b) != NULL) {
		return "invalid port range";
	}
	if (a > b)
		return "port range ends before it starts";
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return NULL;
}

/* addr[16] with /prefix: no bits may be set past the prefix, so that a
 * mistyped address is an error rather than a wider range. */
static int host_bits_clear(const uint8_t addr[16], int prefix)
{
	int i;

	for (i = prefix; i < 128; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

static const char *add_cidr(struct filter *f, const char *text, int line,
                            const char *addr, size_t n, const char *plen,
                            size_t plen_n, uint16_t lo, uint16_t hi)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct cidr_rule c;
	long long prefix;
	uint32_t r;
	int v4;

	if (n == 0 || n >= sizeof(buf))
		return "invalid address";
	memcpy(buf, addr, n);
	buf[n] = '\0';
	memset(&c, 0, sizeof(c));
	v4 = inet_pton(AF_INET, buf, c.addr + 12) == 1;
	if (v4) {
		c.addr[10] = 0xff;
		c.addr[11] = 0xff;
	} else if (inet_pton(AF_INET6, buf, c.addr) != 1) {
		return "invalid address";
	}
	if (plen == NULL) {
		prefix = v4 ? 32 : 128;
	} else if (parse_number_n(plen, plen_n, 0, v4 ? 32 : 128, &prefix) !=
	           NULL) {
		return "invalid prefix length";
	}
	c.prefix = (int)prefix + (v4 ? 96 : 0);
	if (!host_bits_clear(c.addr, c.prefix))
		return "address has bits set past the prefix length";
	r = filter_add_rule(f, text, line, RULE_CIDR);
	f->rules[r].port_lo = lo;
	f->rules[r].port_hi = hi;
	c.rule = r;
	if (f->n_cidr == f->cap_cidr) {
		f->cap_cidr = f->cap_cidr ? f->cap_cidr * 2 : 8;
		f->cidr = xrealloc(f->cidr, f->cap_cidr * sizeof(*f->cidr));
	}
	f->rules[r].aux = (uint32_t)f->n_cidr;
	f->cidr[f->n_cidr++] = c;
	return NULL;
}

/* "[ADDR]", "[ADDR]/N", each with an optional ":PORTS". */
static const char *add_bracketed(struct filter *f, const char *text, int line)
{
	const char *close = strchr(text, ']'), *p, *plen = NULL, *why;
	uint16_t lo = 0, hi = 65535;
	size_t plen_n = 0;

	if (close == NULL)
		return "unterminated '['";
	p = close + 1;
	if (*p == '/') {
		plen = ++p;
		plen_n = strcspn(p, ":");
		p += plen_n;
	}
	if (*p == ':') {
		why = parse_ports(p + 1, strlen(p + 1), &lo, &hi);
		if (why != NULL)
			return why;
	} else if (*p != '\0') {
		return "unexpected text after ']'";
	}
	return add_cidr(f, text, line, text + 1, (size_t)(close - text - 1),
	                plen, plen_n, lo, hi);
}

static int all_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

static int looks_numeric(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '.')
			return 0;
	return 1;
}

static const char *add_name(struct filter *f, const char *text, int line,
                            const char *name, size_t n, uint16_t lo,
                            uint16_t hi, char *err, size_t errlen)
{
	enum rule_kind kind = RULE_DOMAIN;
	char out[HOSTNAME_MAX + 1], *ace = NULL;
	const char *why;
	uint32_t r;
	size_t len;

	if (n > 0 && name[0] == '=') {
		kind = RULE_DOMAIN_EXACT;
		name++;
		n--;
	} else if (n > 1 && name[0] == '*' && name[1] == '.') {
		kind = RULE_DOMAIN_SUB;
		name += 2;
		n -= 2;
	}
	if (!all_ascii(name, n)) {
		char *u = xstrndup(name, n);
		int rc = idn2_to_ascii_8z(
		    u, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);

		free(u);
		if (rc != IDN2_OK) {
			snprintf(err, errlen, "invalid international name: %s",
			         idn2_strerror(rc));
			return err;
		}
		name = ace;
		n = strlen(ace);
	}
	why = hostname_normalize(name, n, out);
	free(ace);
	if (why != NULL)
		return why;
	len = strlen(out);
	if (looks_numeric(out, len))
		return "not a domain name; write IPv4 addresses as A.B.C.D";
	r = filter_add_rule(f, text, line, kind);
	f->rules[r].port_lo = lo;
	f->rules[r].port_hi = hi;
	f->rules[r].key = (uint32_t)f->keys_len;
	f->rules[r].key_len = (uint32_t)len;
	memcpy(filter_key_space(f, len), out, len);
	f->keys_len += len;
	lit_index_add(&f->dom, f, r);
	return NULL;
}

const char *filter_add_domain(struct filter *f, const char *text, int line,
                              char *err, size_t errlen)
{
	const char *colon, *slash, *why;
	uint16_t lo = 0, hi = 65535;
	size_t n = strlen(text);
	uint8_t a4[4];

	if (text[0] == '~') {
		if (text[1] == '\0')
			return "empty regular expression";
		return filter_add_pattern(f, text, text + 1, line, 1, err,
		                          errlen);
	}
	if (text[0] == '[')
		return add_bracketed(f, text, line);
	colon = strchr(text, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		/* Two colons: a bare IPv6 address, which cannot carry a
		 * port. */
		slash = strchr(text, '/');
		if (slash == NULL)
			return add_cidr(f, text, line, text, n, NULL, 0, lo,
			                hi);
		return add_cidr(f, text, line, text, (size_t)(slash - text),
		                slash + 1, n - (size_t)(slash - text) - 1, lo,
		                hi);
	}
	if (colon != NULL) {
		why = parse_ports(colon + 1, n - (size_t)(colon - text) - 1,
		                  &lo, &hi);
		if (why != NULL)
			return why;
		n = (size_t)(colon - text);
	}
	slash = memchr(text, '/', n);
	if (slash != NULL)
		return add_cidr(f, text, line, text, (size_t)(slash - text),
		                slash + 1, n - (size_t)(slash - text) - 1, lo,
		                hi);
	if (looks_numeric(text, n) && n < 16) {
		char buf[16];

		memcpy(buf, text, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET, buf, a4) == 1)
			return add_cidr(f, text, line, text, n, NULL, 0, lo,
			                hi);
	}
	return add_name(f, text, line, text, n, lo, hi, err, errlen);
}

static int cidr_match(const struct cidr_rule *c, const uint8_t addr[16])
{
	int full = c->prefix / 8, rest = c->prefix % 8;

	if (memcmp(c->addr, addr, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((c->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0;
}

uint32_t filter_check_domain(const struct filter *f, const char *host,
                             uint16_t port, uint32_t limit)
{
	uint8_t addr[16];
	size_t i;

	if (hostname_ip_literal(host, addr)) {
		for (i = 0; i < f->n_cidr && f->cidr[i].rule < limit; i++) {
			const struct rule *r = &f->rules[f->cidr[i].rule];

			if (port >= r->port_lo && port <= r->port_hi &&
			    cidr_match(&f->cidr[i], addr))
				return f->cidr[i].rule;
		}
		return limit;
	}
	return lit_index_lookup(&f->dom, f, host, strlen(host), port, limit);
}
