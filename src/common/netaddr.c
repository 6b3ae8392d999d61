#include "netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "util.h"

static const uint8_t V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
static const uint8_t V4_COMPAT[12] = {0};
static const uint8_t V4_TRANSLATED[12] = {0, 0, 0,    0,    0, 0,
                                          0, 0, 0xff, 0xff, 0, 0};
static const uint8_t NAT64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

const char *cidr_parse(const char *s, struct cidr *out)
{
	char text[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	struct cidr c;
	long long prefix;
	int v6;

	if (n == 0)
		return "is not an IP address";
	if (n >= sizeof(text))
		return "is not an IP address";
	memcpy(text, s, n);
	text[n] = '\0';
	v6 = memchr(text, ':', n) != NULL;
	if (v6) {
		if (inet_pton(AF_INET6, text, c.addr) != 1)
			return "is not an IP address";
	} else {
		memcpy(c.addr, V4_MAPPED, sizeof(V4_MAPPED));
		if (inet_pton(AF_INET, text, c.addr + 12) != 1)
			return "is not an IP address";
	}
	c.prefix = 128;
	if (slash != NULL) {
		if (parse_number(slash + 1, 0, v6 ? 128 : 32, &prefix) != NULL)
			return "has a bad prefix length";
		c.prefix = (int)prefix + (v6 ? 0 : 96);
	}
	*out = c;
	return NULL;
}

int cidr_network(const struct cidr *net, struct cidr *network)
{
	struct cidr n = *net;
	int i, changed = 0;

	for (i = 0; i < 16; i++) {
		int keep = net->prefix - i * 8;
		uint8_t mask = keep >= 8   ? 0xff
		               : keep <= 0 ? 0
		                           : (uint8_t)(0xff << (8 - keep));

		changed |= (n.addr[i] & (uint8_t)~mask) != 0;
		n.addr[i] &= mask;
	}
	if (network != NULL)
		*network = n;
	return changed;
}

int netaddr_from_sockaddr(const struct sockaddr *sa, uint8_t addr[16])
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		memcpy(addr, V4_MAPPED, sizeof(V4_MAPPED));
		memcpy(addr + 12, &s4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		memcpy(addr, &s6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

int cidr_contains(const struct cidr *net, const uint8_t addr[16])
{
	int full = net->prefix / 8;
	int rest = net->prefix % 8;
	uint8_t mask;

	if (net->prefix <= 0)
		return 1;
	if (net->prefix > 128)
		return 0;
	if (memcmp(net->addr, addr, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (net->addr[full] & mask) == (addr[full] & mask);
}

static int v4_special(const uint8_t a[4])
{
	return a[0] == 0 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
	       a[0] >= 224;
}

int netaddr_is_special(const uint8_t addr[16])
{
	/* Every form that can carry an IPv4 address is judged by that
	 * address, so ::ffff:127.0.0.1, ::127.0.0.1 and 64:ff9b::7f00:1 all
	 * count as loopback; :: and ::1 fall in the compatible range. */
	if (memcmp(addr, V4_MAPPED, 12) == 0 ||
	    memcmp(addr, V4_COMPAT, 12) == 0 ||
	    memcmp(addr, V4_TRANSLATED, 12) == 0 ||
	    memcmp(addr, NAT64, 12) == 0)
		return v4_special(addr + 12);
	if (addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80)
		return 1;
	return addr[0] == 0xff;
}

const char *netaddr_format(const uint8_t addr[16], char *buf, size_t size)
{
	const char *r;

	if (memcmp(addr, V4_MAPPED, 12) == 0)
		r = inet_ntop(AF_INET, addr + 12, buf, (socklen_t)size);
	else
		r = inet_ntop(AF_INET6, addr, buf, (socklen_t)size);
	if (r == NULL && size > 0)
		str_copy(buf, "?", size);
	return buf;
}

int netaddr_is_v4(const uint8_t addr[16])
{
	return memcmp(addr, V4_MAPPED, sizeof(V4_MAPPED)) == 0;
}
