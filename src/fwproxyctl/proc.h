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

/* A TCP socket listening on addr:port, bound to iface (SO_BINDTODEVICE,
 * SO_REUSEADDR). Returns the descriptor or -1 (errno set). */
int ctl_proc_listen(const char *iface, struct in_addr addr, uint16_t port);

/* Starts "bin -d -c config" in a new session with listen_fd as fd 3
 * (LISTEN_FDS=1, LISTEN_PID), stdin and stdout on /dev/null and stderr
 * appended to log_path. Returns the pid or -1. */
pid_t ctl_proc_spawn(const char *bin, const char *config, int listen_fd,
                     const char *log_path);

/* Waits up to ms milliseconds; returns 1 when pid is still alive. */
int ctl_proc_alive_after(pid_t pid, int ms);

/* Stops pid and every other fwproxy process of its process group running
 * config_path: SIGTERM, then SIGKILL after timeout_ms. Returns 0 when all
 * are gone, -1 otherwise. */
int ctl_proc_stop(pid_t pid, const char *config_path, int timeout_ms);

/* Kills (SIGKILL) processes left of a proxy group whose leader pid died,
 * e.g. the unprivileged worker after kill -9 of its parent. Only processes
 * that pass ctl_proc_is_ours() are touched. */
void ctl_proc_kill_leftovers(pid_t pgid, const char *config_path);

#endif
