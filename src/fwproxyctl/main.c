/* fwproxyctl: one fwproxy per running client VM, and the firewall kept in
 * step. Stateless: every command reads the rules directory, the routing
 * table and the run directory, and moves the world to match. */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "denied.h"
#include "exec.h"
#include "firewall.h"
#include "hook.h"
#include "instance.h"
#include "lock.h"
#include "qubes.h"
#include "qubes_watch.h"
#include "rulesdir.h"
#include "rules_source.h"
#include "template.h"
#include "test.h"
#include "vms.h"
#include "util.h"

#ifndef FWPROXY_VERSION
#define FWPROXY_VERSION "0"
#endif

#define DEFAULT_CONFIG_DIR "/rw/config/fwproxy"
#define DEFAULT_RUN_DIR    "/run/fwproxy"
#define DEFAULT_RW_CONFIG  "/rw/config"
#define EXIT_USAGE         2
#define TEMPLATE_MAX       (16 << 20)

/* What main prepares before a command runs. */
enum setup {
	SETUP_ALL,   /* rules directory, template, routes, firewall */
	SETUP_NONE,  /* nothing */
	SETUP_RULES, /* all but the firewall */
	SETUP_SELF,  /* the command prepares what it needs */
};

struct command {
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv);
	int names; /* takes arguments */
	enum setup setup;
	const char *help;
};

static const char *rw_config = DEFAULT_RW_CONFIG;
static char self_path[4096];
static char global_args[8192];
/* fwproxyctl and its global options, for running itself again. */
static char *self_argv[32] = {self_path};
static int n_self_argv = 1;

static int load_template(struct ctl *c);
static int setup_all(struct ctl *c);
static int setup_vms(struct ctl *c);

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

/* The size of NAME/log as "512", "12K" or "1.5M"; "--" when none. */
static void log_size(const struct ctl *c, const char *name, char *out,
                     size_t size)
{
	char *path = ctl_instance_path(c, name, "log");
	struct stat st;

	if (stat(path, &st) != 0)
		str_copy(out, "--", size);
	else if (st.st_size < 1024)
		snprintf(out, size, "%lld", (long long)st.st_size);
	else if (st.st_size < 1024 * 1024)
		snprintf(out, size, "%lldK", (long long)st.st_size / 1024);
	else
		snprintf(out, size, "%.1fM", (double)st.st_size / 1048576.0);
	free(path);
}

static int cmd_show(struct ctl *c, int argc, char **argv)
{
	struct ctl_fw_list fw;
	size_t i, j;

	(void)argc;
	(void)argv;
	if (ctl_firewall_list(&c->fw, &fw) != 0)
		memset(&fw, 0, sizeof(fw));
	printf("%-20s %-16s %-12s %-10s %-16s %-13s %-10s %-8s %-24s %s\n",
	       "Name", "IP", "Interface", "Proxy_Pid", "Proxy_Address",
	       "Firewall_Rule", "Rules_From", "Log_Size", "IPv6",
	       "Proxy_Address6");
	for (i = 0; i < c->rd->count; i++) {
		const struct ctl_vm_rules *vm = &c->rd->vms[i];
		struct ctl_vm_state st;
		char pid[16] = "--", addr[32] = "--", size[32];
		char ip6[INET6_ADDRSTRLEN] = "--",
		     addr6[CTL_ADDR6_PORT_MAX] = "--";
		const char *rule = c->fw.kind == CTL_FW_NONE ? "--" : "no";

		ctl_instance_state(c, vm, &st);
		if (st.pid)
			snprintf(pid, sizeof(pid), "%ld", (long)st.pid);
		if (st.has_gw)
			snprintf(addr, sizeof(addr), "%s:%u", inet_ntoa(st.gw),
			         (unsigned)c->port);
		if (st.has_ip6)
			inet_ntop(AF_INET6, &st.ip6, ip6, sizeof(ip6));
		else if (vm->by_ip6)
			inet_ntop(AF_INET6, &vm->ip6, ip6, sizeof(ip6));
		if (st.has_gw6)
			ctl_addr6_port(&st.gw6, c->port, addr6);
		for (j = 0; j < fw.count; j++)
			if (strcmp(fw.v[j].name, vm->name) == 0)
				rule = "yes";
		log_size(c, vm->name, size, sizeof(size));
		printf("%-20s %-16s %-12s %-10s %-16s %-13s %-10s %-8s %-24s "
		       "%s\n",
		       vm->name,
		       vm->by_ip6 && vm->ip.s_addr == 0 ? "--" : vm->ip_text,
		       st.iface ? st.iface : "--", pid, addr, rule,
		       ctl_rules_from_name(ctl_rules_from(vm)), size, ip6,
		       addr6);
	}
	ctl_fw_list_free(&fw);
	return 0;
}

/* The tagged rules of both families into *out (ctl_fw_list_free): a name
 * may appear twice. 0 or -1. */
static int tagged_rules(struct ctl *c, struct ctl_fw_list *out)
{
	struct ctl_fw_list six;
	size_t i;

	if (ctl_firewall_list(&c->fw, out) != 0)
		return -1;
	if (ctl_firewall_list(&c->fw6, &six) != 0) {
		ctl_fw_list_free(out);
		return -1;
	}
	for (i = 0; i < six.count; i++)
		ctl_fw_list_add(out, six.v[i].name, six.v[i].text,
		                strlen(six.v[i].text), six.v[i].handle);
	ctl_fw_list_free(&six);
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
	if (tagged_rules(c, &fw) != 0)
		return -1;
	for (i = 0; i < fw.count; i++)
		if (!in_rules(c, fw.v[i].name) &&
		    ctl_instance_stop(c, fw.v[i].name) != 0)
			rc = -1;
	ctl_fw_list_free(&fw);
	return rc;
}

/* The Qubes firewall watch runs while a rules file asks for Qubes rules
 * and QubesDB is there to watch. */
static int wants_qubes_watch(struct ctl *c)
{
	char *argv[] = {(char *)"sh", (char *)"-c",
	                (char *)"command -v qubesdb-watch", NULL};
	size_t i;

	for (i = 0; i < c->rd->count; i++)
		if (ctl_rules_from(&c->rd->vms[i]) != CTL_RULES_FILE)
			return ctl_exec(argv, NULL, NULL, 1) == 0;
	return 0;
}

static int rescan(struct ctl *c);

/* watch-qubes-firewall: runs until stopped. */
static int cmd_watch_qubes(struct ctl *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_qubes_watch_run(c, self_argv, rescan);
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
	if (ctl_qubes_watch_ensure(c, wants_qubes_watch(c), self_argv) != 0)
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
	if (tagged_rules(c, &fw) != 0)
		return -1;
	for (i = 0; i < fw.count; i++)
		if (ctl_instance_stop(c, fw.v[i].name) != 0)
			rc = -1;
	ctl_fw_list_free(&fw);
	if (ctl_qubes_watch_ensure(c, 0, self_argv) != 0)
		rc = -1;
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

/* The firewall, then what setup_vms reads; errors on stderr. */
static int setup_all(struct ctl *c)
{
	const char *err = ctl_firewall_init(&c->fw, c->fw_kind, c->dry_run);

	if (err != NULL) {
		fprintf(stderr, "fwproxyctl: firewall: %s\n", err);
		return -1;
	}
	ctl_firewall_init6(&c->fw6, &c->fw);
	return setup_vms(c);
}

static int cmd_hook(struct ctl *c, int argc, char **argv)
{
	return ctl_hook_run(c, argc, argv, setup_all);
}

static int cmd_install_qubes(struct ctl *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_qubes_install(rw_config, self_path, global_args, c->dry_run);
}

static int parse_type(const char *s, enum filter_type *t)
{
	static const struct {
		const char *name;
		enum filter_type type;
	} types[] = {
	    {"bre", FILTER_TYPE_BRE},
	    {"ere", FILTER_TYPE_ERE},
	    {"fnmatch", FILTER_TYPE_FNMATCH},
	    {"domain", FILTER_TYPE_DOMAIN},
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(types); i++) {
		if (strcasecmp(s, types[i].name) == 0) {
			*t = types[i].type;
			return 0;
		}
	}
	return -1;
}

/* Lints one rules file (vm's, or file when not NULL) with the options of
 * vm's config; returns 1 when it has errors. */
static int check_one(struct ctl *c, const struct ctl_vm_rules *vm,
                     const char *file, int fix, const enum filter_type *type)
{
	struct filter_options opt;
	struct ctl_check *k;
	struct config *cfg = ctl_test_vm_config(c, vm, stderr, 0);
	const char *path = file;
	int bad;

	if (cfg == NULL)
		return 1;
	filter_options_from_config(cfg, &opt);
	if (path == NULL)
		path = ctl_test_rules_path(cfg, vm, c);
	if (path == NULL)
		path = vm->path;
	if (type != NULL)
		opt.type = *type;
	if (file == NULL && ctl_rules_from(vm) != CTL_RULES_FILE) {
		/* The marker line stands for the VM's Qubes rules: the
		 * file's own lines are linted, then what of Qubes' rules
		 * cannot be carried over. */
		char *text = ctl_rules_file_masked(vm);

		k = text != NULL
		        ? ctl_check_buffer(path, text, strlen(text), &opt)
		        : ctl_check_file(path, &opt);
		free(text);
	} else {
		k = ctl_check_file(path, &opt);
	}
	ctl_check_print(k, path, fix ? stderr : stdout);
	if (fix)
		fputs(k->fixed, stdout);
	bad = k->errors > 0;
	if (file == NULL && ctl_rules_report(c, vm, stdout) < 0)
		bad = 1;
	ctl_check_free(k);
	config_free(cfg);
	return bad;
}

/* The rules directory, template and routes, again if need be; quiet:
 * problems with the directory are not reported. */
static int setup_rules(struct ctl *c, int quiet)
{
	FILE *sink = quiet ? fopen("/dev/null", "w") : stderr;

	ctl_rulesdir_free(c->rd);
	ctl_routes_free(c->routes);
	free(c->template_text);
	c->template_text = NULL;
	c->rd = ctl_rulesdir_scan(c->config_dir, sink ? sink : stderr);
	c->routes = ctl_routes_load();
	if (c->rd != NULL && c->routes != NULL &&
	    ctl_rulesdir_resolve(c->rd, c->routes, sink ? sink : stderr) != 0) {
		ctl_rulesdir_free(c->rd);
		c->rd = NULL;
	}
	if (quiet && sink != NULL)
		fclose(sink);
	if (c->rd == NULL)
		return -1;
	return load_template(c);
}

static int rescan(struct ctl *c)
{
	return setup_rules(c, 0);
}

/* setup_rules, and the routes it read there: what every command that
 * looks at running VMs needs; errors on stderr. */
static int setup_vms(struct ctl *c)
{
	if (setup_rules(c, 0) != 0)
		return -1;
	if (c->routes == NULL) {
		fprintf(stderr, "fwproxyctl: /proc/net/route: %s\n",
		        strerror(errno));
		return -1;
	}
	return 0;
}

/* A stand-in VM for rendering the template when no real one fits; path
 * is its rules file, NULL when there is none. */
static void stand_in(struct ctl_vm_rules *vm, const char *path)
{
	memset(vm, 0, sizeof(*vm));
	str_copy(vm->name, "check", sizeof(vm->name));
	str_copy(vm->ip_text, "192.0.2.1", sizeof(vm->ip_text));
	vm->path = (char *)path;
}

/* check [NAME|FILE] [--fix] [--type bre|ere|fnmatch|domain] */
static int cmd_check(struct ctl *c, int argc, char **argv)
{
	const char *target = NULL;
	enum filter_type type;
	int i, fix = 0, has_type = 0, have_rd, bad = 0;
	struct ctl_vm_rules file;
	struct config *cfg;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--fix") == 0) {
			fix = 1;
		} else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc) {
			if (parse_type(argv[++i], &type) != 0) {
				fprintf(stderr,
				        "fwproxyctl: --type %s: not bre, ere, "
				        "fnmatch or domain\n",
				        argv[i]);
				return EXIT_USAGE;
			}
			has_type = 1;
		} else if (argv[i][0] == '-' || target != NULL) {
			fprintf(stderr,
			        "fwproxyctl: check [NAME|FILE] [--fix] "
			        "[--type TYPE]: %s?\n",
			        argv[i]);
			return EXIT_USAGE;
		} else {
			target = argv[i];
		}
	}
	if (target == NULL && fix) {
		fprintf(stderr, "fwproxyctl: check --fix needs NAME or FILE\n");
		return EXIT_USAGE;
	}
	/* A FILE is checked with the template's options when the rules
	 * directory can be read, else with the built-in template's. A
	 * target without '/' is a VM when the directory has it. */
	have_rd = setup_rules(c, 1) == 0;
	if (!have_rd) {
		free(c->template_text);
		c->template_text = ctl_template_builtin(NULL, NULL);
	}
	if (target != NULL && (strchr(target, '/') != NULL || !have_rd ||
	                       !ctl_rulesdir_valid_name(target) ||
	                       ctl_rulesdir_find(c->rd, target) == NULL)) {
		stand_in(&file, target);
		return check_one(c, &file, target, fix,
		                 has_type ? &type : NULL);
	}
	if (!have_rd && setup_rules(c, 0) != 0)
		return 1;
	if (target != NULL) {
		cfg = ctl_test_vm_config(c, need_vm(c, target), stderr, 0);
		if (cfg != NULL)
			ctl_check_config(cfg, ctl_test_template_name(c),
			                 fix ? stderr : stdout);
		config_free(cfg);
		return check_one(c, need_vm(c, target), NULL, fix,
		                 has_type ? &type : NULL);
	}
	/* No argument: the template, then every rules file. */
	if (c->rd->count > 0) {
		cfg = ctl_test_vm_config(c, &c->rd->vms[0], stdout, 1);
	} else {
		stand_in(&file, NULL);
		cfg = ctl_test_vm_config(c, &file, stdout, 1);
	}
	bad = cfg == NULL;
	if (cfg != NULL)
		ctl_check_config(cfg, ctl_test_template_name(c), stdout);
	config_free(cfg);
	for (i = 0; i < (int)c->rd->count; i++)
		bad |= check_one(c, &c->rd->vms[i], NULL, 0,
		                 has_type ? &type : NULL);
	return bad;
}

/* test NAME URL|HOST[:PORT]: exit 0 allowed, 1 refused, 2 error. */
static int cmd_test(struct ctl *c, int argc, char **argv)
{
	const struct ctl_vm_rules *vm;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "fwproxyctl: test NAME URL|HOST[:PORT]\n");
		return EXIT_USAGE;
	}
	if ((vm = need_vm(c, argv[0])) == NULL)
		return EXIT_USAGE;
	rc = ctl_test_run(c, vm, argv[1], stdout);
	return rc < 0 ? EXIT_USAGE : rc;
}

/* denied NAME [--since DURATION] [--add HOST...] */
static int cmd_denied(struct ctl *c, int argc, char **argv)
{
	const struct ctl_vm_rules *vm;
	long long since = 0;
	const char *why;
	int i, add = -1, n_add = 0;

	if (argc < 1 || argv[0][0] == '-') {
		fprintf(stderr, "fwproxyctl: denied NAME [--since DURATION] "
		                "[--add HOST...]\n");
		return EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--since") == 0 && i + 1 < argc &&
		    add < 0) {
			why = ctl_denied_parse_duration(argv[++i], &since);
			if (why != NULL) {
				fprintf(stderr, "fwproxyctl: --since %s %s\n",
				        argv[i], why);
				return EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--add") == 0 && add < 0) {
			add = i + 1;
		} else if (add >= 0 && argv[i][0] != '-') {
			n_add++;
		} else {
			fprintf(stderr, "fwproxyctl: denied: %s?\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (add >= 0 && n_add == 0) {
		fprintf(stderr, "fwproxyctl: denied --add: which hosts?\n");
		return EXIT_USAGE;
	}
	if ((vm = need_vm(c, argv[0])) == NULL)
		return EXIT_USAGE;
	if (add >= 0)
		return ctl_denied_add_hosts(c, vm, argv + add, n_add);
	return ctl_denied_list(c, vm, since, stdout);
}

static const struct command commands[] = {
    {"show", cmd_show, 0, SETUP_ALL, "list VMs, interfaces, proxies and rules"},
    {"update", cmd_update, 0, SETUP_ALL,
     "start what should run, stop what should not"},
    {"start", cmd_start, 1, SETUP_ALL, "start the proxies of NAME..."},
    {"stop", cmd_stop, 1, SETUP_ALL, "stop the proxies of NAME..."},
    {"restart", cmd_restart, 1, SETUP_ALL,
     "restart NAME... with the current rules and template"},
    {"reload", cmd_reload, 1, SETUP_ALL,
     "new rules for NAME... without dropping connections"},
    {"kill-all", cmd_kill_all, 0, SETUP_ALL,
     "stop every proxy this tool started"},
    {"kill-all-and-restart", cmd_kill_all_and_restart, 0, SETUP_ALL,
     "kill-all, then update"},
    {"watch-qubes-firewall", cmd_watch_qubes, 0, SETUP_ALL,
     "follow Qube Settings: reload VMs whose Qubes firewall rules change"},
    {"install-qubes", cmd_install_qubes, 0, SETUP_NONE,
     "set up the Qubes network hook and start-up call"},
    {"hook", cmd_hook, 1, SETUP_SELF,
     "online|offline vifN.M TYPE IP: what Qubes' network hook calls"},
    {"check", cmd_check, 1, SETUP_SELF,
     "[NAME|FILE] [--fix] [--type T]: lint rules (none: all + template)"},
    {"test", cmd_test, 1, SETUP_RULES,
     "NAME URL|HOST[:PORT]: allowed or refused, and by which rule"},
    {"denied", cmd_denied, 1, SETUP_RULES,
     "NAME [--since 1h] [--add HOST...]: refused hosts, lines to add"},
};

/* Every command but these changes proxies, pid files or rules, and runs
 * under the run directory's lock. The Qubes firewall watch runs for good
 * and changes things only through the reload commands it runs, which
 * lock. */
static int read_only(const struct command *cmd)
{
	static const char *const names[] = {"show", "check", "test", "denied",
	                                    "watch-qubes-firewall"};
	size_t i;

	for (i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(cmd->name, names[i]) == 0)
			return 1;
	return 0;
}

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

static int is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static void add_global(const char *opt, const char *value)
{
	size_t n = strlen(global_args);

	if (n_self_argv + 2 < (int)ARRAY_LEN(self_argv)) {
		self_argv[n_self_argv++] = xstrdup(opt);
		self_argv[n_self_argv++] = xstrdup(value);
	}
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
	if (c->rd->template_path == NULL) {
		c->template_text = ctl_template_builtin(NULL, NULL);
		return 0;
	}
	c->template_text =
	    ctl_rulesdir_read(c->rd->template_path, TEMPLATE_MAX, stderr);
	return c->template_text != NULL ? 0 : -1;
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
		if (is_help(o)) {
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
	/* "COMMAND --help" asks for the same text as "--help". */
	for (i = (size_t)a + 1; i < (size_t)argc; i++)
		if (is_help(argv[i])) {
			usage(stdout);
			return 0;
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
	c.fw_kind = fw_kind;
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
	if (!c.dry_run && !read_only(cmd) && ctl_lock_take(abs_run) < 0)
		goto done;
	if (cmd->setup == SETUP_RULES) {
		if (setup_vms(&c) != 0)
			goto done;
	} else if (cmd->setup == SETUP_ALL) {
		if (setup_all(&c) != 0)
			goto done;
	}
	rc = cmd->run(&c, argc - a - 1, argv + a + 1);
	if (rc < 0)
		rc = 1;
done:
	ctl_rulesdir_free(c.rd);
	ctl_routes_free(c.routes);
	ctl_firewall_free(&c.fw);
	ctl_firewall_free(&c.fw6);
	free(c.template_text);
	free(abs_config);
	free(abs_run);
	free(bin);
	return rc;
}
