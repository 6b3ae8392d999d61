/* Asynchronous name resolution (c-ares) inside the event loop, with a
 * cache that keeps answers for their TTL. */
#ifndef FWPROXY_RESOLVE_H
#define FWPROXY_RESOLVE_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "event.h"

#define RESOLVE_MAX_ADDRS 16

struct resolver;
struct resolve_query;

/* An IPv4 or IPv6 socket address; sa.sa_family tells which. A tenth the
 * size of a sockaddr_storage: every connection and cache entry holds 16. */
union resolve_addr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

struct resolve_result {
	int n;
	union resolve_addr addr[RESOLVE_MAX_ADDRS]; /* port 0 */
};

/* How a lookup ended. */
enum resolve_status {
	RESOLVE_OK,
	RESOLVE_TIMEOUT, /* no answer in time */
	RESOLVE_NO_FDS,  /* out of file descriptors for the query */
	RESOLVE_FAILED,  /* an answer that gives no address, or an error */
};

/* The reason given for RESOLVE_TIMEOUT. */
#define RESOLVE_TIMEOUT_REASON "no answer from the DNS server in time (timeout)"

/* Called once per lookup that was not cancelled: RESOLVE_OK with res
 * holding n >= 1 addresses and reason NULL, or another status with res
 * NULL and a constant reason that names the cause (NXDOMAIN, SERVFAIL,
 * REFUSED, timeout, out of file descriptors, ...). */
typedef void resolve_fn(void *arg, enum resolve_status status,
                        const char *reason, const struct resolve_result *res);

/* servers: "IP", "IP:PORT" or "[IPV6]:PORT" strings; n 0 means the
 * system's resolv.conf (read now, never again). Returns NULL with a message
 * in err on failure. */
struct resolver *resolver_new(struct event_loop *loop, char *const *servers,
                              int n, int timeout_s, char *err, size_t errsize);

/* Cancels every pending lookup without calling back, then frees. */
void resolver_free(struct resolver *r);

/* Starts a lookup of host (a name, not an IP literal). Returns 1 when the
 * cache answered (now filled, fn not called), 0 when fn will be called
 * later (*query set, valid until then or resolve_cancel). Lookups of a
 * name already being looked up wait for that one: one DNS query serves
 * them all. fn may be called before this returns (a hosts-file answer, a
 * socket that cannot be opened). */
int resolver_lookup(struct resolver *r, const char *host, resolve_fn *fn,
                    void *arg, struct resolve_result *now,
                    struct resolve_query **query);

/* fn will not be called for q. */
void resolve_cancel(struct resolve_query *q);

/* Milliseconds until the resolver needs resolver_tick (-1: no pending
 * lookup), and the tick itself, which handles timeouts. */
int resolver_timeout_ms(struct resolver *r);
void resolver_tick(struct resolver *r);

/* Lookups answered from the cache, by a query already in flight for the
 * same name, and by a query of their own, so far. */
void resolver_counts(const struct resolver *r, unsigned long *hits,
                     unsigned long *shared, unsigned long *misses);

#endif
