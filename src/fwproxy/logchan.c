/* The log channel: requests one way, descriptors (SCM_RIGHTS) back. */
#include "logchan.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int logchan_pair(int fds[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds);
}

int logchan_ask(int chan, enum logchan_request r)
{
	char c = (char)r;

	return send(chan, &c, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int logchan_read_request(int chan)
{
	char c;
	ssize_t n = recv(chan, &c, 1, MSG_DONTWAIT);

	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if (c != LOGCHAN_REOPEN && c != LOGCHAN_ROTATE) {
		errno = EPROTO;
		return -1;
	}
	return c;
}

int logchan_answer(int chan, int fd, int err)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	int32_t code = fd >= 0 ? 0 : err;
	struct iovec iov = {&code, sizeof(code)};
	struct msghdr m;

	memset(&m, 0, sizeof(m));
	memset(&ctl, 0, sizeof(ctl));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *h;
		m.msg_control = ctl.space;
		m.msg_controllen = sizeof(ctl.space);
		h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &fd, sizeof(int));
	}
	return sendmsg(chan, &m, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	               (ssize_t)sizeof(code)
	           ? 0
	           : -1;
}

int logchan_read_answer(int chan)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	int32_t code = 0;
	struct iovec iov = {&code, sizeof(code)};
	struct msghdr m;
	struct cmsghdr *h;
	ssize_t n;
	int fd = -1;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.space;
	m.msg_controllen = sizeof(ctl.space);
	n = recvmsg(chan, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -2;
	for (h = CMSG_FIRSTHDR(&m); h != NULL; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
		    h->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(h), sizeof(int));
	if (fd >= 0)
		return fd;
	errno = n == (ssize_t)sizeof(code) && code > 0 ? (int)code : EPROTO;
	return -1;
}
