/* The Qubes network hook command (hook.h). */
#include "hook.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define CAPTURE_MAX 4096

const char *ctl_hook_check_args(int argc, char **argv)
{
	struct in_addr a;
	size_t i, n;

	if (argc != 4 && argc != 3)
		return "expected online|offline vifN.M TYPE IP";
	if (strcmp(argv[0], "online") != 0 && strcmp(argv[0], "offline") != 0)
		return "the action is not online or offline";
	n = strlen(argv[1]);
	if (n == 0 || n >= IF_NAMESIZE)
		return "the interface name is empty or too long";
	for (i = 0; i < n; i++)
		if (argv[1][i] == '/' || argv[1][i] <= ' ' ||
		    argv[1][i] == 0x7f)
			return "the interface name holds a bad character";
	if (argc == 4 && argv[3][0] != '\0' &&
	    inet_pton(AF_INET, argv[3], &a) != 1 &&
	    strchr(argv[3], ':') == NULL)
		return "the address is not an IP address";
	return NULL;
}

/* Sends fds 1 and 2 to a temporary file until capture_end. Returns the
 * file's descriptor, or -1 (then nothing is captured). */
static int capture_begin(int saved[2])
{
	FILE *f = tmpfile();
	int fd;

	saved[0] = saved[1] = -1;
	if (f == NULL)
		return -1;
	fd = dup(fileno(f));
	fclose(f);
	if (fd < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	saved[0] = dup(1);
	saved[1] = dup(2);
	if (saved[0] < 0 || saved[1] < 0 || dup2(fd, 1) < 0 ||
	    dup2(fd, 2) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Restores fds 1 and 2 and returns what was written (it also goes on to
 * the original stderr) as one line: lines joined by "; ", each without
 * the "fwproxyctl: " and "NAME: " prefixes, cut at CAPTURE_MAX. The caller
 * frees it. */
static char *capture_end(int fd, int saved[2], const char *name)
{
	char *raw = xcalloc(1, CAPTURE_MAX + 1), *out, *line, *save = NULL;
	size_t len = 0, nlen = strlen(name);
	ssize_t n = 0, r;

	fflush(stdout);
	fflush(stderr);
	if (saved[0] >= 0) {
		dup2(saved[0], 1);
		close(saved[0]);
	}
	if (saved[1] >= 0) {
		dup2(saved[1], 2);
		close(saved[1]);
	}
	if (fd >= 0) {
		while (n < CAPTURE_MAX &&
		       (r = pread(fd, raw + n, (size_t)(CAPTURE_MAX - n), n)) >
		           0)
			n += r;
		close(fd);
	}
	raw[n] = '\0';
	fputs(raw, stderr);
	out = xcalloc(1, CAPTURE_MAX + 1);
	for (line = strtok_r(raw, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "fwproxyctl: ", 12) == 0)
			line += 12;
		if (strncmp(line, name, nlen) == 0 && line[nlen] == ':' &&
		    line[nlen + 1] == ' ')
			line += nlen + 2;
		len += (size_t)snprintf(out + len, CAPTURE_MAX + 1 - len,
		                        "%s%s", len ? "; " : "", line);
		if (len >= CAPTURE_MAX)
			break;
	}
	free(raw);
	return out;
}

/* One line in RUN_DIR/hook.log, which moves to hook.log.1 past its size
 * limit. */
static void log_file(const struct ctl *c, const char *line)
{
	size_t n = strlen(c->run_dir) + sizeof(CTL_HOOK_LOG) + 4;
	char *path = xmalloc(n), *old = xmalloc(n);
	struct stat st;
	int fd;

	snprintf(path, n, "%s/%s", c->run_dir, CTL_HOOK_LOG);
	snprintf(old, n, "%s.1", path);
	if (stat(path, &st) == 0 && st.st_size > CTL_HOOK_LOG_MAX)
		rename(path, old);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
	          0644);
	if (fd >= 0) {
		if (write(fd, line, strlen(line)) < 0)
			fprintf(stderr, "fwproxyctl: %s: %s\n", path,
			        strerror(errno));
		close(fd);
	}
	free(path);
	free(old);
}

/* Logs one hook call: to syslog at err or info, and to hook.log. */
static void log_outcome(const struct ctl *c, int argc, char **argv,
                        const char *vm, int failed, const char *what)
{
	char stamp[32], *line;
	const char *ip = argc > 3 ? argv[3] : "";
	time_t now = time(NULL);
	struct tm tm;
	size_t n;

	openlog("fwproxyctl", LOG_PID, LOG_DAEMON);
	syslog(failed ? LOG_ERR : LOG_INFO, "hook %s %s %s: %s: %s%s", argv[0],
	       argv[1], ip, vm, failed ? "FAILED: " : "", what);
	closelog();
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = strlen(stamp) + strlen(argv[0]) + strlen(argv[1]) + strlen(ip) +
	    strlen(vm) + strlen(what) + 32;
	line = xmalloc(n);
	snprintf(line, n, "%s %s %s %s %s: %s%s\n", stamp, argv[0], argv[1], ip,
	         vm, failed ? "FAILED: " : "", what);
	log_file(c, line);
	free(line);
}

/* The VM the hook is called for: by the address its file is named by;
 * for the IPv6 call (Qubes' ipv6 feature) of a VM named by IPv4 address,
 * the one whose IPv4 route goes through the same vif: Qubes adds the IPv4
 * route and calls the hooks for it first, then the same for IPv6, and
 * removes them in that order too. At the IPv4 offline call of a VM named
 * by IPv6 address no route may be left to tell its address: its running
 * proxy's interface does. */
static const struct ctl_vm_rules *find_vm(const struct ctl *c, const char *ip,
                                          const char *iface)
{
	const struct ctl_vm_rules *vm;
	struct in_addr a;
	struct in6_addr a6;
	const char *via;
	size_t i;

	if (inet_pton(AF_INET6, ip, &a6) == 1) {
		for (i = 0; i < c->rd->count; i++) {
			vm = &c->rd->vms[i];
			if (vm->by_ip6 &&
			    memcmp(&vm->ip6, &a6, sizeof(a6)) == 0)
				return vm;
		}
		for (i = 0; i < c->rd->count; i++) {
			vm = &c->rd->vms[i];
			if (vm->by_ip6)
				continue;
			via = ctl_routes_iface(c->routes, vm->ip);
			if (via != NULL && strcmp(via, iface) == 0)
				return vm;
		}
		return NULL;
	}
	if (inet_pton(AF_INET, ip, &a) != 1)
		return NULL;
	for (i = 0; i < c->rd->count; i++)
		if (c->rd->vms[i].ip.s_addr == a.s_addr)
			return &c->rd->vms[i];
	for (i = 0; i < c->rd->count; i++) {
		vm = &c->rd->vms[i];
		if (vm->by_ip6 && vm->ip.s_addr == 0 &&
		    ctl_instance_bound_to(c, vm->name, iface))
			return vm;
	}
	return NULL;
}

int ctl_hook_run(struct ctl *c, int argc, char **argv,
                 int (*setup)(struct ctl *c))
{
	const struct ctl_vm_rules *vm;
	const char *why = ctl_hook_check_args(argc, argv);
	struct ctl_vm_state st;
	int fd, saved[2], rc;
	char *what;

	if (why != NULL) {
		fprintf(stderr, "fwproxyctl: hook: %s\n", why);
		if (argc >= 2)
			log_outcome(c, argc, argv, "-", 1, why);
		return -1;
	}
	if (argc < 4 || argv[3][0] == '\0')
		return 0; /* Qubes' call for a vif without addresses */
	fd = capture_begin(saved);
	rc = setup(c);
	what = capture_end(fd, saved, "-");
	if (rc != 0) {
		log_outcome(c, argc, argv, "-", 1,
		            what[0] ? what : "cannot read the rules directory");
		free(what);
		return -1;
	}
	free(what);
	vm = find_vm(c, argv[3], argv[1]);
	if (vm == NULL) {
		log_outcome(c, argc, argv, "-", 0,
		            strchr(argv[3], ':')
		                ? "no rules file names a VM routed through "
		                  "this interface"
		                : "no rules file names this address");
		return 0;
	}
	fd = capture_begin(saved);
	ctl_instance_state(c, vm, &st);
	if (st.iface != NULL)
		rc = ctl_instance_start(c, vm, 0);
	else
		rc = ctl_instance_stop(c, vm->name);
	what = capture_end(fd, saved, vm->name);
	log_outcome(c, argc, argv, vm->name, rc != 0,
	            what[0] ? what : "nothing to do");
	free(what);
	return rc;
}
