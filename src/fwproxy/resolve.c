/* Asynchronous name resolution: c-ares driven by the event loop, one
 * query per name in flight however many connections wait for it, and a
 * cache that keeps answers for their TTL. */
#include "resolve.h"

#include <ares.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

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
#define PENDING_BUCKETS 256
/* c-ares tries each server this many times, the second try waiting twice
 * as long as the first: tries of DNSTimeout / 3 and 2 * DNSTimeout / 3
 * end the lookup at DNSTimeout. */
#define TRIES          2
#define DNS_HEADER_LEN 12
#define RCODE_SERVFAIL 2
#define RCODE_REFUSED  5

struct cache_entry {
	struct cache_entry *next;
	int64_t expires_ms;
	struct resolve_result result;
	char host[]; /* NUL-terminated */
};

/* One caller waiting for a lookup. */
struct resolve_query {
	resolve_fn *fn; /* NULL once cancelled */
	void *arg;
	struct resolve_query *next;
};

/* One name being looked up, with everyone waiting for it. */
struct lookup {
	struct resolver *r;
	struct lookup *next; /* in its pending bucket */
	struct resolve_query *waiters, **waiters_tail;
	int rcode; /* a SERVFAIL or REFUSED answer seen for it, or 0 */
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
	struct lookup *pending_by_host[PENDING_BUCKETS];
	unsigned long hits, shared, misses;
	int pending;
	int socket_errno; /* of the last socket c-ares could not open, or 0 */
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

/* c-ares's own socket calls, except that a socket that cannot be opened
 * leaves its errno behind: c-ares reports only "could not contact", and
 * out of descriptors must be told apart from a server that is down. */
static ares_socket_t sock_open(int family, int type, int protocol, void *data)
{
	struct resolver *r = data;
	int fd = socket(family, type, protocol);

	r->socket_errno = fd == -1 ? errno : 0;
	return fd;
}

static int sock_close(ares_socket_t fd, void *data)
{
	(void)data;
	return close(fd);
}

static struct lookup **pending_slot(struct resolver *r, const char *host);

/* c-ares reports a name whose servers all answered SERVFAIL or REFUSED as
 * "could not contact"; the answers themselves say which, and the
 * lookup of the name they ask about keeps that. */
static void note_rcode(struct resolver *r, const uint8_t *m, size_t n)
{
	char name[HOSTNAME_MAX + 1];
	size_t at = DNS_HEADER_LEN, len = 0;
	int rcode = m[3] & 0x0f;
	struct lookup *l;

	if (rcode != RCODE_SERVFAIL && rcode != RCODE_REFUSED)
		return;
	while (at < n && m[at] != 0) {
		size_t label = m[at++];
		if (label > 63 || at + label > n ||
		    len + label + 1 > HOSTNAME_MAX)
			return;
		if (len > 0)
			name[len++] = '.';
		for (; label > 0; label--)
			name[len++] = (char)ascii_lower(m[at++]);
	}
	name[len] = '\0';
	l = *pending_slot(r, name);
	if (l != NULL && l->rcode == 0)
		l->rcode = rcode;
}

static int sock_connect(ares_socket_t fd, const struct sockaddr *sa,
                        ares_socklen_t len, void *data)
{
	(void)data;
	return connect(fd, sa, len);
}

static ares_ssize_t sock_recvfrom(ares_socket_t fd, void *buf, size_t len,
                                  int flags, struct sockaddr *from,
                                  ares_socklen_t *from_len, void *data)
{
	ssize_t n = recvfrom(fd, buf, len, flags, from, from_len);

	/* from is NULL for TCP, whose answers come in pieces. */
	if (from != NULL && n > DNS_HEADER_LEN)
		note_rcode(data, buf, (size_t)n);
	return n;
}

static ares_ssize_t sock_sendv(ares_socket_t fd, const struct iovec *iov, int n,
                               void *data)
{
	(void)data;
	return writev(fd, iov, n);
}

static const struct ares_socket_functions socket_functions = {
    sock_open, sock_close, sock_connect, sock_recvfrom, sock_sendv,
};

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
	opt.timeout = timeout_s * 1000 / (2 * TRIES - 1);
	opt.tries = TRIES;
	status = ares_init_options(&r->channel, &opt,
	                           ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
	                               ARES_OPT_TRIES);
	if (status != ARES_SUCCESS) {
		snprintf(err, errsize, "c-ares: %s", ares_strerror(status));
		free(r);
		return NULL;
	}
	ares_set_socket_functions(r->channel, &socket_functions, r);
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

static struct lookup **pending_slot(struct resolver *r, const char *host)
{
	struct lookup **pp =
	    &r->pending_by_host[hash_host(host) % PENDING_BUCKETS];

	while (*pp != NULL && strcmp((*pp)->host, host) != 0)
		pp = &(*pp)->next;
	return pp;
}

/* What a failed lookup's callers are told. */
static enum resolve_status failure(const struct resolver *r,
                                   const struct lookup *l, int status,
                                   const char **reason)
{
	switch (status) {
	case ARES_ETIMEOUT:
		*reason = RESOLVE_TIMEOUT_REASON;
		return RESOLVE_TIMEOUT;
	case ARES_ENOTFOUND:
		*reason = "no such name (NXDOMAIN)";
		return RESOLVE_FAILED;
	case ARES_SUCCESS:
	case ARES_ENODATA:
		*reason = "the name has no IPv4 or IPv6 address (NODATA)";
		return RESOLVE_FAILED;
	case ARES_ESERVFAIL:
		*reason = "the DNS server failed to answer (SERVFAIL)";
		return RESOLVE_FAILED;
	case ARES_EREFUSED:
		*reason = "the DNS server refused the query (REFUSED)";
		return RESOLVE_FAILED;
	case ARES_ENOMEM:
		*reason = "out of memory";
		return RESOLVE_FAILED;
	case ARES_ECONNREFUSED:
		if (r->socket_errno == EMFILE || r->socket_errno == ENFILE) {
			*reason = "out of file descriptors for the DNS query";
			return RESOLVE_NO_FDS;
		}
		if (l->rcode == RCODE_SERVFAIL)
			return failure(r, l, ARES_ESERVFAIL, reason);
		if (l->rcode == RCODE_REFUSED)
			return failure(r, l, ARES_EREFUSED, reason);
		*reason = "could not contact the DNS server (connection "
		          "refused)";
		return RESOLVE_FAILED;
	default:
		*reason = ares_strerror(status);
		return RESOLVE_FAILED;
	}
}

static void lookup_done(void *arg, int status, int timeouts,
                        struct ares_addrinfo *ai)
{
	struct lookup *l = arg;
	struct resolver *r = l->r;
	struct lookup **slot;
	struct resolve_result res;
	struct ares_addrinfo_node *node;
	enum resolve_status st = RESOLVE_OK;
	const char *reason = NULL;
	int ttl = CACHE_MAX_TTL_S;

	(void)timeouts;
	r->pending--;
	slot = pending_slot(r, l->host);
	/* Out of the table first: a caller that looks the name up again
	 * from its callback finds the cache or starts a query of its own. */
	if (*slot == l)
		*slot = l->next;
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
	if (res.n > 0)
		cache_store(r, l->host, &res, ttl);
	else
		st = failure(r, l, status, &reason);
	/* A callback may cancel a waiter further down the list (closing
	 * another connection): each is freed only after its turn. */
	while (l->waiters != NULL) {
		struct resolve_query *q = l->waiters;
		if (q->fn != NULL && status != ARES_EDESTRUCTION)
			q->fn(q->arg, st, reason,
			      st == RESOLVE_OK ? &res : NULL);
		l->waiters = q->next;
		free(q);
	}
	free(l);
}

int resolver_lookup(struct resolver *r, const char *host, resolve_fn *fn,
                    void *arg, struct resolve_result *now,
                    struct resolve_query **query)
{
	const struct cache_entry *e = cache_find(r, host);
	struct ares_addrinfo_hints hints;
	struct resolve_query *q;
	struct lookup **slot, *l;

	if (e != NULL) {
		r->hits++;
		*now = e->result;
		return 1;
	}
	q = xcalloc(1, sizeof(*q));
	q->fn = fn;
	q->arg = arg;
	*query = q;
	slot = pending_slot(r, host);
	if (*slot != NULL) {
		r->shared++;
		l = *slot;
		*l->waiters_tail = q;
		l->waiters_tail = &q->next;
		return 0;
	}
	r->misses++;
	l = xcalloc(1, sizeof(*l));
	l->r = r;
	l->waiters = q;
	l->waiters_tail = &q->next;
	str_copy(l->host, host, sizeof(l->host));
	*slot = l;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = ARES_AI_NOSORT;
	r->pending++;
	ares_getaddrinfo(r->channel, host, NULL, &hints, lookup_done, l);
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
                     unsigned long *shared, unsigned long *misses)
{
	*hits = r->hits;
	*shared = r->shared;
	*misses = r->misses;
}
