/* Persistence in a Qubes firewall VM: a network hook that runs
 * "fwproxyctl hook" when a VM goes online or offline, and "fwproxyctl
 * update" in qubes-firewall-user-script for start-up. */
#ifndef FWPROXY_CTL_QUBES_H
#define FWPROXY_CTL_QUBES_H

/* The hook script's text; ctl_args are the global options to repeat
 * (e.g. "--config-dir /rw/config/fwproxy"). The caller frees it. */
char *ctl_qubes_hook_text(const char *ctl_path, const char *ctl_args);

/* Installs both under rw_config (normally /rw/config), idempotently:
 * the hook file is rewritten only when different, the update line added
 * only when missing. Prints what it changes; with dry_run only prints.
 * Returns 0 or -1. */
int ctl_qubes_install(const char *rw_config, const char *ctl_path,
                      const char *ctl_args, int dry_run);

#endif
