/* The Qubes network hook: what vif-route-qubes calls, through
 * RW_CONFIG/network-hooks.d/90-fwproxy, as "HOOK online|offline vifN.M
 * TYPE IP", once per address of the VM, right after it added (online) or
 * removed (offline) the VM's route and before the gateway address is on
 * the vif. Its output is thrown away, so every outcome is also logged to
 * syslog (the journal) and to RUN_DIR/hook.log with the VM's name. */
#ifndef FWPROXY_CTL_HOOK_H
#define FWPROXY_CTL_HOOK_H

#include "instance.h"

#define CTL_HOOK_LOG     "hook.log"
#define CTL_HOOK_LOG_MAX (1L << 20) /* then hook.log moves to hook.log.1 */

/* Checks the hook's arguments (action, interface, type, address). Returns
 * NULL or a constant reason. */
const char *ctl_hook_check_args(int argc, char **argv);

/* Runs setup (firewall, rules directory, routes, template: what every
 * state-changing command needs), then brings the one VM whose rules file
 * names the address argv[3] in step with the routing table: starts its
 * proxy, moves it to the VM's new vif, or stops it with its rule. An
 * address no rules file names is no error. Logs the outcome as described
 * above, a failed setup with what it printed. Returns 0 or -1. */
int ctl_hook_run(struct ctl *c, int argc, char **argv,
                 int (*setup)(struct ctl *c));

#endif
