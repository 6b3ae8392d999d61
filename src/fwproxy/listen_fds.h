/* Listening sockets handed over at start, by systemd's socket-activation
 * protocol: LISTEN_FDS=N and LISTEN_PID=our pid name descriptors 3..3+N-1. */
#ifndef FWPROXY_LISTEN_FDS_H
#define FWPROXY_LISTEN_FDS_H

/* The first handed-over descriptor, and how many the proxy takes: one per
 * address it serves (fwproxyctl hands over the VM's IPv4 and IPv6 ones). */
#define LISTEN_FDS_START 3
#define LISTEN_FDS_MAX   8

/* Reads the values of LISTEN_FDS and LISTEN_PID (either may be NULL when
 * unset) for the process self. Sets *n to the number of descriptors handed
 * over: 0 when the variables are unset or LISTEN_PID names another process
 * (they were meant for it). Returns NULL, or a constant error string when
 * LISTEN_PID names self but LISTEN_FDS is not a number from 1 to
 * LISTEN_FDS_MAX, or LISTEN_PID is not a pid. */
const char *listen_fds_parse(const char *fds, const char *pid, long self,
                             int *n);

/* Takes the n descriptors from LISTEN_FDS_START into fds[]: close-on-exec
 * and non-blocking, each checked to be a listening stream socket. Returns
 * NULL, or a constant error string naming what is wrong (errno left as the
 * failing call set it). */
const char *listen_fds_take(int n, int *fds);

#endif
