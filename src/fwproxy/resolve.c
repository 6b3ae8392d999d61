#include "resolve.h"

#include <ares.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "hostname.h"
#include "util.h"

#define CACHE_BUCKETS     1024
#define CACHE_MAX_ENTRIES 8192
#define CACHE_MAX_TTL_S   3600
/* Answers with a TTL of 0 (common for local names) would cost a lookup per
 * connection; the destination policy is applied to every address used, so
 * a short floor does not weaken it. */
#define CACHE_MIN_TTL_S 5
#define MAX_SOCKETS     16

struct cache_entry {
	struct cache_entry *next;
	int64_t expires_ms;
	struct resolve_result result;
	char host[]; /* NUL-terminated */
};

struct resolve_query {
	struct resolver *r;
	resolve_fn *fn; /* NULL once cancelled */
	void *arg;
	char host[HOSTNAME_MAX + 1];
};

struct resolver_socket {
	struct event_source src;
	struct resolver *r;
};

struct resolver {
	struct event_loop *loop;
	ares_channel channel;
	struct resolver_socket sockets[MAX_SOCKETS];
	struct cache_entry *cache[CACHE_BUCKETS];
	size_t cache_entries;
	unsigned long hits, misses;
	int pending;
};

static unsigned hash_host(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void cache_clear(struct resolver *r)
{
	size_t i;

	for (i = 0; i < CACHE_BUCKETS; i++) {
		while (r->cache[i] != NULL) {
			struct cache_entry *e = r->cache[i];
			r->cache[i] = e->next;
			free(e);
		}
	}
	r->cache_entries = 0;
}

static const struct cache_entry *cache_find(struct resolver *r,
                                            const char *host)
{
	struct cache_entry **pp = &r->cache[hash_host(host) % CACHE_BUCKETS];
	int64_t now = event_now_ms();

	while (*pp != NULL) {
		struct cache_entry *e = *pp;
		if (e->expires_ms <= now) {
			*pp = e->next;
			free(e);
			r->cache_entries--;
			continue;
		}
		if (strcmp(e->host, host) == 0)
			return e;
		pp = &e->next;
	}
	return NULL;
}

static void cache_store(struct resolver *r, const char *host,
                        const struct resolve_result *res, int ttl_s)
{
	size_t len = strlen(host);
	struct cache_entry *e;
	unsigned b;

	if (ttl_s < CACHE_MIN_TTL_S)
		ttl_s = CACHE_MIN_TTL_S;
	if (ttl_s > CACHE_MAX_TTL_S)
		ttl_s = CACHE_MAX_TTL_S;
	if (cache_find(r, host) != NULL)
		return;
	/* A full cache is emptied rather than searched for victims: bounded
	 * memory matters more than the few lookups this repeats. */
	if (r->cache_entries >= CACHE_MAX_ENTRIES)
		cache_clear(r);
	e = xmalloc(sizeof(*e) + len + 1);
	memcpy(e->host, host, len + 1);
	e->result = *res;
	e->expires_ms = event_now_ms() + (int64_t)ttl_s * 1000;
	b = hash_host(host) % CACHE_BUCKETS;
	e->next = r->cache[b];
	r->cache[b] = e;
	r->cache_entries++;
}

static void socket_event(struct event_source *src, uint32_t events)
{
	struct resolver_socket *s = src->owner;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rfd = src->fd;
	if (events & EPOLLOUT)
		wfd = src->fd;
	ares_process_fd(s->r->channel, rfd, wfd);
}

static void socket_state(void *data, ares_socket_t fd, int readable,
                         int writable)
{
	struct resolver *r = data;
	struct resolver_socket *free_slot = NULL;
	uint32_t mask = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	int i;

	for (i = 0; i < MAX_SOCKETS; i++) {
		struct resolver_socket *s = &r->sockets[i];
		if (s->src.fd == fd) {
			if (mask == 0) {
				event_remove(r->loop, &s->src);
				s->src.fd = -1;
			} else {
				event_modify(r->loop, &s->src, mask);
			}
			return;
		}
		if (s->src.fd == -1 && free_slot == NULL)
			free_slot = s;
	}
	if (mask == 0 || free_slot == NULL)
		return;
	free_slot->src.fd = fd;
	free_slot->src.fn = socket_event;
	free_slot->src.owner = free_slot;
	free_slot->r = r;
	if (event_add(r->loop, &free_slot->src, mask) == -1)
		free_slot->src.fd = -1;
}

struct resolver *resolver_new(struct event_loop *loop, char *const *servers,
                              int n, int timeout_s, char *err, size_t errsize)
{
	struct ares_options opt;
	struct resolver *r;
	int status, i;

	status = ares_library_init(ARES_LIB_INIT_ALL);
	if (status != ARES_SUCCESS) {
		snprintf(err, errsize, "c-ares: %s", ares_strerror(status));
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->loop = loop;
	for (i = 0; i < MAX_SOCKETS; i++)
		r->sockets[i].src.fd = -1;
	memset(&opt, 0, sizeof(opt));
	opt.sock_state_cb = socket_state;
	opt.sock_state_cb_data = r;
	opt.timeout = timeout_s * 1000 / 2;
	opt.tries = 2;
	status = ares_init_options(&r->channel, &opt,
	                           ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
	                               ARES_OPT_TRIES);
	if (status != ARES_SUCCESS) {
		snprintf(err, errsize, "c-ares: %s", ares_strerror(status));
		free(r);
		return NULL;
	}
	if (n > 0) {
		size_t len = 0;
		char *csv;
		for (i = 0; i < n; i++)
			len += strlen(servers[i]) + 1;
		csv = xcalloc(1, len + 1);
		for (i = 0; i < n; i++) {
			if (i > 0)
				strcat(csv, ",");
			strcat(csv, servers[i]);
		}
		status = ares_set_servers_ports_csv(r->channel, csv);
		free(csv);
		if (status != ARES_SUCCESS) {
			snprintf(err, errsize, "DNSServer: %s",
			         ares_strerror(status));
			resolver_free(r);
			return NULL;
		}
	}
	return r;
}

void resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	ares_destroy(r->channel);
	cache_clear(r);
	free(r);
}

static void lookup_done(void *arg, int status, int timeouts,
                        struct ares_addrinfo *ai)
{
	struct resolve_query *q = arg;
	struct resolver *r = q->r;
	struct resolve_result res;
	struct ares_addrinfo_node *node;
	int ttl = CACHE_MAX_TTL_S;

	(void)timeouts;
	r->pending--;
	res.n = 0;
	if (status == ARES_SUCCESS && ai != NULL) {
		for (node = ai->nodes;
		     node != NULL && res.n < RESOLVE_MAX_ADDRS;
		     node = node->ai_next) {
			if ((node->ai_family != AF_INET &&
			     node->ai_family != AF_INET6) ||
			    node->ai_addrlen > sizeof(res.addr[0]))
				continue;
			memset(&res.addr[res.n], 0, sizeof(res.addr[0]));
			memcpy(&res.addr[res.n], node->ai_addr,
			       node->ai_addrlen);
			if (node->ai_ttl < ttl)
				ttl = node->ai_ttl;
			res.n++;
		}
	}
	if (ai != NULL)
		ares_freeaddrinfo(ai);
	if (status == ARES_EDESTRUCTION)
		q->fn = NULL;
	if (res.n > 0)
		cache_store(r, q->host, &res, ttl);
	if (q->fn != NULL) {
		if (res.n > 0)
			q->fn(q->arg, NULL, &res);
		else if (status == ARES_ETIMEOUT)
			q->fn(q->arg, "name lookup timed out", NULL);
		else if (status == ARES_SUCCESS || status == ARES_ENOTFOUND ||
		         status == ARES_ENODATA)
			q->fn(q->arg, "name not found", NULL);
		else
			q->fn(q->arg, ares_strerror(status), NULL);
	}
	free(q);
}

int resolver_lookup(struct resolver *r, const char *host, resolve_fn *fn,
                    void *arg, struct resolve_result *now,
                    struct resolve_query **query)
{
	const struct cache_entry *e = cache_find(r, host);
	struct ares_addrinfo_hints hints;
	struct resolve_query *q;

	if (e != NULL) {
		r->hits++;
		*now = e->result;
		return 1;
	}
	r->misses++;
	q = xcalloc(1, sizeof(*q));
	q->r = r;
	q->fn = fn;
	q->arg = arg;
	str_copy(q->host, host, sizeof(q->host));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = ARES_AI_NOSORT;
	*query = q;
	r->pending++;
	ares_getaddrinfo(r->channel, host, NULL, &hints, lookup_done, q);
	return 0;
}

void resolve_cancel(struct resolve_query *q)
{
	if (q != NULL)
		q->fn = NULL;
}

int resolver_timeout_ms(struct resolver *r)
{
	struct timeval tv, *tvp;

	if (r->pending == 0)
		return -1;
	tvp = ares_timeout(r->channel, NULL, &tv);
	if (tvp == NULL)
		return -1;
	return (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000) + 1;
}

void resolver_tick(struct resolver *r)
{
	if (r->pending > 0)
		ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

void resolver_counts(const struct resolver *r, unsigned long *hits,
                     unsigned long *misses)
{
	*hits = r->hits;
	*misses = r->misses;
}
