/* The root parent: worker start and restart, signals, the log channel. */
#include "parent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logchan.h"
#include "startup.h"

struct parent {
	const struct parent_args *a;
	int sig_fd;
	pid_t worker; /* 0 while none runs */
	int chan;     /* the parent's end, -1 while no worker */
	int restarts;
	int delay_ms;
	long long started_ms, restart_at_ms;
	int stopping;
	int status; /* the worker's exit status, once it exits */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int parent_restart_delay_ms(int last_ms, long long lived_ms)
{
	if (last_ms <= 0 || lived_ms >= RESTART_STABLE_MS)
		return RESTART_MIN_MS;
	return last_ms * 2 < RESTART_MAX_MS ? last_ms * 2 : RESTART_MAX_MS;
}

static int start_worker(struct parent *p)
{
	int fds[2];
	pid_t pid;

	if (logchan_pair(fds) == -1) {
		log_msg(LOG_LEVEL_CRITICAL, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == -1) {
		log_msg(LOG_LEVEL_CRITICAL, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		close(p->sig_fd);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(1);
		_exit(p->a->worker(p->a->ctx, fds[1], p->restarts));
	}
	close(fds[1]);
	p->chan = fds[0];
	p->worker = pid;
	p->started_ms = now_ms();
	return 0;
}

/* Opens the log for the worker, after moving the full one away when it
 * asks for rotation (it asks once per file); the parent follows to the new
 * file too. */
static void answer_log_request(struct parent *p, int request)
{
	const char *path = log_path();
	int fd = -1, err = ENOENT;

	if (path != NULL && request == LOGCHAN_ROTATE &&
	    log_rotate_file(path) != 0)
		log_msg(LOG_LEVEL_ERROR, "Cannot rotate the log %s: %s", path,
		        strerror(errno));
	if (path != NULL) {
		if (log_reopen() == -1)
			log_msg(LOG_LEVEL_ERROR, "Cannot reopen the log: %s",
			        strerror(errno));
		fd =
		    open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		err = errno;
	}
	if (logchan_answer(p->chan, fd, err) == -1 && errno != EPIPE)
		log_msg(LOG_LEVEL_ERROR, "Cannot pass the log on: %s",
		        strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void describe(int status, char *out, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(out, size, "ended by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(out, size, "exited with status %d",
		         WEXITSTATUS(status));
}

/* The worker is gone: 1 when the parent should exit too. */
static int worker_ended(struct parent *p, int status)
{
	long long lived = now_ms() - p->started_ms;
	char how[96];

	if (p->chan != -1)
		close(p->chan);
	p->chan = -1;
	p->worker = 0;
	describe(status, how, sizeof(how));
	if (p->stopping || !WIFSIGNALED(status)) {
		if (WIFSIGNALED(status))
			log_msg(LOG_LEVEL_CRITICAL, "Worker %s", how);
		else if (!p->stopping && WEXITSTATUS(status) != 0)
			log_msg(LOG_LEVEL_CRITICAL, "Worker %s; stopping", how);
		p->status = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		return 1;
	}
	p->delay_ms = parent_restart_delay_ms(p->delay_ms, lived);
	p->restart_at_ms = now_ms() + p->delay_ms;
	log_msg(LOG_LEVEL_CRITICAL,
	        "Worker %s after %lld s; starting a new one in %d s", how,
	        lived / 1000, p->delay_ms / 1000);
	return 0;
}

/* Handles the signals waiting; 1 when the parent should exit. */
static int on_signals(struct parent *p)
{
	struct signalfd_siginfo si;

	while (read(p->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo, status, i;
		pid_t pid;

		switch (sig) {
		case SIGCHLD:
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
				if (pid == p->worker && worker_ended(p, status))
					return 1;
			continue;
		case SIGTERM:
		case SIGINT:
			/* New clients are refused at once, not queued. */
			for (i = 0; !p->stopping && i < p->a->n_listen_fds; i++)
				close(p->a->listen_fds[i]);
			p->stopping = 1;
			if (p->worker == 0) {
				p->status = 0;
				return 1;
			}
			break;
		case SIGHUP:
		case SIGUSR1:
			if (log_reopen() == -1)
				log_msg(LOG_LEVEL_ERROR,
				        "Cannot reopen the log: %s",
				        strerror(errno));
			break;
		default:
			break;
		}
		if (p->worker != 0)
			kill(p->worker, sig);
	}
	return 0;
}

int parent_run(const struct parent_args *a)
{
	struct parent p;

	memset(&p, 0, sizeof(p));
	p.a = a;
	p.chan = -1;
	p.status = 1;
	p.sig_fd = signalfd(-1, a->sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (p.sig_fd == -1) {
		log_msg(LOG_LEVEL_CRITICAL, "signalfd: %s", strerror(errno));
		goto done;
	}
	if (start_worker(&p) == -1)
		goto done;
	/* The worker says when start-up is done, or ends without a word. */
	startup_detach();
	for (;;) {
		struct pollfd pfd[2] = {{p.sig_fd, POLLIN, 0},
		                        {p.chan, POLLIN, 0}};
		long long wait = -1;
		int request;

		if (p.worker == 0) {
			wait = p.restart_at_ms - now_ms();
			if (wait <= 0) {
				p.restarts++;
				if (start_worker(&p) == -1)
					break;
				log_msg(LOG_LEVEL_NOTICE,
				        "Worker %ld started again (restart %d)",
				        (long)p.worker, p.restarts);
				continue;
			}
		}
		if (poll(pfd, p.chan != -1 ? 2 : 1, (int)wait) == -1 &&
		    errno != EINTR)
			break;
		if ((pfd[0].revents & POLLIN) && on_signals(&p))
			break;
		if (p.chan == -1 || pfd[1].revents == 0)
			continue;
		request = logchan_read_request(p.chan);
		if (request > 0) {
			answer_log_request(&p, request);
		} else if (request == 0 || errno != EAGAIN) {
			/* The worker is ending; SIGCHLD follows. */
			close(p.chan);
			p.chan = -1;
		}
	}
done:
	if (p.sig_fd != -1)
		close(p.sig_fd);
	if (a->pid_file != NULL)
		unlink(a->pid_file);
	return p.status;
}
