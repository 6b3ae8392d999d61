/* fwproxy: start-up, the privileged parent, signals and reload. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "listen_fds.h"
#include "logchan.h"
#include "parent.h"
#include "path.h"
#include "preflight.h"
#include "proxy.h"
#include "reload.h"
#include "sandbox.h"
#include "startup.h"
#include "util.h"

#define LISTEN_BACKLOG 1024
#define MAX_READABLE   64

static const char usage_text[] =
    "usage: fwproxy [-dt] [-c FILE]\n"
    "  -c FILE        configuration file (default "
    "/etc/fwproxy/fwproxy.conf)\n"
    "  -d             stay in the foreground; log to standard error\n"
    "                 unless LogFile or Syslog is set\n"
    "  -t             check the configuration and its rules file, then "
    "exit\n"
    "  -v, --version  print the version\n"
    "  -h, --help     print this help\n";

struct options {
	const char *config_path;
	int foreground;
	int test_only;
};

static void report_stderr(void *ctx, const char *file, int line, int is_error,
                          const char *msg)
{
	int *errors = ctx;

	if (is_error && errors != NULL)
		(*errors)++;
	config_report_print(stderr, file, line, is_error, msg);
}

static void report_log(void *ctx, const char *file, int line, int is_error,
                       const char *msg)
{
	(void)ctx;
	if (line > 0)
		log_msg(is_error ? LOG_LEVEL_ERROR : LOG_LEVEL_WARNING,
		        "%s:%d: %s", file, line, msg);
	else
		log_msg(is_error ? LOG_LEVEL_ERROR : LOG_LEVEL_WARNING,
		        "%s: %s", file, msg);
}

/* The sockets handed over (LISTEN_FDS) into fds; their count, 0 when none
 * were, or -1 after saying what is wrong with them. */
static int inherited_listeners(int *fds)
{
	const char *why;
	char self[32];
	int n;

	why = listen_fds_parse(getenv("LISTEN_FDS"), getenv("LISTEN_PID"),
	                       (long)getpid(), &n);
	if (why == NULL && n > 0)
		why = listen_fds_take(n, fds);
	if (why != NULL) {
		snprintf(self, sizeof(self), "%ld", (long)getpid());
		fprintf(stderr,
		        "fwproxy: %s (LISTEN_FDS=%s, LISTEN_PID=%s, "
		        "our pid %s)\n",
		        why,
		        getenv("LISTEN_FDS") ? getenv("LISTEN_FDS") : "unset",
		        getenv("LISTEN_PID"), self);
		return -1;
	}
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	return n;
}

static int open_listener(const struct config *cfg)
{
	struct addrinfo hints, *res, *ai;
	char port[8];
	int fd = -1, one = 1, err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", cfg->port);
	err = getaddrinfo(cfg->listen, port, &hints, &res);
	if (err != 0) {
		fprintf(stderr, "fwproxy: Listen %s: %s\n",
		        cfg->listen ? cfg->listen : "*", gai_strerror(err));
		return -1;
	}
	/* Without Listen, prefer one dual-stack IPv6 socket. */
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		if (cfg->listen == NULL && ai->ai_family != AF_INET6 &&
		    ai->ai_next != NULL)
			continue;
		fd = socket(ai->ai_family,
		            ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    listen(fd, LISTEN_BACKLOG) == -1) {
			fprintf(stderr,
			        "fwproxy: cannot listen on %s port %s: %s\n",
			        cfg->listen ? cfg->listen : "*", port,
			        strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

static int write_pid_file(const char *path)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd == -1)
		return -1;
	if (write(fd, text, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGCHLD);
#ifdef FWPROXY_TEST_HOOKS
	sigaddset(set, SIGUSR2);
#endif
	signal(SIGPIPE, SIG_IGN);
	return sigprocmask(SIG_BLOCK, set, NULL);
}

/* Settings read once at start: a reload cannot change them. */
static void warn_fixed_settings(const struct config *old,
                                const struct config *new)
{
	static const char *const names[] = {"Port",   "Listen",   "User",
	                                    "Group",  "PidFile",  "LogFile",
	                                    "Syslog", "DNSServer"};
	int changed[ARRAY_LEN(names)] = {0};
	size_t i;

#define DIFF_STR(a, b) ((a) == NULL ? (b) != NULL : (b) == NULL || strcmp(a, b))
	changed[0] = old->port != new->port;
	changed[1] = DIFF_STR(old->listen, new->listen);
	changed[2] = DIFF_STR(old->user, new->user);
	changed[3] = DIFF_STR(old->group, new->group);
	changed[4] = DIFF_STR(old->pid_file, new->pid_file);
	changed[5] = DIFF_STR(old->log_file, new->log_file);
	changed[6] = old->syslog != new->syslog;
	changed[7] = old->n_dns_servers != new->n_dns_servers;
	for (i = 0; i < (size_t)old->n_dns_servers && !changed[7]; i++)
		changed[7] = strcmp(old->dns_servers[i], new->dns_servers[i]);
#undef DIFF_STR
	for (i = 0; i < ARRAY_LEN(names); i++)
		if (changed[i])
			log_msg(LOG_LEVEL_WARNING,
			        "%s changed: it takes effect only after a "
			        "restart",
			        names[i]);
}

struct worker {
	struct proxy px;
	struct event_source signals;
	struct reloader *reloader;
	struct event_source log_chan; /* fd -1 without a root parent */
	const char *config_path;
};

static struct worker the_worker;

/* A new log file: made here, or asked of the root parent, which can create
 * files where the worker cannot. */
static void log_reopen_or_ask(enum logchan_request r)
{
	if (the_worker.log_chan.fd != -1) {
		if (logchan_ask(the_worker.log_chan.fd, r) == -1)
			log_msg(LOG_LEVEL_ERROR, "Cannot ask for a new log: %s",
			        strerror(errno));
		return;
	}
	if (log_reopen() == -1)
		log_msg(LOG_LEVEL_ERROR, "Cannot reopen the log: %s",
		        strerror(errno));
}

static void ask_rotation(void)
{
	log_reopen_or_ask(LOGCHAN_ROTATE);
}

static void apply_log_settings(const struct config *cfg)
{
	log_set_level(cfg->log_level);
	log_set_json(cfg->log_json);
	log_set_max_size((off_t)cfg->log_max_kib * 1024,
	                 the_worker.log_chan.fd != -1 ? ask_rotation : NULL);
}

static void log_chan_event(struct event_source *src, uint32_t events)
{
	int fd;

	(void)events;
	while ((fd = logchan_read_answer(src->fd)) != -2) {
		if (fd >= 0)
			log_replace_fd(fd);
		else
			log_msg(LOG_LEVEL_ERROR, "Cannot reopen the log: %s",
			        strerror(errno));
	}
	if (events & (EPOLLHUP | EPOLLERR)) {
		/* The parent is gone; PR_SET_PDEATHSIG stops this worker. */
		event_remove(the_worker.px.loop, src);
	}
}

/* The end of a reload, built off the loop by reload.c. */
static void reload_done(void *arg, struct runtime *rt)
{
	struct worker *w = arg;

	if (rt == NULL) {
		log_msg(LOG_LEVEL_ERROR, "Reload failed: the old configuration "
		                         "stays in force");
		return;
	}
	warn_fixed_settings(w->px.rt->cfg, rt->cfg);
	apply_log_settings(rt->cfg);
	proxy_set_runtime(&w->px, rt);
	log_msg(LOG_LEVEL_NOTICE, "Reloaded %s (%zu rules)", w->config_path,
	        rt->filter ? filter_count(rt->filter) : (size_t)0);
}

static void signal_event(struct event_source *src, uint32_t events)
{
	struct worker *w = src->owner;
	struct signalfd_siginfo si;

	(void)events;
	while (read(src->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			/* As tinyproxy 1.11: logrotate's postrotate reloads. */
			log_reopen_or_ask(LOGCHAN_REOPEN);
			reloader_start(w->reloader);
			break;
		case SIGUSR1:
			log_reopen_or_ask(LOGCHAN_REOPEN);
			break;
		case SIGTERM:
		case SIGINT:
			log_msg(LOG_LEVEL_NOTICE, "Shutting down");
			proxy_stop(&w->px);
			event_remove(w->px.loop, src);
			break;
#ifdef FWPROXY_TEST_HOOKS
		case SIGUSR2:
			/* Test builds only: a call the sandbox forbids. */
			syscall(SYS_execve, "/bin/true", NULL, NULL);
			break;
#endif
		default:
			break;
		}
	}
}

static int run_worker(struct runtime *rt, const int *listen_fds,
                      int n_listen_fds, const char *config_path,
                      const sigset_t *sigs, int privileged, int log_chan)
{
	struct worker *w = &the_worker;
	char err[256];
	const struct config *cfg = rt->cfg;
	const char *readable[MAX_READABLE], *writable[3];
	const struct error_file *ef;
	int r = 0, w_n = 0, i;

	w->config_path = config_path;
	if (proxy_init(&w->px, listen_fds, n_listen_fds, rt, err,
	               sizeof(err)) == -1) {
		log_msg(LOG_LEVEL_CRITICAL, "%s", err);
		return 1;
	}
	w->signals.fd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	w->signals.fn = signal_event;
	w->signals.owner = w;
	if (w->signals.fd == -1 ||
	    event_add(w->px.loop, &w->signals, EPOLLIN) == -1) {
		log_msg(LOG_LEVEL_CRITICAL, "signalfd: %s", strerror(errno));
		return 1;
	}
	w->reloader = reloader_new(w->px.loop, config_path, report_log, NULL,
	                           reload_done, w, err, sizeof(err));
	if (w->reloader == NULL) {
		log_msg(LOG_LEVEL_CRITICAL, "%s", err);
		return 1;
	}
	runtime_set_disposer(reloader_dispose, w->reloader);
	w->log_chan.fd = log_chan;
	w->log_chan.fn = log_chan_event;
	w->log_chan.owner = w;
	if (log_chan != -1 &&
	    event_add(w->px.loop, &w->log_chan, EPOLLIN) == -1) {
		log_msg(LOG_LEVEL_CRITICAL, "epoll: %s", strerror(errno));
		return 1;
	}
	apply_log_settings(cfg);
	if (privileged && sandbox_drop_privileges(cfg->user, cfg->group, err,
	                                          sizeof(err)) == -1) {
		log_msg(LOG_LEVEL_CRITICAL, "%s", err);
		return 1;
	}
	i = 0;
	readable[i++] = config_path;
	readable[i++] = "/etc/hosts";
	if (cfg->filter)
		readable[i++] = cfg->filter;
	if (cfg->default_error_file)
		readable[i++] = cfg->default_error_file;
	if (cfg->stat_file)
		readable[i++] = cfg->stat_file;
	for (ef = cfg->error_files; ef != NULL && i < MAX_READABLE - 1;
	     ef = ef->next)
		readable[i++] = ef->path;
	readable[i] = NULL;
	if (cfg->log_file)
		writable[w_n++] = cfg->log_file;
	if (!privileged && cfg->pid_file)
		writable[w_n++] = cfg->pid_file;
	writable[w_n] = NULL;
	if (sandbox_enter(readable, writable, err, sizeof(err)) == -1) {
		log_msg(LOG_LEVEL_CRITICAL, "%s", err);
		return 1;
	}
	log_msg(LOG_LEVEL_NOTICE, "fwproxy %s serving (%zu rules)",
	        FWPROXY_VERSION,
	        rt->filter ? filter_count(rt->filter) : (size_t)0);
	startup_ready();
	proxy_run(&w->px);
	runtime_set_disposer(NULL, NULL);
	reloader_free(w->reloader);
	proxy_free(&w->px);
	log_msg(LOG_LEVEL_NOTICE, "Stopped");
	return r;
}

struct worker_start {
	struct runtime *rt;
	const int *listen_fds;
	int n_listen_fds;
	const char *config_path;
	const sigset_t *sigs;
};

/* In the forked worker. A worker started again reads the configuration
 * anew: the one at start-up may have been replaced by reloads since. */
static int start_worker(void *ctx, int chan, int restarts)
{
	struct worker_start *ws = ctx;
	struct runtime *rt = ws->rt;

	if (restarts > 0) {
		struct config *cfg =
		    config_load(ws->config_path, report_log, NULL);
		struct runtime *fresh =
		    cfg != NULL ? runtime_new(cfg, report_log, NULL) : NULL;
		if (fresh != NULL) {
			runtime_unref(rt);
			rt = fresh;
		}
	}
	return run_worker(rt, ws->listen_fds, ws->n_listen_fds, ws->config_path,
	                  ws->sigs, 1, chan);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option long_options[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	o->config_path = "/etc/fwproxy/fwproxy.conf";
	while ((ch = getopt_long(argc, argv, "c:dtvh", long_options, NULL)) !=
	       -1) {
		switch (ch) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'd':
			o->foreground = 1;
			break;
		case 't':
			o->test_only = 1;
			break;
		case 'v':
			printf("fwproxy %s\n", FWPROXY_VERSION);
			exit(0);
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs(usage_text, stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fwproxy: unexpected argument \"%s\"\n",
		        argv[optind]);
		fputs(usage_text, stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct options o; /* config_path lives as long as the process */
	struct runtime *rt;
	const struct config *cfg;
	sigset_t sigs;
	int errors = 0, listen_fds[LISTEN_FDS_MAX], n_listen_fds, privileged,
	    status;

	if (parse_options(argc, argv, &o) == -1)
		return 2;
	/* Reloads happen after the move to "/" and name the same file; the
	 * paths in it are relative to its folder (path.h). */
	if ((o.config_path = path_absolute(o.config_path)) == NULL) {
		fprintf(stderr, "fwproxy: the current directory: %s\n",
		        strerror(errno));
		return 1;
	}
	rt = NULL;
	{
		struct config *c =
		    config_load(o.config_path, report_stderr, &errors);
		if (c != NULL)
			rt = runtime_new(c, report_stderr, &errors);
	}
	if (rt != NULL)
		preflight_check(rt->cfg, report_stderr, &errors);
	if (o.test_only || rt == NULL || errors > 0) {
		runtime_unref(rt);
		return rt == NULL || errors > 0 ? 1 : 0;
	}
	cfg = rt->cfg;
	n_listen_fds = inherited_listeners(listen_fds);
	if (n_listen_fds == 0) {
		listen_fds[0] = open_listener(cfg);
		n_listen_fds = listen_fds[0] == -1 ? -1 : 1;
	}
	if (n_listen_fds == -1)
		goto fail;
	if (log_open(cfg->log_file, cfg->syslog, cfg->log_level) == -1) {
		fprintf(stderr, "fwproxy: LogFile %s: %s\n", cfg->log_file,
		        strerror(errno));
		goto fail;
	}
	log_set_json(cfg->log_json);
	if (!o.foreground && startup_background() == -1) {
		fprintf(stderr, "fwproxy: cannot start in the background: %s\n",
		        strerror(errno));
		goto fail;
	}
	block_signals(&sigs);
	if (cfg->pid_file != NULL && write_pid_file(cfg->pid_file) == -1) {
		log_msg(LOG_LEVEL_CRITICAL, "PidFile %s: %s", cfg->pid_file,
		        strerror(errno));
		goto fail;
	}
	privileged =
	    geteuid() == 0 && (cfg->user != NULL || cfg->group != NULL);
	if (!privileged) {
		/* The worker frees rt when it ends. */
		char *pid_file = cfg->pid_file ? xstrdup(cfg->pid_file) : NULL;
		status = run_worker(rt, listen_fds, n_listen_fds, o.config_path,
		                    &sigs, 0, -1);
		if (pid_file != NULL)
			unlink(pid_file);
		free(pid_file);
		log_close();
		return status;
	}
	{
		struct worker_start ws = {rt, listen_fds, n_listen_fds,
		                          o.config_path, &sigs};
		struct parent_args pa = {.sigs = &sigs,
		                         .listen_fds = listen_fds,
		                         .n_listen_fds = n_listen_fds,
		                         .pid_file = cfg->pid_file,
		                         .worker = start_worker,
		                         .ctx = &ws};
		status = parent_run(&pa);
	}
	runtime_unref(rt);
	log_close();
	return status;
fail:
	runtime_unref(rt);
	log_close();
	return 1;
}
