/* Following Qube Settings: a long-running fwproxyctl that watches
 * QubesDB's /qubes-firewall/ and reloads the proxy of each VM that takes
 * its Qubes firewall rules (rules_source.h) when Qubes writes new ones. */
#ifndef FWPROXY_CTL_QUBES_WATCH_H
#define FWPROXY_CTL_QUBES_WATCH_H

#include "instance.h"

/* Runs `qubesdb-watch -n -1 /qubes-firewall/` and, for each VM whose
 * rules Qubes rewrote (Qubes' final write of /qubes-firewall/IP), runs
 * "self_argv... reload NAME". Every VM is reloaded at the start and each
 * time the watch has to be started again, so nothing written meanwhile is
 * missed. rescan re-reads the rules directory. Returns only on a fatal
 * error (no QubesDB tools), with 1. */
int ctl_qubes_watch_run(struct ctl *c, char *const self_argv[],
                        int (*rescan)(struct ctl *));

/* Starts (wanted) or stops the watch, found by the pid file
 * RUN_DIR/.watch-qubes-firewall.pid; it logs to
 * RUN_DIR/.watch-qubes-firewall.log. self_argv: fwproxyctl and its global
 * options. Returns 0 or -1. */
int ctl_qubes_watch_ensure(struct ctl *c, int wanted, char *const self_argv[]);

#endif
