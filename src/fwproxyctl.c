/* fwproxyctl: one fwproxy per running client VM, and the firewall kept in
 * step. Stateless: every command reads the rules directory, the routing
 * table and the run directory, and moves the world to match. */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_firewall.h"
#include "ctl_instance.h"
#include "ctl_qubes.h"
#include "ctl_rulesdir.h"
#include "ctl_template.h"
#include "ctl_vms.h"
#include "util.h"

#ifndef FWPROXY_VERSION
#define FWPROXY_VERSION "0"
#endif

#define DEFAULT_CONFIG_DIR "/rw/config/fwproxy"
#define DEFAULT_RUN_DIR    "/run/fwproxy"
#define DEFAULT_RW_CONFIG  "/rw/config"
#define EXIT_USAGE         2

struct command {
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv);
	int names;    /* takes NAME... */
	int no_setup; /* needs no rules directory or firewall */
	const char *help;
};

static const char *rw_config = DEFAULT_RW_CONFIG;
static char self_path[4096];
static char global_args[8192];

static const struct ctl_vm_rules *need_vm(struct ctl *c, const char *name)
{
	const struct ctl_vm_rules *vm = ctl_rulesdir_find(c->rd, name);
	if (vm == NULL)
		fprintf(stderr, "fwproxyctl: %s: no rules file %s/%s.A.B.C.D\n",
		        name, c->config_dir, name);
	return vm;
}

/* Every NAME must exist before anything is done. */
static int check_names(struct ctl *c, int argc, char **argv)
{
	int i, bad = 0;
	if (argc == 0) {
		fprintf(stderr, "fwproxyctl: which VM? (NAME...)\n");
		return -1;
	}
	for (i = 0; i < argc; i++)
		if (need_vm(c, argv[i]) == NULL)
			bad = 1;
	return bad ? -1 : 0;
}

static int cmd_show(struct ctl *c, int argc, char **argv)
{
	struct ctl_fw_list fw;
	size_t i, j;

	(void)argc;
	(void)argv;
	if (ctl_firewall_list(&c->fw, &fw) != 0)
		memset(&fw, 0, sizeof(fw));
	printf("%-20s %-16s %-12s %-10s %-16s %s\n", "Name", "IP", "Interface",
	       "Proxy_Pid", "Proxy_Address", "Firewall_Rule");
	for (i = 0; i < c->rd->count; i++) {
		const struct ctl_vm_rules *vm = &c->rd->vms[i];
		struct ctl_vm_state st;
		char pid[16] = "--", addr[32] = "--";
		const char *rule = c->fw.kind == CTL_FW_NONE ? "--" : "no";

		ctl_instance_state(c, vm, &st);
		if (st.pid)
			snprintf(pid, sizeof(pid), "%ld", (long)st.pid);
		if (st.has_gw)
			snprintf(addr, sizeof(addr), "%s:%u", inet_ntoa(st.gw),
			         (unsigned)c->port);
		for (j = 0; j < fw.count; j++)
			if (strcmp(fw.v[j].name, vm->name) == 0)
				rule = "yes";
		printf("%-20s %-16s %-12s %-10s %-16s %s\n", vm->name,
		       vm->ip_text, st.iface ? st.iface : "--", pid, addr,
		       rule);
	}
	ctl_fw_list_free(&fw);
	return 0;
}

static int in_rules(struct ctl *c, const char *name)
{
	return ctl_rulesdir_find(c->rd, name) != NULL;
}

/* Stops instances and removes rules that have no rules file any more. */
static int remove_orphans(struct ctl *c)
{
	struct ctl_fw_list fw;
	size_t i, n;
	char **names = ctl_instance_list(c, &n);
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (!in_rules(c, names[i]) &&
		    ctl_instance_stop(c, names[i]) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	if (ctl_firewall_list(&c->fw, &fw) != 0)
		return -1;
	for (i = 0; i < fw.count; i++)
		if (!in_rules(c, fw.v[i].name) &&
		    ctl_instance_stop(c, fw.v[i].name) != 0)
			rc = -1;
	ctl_fw_list_free(&fw);
	return rc;
}

static int cmd_update(struct ctl *c, int argc, char **argv)
{
	size_t i;
	int rc = 0;

	(void)argc;
	(void)argv;
	for (i = 0; i < c->rd->count; i++) {
		const struct ctl_vm_rules *vm = &c->rd->vms[i];
		struct ctl_vm_state st;

		ctl_instance_state(c, vm, &st);
		if (st.iface != NULL) {
			if (ctl_instance_start(c, vm, 0) != 0)
				rc = -1;
		} else if (ctl_instance_stop(c, vm->name) != 0) {
			rc = -1;
		}
	}
	if (remove_orphans(c) != 0)
		rc = -1;
	if (c->changes == 0 && rc == 0)
		printf("nothing to do: every proxy and rule is up to date\n");
	return rc;
}

static int each_name(struct ctl *c, int argc, char **argv, int force)
{
	int i, rc = 0;

	if (check_names(c, argc, argv) != 0)
		return EXIT_USAGE;
	for (i = 0; i < argc; i++) {
		const struct ctl_vm_rules *vm = need_vm(c, argv[i]);
		if (ctl_instance_start(c, vm, force) != 0)
			rc = -1;
	}
	return rc;
}

static int cmd_start(struct ctl *c, int argc, char **argv)
{
	return each_name(c, argc, argv, 0);
}

static int cmd_restart(struct ctl *c, int argc, char **argv)
{
	return each_name(c, argc, argv, 1);
}

static int cmd_stop(struct ctl *c, int argc, char **argv)
{
	int i, rc = 0;

	if (check_names(c, argc, argv) != 0)
		return EXIT_USAGE;
	for (i = 0; i < argc; i++)
		if (ctl_instance_stop(c, argv[i]) != 0)
			rc = -1;
	return rc;
}

static int cmd_reload(struct ctl *c, int argc, char **argv)
{
	int i, rc = 0;

	if (check_names(c, argc, argv) != 0)
		return EXIT_USAGE;
	for (i = 0; i < argc; i++)
		if (ctl_instance_reload(c, need_vm(c, argv[i])) != 0)
			rc = -1;
	return rc;
}

/* Only instances with a run directory of ours, checked process by
 * process: never killall, which would hit other programs too. */
static int cmd_kill_all(struct ctl *c, int argc, char **argv)
{
	struct ctl_fw_list fw;
	size_t i, n;
	char **names = ctl_instance_list(c, &n);
	int rc = 0;

	(void)argc;
	(void)argv;
	for (i = 0; i < n; i++) {
		if (ctl_instance_stop(c, names[i]) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	if (ctl_firewall_list(&c->fw, &fw) != 0)
		return -1;
	for (i = 0; i < fw.count; i++)
		if (ctl_instance_stop(c, fw.v[i].name) != 0)
			rc = -1;
	ctl_fw_list_free(&fw);
	if (c->changes == 0)
		printf("nothing to do: no proxy running\n");
	return rc;
}

static int cmd_kill_all_and_restart(struct ctl *c, int argc, char **argv)
{
	int rc = cmd_kill_all(c, argc, argv);
	if (cmd_update(c, argc, argv) != 0)
		rc = -1;
	return rc;
}

static int cmd_install_qubes(struct ctl *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_qubes_install(rw_config, self_path, global_args, c->dry_run);
}

static const struct command commands[] = {
    {"show", cmd_show, 0, 0, "list VMs, interfaces, proxies and rules"},
    {"update", cmd_update, 0, 0, "start what should run, stop what should not"},
    {"start", cmd_start, 1, 0, "start the proxies of NAME..."},
    {"stop", cmd_stop, 1, 0, "stop the proxies of NAME..."},
    {"restart", cmd_restart, 1, 0,
     "restart NAME... with the current rules and template"},
    {"reload", cmd_reload, 1, 0,
     "new rules for NAME... without dropping connections"},
    {"kill-all", cmd_kill_all, 0, 0, "stop every proxy this tool started"},
    {"kill-all-and-restart", cmd_kill_all_and_restart, 0, 0,
     "kill-all, then update"},
    {"install-qubes", cmd_install_qubes, 0, 1,
     "set up the Qubes network hook and start-up call"},
};

static void usage(FILE *f)
{
	size_t i;
	fprintf(f,
	        "usage: fwproxyctl [options] command [NAME...]\n"
	        "options:\n"
	        "  --config-dir DIR  rules directory (%s, env "
	        "FWPROXY_CONFIG_DIR)\n"
	        "  --run-dir DIR     run directory (%s)\n"
	        "  --port N          proxy port on each gateway address (%d)\n"
	        "  --firewall KIND   auto, nft, iptables or none (auto)\n"
	        "  --fwproxy PATH    the daemon (fwproxy next to fwproxyctl)\n"
	        "  --rw-config DIR   install-qubes target (%s)\n"
	        "  --dry-run         print what would be done, do nothing\n"
	        "  -h, --help        this text\n"
	        "  -v, --version     the version\n"
	        "commands:\n",
	        DEFAULT_CONFIG_DIR, DEFAULT_RUN_DIR, CTL_DEFAULT_PORT,
	        DEFAULT_RW_CONFIG);
	for (i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "  %-22s %s\n", commands[i].name, commands[i].help);
}

static void add_global(const char *opt, const char *value)
{
	size_t n = strlen(global_args);
	snprintf(global_args + n, sizeof(global_args) - n, "%s%s '%s'",
	         n ? " " : "", opt, value);
}

static char *absolute(const char *path)
{
	char *abs = realpath(path, NULL);
	return abs ? abs : xstrdup(path);
}

static int load_template(struct ctl *c)
{
	if (c->rd->template_path != NULL) {
		FILE *f = fopen(c->rd->template_path, "r");
		size_t len = 0, cap = 4096, r;
		if (f == NULL) {
			fprintf(stderr, "fwproxyctl: %s: %s\n",
			        c->rd->template_path, strerror(errno));
			return -1;
		}
		c->template_text = xmalloc(cap);
		while ((r = fread(c->template_text + len, 1, cap - len - 1,
		                  f)) > 0) {
			len += r;
			if (len + 1 == cap)
				c->template_text =
				    xrealloc(c->template_text, cap *= 2);
		}
		fclose(f);
		c->template_text[len] = '\0';
		return 0;
	}
	c->template_text = ctl_template_builtin(NULL, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	const char *config_dir = getenv("FWPROXY_CONFIG_DIR");
	const char *run_dir = DEFAULT_RUN_DIR, *fw_kind = "auto";
	const char *fwproxy = NULL, *err;
	const struct command *cmd = NULL;
	char *abs_config = NULL, *abs_run = NULL, *bin = NULL;
	struct ctl c;
	ssize_t n;
	size_t i;
	int rc, a;

	memset(&c, 0, sizeof(c));
	c.port = CTL_DEFAULT_PORT;
	if (config_dir == NULL || *config_dir == '\0')
		config_dir = DEFAULT_CONFIG_DIR;
	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;
		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(o, "-v") == 0 || strcmp(o, "--version") == 0) {
			printf("fwproxyctl %s\n", FWPROXY_VERSION);
			return 0;
		}
		if (strcmp(o, "--dry-run") == 0 || strcmp(o, "-n") == 0) {
			c.dry_run = 1;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr,
			        "fwproxyctl: %s: unknown option or "
			        "missing value\n",
			        o);
			return EXIT_USAGE;
		}
		if (strcmp(o, "--config-dir") == 0) {
			config_dir = v;
		} else if (strcmp(o, "--run-dir") == 0) {
			run_dir = v;
		} else if (strcmp(o, "--firewall") == 0) {
			fw_kind = v;
		} else if (strcmp(o, "--fwproxy") == 0) {
			fwproxy = v;
		} else if (strcmp(o, "--rw-config") == 0) {
			rw_config = v;
		} else if (strcmp(o, "--port") == 0) {
			long long port;
			if ((err = parse_number(v, 1, 65535, &port)) != NULL) {
				fprintf(stderr, "fwproxyctl: --port %s %s\n", v,
				        err);
				return EXIT_USAGE;
			}
			c.port = (uint16_t)port;
		} else {
			fprintf(stderr, "fwproxyctl: %s: unknown option\n", o);
			return EXIT_USAGE;
		}
		a++;
	}
	if (a == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(argv[a], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		fprintf(stderr, "fwproxyctl: %s: unknown command\n", argv[a]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!cmd->names && a + 1 < argc) {
		fprintf(stderr, "fwproxyctl: %s takes no arguments\n",
		        cmd->name);
		return EXIT_USAGE;
	}
	n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	self_path[n > 0 ? n : 0] = '\0';
	if (fwproxy != NULL) {
		bin = absolute(fwproxy);
	} else {
		char dir[sizeof(self_path)];
		const char *d;
		size_t len;
		str_copy(dir, self_path, sizeof(dir));
		d = dirname(dir);
		len = strlen(d) + 16;
		bin = xmalloc(len);
		snprintf(bin, len, "%s/fwproxy", d);
	}
	abs_config = absolute(config_dir);
	abs_run = absolute(run_dir);
	c.config_dir = abs_config;
	c.run_dir = abs_run;
	c.fwproxy_bin = bin;
	add_global("--config-dir", abs_config);
	add_global("--run-dir", abs_run);
	add_global("--firewall", fw_kind);
	if (fwproxy != NULL)
		add_global("--fwproxy", bin);
	if (c.port != CTL_DEFAULT_PORT) {
		char port[8];
		snprintf(port, sizeof(port), "%u", (unsigned)c.port);
		add_global("--port", port);
	}
	rc = EXIT_USAGE;
	if (!cmd->no_setup) {
		if ((err = ctl_firewall_init(&c.fw, fw_kind, c.dry_run))) {
			fprintf(stderr, "fwproxyctl: firewall: %s\n", err);
			goto done;
		}
		c.rd = ctl_rulesdir_scan(abs_config, stderr);
		if (c.rd == NULL)
			goto done;
		c.routes = ctl_routes_load();
		if (c.routes == NULL) {
			fprintf(stderr, "fwproxyctl: /proc/net/route: %s\n",
			        strerror(errno));
			goto done;
		}
		if (load_template(&c) != 0)
			goto done;
	}
	rc = cmd->run(&c, argc - a - 1, argv + a + 1);
	if (rc < 0)
		rc = 1;
done:
	ctl_rulesdir_free(c.rd);
	ctl_routes_free(c.routes);
	free(c.template_text);
	free(abs_config);
	free(abs_run);
	free(bin);
	return rc;
}
