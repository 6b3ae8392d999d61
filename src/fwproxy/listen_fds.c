/* Listening sockets handed over by fwproxyctl or systemd (LISTEN_FDS). */
#include "listen_fds.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>

#include "util.h"

#define TEXT(x)   #x
#define NUMBER(x) TEXT(x)

const char *listen_fds_parse(const char *fds, const char *pid, long self,
                             int *n)
{
	long long v;

	*n = 0;
	if (pid == NULL)
		return NULL;
	if (parse_number(pid, 1, 1LL << 31, &v) != NULL)
		return "LISTEN_PID is not a process id";
	if (v != self)
		return NULL;
	if (fds == NULL)
		return "LISTEN_PID is set but LISTEN_FDS is not";
	if (parse_number(fds, 1, LISTEN_FDS_MAX, &v) != NULL)
		return "LISTEN_FDS is not a number from 1 to " NUMBER(
		    LISTEN_FDS_MAX);
	*n = (int)v;
	return NULL;
}

const char *listen_fds_take(int n, int *fds)
{
	int i, type, listening, fl;
	socklen_t len;

	for (i = 0; i < n; i++) {
		int fd = LISTEN_FDS_START + i;

		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
		    type != SOCK_STREAM)
			return "a LISTEN_FDS descriptor is not a stream socket";
		len = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
		               &len) != 0 ||
		    !listening)
			return "a LISTEN_FDS socket is not listening";
		fl = fcntl(fd, F_GETFL);
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fl == -1 ||
		    fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
			return "a LISTEN_FDS descriptor cannot be set up";
		fds[i] = fd;
	}
	return NULL;
}
