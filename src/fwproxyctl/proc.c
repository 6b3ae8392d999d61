#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define PID_TEXT_MAX  32
#define CMDLINE_MAX   8192
#define POLL_STEP_MS  20
#define START_STEP_MS 5

pid_t ctl_proc_parse_pid(const char *text)
{
	size_t n = strlen(text);
	long long v;

	if (n > 0 && text[n - 1] == '\n')
		n--;
	if (parse_number_n(text, n, 1, 4194304, &v) != NULL)
		return 0;
	return (pid_t)v;
}

static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -1;
	while ((size_t)total < size - 1 &&
	       (n = read(fd, buf + total, size - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return total;
}

pid_t ctl_proc_read_pid(const char *path)
{
	char buf[PID_TEXT_MAX];
	if (read_small(path, buf, sizeof(buf)) < 0)
		return 0;
	return ctl_proc_parse_pid(buf);
}

int ctl_proc_write_pid(const char *path, pid_t pid)
{
	size_t n = strlen(path) + 8;
	char *tmp = xmalloc(n), text[PID_TEXT_MAX];
	int fd, len, rc = -1;

	snprintf(tmp, n, "%s.new", path);
	len = snprintf(text, sizeof(text), "%ld\n", (long)pid);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	          0644);
	if (fd < 0)
		goto done;
	if (write(fd, text, (size_t)len) != len || fchmod(fd, 0644) != 0) {
		close(fd);
		unlink(tmp);
		goto done;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		goto done;
	}
	rc = 0;
done:
	free(tmp);
	return rc;
}

/* The state letter and process group from /proc/PID/stat; the command
 * name in parentheses may itself hold ')' so scan from the last one. */
static int proc_stat(pid_t pid, char *state, pid_t *pgrp)
{
	char path[64], buf[1024];
	const char *p;
	long long v;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == '\0' || p[3] != ' ')
		return -1;
	*state = p[2];
	p += 4;
	p += strcspn(p, " "); /* ppid */
	if (*p++ != ' ')
		return -1;
	n = strcspn(p, " ");
	if (parse_number_n(p, n, 0, 4194304, &v) != NULL)
		return -1;
	*pgrp = (pid_t)v;
	return 0;
}

int ctl_proc_is_ours(pid_t pid, const char *config_path)
{
	char path[64], exe[4096], cmd[CMDLINE_MAX], state;
	const char *base, *arg, *prev = NULL;
	ssize_t n;
	pid_t pgrp;

	if (pid <= 0 || proc_stat(pid, &state, &pgrp) != 0 || state == 'Z' ||
	    state == 'X')
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	/* A binary replaced on disk shows as "PATH (deleted)". */
	if (n > 10 && strcmp(exe + n - 10, " (deleted)") == 0)
		exe[n - 10] = '\0';
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	if (strcmp(base, "fwproxy") != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	n = read_small(path, cmd, sizeof(cmd));
	if (n <= 0)
		return 0;
	for (arg = cmd; arg < cmd + n; arg += strlen(arg) + 1) {
		if (prev != NULL && strcmp(prev, "-c") == 0 &&
		    strcmp(arg, config_path) == 0)
			return 1;
		prev = arg;
	}
	return 0;
}

/* A listening socket on sa, bound to iface; -1 with errno set. */
static int listen_on(const char *iface, const struct sockaddr *sa,
                     socklen_t len)
{
	int one = 1, fd, saved;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (sa->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) !=
	         0) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface,
	               (socklen_t)strlen(iface)) != 0 ||
	    bind(fd, sa, len) != 0 || listen(fd, 128) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int ctl_proc_listen(const char *iface, struct in_addr addr, uint16_t port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr = addr;
	sa.sin_port = htons(port);
	return listen_on(iface, (struct sockaddr *)&sa, sizeof(sa));
}

int ctl_proc_listen6(const char *iface, const struct in6_addr *addr,
                     uint16_t port)
{
	struct sockaddr_in6 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = *addr;
	sa.sin6_port = htons(port);
	return listen_on(iface, (struct sockaddr *)&sa, sizeof(sa));
}

int ctl_proc_systemd(void)
{
	struct stat st;
	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

size_t ctl_proc_scope_words(const char *scope, pid_t pid, char *unit,
                            size_t unit_len, char **argv)
{
	snprintf(unit, unit_len, "--unit=%s-%ld", scope, (long)pid);
	argv[0] = "systemd-run";
	argv[1] = "--scope";
	argv[2] = "--quiet";
	argv[3] = "--collect";
	argv[4] = unit;
	argv[5] = "--";
	return CTL_PROC_SCOPE_WORDS;
}

void ctl_proc_argv(const char *bin, const char *config, const char *scope,
                   pid_t pid, char *unit, size_t unit_len, char **argv)
{
	size_t n = 0;

	if (scope != NULL)
		n = ctl_proc_scope_words(scope, pid, unit, unit_len, argv);
	argv[n++] = (char *)bin;
	argv[n++] = "-d";
	argv[n++] = "-c";
	argv[n++] = (char *)config;
	argv[n] = NULL;
}

pid_t ctl_proc_spawn(const char *bin, const char *config, const int *fds,
                     int n_fds, const char *log_path, const char *scope)
{
	int systemd = scope != NULL && ctl_proc_systemd();
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	{
		char pidtext[PID_TEXT_MAX], unit[256], count[8];
		char *argv[CTL_PROC_ARGV_MAX];
		int i, high[CTL_PROC_FDS_MAX];
		int null = open("/dev/null", O_RDWR);
		int log = open(
		    log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0640);
		sigset_t none;

		setsid();
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(log >= 0 ? log : null, 2) < 0)
			_exit(126);
		/* Out of the way first, so that placing one at 3 + i never
		 * overwrites another still to be placed. */
		for (i = 0; i < n_fds && i < CTL_PROC_FDS_MAX; i++)
			if ((high[i] = fcntl(fds[i], F_DUPFD, 3 + n_fds)) < 0)
				_exit(126);
		/* dup2 clears close-on-exec. */
		for (i = 0; i < n_fds && i < CTL_PROC_FDS_MAX; i++)
			if (dup2(high[i], 3 + i) < 0 || close(high[i]) != 0)
				_exit(126);
		snprintf(pidtext, sizeof(pidtext), "%ld", (long)getpid());
		snprintf(count, sizeof(count), "%d", n_fds);
		setenv("LISTEN_FDS", count, 1);
		setenv("LISTEN_PID", pidtext, 1);
		unsetenv("LISTEN_FDNAMES");
		ctl_proc_argv(bin, config, systemd ? scope : NULL, getpid(),
		              unit, sizeof(unit), argv);
		if (systemd) {
			execvp(argv[0], argv);
			/* No systemd-run: in this session, as without systemd.
			 */
			ctl_proc_argv(bin, config, NULL, getpid(), unit,
			              sizeof(unit), argv);
		}
		execv(bin, argv);
		_exit(127);
	}
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int gone(pid_t pid)
{
	char state;
	pid_t pgrp;

	/* Our own child turns into a zombie until reaped. */
	waitpid(pid, NULL, WNOHANG);
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return 1;
	return proc_stat(pid, &state, &pgrp) != 0 || state == 'Z' ||
	       state == 'X';
}

int ctl_proc_alive_after(pid_t pid, int ms)
{
	int waited;
	for (waited = 0; waited < ms; waited += POLL_STEP_MS) {
		if (gone(pid))
			return 0;
		sleep_ms(POLL_STEP_MS);
	}
	return !gone(pid);
}

/* 1 when pid runs under a seccomp filter ("Seccomp: 2"). */
static int sandboxed(pid_t pid)
{
	char path[64], buf[4096];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "\nSeccomp:");
	return p != NULL && strtol(p + 9, NULL, 10) == 2;
}

/* 1 when pid or a member of its process group is sandboxed. */
static int group_sandboxed(pid_t pgid)
{
	DIR *d;
	struct dirent *de;
	int found = 0;

	if (sandboxed(pgid))
		return 1;
	if ((d = opendir("/proc")) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		long long v;
		char state;
		pid_t pgrp;

		if (parse_number(de->d_name, 1, 4194304, &v) == NULL &&
		    proc_stat((pid_t)v, &state, &pgrp) == 0 && pgrp == pgid &&
		    (pid_t)v != pgid)
			found = sandboxed((pid_t)v);
	}
	closedir(d);
	return found;
}

int ctl_proc_wait_started(pid_t pid, int ms)
{
	int waited;

	for (waited = 0; waited < ms; waited += START_STEP_MS) {
		if (gone(pid))
			return 0;
		if (group_sandboxed(pid))
			return 1;
		sleep_ms(START_STEP_MS);
	}
	return !gone(pid);
}

/* Members of process group pgid that are our proxies for config_path. */
static size_t group_members(pid_t pgid, const char *config_path, pid_t *out,
                            size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while (n < max && (de = readdir(d)) != NULL) {
		long long v;
		char state;
		pid_t pgrp;

		if (parse_number(de->d_name, 1, 4194304, &v) != NULL)
			continue;
		if (proc_stat((pid_t)v, &state, &pgrp) != 0 || pgrp != pgid)
			continue;
		if (ctl_proc_is_ours((pid_t)v, config_path))
			out[n++] = (pid_t)v;
	}
	closedir(d);
	return n;
}

int ctl_proc_kill_all_of(const char *config_path)
{
	pid_t found[64];
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t i, n = 0;

	if (d == NULL)
		return 0;
	while (n < ARRAY_LEN(found) && (de = readdir(d)) != NULL) {
		long long v;
		if (parse_number(de->d_name, 1, 4194304, &v) == NULL &&
		    ctl_proc_is_ours((pid_t)v, config_path))
			found[n++] = (pid_t)v;
	}
	closedir(d);
	for (i = 0; i < n; i++)
		kill(found[i], SIGKILL);
	for (i = 0; i < n; i++)
		ctl_proc_alive_after(found[i], 500);
	return (int)n;
}

static int is_stopped(pid_t pid)
{
	char state;
	pid_t pgrp;

	return proc_stat(pid, &state, &pgrp) == 0 &&
	       (state == 'T' || state == 't');
}

int ctl_proc_stopped(pid_t pid, const char *config_path)
{
	pid_t members[64];
	size_t i, n = group_members(pid, config_path, members, 64);

	if (is_stopped(pid))
		return 1;
	for (i = 0; i < n; i++)
		if (is_stopped(members[i]))
			return 1;
	return 0;
}

void ctl_proc_kill_leftovers(pid_t pgid, const char *config_path)
{
	pid_t members[64];
	size_t i, n = group_members(pgid, config_path, members, 64);

	for (i = 0; i < n; i++)
		kill(members[i], SIGKILL);
	for (i = 0; i < n; i++)
		ctl_proc_alive_after(members[i], 500);
}

static int still_ours(pid_t pid, const char *config_path)
{
	waitpid(pid, NULL, WNOHANG);
	return ctl_proc_is_ours(pid, config_path);
}

int ctl_proc_stop(pid_t pid, const char *config_path, int timeout_ms)
{
	pid_t members[64];
	size_t i, n;
	int waited, alive = 0;

	n = group_members(pid, config_path, members, 64);
	if (ctl_proc_is_ours(pid, config_path))
		kill(pid, SIGTERM);
	for (waited = 0;; waited += POLL_STEP_MS) {
		alive = still_ours(pid, config_path);
		for (i = 0; i < n; i++)
			alive |= still_ours(members[i], config_path);
		if (!alive || waited >= timeout_ms)
			break;
		sleep_ms(POLL_STEP_MS);
	}
	if (!alive)
		return 0;
	if (ctl_proc_is_ours(pid, config_path))
		kill(pid, SIGKILL);
	for (i = 0; i < n; i++)
		if (ctl_proc_is_ours(members[i], config_path))
			kill(members[i], SIGKILL);
	for (waited = 0;; waited += POLL_STEP_MS) {
		alive = still_ours(pid, config_path);
		for (i = 0; i < n; i++)
			alive |= still_ours(members[i], config_path);
		if (!alive || waited >= 2000)
			break;
		sleep_ms(POLL_STEP_MS);
	}
	return alive ? -1 : 0;
}
