/* Tunnels per second through a proxy, for the benchmark: CONN concurrent
 * clients, each in a loop for SECONDS: connect to the proxy, open a tunnel
 * to HOST:PORT with an HTTP CONNECT or a SOCKS5 handshake as real clients
 * do it (SOCKS5: greeting, wait for the method, request, wait for the
 * reply), send "GET PATH" with Connection: close through it, read until
 * the server's close, close. Prints one line:
 *   BENCHRESULT tunnels=N errors=N duration_us=N
 * usage: tunnel_rate connect|socks5 PROXY_PORT HOST PORT PATH CONNS SECONDS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum step { CONNECTING, GREETING, REQUEST, TUNNEL };

struct client {
	int fd;
	enum step step;
	char in[4096];
	size_t have;
};

static int socks;
static struct sockaddr_in proxy;
static char handshake[600], greeting[3] = {5, 1, 0}, get[600];
static size_t handshake_len, get_len;
static long tunnels, errors;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int send_all(int fd, const char *p, size_t n)
{
	return write(fd, p, n) == (ssize_t)n ? 0 : -1;
}

static void start(int ep, struct client *c)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd == -1) {
		perror("socket");
		exit(1);
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&proxy, sizeof(proxy)) == -1 &&
	    errno != EINPROGRESS) {
		perror("connect");
		exit(1);
	}
	c->step = CONNECTING;
	c->have = 0;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void restart(int ep, struct client *c, int failed)
{
	close(c->fd);
	if (failed)
		errors++;
	else
		tunnels++;
	start(ep, c);
}

/* Consumes n bytes of c->in once they are there: 1 when taken. */
static int take(struct client *c, size_t n)
{
	if (c->have < n)
		return 0;
	memmove(c->in, c->in + n, c->have - n);
	c->have -= n;
	return 1;
}

static void event(int ep, struct client *c)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	ssize_t n;
	char *end;

	if (c->step == CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0 || send_all(c->fd, socks ? greeting : handshake,
		                         socks ? 3 : handshake_len) == -1) {
			restart(ep, c, 1);
			return;
		}
		c->step = socks ? GREETING : REQUEST;
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		return;
	}
	n = read(c->fd, c->in + c->have, sizeof(c->in) - 1 - c->have);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		/* The server's close at the end of the answer ends a tunnel. */
		restart(ep, c, c->step != TUNNEL);
		return;
	}
	c->have += (size_t)n;
	if (c->step == GREETING) {
		if (!take(c, 2))
			return;
		if (send_all(c->fd, handshake, handshake_len) == -1) {
			restart(ep, c, 1);
			return;
		}
		c->step = REQUEST;
	}
	if (c->step == REQUEST) {
		if (socks) {
			if (c->have >= 2 && c->in[1] != 0) {
				restart(ep, c, 1);
				return;
			}
			if (!take(c, 10))
				return;
		} else {
			c->in[c->have] = '\0';
			end = strstr(c->in, "\r\n\r\n");
			if (end == NULL)
				return;
			if (strncmp(c->in, "HTTP/1.1 200", 12) != 0) {
				restart(ep, c, 1);
				return;
			}
			take(c, (size_t)(end + 4 - c->in));
		}
		if (send_all(c->fd, get, get_len) == -1) {
			restart(ep, c, 1);
			return;
		}
		c->step = TUNNEL;
	}
	c->have = 0; /* the answer itself is not looked at */
}

int main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct client *clients;
	long long t0, until;
	int ep, conns, secs, i, port;

	if (argc != 8) {
		fprintf(stderr, "usage: %s connect|socks5 PROXY_PORT HOST PORT "
		                "PATH CONNS SECONDS\n",
		        argv[0]);
		return 2;
	}
	socks = strcmp(argv[1], "socks5") == 0;
	proxy.sin_family = AF_INET;
	proxy.sin_port = htons((unsigned short)atoi(argv[2]));
	proxy.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	port = atoi(argv[4]);
	conns = atoi(argv[6]);
	secs = atoi(argv[7]);
	if (strlen(argv[3]) > 255 || conns < 1 || secs < 1)
		return 2;
	if (socks) {
		size_t hl = strlen(argv[3]);
		memcpy(handshake, "\x05\x01\x00\x03", 4);
		handshake[4] = (char)hl;
		memcpy(handshake + 5, argv[3], hl);
		handshake[5 + hl] = (char)(port >> 8);
		handshake[6 + hl] = (char)port;
		handshake_len = 7 + hl;
	} else {
		handshake_len = (size_t)snprintf(
		    handshake, sizeof(handshake),
		    "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n", argv[3],
		    port, argv[3], port);
	}
	get_len = (size_t)snprintf(get, sizeof(get),
	                           "GET %s HTTP/1.1\r\nHost: %s\r\n"
	                           "Connection: close\r\n\r\n",
	                           argv[5], argv[3]);
	ep = epoll_create1(0);
	clients = calloc((size_t)conns, sizeof(*clients));
	if (clients == NULL)
		return 1;
	t0 = now_us();
	until = t0 + secs * 1000000LL;
	for (i = 0; i < conns; i++)
		start(ep, &clients[i]);
	while (now_us() < until) {
		int n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n; i++)
			event(ep, evs[i].data.ptr);
	}
	printf("BENCHRESULT tunnels=%ld errors=%ld duration_us=%lld\n",
	       tunnels, errors, now_us() - t0);
	return 0;
}
