#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "util.h"

/* Parsing scratch: a request is decided before the next one is read. */
static struct http_request parsed_request;

static void conn_progress(struct conn *c);
static void log_request(struct conn *c);
static void pipe_close(struct conn *c);
static void client_event(struct event_source *src, uint32_t events);
static void server_event(struct event_source *src, uint32_t events);

/* Timeout bounds every wait, as in tinyproxy; the finer limits can only
 * shorten it. */
static int64_t idle_limit_ms(const struct config *cfg, int seconds)
{
	return (seconds < cfg->timeout ? seconds : cfg->timeout) * 1000LL;
}

static size_t head_buffer_size(const struct runtime *rt)
{
	size_t want = rt->limits.max_header_size + 1;
	return want > CONN_BUF_SIZE ? want : CONN_BUF_SIZE;
}

void conn_append_field(struct buf *b, const struct http_header *h)
{
	buf_append(b, h->name.p, h->name.n);
	buf_append(b, ": ", 2);
	buf_append(b, h->value.p, h->value.n);
	buf_append(b, "\r\n", 2);
}

void conn_append_content_length(struct buf *b, unsigned long long n)
{
	buf_append_str(b, "Content-Length: ");
	buf_append_uint(b, n);
	buf_append(b, "\r\n", 2);
}

const char *conn_addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
	uint8_t addr[16];

	if (netaddr_from_sockaddr(sa, addr) == -1) {
		str_copy(buf, "?", size);
		return buf;
	}
	return netaddr_format(addr, buf, size);
}

void conn_accept(struct proxy *px, int fd, const struct sockaddr *peer)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	socklen_t len = sizeof(c->local);
	int one = 1;

	c->px = px;
	c->client.fd = fd;
	c->client.fn = client_event;
	c->client.owner = c;
	c->server.fd = -1;
	c->pipe_fd[0] = c->pipe_fd[1] = -1;
	c->server.fn = server_event;
	c->server.owner = c;
	netaddr_from_sockaddr(peer, c->client_addr);
	netaddr_format(c->client_addr, c->client_ip, sizeof(c->client_ip));
	getsockname(fd, (struct sockaddr *)&c->local, &len);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->phase = PHASE_HEAD;
	c->deadline_ms =
	    event_now_ms() +
	    idle_limit_ms(px->rt->cfg, px->rt->cfg->header_timeout);
	c->next = px->conns;
	if (px->conns != NULL)
		px->conns->prev = c;
	px->conns = c;
	px->n_conns++;
	px->stats.connections++;
	if (event_add(px->loop, &c->client, EPOLLIN | EPOLLRDHUP) == -1) {
		conn_close(c);
		return;
	}
	log_msg(LOG_LEVEL_CONNECT, "Connect (file descriptor %d): %s", fd,
	        c->client_ip);
	if (conn_transparent_accept(c) == 0 && c->transparent == TRANSPARENT_IP)
		conn_transparent_ip(c);
}

static void reset_request(struct conn *c)
{
	c->url = NULL;
	c->request_line = NULL;
	c->text.len = 0;
	runtime_unref(c->rt);
	c->rt = NULL;
	c->method[0] = '\0';
	c->host[0] = '\0';
	c->is_connect = c->is_head = 0;
	c->req_body = HTTP_BODY_NONE;
	c->req_left = 0;
	c->req_done = 0;
	c->resp_body = HTTP_BODY_NONE;
	c->resp_left = 0;
	c->resp_head_sent = 0;
	c->interim_count = 0;
	c->resp_status = 0;
	c->server_keep_alive = 0;
	c->bytes_up = c->bytes_down = 0;
	c->cut_by = NULL;
	c->rule_file = NULL;
	c->rule_line = 0;
	c->tls_pending = 0;
	c->upstream = NULL;
	c->server_reused = 0;
	c->close_after_reply = 0;
	c->sout.off = c->sout.len = 0;
	c->sout_total = 0;
	c->head_scanned = c->head_line_start = 0;
}

void conn_server_close(struct conn *c)
{
	if (c->server.fd == -1)
		return;
	event_remove(c->px->loop, &c->server);
	close(c->server.fd);
	c->server.fd = -1;
	c->server_eof = 0;
	c->sin.off = c->sin.len = 0;
	c->sin_body = 0;
}

/* Frees c; its client socket is closed at once, or handed to the
 * proxy's lingering drain when linger is set. */
static void conn_free(struct conn *c, int linger)
{
	struct proxy *px = c->px;

	/* A request still moving bytes: it was cut short. */
	if (c->url != NULL &&
	    (c->phase == PHASE_EXCHANGE || c->phase == PHASE_TUNNEL)) {
		if (c->cut_by == NULL)
			c->cut_by = c->server_eof   ? "server"
			            : c->client_eof ? "client"
			                            : "proxy";
		log_request(c);
	}
	conn_dial_cancel(c);
	conn_server_close(c);
	pipe_close(c);
	event_remove(px->loop, &c->client);
	if (linger)
		proxy_linger(px, c->client.fd);
	else
		close(c->client.fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		px->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	px->n_conns--;
	reset_request(c);
	buf_free(&c->cin);
	buf_free(&c->cout);
	buf_free(&c->sin);
	buf_free(&c->sout);
	buf_free(&c->text);
	free(c);
}

void conn_close(struct conn *c)
{
	conn_free(c, 0);
}

void conn_cut(struct conn *c, const char *who)
{
	if (c->cut_by == NULL)
		c->cut_by = who;
	conn_free(c, 0);
}

static void pipe_close(struct conn *c)
{
	if (c->pipe_fd[0] != -1) {
		close(c->pipe_fd[0]);
		close(c->pipe_fd[1]);
	}
	c->pipe_fd[0] = c->pipe_fd[1] = -1;
	c->pipe_len = 0;
	c->pipe_stalled = 0;
}

/* Large bodies and tunnels go from server to client through a pipe with
 * splice(2), never copied through user space; only bytes the proxy need
 * not look at qualify: a tunnel, or a body framed by length or close. */
static int splice_wanted(const struct conn *c)
{
	if (c->server.fd == -1 || c->server_eof || c->sin.len > 0 ||
	    c->cout.len > 0)
		return 0;
	if (c->phase == PHASE_TUNNEL)
		return 1;
	/* Once a body is being spliced it stays so: bytes copied meanwhile
	 * would overtake those in the pipe. */
	return c->phase == PHASE_EXCHANGE && c->resp_head_sent &&
	       ((c->resp_body == HTTP_BODY_LENGTH &&
	         (c->resp_left >= SPLICE_MIN_BYTES || c->pipe_fd[0] != -1)) ||
	        c->resp_body == HTTP_BODY_CLOSE);
}

/* Moves what the server has into the pipe. 0, or -1 on error. */
static int splice_in(struct conn *c)
{
	size_t want = SPLICE_PIPE_BYTES - c->pipe_len;
	ssize_t n;

	if (c->pipe_fd[0] == -1) {
		if (pipe2(c->pipe_fd, O_NONBLOCK | O_CLOEXEC) == -1) {
			c->pipe_fd[0] = c->pipe_fd[1] = -1;
			return 0; /* fall back to copying */
		}
		fcntl(c->pipe_fd[1], F_SETPIPE_SZ, SPLICE_PIPE_BYTES);
	}
	if (c->phase == PHASE_EXCHANGE && c->resp_body == HTTP_BODY_LENGTH &&
	    c->resp_left < want)
		want = (size_t)c->resp_left;
	if (want == 0)
		return 0;
	n = splice(c->server.fd, NULL, c->pipe_fd[1], NULL, want,
	           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n == 0) {
		c->server_eof = 1;
		return 0;
	}
	if (n < 0 && errno == EAGAIN && c->pipe_len > 0) {
		/* A pipe holds a number of pages, not of bytes: it can be full
		 * well short of SPLICE_PIPE_BYTES. Reading waits until the
		 * client takes some, or level-triggered EPOLLIN would spin. */
		c->pipe_stalled = 1;
		return 0;
	}
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	c->pipe_len += (size_t)n;
	if (c->phase == PHASE_EXCHANGE && c->resp_body == HTTP_BODY_LENGTH)
		c->resp_left -= (uint64_t)n;
	return 0;
}

/* Moves what the pipe holds to the client. 0, or -1 on error. */
static int splice_out(struct conn *c)
{
	ssize_t n;

	if (c->pipe_len == 0)
		return 0;
	n = splice(c->pipe_fd[0], NULL, c->client.fd, NULL, c->pipe_len,
	           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n > 0)
		c->pipe_stalled = 0;
	c->pipe_len -= (size_t)n;
	c->bytes_down += (uint64_t)n;
	return 0;
}

/* Unallocated buffers count as having room: they are allocated on read. */
static int has_room(const struct buf *b, size_t cap)
{
	return b->data == NULL || buf_room(b) > 0 || b->off > 0 || b->cap < cap;
}

static int pipe_has_room(const struct conn *c)
{
	return c->pipe_len < SPLICE_PIPE_BYTES && !c->pipe_stalled;
}

void conn_update_events(struct conn *c)
{
	uint32_t cm = 0, sm = 0;
	int client_out = c->cout.len > 0 || c->sin_body > 0 || c->pipe_len > 0;
	size_t cin_cap = head_buffer_size(c->rt ? c->rt : c->px->rt);
	int server_out = c->sout.len > 0 || c->cin_body > 0;

	switch (c->phase) {
	case PHASE_HEAD:
		if (has_room(&c->cin, cin_cap))
			cm |= EPOLLIN;
		sm |= EPOLLIN; /* a kept server connection closing */
		break;
	case PHASE_DIAL:
		sm = c->server.mask; /* the dialer owns it */
		break;
	case PHASE_EXCHANGE:
		/* Reading on past the request body only queues the next
		 * pipelined request, and keeps the mask as it was. */
		if (!c->client_eof && has_room(&c->cin, cin_cap))
			cm |= EPOLLIN;
		if (has_room(&c->sin, CONN_BUF_SIZE) && !c->server_eof &&
		    pipe_has_room(c))
			sm |= EPOLLIN;
		if (server_out)
			sm |= EPOLLOUT;
		break;
	case PHASE_TUNNEL:
		if (!c->client_eof && has_room(&c->cin, cin_cap))
			cm |= EPOLLIN;
		if (!c->server_eof && has_room(&c->sin, CONN_BUF_SIZE) &&
		    pipe_has_room(c))
			sm |= EPOLLIN;
		if (server_out)
			sm |= EPOLLOUT;
		break;
	case PHASE_REPLY:
		/* Closing after the reply: what the client still sends is
		 * read and dropped, so that a client blocked in sending
		 * can get on to reading the answer. */
		if (c->close_after_reply && !c->client_eof)
			cm |= EPOLLIN;
		break;
	}
	if (client_out)
		cm |= EPOLLOUT;
	/* Hang-ups matter only while reading: a level-triggered EPOLLRDHUP
	 * nobody reads would fire forever. */
	if (cm & EPOLLIN)
		cm |= EPOLLRDHUP;
	if (sm & EPOLLIN)
		sm |= EPOLLRDHUP;
	event_modify(c->px->loop, &c->client, cm);
	if (c->server.fd != -1)
		event_modify(c->px->loop, &c->server, sm);
}

/* Reads what fits into b. Returns bytes read, 0 at end of stream, -1 on
 * error, -2 when nothing is available now. */
static ssize_t read_into(int fd, struct buf *b, size_t cap)
{
	size_t first = cap < CONN_BUF_FIRST ? cap : CONN_BUF_FIRST;
	ssize_t n;

	/* Start small (most heads are short) and grow to cap when full. */
	if (b->data == NULL)
		buf_reserve(b, first, 0);
	else if (buf_room(b) == 0 && b->off + b->len >= b->cap && b->cap < cap)
		buf_reserve(b, b->cap * 2 < cap ? b->cap * 2 : cap, 1);
	else
		buf_reserve(b, b->cap, b->cap / 4);
	if (buf_room(b) == 0)
		return -2;
	n = read(fd, buf_tail(b), buf_room(b));
	if (n > 0) {
		b->len += (size_t)n;
		return n;
	}
	if (n == 0)
		return 0;
	return errno == EAGAIN || errno == EINTR ? -2 : -1;
}

/* Writes head (pending bytes of b) and then body_len bytes at body.
 * Returns bytes written (consumed from b first), or -1 on error. */
static ssize_t write_two(int fd, struct buf *b, const char *body,
                         size_t body_len)
{
	struct iovec iov[2];
	int n = 0;
	ssize_t w;

	if (b->len > 0) {
		iov[n].iov_base = b->data + b->off;
		iov[n++].iov_len = b->len;
	}
	if (body_len > 0) {
		iov[n].iov_base = (void *)body;
		iov[n++].iov_len = body_len;
	}
	if (n == 0)
		return 0;
	w = writev(fd, iov, n);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	return w;
}

/* Splits w written bytes between the buffer b and the body count. */
static size_t take_written(struct buf *b, size_t w)
{
	size_t from_head = w < b->len ? w : b->len;

	if (from_head > 0) {
		b->off += from_head;
		b->len -= from_head;
	}
	return w - from_head;
}

static int flush_to_server(struct conn *c)
{
	ssize_t w;
	size_t body;

	if (c->server.fd == -1 || (c->sout.len == 0 && c->cin_body == 0))
		return 0;
	w = write_two(c->server.fd, &c->sout,
	              c->cin.data ? buf_head(&c->cin) : NULL, c->cin_body);
	if (w < 0)
		return -1;
	body = take_written(&c->sout, (size_t)w);
	if (body > 0) {
		buf_consume(&c->cin, body);
		c->cin_body -= body;
		c->bytes_up += body;
	}
	return 0;
}

static int flush_to_client(struct conn *c)
{
	ssize_t w;
	size_t body;

	if (c->cout.len == 0 && c->sin_body == 0)
		return splice_out(c);
	w = write_two(c->client.fd, &c->cout,
	              c->sin.data ? buf_head(&c->sin) : NULL, c->sin_body);
	if (w < 0)
		return -1;
	body = take_written(&c->cout, (size_t)w);
	if (c->cout.len == 0)
		c->cout.off = 0;
	if (body > 0) {
		buf_consume(&c->sin, body);
		c->sin_body -= body;
		c->bytes_down += body;
	}
	return 0;
}

/* Marks how much of what the client sent belongs to the request body.
 * Returns -1 on a malformed chunked body. */
static int account_request_body(struct conn *c)
{
	size_t fresh = c->cin.len - c->cin_body, used;

	if (c->phase == PHASE_TUNNEL) {
		c->cin_body = c->cin.len;
		return 0;
	}
	if (c->req_done || fresh == 0)
		return 0;
	if (c->req_body == HTTP_BODY_LENGTH) {
		used = fresh < c->req_left ? fresh : (size_t)c->req_left;
		c->req_left -= used;
		c->cin_body += used;
		if (c->req_left == 0)
			c->req_done = 1;
		return 0;
	}
	switch (http_chunked_feed(
	    &c->req_chunked, buf_head(&c->cin) + c->cin_body, fresh, &used)) {
	case HTTP_CHUNKED_MORE:
		c->cin_body += used;
		return 0;
	case HTTP_CHUNKED_DONE:
		c->cin_body += used;
		c->req_done = 1;
		return 0;
	default:
		return -1;
	}
}

/* Same for what the server sent after the response head. Returns 1 when
 * the response body is complete, 0 when more is due, -1 when malformed. */
static int account_response_body(struct conn *c)
{
	size_t fresh = c->sin.len - c->sin_body, used;

	if (c->phase == PHASE_TUNNEL) {
		c->sin_body = c->sin.len;
		return 0;
	}
	switch (c->resp_body) {
	case HTTP_BODY_NONE:
		return 1;
	case HTTP_BODY_CLOSE:
		c->sin_body = c->sin.len;
		return c->server_eof;
	case HTTP_BODY_LENGTH:
		used = fresh < c->resp_left ? fresh : (size_t)c->resp_left;
		c->resp_left -= used;
		c->sin_body += used;
		return c->resp_left == 0;
	case HTTP_BODY_CHUNKED:
		if (fresh == 0)
			return c->resp_left == 1; /* DONE seen earlier */
		switch (http_chunked_feed(&c->resp_chunked,
		                          buf_head(&c->sin) + c->sin_body,
		                          fresh, &used)) {
		case HTTP_CHUNKED_MORE:
			c->sin_body += used;
			return 0;
		case HTTP_CHUNKED_DONE:
			c->sin_body += used;
			c->resp_left = 1; /* remembers DONE */
			return 1;
		default:
			return -1;
		}
	}
	return -1;
}

/* Parsing starts over on every call, so it is worth doing only when a line
 * ended or a limit may have been crossed: a head sent a byte at a time then
 * costs a parse per line, not per byte. */
static int head_worth_parsing(struct conn *c)
{
	const struct http_limits *lim = &c->rt->limits;
	const char *head = buf_head(&c->cin);
	size_t longest = lim->max_request_line < lim->max_header_line
	                     ? lim->max_request_line
	                     : lim->max_header_line;
	const char *nl =
	    memrchr(head + c->head_scanned, '\n', c->cin.len - c->head_scanned);

	c->head_scanned = c->cin.len;
	if (nl != NULL) {
		c->head_line_start = (size_t)(nl - head) + 1;
		return 1;
	}
	return c->cin.len - c->head_line_start > longest ||
	       c->cin.len > lim->max_header_size;
}

static void process_head(struct conn *c)
{
	struct http_request *req = &parsed_request;
	const char *why = "malformed request";
	enum http_parse r;

	if (conn_socks_claims(c)) {
		conn_socks_head(c);
		return;
	}
	if (c->cin.len == 0) {
		if (c->client_eof)
			conn_close(c);
		return;
	}
	if (c->rt == NULL)
		c->rt = runtime_ref(c->px->rt);
	if (c->transparent == TRANSPARENT_TLS) {
		conn_transparent_tls(c);
		return;
	}
	if (!head_worth_parsing(c)) {
		r = HTTP_PARSE_INCOMPLETE;
		goto incomplete;
	}
	r = (c->transparent == TRANSPARENT_HTTP ? http_parse_request_origin
	                                        : http_parse_request)(
	    buf_head(&c->cin), c->cin.len, &c->rt->limits, req, &why);
	switch (r) {
	case HTTP_PARSE_INCOMPLETE:
	incomplete:
		if (c->client_eof) {
			conn_close(c);
			return;
		}
		/* A started request must arrive within HeaderTimeout, however
		 * slowly its bytes trickle in. */
		if (c->started_ms == 0) {
			c->started_ms = event_now_ms();
			c->deadline_ms =
			    c->started_ms +
			    idle_limit_ms(c->rt->cfg,
			                  c->rt->cfg->header_timeout);
		}
		conn_update_events(c);
		return;
	case HTTP_PARSE_DONE:
		break;
	case HTTP_PARSE_URI_TOO_LONG:
		c->px->stats.errors++;
		log_msg(LOG_LEVEL_WARNING, "Bad request from %s: %s",
		        c->client_ip, why);
		conn_reply_error(c, 414, "URI Too Long", why, 1);
		return;
	case HTTP_PARSE_TOO_LARGE:
		c->px->stats.errors++;
		log_msg(LOG_LEVEL_WARNING, "Bad request from %s: %s",
		        c->client_ip, why);
		conn_reply_error(c, 431, "Request Header Fields Too Large", why,
		                 1);
		return;
	case HTTP_PARSE_NOT_IMPLEMENTED:
		c->px->stats.errors++;
		log_msg(LOG_LEVEL_WARNING, "Bad request from %s: %s",
		        c->client_ip, why);
		conn_reply_error(c, 501, "Not Implemented", why, 1);
		return;
	default:
		c->px->stats.errors++;
		log_msg(LOG_LEVEL_WARNING, "Bad request from %s: %s",
		        c->client_ip, why);
		conn_reply_error(c, 400, "Bad Request", why, 1);
		return;
	}
	if (c->started_ms == 0)
		c->started_ms = event_now_ms();
	c->px->stats.requests++;
	conn_handle_request(c, req);
}

void conn_start_exchange(struct conn *c)
{
	c->phase = PHASE_EXCHANGE;
	c->deadline_ms = event_now_ms() + c->rt->cfg->timeout * 1000LL;
	if (c->req_body == HTTP_BODY_NONE)
		c->req_done = 1;
	else
		http_chunked_init(&c->req_chunked);
	if (account_request_body(c) == -1) {
		conn_reply_error(c, 400, "Bad Request",
		                 "malformed chunked body", 1);
		return;
	}
	conn_progress(c);
}

void conn_start_tunnel(struct conn *c)
{
	c->phase = PHASE_TUNNEL;
	c->deadline_ms = event_now_ms() + c->rt->cfg->timeout * 1000LL;
	c->tls_pending = conn_tls_check_wanted(c);
	c->cin_body = c->tls_pending ? 0 : c->cin.len;
	c->sin_body = c->sin.len;
	conn_progress(c);
}

/* One line per request: "Request ..." at INFO when it ended as it should,
 * "Transfer cut short ..." (NOTICE when the client left, WARNING when the
 * server or the proxy cut it) when not. */
static void log_request(struct conn *c)
{
	char rule[HOSTNAME_MAX + 32];
	long long ms = (long long)(event_now_ms() - c->started_ms);
	enum log_level level = LOG_LEVEL_INFO;
	const char *mode =
	    c->transparent != TRANSPARENT_NONE ? " transparent" : "";

	if (c->cut_by != NULL)
		level = strcmp(c->cut_by, "client") == 0 ? LOG_LEVEL_NOTICE
		                                         : LOG_LEVEL_WARNING;
	if (!log_enabled(level))
		return;
	if (c->rule_file != NULL)
		snprintf(rule, sizeof(rule), "%s:%d", c->rule_file,
		         c->rule_line);
	else
		str_copy(rule, "default", sizeof(rule));
	if (log_is_json()) {
		struct buf b = {0};
		json_string(&b, "event", c->cut_by ? "cut" : "request");
		if (c->cut_by != NULL)
			json_string(&b, "cut_by", c->cut_by);
		json_string(&b, "client", c->client_ip);
		json_string(&b, "method", c->method);
		json_string(&b, "url", c->url);
		json_string(&b, "host", c->host);
		json_number(&b, "port", c->port);
		json_number(&b, "status", c->resp_status);
		json_number(&b, "up", (long long)c->bytes_up);
		json_number(&b, "down", (long long)c->bytes_down);
		json_number(&b, "ms", ms);
		json_string(&b, "rule", rule);
		if (c->transparent != TRANSPARENT_NONE)
			json_string(&b, "mode", "transparent");
		log_json(level, buf_cstr(&b));
		buf_free(&b);
		return;
	}
	if (c->cut_by != NULL)
		log_msg(level,
		        "Transfer cut short by the %s: %s \"%s %s\" %d up=%llu "
		        "down=%llu %lldms rule=%s%s",
		        c->cut_by, c->client_ip, c->method, c->url,
		        c->resp_status, (unsigned long long)c->bytes_up,
		        (unsigned long long)c->bytes_down, ms, rule, mode);
	else
		log_msg(level,
		        "Request %s \"%s %s\" %d up=%llu down=%llu %lldms "
		        "rule=%s%s",
		        c->client_ip, c->method, c->url, c->resp_status,
		        (unsigned long long)c->bytes_up,
		        (unsigned long long)c->bytes_down, ms, rule, mode);
}

/* The answer sent (ours or the server's) said whether the connection
 * stays open: close_after_reply is set whenever it said close. */
void conn_request_finished(struct conn *c)
{
	int keep_client = c->client_keep_alive && c->req_done &&
	                  !c->close_after_reply && !c->client_eof &&
	                  !c->px->stopping && c->resp_body != HTTP_BODY_CLOSE;
	int keep_server = c->server.fd != -1 && c->server_keep_alive &&
	                  c->req_done && c->cin_body == 0 && c->sin.len == 0 &&
	                  !c->server_eof && c->phase == PHASE_EXCHANGE;

	if (c->url != NULL)
		log_request(c);
	c->url = NULL; /* logged: closing is no longer cutting it short */
	if (!keep_server)
		conn_server_close(c);
	if (!keep_client) {
		/* After an answer of ours the client may still be sending
		 * what we did not read. */
		conn_free(c, c->phase == PHASE_REPLY);
		return;
	}
	/* Body bytes the server answered without: the request was read
	 * whole, they are not the next request. */
	buf_consume(&c->cin, c->cin_body);
	c->cin_body = 0;
	pipe_close(c);
	reset_request(c);
	c->phase = PHASE_HEAD;
	c->started_ms = 0;
	c->server_idle_until = event_now_ms() + SERVER_IDLE_MS;
	c->deadline_ms =
	    event_now_ms() +
	    idle_limit_ms(c->px->rt->cfg, c->px->rt->cfg->keepalive_timeout);
	c->idle_since_ms = event_now_ms();
	if (c->cin.len > 0)
		process_head(c);
	else
		conn_update_events(c);
}

/* Retries a request whose kept server connection turned out closed before
 * it answered: the server may close an idle connection at any time. */
static int retry_stale_server(struct conn *c)
{
	if (!c->server_reused || c->sin.len > 0 || c->resp_head_sent ||
	    c->req_body != HTTP_BODY_NONE)
		return 0;
	conn_server_close(c);
	c->server_reused = 0;
	c->sout.off = 0;
	c->sout.len = c->sout_total;
	conn_dial(c);
	return 1;
}

static void server_failed(struct conn *c, const char *why)
{
	if (retry_stale_server(c))
		return;
	conn_server_close(c);
	if (!c->resp_head_sent) {
		c->px->stats.errors++;
		conn_reply_error(c, 502, "Bad Gateway", why, 1);
		return;
	}
	log_msg(LOG_LEVEL_WARNING, "Server of %s: %s", c->host, why);
	conn_cut(c, "server");
}

static void exchange_progress(struct conn *c)
{
	int r;

	if (account_request_body(c) == -1) {
		c->px->stats.errors++;
		if (!c->resp_head_sent) {
			conn_server_close(c);
			conn_reply_error(c, 400, "Bad Request",
			                 "malformed chunked body", 1);
		} else {
			conn_cut(c, "client");
		}
		return;
	}
	if (flush_to_server(c) == -1) {
		server_failed(c, "cannot send to the server");
		return;
	}
	if (!c->resp_head_sent) {
		if (c->sin.len == 0) {
			if (c->server_eof) {
				server_failed(c,
				              "the server closed the "
				              "connection without answering");
				return;
			}
			if (c->client_eof && !c->req_done) {
				conn_cut(c, "client");
				return;
			}
			conn_update_events(c);
			return;
		}
		if (conn_handle_response(c) == -1 || !c->resp_head_sent) {
			return;
		}
		if (c->phase == PHASE_TUNNEL)
			return;
	}
	r = account_response_body(c);
	if (r == -1) {
		log_msg(LOG_LEVEL_WARNING, "Malformed response body from %s",
		        c->host);
		c->server_keep_alive = 0;
		c->close_after_reply = 1;
		conn_server_close(c);
		flush_to_client(c);
		conn_cut(c, "server");
		return;
	}
	if (flush_to_client(c) == -1) {
		conn_cut(c, "client");
		return;
	}
	if (r == 1 && c->sin_body == 0 && c->cout.len == 0 &&
	    c->pipe_len == 0) {
		conn_request_finished(c);
		return;
	}
	if (r == 0 && c->server_eof && c->sin_body == 0 && c->pipe_len == 0) {
		/* Truncated: the client must see the connection end. */
		conn_cut(c, "server");
		return;
	}
	conn_update_events(c);
}

static void tunnel_progress(struct conn *c)
{
	if (c->tls_pending && conn_tls_tunnel_check(c) == -1)
		return;
	c->cin_body = c->tls_pending ? 0 : c->cin.len;
	c->sin_body = c->sin.len;
	if (flush_to_server(c) == -1) {
		conn_cut(c, "server");
		return;
	}
	if (flush_to_client(c) == -1) {
		conn_cut(c, "client");
		return;
	}
	if (c->client_eof && c->cin_body == 0 && c->server.fd != -1)
		shutdown(c->server.fd, SHUT_WR);
	if (c->server_eof && c->sin_body == 0 && c->cout.len == 0 &&
	    c->pipe_len == 0)
		shutdown(c->client.fd, SHUT_WR);
	if (c->client_eof && c->server_eof && c->cin_body == 0 &&
	    c->sin_body == 0 && c->cout.len == 0 && c->pipe_len == 0) {
		c->resp_status = 200;
		c->close_after_reply = 1;
		conn_request_finished(c);
		return;
	}
	conn_update_events(c);
}

static void reply_progress(struct conn *c)
{
	if (c->close_after_reply)
		buf_consume(&c->cin, c->cin.len);
	if (flush_to_client(c) == -1) {
		conn_close(c);
		return;
	}
	if (c->cout.len == 0) {
		conn_request_finished(c);
		return;
	}
	conn_update_events(c);
}

static void conn_progress(struct conn *c)
{
	switch (c->phase) {
	case PHASE_HEAD:
		process_head(c);
		break;
	case PHASE_DIAL:
		conn_update_events(c);
		break;
	case PHASE_EXCHANGE:
		exchange_progress(c);
		break;
	case PHASE_TUNNEL:
		tunnel_progress(c);
		break;
	case PHASE_REPLY:
		reply_progress(c);
		break;
	}
}

void conn_send_reply(struct conn *c, int close_after)
{
	conn_dial_cancel(c);
	c->phase = PHASE_REPLY;
	c->close_after_reply = c->close_after_reply || close_after;
	c->deadline_ms = event_now_ms() + c->px->rt->cfg->timeout * 1000LL;
	c->sin_body = 0;
	reply_progress(c);
}

static void client_event(struct event_source *src, uint32_t events)
{
	struct conn *c = src->owner;
	size_t cap;
	ssize_t n;

	if (events & EPOLLOUT) {
		if (flush_to_client(c) == -1) {
			conn_cut(c, "client");
			return;
		}
	}
	if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
	    (src->mask & EPOLLIN)) {
		cap = c->rt ? head_buffer_size(c->rt)
		            : head_buffer_size(c->px->rt);
		n = read_into(c->client.fd, &c->cin, cap);
		if (n == -1) {
			conn_cut(c, "client");
			return;
		}
		if (n == 0)
			c->client_eof = 1;
		/* Bytes dropped while a reply waits do not extend it. */
		if (n > 0 && c->phase != PHASE_HEAD && c->phase != PHASE_REPLY)
			c->deadline_ms =
			    event_now_ms() + c->rt->cfg->timeout * 1000LL;
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		conn_cut(c, "client");
		return;
	}
	conn_progress(c);
}

static void server_event(struct event_source *src, uint32_t events)
{
	struct conn *c = src->owner;
	ssize_t n;

	if (c->phase == PHASE_DIAL) {
		conn_dial_event(c, events);
		return;
	}
	if (c->phase == PHASE_HEAD || c->phase == PHASE_REPLY) {
		/* A kept connection said something or closed: drop it. */
		conn_server_close(c);
		conn_update_events(c);
		return;
	}
	if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
	    (src->mask & EPOLLIN) && splice_wanted(c)) {
		if (splice_in(c) == -1) {
			conn_cut(c, "server");
			return;
		}
		if (splice_out(c) == -1) {
			conn_cut(c, "client");
			return;
		}
		c->deadline_ms = event_now_ms() + c->rt->cfg->timeout * 1000LL;
	} else if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
	           (src->mask & EPOLLIN)) {
		n = read_into(c->server.fd, &c->sin, CONN_BUF_SIZE);
		if (n == -1) {
			if (c->phase == PHASE_TUNNEL) {
				conn_cut(c, "server");
				return;
			}
			c->server_eof = 1;
		}
		if (n == 0)
			c->server_eof = 1;
		if (n > 0)
			c->deadline_ms =
			    event_now_ms() + c->rt->cfg->timeout * 1000LL;
	} else if ((events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLOUT)) {
		c->server_eof = 1;
	}
	conn_progress(c);
}

void conn_check_deadline(struct conn *c, int64_t now)
{
	/* Idle connections give their buffers back, but not between two
	 * requests of a busy one: that would only churn the heap. */
	if (c->phase == PHASE_HEAD && c->cin.len == 0 &&
	    now - c->idle_since_ms >= BUF_RELEASE_IDLE_MS) {
		c->px->idle_released_bytes += buf_release_if_empty(&c->cin) +
		                              buf_release_if_empty(&c->cout) +
		                              buf_release_if_empty(&c->sin) +
		                              buf_release_if_empty(&c->sout) +
		                              buf_release_if_empty(&c->text);
	}
	if (c->phase == PHASE_HEAD && c->server.fd != -1 &&
	    now >= c->server_idle_until)
		conn_server_close(c);
	if (now < c->deadline_ms)
		return;
	switch (c->phase) {
	case PHASE_HEAD:
		/* A SOCKS handshake may stall between its messages. */
		if (c->cin.len > 0 || c->socks_version != 0) {
			log_msg(LOG_LEVEL_NOTICE,
			        "Request head from %s not complete in time",
			        c->client_ip);
			conn_reply_error(c, 408, "Request Timeout",
			                 "the request was not complete in time",
			                 1);
			return;
		}
		conn_close(c);
		return;
	case PHASE_DIAL:
		conn_dial_event(c, 0);
		return;
	case PHASE_EXCHANGE:
		if (!c->resp_head_sent && !c->req_done) {
			log_msg(LOG_LEVEL_NOTICE,
			        "Request body from %s not complete in time",
			        c->client_ip);
			conn_server_close(c);
			conn_reply_error(
			    c, 408, "Request Timeout",
			    "the request body was not complete in time", 1);
			return;
		}
		if (!c->resp_head_sent) {
			conn_server_close(c);
			conn_reply_error(c, 504, "Gateway Timeout",
			                 "the server did not answer in time",
			                 1);
			return;
		}
		conn_cut(c, "timeout");
		return;
	default:
		conn_cut(c, "timeout");
		return;
	}
}
