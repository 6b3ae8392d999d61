#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rulesdir.h"
#include "tap.h"
#include "vms.h"

static const char *kind(const char *file, char *name, char *ip)
{
	struct in_addr a;
	const char *why = NULL;

	name[0] = ip[0] = '\0';
	struct in6_addr a6;

	switch (ctl_rulesdir_parse_name(file, name, &a, &a6, &why)) {
	case CTL_NAME_RULES:
		inet_ntop(AF_INET, &a, ip, INET_ADDRSTRLEN);
		return "rules";
	case CTL_NAME_RULES6:
		inet_ntop(AF_INET6, &a6, ip, INET6_ADDRSTRLEN);
		return "rules6";
	case CTL_NAME_SKIP:
		return "skip";
	case CTL_NAME_FOREIGN:
		return why ? "foreign" : "foreign without reason";
	case CTL_NAME_BAD:
		return why ? "bad" : "bad without reason";
	}
	return "?";
}

static void test_parse_name(void)
{
	char name[CTL_NAME_MAX + 1], ip[INET6_ADDRSTRLEN];
	char longname[CTL_NAME_MAX + 32];

	is_str(kind("work.10.137.0.13", name, ip), "rules", "plain");
	is_str(name, "work", "name");
	is_str(ip, "10.137.0.13", "address");
	is_str(kind("my.work.vm.10.137.2.13", name, ip), "rules",
	       "dots in name");
	is_str(name, "my.work.vm", "dotted name kept whole");
	is_str(ip, "10.137.2.13", "address of dotted name");
	is_str(kind("a-b_c.0.0.0.0", name, ip), "rules", "dash, underscore");
	is_str(kind("x.255.255.255.255", name, ip), "rules", "octets at 255");
	is_str(kind("x.256.1.1.1", name, ip), "bad", "octet past 255");
	is_str(kind("x.10.137.0.013", name, ip), "bad", "leading zero");
	is_str(kind("x.1.2.3.99999999999999999999", name, ip), "bad",
	       "huge octet");
	is_str(kind("10.137.0.13", name, ip), "bad", "address without name");
	is_str(kind(".10.137.0.13", name, ip), "skip", "hidden file");
	is_str(kind("work.10.137.0.x", name, ip), "foreign", "not an address");
	is_str(kind("README", name, ip), "foreign", "no dots");
	is_str(kind("work.fd09:24ef:4179::a89:d", name, ip), "rules6",
	       "named by an IPv6 address");
	is_str(name, "work", "its name");
	is_str(ip, "fd09:24ef:4179::a89:d", "its address");
	is_str(kind("my.vm.FD09:24EF:4179:0:0:0:A89:D", name, ip), "rules6",
	       "dotted name, long upper-case form");
	is_str(name, "my.vm", "dotted name kept whole");
	is_str(ip, "fd09:24ef:4179::a89:d", "address in its short form");
	is_str(kind("fd09:24ef:4179::a89:d", name, ip), "foreign",
	       "an IPv6 address alone has no dot: not a rules file");
	is_str(kind(".fd09::1", name, ip), "skip", "hidden");
	is_str(kind("wo rk.fd09::1", name, ip), "bad", "space in the name");
	is_str(kind("work.::1", name, ip), "bad", "loopback");
	is_str(kind("work.fe80::1", name, ip), "bad", "link-local");
	is_str(kind("work.ff02::1", name, ip), "bad", "multicast");
	is_str(kind("work.::", name, ip), "bad", "unspecified");
	is_str(kind("work.fd09::1%eth0", name, ip), "foreign",
	       "a zone is not part of an address");
	is_str(kind("a.b.c", name, ip), "foreign", "too few numbers");
	is_str(kind("wo rk.10.137.0.13", name, ip), "bad", "space in name");
	is_str(kind("wo/rk.10.137.0.13", name, ip), "bad", "slash in name");
	is_str(kind("work..10.137.0.13", name, ip), "bad", "empty component");
	is_str(kind("config", name, ip), "skip", "template");
	is_str(kind("work.10.137.0.13~", name, ip), "skip", "tilde backup");
	is_str(kind("work.10.137.0.13.swp", name, ip), "skip", "swap file");
	is_str(kind("#work.10.137.0.13#", name, ip), "skip", "emacs autosave");
	is_str(kind("work.10.137.0.13.bak", name, ip), "skip", ".bak");
	is_str(kind("work.10.137.0.13.dpkg-old", name, ip), "skip",
	       "dpkg leftover");

	memset(longname, 'a', CTL_NAME_MAX);
	strcpy(longname + CTL_NAME_MAX, ".1.2.3.4");
	is_str(kind(longname, name, ip), "rules", "name at the limit");
	memset(longname, 'a', CTL_NAME_MAX + 1);
	strcpy(longname + CTL_NAME_MAX + 1, ".1.2.3.4");
	is_str(kind(longname, name, ip), "bad", "name one past the limit");
}

static void touch(const char *dir, const char *file)
{
	char path[512];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	fputs("example\\.com\n", f);
	fclose(f);
}

static void cleanup(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cleanup of %s failed\n", dir);
}

static void test_scan(void)
{
	char dir[] = "/tmp/test_ctl_rulesdir.XXXXXX";
	struct ctl_rulesdir *rd;
	char errbuf[4096];
	FILE *err;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	touch(dir, "work.10.137.0.13");
	touch(dir, "social.10.137.2.13");
	touch(dir, "config");
	touch(dir, "notes.txt");
	touch(dir, "work.10.137.0.13~");
	{
		char sub[sizeof(dir) + 8];

		snprintf(sub, sizeof(sub), "%s/bin", dir);
		ok(mkdir(sub, 0755) == 0, "a subdirectory, as the release has");
	}
	err = fmemopen(errbuf, sizeof(errbuf), "w");
	rd = ctl_rulesdir_scan(dir, err);
	fclose(err);
	ok(rd != NULL, "scan succeeds");
	if (rd != NULL) {
		is_int(rd->count, 2, "two rules files");
		is_str(rd->vms[0].name, "social", "sorted by name (1)");
		is_str(rd->vms[1].name, "work", "sorted by name (2)");
		ok(rd->template_path != NULL &&
		       strstr(rd->template_path, "/config") != NULL,
		   "template found");
		ok(ctl_rulesdir_find(rd, "work") == &rd->vms[1], "find");
		ok(ctl_rulesdir_find(rd, "nope") == NULL, "find unknown");
	}
	ok(strstr(errbuf, "warning") && strstr(errbuf, "notes.txt"),
	   "foreign file warned about");
	ok(strstr(errbuf, "~") == NULL, "backup ignored silently");
	ok(strstr(errbuf, "/bin") == NULL, "subdirectory ignored silently");
	ctl_rulesdir_free(rd);

	touch(dir, "other.10.137.0.13");
	err = fmemopen(errbuf, sizeof(errbuf), "w");
	rd = ctl_rulesdir_scan(dir, err);
	fclose(err);
	ok(rd == NULL, "same address twice is an error");
	ok(strstr(errbuf, "10.137.0.13 used twice") != NULL,
	   "message names the address");
	ctl_rulesdir_free(rd);

	cleanup(dir);
	mkdtemp(strcpy(dir, "/tmp/test_ctl_rulesdir.XXXXXX"));
	touch(dir, "work.10.137.0.13");
	touch(dir, "work.10.137.0.14");
	err = fmemopen(errbuf, sizeof(errbuf), "w");
	rd = ctl_rulesdir_scan(dir, err);
	fclose(err);
	ok(rd == NULL, "same name twice is an error");
	ok(strstr(errbuf, "name work used twice") != NULL,
	   "message names the name");
	cleanup(dir);

	mkdtemp(strcpy(dir, "/tmp/test_ctl_rulesdir.XXXXXX"));
	touch(dir, "work.10.137.0.300");
	err = fmemopen(errbuf, sizeof(errbuf), "w");
	rd = ctl_rulesdir_scan(dir, err);
	fclose(err);
	ok(rd == NULL, "malformed name is an error");
	ok(strstr(errbuf, "work.10.137.0.300") != NULL,
	   "message names the file");
	cleanup(dir);

	err = fmemopen(errbuf, sizeof(errbuf), "w");
	rd = ctl_rulesdir_scan("/nonexistent/fwproxy", err);
	fclose(err);
	ok(rd == NULL, "missing directory is an error");
}

/* Routes as Qubes leaves them: each VM's /32 and /128 through its vif,
 * the restarted "work" behind vif30.0 (lower metric) while vif12.0 is
 * still there. */
static struct ctl_routes *qubes_routes(struct ctl_route *v, size_t n,
                                       struct ctl_route6 *v6, size_t n6)
{
	static struct ctl_routes r;

	memset(&r, 0, sizeof(r));
	r.v = v;
	r.count = n;
	r.v6 = v6;
	r.count6 = n6;
	return &r;
}

static void route(struct ctl_route *r, const char *ip, const char *iface,
                  unsigned long metric)
{
	inet_pton(AF_INET, ip, &r->ip);
	snprintf(r->iface, sizeof(r->iface), "%s", iface);
	r->metric = metric;
}

static void route6(struct ctl_route6 *r, const char *ip, const char *iface,
                   unsigned long metric)
{
	inet_pton(AF_INET6, ip, &r->ip);
	snprintf(r->iface, sizeof(r->iface), "%s", iface);
	r->metric = metric;
}

static void test_resolve(void)
{
	char dir[] = "/tmp/test_ctl_rulesdir.XXXXXX";
	struct ctl_route v[3];
	struct ctl_route6 v6[3];
	const struct ctl_vm_rules *vm;
	struct ctl_rulesdir *rd;
	char errbuf[4096];
	FILE *err;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	touch(dir, "work.fd09:24ef:4179::a89:d");
	touch(dir, "mail.fd09:24ef:4179::a89:e");
	touch(dir, "social.10.137.2.13");
	route(&v[0], "10.137.0.13", "vif12.0", 32740);
	route(&v[1], "10.137.0.13", "vif30.0", 32722);
	route(&v[2], "10.137.2.13", "vif14.0", 32738);
	route6(&v6[0], "fd09:24ef:4179::a89:d", "vif12.0", 32740);
	route6(&v6[1], "fd09:24ef:4179::a89:d", "vif30.0", 32722);
	route6(&v6[2], "fd09:24ef:4179::a89:e", "vif40.0", 32712);
	err = fmemopen(errbuf, sizeof(errbuf), "w");
	rd = ctl_rulesdir_scan(dir, err);
	ok(rd != NULL, "files named by IPv6 address are rules files");
	if (rd == NULL) {
		fclose(err);
		cleanup(dir);
		return;
	}
	vm = ctl_rulesdir_find(rd, "work");
	ok(vm != NULL && vm->by_ip6 && vm->ip.s_addr == 0,
	   "before resolving: no IPv4 address");
	is_str(vm ? vm->ip_text : "", "fd09:24ef:4179::a89:d",
	       "and its text is the IPv6 one");
	is_int(ctl_rulesdir_resolve(rd, qubes_routes(v, 3, v6, 3), err), 0,
	       "resolved");
	is_str(vm ? vm->ip_text : "", "10.137.0.13",
	       "the IPv4 route on the vif of the newest IPv6 route");
	vm = ctl_rulesdir_find(rd, "mail");
	ok(vm != NULL && vm->ip.s_addr == 0,
	   "a vif with an IPv6 route only: not running");
	is_str(vm ? vm->ip_text : "", "fd09:24ef:4179::a89:e",
	       "and named by its IPv6 address");
	is_int(ctl_rulesdir_resolve(rd, qubes_routes(v, 3, v6, 0), err), 0,
	       "resolved again without IPv6 routes");
	vm = ctl_rulesdir_find(rd, "work");
	ok(vm != NULL && vm->ip.s_addr == 0, "the VM stopped: not running");
	fclose(err);
	ctl_rulesdir_free(rd);

	touch(dir, "work4.10.137.0.13");
	err = fmemopen(errbuf, sizeof(errbuf), "w");
	rd = ctl_rulesdir_scan(dir, err);
	ok(rd != NULL, "both names of one VM: not seen before resolving");
	if (rd != NULL)
		is_int(ctl_rulesdir_resolve(rd, qubes_routes(v, 3, v6, 3), err),
		       -1, "one VM named by both its addresses is an error");
	fclose(err);
	ok(strstr(errbuf, "work4.10.137.0.13 and ") != NULL &&
	       strstr(errbuf, "work.fd09:24ef:4179::a89:d name the same VM "
	                      "(10.137.0.13 via vif30.0)") != NULL,
	   "which names both files and the VM");
	ctl_rulesdir_free(rd);
	cleanup(dir);

	mkdtemp(strcpy(dir, "/tmp/test_ctl_rulesdir.XXXXXX"));
	touch(dir, "work.fd09:24ef:4179::a89:d");
	touch(dir, "other.fd09:24ef:4179:0::a89:d");
	err = fmemopen(errbuf, sizeof(errbuf), "w");
	rd = ctl_rulesdir_scan(dir, err);
	fclose(err);
	ok(rd == NULL && strstr(errbuf, "fd09:24ef:4179::a89:d used twice"),
	   "one IPv6 address written two ways is used twice");
	ctl_rulesdir_free(rd);
	cleanup(dir);
}

int main(void)
{
	test_parse_name();
	test_scan();
	test_resolve();
	return done();
}
