#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rulesdir.h"
#include "tap.h"

static const char *kind(const char *file, char *name, char *ip)
{
	struct in_addr a;
	const char *why = NULL;

	name[0] = ip[0] = '\0';
	switch (ctl_rulesdir_parse_name(file, name, &a, &why)) {
	case CTL_NAME_RULES:
		inet_ntop(AF_INET, &a, ip, INET_ADDRSTRLEN);
		return "rules";
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
	char name[CTL_NAME_MAX + 1], ip[INET_ADDRSTRLEN];
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
	{
		struct in_addr a;
		const char *why = NULL;

		is_int(ctl_rulesdir_parse_name("work.fd09:24ef:4179::a89:d",
		                               name, &a, &why),
		       CTL_NAME_FOREIGN, "named by an IPv6 address: ignored");
		ok(why != NULL && strstr(why, "IPv6 address: name the file "
		                              "NAME.A.B.C.D") != NULL,
		   "and told how to name it");
	}
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

int main(void)
{
	test_parse_name();
	test_scan();
	return done();
}
