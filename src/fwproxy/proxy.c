#include "proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "file.h"
#include "json.h"
#include "log.h"
#include "log_repeat.h"
#include "util.h"

#define PAGE_MAX_BYTES (1024 * 1024)
#define ACCEPT_BATCH   64
#define TICK_MS        250
/* Idle connections free their buffers between other connections' blocks,
 * so the heap cannot shrink from the top; past this much, the free pages
 * inside it go back to the system. */
#define TRIM_AFTER_BYTES (1024 * 1024)

/* A FIFO, device or directory is refused before it is opened: a reload
 * must never block on one. */
static char *read_page(const char *path, config_report_fn *report, void *ctx)
{
	char why[128], msg[256];
	size_t len;
	char *text = file_read(path, PAGE_MAX_BYTES, &len, why, sizeof(why));

	if (text == NULL) {
		snprintf(msg, sizeof(msg), "cannot open: %s", why);
		report(ctx, path, 0, 1, msg);
	}
	return text;
}

struct runtime *runtime_new(struct config *cfg, config_report_fn *report,
                            void *ctx)
{
	struct runtime *rt = xcalloc(1, sizeof(*rt));
	const struct error_file *ef;
	int failed = 0, n = 0;

	rt->refs = 1;
	rt->cfg = cfg;
	if (cfg->filter != NULL) {
		struct filter_options opt;

		filter_options_from_config(cfg, &opt);
		rt->filter = filter_load_as(
		    cfg->filter,
		    cfg->filter_source ? cfg->filter_source : cfg->filter, &opt,
		    report, ctx);
		failed |= rt->filter == NULL;
	}
	if (cfg->default_error_file != NULL) {
		rt->error_page =
		    read_page(cfg->default_error_file, report, ctx);
		failed |= rt->error_page == NULL;
	}
	for (ef = cfg->error_files; ef != NULL; ef = ef->next)
		n++;
	rt->error_pages = xcalloc((size_t)n, sizeof(*rt->error_pages));
	for (ef = cfg->error_files; ef != NULL; ef = ef->next) {
		struct loaded_page *p = &rt->error_pages[rt->n_error_pages++];
		p->status = ef->status;
		p->text = read_page(ef->path, report, ctx);
		failed |= p->text == NULL;
	}
	if (cfg->stat_file != NULL) {
		rt->stat_page = read_page(cfg->stat_file, report, ctx);
		failed |= rt->stat_page == NULL;
	}
	for (n = 0; n < 2; n++) {
		char host[256], line[512];
		int len;
		if (gethostname(host, sizeof(host) - 1) == -1)
			str_copy(host, "fwproxy", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		len = snprintf(line, sizeof(line),
		               "Via: 1.%d %s (fwproxy/%s)\r\n", n,
		               cfg->via_proxy_name ? cfg->via_proxy_name : host,
		               FWPROXY_VERSION);
		rt->via[n] = xstrdup(line);
		rt->via_len[n] =
		    (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1;
	}
	rt->limits.max_request_line = (size_t)cfg->max_request_line;
	rt->limits.max_header_line = (size_t)cfg->max_header_line;
	rt->limits.max_headers = (size_t)cfg->max_headers;
	rt->limits.max_header_size = (size_t)cfg->max_header_size;
	if (failed) {
		runtime_free(rt);
		return NULL;
	}
	return rt;
}

struct runtime *runtime_ref(struct runtime *rt)
{
	rt->refs++;
	return rt;
}

/* Where runtimes go when their last reference drops; NULL: freed there. */
static runtime_dispose_fn *disposer;
static void *disposer_ctx;

void runtime_set_disposer(runtime_dispose_fn *fn, void *ctx)
{
	disposer = fn;
	disposer_ctx = ctx;
}

void runtime_unref(struct runtime *rt)
{
	if (rt == NULL || --rt->refs > 0)
		return;
	if (disposer != NULL)
		disposer(disposer_ctx, rt);
	else
		runtime_free(rt);
}

void runtime_free(struct runtime *rt)
{
	int i;

	if (rt == NULL)
		return;
	filter_free(rt->filter);
	free(rt->error_page);
	for (i = 0; i < rt->n_error_pages; i++)
		free(rt->error_pages[i].text);
	free(rt->error_pages);
	free(rt->stat_page);
	free(rt->via[0]);
	free(rt->via[1]);
	config_free(rt->cfg);
	free(rt);
}

void proxy_note_refusal(struct proxy *px, const char *client,
                        const char *method, const char *host, uint16_t port)
{
	struct proxy_stats *st = &px->stats;
	int n = st->n_recent < RECENT_REFUSALS ? st->n_recent : RECENT_REFUSALS;
	int newest = (st->n_recent - 1 + RECENT_REFUSALS) % RECENT_REFUSALS;
	struct refusal r = {0}, *slot;
	int i;

	r.count = 1;
	for (i = 0; i < n; i++) {
		/* Walk from the newest back: a repeated host moves up. */
		int at = (newest - i + RECENT_REFUSALS) % RECENT_REFUSALS;
		struct refusal *old = &st->recent[at];
		if (old->port != port || strcmp(old->host, host) != 0)
			continue;
		r.count = old->count + 1;
		for (; i > 0; i--) {
			int to =
			    (newest - i + RECENT_REFUSALS) % RECENT_REFUSALS;
			int from = (to + 1) % RECENT_REFUSALS;
			st->recent[to] = st->recent[from];
		}
		slot = &st->recent[newest];
		goto fill;
	}
	slot = &st->recent[st->n_recent % RECENT_REFUSALS];
	st->n_recent++;
fill:
	r.when = (int64_t)time(NULL);
	str_copy(r.client, client, sizeof(r.client));
	str_copy(r.method, method, sizeof(r.method));
	str_copy(r.host, host, sizeof(r.host));
	r.port = port;
	*slot = r;
}

static void log_refusal_text(const char *text, unsigned long repeats)
{
	struct buf b = {0};

	if (!log_is_json()) {
		if (repeats > 0)
			log_msg(LOG_LEVEL_NOTICE, "%s repeated %lu times", text,
			        repeats);
		else
			log_msg(LOG_LEVEL_NOTICE, "%s", text);
		return;
	}
	if (text[0] == '"')
		buf_append_str(&b, text);
	else
		json_string(&b, "message", text);
	if (repeats > 0)
		buf_printf(&b, ",\"repeated\":%lu", repeats);
	log_json(LOG_LEVEL_NOTICE, buf_cstr(&b));
	buf_free(&b);
}

static void report_repeats(void *ctx, const char *text, unsigned long n)
{
	(void)ctx;
	log_refusal_text(text, n);
}

void proxy_log_refusal(struct proxy *px, const char *client, const char *key,
                       const char *text)
{
	if (log_enabled(LOG_LEVEL_NOTICE) &&
	    log_repeat_check(px->refusal_repeats, client, key, event_now_ms(),
	                     report_repeats, NULL))
		log_refusal_text(text != NULL ? text : key, 0);
}

/* A refused client's request may still be arriving: closing with unread
 * bytes would reset the connection and lose the answer, so the socket is
 * drained for a moment first. */
#define LINGER_MAX 256
/* Bytes read away from a refused client that cannot linger. */
#define LINGER_DRAIN_MAX (64 * 1024)

struct lingering {
	struct event_source src;
	struct proxy *px;
	int64_t until;
	size_t drained; /* bytes read and dropped so far */
	struct lingering *prev, *next;
};

static void linger_close(struct lingering *l)
{
	struct proxy *px = l->px;

	event_remove(px->loop, &l->src);
	close(l->src.fd);
	if (l->prev != NULL)
		l->prev->next = l->next;
	else
		px->lingering = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	px->n_lingering--;
	free(l);
}

static void linger_event(struct event_source *src, uint32_t events)
{
	struct lingering *l = src->owner;
	char sink[4096];
	ssize_t n;

	(void)events;
	while ((n = read(src->fd, sink, sizeof(sink))) > 0) {
		l->drained += (size_t)n;
		if (l->drained > LINGER_MAX_BYTES) {
			linger_close(l);
			return;
		}
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		linger_close(l);
}

/* Writes status with a one-line text body that says why, and ends the
 * sending side. 0 / -1. */
static int send_refusal(int fd, int status, const char *phrase, const char *why)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg),
	                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
	                 status, phrase, strlen(why) + 1, why);

	if (write(fd, msg, (size_t)n) < 0)
		return -1;
	shutdown(fd, SHUT_WR);
	return 0;
}

/* Answers status (send_refusal), then drains the connection for a moment
 * before closing it. */
static void refuse_now(struct proxy *px, int fd, int status, const char *phrase,
                       const char *why)
{
	if (send_refusal(fd, status, phrase, why) == -1) {
		close(fd);
		return;
	}
	proxy_linger(px, fd);
}

void proxy_linger(struct proxy *px, int fd)
{
	struct lingering *l;

	if (px->n_lingering >= LINGER_MAX) {
		close(fd);
		return;
	}
	shutdown(fd, SHUT_WR);
	l = xcalloc(1, sizeof(*l));
	l->px = px;
	l->src.fd = fd;
	l->src.fn = linger_event;
	l->src.owner = l;
	l->until = event_now_ms() + LINGER_MS;
	if (event_add(px->loop, &l->src, EPOLLIN | EPOLLRDHUP) == -1) {
		close(fd);
		free(l);
		return;
	}
	l->next = px->lingering;
	if (l->next != NULL)
		l->next->prev = l;
	px->lingering = l;
	px->n_lingering++;
}

static void linger_expire(struct proxy *px, int64_t now)
{
	struct lingering *l, *next;

	for (l = px->lingering; l != NULL; l = next) {
		next = l->next;
		if (now >= l->until || px->stopping)
			linger_close(l);
	}
}

static void return_idle_memory(struct proxy *px)
{
	if (px->idle_released_bytes < TRIM_AFTER_BYTES)
		return;
	px->idle_released_bytes = 0;
	malloc_trim(0);
}

/* Out of descriptors with no spare (it could not be made again), the
 * listening socket stays readable: it leaves epoll until the next tick
 * finds a descriptor for the spare, so that the loop does not spin on
 * clients it cannot take. */
static void pause_accepting(struct proxy *px)
{
	int i;

	if (px->accept_paused || px->stopping)
		return;
	px->accept_paused = 1;
	for (i = 0; i < px->n_listeners; i++)
		event_modify(px->loop, &px->listeners[i], 0);
}

static void resume_accepting(struct proxy *px)
{
	int i;

	if (px->reserve_fd == -1 && px->n_listeners > 0)
		px->reserve_fd = dup(px->listeners[0].fd);
	if (!px->accept_paused || px->reserve_fd == -1 || px->stopping)
		return;
	px->accept_paused = 0;
	for (i = 0; i < px->n_listeners; i++)
		event_modify(px->loop, &px->listeners[i], EPOLLIN);
}

/* Out of descriptors: the spare one accepts this client so that it gets
 * a 503 that says why at once, rather than a wait in the backlog. It
 * cannot linger (that would hold the spare): the request that came with
 * it is read away before the close, since closing with unread bytes
 * would reset the connection and could lose the answer. */
static void refuse_out_of_fds(struct proxy *px, int listen_fd)
{
	char sink[4096];
	size_t drained = 0;
	ssize_t n;
	int fd;

	close(px->reserve_fd);
	px->reserve_fd = -1;
	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd != -1) {
		if (send_refusal(fd, 503, "Service Unavailable",
		                 "fwproxy is out of file descriptors (too many "
		                 "open connections); try again shortly") == 0)
			while (drained < LINGER_DRAIN_MAX &&
			       (n = read(fd, sink, sizeof(sink))) > 0)
				drained += (size_t)n;
		close(fd);
	}
	px->reserve_fd = dup(listen_fd);
	px->stats.over_limit++;
	/* Once a second at most: a flood must not fill the disk. */
	if (event_now_ms() >= px->emfile_logged_ms + 1000) {
		px->emfile_logged_ms = event_now_ms();
		log_msg(LOG_LEVEL_WARNING,
		        "Out of file descriptors: refusing new clients");
	}
}

/* One line a second at most: a flood must not fill the disk. The
 * refusals in between are counted, and the count written by the next
 * refusal's line or, when none comes, by the timer a second on. */
static void log_max_clients(struct proxy *px, int refusing)
{
	if (event_now_ms() < px->max_clients_logged_ms + 1000 ||
	    (!refusing && px->max_clients_unlogged == 0)) {
		px->max_clients_unlogged += (unsigned long)refusing;
		return;
	}
	px->max_clients_logged_ms = event_now_ms();
	if (!refusing)
		log_msg(LOG_LEVEL_WARNING,
		        "MaxClients (%d) reached: %lu more clients refused "
		        "since the last such line",
		        px->rt->cfg->max_clients, px->max_clients_unlogged);
	else if (px->max_clients_unlogged > 0)
		log_msg(LOG_LEVEL_WARNING,
		        "MaxClients (%d) reached: refusing a client (and %lu "
		        "more since the last such line)",
		        px->rt->cfg->max_clients, px->max_clients_unlogged);
	else
		log_msg(LOG_LEVEL_WARNING,
		        "MaxClients (%d) reached: refusing a client",
		        px->rt->cfg->max_clients);
	px->max_clients_unlogged = 0;
}

static void accept_event(struct event_source *src, uint32_t events)
{
	struct proxy *px = src->owner;
	int i;

	(void)events;
	for (i = 0; i < ACCEPT_BATCH && !px->stopping && !px->accept_paused;
	     i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		uint8_t addr[16];
		int fd = accept4(src->fd, (struct sockaddr *)&peer, &len,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd == -1) {
			if (errno != EMFILE && errno != ENFILE)
				return;
			if (px->reserve_fd != -1)
				refuse_out_of_fds(px, src->fd);
			if (px->reserve_fd == -1)
				pause_accepting(px);
			continue;
		}
		if (netaddr_from_sockaddr((struct sockaddr *)&peer, addr) ==
		        -1 ||
		    !config_client_allowed(px->rt->cfg, addr)) {
			char ip[64], line[128];
			px->stats.denied_clients++;
			netaddr_format(addr, ip, sizeof(ip));
			snprintf(line, sizeof(line),
			         "Unauthorized connection from %s", ip);
			proxy_log_refusal(px, ip, line, NULL);
			refuse_now(px, fd, 403, "Forbidden",
			           "Access denied: this client address is not "
			           "admitted by Allow/Deny");
			continue;
		}
		if (px->n_conns >= px->rt->cfg->max_clients) {
			char why[160];
			px->stats.over_limit++;
			log_max_clients(px, 1);
			snprintf(why, sizeof(why),
			         "fwproxy is serving its maximum of %d "
			         "connections (MaxClients); try again shortly",
			         px->rt->cfg->max_clients);
			refuse_now(px, fd, 503, "Service Unavailable", why);
			continue;
		}
		conn_accept(px, fd, (struct sockaddr *)&peer);
	}
}

static void load_local_addresses(struct proxy *px)
{
	struct ifaddrs *ifa, *i;
	int n = 0;

	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next)
		n++;
	px->local_addrs = xcalloc((size_t)n + 1, 16);
	for (i = ifa; i != NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL &&
		    netaddr_from_sockaddr(
		        i->ifa_addr, px->local_addrs[px->n_local_addrs]) == 0)
			px->n_local_addrs++;
	freeifaddrs(ifa);
}

int proxy_init(struct proxy *px, const int *fds, int n, struct runtime *rt,
               char *err, size_t errsize)
{
	int i;

	memset(px, 0, sizeof(*px));
	px->reserve_fd = -1;
	px->rt = rt;
	px->refusal_repeats = xcalloc(1, sizeof(*px->refusal_repeats));
	px->loop = event_loop_new();
	if (px->loop == NULL) {
		snprintf(err, errsize, "epoll: %s", strerror(errno));
		return -1;
	}
	px->resolver =
	    resolver_new(px->loop, rt->cfg->dns_servers, rt->cfg->n_dns_servers,
	                 rt->cfg->dns_timeout, err, errsize);
	if (px->resolver == NULL)
		return -1;
	load_local_addresses(px);
	for (i = 0; i < n && i < LISTEN_FDS_MAX; i++) {
		struct event_source *l = &px->listeners[px->n_listeners++];
		l->fd = fds[i];
		l->fn = accept_event;
		l->owner = px;
		if (event_add(px->loop, l, EPOLLIN) == -1) {
			snprintf(err, errsize, "epoll: %s", strerror(errno));
			return -1;
		}
	}
	px->reserve_fd = dup(fds[0]);
	return 0;
}

void proxy_set_runtime(struct proxy *px, struct runtime *rt)
{
	runtime_unref(px->rt);
	px->rt = rt;
}

void proxy_stop(struct proxy *px)
{
	struct conn *c, *next;
	int i;

	if (px->stopping)
		return;
	px->stopping = 1;
	px->stop_deadline_ms = event_now_ms() + STOP_GRACE_MS;
	for (i = 0; i < px->n_listeners; i++) {
		event_remove(px->loop, &px->listeners[i]);
		close(px->listeners[i].fd);
		px->listeners[i].fd = -1;
	}
	if (px->reserve_fd != -1)
		close(px->reserve_fd);
	px->reserve_fd = -1;
	for (c = px->conns; c != NULL; c = next) {
		next = c->next;
		if (c->phase == PHASE_HEAD && c->cin.len == 0)
			conn_close(c);
	}
}

void proxy_run(struct proxy *px)
{
	int64_t next_tick = event_now_ms() + TICK_MS;

	while (!px->stopping || px->conns != NULL) {
		int64_t now = event_now_ms();
		int timeout = (int)(next_tick > now ? next_tick - now : 0);
		int dns = resolver_timeout_ms(px->resolver);

		if (dns >= 0 && dns < timeout)
			timeout = dns;
		if (event_loop_once(px->loop, timeout) == -1) {
			log_msg(LOG_LEVEL_CRITICAL, "epoll_wait: %s",
			        strerror(errno));
			return;
		}
		resolver_tick(px->resolver);
		now = event_now_ms();
		if (px->stopping && now >= px->stop_deadline_ms) {
			while (px->conns != NULL)
				conn_cut(px->conns, "shutdown");
			break;
		}
		if (now >= next_tick) {
			struct conn *c, *next;
			for (c = px->conns; c != NULL; c = next) {
				next = c->next;
				conn_check_deadline(c, now);
			}
			linger_expire(px, now);
			resume_accepting(px);
			log_repeat_expire(px->refusal_repeats, now,
			                  report_repeats, NULL);
			log_max_clients(px, 0);
			return_idle_memory(px);
			next_tick = now + TICK_MS;
		}
	}
}

void proxy_free(struct proxy *px)
{
	while (px->conns != NULL)
		conn_close(px->conns);
	while (px->lingering != NULL)
		linger_close(px->lingering);
	resolver_free(px->resolver);
	event_loop_free(px->loop);
	runtime_unref(px->rt);
	if (px->refusal_repeats != NULL)
		log_repeat_expire(px->refusal_repeats, INT64_MAX,
		                  report_repeats, NULL);
	free(px->refusal_repeats);
	free(px->local_addrs);
	if (px->reserve_fd != -1)
		close(px->reserve_fd);
}
