/* The rules directory: a template "config" and one rules file per client VM,
 * named NAME.A.B.C.D (the name may contain dots; the address is the last four
 * dot-separated numbers) or, with Qubes' ipv6 feature, NAME.IPV6 (the text
 * after the last dot is the VM's IPv6 address). */
#ifndef FWPROXY_CTL_RULESDIR_H
#define FWPROXY_CTL_RULESDIR_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>

#define CTL_NAME_MAX 64

enum ctl_name_kind {
	CTL_NAME_RULES,   /* a rules file: name and address filled in */
	CTL_NAME_RULES6,  /* one named by IPv6 address: name and ip6 */
	CTL_NAME_SKIP,    /* the template, hidden files, editor backups */
	CTL_NAME_FOREIGN, /* no address at the end: ignored with a warning */
	CTL_NAME_BAD,     /* ends in an address but is malformed: an error */
};

/* A VM is known by its IPv4 address everywhere (pid, rules, QubesDB). A
 * file named by IPv6 address has by_ip6 set; its ip is 0.0.0.0 until
 * ctl_rulesdir_resolve finds the VM running, and ip_text its IPv6
 * address till then. */
struct ctl_vm_rules {
	char name[CTL_NAME_MAX + 1];
	char ip_text[INET6_ADDRSTRLEN];
	struct in_addr ip;
	int by_ip6;
	struct in6_addr ip6; /* with by_ip6: the address the file names */
	char *path;          /* DIR/FILE */
};

struct ctl_rulesdir {
	char *dir;
	char *template_path;      /* DIR/config, or NULL when there is none */
	struct ctl_vm_rules *vms; /* sorted by name */
	size_t count;
};

/* Classifies one file name. For CTL_NAME_RULES fills name (at most
 * CTL_NAME_MAX bytes plus NUL) and ip, for CTL_NAME_RULES6 name and ip6.
 * For CTL_NAME_BAD and CTL_NAME_FOREIGN *why (when not NULL) is set to a
 * constant reason. */
enum ctl_name_kind ctl_rulesdir_parse_name(const char *file,
                                           char name[CTL_NAME_MAX + 1],
                                           struct in_addr *ip,
                                           struct in6_addr *ip6,
                                           const char **why);

/* 1 when name is a valid VM name: [A-Za-z0-9_][A-Za-z0-9_.-]*, at most
 * CTL_NAME_MAX bytes, not ending in a dot. */
int ctl_rulesdir_valid_name(const char *name);

/* Reads dir. Warnings (ignored files) and errors (malformed names, a name or
 * an address used twice, an unreadable directory) go to err, one line each.
 * Returns the directory or NULL after at least one error. */
struct ctl_rulesdir *ctl_rulesdir_scan(const char *dir, FILE *err);

/* Reads a rules file or template whole, as the text it must be: a
 * regular file (never blocks), at most max bytes, without a NUL byte
 * (handled as a C string afterwards, a NUL would cut it short). Returns
 * it NUL-terminated (free it), or NULL after printing why to err as
 * "fwproxyctl: PATH[:LINE]: MESSAGE" (err NULL: silently). */
char *ctl_rulesdir_read(const char *path, size_t max, FILE *err);

struct ctl_routes;

/* Gives each running VM named by its IPv6 address its IPv4 address: the
 * /128 route to the IPv6 address goes through the VM's vif, and so does
 * its /32 route (Qubes routes both over the one vif). Entries whose VM is
 * not running keep 0.0.0.0. Returns 0, or -1 after printing to err that
 * a VM is named twice (by both its addresses). */
int ctl_rulesdir_resolve(struct ctl_rulesdir *rd,
                         const struct ctl_routes *routes, FILE *err);

/* The entry named name, or NULL. */
const struct ctl_vm_rules *ctl_rulesdir_find(const struct ctl_rulesdir *rd,
                                             const char *name);

void ctl_rulesdir_free(struct ctl_rulesdir *rd);

#endif
