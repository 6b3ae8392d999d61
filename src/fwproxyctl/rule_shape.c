#include "rule_shape.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

int rule_label_char(char c)
{
	return is_alnum(c) || c == '-' || c == '_';
}

static int escaped(const char *p, size_t from, size_t at)
{
	size_t k = at, n = 0;

	while (k > from && p[k - 1] == '\\') {
		k--;
		n++;
	}
	return n % 2 == 1;
}

static int host_like(const char *h)
{
	const char *last = strrchr(h, '.');
	size_t i;
	int letter = 0;

	if (h[0] == '\0' || last == NULL || h[0] == '.' || last[1] == '\0' ||
	    strstr(h, "..") != NULL)
		return 0;
	for (i = 1; last[i]; i++)
		if (!(last[i] >= '0' && last[i] <= '9'))
			letter = 1;
	return letter;
}

static int is_ip(const char *s, int family)
{
	uint8_t a[16];

	return inet_pton(family, s, a) == 1;
}

static void shape_init(struct rule_shape *s, enum shape_start start,
                       enum shape_end end)
{
	s->start = start;
	s->end = end;
	s->loose_dot = -1;
	s->lead_loose = 0;
	s->host[0] = '\0';
}

int rule_shape_regex(const char *p, size_t n, struct rule_shape *s)
{
	size_t i = 0, j = n, o = 0;

	shape_init(s, SHAPE_START_LOOSE, SHAPE_END_LOOSE);
	if (i < j && p[i] == '^') {
		s->start = SHAPE_START_ANCHORED;
		i++;
	}
	if (j - i >= 2 && p[i] == '.' && p[i + 1] == '*') {
		s->start = SHAPE_START_LOOSE;
		i += 2;
	}
	if (j > i && p[j - 1] == '$' && !escaped(p, i, j - 1)) {
		s->end = SHAPE_END_ANCHORED;
		j--;
	}
	if (j - i >= 2 && p[j - 2] == '.' && p[j - 1] == '*' &&
	    !escaped(p, i, j - 2)) {
		s->end = SHAPE_END_LOOSE;
		j -= 2;
	}
	if (j - i >= 2 && p[i] == '\\' && p[i + 1] == '.') {
		if (s->start != SHAPE_START_LOOSE)
			return 0;
		s->start = SHAPE_START_SUB;
		i += 2;
	} else if (j > i && p[i] == '.') {
		if (s->start != SHAPE_START_LOOSE)
			return 0;
		s->start = SHAPE_START_SUB;
		s->lead_loose = 1;
		i++;
	}
	for (; i < j; i++) {
		if (o >= HOSTNAME_MAX)
			return 0;
		if (rule_label_char(p[i])) {
			s->host[o++] = p[i];
		} else if (p[i] == '\\' && i + 1 < j && p[i + 1] == '.') {
			s->host[o++] = '.';
			i++;
		} else if (p[i] == '.') {
			if (s->loose_dot < 0)
				s->loose_dot = (int)o;
			s->host[o++] = '.';
		} else {
			return 0;
		}
	}
	s->host[o] = '\0';
	return host_like(s->host);
}

int rule_shape_glob(const char *p, size_t n, struct rule_shape *s)
{
	size_t i = 0, j = n, o = 0;

	shape_init(s, SHAPE_START_ANCHORED, SHAPE_END_ANCHORED);
	if (n >= 2 && p[0] == '*' && p[1] == '.') {
		s->start = SHAPE_START_SUB;
		i = 2;
	} else if (n >= 1 && p[0] == '*') {
		s->start = SHAPE_START_LOOSE;
		i = 1;
	}
	if (j > i && p[j - 1] == '*') {
		s->end = SHAPE_END_LOOSE;
		j--;
	}
	for (; i < j; i++) {
		if (o >= HOSTNAME_MAX ||
		    !(rule_label_char(p[i]) || p[i] == '.'))
			return 0;
		s->host[o++] = p[i];
	}
	s->host[o] = '\0';
	return host_like(s->host);
}

void rule_escape_dots(char *out, size_t size, const char *host)
{
	size_t o = 0;

	for (; *host && o + 3 < size; host++) {
		if (*host == '.')
			out[o++] = '\\';
		out[o++] = *host;
	}
	out[o] = '\0';
}

long rule_loose_dots(const char *p, size_t n, char *fixed, size_t size)
{
	size_t i, o = 0;
	long first = -1;

	for (i = 0; i < n && o + 3 < size; i++) {
		if (p[i] == '\\' && i + 1 < n) {
			fixed[o++] = p[i++];
			fixed[o++] = p[i];
			continue;
		}
		if (p[i] == '[') {
			size_t j = i + 1;

			if (j < n && p[j] == '^')
				j++;
			if (j < n && p[j] == ']')
				j++;
			while (j < n && p[j] != ']')
				j++;
			for (; i <= j && i < n && o + 2 < size; i++)
				fixed[o++] = p[i];
			i--;
			continue;
		}
		if (p[i] == '.' && i > 0 && i + 1 < n && is_alnum(p[i - 1]) &&
		    !escaped(p, 0, i - 1) && is_alnum(p[i + 1])) {
			if (first < 0)
				first = (long)i;
			fixed[o++] = '\\';
		}
		fixed[o++] = p[i];
	}
	fixed[o] = '\0';
	return o + 3 >= size ? -1 : first;
}

int rule_domain_hosts(const char *t, size_t n, char hosts[2][RULE_HOST_TEXT],
                      uint16_t *lo, uint16_t *hi)
{
	char buf[HOSTNAME_MAX + 1], out[HOSTNAME_MAX + 1], *ace = NULL;
	const char *colon, *why, *name = buf, *slash;
	size_t len = n;
	long long a, b, prefix = -1;
	int kind = 0, v4, i, bits;
	uint8_t addr[16];

	*lo = 0;
	*hi = 65535;
	if (n == 0 || n > HOSTNAME_MAX || t[0] == '[')
		return 0;
	memcpy(buf, t, n);
	buf[n] = '\0';
	colon = strchr(buf, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL)
		colon = NULL; /* a bare IPv6 address */
	else if (colon != NULL) {
		const char *dash = strchr(colon + 1, '-');
		len = (size_t)(colon - buf);
		if (dash == NULL) {
			if (parse_number(colon + 1, 1, 65535, &a) != NULL)
				return 0;
			b = a;
		} else if (parse_number_n(colon + 1, (size_t)(dash - colon - 1),
		                          1, 65535, &a) != NULL ||
		           parse_number(dash + 1, 1, 65535, &b) != NULL) {
			return 0;
		}
		*lo = (uint16_t)a;
		*hi = (uint16_t)b;
		buf[len] = '\0';
	}
	slash = strchr(buf, '/');
	if (slash != NULL) {
		if (parse_number(slash + 1, 0, 128, &prefix) != NULL)
			return 0;
		buf[slash - buf] = '\0';
	}
	v4 = is_ip(buf, AF_INET);
	if (v4 || is_ip(buf, AF_INET6)) {
		inet_pton(v4 ? AF_INET : AF_INET6, buf, addr);
		bits = v4 ? 32 : 128;
		if (prefix < 0 || prefix > bits)
			prefix = bits;
		str_copy(hosts[0], buf, 64);
		for (i = (int)prefix; i < bits; i++)
			addr[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		inet_ntop(v4 ? AF_INET : AF_INET6, addr, hosts[1], 64);
		return prefix == bits ? 1 : 2;
	}
	if (slash != NULL)
		return 0;
	if (buf[0] == '=') {
		kind = 1;
		name++;
	} else if (buf[0] == '*' && buf[1] == '.') {
		kind = 2;
		name += 2;
	}
	for (i = 0; name[i]; i++)
		if ((unsigned char)name[i] >= 0x80)
			break;
	if (name[i] != '\0') {
		if (idn2_to_ascii_8z(name, &ace,
		                     IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) !=
		    IDN2_OK)
			return 0;
		name = ace;
	}
	why = hostname_normalize(name, strlen(name), out);
	free(ace);
	if (why != NULL)
		return 0;
	if (kind == 1) {
		str_copy(hosts[0], out, RULE_HOST_TEXT);
		return 1;
	}
	snprintf(hosts[0], RULE_HOST_TEXT, RULE_PROBE_LABEL "%s", out);
	if (kind == 2)
		return 1;
	str_copy(hosts[1], out, RULE_HOST_TEXT);
	return 2;
}
