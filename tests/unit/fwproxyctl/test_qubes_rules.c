/* The Qubes firewall rules of a VM, as qubesdb-multiread prints them,
 * turned into domain rules: Qubes' own checks, first-match order, and
 * never more allowed than Qubes allows. */
#include <stdlib.h>
#include <string.h>

#include "qubes_rules.h"
#include "tap.h"

static char errbuf[256];

/* Translates text; returns the rules text (static copy) and the findings
 * joined by '|' in findings_out. */
static const char *translate(const char *text, int *deny, char *findings,
                             size_t flen)
{
	static char out[4096];
	struct qfw_translation t;
	struct qfw q;
	const char *nl;
	size_t i;

	if (qfw_parse(text, &q, errbuf, sizeof(errbuf)) != NULL)
		return NULL;
	qfw_translate(&q, "10.137.0.13", &t);
	nl = strchr(t.text, '\n'); /* skip the header comment */
	snprintf(out, sizeof(out), "%s", nl != NULL ? nl + 1 : t.text);
	*deny = t.deny_default;
	findings[0] = '\0';
	for (i = 0; i < t.n_findings; i++) {
		size_t n = strlen(findings);

		snprintf(findings + n, flen - n, "%s%s: %s", i ? "|" : "",
		         t.findings[i].key, t.findings[i].message);
	}
	qfw_translation_free(&t);
	qfw_free(&q);
	return out;
}

static void test_parse_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"0000 = action=accept\n", "no policy"},
	    {"policy = maybe\n", "policy: invalid value \"maybe\""},
	    {"policy = drop\nfoo = bar\n", "unexpected non-rule foo"},
	    {"policy = drop\n00001 = action=accept\n",
	     "unexpected non-rule 00001"},
	    {"policy = drop\n0000 = dsthost=a.test\n",
	     "0000: no action: dsthost=a.test"},
	    {"policy = drop\n0000 = action=reject\n",
	     "0000: invalid action: action=reject"},
	    {"policy = drop\n0000 = action=accept comment=x\n",
	     "0000: unsupported rule option: action=accept comment=x"},
	    {"policy = drop\n0000 = action=accept dstports=9-8\n",
	     "0000: bad dstports: action=accept dstports=9-8"},
	    {"policy = drop\n0000 = action=accept dst4=2001:db8::/32\n",
	     "0000: invalid dst4: action=accept dst4=2001:db8::/32"},
	    {"policy = drop\n0000 = action=accept dsthost=a..b\n",
	     "0000: invalid dsthost: action=accept dsthost=a..b"},
	    {"policy = drop\n0000 = action=accept  proto=tcp\n",
	     "0000: malformed element: action=accept  proto=tcp"},
	    {"policy = drop\n0000 = action=accept dsthost=a\\x0a.test\n",
	     "0000: value not text"},
	    {"policy drop\n", "unreadable QubesDB line: policy drop"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qfw q;
		const char *e =
		    qfw_parse(cases[i].text, &q, errbuf, sizeof(errbuf));

		is_str(e != NULL ? e : "(accepted)", cases[i].want,
		       "parse error %zu", i);
	}
}

static void test_parse_ok(void)
{
	struct qfw q;
	const char *e = qfw_parse(
	    "0001 = action=drop dst4=10.1.2.3/8 proto=tcp dstports=22-22\n"
	    "policy = drop\n"
	    "0000 = action=accept dsthost=Example.COM. proto=tcp "
	    "dstports=443-443\n"
	    "0002 = action=accept specialtarget=dns\n"
	    "0003 = action=accept proto=icmp icmptype=8\n",
	    &q, errbuf, sizeof(errbuf));

	ok(e == NULL, "a real list parses (%s)", e ? e : "");
	if (e != NULL)
		return;
	is_int(q.n, 4, "four rules");
	is_str(q.rules[0].key, "0000", "rules in key order");
	is_str(q.rules[0].host, "example.com", "names normalised");
	is_int(q.rules[0].port_lo, 443, "port range start");
	is_int(q.rules[1].net.prefix, 96 + 8, "an IPv4 range");
	is_int(q.rules[1].net.addr[13], 0, "host bits cleared");
	is_int(q.rules[2].dns, 1, "specialtarget=dns");
	is_int(q.policy_accept, 0, "policy drop");
	qfw_free(&q);
}

static void test_translate(void)
{
	static const struct {
		const char *text, *rules, *findings;
		int deny;
	} cases[] = {
	    /* Qubes' usual shape: policy drop and a final accept rule. */
	    {"policy = drop\n0000 = action=accept\n", "", "", 0},
	    {"policy = accept\n", "", "", 0},
	    {"policy = drop\n", "", "", 1},
	    {"policy = drop\n"
	     "0000 = action=accept dsthost=example.com proto=tcp "
	     "dstports=443-443\n"
	     "0001 = action=accept dsthost=example.org\n"
	     "0002 = action=accept dst4=192.0.2.0/24 dstports=80-81\n"
	     "0003 = action=accept dst6=2001:db8::/32\n",
	     "=example.com:443  # 0000\n=example.org  # 0001\n"
	     "192.0.2.0/24:80-81  # 0002\n[2001:db8::]/32  # 0003\n",
	     "", 1},
	    /* UDP, ICMP and DNS rules never reach the proxy. */
	    {"policy = drop\n"
	     "0000 = action=accept dsthost=a.test proto=udp\n"
	     "0001 = action=accept proto=icmp\n"
	     "0002 = action=accept specialtarget=dns\n",
	     "", "", 1},
	    /* An earlier drop cuts the ports of a later accept. */
	    {"policy = drop\n"
	     "0000 = action=drop dsthost=a.test dstports=25-25\n"
	     "0001 = action=accept dsthost=a.test\n",
	     "=a.test:1-24  # 0001\n=a.test:26-65535  # 0001\n", "", 1},
	    {"policy = drop\n"
	     "0000 = action=drop dstports=1-442\n"
	     "0001 = action=accept dsthost=a.test\n",
	     "=a.test:443-65535  # 0001\n", "", 1},
	    /* Drop then accept-all: everything but a.test. */
	    {"policy = drop\n"
	     "0000 = action=drop dsthost=a.test\n"
	     "0001 = action=accept\n"
	     "0002 = action=drop dsthost=b.test\n",
	     "=a.test  # 0000\n",
	     "0002: never reached: rule 0001 before it decides everything", 0},
	    /* Fully shadowed: nothing left to allow. */
	    {"policy = drop\n"
	     "0000 = action=drop dsthost=a.test proto=tcp\n"
	     "0001 = action=accept dsthost=a.test dstports=443-443\n",
	     "", "", 1},
	    /* A drop for UDP does not cut a TCP accept. */
	    {"policy = drop\n"
	     "0000 = action=drop dsthost=a.test proto=udp\n"
	     "0001 = action=accept dsthost=a.test\n",
	     "=a.test  # 0001\n", "", 1},
	    /* A range partly dropped before: left out, never widened. */
	    {"policy = drop\n"
	     "0000 = action=drop dst4=10.1.0.0/16\n"
	     "0001 = action=accept dst4=10.0.0.0/8\n"
	     "0002 = action=accept dst4=10.1.2.0/24\n",
	     "",
	     "0001: partly overridden by an earlier drop rule 0000: left out "
	     "rather than allow more",
	     1},
	    /* Allowing every name on one port cannot be written. */
	    {"policy = drop\n0000 = action=accept proto=tcp dstports=443-443\n",
	     "0.0.0.0/0:443  # 0000\n",
	     "0000: allows every name on some ports: names cannot be limited "
	     "by port alone; left out",
	     1},
	    /* Refusing every name on one port is widened to every port. */
	    {"policy = accept\n0000 = action=drop proto=tcp dstports=25-25\n",
	     "0.0.0.0/0:25  # 0000\n[::]/0:25  # 0000\n~.  # 0000\n",
	     "0000: refuses every name on some ports: refused on every port, "
	     "more than Qubes refuses",
	     0},
	    /* A refusal partly accepted before is refused whole. */
	    {"policy = accept\n"
	     "0000 = action=accept dsthost=a.test\n"
	     "0001 = action=drop dstports=80-80\n",
	     "0.0.0.0/0:80  # 0001\n[::]/0:80  # 0001\n~.  # 0001\n",
	     "0001: partly overridden by an earlier accept rule 0000: refused "
	     "whole, more than Qubes refuses|0001: refuses every name on some "
	     "ports: refused on every port, more than Qubes refuses",
	     0},
	};
	char findings[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int deny = -1;
		const char *got =
		    translate(cases[i].text, &deny, findings, sizeof(findings));

		if (!ok(got != NULL, "case %zu parses (%s)", i, errbuf))
			continue;
		is_str(got, cases[i].rules, "case %zu rules", i);
		is_str(findings, cases[i].findings, "case %zu findings", i);
		is_int(deny, cases[i].deny, "case %zu default", i);
	}
}

static void test_header(void)
{
	struct qfw_translation t;
	struct qfw q;

	qfw_parse("policy = drop\n", &q, errbuf, sizeof(errbuf));
	qfw_translate(&q, "10.137.0.13", &t);
	is_str(t.text,
	       "# The Qubes firewall rules of 10.137.0.13 (QubesDB "
	       "/qubes-firewall/10.137.0.13/): refused by default, a match "
	       "allows.\n",
	       "the header says where the rules come from");
	qfw_translation_free(&t);
	qfw_free(&q);
}

/* What Qubes writes for one dom0 list of rules 0000-0003, where 0001 is
 * dst4 and 0002 dst6: each address's list leaves out the other family's
 * rule. Merged by key, the whole list comes back. */
static void test_merge(void)
{
	static const char v4[] =
	    "policy = drop\n0000 = action=accept dsthost=a.test\n"
	    "0001 = action=accept dst4=192.0.2.0/24 proto=tcp\n"
	    "0003 = action=drop\n";
	static const char v6[] =
	    "policy = drop\n0000 = action=accept dsthost=a.test\n"
	    "0002 = action=accept dst6=2001:db8::/32 proto=tcp\n"
	    "0003 = action=drop\n";
	struct qfw a, b;
	size_t i;
	char keys[64] = "";

	ok(qfw_parse(v4, &a, errbuf, sizeof(errbuf)) == NULL, "IPv4 list");
	ok(qfw_parse(v6, &b, errbuf, sizeof(errbuf)) == NULL, "IPv6 list");
	ok(qfw_merge(&a, &b, errbuf, sizeof(errbuf)) == NULL, "merged");
	for (i = 0; i < a.n; i++)
		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys),
		         "%s%s", i ? " " : "", a.rules[i].key);
	is_str(keys, "0000 0001 0002 0003", "every rule once, in key order");
	ok(a.rules[1].net.addr[12] == 192 && a.rules[2].net.addr[0] == 0x20,
	   "dst4 from the IPv4 list, dst6 from the IPv6 one");
	ok(!a.policy_accept, "policy kept");
	qfw_free(&b);
	ok(qfw_parse("policy = accept\n", &b, errbuf, sizeof(errbuf)) == NULL,
	   "a list with another policy");
	is_str(qfw_merge(&a, &b, errbuf, sizeof(errbuf)),
	       "policy: \"drop\" for IPv4, \"accept\" for IPv6",
	       "policies that disagree are an error");
	qfw_free(&b);
	ok(qfw_parse("policy = drop\n0000 = action=accept dsthost=b.test\n", &b,
	             errbuf, sizeof(errbuf)) == NULL,
	   "a list whose 0000 differs");
	is_str(qfw_merge(&a, &b, errbuf, sizeof(errbuf)),
	       "0000: differs between the IPv4 and IPv6 lists",
	       "one key, two rules: an error");
	is_int(a.n, 4, "the list is unchanged after an error");
	qfw_free(&b);
	ok(qfw_parse("policy = drop\n", &b, errbuf, sizeof(errbuf)) == NULL &&
	       qfw_merge(&a, &b, errbuf, sizeof(errbuf)) == NULL && a.n == 4,
	   "an empty IPv6 list adds nothing");
	qfw_free(&a);
	qfw_free(&b);
}

int main(void)
{
	test_parse_errors();
	test_parse_ok();
	test_translate();
	test_header();
	test_merge();
	return done();
}
