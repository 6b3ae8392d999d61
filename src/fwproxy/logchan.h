/* The log channel between the root parent and its unprivileged worker:
 * the worker cannot create files in a root-owned log folder, so it asks
 * the parent, which opens the log anew and passes the descriptor. */
#ifndef FWPROXY_LOGCHAN_H
#define FWPROXY_LOGCHAN_H

/* What the worker asks for. */
enum logchan_request {
	LOGCHAN_REOPEN = 'O', /* the file was moved away (SIGHUP, SIGUSR1) */
	LOGCHAN_ROTATE = 'R', /* the file passed LogMaxSize */
};

/* A connected pair (SOCK_SEQPACKET, close-on-exec). 0 / -1 with errno. */
int logchan_pair(int fds[2]);

/* Worker: sends request r. 0 / -1 with errno. */
int logchan_ask(int chan, enum logchan_request r);

/* Parent: reads one request. Returns it, 0 at end (the worker is gone),
 * -1 on error (errno; EAGAIN when none is waiting). */
int logchan_read_request(int chan);

/* Parent: answers with fd, or with the errno err when fd is -1. Returns 0
 * / -1 with errno; fd stays the caller's. */
int logchan_answer(int chan, int fd, int err);

/* Worker: reads an answer. Returns the descriptor (close-on-exec), -1 with
 * errno set to the parent's error, or -2 when nothing (more) is waiting or
 * the parent is gone. */
int logchan_read_answer(int chan);

#endif
