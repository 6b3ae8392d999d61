/* A small epoll event loop. Each watched descriptor is described by a
 * struct event_source that its owner embeds and keeps alive while it is
 * registered. */
#ifndef FWPROXY_EVENT_H
#define FWPROXY_EVENT_H

#include <stdint.h>

struct event_loop;
struct event_source;

/* Called with the epoll event bits (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP,
 * EPOLLRDHUP). */
typedef void event_fn(struct event_source *src, uint32_t events);

struct event_source {
	int fd;
	uint32_t mask; /* the events currently asked for */
	event_fn *fn;
	void *owner;
};

struct event_loop *event_loop_new(void);
void event_loop_free(struct event_loop *loop);

/* Registers src (fd, fn, owner set by the caller) for mask. 0 / -1. */
int event_add(struct event_loop *loop, struct event_source *src, uint32_t mask);

/* Changes the mask; does nothing when it is unchanged. 0 / -1. */
int event_modify(struct event_loop *loop, struct event_source *src,
                 uint32_t mask);

/* Unregisters src; pending events for it in the current batch are
 * dropped, so its owner may be freed after event_loop_once returns. */
void event_remove(struct event_loop *loop, struct event_source *src);

/* Waits up to timeout_ms (-1: forever) and dispatches one batch. Returns
 * the number of events dispatched, or -1 (errno) on failure other than
 * EINTR. */
int event_loop_once(struct event_loop *loop, int timeout_ms);

/* Milliseconds of CLOCK_MONOTONIC, read once per batch of events: inside
 * event_loop_once every call returns the first reading after the wake-up;
 * outside it, the first reading after the last batch ended. */
int64_t event_now_ms(void);

#endif
