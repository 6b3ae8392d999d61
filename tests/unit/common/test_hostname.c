#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "hostname.h"
#include "tap.h"

static const char *norm(const char *in, char *out)
{
	const char *err = hostname_normalize(in, strlen(in), out);
	return err ? err : out;
}

static void test_normalize(void)
{
	char out[HOSTNAME_MAX + 1];
	char long_label[70], long_name[300];
	size_t i;

	is_str(norm("Example.COM", out), "example.com", "lower case");
	is_str(norm("example.com.", out), "example.com", "one trailing dot");
	ok(hostname_normalize("example.com..", 13, out) != NULL,
	   "two trailing dots rejected");
	is_str(norm("a_b-c.d9", out), "a_b-c.d9", "underscore, dash, digit");
	is_str(norm("[::1]", out), "::1", "IPv6 brackets removed");
	is_str(norm("[2001:DB8::A]", out), "2001:db8::a", "IPv6 lower case");
	is_str(norm("[::ffff:1.2.3.4]", out), "::ffff:1.2.3.4",
	       "IPv6 with embedded IPv4");
	is_str(norm("1.2.3.4", out), "1.2.3.4", "IPv4 kept");
	/* Only the first n bytes count. */
	ok(hostname_normalize("abc.example", 3, out) == NULL &&
	       strcmp(out, "abc") == 0,
	   "length is honoured");

	ok(hostname_normalize("", 0, out) != NULL, "empty rejected");
	ok(hostname_normalize(".", 1, out) != NULL, "lone dot rejected");
	ok(hostname_normalize(".a", 2, out) != NULL, "leading dot rejected");
	ok(hostname_normalize("a..b", 4, out) != NULL, "empty label rejected");
	ok(hostname_normalize("a b", 3, out) != NULL, "space rejected");
	ok(hostname_normalize("a\0b", 3, out) != NULL, "NUL rejected");
	ok(hostname_normalize("a:80", 4, out) != NULL, "colon rejected");
	ok(hostname_normalize("a/b", 3, out) != NULL, "slash rejected");
	ok(hostname_normalize("a%2eb", 5, out) != NULL, "percent rejected");
	ok(hostname_normalize("\xc3\xa9t\xc3\xa9", 6, out) != NULL,
	   "non-ASCII rejected");
	ok(hostname_normalize("::1", 3, out) != NULL,
	   "IPv6 without brackets rejected");
	ok(hostname_normalize("[::1", 4, out) != NULL, "unterminated [");
	ok(hostname_normalize("[]", 2, out) != NULL, "empty brackets");
	ok(hostname_normalize("[1.2.3.4]", 9, out) != NULL,
	   "IPv4 in brackets rejected");
	ok(hostname_normalize("[fe80::1%25eth0]", 16, out) != NULL,
	   "zone id rejected");
	ok(hostname_normalize("[::1\0]", 6, out) != NULL,
	   "NUL inside brackets rejected");
	ok(hostname_normalize("[v1.x]", 6, out) != NULL, "IPvFuture rejected");

	memset(long_label, 'a', 63);
	long_label[63] = '\0';
	ok(hostname_normalize(long_label, 63, out) == NULL, "63-byte label");
	long_label[63] = 'a';
	long_label[64] = '\0';
	ok(hostname_normalize(long_label, 64, out) != NULL,
	   "64-byte label rejected");

	/* 255 bytes: labels of 63 and dots. */
	for (i = 0; i < 255; i++)
		long_name[i] = (i % 64 == 63) ? '.' : 'b';
	long_name[255] = '\0';
	ok(hostname_normalize(long_name, 255, out) == NULL &&
	       strlen(out) == 255,
	   "255-byte name");
	long_name[255] = '.';
	ok(hostname_normalize(long_name, 256, out) == NULL &&
	       strlen(out) == 255,
	   "255-byte name with trailing dot");
	long_name[255] = 'c';
	ok(hostname_normalize(long_name, 256, out) != NULL,
	   "256-byte name rejected");
}

static int v4(const char *host, const char *want)
{
	uint8_t addr[16], exp[4];

	if (!hostname_ip_literal(host, addr))
		return 0;
	inet_pton(AF_INET, want, exp);
	return memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 &&
	       memcmp(addr + 12, exp, 4) == 0;
}

static void test_literals(void)
{
	uint8_t addr[16], exp[16];

	ok(v4("127.0.0.1", "127.0.0.1"), "dotted quad");
	ok(v4("127.1", "127.0.0.1"), "two parts");
	ok(v4("127.0.1", "127.0.0.1"), "three parts");
	ok(v4("2130706433", "127.0.0.1"), "one decimal number");
	ok(v4("0x7f.1", "127.0.0.1"), "hex part");
	ok(v4("0X7F.0.0.1", "127.0.0.1"), "upper-case hex");
	ok(v4("017700000001", "127.0.0.1"), "one octal number");
	ok(v4("0177.0.0.01", "127.0.0.1"), "octal parts");
	ok(v4("0x7f000001", "127.0.0.1"), "one hex number");
	ok(v4("0", "0.0.0.0"), "zero");
	ok(v4("4294967295", "255.255.255.255"), "max");
	ok(v4("1.16777215", "1.255.255.255"), "24-bit tail");
	ok(!hostname_ip_literal("4294967296", addr), "2^32 rejected");
	ok(!hostname_ip_literal("1.16777216", addr), "24-bit overflow");
	ok(!hostname_ip_literal("256.0.0.1", addr), "256 in a part");
	ok(!hostname_ip_literal("1.2.3.4.5", addr), "five parts");
	ok(!hostname_ip_literal("1.2.3.4.example.com", addr),
	   "name with an address prefix");
	ok(!hostname_ip_literal("example.com", addr), "name");
	ok(!hostname_ip_literal("08", addr), "bad octal");
	ok(!hostname_ip_literal("0x", addr), "bare 0x");
	ok(!hostname_ip_literal("1..2", addr), "empty part");
	ok(!hostname_ip_literal("1.2.3.", addr), "trailing dot");
	ok(!hostname_ip_literal("", addr), "empty");
	ok(!hostname_ip_literal("99999999999999999999", addr), "huge");
	ok(!hostname_ip_literal("deadbeef", addr), "hex without 0x");

	ok(hostname_ip_literal("::1", addr) &&
	       inet_pton(AF_INET6, "::1", exp) == 1 &&
	       memcmp(addr, exp, 16) == 0,
	   "IPv6 loopback");
	ok(v4("::ffff:1.2.3.4", "1.2.3.4"), "v4-mapped IPv6");
	ok(v4("::ffff:7f00:1", "127.0.0.1"), "v4-mapped in hex");
	ok(!hostname_ip_literal("::1::2", addr), "bad IPv6");
	ok(!hostname_ip_literal("[::1]", addr), "brackets are not normalised");
}

/* Every short string over the alphabet inet_aton cares about must give
 * the answer glibc's inet_aton gives. */
static void test_aton_differential(void)
{
	static const char alpha[] = "0179x.f8";
	char s[8];
	unsigned long total = 0, bad = 0;
	size_t n, k, i;

	for (n = 1; n <= 6; n++) {
		size_t count = 1;
		for (i = 0; i < n; i++)
			count *= sizeof(alpha) - 1;
		for (k = 0; k < count; k++) {
			size_t x = k;
			struct in_addr ia;
			uint8_t addr[16];
			int a, b;

			for (i = 0; i < n; i++) {
				s[i] = alpha[x % (sizeof(alpha) - 1)];
				x /= sizeof(alpha) - 1;
			}
			s[n] = '\0';
			a = inet_aton(s, &ia) != 0;
			b = hostname_ip_literal(s, addr);
			total++;
			if (a != b || (a && memcmp(addr + 12, &ia, 4) != 0)) {
				if (bad++ < 5)
					printf("# differs: \"%s\" aton %d\n", s,
					       a);
			}
		}
	}
	is_int(bad, 0, "inet_aton agrees on %lu strings", total);
}

int main(void)
{
	test_normalize();
	test_literals();
	test_aton_differential();
	return done();
}
