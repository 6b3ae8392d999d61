/* fwproxy processes started by fwproxyctl: the listening socket handed
 * over, pid files, the check that a pid really is our proxy, stopping. */
#ifndef FWPROXY_CTL_PROC_H
#define FWPROXY_CTL_PROC_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/types.h>

/* Parses a pid file's text: decimal digits and an optional newline.
 * Returns the pid, or 0 when malformed. */
pid_t ctl_proc_parse_pid(const char *text);

/* Reads the pid file; 0 when missing or malformed. */
pid_t ctl_proc_read_pid(const char *path);

/* Writes pid to path atomically (temporary file + rename), mode 0644.
 * Returns 0 or -1. */
int ctl_proc_write_pid(const char *path, pid_t pid);

/* 1 when pid is a live fwproxy (its executable is named fwproxy) whose
 * command line holds "-c config_path"; 0 otherwise (gone, a zombie, or
 * another program that reused the pid). */
int ctl_proc_is_ours(pid_t pid, const char *config_path);

/* 1 when pid, or a process of its group running config_path (the worker),
 * is stopped (SIGSTOP, a debugger): the proxy serves no one. */
int ctl_proc_stopped(pid_t pid, const char *config_path);

/* A TCP socket listening on addr:port, bound to iface (SO_BINDTODEVICE,
 * SO_REUSEADDR). Returns the descriptor or -1 (errno set). */
int ctl_proc_listen(const char *iface, struct in_addr addr, uint16_t port);

/* The same on the IPv6 address addr (IPV6_V6ONLY). */
int ctl_proc_listen6(const char *iface, const struct in6_addr *addr,
                     uint16_t port);

/* Starts "bin -d -c config" in a new session with the n_fds (at most
 * CTL_PROC_FDS_MAX) sockets fds as fds 3, 4, ... (LISTEN_FDS=n_fds,
 * LISTEN_PID), stdin and stdout on /dev/null and stderr
 * appended to log_path. With scope non-NULL and systemd running
 * (ctl_proc_systemd()), the process first becomes the transient unit
 * "SCOPE-PID.scope" through systemd-run --scope, which then execs the
 * proxy in place (same pid, same descriptors): a proxy started from a
 * Qubes hook then leaves the cgroup of the service that ran the hook and
 * survives its restart; without systemd-run on PATH, the proxy runs in
 * its own session as without systemd. Returns the pid or -1. */
#define CTL_PROC_FDS_MAX 2
pid_t ctl_proc_spawn(const char *bin, const char *config, const int *fds,
                     int n_fds, const char *log_path, const char *scope);

/* 1 when systemd is the init system (/run/systemd/system exists). */
int ctl_proc_systemd(void);

/* The words that run the command after them as the transient unit
 * "SCOPE-PID.scope" ("systemd-run --scope --quiet --collect
 * --unit=SCOPE-PID --") into argv; returns their count,
 * CTL_PROC_SCOPE_WORDS. unit is the buffer for the unit option. */
#define CTL_PROC_SCOPE_WORDS 6
size_t ctl_proc_scope_words(const char *scope, pid_t pid, char *unit,
                            size_t unit_len, char **argv);

/* The argument vector that runs "bin -d -c config" (scope NULL) or the
 * same through "systemd-run --scope --unit=SCOPE-PID" into argv (at least
 * CTL_PROC_ARGV_MAX entries); unit is the buffer for the unit option. */
#define CTL_PROC_ARGV_MAX 12
void ctl_proc_argv(const char *bin, const char *config, const char *scope,
                   pid_t pid, char *unit, size_t unit_len, char **argv);

/* Waits up to ms milliseconds; returns 1 when pid is still alive. */
int ctl_proc_alive_after(pid_t pid, int ms);

/* Waits until the proxy pid (a group leader, as ctl_proc_spawn makes it)
 * has started: fwproxy turns on its seccomp filter at the end of start-up,
 * in the process that serves, so a process of its group with "Seccomp: 2"
 * in /proc/PID/status is one that got through. Returns 1 then, or when pid
 * is still alive after ms milliseconds; 0 when it died. */
int ctl_proc_wait_started(pid_t pid, int ms);

/* Stops pid and every other fwproxy process of its process group running
 * config_path: SIGTERM, then SIGKILL after timeout_ms. Returns 0 when all
 * are gone, -1 otherwise. */
int ctl_proc_stop(pid_t pid, const char *config_path, int timeout_ms);

/* Kills (SIGKILL) every process that passes ctl_proc_is_ours() for
 * config_path, whatever its group: a proxy that lost its pid file (an
 * older version's race, a crash between start and pid file) would hold
 * the VM's address and port. Returns how many there were. */
int ctl_proc_kill_all_of(const char *config_path);

/* Kills (SIGKILL) processes left of a proxy group whose leader pid died,
 * e.g. the unprivileged worker after kill -9 of its parent. Only processes
 * that pass ctl_proc_is_ours() are touched. */
void ctl_proc_kill_leftovers(pid_t pgid, const char *config_path);

#endif
