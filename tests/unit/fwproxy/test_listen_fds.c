/* listen_fds: LISTEN_FDS/LISTEN_PID read as systemd means them, the count
 * bounded by LISTEN_FDS_MAX, and the descriptors checked before use. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen_fds.h"
#include "tap.h"

static void test_parse(void)
{
	int n = -1;

	ok(listen_fds_parse(NULL, NULL, 42, &n) == NULL && n == 0,
	   "unset: no sockets, no error");
	ok(listen_fds_parse("2", "41", 42, &n) == NULL && n == 0,
	   "LISTEN_PID of another process: not ours, ignored");
	ok(listen_fds_parse("1", "42", 42, &n) == NULL && n == 1, "one");
	ok(listen_fds_parse("2", "42", 42, &n) == NULL && n == 2,
	   "two: IPv4 and IPv6");
	ok(listen_fds_parse("8", "42", 42, &n) == NULL && n == LISTEN_FDS_MAX,
	   "LISTEN_FDS_MAX is taken");
	is_str(listen_fds_parse("9", "42", 42, &n),
	       "LISTEN_FDS is not a number from 1 to 8", "one past the limit");
	ok(n == 0, "no count with an error");
	is_str(listen_fds_parse("0", "42", 42, &n),
	       "LISTEN_FDS is not a number from 1 to 8", "zero");
	is_str(listen_fds_parse("2x", "42", 42, &n),
	       "LISTEN_FDS is not a number from 1 to 8", "trailing garbage");
	is_str(listen_fds_parse("", "42", 42, &n),
	       "LISTEN_FDS is not a number from 1 to 8", "empty");
	is_str(listen_fds_parse(NULL, "42", 42, &n),
	       "LISTEN_PID is set but LISTEN_FDS is not", "LISTEN_FDS unset");
	is_str(listen_fds_parse("1", "-3", 42, &n),
	       "LISTEN_PID is not a process id", "negative pid");
	is_str(listen_fds_parse("1", "99999999999", 42, &n),
	       "LISTEN_PID is not a process id", "pid out of range");
}

/* fd made to sit at LISTEN_FDS_START + i. */
static void place(int fd, int i)
{
	if (fd != LISTEN_FDS_START + i) {
		dup2(fd, LISTEN_FDS_START + i);
		close(fd);
	}
}

static int tcp_socket(int listening)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (listening)
		listen(fd, 4);
	return fd;
}

static void test_take(void)
{
	int fds[LISTEN_FDS_MAX], i;

	for (i = 0; i < 4; i++)
		close(LISTEN_FDS_START + i);
	place(tcp_socket(1), 0);
	place(tcp_socket(1), 1);
	ok(listen_fds_take(2, fds) == NULL && fds[0] == 3 && fds[1] == 4,
	   "two listening sockets taken");
	place(tcp_socket(0), 1);
	is_str(listen_fds_take(2, fds), "a LISTEN_FDS socket is not listening",
	       "a bound socket that does not listen");
	place(socket(AF_INET, SOCK_DGRAM, 0), 1);
	is_str(listen_fds_take(2, fds),
	       "a LISTEN_FDS descriptor is not a stream socket", "UDP");
	close(LISTEN_FDS_START + 1);
	is_str(listen_fds_take(2, fds),
	       "a LISTEN_FDS descriptor is not a stream socket",
	       "a closed descriptor");
}

int main(void)
{
	test_parse();
	test_take();
	return done();
}
