/* One proxy instance per client VM: its run directory, process and
 * firewall rule, started, stopped and compared with what should be. */
#ifndef FWPROXY_CTL_INSTANCE_H
#define FWPROXY_CTL_INSTANCE_H

#include <stdint.h>
#include <sys/types.h>

#include "firewall.h"
#include "rulesdir.h"
#include "vms.h"

#define CTL_DEFAULT_PORT 8100

struct ctl {
	const char *config_dir;
	const char *run_dir;
	const char *fwproxy_bin;
	const char *fw_kind; /* --firewall: "auto", "nft", ... */
	uint16_t port;
	int dry_run;
	struct ctl_firewall fw;
	struct ctl_firewall fw6; /* the IPv6 rules (ctl_firewall_init6) */
	struct ctl_rulesdir *rd;
	struct ctl_routes *routes;
	char *template_text; /* the directory's template or the built-in one */
	int changes;         /* actions taken (or printed, with dry_run) */
};

/* Where a VM stands now. */
struct ctl_vm_state {
	const char *iface; /* NULL when the VM is not running */
	struct in_addr gw; /* valid with has_gw */
	int has_gw;
	/* With Qubes' ipv6 feature: the VM's IPv6 address (its /128 route
	 * through iface) and the IPv6 gateway; the proxy serves on gw6 too. */
	struct in6_addr ip6, gw6;
	int has_ip6, has_gw6;
	pid_t pid; /* 0 when its proxy is not running */
};

/* "[ADDRESS]:PORT" of an IPv6 address, as the proxy's IPv6 socket is
 * shown and logged. */
#define CTL_ADDR6_PORT_MAX (INET6_ADDRSTRLEN + 8)
void ctl_addr6_port(const struct in6_addr *a, uint16_t port,
                    char out[CTL_ADDR6_PORT_MAX]);

/* The path RUN_DIR/NAME/file (file may be NULL for the directory); the
 * caller frees it. */
char *ctl_instance_path(const struct ctl *c, const char *name,
                        const char *file);

void ctl_instance_state(const struct ctl *c, const struct ctl_vm_rules *vm,
                        struct ctl_vm_state *st);

/* The template rendered for vm in state st (0.0.0.0 and "" stand in for
 * a gateway and interface it has not), with FilterSource naming its rules
 * file; the caller frees it. NULL with a message in err when the template
 * is bad. */
char *ctl_instance_render(const struct ctl *c, const struct ctl_vm_rules *vm,
                          const struct ctl_vm_state *st, char *err,
                          size_t errlen);

/* 1 when an error of ctl_instance_render is about vm's rules file (its
 * "# fwproxy:" line, "FILE:LINE: message") rather than the template. */
int ctl_instance_render_error_in_rules(const struct ctl_vm_rules *vm,
                                       const char *err);

/* The live proxy pid for name (pid file plus a check of the process), or
 * 0 for none or a stale pid file. */
pid_t ctl_instance_pid(const struct ctl *c, const char *name);

/* 1 when name's proxy runs and serves the VM behind iface (its "bound"
 * file, written at start), else 0. */
int ctl_instance_bound_to(const struct ctl *c, const char *name,
                          const char *iface);

/* Brings vm's proxy and firewall rule up to date: starts it, reloads it
 * when only its rules changed, restarts it when its config changed (or
 * always with force). Returns 0 or -1; on failure no rule and no pid file
 * are left behind. */
int ctl_instance_start(struct ctl *c, const struct ctl_vm_rules *vm, int force);

/* Sends the new rules (and config) to a running proxy with SIGHUP. */
int ctl_instance_reload(struct ctl *c, const struct ctl_vm_rules *vm);

/* Stops name's proxy, removes its pid file, config and firewall rule.
 * Returns 0 or -1. */
int ctl_instance_stop(struct ctl *c, const char *name);

/* Names that have a run directory, sorted; *count set. The caller frees
 * each and the array. */
char **ctl_instance_list(const struct ctl *c, size_t *count);

#endif
