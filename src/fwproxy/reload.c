/* Reload off the event loop: the thread that builds new runtimes and
 * frees old ones, and the hand-over to and from the loop. */
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
	int running;  /* a job was started and not yet taken back */
	int threaded; /* it runs in thread (else it ran inline) */
	int again;    /* a reload was asked for meanwhile */

	/* The loop's: runtimes no one holds any more, to free off the loop. */
	struct runtime **graveyard;
	size_t n_graveyard, cap_graveyard;

	/* The job's, from its start to its join: what to free, whether to
	 * build, and what the build gave. */
	struct runtime **dying;
	size_t n_dying;
	int build;
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

static void *work(void *arg)
{
	struct reloader *rl = arg;
	uint64_t one = 1;
	size_t i;

	for (i = 0; i < rl->n_dying; i++)
		runtime_free(rl->dying[i]);
	if (rl->build) {
		struct config *cfg = config_load(rl->config_path, collect, rl);
		rl->result = cfg != NULL ? runtime_new(cfg, collect, rl) : NULL;
	}
	/* An eventfd write of 8 bytes cannot be short; it cannot fail but by
	 * overflow, which one write per job never reaches. */
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

/* Starts a job: the graveyard goes to the thread to free, and a build
 * when asked. */
static void launch(struct reloader *rl, int build)
{
	rl->running = 1;
	rl->build = build;
	rl->dying = rl->graveyard;
	rl->n_dying = rl->n_graveyard;
	rl->graveyard = NULL;
	rl->n_graveyard = rl->cap_graveyard = 0;
	rl->threaded = pthread_create(&rl->thread, NULL, work, rl) == 0;
	/* No thread to be had (out of memory or tasks): the job runs on the
	 * loop, which then stalls for its length, as reloads once did. */
	if (!rl->threaded)
		work(rl);
}

/* Waits for the running job; returns whether it built. */
static int join(struct reloader *rl)
{
	uint64_t n;

	if (!rl->running)
		return 0;
	if (rl->threaded)
		pthread_join(rl->thread, NULL);
	/* Clear the eventfd's count: the job has written it. */
	while (read(rl->done_ev.fd, &n, sizeof(n)) == -1 && errno == EINTR)
		;
	rl->running = 0;
	free(rl->dying);
	rl->dying = NULL;
	rl->n_dying = 0;
	return rl->build;
}

static void finished(struct event_source *src, uint32_t events)
{
	struct reloader *rl = src->owner;

	(void)events;
	if (join(rl)) {
		struct runtime *rt = rl->result;
		rl->result = NULL;
		take_diags(rl, 1);
		/* The old runtime may come back through reloader_dispose and
		 * start a job of its own: a reload asked for meanwhile then
		 * follows that one. */
		rl->done(rl->arg, rt);
	}
	if (rl->running)
		return;
	if (rl->again) {
		rl->again = 0;
		launch(rl, 1);
	} else if (rl->n_graveyard > 0) {
		launch(rl, 0);
	}
}

void reloader_dispose(void *ctx, struct runtime *rt)
{
	struct reloader *rl = ctx;

	if (rl->n_graveyard == rl->cap_graveyard) {
		rl->cap_graveyard =
		    rl->cap_graveyard ? rl->cap_graveyard * 2 : 4;
		rl->graveyard = xrealloc(
		    rl->graveyard, rl->cap_graveyard * sizeof(*rl->graveyard));
	}
	rl->graveyard[rl->n_graveyard++] = rt;
	if (!rl->running)
		launch(rl, 0);
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
	launch(rl, 1);
}

void reloader_free(struct reloader *rl)
{
	size_t i;

	if (rl == NULL)
		return;
	join(rl);
	runtime_free(rl->result);
	for (i = 0; i < rl->n_graveyard; i++)
		runtime_free(rl->graveyard[i]);
	free(rl->graveyard);
	take_diags(rl, 0);
	event_remove(rl->loop, &rl->done_ev);
	close(rl->done_ev.fd);
	free(rl->config_path);
	free(rl);
}
