#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "netaddr.h"
#include "tap.h"

static void addr_of(const char *text, uint8_t addr[16])
{
	struct cidr c;

	memset(addr, 0xee, 16);
	if (cidr_parse(text, &c) == NULL)
		memcpy(addr, c.addr, 16);
}

static int special(const char *text)
{
	uint8_t a[16];

	addr_of(text, a);
	return netaddr_is_special(a);
}

static int contains(const char *net, const char *addr)
{
	struct cidr c;
	uint8_t a[16];

	if (cidr_parse(net, &c) != NULL)
		return -1;
	addr_of(addr, a);
	return cidr_contains(&c, a);
}

static const char *fmt(const char *text)
{
	static char buf[64];
	uint8_t a[16];

	addr_of(text, a);
	return netaddr_format(a, buf, sizeof(buf));
}

static void test_parse(void)
{
	static const uint8_t v4[16] = {0, 0, 0,    0,    0, 0, 0, 0,
	                               0, 0, 0xff, 0xff, 1, 2, 3, 4};
	static const char *const bad[] = {
	    "",
	    "1.2.3",
	    "1.2.3.4.5",
	    "1.2.3.256",
	    "01.2.3.4",
	    "0x1.2.3.4",
	    "1.2.3.4/",
	    "1.2.3.4/33",
	    "1.2.3.4/-1",
	    "1.2.3.4/+8",
	    "1.2.3.4/ 8",
	    " 1.2.3.4",
	    "1.2.3.4 ",
	    "::1/129",
	    "fe80::1%eth0",
	    ":::1",
	    "1.2.3.4/24/1",
	    "/24",
	    "example.com",
	    "2130706433",
	    "1.2.3.4/08x",
	    "[::1]",
	};
	struct cidr c;
	size_t i;

	is_str(cidr_parse("1.2.3.4", &c), NULL, "1.2.3.4 parses");
	ok(memcmp(c.addr, v4, 16) == 0, "IPv4 is stored v4-mapped");
	is_int(c.prefix, 128, "a single IPv4 address is a /128");
	is_str(cidr_parse("1.2.3.4/24", &c), NULL, "1.2.3.4/24 parses");
	is_int(c.prefix, 120, "IPv4 /24 is stored as prefix 120");
	ok(memcmp(c.addr, v4, 16) == 0, "host bits are kept as written");
	is_str(cidr_parse("0.0.0.0/0", &c), NULL, "0.0.0.0/0 parses");
	is_int(c.prefix, 96, "IPv4 /0 is prefix 96");
	is_str(cidr_parse("10.0.0.0/32", &c), NULL, "/32 is the IPv4 limit");
	is_int(c.prefix, 128, "IPv4 /32 is prefix 128");
	is_str(cidr_parse("::1", &c), NULL, "::1 parses");
	is_int(c.prefix, 128, "a single IPv6 address is a /128");
	ok(c.addr[15] == 1 && c.addr[0] == 0, "::1 bytes");
	is_str(cidr_parse("fe80::/10", &c), NULL, "fe80::/10 parses");
	is_int(c.prefix, 10, "IPv6 prefix is kept");
	is_str(cidr_parse("::/0", &c), NULL, "::/0 parses");
	is_int(c.prefix, 0, "IPv6 /0");
	is_str(cidr_parse("2001:db8::/128", &c), NULL, "/128 is the limit");
	is_str(cidr_parse("::ffff:1.2.3.4", &c), NULL, "v4-mapped text parses");
	ok(memcmp(c.addr, v4, 16) == 0, "v4-mapped text equals IPv4 form");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.prefix = -7;
		ok(cidr_parse(bad[i], &c) != NULL, "\"%s\" is refused", bad[i]);
		is_int(c.prefix, -7, "\"%s\" leaves out untouched", bad[i]);
	}
	is_str(cidr_parse("1.2.3.4/33", &c), "has a bad prefix length",
	       "message for a prefix past the limit");
	is_str(cidr_parse("nope", &c), "is not an IP address",
	       "message for a non-address");
}

static void test_contains(void)
{
	is_int(contains("10.0.0.0/8", "10.255.1.2"), 1, "10/8 has 10.255.1.2");
	is_int(contains("10.0.0.0/8", "11.0.0.0"), 0, "10/8 lacks 11.0.0.0");
	is_int(contains("10.1.2.3/8", "10.9.9.9"), 1,
	       "host bits in the net are ignored");
	is_int(contains("192.168.1.0/25", "192.168.1.127"), 1, "/25 has .127");
	is_int(contains("192.168.1.0/25", "192.168.1.128"), 0,
	       "/25 lacks .128");
	is_int(contains("1.2.3.4", "1.2.3.4"), 1, "single address matches");
	is_int(contains("1.2.3.4", "1.2.3.5"), 0, "single address only");
	is_int(contains("0.0.0.0/0", "200.1.1.1"), 1, "IPv4 /0 has all IPv4");
	is_int(contains("0.0.0.0/0", "2001:db8::1"), 0,
	       "IPv4 /0 does not contain IPv6");
	is_int(contains("::/0", "2001:db8::1"), 1, "::/0 has all IPv6");
	is_int(contains("::/0", "1.2.3.4"), 1, "::/0 has mapped IPv4 too");
	is_int(contains("fe80::/10", "febf::1"), 1, "fe80::/10 has febf::1");
	is_int(contains("fe80::/10", "fec0::1"), 0, "fe80::/10 lacks fec0::1");
	is_int(contains("2001:db8::/127", "2001:db8::1"), 1, "/127 edge");
	is_int(contains("2001:db8::/127", "2001:db8::2"), 0, "/127 past");
	is_int(contains("::ffff:10.0.0.0/104", "10.3.3.3"), 1,
	       "v4-mapped CIDR matches IPv4 clients");
}

static void test_special(void)
{
	static const char *const yes[] = {
	    "0.0.0.0",
	    "0.1.2.3",
	    "127.0.0.1",
	    "127.255.255.254",
	    "169.254.0.1",
	    "169.254.169.254",
	    "224.0.0.1",
	    "239.255.255.255",
	    "240.0.0.1",
	    "255.255.255.255",
	    "::",
	    "::1",
	    "fe80::1",
	    "febf::ffff",
	    "ff02::1",
	    "ff00::",
	    "::ffff:127.0.0.1",
	    "::127.0.0.1",
	    "::169.254.1.1",
	    "64:ff9b::127.0.0.1",
	    "64:ff9b::224.0.0.1",
	    "::ffff:0:127.0.0.1",
	};
	static const char *const no[] = {
	    "1.1.1.1",          "10.0.0.1",        "126.255.255.255",
	    "128.0.0.0",        "169.253.255.255", "169.255.0.0",
	    "192.168.1.1",      "223.255.255.255", "2001:db8::1",
	    "fec0::1",          "fe7f::1",         "::2.2.2.2",
	    "64:ff9b::8.8.8.8", "::ffff:8.8.8.8",  "2606:4700::1111",
	    "feff::1",
	};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		is_int(special(yes[i]), 1, "%s is special", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		is_int(special(no[i]), 0, "%s is not special", no[i]);
}

static void test_sockaddr(void)
{
	struct sockaddr_in s4 = {0};
	struct sockaddr_in6 s6 = {0};
	struct sockaddr_un su = {0};
	uint8_t a[16];
	char buf[64];

	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "10.137.0.13", &s4.sin_addr);
	is_int(netaddr_from_sockaddr((struct sockaddr *)&s4, a), 0, "AF_INET");
	is_str(netaddr_format(a, buf, sizeof(buf)), "10.137.0.13",
	       "AF_INET round trip");
	ok(a[10] == 0xff && a[11] == 0xff, "AF_INET is stored v4-mapped");

	s6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::7", &s6.sin6_addr);
	is_int(netaddr_from_sockaddr((struct sockaddr *)&s6, a), 0, "AF_INET6");
	is_str(netaddr_format(a, buf, sizeof(buf)), "2001:db8::7",
	       "AF_INET6 round trip");

	su.sun_family = AF_UNIX;
	is_int(netaddr_from_sockaddr((struct sockaddr *)&su, a), -1,
	       "AF_UNIX is refused");
}

static void test_format(void)
{
	char small[4];
	uint8_t a[16];

	is_str(fmt("1.2.3.4"), "1.2.3.4", "IPv4 formats as dotted quad");
	is_str(fmt("::ffff:1.2.3.4"), "1.2.3.4", "v4-mapped formats as IPv4");
	is_str(fmt("::1"), "::1", "IPv6 loopback");
	is_str(fmt("FE80::A"), "fe80::a", "IPv6 is lower case");
	is_str(fmt("64:ff9b::1.2.3.4"), "64:ff9b::102:304", "NAT64 as IPv6");
	addr_of("1.2.3.4", a);
	is_str(netaddr_format(a, small, sizeof(small)), "?",
	       "a buffer too small yields \"?\"");
}

static void test_network(void)
{
	struct cidr c, n;
	char text[64];

	cidr_parse("10.0.0.1/8", &c);
	is_int(cidr_network(&c, &n), 1, "10.0.0.1/8 has host bits");
	is_str(netaddr_format(n.addr, text, sizeof(text)), "10.0.0.0",
	       "its network");
	is_int(n.prefix, 104, "same prefix");
	cidr_parse("10.0.0.0/8", &c);
	is_int(cidr_network(&c, NULL), 0, "10.0.0.0/8 has none");
	cidr_parse("10.0.0.1", &c);
	is_int(cidr_network(&c, NULL), 0, "one address has none");
	cidr_parse("10.0.0.1/0", &c);
	is_int(cidr_network(&c, &n), 1, "10.0.0.1/0 has host bits");
	is_str(netaddr_format(n.addr, text, sizeof(text)), "0.0.0.0",
	       "every IPv4 bit cleared at /0");
	cidr_parse("192.168.1.129/25", &c);
	is_int(cidr_network(&c, &n), 1, "a prefix inside a byte");
	is_str(netaddr_format(n.addr, text, sizeof(text)), "192.168.1.128",
	       "cut inside the byte");
	cidr_parse("2001:db8::1/64", &c);
	is_int(cidr_network(&c, &n), 1, "IPv6 host bits");
	is_str(netaddr_format(n.addr, text, sizeof(text)),
	       "2001:db8::", "IPv6 network");
}

int main(void)
{
	test_parse();
	test_contains();
	test_special();
	test_sockaddr();
	test_format();
	test_network();
	return done();
}
