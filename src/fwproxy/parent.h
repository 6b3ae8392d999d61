/* The root parent of an unprivileged worker. It never touches the
 * network: it starts the worker, passes signals on, opens the log for it
 * (logchan.h), starts it again with back-off when it dies by a signal,
 * and removes the pid file at the end. */
#ifndef FWPROXY_PARENT_H
#define FWPROXY_PARENT_H

#include <signal.h>

/* A worker that dies by a signal is started again after a delay that
 * starts at RESTART_MIN_MS and doubles up to RESTART_MAX_MS while it keeps
 * dying within RESTART_STABLE_MS of its start. */
#define RESTART_MIN_MS    1000
#define RESTART_MAX_MS    60000
#define RESTART_STABLE_MS 60000

/* Runs in the forked worker with its end of the log channel; returns the
 * worker's exit status. restarts counts earlier workers. */
typedef int parent_worker_fn(void *ctx, int chan, int restarts);

struct parent_args {
	const sigset_t *sigs;  /* blocked; the parent waits for them */
	const int *listen_fds; /* held for restarts, closed on SIGTERM */
	int n_listen_fds;
	const char *pid_file; /* removed at the end; may be NULL */
	parent_worker_fn *worker;
	void *ctx;
};

/* Runs until the worker exits by itself or after SIGTERM / SIGINT.
 * Returns the exit status for the parent: the worker's, or 1 when
 * starting one failed. */
int parent_run(const struct parent_args *a);

/* The delay before starting a worker again, given the last delay (0 for
 * none yet) and how long the worker that died had run. */
int parent_restart_delay_ms(int last_ms, long long lived_ms);

#endif
