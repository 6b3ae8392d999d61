/* One client connection and, while it has one, its server connection.
 * Private to the conn_*.c files and proxy.c. */
#ifndef FWPROXY_CONN_H
#define FWPROXY_CONN_H

#include <stdint.h>
#include <sys/socket.h>

#include "proxy.h"

#define CONN_BUF_SIZE  65536
#define CONN_BUF_FIRST 16384
/* Buffers of a connection idle this long are freed. */
#define BUF_RELEASE_IDLE_MS 500
/* More interim (1xx) answers to one request than this: 502. */
#define MAX_INTERIM_RESPONSES 8
/* Bodies at least this long, and tunnels, are spliced. */
#define SPLICE_MIN_BYTES  (256 * 1024)
#define SPLICE_PIPE_BYTES (1024 * 1024)
/* A kept server connection is closed after this long unused, so idle
 * clients do not pin a descriptor and a server slot each. */
#define SERVER_IDLE_MS 5000

enum conn_phase {
	PHASE_HEAD,     /* waiting for a request head */
	PHASE_DIAL,     /* resolving, connecting, upstream handshake */
	PHASE_EXCHANGE, /* forwarding a request and its response */
	PHASE_TUNNEL,   /* CONNECT: bytes both ways */
	PHASE_REPLY,    /* sending a reply of our own */
};

enum dial_step {
	DIAL_RESOLVE,
	DIAL_CONNECT,
	DIAL_SOCKS4,
	DIAL_SOCKS5_GREETING,
	DIAL_SOCKS5_AUTH,
	DIAL_SOCKS5_REQUEST,
	DIAL_HTTP_CONNECT,
};

struct conn {
	struct proxy *px;
	struct conn *prev, *next;
	struct event_source client;
	struct event_source server; /* fd -1 when none */
	enum conn_phase phase;
	int64_t deadline_ms;
	int64_t server_idle_until; /* for a kept server connection */
	int64_t idle_since_ms;     /* end of the last request */
	int64_t started_ms;        /* of the current request */
	uint8_t client_addr[16];
	char client_ip[46];
	struct sockaddr_storage local; /* the address the client reached */

	struct buf cin;  /* from the client: [0, cin_body) is body to send */
	struct buf sout; /* to the server, before any body bytes */
	struct buf sin;  /* from the server: [0, sin_body) is body to send */
	struct buf cout; /* to the client, before any body bytes */
	size_t cin_body;
	int pipe_fd[2];      /* server to client without copying; -1 unused */
	size_t pipe_len;     /* bytes in the pipe */
	int pipe_stalled;    /* it refused more; cleared when it drains */
	size_t head_scanned; /* bytes of cin searched for a line end */
	size_t head_line_start; /* offset after the last line end seen */
	size_t sin_body;
	int client_eof;
	int server_eof;
	int close_after_reply;

	/* The request being served; rt is held for its lifetime. */
	struct runtime *rt;
	char method[24];
	char host[HOSTNAME_MAX + 1];
	uint16_t port;
	const char *url;          /* "http://host:port/path" or "host:port" */
	const char *request_line; /* as received, for logs and error pages */
	struct buf text; /* holds url and request_line; kept between requests */
	int is_connect;
	int is_head;
	int client_minor;
	int client_keep_alive;
	enum http_body req_body;
	uint64_t req_left;
	struct http_chunked req_chunked;
	int req_done; /* the whole request has been read */
	enum http_body resp_body;
	uint64_t resp_left;
	struct http_chunked resp_chunked;
	int resp_head_sent;
	int interim_count; /* 1xx answers so far */
	int resp_status;
	int server_keep_alive;
	uint64_t bytes_up, bytes_down;
	const char *cut_by; /* "client", "server"...: who ended it early */
	const char *rule_file;
	int rule_line;
	int tls_pending; /* tunnel bytes wait for the ClientHello check */

	/* Transparent mode: NONE for a proxy client, else how this
	 * redirected connection is decided, and where it was sent. */
	enum transparent_kind transparent;
	struct sockaddr_storage orig_dst;

	/* Dialing. */
	enum dial_step dial;
	const struct upstream *upstream; /* NULL: direct */
	struct resolve_query *dns;
	struct resolve_result addrs;
	int addr_next;
	struct buf hs; /* upstream handshake bytes to send */
	char dial_error[128];
	int dial_refused; /* addresses refused by destination policy */
	int dial_timed_out;
	int dial_no_fds; /* a socket failed with EMFILE or ENFILE: 503 */

	/* The open server connection's identity, for reuse. */
	char server_key[HOSTNAME_MAX + 64];
	int server_reused; /* this request went over a kept connection */
	size_t sout_total; /* head length, to resend on a stale reuse */

	/* The SOCKS front-end (conn_socks.c); version 0 for HTTP. */
	int socks_version; /* 4 or 5 */
	int socks_stage;
};

/* conn.c */
void conn_accept(struct proxy *px, int fd, const struct sockaddr *peer);
/* Closes c; a transfer still running is logged as cut short, by who
 * (c->cut_by, or what its state tells). */
void conn_close(struct conn *c);
/* conn_close() for a transfer that who ("client", "server", "timeout",
 * "shutdown") ended early. */
void conn_cut(struct conn *c, const char *who);
void conn_check_deadline(struct conn *c, int64_t now);
void conn_update_events(struct conn *c);
void conn_server_close(struct conn *c);
void conn_start_exchange(struct conn *c);
void conn_start_tunnel(struct conn *c);
void conn_request_finished(struct conn *c);

/* conn_request.c: decides a parsed request and builds the head for the
 * server; replies itself when the request is refused. */
void conn_handle_request(struct conn *c, struct http_request *req);

/* conn_request.c, for front-ends other than HTTP: decides a tunnel to
 * c->host:c->port (the connection otherwise as reset between requests)
 * asked with protocol ("SOCKS5"), named so in log lines and the stats
 * page, as a CONNECT is decided (ConnectPort, rules, upstream, destination
 * policy). A refusal or failure reaches the client through
 * conn_reply_error, a connected server through the front-end's own
 * success reply (conn_dial.c's handshake_done picks it). */
void conn_decide_tunnel(struct conn *c, const char *protocol);

/* conn_socks.c: SOCKS4/4a and SOCKS5 on the HTTP port. conn_socks_claims
 * returns 1 when c speaks SOCKS (known by the first byte a connection
 * sends), and conn_socks_head then goes on with its handshake. */
int conn_socks_claims(struct conn *c);
void conn_socks_head(struct conn *c);
/* The SOCKS answer that stands for an HTTP error status, then close. */
void conn_socks_reply_error(struct conn *c, int status);
/* Queues the SOCKS success reply once the tunnel's server is connected. */
void conn_socks_established(struct conn *c);

/* conn_response.c: parses the response head in sin and sends the
 * rewritten head to the client. 0 when more bytes are needed or the head
 * was handled, -1 when the connection was closed or answered. */
int conn_handle_response(struct conn *c);

/* conn_dial.c */
void conn_dial(struct conn *c);
void conn_dial_event(struct conn *c, uint32_t events);
void conn_dial_cancel(struct conn *c);

/* conn_tls.c: 1 when the tunnel about to start must show a ClientHello
 * naming its host before any byte goes on. */
int conn_tls_check_wanted(const struct conn *c);

/* Checks what cin holds of the tunnel's ClientHello; clears tls_pending
 * once decided. 0: go on (maybe still pending); -1: refused, c closed. */
int conn_tls_tunnel_check(struct conn *c);

/* conn_transparent.c. On accept: finds whether the firewall redirected
 * the connection here (SO_ORIGINAL_DST) and sets transparent and
 * orig_dst; -1 when it was refused and closed. */
int conn_transparent_accept(struct conn *c);

/* Decides a redirected connection of kind TRANSPARENT_IP by its original
 * destination, at once. */
void conn_transparent_ip(struct conn *c);

/* Decides a TRANSPARENT_TLS connection by the server name of the
 * ClientHello in cin, which stays there for the server; waits for more or
 * refuses (closes) when there is none. */
void conn_transparent_tls(struct conn *c);

/* Before dialing: keeps, of a TRANSPARENT_TLS connection's resolved
 * addresses, only its original destination; -1 when that is not among
 * them (the connection is refused and closed). */
int conn_transparent_pin(struct conn *c);

/* The port a redirected client sent its connection to. */
uint16_t conn_transparent_port(const struct conn *c);

/* "METHOD (transparent)" in buf, for the statistics page. */
const char *conn_transparent_label(const struct conn *c, char *buf,
                                   size_t size);

/* reply.c: a reply of our own, then close or go on per close. */
void conn_reply_error(struct conn *c, int status, const char *cause,
                      const char *detail, int close);
void conn_reply_stats(struct conn *c);
/* reply.c: 200 with body (freed) of type (NULL: no Content-Type). */
void conn_reply_ok(struct conn *c, const char *type, struct buf *body);
/* reply.c: the message/http echo of a TRACE, credentials left out. */
void conn_trace_body(struct buf *b, const struct http_request *req);
void conn_send_reply(struct conn *c, int close);

/* Appends "Name: value\r\n" of a parsed field to a head being built. */
void conn_append_field(struct buf *b, const struct http_header *h);

/* Appends "Content-Length: n\r\n". */
void conn_append_content_length(struct buf *b, unsigned long long n);

/* The text of an IPv4 or IPv6 socket address's IP, or "?". */
const char *conn_addr_text(const struct sockaddr *sa, char *buf, size_t size);

#endif
