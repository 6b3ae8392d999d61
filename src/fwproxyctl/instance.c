#include "instance.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "file.h"
#include "proc.h"
#include "rules_source.h"
#include "stop_grace.h"
#include "template.h"
#include "transparent.h"
#include "util.h"

#define FILE_MAX        (16 << 20)
#define START_CHECK_MS  300
#define STOP_TIMEOUT_MS ((STOP_GRACE_SECONDS + STOP_MARGIN_SECONDS) * 1000)
#define BOUND_TEXT_MAX  (IF_NAMESIZE + INET_ADDRSTRLEN + INET6_ADDRSTRLEN + 4)

void ctl_addr6_port(const struct in6_addr *a, uint16_t port,
                    char out[CTL_ADDR6_PORT_MAX])
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, text, sizeof(text));
	snprintf(out, CTL_ADDR6_PORT_MAX, "[%s]:%u", text, (unsigned)port);
}

char *ctl_instance_path(const struct ctl *c, const char *name, const char *file)
{
	size_t n =
	    strlen(c->run_dir) + strlen(name) + 3 + (file ? strlen(file) : 0);
	char *p = xmalloc(n);

	if (file)
		snprintf(p, n, "%s/%s/%s", c->run_dir, name, file);
	else
		snprintf(p, n, "%s/%s", c->run_dir, name);
	return p;
}

/* The whole file, or NULL. */
static char *slurp(const char *path)
{
	char why[128];
	size_t len;

	return file_read(path, FILE_MAX, &len, why, sizeof(why));
}

/* Writes text to path through a temporary file and rename, so that the
 * proxy never reads half a file. */
static int write_file(const char *path, const char *text, mode_t mode)
{
	size_t n = strlen(path) + 8, len = strlen(text);
	char *tmp = xmalloc(n);
	int fd, rc = -1;

	snprintf(tmp, n, "%s.new", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		goto done;
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) != 0 ||
	    close(fd) != 0) {
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		goto done;
	}
	rc = 0;
done:
	if (rc != 0)
		fprintf(stderr, "fwproxyctl: %s: %s\n", path, strerror(errno));
	free(tmp);
	return rc;
}

void ctl_instance_state(const struct ctl *c, const struct ctl_vm_rules *vm,
                        struct ctl_vm_state *st)
{
	memset(st, 0, sizeof(*st));
	/* A VM named by IPv6 address and not found is not running. */
	if (!vm->by_ip6 || vm->ip.s_addr != 0)
		st->iface = ctl_routes_iface(c->routes, vm->ip);
	if (st->iface != NULL) {
		st->has_gw =
		    ctl_gateway_addr(c->routes, st->iface, &st->gw) == 0;
		st->has_ip6 =
		    ctl_routes_ip6(c->routes, st->iface, &st->ip6) == 0;
		st->has_gw6 =
		    st->has_ip6 &&
		    ctl_gateway_addr6(c->routes, st->iface, &st->gw6) == 0;
	}
	st->pid = ctl_instance_pid(c, vm->name);
}

pid_t ctl_instance_pid(const struct ctl *c, const char *name)
{
	char *pidfile = ctl_instance_path(c, name, "pid");
	char *config = ctl_instance_path(c, name, "config");
	pid_t pid = ctl_proc_read_pid(pidfile);

	/* A stopped proxy (SIGSTOP) serves no one: update replaces it. */
	if (pid != 0 &&
	    (!ctl_proc_is_ours(pid, config) || ctl_proc_stopped(pid, config)))
		pid = 0;
	free(pidfile);
	free(config);
	return pid;
}

/* config (owned, returned) with the formatted text appended. */
static char *append_text(char *config, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *append_text(char *config, const char *fmt, ...)
{
	size_t n = strlen(config), size;
	va_list ap;
	char *out;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	size = n + (size_t)(len > 0 ? len : 0) + 1;
	out = xmalloc(size);
	memcpy(out, config, n);
	va_start(ap, fmt);
	vsnprintf(out + n, size - n, fmt, ap);
	va_end(ap);
	free(config);
	return out;
}

/* The proxy reads a copy of the rules in the run directory; its pages,
 * log lines and errors should name the file the user edits. Appends
 * FilterSource to the rendered config, unless there is no source (a
 * stand-in VM) or the path cannot be quoted (then the copy is named).
 * Takes ownership of config. */
static char *name_rules_source(char *config, const char *source)
{
	static const char LINE[] = "\n# The rules file the copy above was made "
	                           "from, named on refusal pages.\n"
	                           "FilterSource \"%s\"\n";
	const char *p;

	if (source == NULL || *source == '\0')
		return config;
	for (p = source; *p != '\0'; p++)
		if (*p == '"' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return config;
	return append_text(config, LINE, source);
}

/* A config that admits clients by Allow (as tinyproxy's classic template
 * does with "Allow {vm_ip}") admits the VM's IPv6 address too while the
 * proxy serves it on the IPv6 gateway: the socket is bound to the VM's
 * vif, whose anti-spoofing admits only the VM's own addresses. Takes
 * ownership of config. */
static char *allow_ip6(char *config, const struct ctl_vm_state *st)
{
	static const char LINE[] = "\n# The VM's IPv6 address (Qubes' ipv6 "
	                           "feature), served on the IPv6 gateway.\n"
	                           "Allow %s\n";
	char ip6[INET6_ADDRSTRLEN], value[256];

	if (!st->has_gw6 ||
	    ctl_template_directive(config, "Allow", value, sizeof(value)) != 0)
		return config;
	inet_ntop(AF_INET6, &st->ip6, ip6, sizeof(ip6));
	return append_text(config, LINE, ip6);
}

/* Adds the rules file's transparent setting, if any. */
static char *transparent_setting(char *config, const char *rules_path,
                                 char *err, size_t errlen)
{
	char *rules = slurp(rules_path), msg[256];

	if (rules == NULL)
		return config;
	config = ctl_transparent_render(config, rules, msg, sizeof(msg));
	if (config == NULL)
		snprintf(err, errlen, "%s:%s", rules_path, msg);
	free(rules);
	return config;
}

char *ctl_instance_render(const struct ctl *c, const struct ctl_vm_rules *vm,
                          const struct ctl_vm_state *st, char *err,
                          size_t errlen)
{
	struct ctl_template_vars v;
	char port[8], gw[INET_ADDRSTRLEN] = "0.0.0.0", *out;
	char *log = ctl_instance_path(c, vm->name, "log");
	char *pid = ctl_instance_path(c, vm->name, "pid");
	char *rules = ctl_instance_path(c, vm->name, "rules");
	char *dir = ctl_instance_path(c, vm->name, NULL);

	snprintf(port, sizeof(port), "%u", (unsigned)c->port);
	if (st->has_gw)
		inet_ntop(AF_INET, &st->gw, gw, sizeof(gw));
	v.port = port;
	v.vm_ip = vm->ip_text;
	v.bind_ip = gw;
	v.log_file = log;
	v.pid_file = pid;
	v.rules_file = rules;
	v.name = vm->name;
	v.iface = st->iface != NULL ? st->iface : "";
	v.run_dir = dir;
	out = ctl_template_render(c->template_text, &v, err, errlen);
	/* Rules made from Qubes' are named by the copy, whose comments say
	 * where each line came from. */
	if (out != NULL && ctl_rules_from(vm) != CTL_RULES_FILE)
		out = name_rules_source(ctl_rules_config(c, vm, out), rules);
	else if (out != NULL)
		out = name_rules_source(out, vm->path);
	if (out != NULL)
		out = allow_ip6(out, st);
	if (out != NULL)
		out = transparent_setting(out, vm->path, err, errlen);
	if (out != NULL)
		out = ctl_template_cap_log(out);
	free(log);
	free(pid);
	free(rules);
	free(dir);
	return out;
}

/* The rendered config for vm in state st, or NULL (message printed). */
static char *render(const struct ctl *c, const struct ctl_vm_rules *vm,
                    const struct ctl_vm_state *st)
{
	char err[256], *out = ctl_instance_render(c, vm, st, err, sizeof(err));

	if (out == NULL && ctl_instance_render_error_in_rules(vm, err))
		fprintf(stderr, "fwproxyctl: %s\n", err);
	else if (out == NULL)
		fprintf(stderr, "fwproxyctl: template %s: %s\n",
		        c->rd->template_path ? c->rd->template_path
		                             : "(built-in)",
		        err);
	return out;
}

int ctl_instance_render_error_in_rules(const struct ctl_vm_rules *vm,
                                       const char *err)
{
	size_t n = strlen(vm->path);

	return strncmp(err, vm->path, n) == 0 && err[n] == ':';
}

/* Both families' rules for vm: the IPv4 one, and the IPv6 one while the
 * proxy serves the VM's IPv6 address too. */
static int firewall(struct ctl *c, const struct ctl_vm_rules *vm,
                    const struct ctl_vm_state *st, int on)
{
	struct ctl_fw_rule r, r6;
	int changed = 0, changed6 = 0, rc, on6 = on && st->has_gw6;

	memset(&r, 0, sizeof(r));
	r.name = vm->name;
	r.iface = st->iface;
	r.family = 4;
	r.vm = vm->ip;
	r.gw = st->gw;
	r.port = c->port;
	r6 = r;
	r6.family = 6;
	r6.vm6 = st->ip6;
	r6.gw6 = st->gw6;
	rc = ctl_firewall_set(&c->fw, vm->name, on ? &r : NULL, &changed);
	if (changed) {
		c->changes++;
		printf("%s: firewall rule %s\n", vm->name,
		       on ? "added" : "removed");
	}
	if (ctl_firewall_set(&c->fw6, vm->name, on6 ? &r6 : NULL, &changed6) !=
	    0)
		rc = -1;
	if (changed6) {
		c->changes++;
		printf("%s: IPv6 firewall rule %s\n", vm->name,
		       on6 ? "added" : "removed");
	}
	if (ctl_transparent_sync(c, vm, st, on) != 0)
		rc = -1;
	return rc;
}

/* Removes name's rules of both families; 0 or -1. */
static int firewall_remove(struct ctl *c, const char *name, int *changed)
{
	int rc = ctl_firewall_set(&c->fw, name, NULL, changed);

	if (ctl_firewall_set(&c->fw6, name, NULL, changed) != 0)
		rc = -1;
	return rc;
}

/* The log file belongs to the template's User so that the proxy can write
 * it after dropping root; everything else in the run directory is root's. */
static void own_log(const char *config, const char *log)
{
	char user[128], group[128];
	struct passwd *pw;
	struct group *gr;
	gid_t gid;
	int fd;

	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
	          0640);
	if (fd < 0)
		return;
	if (ctl_template_directive(config, "User", user, sizeof(user)) == 0 &&
	    (pw = getpwnam(user)) != NULL) {
		gid = pw->pw_gid;
		if (ctl_template_directive(config, "Group", group,
		                           sizeof(group)) == 0 &&
		    (gr = getgrnam(group)) != NULL)
			gid = gr->gr_gid;
		if (fchown(fd, pw->pw_uid, gid) != 0)
			fprintf(stderr, "fwproxyctl: chown %s: %s\n", log,
			        strerror(errno));
	}
	close(fd);
}

static int check_config(const struct ctl *c, const char *config)
{
	char *const argv[] = {(char *)c->fwproxy_bin, "-t", "-c",
	                      (char *)config, NULL};
	return ctl_exec(argv, NULL, NULL, 0) == 0 ? 0 : -1;
}

/* Writes rules copy and config; on failure of the check the previous
 * files come back. */
static int install_files(const struct ctl *c, const struct ctl_vm_rules *vm,
                         const char *config_text, const char *rules_text)
{
	char *config = ctl_instance_path(c, vm->name, "config");
	char *rules = ctl_instance_path(c, vm->name, "rules");
	char *old_config = slurp(config), *old_rules = slurp(rules);
	int rc = -1;

	if (write_file(rules, rules_text, 0644) != 0 ||
	    write_file(config, config_text, 0644) != 0)
		goto done;
	if (check_config(c, config) != 0) {
		fprintf(stderr, "fwproxyctl: %s: rejected by %s -t\n", vm->name,
		        c->fwproxy_bin);
		if (old_rules)
			write_file(rules, old_rules, 0644);
		if (old_config)
			write_file(config, old_config, 0644);
		goto done;
	}
	rc = 0;
done:
	free(config);
	free(rules);
	free(old_config);
	free(old_rules);
	return rc;
}

/* What the running proxy's sockets are bound to, as the "bound" file in
 * its run directory holds it: "IFACE GATEWAY", and " GATEWAY6" while it
 * serves the VM's IPv6 address too. */
static void bound_text(const struct ctl_vm_state *st, char *out, size_t len)
{
	char gw[INET_ADDRSTRLEN] = "0.0.0.0", gw6[INET6_ADDRSTRLEN] = "";

	inet_ntop(AF_INET, &st->gw, gw, sizeof(gw));
	if (st->has_gw6)
		inet_ntop(AF_INET6, &st->gw6, gw6, sizeof(gw6));
	snprintf(out, len, "%s %s%s%s\n", st->iface ? st->iface : "", gw,
	         st->has_gw6 ? " " : "", gw6);
}

/* The proxy's listening sockets into fds: the IPv4 gateway's, and the
 * IPv6 gateway's when the VM has IPv6. Returns their count, or -1
 * (reported, none left open). The IPv6 socket failing costs the VM its
 * IPv6 service only: st->has_gw6 is cleared, and the next update or hook
 * call, finding the bound addresses short of GATEWAY6, tries again. */
static int listen_all(const struct ctl *c, const struct ctl_vm_rules *vm,
                      struct ctl_vm_state *st, int fds[2])
{
	char gw6[CTL_ADDR6_PORT_MAX];

	fds[0] = ctl_proc_listen(st->iface, st->gw, c->port);
	if (fds[0] < 0) {
		fprintf(stderr, "fwproxyctl: %s: listen on %s:%u (%s): %s\n",
		        vm->name, inet_ntoa(st->gw), (unsigned)c->port,
		        st->iface, strerror(errno));
		return -1;
	}
	if (!st->has_gw6)
		return 1;
	fds[1] = ctl_proc_listen6(st->iface, &st->gw6, c->port);
	if (fds[1] < 0) {
		int err = errno;

		ctl_addr6_port(&st->gw6, c->port, gw6);
		fprintf(stderr,
		        "fwproxyctl: %s: listen on %s (%s): %s; serving IPv4 "
		        "only\n",
		        vm->name, gw6, st->iface, strerror(err));
		st->has_gw6 = 0;
		return 1;
	}
	return 2;
}

static int spawn(struct ctl *c, const struct ctl_vm_rules *vm,
                 const struct ctl_vm_state *st_now, const char *config_text,
                 const char *rules_text)
{
	struct ctl_vm_state served = *st_now, *st = &served;
	char *dir = ctl_instance_path(c, vm->name, NULL);
	char *config = ctl_instance_path(c, vm->name, "config");
	char *pidfile = ctl_instance_path(c, vm->name, "pid");
	char *log = ctl_instance_path(c, vm->name, "log");
	char *bound = ctl_instance_path(c, vm->name, "bound");
	char scope[CTL_NAME_MAX + 16], where[BOUND_TEXT_MAX];
	pid_t pid = 0, stale = ctl_proc_read_pid(pidfile);
	int fds[2], n_fds, rc = -1, orphans;

	if (c->dry_run) {
		printf("%s: would start %s -d -c %s on %s:%u via %s\n",
		       vm->name, c->fwproxy_bin, config, inet_ntoa(st->gw),
		       (unsigned)c->port, st->iface);
		c->changes++;
		rc = firewall(c, vm, st, 1);
		goto done;
	}
	if (stale != 0) {
		/* A worker may outlive a killed parent and still hold the
		 * socket. */
		ctl_proc_kill_leftovers(stale, config);
		unlink(pidfile);
	}
	if (mkdir(c->run_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "fwproxyctl: %s: %s\n", c->run_dir,
		        strerror(errno));
		goto done;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "fwproxyctl: %s: %s\n", dir, strerror(errno));
		goto done;
	}
	if (chmod(dir, 0755) != 0)
		goto done;
	own_log(config_text, log);
	if (install_files(c, vm, config_text, rules_text) != 0)
		goto done;
	orphans = ctl_proc_kill_all_of(config);
	if (orphans > 0)
		printf("%s: killed %d proxy process(es) without a pid file\n",
		       vm->name, orphans);
	n_fds = listen_all(c, vm, st, fds);
	if (n_fds < 0)
		goto done;
	snprintf(scope, sizeof(scope), "fwproxy-%s", vm->name);
	pid = ctl_proc_spawn(c->fwproxy_bin, config, fds, n_fds, log, scope);
	close(fds[0]);
	if (n_fds > 1)
		close(fds[1]);
	if (pid < 0) {
		fprintf(stderr, "fwproxyctl: fork: %s\n", strerror(errno));
		goto done;
	}
	/* The socket listens already: with the pid file and the rule in
	 * place the VM's first connection waits in its backlog instead of
	 * for the start-up check below. */
	bound_text(st, where, sizeof(where));
	if (ctl_proc_write_pid(pidfile, pid) != 0 ||
	    write_file(bound, where, 0644) != 0) {
		fprintf(stderr, "fwproxyctl: %s: %s\n", pidfile,
		        strerror(errno));
		goto done;
	}
	if (firewall(c, vm, st, 1) != 0)
		goto done;
	if (!ctl_proc_wait_started(pid, START_CHECK_MS)) {
		fprintf(stderr,
		        "fwproxyctl: %s: fwproxy exited at once, see %s\n",
		        vm->name, log);
		pid = 0;
		goto done;
	}
	c->changes++;
	{
		char gw6[CTL_ADDR6_PORT_MAX] = "";

		if (st->has_gw6)
			ctl_addr6_port(&st->gw6, c->port, gw6);
		printf("%s: started (pid %ld) on %s:%u%s%s via %s\n", vm->name,
		       (long)pid, inet_ntoa(st->gw), (unsigned)c->port,
		       st->has_gw6 ? " and " : "", gw6, st->iface);
	}
	rc = 0;
done:
	if (rc != 0 && !c->dry_run) {
		int changed = 0;
		if (pid > 0)
			ctl_proc_stop(pid, config, STOP_TIMEOUT_MS);
		unlink(pidfile);
		unlink(bound);
		firewall_remove(c, vm->name, &changed);
		ctl_transparent_remove(c, vm->name);
	}
	free(dir);
	free(config);
	free(pidfile);
	free(log);
	free(bound);
	return rc;
}

static int stop_process(struct ctl *c, const char *name)
{
	char *pidfile = ctl_instance_path(c, name, "pid");
	char *config = ctl_instance_path(c, name, "config");
	char *bound = ctl_instance_path(c, name, "bound");
	pid_t pid = ctl_proc_read_pid(pidfile);
	int rc = 0;

	if (pid != 0 && ctl_proc_is_ours(pid, config)) {
		c->changes++;
		if (c->dry_run) {
			printf("%s: would stop pid %ld\n", name, (long)pid);
			goto done;
		}
		rc = ctl_proc_stop(pid, config, STOP_TIMEOUT_MS);
		printf("%s: stopped (pid %ld)%s\n", name, (long)pid,
		       rc ? " FAILED" : "");
	} else if (pid != 0 && !c->dry_run) {
		ctl_proc_kill_leftovers(pid, config);
	}
	if (!c->dry_run && rc == 0) {
		unlink(pidfile);
		unlink(bound);
		unlink(config);
	}
done:
	free(pidfile);
	free(config);
	free(bound);
	return rc;
}

int ctl_instance_stop(struct ctl *c, const char *name)
{
	int changed = 0, rc;

	rc = stop_process(c, name);
	if (firewall_remove(c, name, &changed) != 0 ||
	    ctl_transparent_remove(c, name) != 0)
		rc = -1;
	if (changed) {
		c->changes++;
		printf("%s: firewall rule removed\n", name);
	}
	return rc;
}

/* The rules vm's proxy reads (rules_source.h), or NULL (reported). */
static char *vm_rules(const struct ctl *c, const struct ctl_vm_rules *vm)
{
	char *text = ctl_rulesdir_read(vm->path, FILE_MAX, stderr);

	return text != NULL ? ctl_rules_expand(c, vm, text) : NULL;
}

int ctl_instance_reload(struct ctl *c, const struct ctl_vm_rules *vm)
{
	struct ctl_vm_state st;
	char *text = NULL, *rules = NULL;
	int rc = -1;

	ctl_instance_state(c, vm, &st);
	if (st.pid == 0 || st.iface == NULL || !st.has_gw) {
		fprintf(stderr, "fwproxyctl: %s: not running\n", vm->name);
		return -1;
	}
	text = render(c, vm, &st);
	rules = vm_rules(c, vm);
	if (text == NULL || rules == NULL)
		goto done;
	c->changes++;
	if (c->dry_run) {
		printf("%s: would reload pid %ld (SIGHUP)\n", vm->name,
		       (long)st.pid);
		rc = 0;
		goto done;
	}
	if (install_files(c, vm, text, rules) != 0)
		goto done;
	if (kill(st.pid, SIGHUP) != 0) {
		fprintf(stderr, "fwproxyctl: %s: kill: %s\n", vm->name,
		        strerror(errno));
		goto done;
	}
	printf("%s: reloaded (pid %ld)\n", vm->name, (long)st.pid);
	rc = 0;
done:
	free(text);
	free(rules);
	return rc;
}

int ctl_instance_bound_to(const struct ctl *c, const char *name,
                          const char *iface)
{
	char *path = ctl_instance_path(c, name, "bound");
	char *text = slurp(path);
	size_t n = strlen(iface);
	int bound = text != NULL && strncmp(text, iface, n) == 0 &&
	            text[n] == ' ' && ctl_instance_pid(c, name) != 0;

	free(path);
	free(text);
	return bound;
}

static int same_file(const struct ctl *c, const char *name, const char *file,
                     const char *text)
{
	char *path = ctl_instance_path(c, name, file);
	char *old = slurp(path);
	int same = old != NULL && strcmp(old, text) == 0;

	free(path);
	free(old);
	return same;
}

int ctl_instance_start(struct ctl *c, const struct ctl_vm_rules *vm, int force)
{
	struct ctl_vm_state st;
	char *text = NULL, *rules = NULL;
	char where[BOUND_TEXT_MAX];
	int rc = -1;

	ctl_instance_state(c, vm, &st);
	if (st.iface == NULL) {
		fprintf(stderr,
		        "fwproxyctl: %s: VM not running (no route to %s)\n",
		        vm->name, vm->ip_text);
		return -1;
	}
	if (!st.has_gw) {
		fprintf(stderr,
		        "fwproxyctl: %s: no gateway address: neither %s nor "
		        "the uplink has an IPv4 address\n",
		        vm->name, st.iface);
		return -1;
	}
	text = render(c, vm, &st);
	if (text == NULL)
		goto done;
	rules = vm_rules(c, vm);
	if (rules == NULL)
		goto done;
	bound_text(&st, where, sizeof(where));
	if (st.pid != 0 && !force && !same_file(c, vm->name, "bound", where)) {
		/* A restarted VM: same address, new vif (new domain id). The
		 * socket is bound to the old device, so only a new one
		 * serves it. */
		printf("%s: interface changed, moving to %s", vm->name, where);
		force = 1;
	}
	if (st.pid != 0 && !force && same_file(c, vm->name, "config", text)) {
		if (same_file(c, vm->name, "rules", rules)) {
			printf("%s: running (pid %ld), unchanged\n", vm->name,
			       (long)st.pid);
			rc = firewall(c, vm, &st, 1);
		} else {
			rc = ctl_instance_reload(c, vm);
			if (rc == 0)
				rc = firewall(c, vm, &st, 1);
		}
		goto done;
	}
	if (st.pid != 0 && stop_process(c, vm->name) != 0)
		goto done;
	rc = spawn(c, vm, &st, text, rules);
done:
	free(text);
	free(rules);
	return rc;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **ctl_instance_list(const struct ctl *c, size_t *count)
{
	DIR *d = opendir(c->run_dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	*count = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		char *path;
		struct stat st;

		if (!ctl_rulesdir_valid_name(de->d_name))
			continue;
		path = ctl_instance_path(c, de->d_name, NULL);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
		free(path);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_str);
	*count = n;
	return names;
}
