#include "qubes_watch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "proc.h"
#include "rules_source.h"
#include "util.h"

#define WATCH_CMD       "watch-qubes-firewall"
#define PID_FILE        ".watch-qubes-firewall.pid"
#define LOG_FILE        ".watch-qubes-firewall.log"
#define PREFIX          "/qubes-firewall/"
#define RESTART_WAIT    1
#define STILL_WANTED_MS 2000

static char *run_path(const struct ctl *c, const char *file)
{
	size_t n = strlen(c->run_dir) + strlen(file) + 2;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/%s", c->run_dir, file);
	return p;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm);
	printf("%s %s: ", stamp, WATCH_CMD);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Runs "SELF GLOBALS reload NAME" and waits: the same path, lock and
 * messages as the command typed by hand. */
static void reload(char *const self_argv[], const char *name)
{
	char *argv[64];
	size_t n = 0;
	int rc;

	while (self_argv[n] != NULL && n < 60) {
		argv[n] = self_argv[n];
		n++;
	}
	argv[n++] = (char *)"reload";
	argv[n++] = (char *)name;
	argv[n] = NULL;
	fflush(stdout);
	rc = ctl_exec(argv, NULL, NULL, 0);
	if (rc != 0)
		say("reload %s failed (%d)", name, rc);
}

/* 1 when ip, a fired QubesDB address, is vm's: its IPv4 address, or the
 * IPv6 one of its route (Qubes' ipv6 feature). dom0 rewrites and fires
 * the IPv4 list first, then the IPv6 one; the reload at the first fire
 * may see the IPv6 list still old, so the second must reload too. */
static int vm_address(const struct ctl *c, const struct ctl_vm_rules *vm,
                      const char *ip)
{
	struct in6_addr fired, a6;

	if (strcmp(vm->ip_text, ip) == 0)
		return 1;
	return inet_pton(AF_INET6, ip, &fired) == 1 &&
	       ctl_routes_vm_ip6(c->routes, vm->ip, &a6) == 0 &&
	       memcmp(&fired, &a6, sizeof(a6)) == 0;
}

/* Reloads the running VMs that take Qubes rules; only the one at address
 * ip when ip is not NULL. */
static void reload_vms(struct ctl *c, char *const self_argv[], const char *ip,
                       int (*rescan)(struct ctl *))
{
	size_t i;

	if (rescan(c) != 0) {
		say("the rules directory %s cannot be read", c->config_dir);
		return;
	}
	for (i = 0; i < c->rd->count; i++) {
		const struct ctl_vm_rules *vm = &c->rd->vms[i];

		if (ip != NULL && !vm_address(c, vm, ip))
			continue;
		if (ctl_rules_from(vm) == CTL_RULES_FILE ||
		    ctl_instance_pid(c, vm->name) == 0)
			continue;
		say("the Qubes firewall rules of %s (%s) changed", vm->name,
		    vm->ip_text);
		reload(self_argv, vm->name);
	}
}

/* The address in a fired path "/qubes-firewall/IP", the write Qubes makes
 * after all of a VM's rules; NULL for other paths. */
static const char *fired_address(char *line)
{
	char *ip;

	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, PREFIX, strlen(PREFIX)) != 0)
		return NULL;
	ip = line + strlen(PREFIX);
	if (*ip == '\0' || strchr(ip, '/') != NULL)
		return NULL;
	return ip;
}

/* 1 while the pid file names this process: a watch whose pid file was
 * removed or taken over (kill-all, a run directory cleared) ends. */
static int still_wanted(const struct ctl *c)
{
	char *pidfile = run_path(c, PID_FILE);
	pid_t pid = ctl_proc_read_pid(pidfile);

	free(pidfile);
	return pid == getpid();
}

/* Reads fired paths from fd until it ends (0), or until this watch is no
 * longer wanted (-1), reloading the VMs they name. qubesdb-watch says
 * nothing once its watch is registered: the catch-up before it may miss a
 * write made meanwhile, so the first quiet spell catches up once more. */
static int follow(struct ctl *c, int fd, char *const self_argv[],
                  int (*rescan)(struct ctl *))
{
	char line[512];
	size_t len = 0;
	int caught_up = 0;

	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		char *nl;
		ssize_t r;
		int n = poll(&p, 1, STILL_WANTED_MS);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			if (!still_wanted(c))
				return -1;
			if (!caught_up) {
				caught_up = 1;
				reload_vms(c, self_argv, NULL, rescan);
			}
			continue;
		}
		r = read(fd, line + len, sizeof(line) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		len += (size_t)r;
		line[len] = '\0';
		while ((nl = strchr(line, '\n')) != NULL) {
			const char *ip;

			*nl = '\0';
			ip = fired_address(line);
			if (ip != NULL)
				reload_vms(c, self_argv, ip, rescan);
			len -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, len + 1);
		}
		if (len == sizeof(line) - 1)
			len = 0; /* no path is that long: drop it */
	}
}

int ctl_qubes_watch_run(struct ctl *c, char *const self_argv[],
                        int (*rescan)(struct ctl *))
{
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int fds[2];
		pid_t pid, parent;

		if (pipe2(fds, O_CLOEXEC) != 0) {
			say("pipe: %s", strerror(errno));
			return 1;
		}
		parent = getpid();
		pid = fork();
		if (pid == 0) {
			char *const argv[] = {(char *)"qubesdb-watch",
			                      (char *)"-n", (char *)"-1",
			                      (char *)PREFIX, NULL};

			/* The watch ends with the watcher, even one killed
			 * between two events. */
			if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 ||
			    getppid() != parent)
				_exit(1);
			dup2(fds[1], 1);
			execvp(argv[0], argv);
			_exit(127);
		}
		close(fds[1]);
		if (pid < 0) {
			close(fds[0]);
			say("fork: %s", strerror(errno));
			return 1;
		}
		/* Anything missed while no watch ran is caught up now. */
		reload_vms(c, self_argv, NULL, rescan);
		if (follow(c, fds[0], self_argv, rescan) != 0) {
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
			close(fds[0]);
			say("the pid file no longer names this watch: ending");
			return 0;
		}
		close(fds[0]);
		{
			int status = 0;

			waitpid(pid, &status, 0);
			if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
				say("qubesdb-watch not found: QubesDB exists "
				    "only in a Qubes VM");
				return 1;
			}
			say("qubesdb-watch ended (status %d); again in %d s",
			    status, RESTART_WAIT);
		}
		sleep(RESTART_WAIT);
	}
}

/* The watcher's pid when it runs, else 0. */
static pid_t watcher_pid(const struct ctl *c)
{
	char *pidfile = run_path(c, PID_FILE);
	pid_t pid = ctl_proc_read_pid(pidfile);
	char path[64], cmdline[4096];
	ssize_t n;
	int fd;

	free(pidfile);
	if (pid == 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	cmdline[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (cmdline[i] == '\0')
			cmdline[i] = ' ';
	return strstr(cmdline, "fwproxyctl") != NULL &&
	               strstr(cmdline, " " WATCH_CMD) != NULL
	           ? pid
	           : 0;
}

int ctl_qubes_watch_ensure(struct ctl *c, int wanted, char *const self_argv[])
{
	pid_t pid = watcher_pid(c);
	char *pidfile, *log;

	if (wanted == (pid != 0))
		return 0;
	c->changes++;
	if (c->dry_run) {
		printf("would %s the Qubes firewall watch\n",
		       wanted ? "start" : "stop");
		return 0;
	}
	pidfile = run_path(c, PID_FILE);
	if (!wanted) {
		kill(pid, SIGTERM);
		unlink(pidfile);
		free(pidfile);
		printf("stopped the Qubes firewall watch (pid %ld)\n",
		       (long)pid);
		return 0;
	}
	log = run_path(c, LOG_FILE);
	pid = fork();
	if (pid == 0) {
		char *argv[64], unit[64];
		size_t n = 0, i, scope_words = 0;
		int null = open("/dev/null", O_RDWR);
		int out =
		    open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0640);

		setsid();
		if (null < 0 || out < 0 || dup2(null, 0) < 0 ||
		    dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(126);
		/* Its own unit, as the proxies have: a watch started from a
		 * Qubes hook outlives a restart of the hook's service. */
		if (ctl_proc_systemd())
			n = scope_words =
			    ctl_proc_scope_words("fwproxy-watch", getpid(),
			                         unit, sizeof(unit), argv);
		for (i = 0; self_argv[i] != NULL && n < 60; i++)
			argv[n++] = self_argv[i];
		argv[n++] = (char *)WATCH_CMD;
		argv[n] = NULL;
		if (scope_words > 0)
			execvp(argv[0], argv); /* returns without systemd-run */
		execv(argv[scope_words], argv + scope_words);
		_exit(127);
	}
	free(log);
	if (pid < 0 || ctl_proc_write_pid(pidfile, pid) != 0) {
		fprintf(stderr, "fwproxyctl: cannot start the Qubes firewall "
		                "watch\n");
		free(pidfile);
		return -1;
	}
	free(pidfile);
	printf("started the Qubes firewall watch (pid %ld)\n", (long)pid);
	return 0;
}
