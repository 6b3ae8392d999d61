/* The configuration file: tinyproxy's syntax, read into one immutable
 * struct config. A reload builds a new struct and swaps it in whole. */
#ifndef FWPROXY_CONFIG_H
#define FWPROXY_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "netaddr.h"

enum log_level {
	LOG_LEVEL_CRITICAL,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_NOTICE,
	LOG_LEVEL_CONNECT,
	LOG_LEVEL_INFO,
};

enum filter_type {
	FILTER_TYPE_BRE,
	FILTER_TYPE_ERE,
	FILTER_TYPE_FNMATCH,
	FILTER_TYPE_DOMAIN, /* fwproxy: domain rules, see filter.h */
};

enum upstream_type {
	UPSTREAM_NONE,
	UPSTREAM_HTTP,
	UPSTREAM_SOCKS4,
	UPSTREAM_SOCKS5,
};

/* One Upstream/NoUpstream line. The site spec decides which requests it
 * serves: none (every request), a domain ("example.com" that host only,
 * ".example.com" the domain and its subdomains) or an address range. */
struct upstream {
	enum upstream_type type;
	char *host; /* NULL for UPSTREAM_NONE */
	uint16_t port;
	char *user; /* NULL without credentials */
	char *pass;
	enum { SITE_ANY, SITE_DOMAIN, SITE_NET } site_kind;
	char *site_domain; /* lower case, for SITE_DOMAIN */
	struct cidr site_net;
	struct upstream *next; /* file order */
};

struct acl_rule {
	int allow; /* 1 Allow, 0 Deny */
	struct cidr net;
	struct acl_rule *next; /* file order */
};

struct header_line {
	char *name;
	char *value;
	struct header_line *next; /* file order */
};

struct basic_auth {
	char *user;
	char *pass;
	char *encoded; /* base64 of "user:pass" as sent by clients */
	struct basic_auth *next;
};

struct error_file {
	int status;
	char *path;
	struct error_file *next;
};

struct string_list {
	char *value;
	struct string_list *next;
};

/* How a connection redirected to the proxy (transparent mode) is decided:
 * by its HTTP Host field, by its TLS server name, or by the address it was
 * sent to. */
enum transparent_kind {
	TRANSPARENT_NONE,
	TRANSPARENT_HTTP,
	TRANSPARENT_TLS,
	TRANSPARENT_IP,
};

#define TRANSPARENT_PORTS_MAX 64

struct transparent_port {
	uint16_t port;
	enum transparent_kind kind;
};

struct config {
	char *path; /* the file read */

	/* Process */
	char *user;
	char *group;
	char *pid_file;
	char *log_file;
	int log_max_kib; /* LogMaxSize: rotate the file past it; 0: never */
	int syslog;
	enum log_level log_level;

	/* Listening and outgoing */
	uint16_t port; /* default 8888 as tinyproxy */
	char *listen;  /* NULL: all addresses */
	char *bind;    /* outgoing source address, NULL: any */
	int bind_same;
	int timeout;          /* seconds of inactivity, default 600 */
	int max_clients;      /* default 100 */
	struct acl_rule *acl; /* NULL: everyone allowed */

	/* Error pages and statistics */
	char *default_error_file;
	struct error_file *error_files;
	char *stat_host;
	char *stat_file;

	/* Filtering */
	char *filter;        /* path of the rules file, NULL: no filtering */
	char *filter_source; /* FilterSource: the name pages, logs and errors
	                        give the rules file; NULL: filter */
	enum filter_type filter_type;
	int filter_urls;
	int filter_case_sensitive;
	int filter_default_deny;
	int filter_learn; /* FilterMode learn: log would-be refusals, allow */

	/* CONNECT */
	uint16_t *connect_ports; /* NULL with n == 0: every port allowed */
	int n_connect_ports;

	/* Upstream proxies; the last matching line wins */
	struct upstream *upstreams;

	/* Request rewriting */
	char *via_proxy_name; /* default: the host name */
	int disable_via_header;
	int x_tinyproxy;
	struct header_line *add_headers;
	struct string_list *anonymous; /* headers kept; NULL: keep all */

	/* Authentication */
	struct basic_auth *basic_auth;
	char *basic_auth_realm; /* default "Tinyproxy" as tinyproxy */

	/* fwproxy's own directives */
	struct cidr
	    *allow_destinations; /* AllowDestination: special ranges admitted */
	int n_allow_destinations;
	char **dns_servers; /* DNSServer "IP" or "IP:PORT" / "[IPV6]:PORT" */
	int n_dns_servers;
	int log_json; /* LogFormat json */

	/* Limits (fwproxy directives, with safe defaults) */
	int max_request_line;  /* MaxRequestLine, bytes, default 8192 */
	int max_header_line;   /* MaxHeaderLine, bytes, default 8192 */
	int max_headers;       /* MaxHeaders, count, default 100 */
	int max_header_size;   /* MaxHeaderSize, total bytes, default 32768 */
	int header_timeout;    /* HeaderTimeout, seconds, default 30 */
	int connect_timeout;   /* ConnectTimeout, seconds, default 10 */
	int dns_timeout;       /* DNSTimeout, seconds, default 5 */
	int keepalive_timeout; /* KeepAliveTimeout, seconds, default 60 */

	/* TLS inspection (conn_tls.c) */
	int connect_sni_check; /* ConnectSNICheck: 1, 0, -1 unset (on for
	                          an allow-list) */

	/* Transparent PORT[/KIND]...: the ports fwproxyctl redirects to the
	 * proxy, and how each is decided; none: not transparent */
	struct transparent_port transparent[TRANSPARENT_PORTS_MAX];
	int n_transparent;
	int transparent_no_sni_by_address; /* TransparentNoSNI address: a
	                                      ClientHello without a server
	                                      name is decided as an ip port */
};

/* Reports a diagnostic: file, line (0 if none), whether it is an error,
 * and the message. */
typedef void config_report_fn(void *ctx, const char *file, int line,
                              int is_error, const char *msg);

/* Prints a diagnostic to f as "FILE:LINE: msg" ("FILE: msg" for line 0),
 * the message after "warning: " unless is_error. */
void config_report_print(FILE *f, const char *file, int line, int is_error,
                         const char *msg);

/* Reads and validates path. Every problem is reported through report (if
 * not NULL) as it is found; parsing goes on to report them all. Returns the
 * config, or NULL when any error was reported. Warnings (obsolete
 * directives, no ConnectPort) do not fail it. */
struct config *config_load(const char *path, config_report_fn *report,
                           void *ctx);

/* Same from a buffer; name is used in messages, and relative paths start
 * from its folder as they do from a file's. */
struct config *config_load_buffer(const char *name, const char *text,
                                  size_t len, config_report_fn *report,
                                  void *ctx);

/* Same for text that fwproxy will read from path (a config rendered from
 * a template): name in messages, relative paths from path's folder. */
struct config *config_load_buffer_as(const char *name, const char *path,
                                     const char *text, size_t len,
                                     config_report_fn *report, void *ctx);

void config_free(struct config *cfg);

/* The ErrorFile for status, else DefaultErrorFile, else NULL. */
const char *config_error_file(const struct config *cfg, int status);

/* 1 when CONNECT to port is permitted by ConnectPort. */
int config_connect_port_allowed(const struct config *cfg, uint16_t port);

/* The upstream serving host (lower case, no port) or its resolved address
 * (addr may be NULL): the last matching Upstream/NoUpstream line. NULL or
 * an UPSTREAM_NONE entry means connect directly. */
const struct upstream *config_upstream_for(const struct config *cfg,
                                           const char *host,
                                           const uint8_t *addr);

/* 1 when the client address passes Allow/Deny (first match decides; no
 * rule: allowed; rules but no match: denied, as tinyproxy). */
int config_client_allowed(const struct config *cfg, const uint8_t addr[16]);

/* 1 when a CONNECT tunnel's TLS server name must match its host:
 * ConnectSNICheck, by default on for an allow-list (FilterDefaultDeny with
 * a Filter). */
int config_connect_sni_check(const struct config *cfg);

/* The Transparent entry for a redirected connection's original
 * destination port, or NULL when the port is not listed. */
const struct transparent_port *config_transparent_port(const struct config *cfg,
                                                       uint16_t port);

/* The name of a kind as Transparent spells it: "http", "tls", "ip". */
const char *config_transparent_kind_name(enum transparent_kind kind);

/* 1 when a special destination address is admitted by AllowDestination. */
int config_destination_allowed(const struct config *cfg,
                               const uint8_t addr[16]);

#endif
