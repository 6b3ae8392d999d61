/* The proxy instance: its listening socket, its connections, the current
 * configuration and the counters. One per process, all on the event loop's
 * thread (a reload only builds its runtime elsewhere). */
#ifndef FWPROXY_PROXY_H
#define FWPROXY_PROXY_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "event.h"
#include "filter.h"
#include "hostname.h"
#include "http_parse.h"
#include "listen_fds.h"
#include "resolve.h"
#include "stop_grace.h"

#define RECENT_REFUSALS 32

/* What a request is decided with. Reload builds a new one; a request in
 * flight keeps a reference to the one it started with. */
struct runtime {
	int refs;
	struct config *cfg;
	struct filter *filter;
	char *error_page; /* DefaultErrorFile contents, or NULL */
	struct loaded_page {
		int status;
		char *text;
	} * error_pages; /* ErrorFile contents */
	int n_error_pages;
	char *stat_page; /* StatFile contents, or NULL */
	struct http_limits limits;
	char *via[2]; /* "Via: 1.x NAME (fwproxy/V)\r\n", by minor */
	size_t via_len[2];
};

struct refusal {
	int64_t when;        /* wall clock seconds, of the last one */
	unsigned long count; /* refusals of this host and port */
	char client[46];
	char host[HOSTNAME_MAX + 1];
	uint16_t port;
	char method[24];
};

struct proxy_stats {
	unsigned long connections; /* accepted */
	unsigned long requests;
	unsigned long allowed;
	unsigned long refused;
	unsigned long denied_clients; /* Allow/Deny */
	unsigned long over_limit;     /* MaxClients and out of descriptors */
	unsigned long errors;         /* bad requests, failed connections */
	unsigned long transparent;    /* connections redirected to the proxy */
	struct refusal recent[RECENT_REFUSALS];
	int n_recent; /* ring: newest at (n_recent - 1) % N */
};

struct conn;
struct lingering;
struct log_repeat;

struct proxy {
	struct event_loop *loop;
	struct resolver *resolver;
	struct runtime *rt;
	struct event_source listeners[LISTEN_FDS_MAX];
	int n_listeners;
	int reserve_fd;    /* given up to accept-and-refuse on EMFILE */
	int accept_paused; /* out of descriptors, no spare: listeners idle */
	int64_t emfile_logged_ms;
	int64_t max_clients_logged_ms;
	unsigned long max_clients_unlogged; /* refused since that line */
	struct log_repeat *refusal_repeats;
	struct conn *conns;          /* every open connection */
	struct lingering *lingering; /* refused clients, drained before close */
	int n_lingering;
	int n_conns;
	int stopping;
	int64_t stop_deadline_ms;   /* busy connections are cut off then */
	size_t idle_released_bytes; /* buffers idle connections gave back */
	uint8_t (*local_addrs)[16]; /* this host's addresses */
	int n_local_addrs;
	struct proxy_stats stats;
};

/* Builds the runtime for cfg: compiles its filter and loads its pages.
 * Takes ownership of cfg. Returns NULL after reporting every problem. */
struct runtime *runtime_new(struct config *cfg, config_report_fn *report,
                            void *ctx);
struct runtime *runtime_ref(struct runtime *rt);

/* Drops a reference; the last one hands rt to the disposer, or frees it
 * when there is none. Event loop thread only. */
void runtime_unref(struct runtime *rt);

/* Frees rt and all it holds, whatever its references (NULL allowed); any
 * thread, once nothing else can reach rt. */
void runtime_free(struct runtime *rt);

/* Sends every runtime whose last reference drops to fn(ctx, rt), which
 * must see that runtime_free is called; fn NULL (the start) frees them
 * on the spot. A large rule set takes a while to free: reload.c frees
 * them in its thread. */
typedef void runtime_dispose_fn(void *ctx, struct runtime *rt);
void runtime_set_disposer(runtime_dispose_fn *fn, void *ctx);

/* Starts serving on the n (1 to LISTEN_FDS_MAX) listening sockets fds with
 * rt; the proxy owns them from then on. 0 / -1. */
int proxy_init(struct proxy *px, const int *fds, int n, struct runtime *rt,
               char *err, size_t errsize);

/* Runs until proxy_stop is called and the connections are done. */
void proxy_run(struct proxy *px);

/* Swaps in a new runtime for new requests. */
void proxy_set_runtime(struct proxy *px, struct runtime *rt);

/* Stops accepting and closes the listening socket, so that new clients are
 * refused at once; idle connections close now, busy ones after their
 * current exchange or after STOP_GRACE_MS at the latest. */
#define STOP_GRACE_MS (STOP_GRACE_SECONDS * 1000)
void proxy_stop(struct proxy *px);

void proxy_free(struct proxy *px);

/* Closes fd gently after an answer that ends the connection: shuts it
 * for writing, then reads and drops what the client still sends until it
 * closes, LINGER_MS pass or LINGER_MAX_BYTES were dropped. Closing with
 * unread bytes would reset the connection, and a reset can destroy the
 * answer before the client reads it. Takes ownership of fd. */
#define LINGER_MS        2000
#define LINGER_MAX_BYTES (8 * 1024 * 1024)
void proxy_linger(struct proxy *px, int fd);

/* Records a refused request for the statistics page: one entry per host
 * and port, the most recent last. */
void proxy_note_refusal(struct proxy *px, const char *client,
                        const char *method, const char *host, uint16_t port);

/* Logs a refusal of client at NOTICE: text is a message or, with
 * LogFormat json, either that or JSON object members (which start with a
 * quote). The same key (text when NULL) again from the same client within
 * LOG_REPEAT_WINDOW_MS is counted, and the count logged once as "KEY
 * repeated N times" (json: the key's members and "repeated"). */
void proxy_log_refusal(struct proxy *px, const char *client, const char *key,
                       const char *text);

#endif
