/* Persistence in a Qubes firewall VM: a network hook that runs
 * "fwproxyctl hook" when a VM goes online or offline, and "fwproxyctl
 * update" in qubes-firewall-user-script for start-up. */
#ifndef FWPROXY_CTL_QUBES_H
#define FWPROXY_CTL_QUBES_H

#include <stddef.h>

/* The hook script's text; ctl_args are the global options to repeat
 * (e.g. "--config-dir /rw/config/fwproxy"). The caller frees it. */
char *ctl_qubes_hook_text(const char *ctl_path, const char *ctl_args);

/* Where install-qubes runs, from QubesDB's /qubes-vm-persistence and
 * /qubes-vm-type. */
enum ctl_qube_kind {
	CTL_QUBE_OTHER,      /* not Qubes, or a qube whose /rw/config stays */
	CTL_QUBE_DISPOSABLE, /* persistence "none": /rw reset at every start */
	CTL_QUBE_TEMPLATE,   /* a TemplateVM: qubes based on it get their own
	                        /rw, never its /rw/config */
};

enum ctl_qube_kind ctl_qubes_kind(const char *persistence, const char *type);

/* Why installing under /rw/config of a qube of this kind (named name, or
 * NULL) would not last, with what to do instead, into out; returns 0 when
 * it lasts, -1 otherwise. */
int ctl_qubes_install_refusal(enum ctl_qube_kind kind, const char *name,
                              char *out, size_t len);

/* Installs both under rw_config (normally /rw/config), idempotently:
 * the hook file is rewritten only when different, the update line added
 * only when missing. Prints what it changes; with dry_run only prints.
 * Refuses (with the reason and what to do instead) in a disposable qube
 * and in a TemplateVM, where it would not last. Returns 0 or -1. */
int ctl_qubes_install(const char *rw_config, const char *ctl_path,
                      const char *ctl_args, int dry_run);

#endif
