/* Where a VM's rules come from: its rules file, and, where the file holds
 * the line "@qubes-firewall", the VM's own Qubes firewall rules from
 * QubesDB in that line's place (as domain rules; the Qubes policy is the
 * default). Within one fwproxyctl run QubesDB is read once per VM, so that
 * the rules and the config made from them agree. */
#ifndef FWPROXY_CTL_RULES_SOURCE_H
#define FWPROXY_CTL_RULES_SOURCE_H

#include <stdio.h>

#include "filter.h"
#include "instance.h"

#define CTL_QUBES_MARKER "@qubes-firewall"

enum ctl_rules_from {
	CTL_RULES_FILE,       /* the rules file alone */
	CTL_RULES_QUBES,      /* the marker line and nothing else */
	CTL_RULES_FILE_QUBES, /* the marker beside rules of the file */
};

/* What vm's rules file asks for; CTL_RULES_FILE when it cannot be read. */
enum ctl_rules_from ctl_rules_from(const struct ctl_vm_rules *vm);

/* vm's rules file with the marker line turned into a comment (line
 * numbers kept), for linting the file's own lines; NULL when it cannot
 * be read. The caller frees it. */
char *ctl_rules_file_masked(const struct ctl_vm_rules *vm);

/* "file", "qubes" or "file+qubes". */
const char *ctl_rules_from_name(enum ctl_rules_from from);

/* The rules vm's proxy reads, made from file_text (vm's rules file, owned
 * by this call; NULL when it could not be read, then NULL is returned).
 * Without the marker that is file_text itself. With it, the marker is
 * replaced by the Qubes rules. When QubesDB cannot be read or holds a
 * broken entry, the rules in force (the run directory's copy) are kept,
 * or, with none, nothing is allowed; the reason goes to stderr and to
 * the VM's log. Outside Qubes (no QubesDB tools) the result is NULL with
 * an error on stderr. The caller frees the result. */
char *ctl_rules_expand(const struct ctl *c, const struct ctl_vm_rules *vm,
                       char *file_text);

/* For a VM that takes Qubes rules, appends to config (owned, returned)
 * the directives that make the rules read as Qubes means them:
 * FilterType domain, FilterURLs No and FilterDefaultDeny after the
 * policy. Returns config unchanged for other VMs. */
char *ctl_rules_config(const struct ctl *c, const struct ctl_vm_rules *vm,
                       char *config);

/* The rules as vm's proxy would read them, compiled with opt: path
 * itself, or for a VM that takes Qubes rules (and path is its rules
 * file) the expanded text, named as the run directory's copy. NULL after
 * an error (reported through report). */
struct filter *ctl_rules_load(const struct ctl *c,
                              const struct ctl_vm_rules *vm, const char *path,
                              const struct filter_options *opt,
                              config_report_fn *report, void *ctx);

/* Prints for each rule of vm's Qubes firewall that the proxy cannot carry
 * over exactly "FILE:LINE: warning: QubesDB KEY: message" to out, where
 * FILE:LINE is the marker line. Returns the number printed, or -1 when
 * QubesDB could not be read (error printed). 0 for VMs without marker. */
int ctl_rules_report(const struct ctl *c, const struct ctl_vm_rules *vm,
                     FILE *out);

/* The dom0 command that allows host:port for a VM that takes Qubes rules:
 * "qvm-firewall NAME add --before N action=accept dsthost=HOST
 * proto=tcp dstports=PORT", before the rule that decides everything, into
 * out. Returns 0, or -1 when QubesDB cannot be read. */
int ctl_rules_qvm_firewall_add(const struct ctl *c,
                               const struct ctl_vm_rules *vm, const char *host,
                               unsigned port, char *out, size_t outlen);

#endif
