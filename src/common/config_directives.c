#include <arpa/inet.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "config_int.h"
#include "hostname.h"
#include "path.h"
#include "util.h"

#define PORT_MAX        65535
#define TIMEOUT_MAX     86400
#define MAX_CLIENTS_MAX 1048576
#define STATUS_MIN      100
#define STATUS_MAX      599
#define ARGS_ANY        INT_MAX
/* Any one value: a path fits PATH_MAX with its NUL. */
#define VALUE_MAX 4095
/* The Via line is built once per reload in a fixed buffer, with room for
 * a host name's length. */
#define VIA_NAME_MAX    255
#define LOG_MAX_KIB_MAX (1024 * 1024 * 1024)

struct directive;

typedef void handler_fn(struct config_parse *p, const struct directive *d,
                        char **argv, int argc);

struct directive {
	const char *name;
	int min_args;
	int max_args;
	handler_fn *handle;
	size_t offset; /* the field set by the generic handlers */
	long long lo;  /* bounds for set_int; for add_acl, Allow = 1 */
	long long hi;
};

#define FIELD(f) offsetof(struct config, f)

static void *field(struct config_parse *p, const struct directive *d)
{
	return (char *)p->cfg + d->offset;
}

static int get_number(struct config_parse *p, const char *s, long long lo,
                      long long hi, long long *out)
{
	const char *why = parse_number(s, lo, hi, out);

	if (why == NULL)
		return 0;
	if (strcmp(why, "is not a number") == 0)
		config_diag(p, 1, "\"%s\" %s", s, why);
	else
		config_diag(p, 1, "\"%s\" %s (%lld..%lld)", s, why, lo, hi);
	return -1;
}

static int get_bool(struct config_parse *p, const char *s, int *out)
{
	size_t n = strlen(s);

	if (ascii_eq_n(s, n, "yes") || ascii_eq_n(s, n, "on") ||
	    ascii_eq_n(s, n, "true")) {
		*out = 1;
		return 0;
	}
	if (ascii_eq_n(s, n, "no") || ascii_eq_n(s, n, "off") ||
	    ascii_eq_n(s, n, "false")) {
		*out = 0;
		return 0;
	}
	config_diag(p, 1, "\"%s\" is not yes, no, on, off, true or false", s);
	return -1;
}

static int get_port(struct config_parse *p, const char *s, uint16_t *out)
{
	long long v;

	if (get_number(p, s, 1, PORT_MAX, &v) == -1)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int is_ip(const char *s)
{
	uint8_t a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!tchar((unsigned char)*s))
			return 0;
	return 1;
}

static int has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Room for one more element in an array of n: the capacity doubles, so
 * that a list of N lines costs O(N) copies in all. */
static void *grow(void *v, int n, int *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap > 0 ? *cap * 2 : 8;
	return xrealloc(v, (size_t)*cap * size);
}

static void replace(char **slot, const char *value)
{
	free(*slot);
	*slot = xstrdup(value);
}

static void set_string(struct config_parse *p, const struct directive *d,
                       char **argv, int argc)
{
	(void)argc;
	if (argv[0][0] == '\0') {
		config_diag(p, 1, "empty value");
		return;
	}
	replace(field(p, d), argv[0]);
}

/* A file: a relative path names it from the config file's folder. */
static void set_path(struct config_parse *p, const struct directive *d,
                     char **argv, int argc)
{
	char **slot = field(p, d);

	(void)argc;
	if (argv[0][0] == '\0') {
		config_diag(p, 1, "empty value");
		return;
	}
	free(*slot);
	*slot = path_beside(p->path, argv[0]);
}

static void set_int(struct config_parse *p, const struct directive *d,
                    char **argv, int argc)
{
	long long v;

	(void)argc;
	if (get_number(p, argv[0], d->lo, d->hi, &v) == 0)
		*(int *)field(p, d) = (int)v;
}

static void set_bool(struct config_parse *p, const struct directive *d,
                     char **argv, int argc)
{
	(void)argc;
	get_bool(p, argv[0], field(p, d));
}

static void set_address(struct config_parse *p, const struct directive *d,
                        char **argv, int argc)
{
	(void)argc;
	if (!is_ip(argv[0])) {
		config_diag(p, 1, "\"%s\" is not an IP address", argv[0]);
		return;
	}
	replace(field(p, d), argv[0]);
}

static void set_port(struct config_parse *p, const struct directive *d,
                     char **argv, int argc)
{
	(void)d;
	(void)argc;
	get_port(p, argv[0], &p->cfg->port);
}

/* fwproxy has one listening address; silently keeping only one of several
 * Listen lines would leave the others unserved. */
static void set_listen(struct config_parse *p, const struct directive *d,
                       char **argv, int argc)
{
	if (p->saw_listen) {
		config_diag(p, 1,
		            "given more than once (fwproxy listens on "
		            "one address)");
		return;
	}
	p->saw_listen = 1;
	set_address(p, d, argv, argc);
}

static void set_log_level(struct config_parse *p, const struct directive *d,
                          char **argv, int argc)
{
	static const char *const names[] = {
	    [LOG_LEVEL_CRITICAL] = "Critical", [LOG_LEVEL_ERROR] = "Error",
	    [LOG_LEVEL_WARNING] = "Warning",   [LOG_LEVEL_NOTICE] = "Notice",
	    [LOG_LEVEL_CONNECT] = "Connect",   [LOG_LEVEL_INFO] = "Info",
	};
	size_t i, n = strlen(argv[0]);

	(void)d;
	(void)argc;
	for (i = 0; i < ARRAY_LEN(names); i++) {
		if (ascii_eq_n(argv[0], n, names[i])) {
			p->cfg->log_level = (enum log_level)i;
			return;
		}
	}
	config_diag(p, 1,
	            "\"%s\" is not one of Critical, Error, Warning, Notice, "
	            "Connect, Info",
	            argv[0]);
}

static void add_error_file(struct config_parse *p, const struct directive *d,
                           char **argv, int argc)
{
	struct error_file *e;
	long long status;

	(void)d;
	(void)argc;
	if (get_number(p, argv[0], STATUS_MIN, STATUS_MAX, &status) == -1)
		return;
	if (argv[1][0] == '\0') {
		config_diag(p, 1, "empty path");
		return;
	}
	e = xcalloc(1, sizeof(*e));
	e->status = (int)status;
	e->path = path_beside(p->path, argv[1]);
	*p->error_files_tail = e;
	p->error_files_tail = &e->next;
}

static int get_host(struct config_parse *p, const char *s, size_t n,
                    char out[HOSTNAME_MAX + 1])
{
	const char *why = hostname_normalize(s, n, out);

	if (why != NULL) {
		config_diag(p, 1, "\"%.*s\": %s", (int)n, s, why);
		return -1;
	}
	return 0;
}

/* A range written with host bits set names one address but stands for
 * its whole network; say which, in case one address was meant. */
static void warn_host_bits(struct config_parse *p, const char *s,
                           const struct cidr *net)
{
	struct cidr n;
	char text[64];

	if (!cidr_network(net, &n))
		return;
	netaddr_format(n.addr, text, sizeof(text));
	config_diag(p, 0,
	            "\"%s\" has host bits set: it stands for the whole "
	            "network %s/%d; write that, or the address alone",
	            s, text, netaddr_is_v4(n.addr) ? n.prefix - 96 : n.prefix);
}

static void set_stat_host(struct config_parse *p, const struct directive *d,
                          char **argv, int argc)
{
	char host[HOSTNAME_MAX + 1];

	(void)d;
	(void)argc;
	if (get_host(p, argv[0], strlen(argv[0]), host) == 0)
		replace(&p->cfg->stat_host, host);
}

static void set_filter_type(struct config_parse *p, const struct directive *d,
                            char **argv, int argc)
{
	static const char *const names[] = {
	    [FILTER_TYPE_BRE] = "bre",
	    [FILTER_TYPE_ERE] = "ere",
	    [FILTER_TYPE_FNMATCH] = "fnmatch",
	    [FILTER_TYPE_DOMAIN] = "domain",
	};
	size_t i, n = strlen(argv[0]);

	(void)d;
	(void)argc;
	for (i = 0; i < ARRAY_LEN(names); i++) {
		if (ascii_eq_n(argv[0], n, names[i])) {
			p->cfg->filter_type = (enum filter_type)i;
			return;
		}
	}
	config_diag(p, 1, "\"%s\" is not one of bre, ere, fnmatch, domain",
	            argv[0]);
}

/* As in tinyproxy, FilterExtended and FilterType set the same thing, so
 * whichever comes last wins. */
static void set_filter_extended(struct config_parse *p,
                                const struct directive *d, char **argv,
                                int argc)
{
	int on;

	(void)d;
	(void)argc;
	if (get_bool(p, argv[0], &on) == 0)
		p->cfg->filter_type = on ? FILTER_TYPE_ERE : FILTER_TYPE_BRE;
}

static void set_filter_mode(struct config_parse *p, const struct directive *d,
                            char **argv, int argc)
{
	size_t n = strlen(argv[0]);

	(void)d;
	(void)argc;
	if (ascii_eq_n(argv[0], n, "enforce"))
		p->cfg->filter_learn = 0;
	else if (ascii_eq_n(argv[0], n, "learn"))
		p->cfg->filter_learn = 1;
	else
		config_diag(p, 1, "\"%s\" is not enforce or learn", argv[0]);
}

static void set_log_format(struct config_parse *p, const struct directive *d,
                           char **argv, int argc)
{
	size_t n = strlen(argv[0]);

	(void)d;
	(void)argc;
	if (ascii_eq_n(argv[0], n, "text"))
		p->cfg->log_json = 0;
	else if (ascii_eq_n(argv[0], n, "json"))
		p->cfg->log_json = 1;
	else
		config_diag(p, 1, "\"%s\" is not text or json", argv[0]);
}

static void add_connect_port(struct config_parse *p, const struct directive *d,
                             char **argv, int argc)
{
	struct config *cfg = p->cfg;
	uint16_t port;

	(void)d;
	(void)argc;
	if (get_port(p, argv[0], &port) == -1)
		return;
	cfg->connect_ports =
	    grow(cfg->connect_ports, cfg->n_connect_ports,
	         &p->connect_ports_cap, sizeof(*cfg->connect_ports));
	cfg->connect_ports[cfg->n_connect_ports++] = port;
}

/* PORT or PORT/KIND; without KIND, 80 is http, 443 tls, others ip. */
static int get_transparent_port(struct config_parse *p, const char *s,
                                struct transparent_port *out)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	long long v;
	enum transparent_kind k;

	if (parse_number_n(s, n, 1, PORT_MAX, &v) != NULL) {
		config_diag(p, 1, "\"%s\" is not a port (1..65535)", s);
		return -1;
	}
	out->port = (uint16_t)v;
	out->kind = v == 80    ? TRANSPARENT_HTTP
	            : v == 443 ? TRANSPARENT_TLS
	                       : TRANSPARENT_IP;
	if (slash == NULL)
		return 0;
	for (k = TRANSPARENT_HTTP; k <= TRANSPARENT_IP; k++) {
		const char *name = config_transparent_kind_name(k);
		if (ascii_eq_n(slash + 1, strlen(slash + 1), name)) {
			out->kind = k;
			return 0;
		}
	}
	config_diag(p, 1, "\"%s\": the kind after / is http, tls or ip", s);
	return -1;
}

static void set_transparent(struct config_parse *p, const struct directive *d,
                            char **argv, int argc)
{
	struct transparent_port list[TRANSPARENT_PORTS_MAX];
	int i, j, n = 0;

	(void)d;
	if (argc == 1 && ascii_eq_n(argv[0], strlen(argv[0]), "none")) {
		p->cfg->n_transparent = 0;
		return;
	}
	if (argc > TRANSPARENT_PORTS_MAX) {
		config_diag(p, 1, "at most %d ports", TRANSPARENT_PORTS_MAX);
		return;
	}
	for (i = 0; i < argc; i++) {
		if (get_transparent_port(p, argv[i], &list[n]) == -1)
			return;
		for (j = 0; j < n; j++)
			if (list[j].port == list[n].port) {
				config_diag(p, 1, "port %u listed twice",
				            (unsigned)list[n].port);
				return;
			}
		n++;
	}
	memcpy(p->cfg->transparent, list, sizeof(list[0]) * (size_t)n);
	p->cfg->n_transparent = n;
}

static void set_no_sni(struct config_parse *p, const struct directive *d,
                       char **argv, int argc)
{
	size_t n = strlen(argv[0]);

	(void)d;
	(void)argc;
	if (ascii_eq_n(argv[0], n, "refuse"))
		p->cfg->transparent_no_sni_by_address = 0;
	else if (ascii_eq_n(argv[0], n, "address"))
		p->cfg->transparent_no_sni_by_address = 1;
	else
		config_diag(p, 1, "\"%s\" is not refuse or address", argv[0]);
}

static int looks_like_host_name(const char *s)
{
	if (strchr(s, ':') != NULL)
		return 0;
	for (; *s != '\0' && *s != '/'; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			return 1;
	return 0;
}

static void add_acl(struct config_parse *p, const struct directive *d,
                    char **argv, int argc)
{
	struct acl_rule *r;
	struct cidr net;
	const char *why;

	(void)argc;
	why = cidr_parse(argv[0], &net);
	if (why != NULL) {
		if (looks_like_host_name(argv[0]))
			config_diag(p, 1,
			            "\"%s\": host names are not supported in "
			            "Allow/Deny",
			            argv[0]);
		else
			config_diag(p, 1, "\"%s\" %s", argv[0], why);
		return;
	}
	warn_host_bits(p, argv[0], &net);
	r = xcalloc(1, sizeof(*r));
	r->allow = (int)d->lo;
	r->net = net;
	*p->acl_tail = r;
	p->acl_tail = &r->next;
}

static void add_allow_destination(struct config_parse *p,
                                  const struct directive *d, char **argv,
                                  int argc)
{
	struct config *cfg = p->cfg;
	struct cidr net;
	const char *why;

	(void)d;
	(void)argc;
	why = cidr_parse(argv[0], &net);
	if (why != NULL) {
		config_diag(p, 1, "\"%s\" %s", argv[0], why);
		return;
	}
	warn_host_bits(p, argv[0], &net);
	cfg->allow_destinations =
	    grow(cfg->allow_destinations, cfg->n_allow_destinations,
	         &p->allow_destinations_cap, sizeof(*cfg->allow_destinations));
	cfg->allow_destinations[cfg->n_allow_destinations++] = net;
}

/* "IP", "IP:PORT" (IPv4) or "[IPV6]:PORT"; a bare IPv6 address has no
 * port. */
static int valid_dns_server(const char *s)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *port;
	uint8_t a[16];
	long long v;
	size_t n;

	if (is_ip(s))
		return 1;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return 0;
		n = (size_t)(close - s - 1);
		if (n == 0 || n >= sizeof(host))
			return 0;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, a) != 1)
			return 0;
		port = close + 2;
	} else {
		colon = strchr(s, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return 0;
		n = (size_t)(colon - s);
		if (n == 0 || n >= sizeof(host))
			return 0;
		memcpy(host, s, n);
		host[n] = '\0';
		if (inet_pton(AF_INET, host, a) != 1)
			return 0;
		port = colon + 1;
	}
	return parse_number(port, 1, PORT_MAX, &v) == NULL;
}

/* "2001:db8::1:53" is an IPv6 address, but it reads as well as the
 * address 2001:db8::1 with port 53: 1 when s is such an address. */
static int ambiguous_port(const char *s)
{
	char head[INET6_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	uint8_t a[16];
	long long v;
	size_t n;

	if (colon == NULL || s[0] == '[' || !is_ip(s))
		return 0;
	n = (size_t)(colon - s);
	if (n == 0 || n >= sizeof(head) ||
	    parse_number(colon + 1, 1, PORT_MAX, &v) != NULL)
		return 0;
	memcpy(head, s, n);
	head[n] = '\0';
	return inet_pton(AF_INET6, head, a) == 1;
}

static void add_dns_server(struct config_parse *p, const struct directive *d,
                           char **argv, int argc)
{
	struct config *cfg = p->cfg;

	(void)d;
	(void)argc;
	if (ambiguous_port(argv[0])) {
		const char *colon = strrchr(argv[0], ':');
		config_diag(p, 1,
		            "\"%s\" is ambiguous: write \"[%.*s]:%s\" for "
		            "port %s, or \"[%s]:53\" for the address %s",
		            argv[0], (int)(colon - argv[0]), argv[0], colon + 1,
		            colon + 1, argv[0], argv[0]);
		return;
	}
	if (!valid_dns_server(argv[0])) {
		config_diag(p, 1,
		            "\"%s\" is not IP, IP:PORT or [IPV6]:PORT with a "
		            "port in 1..65535",
		            argv[0]);
		return;
	}
	cfg->dns_servers = grow(cfg->dns_servers, cfg->n_dns_servers,
	                        &p->dns_servers_cap, sizeof(*cfg->dns_servers));
	cfg->dns_servers[cfg->n_dns_servers++] = xstrdup(argv[0]);
}

static void set_via_proxy_name(struct config_parse *p,
                               const struct directive *d, char **argv, int argc)
{
	(void)d;
	(void)argc;
	if (strlen(argv[0]) > VIA_NAME_MAX) {
		config_diag(p, 1, "the name is %zu bytes long (at most %d)",
		            strlen(argv[0]), VIA_NAME_MAX);
		return;
	}
	if (!is_token(argv[0])) {
		config_diag(p, 1, "\"%s\" is not an HTTP token", argv[0]);
		return;
	}
	replace(&p->cfg->via_proxy_name, argv[0]);
}

/* A second copy of one of these would change how the server frames or
 * routes the request. */
static int framing_header(const char *name)
{
	static const char *const names[] = {
	    "Host",       "Content-Length", "Transfer-Encoding",
	    "Connection", "Upgrade",        "TE",
	    "Trailer",    "Keep-Alive",     "Proxy-Connection",
	};
	size_t i, n = strlen(name);

	for (i = 0; i < ARRAY_LEN(names); i++)
		if (ascii_eq_n(name, n, names[i]))
			return 1;
	return 0;
}

static void add_header(struct config_parse *p, const struct directive *d,
                       char **argv, int argc)
{
	struct header_line *h;

	(void)d;
	(void)argc;
	if (!is_token(argv[0])) {
		config_diag(p, 1, "\"%s\" is not a valid header name", argv[0]);
		return;
	}
	if (framing_header(argv[0])) {
		config_diag(p, 1, "\"%s\" is set by the proxy itself", argv[0]);
		return;
	}
	if (has_control(argv[1])) {
		config_diag(p, 1, "the value of \"%s\" has a control character",
		            argv[0]);
		return;
	}
	h = xcalloc(1, sizeof(*h));
	h->name = xstrdup(argv[0]);
	h->value = xstrdup(argv[1]);
	*p->add_headers_tail = h;
	p->add_headers_tail = &h->next;
}

static void add_anonymous(struct config_parse *p, const struct directive *d,
                          char **argv, int argc)
{
	struct string_list *s;

	(void)d;
	(void)argc;
	if (!is_token(argv[0])) {
		config_diag(p, 1, "\"%s\" is not a valid header name", argv[0]);
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->value = xstrdup(argv[0]);
	*p->anonymous_tail = s;
	p->anonymous_tail = &s->next;
}

static void add_basic_auth(struct config_parse *p, const struct directive *d,
                           char **argv, int argc)
{
	struct basic_auth *a;

	(void)d;
	(void)argc;
	if (argv[0][0] == '\0' || strchr(argv[0], ':') != NULL) {
		config_diag(p, 1,
		            "the user name must be non-empty and "
		            "without ':'");
		return;
	}
	a = xcalloc(1, sizeof(*a));
	a->user = xstrdup(argv[0]);
	a->pass = xstrdup(argv[1]);
	a->encoded = base64_credentials(a->user, a->pass);
	*p->basic_auth_tail = a;
	p->basic_auth_tail = &a->next;
}

/* The realm is sent inside a quoted string. */
static void set_realm(struct config_parse *p, const struct directive *d,
                      char **argv, int argc)
{
	(void)d;
	(void)argc;
	if (argv[0][0] == '\0' || strpbrk(argv[0], "\"\\") != NULL ||
	    has_control(argv[0])) {
		config_diag(p, 1,
		            "\"%s\" must be non-empty, without '\"', "
		            "'\\' or control characters",
		            argv[0]);
		return;
	}
	replace(&p->cfg->basic_auth_realm, argv[0]);
}

/* tinyproxy's site spec: "host", ".domain", "." (hosts without a dot),
 * an IP, IP/PREFIX or IPv4/DOTTED.MASK. */
static int parse_site(struct config_parse *p, const char *s, struct upstream *u)
{
	char host[HOSTNAME_MAX + 1];
	const char *slash = strchr(s, '/');
	struct cidr net;
	uint8_t mask[4];

	if (slash != NULL && strchr(slash + 1, '.') != NULL) {
		char *addr = xstrndup(s, (size_t)(slash - s));
		uint32_t m;
		int bits = 0;
		int bad = cidr_parse(addr, &net) != NULL || net.prefix != 128 ||
		          inet_pton(AF_INET, slash + 1, mask) != 1 ||
		          strchr(addr, ':') != NULL;

		free(addr);
		if (!bad) {
			m = (uint32_t)mask[0] << 24 | (uint32_t)mask[1] << 16 |
			    (uint32_t)mask[2] << 8 | mask[3];
			while (bits < 32 && (m & (1u << (31 - bits))) != 0)
				bits++;
			bad = bits < 32 && (m << bits) != 0;
		}
		if (bad) {
			config_diag(p, 1,
			            "site \"%s\" is not an address with "
			            "a contiguous mask",
			            s);
			return -1;
		}
		u->site_kind = SITE_NET;
		u->site_net = net;
		u->site_net.prefix = 96 + bits;
		return 0;
	}
	if (cidr_parse(s, &net) == NULL) {
		warn_host_bits(p, s, &net);
		u->site_kind = SITE_NET;
		u->site_net = net;
		return 0;
	}
	if (slash != NULL || strchr(s, ':') != NULL) {
		config_diag(p, 1, "site \"%s\" is not an address range", s);
		return -1;
	}
	u->site_kind = SITE_DOMAIN;
	if (strcmp(s, ".") == 0) {
		u->site_domain = xstrdup(".");
		return 0;
	}
	if (s[0] == '.') {
		if (get_host(p, s + 1, strlen(s + 1), host) == -1)
			return -1;
		u->site_domain = xmalloc(strlen(host) + 2);
		u->site_domain[0] = '.';
		memcpy(u->site_domain + 1, host, strlen(host) + 1);
		return 0;
	}
	if (get_host(p, s, strlen(s), host) == -1)
		return -1;
	u->site_domain = xstrdup(host);
	return 0;
}

/* [user:pass@]host:port, host a name, an IPv4 address or [IPv6]. */
static int parse_proxy(struct config_parse *p, const char *s,
                       struct upstream *u)
{
	char host[HOSTNAME_MAX + 1];
	const char *at = strrchr(s, '@');
	const char *hp = s, *colon;
	long long port;

	if (at != NULL) {
		const char *sep = memchr(s, ':', (size_t)(at - s));
		if (sep == NULL || sep == s) {
			config_diag(p, 1, "credentials must be user:pass@");
			return -1;
		}
		u->user = xstrndup(s, (size_t)(sep - s));
		u->pass = xstrndup(sep + 1, (size_t)(at - sep - 1));
		hp = at + 1;
	}
	if (hp[0] == '[') {
		colon = strstr(hp, "]:");
		colon = colon != NULL ? colon + 1 : NULL;
	} else {
		colon = strchr(hp, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			config_diag(p, 1,
			            "\"%s\": write an IPv6 proxy address "
			            "as [ADDRESS]:PORT",
			            hp);
			return -1;
		}
	}
	if (colon == NULL) {
		config_diag(p, 1, "\"%s\" has no :PORT", hp);
		return -1;
	}
	if (get_host(p, hp, (size_t)(colon - hp), host) == -1)
		return -1;
	if (get_number(p, colon + 1, 1, PORT_MAX, &port) == -1)
		return -1;
	u->host = xstrdup(host);
	u->port = (uint16_t)port;
	return 0;
}

void config_upstream_free(struct upstream *u)
{
	free(u->host);
	free(u->user);
	if (u->pass != NULL)
		explicit_bzero(u->pass, strlen(u->pass));
	free(u->pass);
	free(u->site_domain);
	free(u);
}

static void upstream_append(struct config_parse *p, struct upstream *u)
{
	*p->upstreams_tail = u;
	p->upstreams_tail = &u->next;
}

static void add_no_upstream(struct config_parse *p, const struct directive *d,
                            char **argv, int argc)
{
	struct upstream *u = xcalloc(1, sizeof(*u));

	(void)d;
	(void)argc;
	u->type = UPSTREAM_NONE;
	if (parse_site(p, argv[0], u) == -1) {
		config_upstream_free(u);
		return;
	}
	upstream_append(p, u);
}

static void add_upstream(struct config_parse *p, const struct directive *d,
                         char **argv, int argc)
{
	static const char *const types[] = {
	    [UPSTREAM_NONE] = "none",
	    [UPSTREAM_HTTP] = "http",
	    [UPSTREAM_SOCKS4] = "socks4",
	    [UPSTREAM_SOCKS5] = "socks5",
	};
	struct upstream *u;
	enum upstream_type type = UPSTREAM_HTTP;
	size_t i, n = strlen(argv[0]);

	for (i = 0; i < ARRAY_LEN(types); i++) {
		if (ascii_eq_n(argv[0], n, types[i])) {
			type = (enum upstream_type)i;
			argv++;
			argc--;
			break;
		}
	}
	if (i == ARRAY_LEN(types) && argc > 1 && strchr(argv[0], ':') == NULL) {
		config_diag(p, 1, "\"%s\" is not http, socks4, socks5 or none",
		            argv[0]);
		return;
	}
	if (type == UPSTREAM_NONE) {
		if (argc != 1) {
			config_diag(p, 1,
			            "none takes one site, as in "
			            "Upstream none \".example.com\"");
			return;
		}
		add_no_upstream(p, d, argv, argc);
		return;
	}
	if (argc < 1 || argc > 2) {
		config_diag(p, 1,
		            "expects [TYPE] [USER:PASS@]HOST:PORT "
		            "[\"SITE\"]");
		return;
	}
	u = xcalloc(1, sizeof(*u));
	u->type = type;
	if (parse_proxy(p, argv[0], u) == -1 ||
	    (argc == 2 && parse_site(p, argv[1], u) == -1))
		goto fail;
	if (type == UPSTREAM_SOCKS4 && u->user != NULL) {
		config_diag(p, 1, "socks4 cannot carry user:pass");
		goto fail;
	}
	upstream_append(p, u);
	return;
fail:
	config_upstream_free(u);
}

static void obsolete(struct config_parse *p, const struct directive *d,
                     char **argv, int argc)
{
	(void)argv;
	(void)argc;
	p->directive = NULL;
	config_diag(p, 0, "%s is obsolete and ignored", d->name);
}

static void unsupported(struct config_parse *p, const struct directive *d,
                        char **argv, int argc)
{
	(void)argv;
	(void)argc;
	p->directive = NULL;
	config_diag(p, 1, "%s is not supported (fwproxy is a forward proxy)",
	            d->name);
}

static const struct directive DIRECTIVES[] = {
    /* tinyproxy's directives. */
    {"User", 1, 1, set_string, FIELD(user), 0, 0},
    {"Group", 1, 1, set_string, FIELD(group), 0, 0},
    {"Port", 1, 1, set_port, 0, 0, 0},
    {"Listen", 1, 1, set_listen, FIELD(listen), 0, 0},
    {"Bind", 1, 1, set_address, FIELD(bind), 0, 0},
    {"BindSame", 1, 1, set_bool, FIELD(bind_same), 0, 0},
    {"Timeout", 1, 1, set_int, FIELD(timeout), 1, TIMEOUT_MAX},
    {"MaxClients", 1, 1, set_int, FIELD(max_clients), 1, MAX_CLIENTS_MAX},
    {"Allow", 1, 1, add_acl, 0, 1, 0},
    {"Deny", 1, 1, add_acl, 0, 0, 0},
    {"LogFile", 1, 1, set_path, FIELD(log_file), 0, 0},
    {"Syslog", 1, 1, set_bool, FIELD(syslog), 0, 0},
    /* LogMaxSize KIB: past this the log file becomes FILE.1 (0: never). */
    {"LogMaxSize", 1, 1, set_int, FIELD(log_max_kib), 0, LOG_MAX_KIB_MAX},
    {"LogLevel", 1, 1, set_log_level, 0, 0, 0},
    {"PidFile", 1, 1, set_path, FIELD(pid_file), 0, 0},
    {"DefaultErrorFile", 1, 1, set_path, FIELD(default_error_file), 0, 0},
    {"ErrorFile", 2, 2, add_error_file, 0, 0, 0},
    {"StatHost", 1, 1, set_stat_host, 0, 0, 0},
    {"StatFile", 1, 1, set_path, FIELD(stat_file), 0, 0},
    {"Filter", 1, 1, set_path, FIELD(filter), 0, 0},
    {"FilterSource", 1, 1, set_path, FIELD(filter_source), 0, 0},
    {"FilterType", 1, 1, set_filter_type, 0, 0, 0},
    {"FilterExtended", 1, 1, set_filter_extended, 0, 0, 0},
    {"FilterURLs", 1, 1, set_bool, FIELD(filter_urls), 0, 0},
    {"FilterCaseSensitive", 1, 1, set_bool, FIELD(filter_case_sensitive), 0, 0},
    {"FilterDefaultDeny", 1, 1, set_bool, FIELD(filter_default_deny), 0, 0},
    {"ConnectPort", 1, 1, add_connect_port, 0, 0, 0},
    {"Upstream", 1, 3, add_upstream, 0, 0, 0},
    {"NoUpstream", 1, 1, add_no_upstream, 0, 0, 0},
    {"ViaProxyName", 1, 1, set_via_proxy_name, 0, 0, 0},
    {"DisableViaHeader", 1, 1, set_bool, FIELD(disable_via_header), 0, 0},
    {"XTinyproxy", 1, 1, set_bool, FIELD(x_tinyproxy), 0, 0},
    {"AddHeader", 2, 2, add_header, 0, 0, 0},
    {"BasicAuth", 2, 2, add_basic_auth, 0, 0, 0},
    {"BasicAuthRealm", 1, 1, set_realm, 0, 0, 0},
    {"Anonymous", 1, 1, add_anonymous, 0, 0, 0},

    /* Obsolete since tinyproxy 1.9 (no preforking): a warning only. */
    {"MinSpareServers", 0, ARGS_ANY, obsolete, 0, 0, 0},
    {"MaxSpareServers", 0, ARGS_ANY, obsolete, 0, 0, 0},
    {"StartServers", 0, ARGS_ANY, obsolete, 0, 0, 0},
    {"MaxRequestsPerChild", 0, ARGS_ANY, obsolete, 0, 0, 0},

    /* Reverse proxying: refused, so that such a config fails loudly. */
    {"ReversePath", 0, ARGS_ANY, unsupported, 0, 0, 0},
    {"ReverseOnly", 0, ARGS_ANY, unsupported, 0, 0, 0},
    {"ReverseMagic", 0, ARGS_ANY, unsupported, 0, 0, 0},
    {"ReverseBaseURL", 0, ARGS_ANY, unsupported, 0, 0, 0},

    /* fwproxy's own directives. */
    /* AllowDestination CIDR: makes a special destination range
     * (loopback, link-local, ...) reachable; repeatable. */
    {"AllowDestination", 1, 1, add_allow_destination, 0, 0, 0},
    /* DNSServer "IP" | "IP:PORT" | "[IPV6]:PORT": the resolvers to ask
     * instead of /etc/resolv.conf's; repeatable, tried in order. */
    {"DNSServer", 1, 1, add_dns_server, 0, 0, 0},
    /* LogFormat text|json: one JSON object per log line with json. */
    {"LogFormat", 1, 1, set_log_format, 0, 0, 0},
    /* FilterMode enforce|learn: learn logs what would be refused and
     * lets it through, to build an allow-list. */
    {"FilterMode", 1, 1, set_filter_mode, 0, 0, 0},
    /* MaxRequestLine BYTES: longest request line (default 8192). */
    {"MaxRequestLine", 1, 1, set_int, FIELD(max_request_line), 256, 65536},
    /* MaxHeaderLine BYTES: longest header line (default 8192). */
    {"MaxHeaderLine", 1, 1, set_int, FIELD(max_header_line), 256, 65536},
    /* MaxHeaders N: most header lines in a head (default 100). */
    {"MaxHeaders", 1, 1, set_int, FIELD(max_headers), 1, 256},
    /* MaxHeaderSize BYTES: largest request or response head (default
     * 32768). */
    {"MaxHeaderSize", 1, 1, set_int, FIELD(max_header_size), 1024, 262144},
    /* HeaderTimeout SECONDS: time to send a whole request head (default
     * 30). */
    {"HeaderTimeout", 1, 1, set_int, FIELD(header_timeout), 1, TIMEOUT_MAX},
    /* ConnectTimeout SECONDS: time to connect to a server (default 10). */
    {"ConnectTimeout", 1, 1, set_int, FIELD(connect_timeout), 1, TIMEOUT_MAX},
    /* DNSTimeout SECONDS: time for a name lookup (default 5). */
    {"DNSTimeout", 1, 1, set_int, FIELD(dns_timeout), 1, TIMEOUT_MAX},
    /* KeepAliveTimeout SECONDS: idle time between requests on a kept
     * client connection (default 60). */
    {"KeepAliveTimeout", 1, 1, set_int, FIELD(keepalive_timeout), 1,
     TIMEOUT_MAX},
    /* ConnectSNICheck yes|no: close a CONNECT tunnel whose TLS server
     * name is not its host (default: yes with an allow-list). */
    {"ConnectSNICheck", 1, 1, set_bool, FIELD(connect_sni_check), 0, 0},
    /* Transparent PORT[/http|tls|ip]... | none: connections fwproxyctl
     * redirects to the proxy from these original ports; the last line
     * wins. */
    {"Transparent", 1, ARGS_ANY, set_transparent, 0, 0, 0},
    /* TransparentNoSNI refuse|address: a redirected ClientHello without a
     * server name is refused (default) or decided by its address. */
    {"TransparentNoSNI", 1, 1, set_no_sni, 0, 0, 0},
};

static const struct directive *lookup(const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < ARRAY_LEN(DIRECTIVES); i++)
		if (ascii_eq_n(name, n, DIRECTIVES[i].name))
			return &DIRECTIVES[i];
	return NULL;
}

void config_parse_init_tails(struct config_parse *p)
{
	p->acl_tail = &p->cfg->acl;
	p->error_files_tail = &p->cfg->error_files;
	p->add_headers_tail = &p->cfg->add_headers;
	p->anonymous_tail = &p->cfg->anonymous;
	p->basic_auth_tail = &p->cfg->basic_auth;
	p->upstreams_tail = &p->cfg->upstreams;
}

static int values_fit(struct config_parse *p, char **argv, int argc)
{
	int i;

	for (i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (n > VALUE_MAX) {
			config_diag(p, 1,
			            "value %d is %zu bytes long (at most %d)",
			            i + 1, n, VALUE_MAX);
			return 0;
		}
	}
	return 1;
}

void config_directive_apply(struct config_parse *p, char **argv, int argc)
{
	const struct directive *d;
	int n;

	/* tinyproxy before 1.11 spelled NoUpstream as two words. */
	if (argc >= 2 && ascii_eq_n(argv[0], strlen(argv[0]), "no") &&
	    ascii_eq_n(argv[1], strlen(argv[1]), "upstream")) {
		argv++;
		argc--;
		d = lookup("NoUpstream");
	} else {
		d = lookup(argv[0]);
	}
	if (d == NULL) {
		config_diag(p, 1, "unknown directive \"%s\"", argv[0]);
		return;
	}
	p->directive = d->name;
	n = argc - 1;
	if (n < d->min_args || n > d->max_args) {
		if (d->min_args == d->max_args)
			config_diag(p, 1, "expects %d value%s, got %d",
			            d->min_args, d->min_args == 1 ? "" : "s",
			            n);
		else
			config_diag(p, 1, "expects %d to %d values, got %d",
			            d->min_args, d->max_args, n);
	} else if (values_fit(p, argv + 1, n)) {
		d->handle(p, d, argv + 1, n);
	}
	p->directive = NULL;
}
