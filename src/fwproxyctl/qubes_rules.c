#include "qubes_rules.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

#define VALUE_MAX 1024

/* --- reading QubesDB's text ------------------------------------------ */

/* Undoes qubesdb-cmd's \xNN escapes into out (VALUE_MAX bytes). Returns
 * -1 when the value is too long or holds a control byte. */
static int unescape(const char *s, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '\\' && i + 3 < n && s[i + 1] == 'x' &&
		    ascii_hex_digit(s[i + 2]) >= 0 &&
		    ascii_hex_digit(s[i + 3]) >= 0) {
			c = ascii_hex_digit(s[i + 2]) * 16 +
			    ascii_hex_digit(s[i + 3]);
			i += 3;
		}
		if (c < 0x20 || c == 0x7f || o + 1 >= VALUE_MAX)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

static const char *fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return err;
}

static const char *parse_ports(const char *v, struct qfw_rule *r)
{
	const char *dash = strchr(v, '-');
	long long lo, hi;

	if (dash == NULL) {
		if (parse_number(v, 0, 65535, &lo) != NULL)
			return "bad dstports";
		hi = lo;
	} else if (parse_number_n(v, (size_t)(dash - v), 0, 65535, &lo) !=
	               NULL ||
	           parse_number(dash + 1, 0, 65535, &hi) != NULL || lo > hi) {
		return "bad dstports";
	}
	r->port_lo = (uint16_t)lo;
	r->port_hi = (uint16_t)hi;
	return NULL;
}

static void clear_host_bits(struct cidr *c)
{
	int i;

	for (i = c->prefix; i < 128; i++)
		c->addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
}

/* One "name=value" element of a rule. */
static const char *parse_element(const char *k, size_t kn, const char *v,
                                 struct qfw_rule *r, int *has_action)
{
	if (ascii_eq_n(k, kn, "action")) {
		if (strcmp(v, "accept") == 0)
			r->accept = 1;
		else if (strcmp(v, "drop") == 0)
			r->accept = 0;
		else
			return "invalid action";
		*has_action = 1;
	} else if (ascii_eq_n(k, kn, "dsthost")) {
		size_t n = strlen(v);

		if (r->dst != QFW_DST_ANY)
			return "two destinations";
		if (hostname_normalize(v, n, r->host) != NULL)
			return "invalid dsthost";
		r->dst = QFW_DST_HOST;
	} else if (ascii_eq_n(k, kn, "dst4") || ascii_eq_n(k, kn, "dst6")) {
		int v6 = kn == 4 && k[3] == '6';

		if (r->dst != QFW_DST_ANY)
			return "two destinations";
		if (cidr_parse(v, &r->net) != NULL ||
		    (strchr(v, ':') != NULL) != v6)
			return v6 ? "invalid dst6" : "invalid dst4";
		clear_host_bits(&r->net);
		r->dst = QFW_DST_NET;
	} else if (ascii_eq_n(k, kn, "proto")) {
		if (strcmp(v, "tcp") == 0)
			r->proto = 6;
		else if (strcmp(v, "udp") == 0)
			r->proto = 17;
		else if (strcmp(v, "icmp") == 0)
			r->proto = 1;
		else
			return "invalid proto";
	} else if (ascii_eq_n(k, kn, "dstports")) {
		return parse_ports(v, r);
	} else if (ascii_eq_n(k, kn, "specialtarget")) {
		if (strcmp(v, "dns") != 0)
			return "invalid specialtarget";
		r->dns = 1;
	} else if (ascii_eq_n(k, kn, "icmptype")) {
		long long t;

		if (parse_number(v, 0, 255, &t) != NULL)
			return "invalid icmptype";
	} else {
		return "unsupported rule option";
	}
	return NULL;
}

static const char *parse_rule(const char *value, struct qfw_rule *r)
{
	const char *p = value, *why;
	int has_action = 0;

	r->port_lo = 0;
	r->port_hi = 65535;
	while (*p != '\0') {
		size_t n = strcspn(p, " ");
		const char *eq = memchr(p, '=', n);
		char v[VALUE_MAX];

		if (n == 0 || eq == NULL ||
		    memchr(eq + 1, '=', n - (size_t)(eq - p) - 1) != NULL)
			return "malformed element";
		memcpy(v, eq + 1, n - (size_t)(eq - p) - 1);
		v[n - (size_t)(eq - p) - 1] = '\0';
		why = parse_element(p, (size_t)(eq - p), v, r, &has_action);
		if (why != NULL)
			return why;
		p += n;
		if (*p == ' ')
			p++;
	}
	return has_action ? NULL : "no action";
}

static int is_rule_key(const char *k, size_t n)
{
	size_t i;

	if (n != 4)
		return 0;
	for (i = 0; i < 4; i++)
		if (k[i] < '0' || k[i] > '9')
			return 0;
	return 1;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct qfw_rule *)a)->key,
	              ((const struct qfw_rule *)b)->key);
}

const char *qfw_parse(const char *text, struct qfw *out, char *err,
                      size_t errlen)
{
	const char *p = text;
	int has_policy = 0;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		const char *sep = NULL, *why;
		char value[VALUE_MAX];
		size_t i, kn;

		for (i = 0; i + 3 <= n; i++)
			if (memcmp(p + i, " = ", 3) == 0) {
				sep = p + i;
				break;
			}
		if (n == 0) {
			p++;
			continue;
		}
		if (sep == NULL || sep == p) {
			qfw_free(out);
			return fail(err, errlen,
			            "unreadable QubesDB line: %.*s",
			            (int)(n > 60 ? 60 : n), p);
		}
		kn = (size_t)(sep - p);
		if (unescape(sep + 3, n - kn - 3, value) != 0) {
			qfw_free(out);
			return fail(err, errlen, "%.*s: value not text",
			            (int)(kn > 40 ? 40 : kn), p);
		}
		if (ascii_eq_n(p, kn, "policy")) {
			if (strcmp(value, "accept") != 0 &&
			    strcmp(value, "drop") != 0) {
				qfw_free(out);
				return fail(err, errlen,
				            "policy: invalid value \"%s\"",
				            value);
			}
			out->policy_accept = strcmp(value, "accept") == 0;
			has_policy = 1;
		} else if (is_rule_key(p, kn)) {
			struct qfw_rule *r;

			if (out->n == cap) {
				cap = cap ? cap * 2 : 16;
				out->rules = xrealloc(
				    out->rules, cap * sizeof(*out->rules));
			}
			r = &out->rules[out->n++];
			memset(r, 0, sizeof(*r));
			memcpy(r->key, p, 4);
			why = parse_rule(value, r);
			if (why != NULL) {
				fail(err, errlen, "%s: %s: %s", r->key, why,
				     value);
				qfw_free(out);
				return err;
			}
		} else {
			qfw_free(out);
			return fail(err, errlen, "unexpected non-rule %.*s",
			            (int)(kn > 40 ? 40 : kn), p);
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	if (!has_policy) {
		qfw_free(out);
		return fail(err, errlen, "no policy");
	}
	if (out->n > 0)
		qsort(out->rules, out->n, sizeof(*out->rules), by_key);
	return NULL;
}

void qfw_free(struct qfw *q)
{
	free(q->rules);
	q->rules = NULL;
	q->n = 0;
}

const char *qfw_merge(struct qfw *q, const struct qfw *other, char *err,
                      size_t errlen)
{
	struct qfw_rule *all;
	size_t i = 0, j = 0, n = 0;

	if (q->policy_accept != other->policy_accept)
		return fail(err, errlen,
		            "policy: \"%s\" for IPv4, \"%s\" for IPv6",
		            q->policy_accept ? "accept" : "drop",
		            other->policy_accept ? "accept" : "drop");
	all = xcalloc(q->n + other->n + 1, sizeof(*all));
	while (i < q->n || j < other->n) {
		int c = i == q->n ? 1
		        : j == other->n
		            ? -1
		            : strcmp(q->rules[i].key, other->rules[j].key);

		if (c == 0 &&
		    memcmp(&q->rules[i], &other->rules[j], sizeof(*all)) != 0) {
			free(all);
			return fail(err, errlen,
			            "%s: differs between the IPv4 and IPv6 "
			            "lists",
			            q->rules[i].key);
		}
		all[n++] = c <= 0 ? q->rules[i] : other->rules[j];
		i += c <= 0;
		j += c >= 0;
	}
	free(q->rules);
	q->rules = all;
	q->n = n;
	return NULL;
}

/* --- translating ------------------------------------------------------ */

/* A set of ports as sorted disjoint intervals. */
struct port_set {
	uint16_t lo[64], hi[64];
	size_t n;
	int overflow; /* too fragmented to hold: treat as unknown */
};

static void ports_init(struct port_set *s, uint16_t lo, uint16_t hi)
{
	s->n = 1;
	s->lo[0] = lo;
	s->hi[0] = hi;
	s->overflow = 0;
}

static void ports_push(struct port_set *s, uint16_t lo, uint16_t hi)
{
	if (s->n == sizeof(s->lo) / sizeof(s->lo[0])) {
		s->overflow = 1;
		return;
	}
	s->lo[s->n] = lo;
	s->hi[s->n++] = hi;
}

static void ports_subtract(struct port_set *s, uint16_t lo, uint16_t hi)
{
	struct port_set r;
	size_t i;

	r.n = 0;
	r.overflow = s->overflow;
	for (i = 0; i < s->n; i++) {
		uint16_t a = s->lo[i], b = s->hi[i];

		if (hi < a || lo > b) {
			ports_push(&r, a, b);
			continue;
		}
		if (a < lo)
			ports_push(&r, a, (uint16_t)(lo - 1));
		if (b > hi)
			ports_push(&r, (uint16_t)(hi + 1), b);
	}
	*s = r;
}

static int applies_to_tcp(const struct qfw_rule *r)
{
	return (r->proto == 0 || r->proto == 6) && !r->dns;
}

static int unconditional(const struct qfw_rule *r)
{
	return applies_to_tcp(r) && r->dst == QFW_DST_ANY && r->port_lo == 0 &&
	       r->port_hi == 65535;
}

static int net_contains(const struct cidr *outer, const struct cidr *inner)
{
	return outer->prefix <= inner->prefix &&
	       cidr_contains(outer, inner->addr);
}

static int nets_overlap(const struct cidr *a, const struct cidr *b)
{
	return net_contains(a, b) || net_contains(b, a);
}

static void add_finding(struct qfw_translation *t, const char *key,
                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_finding(struct qfw_translation *t, const char *key,
                        const char *fmt, ...)
{
	struct qfw_finding *f;
	va_list ap;

	t->findings =
	    xrealloc(t->findings, (t->n_findings + 1) * sizeof(*t->findings));
	f = &t->findings[t->n_findings++];
	str_copy(f->key, key, sizeof(f->key));
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

static void emit_ports(struct buf *b, uint16_t lo, uint16_t hi)
{
	if (lo == 0)
		lo = 1;
	if (lo == 1 && hi == 65535)
		return;
	if (lo == hi)
		buf_printf(b, ":%u", (unsigned)lo);
	else
		buf_printf(b, ":%u-%u", (unsigned)lo, (unsigned)hi);
}

static void emit_net(struct buf *b, const struct cidr *c)
{
	char text[INET6_ADDRSTRLEN];

	netaddr_format(c->addr, text, sizeof(text));
	if (netaddr_is_v4(c->addr)) {
		buf_append_str(b, text);
		if (c->prefix != 128)
			buf_printf(b, "/%d", c->prefix - 96);
	} else {
		buf_printf(b, "[%s]", text);
		if (c->prefix != 128)
			buf_printf(b, "/%d", c->prefix);
	}
}

/* One line per port interval: "DEST[:PORTS]  # KEY". */
static void emit(struct buf *b, const struct qfw_rule *r,
                 const struct cidr *net, const struct port_set *ports)
{
	size_t i;

	for (i = 0; i < ports->n; i++) {
		if (ports->hi[i] == 0)
			continue;
		if (net != NULL)
			emit_net(b, net);
		else
			buf_printf(b, "=%s", r->host);
		emit_ports(b, ports->lo[i], ports->hi[i]);
		buf_printf(b, "  # %s\n", r->key);
	}
}

static int full_ports(const struct port_set *s)
{
	return s->n == 1 && s->lo[0] <= 1 && s->hi[0] == 65535;
}

static void translate_rule(const struct qfw_rule *rules, size_t i, int allow,
                           struct buf *b, struct qfw_translation *t)
{
	const struct qfw_rule *r = &rules[i];
	struct port_set ports;
	const char *partly = NULL;
	size_t j;

	ports_init(&ports, r->port_lo, r->port_hi);
	for (j = 0; j < i; j++) {
		const struct qfw_rule *s = &rules[j];

		if (s->accept == r->accept || !applies_to_tcp(s))
			continue;
		if (s->dst == QFW_DST_ANY ||
		    (r->dst == QFW_DST_HOST && s->dst == QFW_DST_HOST &&
		     strcmp(r->host, s->host) == 0) ||
		    (r->dst == QFW_DST_NET && s->dst == QFW_DST_NET &&
		     net_contains(&s->net, &r->net)))
			ports_subtract(&ports, s->port_lo, s->port_hi);
		else if ((r->dst == QFW_DST_NET && s->dst == QFW_DST_NET &&
		          nets_overlap(&s->net, &r->net)) ||
		         (r->dst == QFW_DST_ANY && s->dst != QFW_DST_ANY))
			partly = s->key;
	}
	if (ports.overflow) {
		partly = "";
		ports_init(&ports, r->port_lo, r->port_hi);
	}
	if (partly != NULL && allow) {
		add_finding(t, r->key,
		            "partly overridden by an earlier drop rule%s%s: "
		            "left out rather than allow more",
		            *partly ? " " : "", partly);
		return;
	}
	if (partly != NULL)
		add_finding(t, r->key,
		            "partly overridden by an earlier accept rule%s%s: "
		            "refused whole, more than Qubes refuses",
		            *partly ? " " : "", partly);
	if (r->dst == QFW_DST_HOST) {
		emit(b, r, NULL, &ports);
		return;
	}
	if (r->dst == QFW_DST_NET) {
		emit(b, r, &r->net, &ports);
		return;
	}
	/* Every destination on some ports. Addresses can carry ports; names
	 * cannot be limited by port without naming them. */
	if (ports.n == 0)
		return;
	{
		struct cidr all4, all6;

		cidr_parse("0.0.0.0/0", &all4);
		cidr_parse("::/0", &all6);
		emit(b, r, &all4, &ports);
		if (allow) {
			add_finding(
			    t, r->key,
			    "allows every name on some ports: names "
			    "cannot be limited by port alone; left out");
			return;
		}
		emit(b, r, &all6, &ports);
		buf_printf(b, "~.  # %s\n", r->key);
		if (!full_ports(&ports))
			add_finding(t, r->key,
			            "refuses every name on some ports: refused "
			            "on every port, more than Qubes refuses");
	}
}

const char *qfw_decider(const struct qfw *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (unconditional(&q->rules[i]))
			return q->rules[i].key;
	return NULL;
}

void qfw_translate(const struct qfw *q, const char *vm_ip,
                   struct qfw_translation *out)
{
	int default_accept = q->policy_accept;
	size_t i, end = q->n;
	struct buf b = {0};

	memset(out, 0, sizeof(*out));
	for (i = 0; i < q->n; i++)
		if (unconditional(&q->rules[i])) {
			default_accept = q->rules[i].accept;
			end = i;
			break;
		}
	for (i = end + 1; i < q->n; i++)
		add_finding(out, q->rules[i].key,
		            "never reached: rule %s before it decides "
		            "everything",
		            q->rules[end].key);
	buf_printf(&b,
	           "# The Qubes firewall rules of %s (QubesDB "
	           "/qubes-firewall/%s/): %s by default, a match %s.\n",
	           vm_ip, vm_ip, default_accept ? "allowed" : "refused",
	           default_accept ? "refuses" : "allows");
	for (i = 0; i < end; i++) {
		const struct qfw_rule *r = &q->rules[i];

		if (!applies_to_tcp(r))
			continue; /* UDP, ICMP and DNS never reach the proxy */
		if (r->accept == default_accept)
			continue; /* only cuts the rules after it */
		translate_rule(q->rules, i, !default_accept, &b, out);
	}
	out->deny_default = !default_accept;
	out->text = xstrdup(buf_cstr(&b));
	buf_free(&b);
}

void qfw_translation_free(struct qfw_translation *t)
{
	free(t->text);
	free(t->findings);
	memset(t, 0, sizeof(*t));
}
