/* What one rule says about host names: the host a regex or glob names and
 * its anchors, unescaped dots, and the hosts standing for a domain rule. */
#include <string.h>

#include "rule_shape.h"
#include "tap.h"

static int regex(const char *p, struct rule_shape *s)
{
	return rule_shape_regex(p, strlen(p), s);
}

static int glob(const char *p, struct rule_shape *s)
{
	return rule_shape_glob(p, strlen(p), s);
}

static void regex_shapes(void)
{
	struct rule_shape s;

	ok(regex("^example\\.com$", &s), "^example\\.com$ names one host");
	is_str(s.host, "example.com", "its host");
	is_int(s.start, SHAPE_START_ANCHORED, "anchored at the start");
	is_int(s.end, SHAPE_END_ANCHORED, "anchored at the end");
	is_int(s.loose_dot, -1, "no loose dot");

	ok(regex("example.com", &s), "example.com names one host");
	is_int(s.start, SHAPE_START_LOOSE, "loose at the start");
	is_int(s.end, SHAPE_END_LOOSE, "loose at the end");
	is_int(s.loose_dot, 7, "the loose dot's offset");

	ok(regex("\\.example\\.com$", &s), "\\.example\\.com$ names one host");
	is_int(s.start, SHAPE_START_SUB, "subdomains");
	is_int(s.lead_loose, 0, "escaped leading dot");
	ok(regex(".example\\.com$", &s), ".example\\.com$ names one host");
	is_int(s.lead_loose, 1, "unescaped leading dot");

	ok(regex("^.*example\\.com.*$", &s), ".* on both sides");
	is_int(s.start, SHAPE_START_LOOSE, ".* makes the start loose");
	is_int(s.end, SHAPE_END_LOOSE, ".* makes the end loose");

	ok(regex("^my_host-1\\.example\\.com$", &s), "'-' and '_' in labels");
	ok(!regex("^\\.example\\.com$", &s), "^ before a subdomain dot");
	ok(!regex("^(a|b)\\.example\\.com$", &s), "alternatives");
	ok(!regex("^example\\.com\\$$", &s), "an escaped $ is not an anchor");
	ok(!regex("^localhost$", &s), "no dot: not a host name");
	ok(!regex("^10\\.0\\.0\\.1$", &s), "all-digit last label");
	ok(!regex("^example\\.\\.com$", &s), "empty label");
	ok(!regex("", &s), "empty pattern");
}

static void glob_shapes(void)
{
	struct rule_shape s;

	ok(glob("example.com", &s), "example.com");
	is_int(s.start, SHAPE_START_ANCHORED, "anchored");
	is_int(s.end, SHAPE_END_ANCHORED, "anchored at the end");
	ok(glob("*.example.com", &s), "*.example.com");
	is_int(s.start, SHAPE_START_SUB, "subdomains");
	is_str(s.host, "example.com", "its host");
	ok(glob("*example.com*", &s), "*example.com*");
	is_int(s.start, SHAPE_START_LOOSE, "loose start");
	is_int(s.end, SHAPE_END_LOOSE, "loose end");
	ok(!glob("ex?mple.com", &s), "'?' is not a host");
	ok(!glob("*.example.[a-z]*", &s), "brackets are not a host");
}

static void dots(void)
{
	char out[64];

	rule_escape_dots(out, sizeof(out), "a.b.example.com");
	is_str(out, "a\\.b\\.example\\.com", "every dot escaped");
	rule_escape_dots(out, 6, "a.b.example.com");
	ok(strlen(out) < 6, "cut to fit");

	is_int(
	    rule_loose_dots("^(www|api)\\.example.com$", 24, out, sizeof(out)),
	    19, "a loose dot between two letters");
	is_str(out, "^(www|api)\\.example\\.com$", "escaped in the fix");
	is_int(rule_loose_dots("^(www|api).example", 18, out, sizeof(out)), -1,
	       "a dot after a bracket is not between two letters");
	is_int(rule_loose_dots("^a\\.b$", 6, out, sizeof(out)), -1,
	       "escaped dots are fine");
	is_int(rule_loose_dots("^[a.b]c$", 8, out, sizeof(out)), -1,
	       "a dot in brackets is literal");
	is_int(rule_loose_dots("^a.*b$", 6, out, sizeof(out)), -1,
	       ".* is not a loose dot");
	is_int(rule_loose_dots("^www.example.com$", 17, out, 8), -1,
	       "too small for the fixed pattern");
}

static void domain_hosts(void)
{
	char hosts[2][RULE_HOST_TEXT];
	uint16_t lo, hi;

	is_int(rule_domain_hosts("example.com", 11, hosts, &lo, &hi), 2,
	       "a domain stands for a subdomain and itself");
	is_str(hosts[0], RULE_PROBE_LABEL "example.com", "the subdomain");
	is_str(hosts[1], "example.com", "the name");
	ok(lo == 0 && hi == 65535, "every port");

	is_int(rule_domain_hosts("=Example.COM:8080-8090", 22, hosts, &lo, &hi),
	       1, "=name: the name alone");
	is_str(hosts[0], "example.com", "normalized");
	ok(lo == 8080 && hi == 8090, "its port range");

	is_int(rule_domain_hosts("*.example.com", 13, hosts, &lo, &hi), 1,
	       "*.name: subdomains alone");
	is_str(hosts[0], RULE_PROBE_LABEL "example.com", "a subdomain");

	is_int(rule_domain_hosts("10.1.0.0/16", 11, hosts, &lo, &hi), 2,
	       "an address range");
	is_str(hosts[0], "10.1.0.0", "its first address");
	is_str(hosts[1], "10.1.255.255", "its last address");
	is_int(rule_domain_hosts("2001:db8::1", 11, hosts, &lo, &hi), 1,
	       "a bare IPv6 address");

	is_int(rule_domain_hosts("bücher.example", 15, hosts, &lo, &hi), 2,
	       "an international name");
	is_str(hosts[1], "xn--bcher-kva.example", "in its ASCII form");

	is_int(rule_domain_hosts("example.com:0", 13, hosts, &lo, &hi), 0,
	       "port 0: in doubt");
	is_int(rule_domain_hosts("[::1]:443", 9, hosts, &lo, &hi), 0,
	       "a bracketed address: in doubt");
	is_int(rule_domain_hosts("", 0, hosts, &lo, &hi), 0, "empty");
}

int main(void)
{
	regex_shapes();
	glob_shapes();
	dots();
	domain_hosts();
	return done();
}
