#include "rulesdir.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "text.h"
#include "util.h"
#include "vms.h"

static const char *const backup_suffixes[] = {
    "~",         ".swp",       ".swo",    ".swx",     ".bak",
    ".orig",     ".rej",       ".tmp",    ".old",     ".dpkg-old",
    ".dpkg-new", ".dpkg-dist", ".rpmnew", ".rpmsave",
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_skipped(const char *file)
{
	size_t i, n = strlen(file);

	if (strcmp(file, "config") == 0 || file[0] == '.')
		return 1;
	if (n >= 2 && file[0] == '#' && file[n - 1] == '#')
		return 1;
	for (i = 0; i < ARRAY_LEN(backup_suffixes); i++)
		if (ends_with(file, backup_suffixes[i]))
			return 1;
	return 0;
}

static int all_digits(const char *s, size_t n)
{
	size_t i;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int ctl_rulesdir_valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > CTL_NAME_MAX || name[0] == '.' || name[0] == '-' ||
	    name[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

/* The first n bytes of file as a VM name into name: CTL_NAME_RULES, or
 * CTL_NAME_BAD with *why set. */
static enum ctl_name_kind take_name(const char *file, size_t n,
                                    char name[CTL_NAME_MAX + 1],
                                    const char **why)
{
	if (n == 0 || n > CTL_NAME_MAX) {
		if (why)
			*why =
			    n ? "name too long" : "no name before the address";
		return CTL_NAME_BAD;
	}
	memcpy(name, file, n);
	name[n] = '\0';
	if (!ctl_rulesdir_valid_name(name)) {
		if (why)
			*why = "invalid name (letters, digits, '_', '-', '.')";
		return CTL_NAME_BAD;
	}
	return CTL_NAME_RULES;
}

/* "NAME.IPV6": CTL_NAME_RULES6 with name and ip6 filled in when the text
 * after the last dot is an IPv6 address, CTL_NAME_BAD for a bad name or
 * address, else CTL_NAME_FOREIGN. */
static enum ctl_name_kind named_by_ip6(const char *file,
                                       char name[CTL_NAME_MAX + 1],
                                       struct in6_addr *ip6, const char **why)
{
	const char *dot = strrchr(file, '.');
	struct in6_addr a;

	if (dot == NULL || inet_pton(AF_INET6, dot + 1, &a) != 1)
		return CTL_NAME_FOREIGN;
	if (take_name(file, (size_t)(dot - file), name, why) != CTL_NAME_RULES)
		return CTL_NAME_BAD;
	if (IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_MULTICAST(&a) ||
	    IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_LINKLOCAL(&a) ||
	    IN6_IS_ADDR_V4MAPPED(&a)) {
		if (why)
			*why = "not an address a VM can have";
		return CTL_NAME_BAD;
	}
	if (ip6)
		*ip6 = a;
	return CTL_NAME_RULES6;
}

enum ctl_name_kind ctl_rulesdir_parse_name(const char *file,
                                           char name[CTL_NAME_MAX + 1],
                                           struct in_addr *ip,
                                           struct in6_addr *ip6,
                                           const char **why)
{
	const char *dots[4], *p, *start;
	enum ctl_name_kind kind;
	uint32_t addr = 0;
	int i;

	if (is_skipped(file))
		return CTL_NAME_SKIP;
	kind = named_by_ip6(file, name, ip6, why);
	if (kind != CTL_NAME_FOREIGN)
		return kind;
	/* The last four dots, from the end. */
	p = file + strlen(file);
	for (i = 3; i >= 0; i--) {
		while (p > file && p[-1] != '.')
			p--;
		if (p == file)
			break;
		dots[i] = --p;
	}
	if (i >= 0) {
		/* Fewer than four dots: an address alone is a missing name. */
		struct in_addr tmp;
		if (i == 0 && inet_pton(AF_INET, file, &tmp) == 1) {
			if (why)
				*why = "no name before the address";
			return CTL_NAME_BAD;
		}
		if (why)
			*why = "not NAME.A.B.C.D";
		return CTL_NAME_FOREIGN;
	}
	for (i = 0; i < 4; i++) {
		const char *end = i < 3 ? dots[i + 1] : file + strlen(file);
		start = dots[i] + 1;
		if (!all_digits(start, (size_t)(end - start))) {
			if (why)
				*why = "not NAME.A.B.C.D";
			return CTL_NAME_FOREIGN;
		}
	}
	for (i = 0; i < 4; i++) {
		const char *end = i < 3 ? dots[i + 1] : file + strlen(file);
		long long octet;
		start = dots[i] + 1;
		if (parse_number_n(start, (size_t)(end - start), 0, 255,
		                   &octet) != NULL ||
		    (end - start > 1 && start[0] == '0')) {
			if (why)
				*why = "invalid IPv4 address";
			return CTL_NAME_BAD;
		}
		addr = addr << 8 | (uint32_t)octet;
	}
	if (take_name(file, (size_t)(dots[0] - file), name, why) !=
	    CTL_NAME_RULES)
		return CTL_NAME_BAD;
	ip->s_addr = htonl(addr);
	return CTL_NAME_RULES;
}

static int by_name(const void *a, const void *b)
{
	const struct ctl_vm_rules *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static char *path_join(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s", dir, file);
	return p;
}

struct ctl_rulesdir *ctl_rulesdir_scan(const char *dir, FILE *err)
{
	struct ctl_rulesdir *rd = xcalloc(1, sizeof(*rd));
	size_t cap = 0, i, j;
	struct dirent *de;
	int errors = 0;
	DIR *d;

	rd->dir = xstrdup(dir);
	d = opendir(dir);
	if (d == NULL) {
		fprintf(err, "fwproxyctl: %s: %s\n", dir, strerror(errno));
		ctl_rulesdir_free(rd);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		struct ctl_vm_rules vm;
		enum ctl_name_kind kind;
		struct stat st;
		const char *why = NULL;
		char *path, bad[128];

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		path = path_join(dir, de->d_name);
		memset(&vm, 0, sizeof(vm));
		kind = ctl_rulesdir_parse_name(de->d_name, vm.name, &vm.ip,
		                               &vm.ip6, &why);
		if (strcmp(de->d_name, "config") == 0)
			kind = CTL_NAME_RULES;
		/* A rules file or template that is a FIFO, a directory, a
		 * device or a dangling link would be skipped in silence or
		 * hang its reader: an error. */
		if ((kind == CTL_NAME_RULES || kind == CTL_NAME_RULES6) &&
		    file_check_regular(path, bad, sizeof(bad)) != NULL) {
			fprintf(err, "fwproxyctl: %s: %s\n", path, bad);
			free(path);
			errors++;
			continue;
		}
		if (strcmp(de->d_name, "config") == 0) {
			rd->template_path = path;
			continue;
		}
		switch (kind) {
		case CTL_NAME_SKIP:
			free(path);
			continue;
		case CTL_NAME_FOREIGN:
			/* The release's own subdirectories (bin, doc, ...)
			 * live here: folders are not rules files. */
			if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
				fprintf(
				    err,
				    "fwproxyctl: warning: %s: ignored (%s)\n",
				    path, why);
			free(path);
			continue;
		case CTL_NAME_BAD:
			fprintf(err, "fwproxyctl: %s: %s\n", path, why);
			free(path);
			errors++;
			continue;
		case CTL_NAME_RULES:
			inet_ntop(AF_INET, &vm.ip, vm.ip_text,
			          sizeof(vm.ip_text));
			break;
		case CTL_NAME_RULES6:
			vm.by_ip6 = 1;
			inet_ntop(AF_INET6, &vm.ip6, vm.ip_text,
			          sizeof(vm.ip_text));
			break;
		}
		vm.path = path;
		if (rd->count == cap) {
			cap = cap ? cap * 2 : 8;
			rd->vms = xrealloc(rd->vms, cap * sizeof(*rd->vms));
		}
		rd->vms[rd->count++] = vm;
	}
	closedir(d);
	if (rd->count > 1)
		qsort(rd->vms, rd->count, sizeof(*rd->vms), by_name);
	for (i = 0; i < rd->count; i++) {
		for (j = i + 1; j < rd->count; j++) {
			if (strcmp(rd->vms[i].name, rd->vms[j].name) == 0) {
				fprintf(
				    err,
				    "fwproxyctl: name %s used twice: %s and "
				    "%s\n",
				    rd->vms[i].name, rd->vms[i].path,
				    rd->vms[j].path);
				errors++;
			}
			if (rd->vms[i].by_ip6 == rd->vms[j].by_ip6 &&
			    (rd->vms[i].by_ip6
			         ? memcmp(&rd->vms[i].ip6, &rd->vms[j].ip6,
			                  sizeof(rd->vms[i].ip6)) == 0
			         : rd->vms[i].ip.s_addr ==
			               rd->vms[j].ip.s_addr)) {
				fprintf(err,
				        "fwproxyctl: address %s used twice: %s "
				        "and %s\n",
				        rd->vms[i].ip_text, rd->vms[i].path,
				        rd->vms[j].path);
				errors++;
			}
		}
	}
	if (errors) {
		ctl_rulesdir_free(rd);
		return NULL;
	}
	return rd;
}

char *ctl_rulesdir_read(const char *path, size_t max, FILE *err)
{
	char why[128];
	size_t len, col;
	char *text = file_read(path, max, &len, why, sizeof(why));
	int line;

	if (text == NULL) {
		if (err != NULL)
			fprintf(err, "fwproxyctl: %s: %s\n", path, why);
		return NULL;
	}
	line = text_nul_line(text, len, &col);
	if (line > 0) {
		if (err != NULL)
			fprintf(
			    err,
			    "fwproxyctl: %s:%d: NUL byte at column %zu: not a "
			    "text file\n",
			    path, line, col);
		free(text);
		return NULL;
	}
	return text;
}

int ctl_rulesdir_resolve(struct ctl_rulesdir *rd,
                         const struct ctl_routes *routes, FILE *err)
{
	size_t i, j;
	int errors = 0;

	for (i = 0; i < rd->count; i++) {
		struct ctl_vm_rules *vm = &rd->vms[i];
		const char *via;

		if (!vm->by_ip6)
			continue;
		vm->ip.s_addr = 0;
		inet_ntop(AF_INET6, &vm->ip6, vm->ip_text, sizeof(vm->ip_text));
		via = ctl_routes_iface6(routes, &vm->ip6);
		if (via == NULL || ctl_routes_ip4(routes, via, &vm->ip) != 0)
			continue;
		inet_ntop(AF_INET, &vm->ip, vm->ip_text, sizeof(vm->ip_text));
		for (j = 0; j < rd->count; j++) {
			if (j == i || rd->vms[j].ip.s_addr != vm->ip.s_addr ||
			    (rd->vms[j].by_ip6 && j > i))
				continue;
			fprintf(err,
			        "fwproxyctl: %s and %s name the same VM (%s "
			        "via %s): keep one file\n",
			        rd->vms[j].path, vm->path, vm->ip_text, via);
			errors++;
		}
	}
	return errors ? -1 : 0;
}

const struct ctl_vm_rules *ctl_rulesdir_find(const struct ctl_rulesdir *rd,
                                             const char *name)
{
	size_t i;
	for (i = 0; i < rd->count; i++)
		if (strcmp(rd->vms[i].name, name) == 0)
			return &rd->vms[i];
	return NULL;
}

void ctl_rulesdir_free(struct ctl_rulesdir *rd)
{
	size_t i;
	if (rd == NULL)
		return;
	for (i = 0; i < rd->count; i++)
		free(rd->vms[i].path);
	free(rd->vms);
	free(rd->template_path);
	free(rd->dir);
	free(rd);
}
