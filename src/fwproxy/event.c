#include "event.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define EVENT_BATCH 256

struct event_loop {
	int epfd;
	struct epoll_event ready[EVENT_BATCH];
	int n_ready;
	int cursor;
};

struct event_loop *event_loop_new(void)
{
	struct event_loop *loop;
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd == -1)
		return NULL;
	loop = xcalloc(1, sizeof(*loop));
	loop->epfd = fd;
	return loop;
}

void event_loop_free(struct event_loop *loop)
{
	if (loop == NULL)
		return;
	close(loop->epfd);
	free(loop);
}

int event_add(struct event_loop *loop, struct event_source *src, uint32_t mask)
{
	struct epoll_event ev = {.events = mask, .data.ptr = src};

	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, src->fd, &ev) == -1)
		return -1;
	src->mask = mask;
	return 0;
}

int event_modify(struct event_loop *loop, struct event_source *src,
                 uint32_t mask)
{
	struct epoll_event ev = {.events = mask, .data.ptr = src};

	if (src->mask == mask)
		return 0;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, src->fd, &ev) == -1)
		return -1;
	src->mask = mask;
	return 0;
}

void event_remove(struct event_loop *loop, struct event_source *src)
{
	int i;

	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, src->fd, NULL);
	/* The batch may still name src: forget it so nothing calls into an
	 * owner that is about to be freed. */
	for (i = loop->cursor; i < loop->n_ready; i++)
		if (loop->ready[i].data.ptr == src)
			loop->ready[i].data.ptr = NULL;
	src->mask = 0;
}

/* The clock as first read after the last wake-up; 0: not read yet. One
 * batch of events is handled in microseconds, and every deadline is in
 * milliseconds, so the batch shares one reading. */
static int64_t batch_now_ms;

int event_loop_once(struct event_loop *loop, int timeout_ms)
{
	int n = epoll_wait(loop->epfd, loop->ready, EVENT_BATCH, timeout_ms);

	batch_now_ms = 0;
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	loop->n_ready = n;
	for (loop->cursor = 0; loop->cursor < n;) {
		struct epoll_event *ev = &loop->ready[loop->cursor++];
		struct event_source *src = ev->data.ptr;
		if (src != NULL)
			src->fn(src, ev->events);
	}
	loop->n_ready = 0;
	loop->cursor = 0;
	batch_now_ms = 0;
	return n;
}

int64_t event_now_ms(void)
{
	struct timespec ts;

	if (batch_now_ms != 0)
		return batch_now_ms;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	batch_now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return batch_now_ms;
}
