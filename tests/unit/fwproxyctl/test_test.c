/* fwproxyctl test: the request a URL or HOST[:PORT] stands for. */
#include <string.h>

#include "test.h"
#include "tap.h"

static void target(const char *arg, const char *host, int port, int connect,
                   const char *url)
{
	struct ctl_test_target t;
	const char *why = ctl_test_parse_target(arg, &t);

	if (!ok(why == NULL, "%s parses (%s)", arg, why ? why : "ok"))
		return;
	is_str(t.host, host, "%s: host", arg);
	is_int(t.port, port, "%s: port", arg);
	is_int(t.connect, connect, "%s: CONNECT", arg);
	is_str(t.url, url, "%s: URL as FilterURLs sees it", arg);
}

static void bad(const char *arg)
{
	struct ctl_test_target t;

	ok(ctl_test_parse_target(arg, &t) != NULL, "%s is refused", arg);
}

int main(void)
{
	target("http://Work.Test/a?b", "work.test", 80, 0,
	       "http://work.test/a?b");
	target("http://work.test", "work.test", 80, 0, "http://work.test/");
	target("http://work.test:8080/", "work.test", 8080, 0,
	       "http://work.test:8080/");
	target("https://work.test/x", "work.test", 443, 1, "work.test:443");
	target("work.test", "work.test", 443, 1, "work.test:443");
	target("work.test.:8443", "work.test", 8443, 1, "work.test:8443");
	target("[::1]:443", "::1", 443, 1, "[::1]:443");
	target("http://b\xc3\xbc"
	       "cher.test/",
	       "xn--bcher-kva.test", 80, 0, "http://xn--bcher-kva.test/");
	bad("ftp://work.test/");
	bad("work.test:0");
	bad("work.test:65536");
	bad("work.test:http");
	bad("work.test/path");
	bad("http://user@work.test/");
	bad("http:///");
	bad("bad..name");
	bad("[::1");
	return done();
}
