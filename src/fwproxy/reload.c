/* Reload off the event loop: the build thread and its hand-over. */
#include "reload.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util.h"

/* One diagnostic of a build, kept until the loop can log it: the log is
 * the loop's alone. */
struct diag {
	struct diag *next;
	char *file;
	int line;
	int is_error;
	char msg[];
};

struct reloader {
	struct event_loop *loop;
	struct event_source done_ev; /* an eventfd the thread writes */
	char *config_path;
	config_report_fn *report;
	void *report_ctx;
	reload_done_fn *done;
	void *arg;
	pthread_t thread;
	int running;  /* a build was started and not yet taken */
	int threaded; /* it runs in thread (else it ran inline) */
	int again;    /* a reload was asked for meanwhile */

	/* Written by the build, read by the loop only after the join. */
	struct runtime *result;
	struct diag *diags, **diags_tail;
};

static void collect(void *ctx, const char *file, int line, int is_error,
                    const char *msg)
{
	struct reloader *rl = ctx;
	size_t len = strlen(msg);
	struct diag *d = xmalloc(sizeof(*d) + len + 1);

	d->next = NULL;
	d->file = xstrdup(file);
	d->line = line;
	d->is_error = is_error;
	memcpy(d->msg, msg, len + 1);
	*rl->diags_tail = d;
	rl->diags_tail = &d->next;
}

static void *build(void *arg)
{
	struct reloader *rl = arg;
	struct config *cfg = config_load(rl->config_path, collect, rl);
	uint64_t one = 1;

	rl->result = cfg != NULL ? runtime_new(cfg, collect, rl) : NULL;
	/* An eventfd write of 8 bytes cannot be short; it cannot fail but by
	 * overflow, which one write per build never reaches. */
	if (write(rl->done_ev.fd, &one, sizeof(one)) != sizeof(one))
		abort();
	return NULL;
}

static void take_diags(struct reloader *rl, int replay)
{
	while (rl->diags != NULL) {
		struct diag *d = rl->diags;
		rl->diags = d->next;
		if (replay)
			rl->report(rl->report_ctx, d->file, d->line,
			           d->is_error, d->msg);
		free(d->file);
		free(d);
	}
	rl->diags_tail = &rl->diags;
}

/* Waits for the running build and returns its result (NULL if none). */
static struct runtime *join(struct reloader *rl)
{
	struct runtime *rt;
	uint64_t n;

	if (!rl->running)
		return NULL;
	if (rl->threaded)
		pthread_join(rl->thread, NULL);
	/* Clear the eventfd's count: the build has written it. */
	while (read(rl->done_ev.fd, &n, sizeof(n)) == -1 && errno == EINTR)
		;
	rl->running = 0;
	rt = rl->result;
	rl->result = NULL;
	return rt;
}

static void finished(struct event_source *src, uint32_t events)
{
	struct reloader *rl = src->owner;
	struct runtime *rt;

	(void)events;
	rt = join(rl);
	take_diags(rl, 1);
	rl->done(rl->arg, rt);
	if (rl->again) {
		rl->again = 0;
		reloader_start(rl);
	}
}

struct reloader *reloader_new(struct event_loop *loop, const char *config_path,
                              config_report_fn *report, void *report_ctx,
                              reload_done_fn *done, void *arg, char *err,
                              size_t errsize)
{
	struct reloader *rl = xcalloc(1, sizeof(*rl));

	rl->loop = loop;
	rl->config_path = xstrdup(config_path);
	rl->report = report;
	rl->report_ctx = report_ctx;
	rl->done = done;
	rl->arg = arg;
	rl->diags_tail = &rl->diags;
	rl->done_ev.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rl->done_ev.fn = finished;
	rl->done_ev.owner = rl;
	if (rl->done_ev.fd == -1 ||
	    event_add(loop, &rl->done_ev, EPOLLIN) == -1) {
		snprintf(err, errsize, "reload: eventfd: %s", strerror(errno));
		if (rl->done_ev.fd != -1)
			close(rl->done_ev.fd);
		free(rl->config_path);
		free(rl);
		return NULL;
	}
	return rl;
}

void reloader_start(struct reloader *rl)
{
	if (rl->running) {
		rl->again = 1;
		return;
	}
	rl->running = 1;
	rl->threaded = pthread_create(&rl->thread, NULL, build, rl) == 0;
	/* No thread to be had (out of memory or tasks): the build runs on
	 * the loop, which then stalls for its length, as reloads once did. */
	if (!rl->threaded)
		build(rl);
}

void reloader_free(struct reloader *rl)
{
	if (rl == NULL)
		return;
	runtime_unref(join(rl));
	take_diags(rl, 0);
	event_remove(rl->loop, &rl->done_ev);
	close(rl->done_ev.fd);
	free(rl->config_path);
	free(rl);
}
