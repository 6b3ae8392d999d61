/* Starting in the background and saying whether it worked: the process
 * that was started waits until the daemon serves or has failed, and exits
 * 0, or 1 with the daemon's errors on its own standard error. */
#ifndef FWPROXY_STARTUP_H
#define FWPROXY_STARTUP_H

/* Goes to the background: a new session, "/" as working directory, the
 * standard streams on /dev/null. The original process waits and exits 0
 * once the daemon calls startup_ready(), or, when every daemon process
 * has ended or let go before that, prints "fwproxy: MESSAGE" for each
 * error the daemon logged meanwhile (or that it ended during start-up)
 * and exits 1. Returns 0 in the daemon, -1 with errno when no fork was
 * possible (still in the original process). */
int startup_background(void);

/* The daemon serves: lets the waiting process exit 0. Later calls, and
 * calls in the foreground, do nothing. */
void startup_ready(void);

/* Lets go of the waiting process without a verdict (the root parent,
 * once its worker has taken over the start-up). */
void startup_detach(void);

#endif
