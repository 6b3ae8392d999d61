/* The run directory's lock: every fwproxyctl command that changes
 * proxies, pid files or firewall rules holds it from before it reads the
 * world until it exits, so that Qubes hooks of VMs starting together and
 * the start-up script never interleave. */
#ifndef FWPROXY_CTL_LOCK_H
#define FWPROXY_CTL_LOCK_H

#define CTL_LOCK_FILE "lock"

/* Creates run_dir (0755) when missing and waits for an exclusive flock on
 * RUN_DIR/lock. The descriptor is close-on-exec, so no proxy inherits it.
 * Returns it (the lock lasts until it is closed or the process exits), or
 * -1 with a message on stderr. */
int ctl_lock_take(const char *run_dir);

#endif
