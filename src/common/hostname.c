#include "hostname.h"

#include <arpa/inet.h>
#include <string.h>

#include "util.h"

#define LABEL_MAX 63

static int name_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static const char *normalize_ipv6(const char *in, size_t n, char *out)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct in6_addr a;
	size_t i;

	if (n < 2 || in[n - 1] != ']')
		return "unterminated IPv6 literal";
	in++;
	n -= 2;
	if (n == 0 || n >= sizeof(buf))
		return "invalid IPv6 literal";
	for (i = 0; i < n; i++)
		buf[i] = (char)ascii_lower((unsigned char)in[i]);
	buf[n] = '\0';
	/* inet_pton stops at nothing: a NUL inside the brackets would hide
	 * trailing bytes, so the length must match too. */
	if (strlen(buf) != n || inet_pton(AF_INET6, buf, &a) != 1)
		return "invalid IPv6 literal";
	memcpy(out, buf, n + 1);
	return NULL;
}

const char *hostname_normalize(const char *in, size_t n, char *out)
{
	size_t i, label = 0;

	if (n > 0 && in[0] == '[')
		return normalize_ipv6(in, n, out);
	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0)
		return "empty host name";
	if (n > HOSTNAME_MAX)
		return "host name longer than 255 bytes";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (!name_byte(c))
			return "invalid character in host name";
		if (c == '.') {
			if (label == 0)
				return "empty label in host name";
			label = 0;
		} else if (++label > LABEL_MAX) {
			return "label longer than 63 bytes";
		}
		out[i] = (char)ascii_lower(c);
	}
	if (label == 0)
		return "empty label in host name";
	out[n] = '\0';
	return NULL;
}

/* One inet_aton part as strtoul(s, &end, 0) reads it: decimal, 0octal or
 * 0xhex; a bare "0x" is read as "0" followed by 'x'. Returns the index
 * after it, or 0 when s[i] is not a digit. */
static size_t aton_part(const char *s, size_t i, unsigned long long *out)
{
	unsigned long long v = 0;
	unsigned base = 10;
	int d;

	if (s[i] < '0' || s[i] > '9')
		return 0;
	if (s[i] == '0') {
		base = 8;
		i++;
		if ((s[i] == 'x' || s[i] == 'X') &&
		    ascii_hex_digit((unsigned char)s[i + 1]) >= 0) {
			base = 16;
			i++;
		}
	}
	while ((d = ascii_hex_digit((unsigned char)s[i])) >= 0 &&
	       (unsigned)d < base) {
		/* Saturate: anything past 32 bits is rejected anyway. */
		if (v <= 0xffffffffULL)
			v = v * base + (unsigned)d;
		i++;
	}
	*out = v;
	return i;
}

/* The classic inet_aton grammar: one to four parts separated by dots; the
 * last part fills the remaining bytes. */
static int parse_ipv4(const char *s, uint8_t addr[4])
{
	unsigned long long part[4], last;
	size_t i = 0, n = 0, next;
	uint32_t v;

	for (;;) {
		next = aton_part(s, i, &part[n]);
		if (next == 0)
			return 0;
		i = next;
		n++;
		if (s[i] == '\0')
			break;
		if (s[i] != '.' || n == 4)
			return 0;
		i++;
	}
	last = part[n - 1];
	for (i = 0; i + 1 < n; i++)
		if (part[i] > 0xff)
			return 0;
	if (last > (0xffffffffULL >> (8 * (n - 1))))
		return 0;
	v = (uint32_t)last;
	for (i = 0; i + 1 < n; i++)
		v |= (uint32_t)part[i] << (24 - 8 * i);
	addr[0] = (uint8_t)(v >> 24);
	addr[1] = (uint8_t)(v >> 16);
	addr[2] = (uint8_t)(v >> 8);
	addr[3] = (uint8_t)v;
	return 1;
}

int hostname_ip_literal(const char *host, uint8_t addr[16])
{
	struct in6_addr a6;
	uint8_t a4[4];

	if (strchr(host, ':') != NULL) {
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return 0;
		memcpy(addr, &a6, 16);
		return 1;
	}
	if (!parse_ipv4(host, a4))
		return 0;
	memset(addr, 0, 10);
	addr[10] = 0xff;
	addr[11] = 0xff;
	memcpy(addr + 12, a4, 4);
	return 1;
}
