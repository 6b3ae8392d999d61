/* One grace period for stopping, shared by the daemon and the control
 * tool so that they cannot disagree. */
#ifndef FWPROXY_STOP_GRACE_H
#define FWPROXY_STOP_GRACE_H

/* On SIGTERM fwproxy closes its listening socket at once and lets running
 * transfers go on this long; it cuts what is still open then and exits.
 * fwproxyctl waits this long plus STOP_MARGIN_SECONDS before SIGKILL. */
#define STOP_GRACE_SECONDS  10
#define STOP_MARGIN_SECONDS 2

#endif
