#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "firewall_redirect.h"
#include "tap.h"
#include "transparent.h"

static void test_setting(void)
{
	char err[256], *out;

	out = ctl_transparent_render(strdup("Port 8100\n"),
	                             "^a\\.test$\n# fwproxy: Transparent 80 "
	                             "443 22\n",
	                             err, sizeof(err));
	ok(out != NULL && strstr(out, "\nTransparent 80 443 22\n") != NULL,
	   "the setting becomes a directive");
	ok(out != NULL && strncmp(out, "Port 8100\n", 10) == 0,
	   "after the template's text");
	free(out);

	out = ctl_transparent_render(strdup("Port 8100\n"),
	                             "#fwproxy:\tTransparent 443/tls\r\n"
	                             "#  fwproxy: transparent none\n",
	                             err, sizeof(err));
	ok(out != NULL && strstr(out, "\ntransparent none\n") != NULL &&
	       strstr(out, "443/tls") == NULL,
	   "the last setting wins, spacing and case as they come");
	free(out);

	out = ctl_transparent_render(strdup("Port 8100\n"),
	                             "^a$\n# a comment\n#fwproxy is great\n",
	                             err, sizeof(err));
	is_str(out, "Port 8100\n", "no setting: the config unchanged");
	free(out);

	out = ctl_transparent_render(strdup("x"),
	                             "^a$\n# fwproxy: Transparent 80 99999\n",
	                             err, sizeof(err));
	ok(out == NULL, "bad port refused");
	is_str(err, "2: Transparent: \"99999\" is not a port (1..65535)",
	       "with the line and the daemon's message");

	out = ctl_transparent_render(strdup("x"), "# fwproxy: Upstream none\n",
	                             err, sizeof(err));
	ok(out == NULL, "other directives refused");
	is_str(err, "1: \"# fwproxy:\" takes only Transparent PORT...",
	       "says what it takes");

	out = ctl_transparent_render(strdup("x"), "# fwproxy: Transparent\n",
	                             err, sizeof(err));
	ok(out == NULL, "Transparent without ports refused");
}

static struct ctl_redirect example(void)
{
	struct ctl_redirect r;

	memset(&r, 0, sizeof(r));
	r.iface = "vif12.0";
	inet_pton(AF_INET, "10.137.0.13", &r.vm);
	inet_pton(AF_INET, "10.138.1.1", &r.proxy);
	r.proxy_port = 8100;
	r.ports[0] = 80;
	r.ports[1] = 443;
	r.n_ports = 2;
	return r;
}

static void test_nft(void)
{
	static struct ctl_redirect_rule want[CTL_REDIRECT_RULES_MAX];
	static struct ctl_redirect_list l;
	struct ctl_redirect r = example();
	int n = ctl_redirect_nft_rules("work", &r, want);
	static const char listing[] =
	    "table ip fwproxy-transparent { # handle 7\n"
	    "\tchain dstnat { # handle 1\n"
	    "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	    "\t\tiifname \"vif12.0\" ip saddr 10.137.0.13 tcp dport 80 dnat "
	    "to 10.138.1.1:8100 comment \"fwproxy-transparent:work\" # "
	    "handle 3\n"
	    "\t\tiifname \"vif14.0\" ip saddr 10.137.2.13 tcp dport 80 dnat "
	    "to 10.138.1.1:8100 comment \"fwproxy-transparent:social\" # "
	    "handle 5\n"
	    "\t\tip saddr 1.2.3.4 accept # handle 9\n"
	    "\t}\n\n"
	    "\tchain forward { # handle 2\n"
	    "\t\ttype filter hook forward priority filter; policy accept;\n"
	    "\t\tiifname \"vif12.0\" ip saddr 10.137.0.13 udp dport 443 "
	    "reject comment \"fwproxy-transparent:work\" # handle 4\n"
	    "\t}\n}\n";

	is_int(n, 3, "two redirects and the QUIC reject");
	is_str(want[0].where, "dstnat", "redirects in dstnat");
	is_str(want[0].text,
	       "iifname \"vif12.0\" ip saddr 10.137.0.13 tcp dport 80 dnat to "
	       "10.138.1.1:8100 comment \"fwproxy-transparent:work\"",
	       "redirect as nft lists it");
	is_str(want[2].where, "forward", "the reject in forward");
	is_str(want[2].text,
	       "iifname \"vif12.0\" ip saddr 10.137.0.13 udp dport 443 reject "
	       "comment \"fwproxy-transparent:work\"",
	       "reject as nft lists it");

	ctl_redirect_nft_parse(listing, &l);
	is_int(l.count, 3, "three tagged rules, the untagged one skipped");
	is_str(l.v[0].name, "work", "name");
	is_int(l.v[0].handle, 3, "handle");
	is_str(l.v[0].where, "dstnat", "chain");
	is_str(l.v[0].text, want[0].text, "listed text equals the wanted");
	is_str(l.v[1].name, "social", "second name");
	is_str(l.v[2].where, "forward", "chain of the reject");
	is_str(l.v[2].text, want[2].text, "reject text equals the wanted");
	ctl_redirect_nft_parse("", &l);
	is_int(l.count, 0, "no table: nothing");
}

static void test_ipt(void)
{
	static struct ctl_redirect_rule want[CTL_REDIRECT_RULES_MAX];
	static struct ctl_redirect_list l;
	struct ctl_redirect r = example();
	int n = ctl_redirect_ipt_rules("work", &r, want);
	static const char listing[] =
	    "-N fwproxy-transparent\n"
	    "-A fwproxy-transparent -s 10.137.2.13/32 -i vif14.0 -p tcp -m tcp "
	    "--dport 80 -m comment --comment \"fwproxy-transparent:social\" -j "
	    "DNAT --to-destination 10.138.1.1:8100\n"
	    "-A fwproxy-transparent -s 10.137.0.13/32 -i vif12.0 -p tcp -m tcp "
	    "--dport 443 -m comment --comment \"fwproxy-transparent:work\" -j "
	    "DNAT --to-destination 10.138.1.1:8100\n";

	is_int(n, 3, "iptables: two redirects and the reject");
	is_str(want[1].where, "nat", "redirects in nat");
	is_str(want[1].text,
	       "-A fwproxy-transparent -s 10.137.0.13/32 -i vif12.0 -p tcp -m "
	       "tcp --dport 443 -m comment --comment "
	       "\"fwproxy-transparent:work\" -j DNAT --to-destination "
	       "10.138.1.1:8100",
	       "redirect as iptables -S prints it");
	is_str(want[2].where, "filter", "the reject in filter");
	memset(&l, 0, sizeof(l));
	ctl_redirect_ipt_parse(listing, "nat", &l);
	is_int(l.count, 2, "two tagged rules");
	is_str(l.v[1].name, "work", "name");
	is_int(l.v[1].handle, 2, "position among the rules");
	is_str(l.v[1].text, want[1].text, "listed text equals the wanted");
}

/* The texts nft and ip6tables print for these rules (nftables 1.0.6,
 * iptables 1.8.9, Debian 12). */
static void test_ipv6(void)
{
	static struct ctl_redirect_rule want[CTL_REDIRECT_RULES_MAX];
	static struct ctl_redirect_list l;
	struct ctl_redirect r = example();
	static const char listing[] =
	    "table ip6 fwproxy-transparent { # handle 1\n"
	    "\tchain dstnat { # handle 1\n"
	    "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	    "\t\tiifname \"vif12.0\" ip6 saddr fd09:24ef:4179::a89:d tcp "
	    "dport 80 dnat to [fd09:24ef:4179::a8a:185b]:8100 comment "
	    "\"fwproxy-transparent:work\" # handle 3\n"
	    "\t}\n}\n";
	int n;

	r.family = 6;
	inet_pton(AF_INET6, "fd09:24ef:4179::a89:d", &r.vm6);
	inet_pton(AF_INET6, "fd09:24ef:4179::a8a:185b", &r.proxy6);
	n = ctl_redirect_nft_rules("work", &r, want);
	is_int(n, 3, "IPv6: two redirects and the QUIC reject");
	is_str(want[0].text,
	       "iifname \"vif12.0\" ip6 saddr fd09:24ef:4179::a89:d tcp dport "
	       "80 dnat to [fd09:24ef:4179::a8a:185b]:8100 comment "
	       "\"fwproxy-transparent:work\"",
	       "IPv6 redirect as nft lists it");
	is_str(want[2].text,
	       "iifname \"vif12.0\" ip6 saddr fd09:24ef:4179::a89:d udp dport "
	       "443 reject comment \"fwproxy-transparent:work\"",
	       "IPv6 reject as nft lists it");
	ctl_redirect_nft_parse(listing, &l);
	is_int(l.count, 1, "IPv6 listing parsed");
	is_str(l.v[0].text, want[0].text, "listed text equals the wanted");

	n = ctl_redirect_ipt_rules("work", &r, want);
	is_int(n, 3, "ip6tables: two redirects and the reject");
	is_str(want[0].text,
	       "-A fwproxy-transparent -s fd09:24ef:4179::a89:d/128 -i vif12.0 "
	       "-p tcp -m tcp --dport 80 -m comment --comment "
	       "\"fwproxy-transparent:work\" -j DNAT --to-destination "
	       "[fd09:24ef:4179::a8a:185b]:8100",
	       "IPv6 redirect as ip6tables -S prints it");
	is_str(want[2].text,
	       "-A fwproxy-transparent -s fd09:24ef:4179::a89:d/128 -i vif12.0 "
	       "-p udp -m udp --dport 443 -m comment --comment "
	       "\"fwproxy-transparent:work\" -j REJECT --reject-with "
	       "icmp6-port-unreachable",
	       "IPv6 reject as ip6tables -S prints it");
}

int main(void)
{
	test_setting();
	test_nft();
	test_ipt();
	test_ipv6();
	return done();
}
