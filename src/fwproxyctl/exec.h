/* Running helper programs (nft, iptables, fwproxy -t) without a shell. */
#ifndef FWPROXY_CTL_EXEC_H
#define FWPROXY_CTL_EXEC_H

/* Runs argv[0] (searched in PATH) with input (or nothing) on stdin. With
 * output non-NULL, stdout is collected into *output (the caller frees it);
 * otherwise it is passed through. With quiet, stderr goes to /dev/null.
 * Returns the exit status, 127 when the program cannot run, or -1 when it
 * died from a signal. */
int ctl_exec(char *const argv[], const char *input, char **output, int quiet);

#endif
