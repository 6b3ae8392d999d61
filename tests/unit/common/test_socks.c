#include "socks.h"

#include <stdlib.h>

#include "guard.h"
#include "tap.h"

#define M(s) (const uint8_t *)(s), sizeof(s) - 1

enum kind { GREETING, AUTH, REQ5, REQ4 };

static enum socks_parse parse(enum kind k, const uint8_t *in, size_t n,
                              struct socks_request *r, size_t *used,
                              struct socks5_greeting *g, struct socks5_auth *a)
{
	const uint8_t *p = (const uint8_t *)guard_place(in, n);
	const char *why = NULL;
	enum socks_parse res;

	switch (k) {
	case GREETING:
		res = socks5_parse_greeting(p, n, g, used, &why);
		break;
	case AUTH:
		res = socks5_parse_auth(p, n, a, used, &why);
		break;
	case REQ5:
		res = socks5_parse_request(p, n, r, used, &why);
		break;
	default:
		res = socks4_parse_request(p, n, r, used, &why);
		break;
	}
	if (res != SOCKS_PARSE_DONE && res != SOCKS_PARSE_INCOMPLETE &&
	    why == NULL) {
		printf("# error without a message\n");
		exit(1);
	}
	return res;
}

/* Every proper prefix is INCOMPLETE, or the same error as the whole. */
static void check(enum kind k, const uint8_t *in, size_t n,
                  enum socks_parse want, const char *label)
{
	struct socks_request r;
	struct socks5_greeting g;
	struct socks5_auth a;
	size_t used = 0, i;
	enum socks_parse got = parse(k, in, n, &r, &used, &g, &a);
	int prefixes_ok = 1;

	is_int(got, want, "%s", label);
	for (i = 0; i < n; i++) {
		enum socks_parse pr = parse(k, in, i, &r, &used, &g, &a);
		if (pr != SOCKS_PARSE_INCOMPLETE &&
		    !(pr == want && want != SOCKS_PARSE_DONE &&
		      want != SOCKS_PARSE_BAD_COMMAND))
			prefixes_ok = 0;
	}
	ok(prefixes_ok, "%s: prefixes incomplete or the same error", label);
}

static void greetings(void)
{
	struct socks5_greeting g;
	size_t used = 0;

	check(GREETING, M("\x05\x01\x00"), SOCKS_PARSE_DONE, "no auth");
	is_int(parse(GREETING,
	             M("\x05\x02\x02\x00"
	               "extra"),
	             NULL, &used, &g, NULL),
	       SOCKS_PARSE_DONE, "two methods, early bytes after");
	is_int(used, 4, "greeting length");
	ok(g.offers_none && g.offers_userpass, "both methods seen");
	parse(GREETING, M("\x05\x03\x01\x80\xfe"), NULL, &used, &g, NULL);
	ok(!g.offers_none && !g.offers_userpass, "GSSAPI and private only");
	check(GREETING, M("\x05\x00"), SOCKS_PARSE_BAD, "no methods");
	check(GREETING, M("\x04\x01\x00"), SOCKS_PARSE_BAD, "version 4");
	check(GREETING, M("\x05\x05\x00\x01"), SOCKS_PARSE_INCOMPLETE,
	      "truncated method list");
}

static void auths(void)
{
	struct socks5_auth a;
	size_t used = 0;

	check(AUTH,
	      M("\x01\x05"
	        "alice"
	        "\x06"
	        "s3cret"),
	      SOCKS_PARSE_DONE, "user and password");
	parse(AUTH,
	      M("\x01\x05"
	        "alice"
	        "\x06"
	        "s3cretXX"),
	      NULL, &used, NULL, &a);
	is_int(used, 14, "auth length");
	ok(a.user_len == 5 && memcmp(a.user, "alice", 5) == 0, "user slice");
	ok(a.pass_len == 6 && memcmp(a.pass, "s3cret", 6) == 0, "pass slice");
	check(AUTH, M("\x01\x00\x00"), SOCKS_PARSE_DONE,
	      "empty user, password");
	check(AUTH,
	      M("\x05\x01"
	        "a"
	        "\x01"
	        "b"),
	      SOCKS_PARSE_BAD, "wrong sub-negotiation version");
	check(AUTH,
	      M("\x01\x05"
	        "ali"),
	      SOCKS_PARSE_INCOMPLETE, "truncated user");
}

static void requests5(void)
{
	struct socks_request r;
	size_t used = 0;
	uint8_t name255[4 + 1 + 255 + 2] = {5, 1, 0, 3, 255};

	check(REQ5, M("\x05\x01\x00\x01\x7f\x00\x00\x02\x00\x50"),
	      SOCKS_PARSE_DONE, "IPv4");
	parse(REQ5,
	      M("\x05\x01\x00\x01\x7f\x00\x00\x02\x1f\x90"
	        "GET"),
	      &r, &used, NULL, NULL);
	is_int(used, 10, "IPv4 request length, early data after");
	is_str(r.host, "127.0.0.2", "IPv4 as text");
	is_int(r.port, 8080, "port in network order");
	ok(!r.by_name && r.version == 5, "by IP");
	check(REQ5,
	      M("\x05\x01\x00\x03\x0b"
	        "Example.COM"
	        "\x01\xbb"),
	      SOCKS_PARSE_DONE, "domain");
	parse(REQ5,
	      M("\x05\x01\x00\x03\x0c"
	        "Example.COM."
	        "\x01\xbb"),
	      &r, &used, NULL, NULL);
	is_str(r.host, "example.com", "domain normalised");
	ok(r.by_name && r.port == 443, "by name, port 443");
	check(REQ5,
	      M("\x05\x01\x00\x04\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00"
	        "\x00\x00\x00\x00\x01\x00\x16"),
	      SOCKS_PARSE_DONE, "IPv6");
	parse(REQ5,
	      M("\x05\x01\x00\x04\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00"
	        "\x00\x00\x00\x00\x01\x00\x16"),
	      &r, &used, NULL, NULL);
	is_str(r.host, "2001:db8::1", "IPv6 as text");
	is_int(used, 22, "IPv6 request length");
	check(REQ5, M("\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50"),
	      SOCKS_PARSE_BAD_COMMAND, "BIND");
	check(REQ5, M("\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00"),
	      SOCKS_PARSE_BAD_COMMAND, "UDP ASSOCIATE to port 0");
	check(REQ5, M("\x05\x09\x00\x01\x00\x00\x00\x00\x00\x50"),
	      SOCKS_PARSE_BAD_COMMAND, "unknown command");
	check(REQ5, M("\x05\x01\x00\x05\x00\x00"), SOCKS_PARSE_BAD_ADDRESS,
	      "unknown address type");
	check(REQ5, M("\x05\x01\x01\x01\x7f\x00\x00\x01\x00\x50"),
	      SOCKS_PARSE_BAD, "reserved byte set");
	check(REQ5, M("\x04\x01\x00\x01\x7f\x00\x00\x01\x00\x50"),
	      SOCKS_PARSE_BAD, "version 4");
	check(REQ5, M("\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x00"),
	      SOCKS_PARSE_BAD, "port 0");
	check(REQ5, M("\x05\x01\x00\x03\x00\x00\x50"), SOCKS_PARSE_BAD,
	      "empty name");
	check(REQ5,
	      M("\x05\x01\x00\x03\x03"
	        "a\0b"
	        "\x00\x50"),
	      SOCKS_PARSE_BAD, "NUL in name");
	check(REQ5,
	      M("\x05\x01\x00\x03\x05"
	        "a b.c"
	        "\x00\x50"),
	      SOCKS_PARSE_BAD, "space in name");
	check(REQ5,
	      M("\x05\x01\x00\x03\x05"
	        "a..bc"
	        "\x00\x50"),
	      SOCKS_PARSE_BAD, "empty label");
	/* 255 bytes: the longest name a length byte can give; labels of 63. */
	memset(name255 + 5, 'a', 255);
	name255[5 + 63] = name255[5 + 127] = name255[5 + 191] = '.';
	name255[5 + 255] = 0;
	name255[5 + 256] = 80;
	check(REQ5, name255, sizeof(name255), SOCKS_PARSE_DONE,
	      "255-byte name");
	name255[5 + 63] = 'a';
	check(REQ5, name255, sizeof(name255), SOCKS_PARSE_BAD,
	      "label of 127 bytes");
}

static void requests4(void)
{
	struct socks_request r;
	size_t used = 0;
	uint8_t user[8 + SOCKS4_MAX_USERID + 2] = {4, 1, 0, 80, 127, 0, 0, 2};
	uint8_t name[8 + 1 + HOSTNAME_MAX + 2] = {4, 1, 0, 80, 0, 0, 0, 1, 0};

	check(REQ4,
	      M("\x04\x01\x00\x50\x7f\x00\x00\x02"
	        "bob\0"),
	      SOCKS_PARSE_DONE, "SOCKS4");
	parse(REQ4,
	      M("\x04\x01\x00\x50\x7f\x00\x00\x02"
	        "bob\0"
	        "GET"),
	      &r, &used, NULL, NULL);
	is_int(used, 12, "SOCKS4 length, early data after");
	is_str(r.host, "127.0.0.2", "SOCKS4 IP as text");
	ok(!r.by_name && r.version == 4 && r.port == 80, "SOCKS4 fields");
	check(REQ4,
	      M("\x04\x01\x01\xbb\x00\x00\x00\x07\0"
	        "Nginx.Test\0"),
	      SOCKS_PARSE_DONE, "SOCKS4a");
	parse(REQ4,
	      M("\x04\x01\x01\xbb\x00\x00\x00\x07\0"
	        "Nginx.Test\0"),
	      &r, &used, NULL, NULL);
	is_str(r.host, "nginx.test", "SOCKS4a name normalised");
	ok(r.by_name && r.port == 443 && used == 20, "SOCKS4a fields");
	check(REQ4, M("\x04\x02\x00\x50\x7f\x00\x00\x02\0"),
	      SOCKS_PARSE_BAD_COMMAND, "SOCKS4 BIND");
	check(REQ4, M("\x04\x01\x00\x00\x7f\x00\x00\x02\0"), SOCKS_PARSE_BAD,
	      "SOCKS4 port 0");
	check(REQ4, M("\x04\x01\x00\x50\x00\x00\x00\x07\0\0"), SOCKS_PARSE_BAD,
	      "SOCKS4a empty name");
	check(REQ4,
	      M("\x04\x01\x00\x50\x00\x00\x00\x07\0"
	        "a/b\0"),
	      SOCKS_PARSE_BAD, "SOCKS4a bad name");
	check(REQ4,
	      M("\x04\x01\x00\x50\x00\x00\x00\x07\0"
	        "abc"),
	      SOCKS_PARSE_INCOMPLETE, "SOCKS4a name without NUL");
	/* User ids at the limit and one past it. */
	memset(user + 8, 'u', SOCKS4_MAX_USERID);
	user[8 + SOCKS4_MAX_USERID] = 0;
	check(REQ4, user, 8 + SOCKS4_MAX_USERID + 1, SOCKS_PARSE_DONE,
	      "user id at the limit");
	user[8 + SOCKS4_MAX_USERID] = 'u';
	user[8 + SOCKS4_MAX_USERID + 1] = 0;
	check(REQ4, user, sizeof(user), SOCKS_PARSE_BAD,
	      "user id past the limit");
	/* SOCKS4a names at the limit and one past it. */
	memset(name + 9, 'a', HOSTNAME_MAX);
	name[9 + 63] = name[9 + 127] = name[9 + 191] = '.';
	name[9 + HOSTNAME_MAX] = 0;
	check(REQ4, name, 9 + HOSTNAME_MAX + 1, SOCKS_PARSE_DONE,
	      "SOCKS4a name at the limit");
	name[9 + HOSTNAME_MAX] = 'a';
	name[9 + HOSTNAME_MAX + 1] = 0;
	check(REQ4, name, sizeof(name), SOCKS_PARSE_BAD,
	      "SOCKS4a name past the limit");
}

int main(void)
{
	greetings();
	auths();
	requests5();
	requests4();
	return done();
}
