#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firewall.h"
#include "hook.h"
#include "proc.h"
#include "qubes.h"
#include "vms.h"
#include "tap.h"

static void test_routes(void)
{
	static const char table[] =
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t"
	    "Mask\t\tMTU\tWindow\tIRTT\n"
	    "eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
	    "vif12."
	    "0\t0D00890A\t00000000\t0005\t0\t0\t32752\tFFFFFFFF\t0\t0\t0\n"
	    "vif14."
	    "0\t0D02890A\t00000000\t0005\t0\t0\t32752\tFFFFFFFF\t0\t0\t0\n"
	    "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
	    "eth0\t0200000A\t0100000A\t0007\t0\t0\t0\tFFFFFFFF\t0\t0\t0\n";
	struct ctl_routes *r = ctl_routes_parse(table);
	struct in_addr a;

	ok(r != NULL, "route table parsed");
	if (r == NULL)
		return;
	is_int(r->count, 2, "only host routes without gateway");
	inet_pton(AF_INET, "10.137.0.13", &a);
	is_str(ctl_routes_iface(r, a), "vif12.0", "10.137.0.13 via vif12.0");
	inet_pton(AF_INET, "10.137.2.13", &a);
	is_str(ctl_routes_iface(r, a), "vif14.0", "same last octet, own vif");
	inet_pton(AF_INET, "10.0.0.2", &a);
	ok(ctl_routes_iface(r, a) == NULL, "route via a gateway is no VM");
	is_str(r->uplink, "eth0", "the default route names the uplink");
	ctl_routes_free(r);

	/* A restarted VM: the old vif's route (higher metric, lower domid)
	 * is still there, listed first. */
	r = ctl_routes_parse(
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t"
	    "Mask\t\tMTU\tWindow\tIRTT\n"
	    "vif12."
	    "0\t0D00890A\t00000000\t0005\t0\t0\t32740\tFFFFFFFF\t0\t0\t0\n"
	    "vif31."
	    "0\t0D00890A\t00000000\t0005\t0\t0\t32721\tFFFFFFFF\t0\t0\t0\n");
	ok(r != NULL, "two routes to one address parsed");
	if (r != NULL) {
		inet_pton(AF_INET, "10.137.0.13", &a);
		is_str(ctl_routes_iface(r, a), "vif31.0",
		       "the lower metric (newer vif) wins");
		is_str(r->uplink, "", "no default route: no uplink");
		ctl_routes_free(r);
	}
	ok(ctl_routes_parse("Iface\tDestination\tGateway \tFlags\tRefCnt\t"
	                    "Use\tMetric\tMask\nvif1\t0D00890A\t00000000\t"
	                    "0005\t0\t0\t-1\tFFFFFFFF\n") == NULL,
	   "a negative metric is rejected");

	ok(ctl_routes_parse("") == NULL, "empty text rejected");
	ok(ctl_routes_parse("Iface\tDestination\nvif1\tZZ\n") == NULL,
	   "malformed line rejected");
	r = ctl_routes_parse("Iface\tDestination\n");
	ok(r != NULL && r->count == 0, "header only: no routes");
	ctl_routes_free(r);
	ok(ctl_routes_parse("Iface\n"
	                    "vif1\t0D00890A\t00000000\t0005\t0\t0\t0\tFFFFFFF"
	                    "\t0\t0\t0\n") == NULL,
	   "seven hex digits rejected");
}

static void test_pid(void)
{
	char path[] = "/tmp/test_ctl_pid.XXXXXX";
	int fd;

	is_int(ctl_proc_parse_pid("123\n"), 123, "pid with newline");
	is_int(ctl_proc_parse_pid("4194304"), 4194304, "pid at the limit");
	is_int(ctl_proc_parse_pid("4194305"), 0, "pid past the limit");
	is_int(ctl_proc_parse_pid("0"), 0, "pid 0 rejected");
	is_int(ctl_proc_parse_pid("-1"), 0, "negative rejected");
	is_int(ctl_proc_parse_pid(" 12"), 0, "space rejected");
	is_int(ctl_proc_parse_pid(""), 0, "empty rejected");
	is_int(ctl_proc_parse_pid("12\n\n"), 0, "two newlines rejected");

	fd = mkstemp(path);
	close(fd);
	is_int(ctl_proc_write_pid(path, 4321), 0, "pid file written");
	is_int(ctl_proc_read_pid(path), 4321, "pid file read back");
	unlink(path);
	is_int(ctl_proc_read_pid(path), 0, "missing pid file");
	ok(!ctl_proc_is_ours(getpid(), "/x/config"), "this test is no fwproxy");
	ok(!ctl_proc_is_ours(0, "/x/config"), "pid 0 is never ours");
}

static void test_nft(void)
{
	static const char listing[] =
	    "table ip qubes {\n"
	    "\tchain custom-input { # handle 1\n"
	    "\t\tiifname \"vif12.0\" ip saddr 10.137.0.13 ip daddr "
	    "10.137.0.1 tcp dport 8100 accept comment \"fwproxy:work\" # "
	    "handle 4\n"
	    "\t\ttcp dport 22 accept comment \"mine\" # handle 5\n"
	    "\t\tiifname \"vif14.0\" ip saddr 10.137.2.13 ip daddr "
	    "10.137.0.1 tcp dport 8100 accept comment \"fwproxy:social\" # "
	    "handle 7\n"
	    "\t}\n"
	    "}\n";
	struct ctl_fw_list l = {NULL, 0};
	struct ctl_fw_rule r;
	char text[CTL_FW_RULE_MAX];

	is_int(ctl_nft_parse(listing, &l), 0, "nft listing parsed");
	is_int(l.count, 2, "only tagged rules");
	if (l.count == 2) {
		is_str(l.v[0].name, "work", "first name");
		is_int(l.v[0].handle, 4, "first handle");
		is_str(l.v[1].name, "social", "second name");
		is_int(l.v[1].handle, 7, "second handle");
	}
	memset(&r, 0, sizeof(r));
	r.name = "work";
	r.iface = "vif12.0";
	inet_pton(AF_INET, "10.137.0.13", &r.vm);
	inet_pton(AF_INET, "10.137.0.1", &r.gw);
	r.port = 8100;
	ctl_nft_rule_text(&r, text, sizeof(text));
	ok(l.count > 0 && strcmp(l.v[0].text, text) == 0,
	   "generated rule equals the listed one");
	ctl_fw_list_free(&l);
	is_int(ctl_nft_parse("comment \"fwproxy:x\" # handle zz\n", &l), -1,
	       "bad handle rejected");
	ctl_fw_list_free(&l);

	ctl_ipt_rule_text(&r, text, sizeof(text));
	is_str(text,
	       "-A INPUT -s 10.137.0.13/32 -d 10.137.0.1/32 -i vif12.0 -p tcp "
	       "-m tcp --dport 8100 -m comment --comment \"fwproxy:work\" -j "
	       "ACCEPT",
	       "iptables rule text");
	{
		struct ctl_fw_rule r6 = r;

		r6.family = 6;
		inet_pton(AF_INET6, "fd09:24ef:4179::a89:d", &r6.vm6);
		inet_pton(AF_INET6, "fd09:24ef:4179::a8a:185b", &r6.gw6);
		ctl_nft_rule_text(&r6, text, sizeof(text));
		is_str(text,
		       "iifname \"vif12.0\" ip6 saddr fd09:24ef:4179::a89:d "
		       "ip6 daddr fd09:24ef:4179::a8a:185b tcp dport 8100 "
		       "accept comment \"fwproxy:work\"",
		       "nft IPv6 rule text, as nft lists it");
		ctl_ipt_rule_text(&r6, text, sizeof(text));
		is_str(text,
		       "-A INPUT -s fd09:24ef:4179::a89:d/128 -d "
		       "fd09:24ef:4179::a8a:185b/128 -i vif12.0 -p tcp -m tcp "
		       "--dport 8100 -m comment --comment \"fwproxy:work\" -j "
		       "ACCEPT",
		       "ip6tables rule text, as ip6tables -S lists it");
		ctl_ipt_rule_text(&r, text, sizeof(text));
	}
	{
		char listing2[1024];
		snprintf(listing2, sizeof(listing2),
		         "-P INPUT DROP\n-A INPUT -i lo -j ACCEPT\n%s\n"
		         "-A INPUT -m comment --comment other -j ACCEPT\n",
		         text);
		is_int(ctl_ipt_parse(listing2, &l), 0, "iptables parsed");
		is_int(l.count, 1, "one tagged rule");
		ok(l.count == 1 && strcmp(l.v[0].text, text) == 0 &&
		       strcmp(l.v[0].name, "work") == 0,
		   "iptables rule and name");
		ctl_fw_list_free(&l);
	}
}

static void test_hook(void)
{
	char *t = ctl_qubes_hook_text("/usr/local/sbin/fwproxyctl",
	                              "--config-dir '/rw/config/fwproxy'");
	ok(strncmp(t, "#!/bin/sh\n", 10) == 0, "hook is a shell script");
	ok(strstr(t, "online|offline)") != NULL, "hook acts on online/offline");
	ok(strstr(t, "exec '/usr/local/sbin/fwproxyctl' --config-dir "
	             "'/rw/config/fwproxy' hook \"$@\"") != NULL,
	   "hook passes Qubes' arguments to fwproxyctl hook, with the "
	   "options");
	free(t);
}

static void test_hook_args(void)
{
	char *good[] = {"online", "vif12.0", "vif", "10.137.0.13"};
	char *empty[] = {"offline", "vif12.0", "vif", ""};
	char *v6[] = {"online", "vif12.0", "vif", "fd09:24ef:4179::a89:d"};
	char *action[] = {"add", "vif12.0", "vif", "10.137.0.13"};
	char *ip[] = {"online", "vif12.0", "vif", "10.137.0.300"};
	char *slash[] = {"online", "../x", "vif", "10.137.0.13"};
	char *longname[] = {"online", "vif123456789012345", "vif", "10.0.0.1"};

	ok(ctl_hook_check_args(4, good) == NULL, "Qubes' online call");
	ok(ctl_hook_check_args(3, good) == NULL, "a call without address");
	ok(ctl_hook_check_args(4, empty) == NULL, "an empty address");
	ok(ctl_hook_check_args(4, v6) == NULL, "an IPv6 address");
	ok(ctl_hook_check_args(2, good) != NULL, "too few arguments");
	ok(ctl_hook_check_args(4, action) != NULL, "not online or offline");
	ok(ctl_hook_check_args(4, ip) != NULL, "a bad address");
	ok(ctl_hook_check_args(4, slash) != NULL, "a '/' in the interface");
	ok(ctl_hook_check_args(4, longname) != NULL,
	   "an interface name past IF_NAMESIZE");
}

static void test_qube_kind(void)
{
	char why[512];

	is_int(ctl_qubes_kind("none", "DispVM"), CTL_QUBE_DISPOSABLE,
	       "persistence none: disposable");
	is_int(ctl_qubes_kind("full", "TemplateVM"), CTL_QUBE_TEMPLATE,
	       "a TemplateVM");
	is_int(ctl_qubes_kind("rw-only", "AppVM"), CTL_QUBE_OTHER,
	       "an AppVM (a disposable template is one) keeps /rw/config");
	is_int(ctl_qubes_kind("full", "StandaloneVM"), CTL_QUBE_OTHER,
	       "a StandaloneVM keeps /rw/config");
	is_int(ctl_qubes_kind(NULL, NULL), CTL_QUBE_OTHER, "no QubesDB");
	ok(ctl_qubes_install_refusal(CTL_QUBE_OTHER, "x", why, sizeof(why)) ==
	       0,
	   "installing where /rw/config lasts is fine");
	ok(ctl_qubes_install_refusal(CTL_QUBE_DISPOSABLE, "sys-firewall", why,
	                             sizeof(why)) != 0 &&
	       strstr(why, "sys-firewall is disposable") != NULL &&
	       strstr(why, "qvm-prefs sys-firewall template") != NULL,
	   "a disposable: refused, with the dom0 command to find its template");
	ok(ctl_qubes_install_refusal(CTL_QUBE_TEMPLATE, NULL, why,
	                             sizeof(why)) != 0 &&
	       strstr(why, "this qube is a TemplateVM") != NULL,
	   "a TemplateVM: refused");
}

static void test_spawn_argv(void)
{
	char *argv[CTL_PROC_ARGV_MAX], unit[64];

	ctl_proc_argv("/x/fwproxy", "/run/fwproxy/work/config", NULL, 42, unit,
	              sizeof(unit), argv);
	ok(strcmp(argv[0], "/x/fwproxy") == 0 && strcmp(argv[2], "-c") == 0 &&
	       argv[4] == NULL,
	   "without systemd: the proxy itself");
	ctl_proc_argv("/x/fwproxy", "/run/fwproxy/work/config", "fwproxy-work",
	              42, unit, sizeof(unit), argv);
	ok(strcmp(argv[0], "systemd-run") == 0 &&
	       strcmp(argv[1], "--scope") == 0,
	   "with systemd: a transient scope");
	is_str(unit, "--unit=fwproxy-work-42",
	       "the scope is named by VM and pid");
	ok(strcmp(argv[5], "--") == 0 && strcmp(argv[6], "/x/fwproxy") == 0 &&
	       argv[10] == NULL,
	   "then the proxy, exec'd in place");
}

/* /proc/net/ipv6_route as a Qubes firewall VM with the ipv6 feature shows
 * it: its own address (a local route), the VM's /128 routes (an old vif
 * of a restarted VM still there), link-local and multicast routes. */
static void test_routes6(void)
{
	static const char table[] =
	    "fd0924ef417900000000000000000000 40 "
	    "00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00000100 00000001 00000000 "
	    "00000001     eth0\n"
	    "fd0924ef41790000000000000a890003 80 "
	    "00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00007fa4 00000001 00000000 "
	    "00000001  vif12.0\n"
	    "fd0924ef41790000000000000a890003 80 "
	    "00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00007f95 00000001 00000000 "
	    "00000001  vif27.0\n"
	    /* A forwarding host's subnet-router anycast on each vif once
	     * its link-local address is up (metric 0), as Linux lists it. */
	    "fe800000000000000000000000000000 80 "
	    "00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00000000 00000003 00000000 "
	    "00300001  vif27.0\n"
	    "fd0924ef41790000000000000a890002 80 "
	    "00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00000000 00000003 00000000 "
	    "80200001     eth0\n"
	    /* The gateway put on the vif as /128: its prefix route through
	     * the vif, with a lower metric than the VM's. */
	    "fd0924ef41790000000000000a890002 80 "
	    "00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00000100 00000001 00000000 "
	    "00000001  vif27.0\n"
	    "fd0924ef41790000000000000a890009 80 "
	    "00000000000000000000000000000000 00 "
	    "fd0924ef417900000000000000000001 00000400 00000003 00000000 "
	    "00000003     eth0\n"
	    "00000000000000000000000000000001 80 "
	    "00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00000000 00000004 00000000 "
	    "00000001       lo\n"
	    "ff000000000000000000000000000000 08 "
	    "00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00000100 00000003 00000000 "
	    "00000001     eth0\n";
	struct ctl_routes r;
	struct in6_addr a, want;
	char text[INET6_ADDRSTRLEN];

	memset(&r, 0, sizeof(r));
	ok(ctl_routes_parse6(&r, table) == 0, "IPv6 route table parsed");
	is_int(r.count6, 2,
	       "only /128 routes without next hop, not local, not anycast, not "
	       "lo, not to "
	       "a local address");
	inet_pton(AF_INET6, "fd09:24ef:4179::a89:3", &want);
	ok(ctl_routes_ip6(&r, "vif27.0", &a) == 0 &&
	       memcmp(&a, &want, sizeof(a)) == 0,
	   "the VM's IPv6 address through its vif");
	inet_ntop(AF_INET6, &a, text, sizeof(text));
	is_str(text, "fd09:24ef:4179::a89:3", "as Qubes writes it");
	ok(ctl_routes_ip6(&r, "vif14.0", &a) == -1, "a vif without IPv6");
	ok(ctl_routes_ip6(&r, "eth0", &a) == -1,
	   "the firewall's own address is no VM");
	free(r.v6);
	memset(&r, 0, sizeof(r));
	ok(ctl_routes_parse6(&r, "fd0924ef41790000000000000a890003 80 0 00 "
	                         "0 00007fa4 1 0 1 vif12.0\n") == -1 &&
	       r.count6 == 0 && r.v6 == NULL,
	   "a malformed table: an error, no routes");
	ok(ctl_routes_parse6(&r, "") == 0 && r.count6 == 0,
	   "an empty table: no routes");
}

int main(void)
{
	test_routes();
	test_routes6();
	test_hook_args();
	test_qube_kind();
	test_spawn_argv();
	test_pid();
	test_nft();
	test_hook();
	return done();
}
