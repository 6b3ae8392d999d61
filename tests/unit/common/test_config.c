#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "config.h"
#include "tap.h"
#include "util.h"

#define CLASSIC     "tests/unit/data/config/classic.conf"
#define MAX_REPORTS 64

/* Every report as "FILE:LINE: E|W MESSAGE". */
struct capture {
	char line[MAX_REPORTS][512];
	int n;
	int errors;
	int warnings;
};

static struct capture cap;

static void record(void *ctx, const char *file, int line, int is_error,
                   const char *msg)
{
	struct capture *c = ctx;

	if (is_error)
		c->errors++;
	else
		c->warnings++;
	if (c->n < MAX_REPORTS)
		snprintf(c->line[c->n++], sizeof(c->line[0]), "%s:%d: %s %s",
		         file, line, is_error ? "E" : "W", msg);
}

static struct config *load(const char *text)
{
	memset(&cap, 0, sizeof(cap));
	return config_load_buffer("t.conf", text, strlen(text), record, &cap);
}

/* text on one line, for test descriptions. */
static const char *flat(const char *text)
{
	static char buf[256];
	size_t i;

	for (i = 0; text[i] != '\0' && i < sizeof(buf) - 1; i++)
		buf[i] = (unsigned char)text[i] < 0x20 ? '|' : text[i];
	buf[i] = '\0';
	return buf;
}

/* Loads text plus a ConnectPort line (so that its warning stays out of the
 * way) and expects success with no report at all. */
static struct config *load_ok(const char *text)
{
	size_t n = strlen(text);
	char *full = malloc(n + 32);
	struct config *cfg;

	memcpy(full, text, n);
	strcpy(full + n, "\nConnectPort 443\n");
	cfg = load(full);
	free(full);
	ok(cfg != NULL && cap.n == 0, "loads cleanly: %s", flat(text));
	if (cap.n > 0)
		printf("#   first report: %s\n", cap.line[0]);
	return cfg;
}

/* Expects exactly one error report, equal to want ("LINE: message"). */
static void load_error(const char *text, const char *want)
{
	struct config *cfg = load(text);
	char got[600] = "(none)";
	int i;

	ok(cfg == NULL, "refused: %s", flat(text));
	config_free(cfg);
	for (i = 0; i < cap.n; i++) {
		if (strstr(cap.line[i], ": E ") != NULL) {
			/* strip "t.conf:" and the E marker */
			const char *p = cap.line[i] + strlen("t.conf:");
			const char *e = strstr(p, ": E ");
			snprintf(got, sizeof(got), "%.*s: %s", (int)(e - p), p,
			         e + 4);
			break;
		}
	}
	is_str(got, want, "message for: %s", flat(text));
	is_int(cap.errors, 1, "one error for: %s", flat(text));
}

static void test_defaults(void)
{
	struct config *cfg = load("");
	uint8_t any[16] = {0, 0, 0,    0,    0, 0, 0, 0,
	                   0, 0, 0xff, 0xff, 8, 8, 8, 8};

	ok(cfg != NULL, "an empty file is a valid config");
	is_int(cap.errors, 0, "no error");
	is_int(cap.warnings, 1, "one warning");
	is_str(cap.line[0],
	       "t.conf:0: W no ConnectPort: CONNECT is allowed to every port",
	       "the missing ConnectPort is a warning at line 0");
	is_str(cfg->path, "t.conf", "path is the name");
	is_int(cfg->port, 8888, "Port default");
	is_int(cfg->timeout, 600, "Timeout default");
	is_int(cfg->max_clients, 100, "MaxClients default");
	is_int(cfg->log_level, LOG_LEVEL_INFO, "LogLevel default");
	is_int(cfg->filter_type, FILTER_TYPE_BRE, "FilterType default");
	is_str(cfg->basic_auth_realm, "Tinyproxy", "BasicAuthRealm default");
	is_int(cfg->max_request_line, 8192, "MaxRequestLine default");
	is_int(cfg->max_header_line, 8192, "MaxHeaderLine default");
	is_int(cfg->max_headers, 100, "MaxHeaders default");
	is_int(cfg->max_header_size, 32768, "MaxHeaderSize default");
	is_int(cfg->header_timeout, 30, "HeaderTimeout default");
	is_int(cfg->connect_timeout, 10, "ConnectTimeout default");
	is_int(cfg->dns_timeout, 5, "DNSTimeout default");
	is_int(cfg->keepalive_timeout, 60, "KeepAliveTimeout default");
	ok(cfg->user == NULL && cfg->group == NULL && cfg->listen == NULL &&
	       cfg->bind == NULL && cfg->filter == NULL &&
	       cfg->log_file == NULL && cfg->pid_file == NULL &&
	       cfg->stat_host == NULL && cfg->via_proxy_name == NULL,
	   "optional strings are NULL");
	ok(!cfg->syslog && !cfg->bind_same && !cfg->filter_urls &&
	       !cfg->filter_case_sensitive && !cfg->filter_default_deny &&
	       !cfg->filter_learn && !cfg->disable_via_header &&
	       !cfg->x_tinyproxy && !cfg->log_json,
	   "flags are off");
	ok(cfg->acl == NULL && cfg->upstreams == NULL &&
	       cfg->add_headers == NULL && cfg->anonymous == NULL &&
	       cfg->basic_auth == NULL && cfg->error_files == NULL &&
	       cfg->n_connect_ports == 0 && cfg->n_dns_servers == 0 &&
	       cfg->n_allow_destinations == 0,
	   "lists are empty");
	is_int(config_connect_port_allowed(cfg, 25), 1,
	       "no ConnectPort: every port");
	is_int(config_client_allowed(cfg, any), 1, "no Allow: everyone");
	is_int(config_destination_allowed(cfg, any), 0,
	       "no AllowDestination: nothing");
	ok(config_upstream_for(cfg, "example.com", NULL) == NULL,
	   "no Upstream: direct");
	ok(config_error_file(cfg, 404) == NULL, "no error file");
	config_free(cfg);
}

static void test_lexer(void)
{
	struct config *cfg;

	cfg =
	    load_ok("  # a comment\n\n\t\n   user   \"nobody\"   # trailing\r\n"
	            "GROUP\tnogroup#no space before the comment\n"
	            "pOrT 1234");
	is_str(cfg ? cfg->user : NULL, "nobody", "quoted value, any case");
	is_str(cfg ? cfg->group : NULL, "nogroup", "bare word stops at #");
	is_int(cfg ? cfg->port : 0, 1234, "last line without newline");
	config_free(cfg);

	cfg = load_ok("LogFile \"/var/log/a # b\\\"c\\\\d\\e\"");
	is_str(cfg ? cfg->log_file : NULL, "/var/log/a # b\"c\\d\\e",
	       "quoted: # kept, \\\" and \\\\ unescaped, other \\ kept");
	config_free(cfg);

	cfg = load_ok("User a\nUser b");
	is_str(cfg ? cfg->user : NULL, "b", "a repeated setting: last wins");
	config_free(cfg);

	load_error("User \"nobody", "1: unterminated quoted string");
	load_error("\nUser no\"body\"", "2: unexpected quote inside a word");
	load_error("User \"no\"body", "1: text after a closing quote");
	load_error("User \"a\rb\"", "1: control character in line");
	load_error("User a\033b", "1: control character in line");
	load_error("User \"\"", "1: User: empty value");
	load_error("User", "1: User: expects 1 value, got 0");
	load_error("User a b", "1: User: expects 1 value, got 2");
	load_error("ErrorFile 404", "1: ErrorFile: expects 2 values, got 1");
	load_error("Upstream", "1: Upstream: expects 1 to 3 values, got 0");
	load_error("Foo bar", "1: unknown directive \"Foo\"");
	load_error("DisableXTinyproxy yes",
	           "1: unknown directive \"DisableXTinyproxy\"");

	/* A NUL inside the buffer is a control character, not an end. */
	memset(&cap, 0, sizeof(cap));
	cfg = config_load_buffer("t.conf", "User a\0b\n", 9, record, &cap);
	ok(cfg == NULL && cap.errors == 1, "a NUL byte is refused");
	config_free(cfg);
}

static void test_process(void)
{
	struct config *cfg;

	cfg = load_ok("User proxy\nGroup proxy\nPidFile \"/run/p.pid\"\n"
	              "LogFile \"/var/log/p.log\"\nSyslog On\n"
	              "LogLevel connect");
	if (cfg != NULL) {
		is_str(cfg->user, "proxy", "User");
		is_str(cfg->group, "proxy", "Group");
		is_str(cfg->pid_file, "/run/p.pid", "PidFile");
		is_str(cfg->log_file, "/var/log/p.log", "LogFile");
		is_int(cfg->syslog, 1, "Syslog On");
		is_int(cfg->log_level, LOG_LEVEL_CONNECT, "LogLevel connect");
	}
	config_free(cfg);

	{
		static const struct {
			const char *name;
			enum log_level level;
		} levels[] = {
		    {"Critical", LOG_LEVEL_CRITICAL},
		    {"ERROR", LOG_LEVEL_ERROR},
		    {"warning", LOG_LEVEL_WARNING},
		    {"Notice", LOG_LEVEL_NOTICE},
		    {"Connect", LOG_LEVEL_CONNECT},
		    {"Info", LOG_LEVEL_INFO},
		};
		char line[64];
		size_t i;

		for (i = 0; i < ARRAY_LEN(levels); i++) {
			snprintf(line, sizeof(line), "LogLevel %s",
			         levels[i].name);
			cfg = load_ok(line);
			is_int(cfg ? (int)cfg->log_level : -1, levels[i].level,
			       "%s", line);
			config_free(cfg);
		}
	}
	load_error("LogLevel Debug",
	           "1: LogLevel: \"Debug\" is not one of Critical, Error, "
	           "Warning, Notice, Connect, Info");
	load_error("Syslog maybe", "1: Syslog: \"maybe\" is not yes, no, on, "
	                           "off, true or false");
}

static void test_numbers(void)
{
	static const struct {
		const char *name;
		size_t offset;
		long long lo, hi;
	} limits[] = {
	    {"Timeout", offsetof(struct config, timeout), 1, 86400},
	    {"MaxClients", offsetof(struct config, max_clients), 1, 1048576},
	    {"MaxRequestLine", offsetof(struct config, max_request_line), 256,
	     65536},
	    {"MaxHeaderLine", offsetof(struct config, max_header_line), 256,
	     65536},
	    {"MaxHeaders", offsetof(struct config, max_headers), 1, 256},
	    {"MaxHeaderSize", offsetof(struct config, max_header_size), 1024,
	     262144},
	    {"HeaderTimeout", offsetof(struct config, header_timeout), 1,
	     86400},
	    {"ConnectTimeout", offsetof(struct config, connect_timeout), 1,
	     86400},
	    {"DNSTimeout", offsetof(struct config, dns_timeout), 1, 86400},
	    {"KeepAliveTimeout", offsetof(struct config, keepalive_timeout), 1,
	     86400},
	};
	struct config *cfg;
	char line[128], want[256];
	size_t i;

	for (i = 0; i < ARRAY_LEN(limits); i++) {
		const char *n = limits[i].name;
		long long lo = limits[i].lo, hi = limits[i].hi;

		snprintf(line, sizeof(line), "%s %lld", n, lo);
		cfg = load_ok(line);
		is_int(cfg ? *(int *)((char *)cfg + limits[i].offset) : -1, lo,
		       "%s at the lower bound", n);
		config_free(cfg);
		snprintf(line, sizeof(line), "%s %lld", n, hi);
		cfg = load_ok(line);
		is_int(cfg ? *(int *)((char *)cfg + limits[i].offset) : -1, hi,
		       "%s at the upper bound", n);
		config_free(cfg);
		snprintf(line, sizeof(line), "%s %lld", n, lo - 1);
		snprintf(want, sizeof(want),
		         "1: %s: \"%lld\" is too small (%lld..%lld)", n, lo - 1,
		         lo, hi);
		load_error(line, want);
		snprintf(line, sizeof(line), "%s %lld", n, hi + 1);
		snprintf(want, sizeof(want),
		         "1: %s: \"%lld\" is too large (%lld..%lld)", n, hi + 1,
		         lo, hi);
		load_error(line, want);
	}
	cfg = load_ok("Port 1");
	is_int(cfg ? cfg->port : 0, 1, "Port 1");
	config_free(cfg);
	cfg = load_ok("Port 65535");
	is_int(cfg ? cfg->port : 0, 65535, "Port 65535");
	config_free(cfg);
	load_error("Port abc", "1: Port: \"abc\" is not a number");
	load_error("Port 0", "1: Port: \"0\" is too small (1..65535)");
	load_error("Port 65536", "1: Port: \"65536\" is too large (1..65535)");
	load_error("Port -1", "1: Port: \"-1\" is not a number");
	load_error("Port 99999999999999999999999",
	           "1: Port: \"99999999999999999999999\" is too large "
	           "(1..65535)");
	load_error("Timeout 1e3", "1: Timeout: \"1e3\" is not a number");
}

static void test_listen(void)
{
	struct config *cfg;

	cfg = load_ok("Listen 10.137.0.1\nBind 2001:db8::1\nBindSame yes");
	if (cfg != NULL) {
		is_str(cfg->listen, "10.137.0.1", "Listen");
		is_str(cfg->bind, "2001:db8::1", "Bind");
		is_int(cfg->bind_same, 1, "BindSame yes");
	}
	config_free(cfg);
	load_error("Listen localhost",
	           "1: Listen: \"localhost\" is not an IP address");
	load_error("Bind 10.1", "1: Bind: \"10.1\" is not an IP address");
	load_error("Listen ::1\nListen 127.0.0.1",
	           "2: Listen: given more than once (fwproxy listens on one "
	           "address)");
}

static void test_booleans(void)
{
	static const char *const yes[] = {"yes", "On", "TRUE", "YeS"};
	static const char *const no[] = {"no", "OFF", "false", "No"};
	static const struct {
		const char *name;
		size_t offset;
	} flags[] = {
	    {"BindSame", offsetof(struct config, bind_same)},
	    {"Syslog", offsetof(struct config, syslog)},
	    {"FilterURLs", offsetof(struct config, filter_urls)},
	    {"FilterCaseSensitive",
	     offsetof(struct config, filter_case_sensitive)},
	    {"FilterDefaultDeny", offsetof(struct config, filter_default_deny)},
	    {"DisableViaHeader", offsetof(struct config, disable_via_header)},
	    {"XTinyproxy", offsetof(struct config, x_tinyproxy)},
	};
	struct config *cfg;
	char line[128];
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(flags); i++) {
		for (j = 0; j < ARRAY_LEN(yes); j++) {
			snprintf(line, sizeof(line), "%s %s\n%s %s",
			         flags[i].name, no[j], flags[i].name, yes[j]);
			cfg = load_ok(line);
			is_int(cfg ? *(int *)((char *)cfg + flags[i].offset)
			           : -1,
			       1, "%s %s", flags[i].name, yes[j]);
			config_free(cfg);
			snprintf(line, sizeof(line), "%s %s\n%s %s",
			         flags[i].name, yes[j], flags[i].name, no[j]);
			cfg = load_ok(line);
			is_int(cfg ? *(int *)((char *)cfg + flags[i].offset)
			           : -1,
			       0, "%s %s", flags[i].name, no[j]);
			config_free(cfg);
		}
	}
	load_error("FilterURLs 1", "1: FilterURLs: \"1\" is not yes, no, on, "
	                           "off, true or false");
}

static void test_acl(void)
{
	uint8_t a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
	struct config *cfg;

	cfg = load_ok("Deny 10.137.0.66\nAllow 10.137.0.0/16\nAllow ::1\n"
	              "Deny 2001:db8::/32");
	if (cfg == NULL)
		return;
	ok(cfg->acl != NULL && cfg->acl->allow == 0 &&
	       cfg->acl->net.prefix == 128,
	   "first rule: Deny 10.137.0.66");
	a[12] = 10, a[13] = 137, a[14] = 0, a[15] = 66;
	is_int(config_client_allowed(cfg, a), 0, "first match decides: deny");
	a[15] = 13;
	is_int(config_client_allowed(cfg, a), 1, "10.137.0.13 allowed");
	a[12] = 192;
	is_int(config_client_allowed(cfg, a), 0, "rules but no match: denied");
	is_int(config_client_allowed(cfg, v6), 0, "IPv6 Deny");
	config_free(cfg);
	load_error("Allow example.com",
	           "1: Allow: \"example.com\": host names are not supported in "
	           "Allow/Deny");
	load_error("Deny .example.com",
	           "1: Deny: \".example.com\": host names are not supported in "
	           "Allow/Deny");
	load_error("Allow 10.0.0.0/33",
	           "1: Allow: \"10.0.0.0/33\" has a bad prefix length");
	load_error("Allow 10.0.0", "1: Allow: \"10.0.0\" is not an IP address");
}

static void test_error_files(void)
{
	struct config *cfg;

	cfg = load_ok("ErrorFile 404 \"/e/404.html\"\nDefaultErrorFile "
	              "\"/e/default.html\"\nErrorFile 403 \"/e/403a.html\"\n"
	              "ErrorFile 403 \"/e/403b.html\"\nStatFile \"/e/stats\"\n"
	              "StatHost \"Stats.Example.\"");
	if (cfg == NULL)
		return;
	is_str(config_error_file(cfg, 404), "/e/404.html", "ErrorFile 404");
	is_str(config_error_file(cfg, 403), "/e/403b.html",
	       "ErrorFile: the last one for a status wins");
	is_str(config_error_file(cfg, 502), "/e/default.html",
	       "DefaultErrorFile for other statuses");
	is_str(cfg->stat_file, "/e/stats", "StatFile");
	is_str(cfg->stat_host, "stats.example", "StatHost is normalised");
	config_free(cfg);
	load_error("ErrorFile 99 \"/x\"",
	           "1: ErrorFile: \"99\" is too small (100..599)");
	load_error("ErrorFile 600 \"/x\"",
	           "1: ErrorFile: \"600\" is too large (100..599)");
	load_error("StatHost \"a b\"",
	           "1: StatHost: \"a b\": invalid character in host name");
}

static void test_filter(void)
{
	struct config *cfg;

	cfg = load_ok("Filter \"/etc/f\"\nFilterType fnmatch");
	is_str(cfg ? cfg->filter : NULL, "/etc/f", "Filter");
	is_int(cfg ? (int)cfg->filter_type : -1, FILTER_TYPE_FNMATCH,
	       "FilterType fnmatch");
	config_free(cfg);
	cfg = load_ok("FilterType ERE");
	is_int(cfg ? (int)cfg->filter_type : -1, FILTER_TYPE_ERE, "ere");
	config_free(cfg);
	cfg = load_ok("FilterType domain");
	is_int(cfg ? (int)cfg->filter_type : -1, FILTER_TYPE_DOMAIN, "domain");
	config_free(cfg);
	cfg = load_ok("FilterType ere\nFilterType bre");
	is_int(cfg ? (int)cfg->filter_type : -1, FILTER_TYPE_BRE, "bre");
	config_free(cfg);
	cfg = load_ok("FilterExtended On");
	is_int(cfg ? (int)cfg->filter_type : -1, FILTER_TYPE_ERE,
	       "FilterExtended On: ERE");
	config_free(cfg);
	cfg = load_ok("FilterType fnmatch\nFilterExtended yes");
	is_int(cfg ? (int)cfg->filter_type : -1, FILTER_TYPE_ERE,
	       "FilterExtended after FilterType wins");
	config_free(cfg);
	cfg = load_ok("FilterExtended yes\nFilterType fnmatch");
	is_int(cfg ? (int)cfg->filter_type : -1, FILTER_TYPE_FNMATCH,
	       "FilterType after FilterExtended wins");
	config_free(cfg);
	cfg = load_ok("FilterType ere\nFilterExtended no");
	is_int(cfg ? (int)cfg->filter_type : -1, FILTER_TYPE_BRE,
	       "FilterExtended no: BRE");
	config_free(cfg);
	cfg = load_ok("FilterMode learn");
	is_int(cfg ? cfg->filter_learn : -1, 1, "FilterMode learn");
	config_free(cfg);
	cfg = load_ok("FilterMode learn\nFilterMode Enforce");
	is_int(cfg ? cfg->filter_learn : -1, 0, "FilterMode enforce");
	config_free(cfg);
	load_error("FilterType pcre",
	           "1: FilterType: \"pcre\" is not one of bre, ere, fnmatch, "
	           "domain");
	load_error("FilterMode warn",
	           "1: FilterMode: \"warn\" is not enforce or learn");
	load_error("Filter \"\"", "1: Filter: empty value");
}

static void test_connect_ports(void)
{
	struct config *cfg;

	memset(&cap, 0, sizeof(cap));
	cfg = load("ConnectPort 443\nConnectPort 563\nConnectPort 1");
	ok(cfg != NULL && cap.n == 0, "ConnectPort: no warning");
	if (cfg == NULL)
		return;
	is_int(cfg->n_connect_ports, 3, "three ports");
	is_int(config_connect_port_allowed(cfg, 443), 1, "443 allowed");
	is_int(config_connect_port_allowed(cfg, 563), 1, "563 allowed");
	is_int(config_connect_port_allowed(cfg, 1), 1, "1 allowed");
	is_int(config_connect_port_allowed(cfg, 80), 0, "80 refused");
	is_int(config_connect_port_allowed(cfg, 0), 0, "0 refused");
	config_free(cfg);
	load_error("ConnectPort 0",
	           "1: ConnectPort: \"0\" is too small (1..65535)");
	load_error("ConnectPort 65536",
	           "1: ConnectPort: \"65536\" is too large (1..65535)");
}

static void test_upstream(void)
{
	uint8_t a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168};
	const struct upstream *u;
	struct config *cfg;

	cfg = load_ok("Upstream proxy.example:3128\n"
	              "upstream HTTP u:p@Corp.Example:8080 \".example.com\"\n"
	              "Upstream socks5 alice:s3cr3t@[2001:db8::1]:1080 "
	              "\"intranet\"\n"
	              "Upstream socks4 10.0.0.1:1080 "
	              "\"192.168.0.0/255.255.0.0\"\n"
	              "Upstream none \"www.example.com\"\n"
	              "NoUpstream \"10.0.0.0/8\"\n"
	              "No Upstream \".\"\n");
	if (cfg == NULL)
		return;

	u = cfg->upstreams;
	ok(u && u->type == UPSTREAM_HTTP &&
	       strcmp(u->host, "proxy.example") == 0 && u->port == 3128 &&
	       u->user == NULL && u->site_kind == SITE_ANY,
	   "old form without a type is http, no site: any");
	u = u ? u->next : NULL;
	ok(u && u->type == UPSTREAM_HTTP &&
	       strcmp(u->host, "corp.example") == 0 && u->port == 8080 &&
	       strcmp(u->user, "u") == 0 && strcmp(u->pass, "p") == 0 &&
	       u->site_kind == SITE_DOMAIN &&
	       strcmp(u->site_domain, ".example.com") == 0,
	   "http with credentials and a domain");
	u = u ? u->next : NULL;
	ok(u && u->type == UPSTREAM_SOCKS5 &&
	       strcmp(u->host, "2001:db8::1") == 0 && u->port == 1080 &&
	       strcmp(u->user, "alice") == 0 &&
	       strcmp(u->pass, "s3cr3t") == 0 &&
	       strcmp(u->site_domain, "intranet") == 0,
	   "socks5 with an IPv6 proxy");
	u = u ? u->next : NULL;
	ok(u && u->type == UPSTREAM_SOCKS4 && u->site_kind == SITE_NET &&
	       u->site_net.prefix == 96 + 16,
	   "socks4 with a dotted mask");
	u = u ? u->next : NULL;
	ok(u && u->type == UPSTREAM_NONE && u->host == NULL &&
	       strcmp(u->site_domain, "www.example.com") == 0,
	   "Upstream none");
	u = u ? u->next : NULL;
	ok(u && u->type == UPSTREAM_NONE && u->site_kind == SITE_NET &&
	       u->site_net.prefix == 104,
	   "NoUpstream with a CIDR");
	u = u ? u->next : NULL;
	ok(u && u->type == UPSTREAM_NONE && strcmp(u->site_domain, ".") == 0 &&
	       u->next == NULL,
	   "two-word No Upstream");

	u = config_upstream_for(cfg, "other.org", NULL);
	ok(u && u->port == 3128, "no specific match: the catch-all");
	u = config_upstream_for(cfg, "example.com", NULL);
	ok(u && u->port == 8080, ".example.com matches example.com");
	u = config_upstream_for(cfg, "a.b.example.com", NULL);
	ok(u && u->port == 8080, ".example.com matches a subdomain");
	u = config_upstream_for(cfg, "badexample.com", NULL);
	ok(u && u->port == 3128, ".example.com does not match badexample.com");
	u = config_upstream_for(cfg, "www.example.com", NULL);
	ok(u && u->type == UPSTREAM_NONE, "the later none line wins");
	u = config_upstream_for(cfg, "intranet", NULL);
	ok(u && u->type == UPSTREAM_NONE,
	   "\".\" (later) wins for a name without a dot");
	u = config_upstream_for(cfg, "x.intranet", NULL);
	ok(u && u->port == 3128, "a plain domain matches that host only");
	a[14] = 1, a[15] = 1;
	u = config_upstream_for(cfg, "192.168.1.1", a);
	ok(u && u->type == UPSTREAM_SOCKS4, "address in the dotted-mask net");
	u = config_upstream_for(cfg, "192.168.1.1", NULL);
	ok(u && u->port == 3128, "no address: a net never matches");
	a[12] = 10, a[13] = 9;
	u = config_upstream_for(cfg, "10.9.1.1", a);
	ok(u && u->type == UPSTREAM_NONE, "NoUpstream net wins (later)");
	config_free(cfg);

	cfg = load_ok("Upstream none \".example.com\"\n"
	              "Upstream http p:1");
	u = cfg ? config_upstream_for(cfg, "example.com", NULL) : NULL;
	ok(u && u->type == UPSTREAM_HTTP,
	   "a later catch-all beats an earlier specific line");
	config_free(cfg);

	load_error("Upstream socks4 u:p@h:1080",
	           "1: Upstream: socks4 cannot carry user:pass");
	load_error("Upstream none", "1: Upstream: none takes one site, as in "
	                            "Upstream none \".example.com\"");
	load_error("Upstream http proxy",
	           "1: Upstream: \"proxy\" has no :PORT");
	load_error("Upstream http proxy:0",
	           "1: Upstream: \"0\" is too small (1..65535)");
	load_error("Upstream http proxy:65536",
	           "1: Upstream: \"65536\" is too large (1..65535)");
	load_error("Upstream ftp proxy:21",
	           "1: Upstream: \"ftp\" is not http, socks4, socks5 or none");
	load_error("Upstream \"pr oxy:1\"",
	           "1: Upstream: \"pr oxy\": invalid character in host name");
	load_error("Upstream http pr_oxy:1 \"a b\"",
	           "1: Upstream: \"a b\": invalid character in host name");
	load_error("Upstream http ::1:8080",
	           "1: Upstream: \"::1:8080\": write an IPv6 proxy address as "
	           "[ADDRESS]:PORT");
	load_error("Upstream http :pw@h:1",
	           "1: Upstream: credentials must be user:pass@");
	load_error("Upstream http h:1 \"10.0.0.0/255.0.255.0\"",
	           "1: Upstream: site \"10.0.0.0/255.0.255.0\" is not an "
	           "address with a contiguous mask");
	load_error("Upstream http h:1 \"10.0.0.0/40\"",
	           "1: Upstream: site \"10.0.0.0/40\" is not an address range");
	load_error("Upstream http h:1 \"x\" extra",
	           "1: Upstream: expects 1 to 3 values, got 4");
	load_error("Upstream h:1 \"x\" extra",
	           "1: Upstream: expects [TYPE] [USER:PASS@]HOST:PORT "
	           "[\"SITE\"]");
	load_error("NoUpstream", "1: NoUpstream: expects 1 value, got 0");
}

static void test_headers(void)
{
	struct config *cfg;
	char *enc;

	cfg = load_ok("ViaProxyName \"fw-proxy\"\n"
	              "AddHeader \"X-One\" \"first value\"\n"
	              "AddHeader X-Two \"\"\n"
	              "Anonymous \"Host\"\nAnonymous \"User-Agent\"");
	if (cfg != NULL) {
		is_str(cfg->via_proxy_name, "fw-proxy", "ViaProxyName");
		ok(cfg->add_headers &&
		       !strcmp(cfg->add_headers->name, "X-One") &&
		       !strcmp(cfg->add_headers->value, "first value"),
		   "AddHeader one");
		ok(cfg->add_headers && cfg->add_headers->next &&
		       !strcmp(cfg->add_headers->next->name, "X-Two") &&
		       !strcmp(cfg->add_headers->next->value, ""),
		   "AddHeader two, in file order");
		ok(cfg->anonymous && !strcmp(cfg->anonymous->value, "Host") &&
		       cfg->anonymous->next &&
		       !strcmp(cfg->anonymous->next->value, "User-Agent") &&
		       cfg->anonymous->next->next == NULL,
		   "Anonymous in file order");
	}
	config_free(cfg);
	load_error("AddHeader \"Bad Name\" \"v\"",
	           "1: AddHeader: \"Bad Name\" is not a valid header name");
	load_error("AddHeader content-length 5",
	           "1: AddHeader: \"content-length\" is set by the proxy "
	           "itself");
	load_error("AddHeader Host evil.example",
	           "1: AddHeader: \"Host\" is set by the proxy itself");
	load_error("AddHeader \"X:Y\" \"v\"",
	           "1: AddHeader: \"X:Y\" is not a valid header name");
	load_error("AddHeader \"X\" \"a\tb\"",
	           "1: AddHeader: the value of \"X\" has a control character");
	load_error("Anonymous \"\"",
	           "1: Anonymous: \"\" is not a valid header name");
	load_error("ViaProxyName \"two words\"",
	           "1: ViaProxyName: \"two words\" is not an HTTP token");

	cfg = load_ok("BasicAuth alice \"open sesame\"\nBasicAuth bob b\n"
	              "BasicAuthRealm \"Work VM\"");
	if (cfg != NULL) {
		ok(cfg->basic_auth && !strcmp(cfg->basic_auth->user, "alice") &&
		       !strcmp(cfg->basic_auth->pass, "open sesame"),
		   "BasicAuth user and password");
		is_str(cfg->basic_auth ? cfg->basic_auth->encoded : NULL,
		       "YWxpY2U6b3BlbiBzZXNhbWU=", "BasicAuth encoded");
		is_str(cfg->basic_auth && cfg->basic_auth->next
		           ? cfg->basic_auth->next->encoded
		           : NULL,
		       "Ym9iOmI=", "second BasicAuth encoded");
		is_str(cfg->basic_auth_realm, "Work VM", "BasicAuthRealm");
	}
	config_free(cfg);
	load_error("BasicAuth a:b c", "1: BasicAuth: the user name must be "
	                              "non-empty and without ':'");
	load_error("BasicAuthRealm \"a\\\"b\"",
	           "1: BasicAuthRealm: \"a\"b\" must be non-empty, without "
	           "'\"', '\\' or control characters");

	enc = base64_encode("", 0);
	is_str(enc, "", "base64 of nothing");
	free(enc);
	enc = base64_encode("f", 1);
	is_str(enc, "Zg==", "base64 f");
	free(enc);
	enc = base64_encode("fo", 2);
	is_str(enc, "Zm8=", "base64 fo");
	free(enc);
	enc = base64_encode("foobar", 6);
	is_str(enc, "Zm9vYmFy", "base64 foobar");
	free(enc);
	enc = base64_encode("\xff\xfe\xfd", 3);
	is_str(enc, "//79", "base64 high bytes");
	free(enc);
	enc = base64_credentials("Aladdin", "open sesame");
	is_str(enc, "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "RFC 7617 example");
	free(enc);
}

static void test_fwproxy_directives(void)
{
	uint8_t lo[16] = {0, 0, 0,    0,    0,   0, 0, 0,
	                  0, 0, 0xff, 0xff, 127, 0, 0, 1};
	uint8_t lo2[16] = {0, 0, 0,    0,    0,   0, 0, 0,
	                   0, 0, 0xff, 0xff, 127, 0, 0, 2};
	uint8_t v6lo[16] = {[15] = 1};
	struct config *cfg;

	cfg = load_ok("AllowDestination 127.0.0.1\nAllowDestination ::1/128\n"
	              "DNSServer \"10.139.1.1\"\nDNSServer 10.139.1.2:5353\n"
	              "DNSServer \"[2001:db8::53]:53\"\nDNSServer ::1\n"
	              "LogFormat JSON");
	if (cfg == NULL)
		return;
	is_int(cfg->n_allow_destinations, 2, "two AllowDestination");
	is_int(config_destination_allowed(cfg, lo), 1, "127.0.0.1 allowed");
	is_int(config_destination_allowed(cfg, lo2), 0, "127.0.0.2 not");
	is_int(config_destination_allowed(cfg, v6lo), 1, "::1 allowed");
	is_int(cfg->n_dns_servers, 4, "four DNSServer");
	if (cfg->n_dns_servers == 4) {
		is_str(cfg->dns_servers[0], "10.139.1.1", "DNSServer IP");
		is_str(cfg->dns_servers[1], "10.139.1.2:5353", "IP:PORT");
		is_str(cfg->dns_servers[2], "[2001:db8::53]:53", "[IPV6]:PORT");
		is_str(cfg->dns_servers[3], "::1", "bare IPv6");
	}
	is_int(cfg->log_json, 1, "LogFormat json");
	config_free(cfg);
	cfg = load_ok("LogFormat json\nLogFormat text");
	is_int(cfg ? cfg->log_json : -1, 0, "LogFormat text");
	config_free(cfg);

	load_error("AllowDestination localhost",
	           "1: AllowDestination: \"localhost\" is not an IP address");
	load_error("LogFormat xml",
	           "1: LogFormat: \"xml\" is not text or json");
	{
		static const char *const bad[] = {
		    "dns.example",    "10.0.0.1:0",
		    "10.0.0.1:65536", "10.0.0.1:",
		    "[::1]",          "[::1]:",
		    "[::1]53",        "[10.0.0.1]:53",
		    "10.0.0.1:53:53", "",
		};
		char line[128], want[256];
		size_t i;

		for (i = 0; i < ARRAY_LEN(bad); i++) {
			snprintf(line, sizeof(line), "DNSServer \"%s\"",
			         bad[i]);
			snprintf(want, sizeof(want),
			         "1: DNSServer: \"%s\" is not IP, IP:PORT or "
			         "[IPV6]:PORT with a port in 1..65535",
			         bad[i]);
			load_error(line, want);
		}
	}
}

static void test_obsolete_and_reverse(void)
{
	static const char *const obsolete[] = {
	    "MinSpareServers", "MaxSpareServers", "StartServers",
	    "MaxRequestsPerChild"};
	static const char *const reverse[] = {"ReversePath", "ReverseOnly",
	                                      "ReverseMagic", "ReverseBaseURL"};
	struct config *cfg;
	char line[128], want[256];
	size_t i;

	for (i = 0; i < ARRAY_LEN(obsolete); i++) {
		snprintf(line, sizeof(line), "ConnectPort 443\n\n%s 5",
		         obsolete[i]);
		cfg = load(line);
		ok(cfg != NULL, "%s is accepted", obsolete[i]);
		snprintf(want, sizeof(want),
		         "t.conf:3: W %s is obsolete and "
		         "ignored",
		         obsolete[i]);
		is_str(cap.line[0], want, "%s warns with its line",
		       obsolete[i]);
		is_int(cap.n, 1, "only that report");
		config_free(cfg);
	}
	for (i = 0; i < ARRAY_LEN(reverse); i++) {
		snprintf(line, sizeof(line), "%s \"/x/\" \"http://in/\"",
		         reverse[i]);
		snprintf(want, sizeof(want),
		         "1: %s is not supported (fwproxy is a forward proxy)",
		         reverse[i]);
		load_error(line, want);
	}
}

static void test_all_errors_reported(void)
{
	struct config *cfg;

	cfg = load("Port abc\n# ok\nFoo\nMaxSpareServers 1\nAllow a.b\n"
	           "Timeout 0\nUser ok\n");
	ok(cfg == NULL, "a file with errors is refused");
	is_int(cap.errors, 4, "every error is reported");
	is_int(cap.warnings, 2, "and the warnings");
	is_str(cap.line[0], "t.conf:1: E Port: \"abc\" is not a number",
	       "first error, line 1");
	is_str(cap.line[1], "t.conf:3: E unknown directive \"Foo\"",
	       "second error, line 3");
	is_str(cap.line[2],
	       "t.conf:4: W MaxSpareServers is obsolete and "
	       "ignored",
	       "warning in between, line 4");
	is_str(cap.line[3],
	       "t.conf:5: E Allow: \"a.b\": host names are not "
	       "supported in Allow/Deny",
	       "third error, line 5");
	is_str(cap.line[4],
	       "t.conf:6: E Timeout: \"0\" is too small "
	       "(1..86400)",
	       "fourth error, line 6");
	is_str(cap.line[5],
	       "t.conf:0: W no ConnectPort: CONNECT is allowed "
	       "to every port",
	       "the final warning");

	cfg = config_load_buffer("quiet", "Port x", 6, NULL, NULL);
	ok(cfg == NULL, "a NULL report function still fails the load");
}

/* Expects success with exactly one warning, equal to want ("LINE: msg"). */
static void load_warning(const char *text, const char *want)
{
	size_t n = strlen(text);
	char *full = malloc(n + 32);
	struct config *cfg;
	char got[600] = "(none)";

	memcpy(full, text, n);
	strcpy(full + n, "\nConnectPort 443\n");
	cfg = load(full);
	free(full);
	ok(cfg != NULL, "loads: %s", flat(text));
	config_free(cfg);
	if (cap.n > 0) {
		const char *p = cap.line[0] + strlen("t.conf:");
		const char *e = strstr(p, ": ");
		snprintf(got, sizeof(got), "%.*s: %s", (int)(e - p), p, e + 2);
	}
	is_str(got, want, "warning for: %s", flat(text));
	is_int(cap.warnings, 1, "one warning for: %s", flat(text));
}

/* Values that mean something else than they say, and values too long to
 * work, are caught when the file is read (fwproxy -t), not by a request. */
static void test_said_and_meant(void)
{
	char line[8192];
	struct config *cfg;

	load_warning("Allow 10.0.0.1/8",
	             "1: W Allow: \"10.0.0.1/8\" has host bits set: it stands "
	             "for the whole network 10.0.0.0/8; write that, or the "
	             "address alone");
	load_warning("Deny 2001:db8::1/32",
	             "1: W Deny: \"2001:db8::1/32\" has host bits set: it "
	             "stands for the whole network 2001:db8::/32; write that, "
	             "or the address alone");
	load_warning("AllowDestination 127.0.0.1/8",
	             "1: W AllowDestination: \"127.0.0.1/8\" has host bits "
	             "set: it stands for the whole network 127.0.0.0/8; write "
	             "that, or the address alone");
	cfg = load_ok("Allow 10.0.0.0/8\nAllow 10.0.0.1/32\nAllow 10.0.0.1");
	config_free(cfg);
	load_error("DNSServer \"::1:53\"",
	           "1: DNSServer: \"::1:53\" is ambiguous: write \"[::1]:53\" "
	           "for port 53, or \"[::1:53]:53\" for the address ::1:53");
	load_error("DNSServer 2001:db8::1:5353",
	           "1: DNSServer: \"2001:db8::1:5353\" is ambiguous: write "
	           "\"[2001:db8::1]:5353\" for port 5353, or "
	           "\"[2001:db8::1:5353]:53\" for the address "
	           "2001:db8::1:5353");
	cfg = load_ok("DNSServer ::1\nDNSServer 2001:db8::53\n"
	              "DNSServer [::1:53]:53\nDNSServer fe80::1");
	config_free(cfg);

	snprintf(line, sizeof(line), "ViaProxyName %0255d", 0);
	cfg = load_ok(line);
	config_free(cfg);
	snprintf(line, sizeof(line), "ViaProxyName %0256d", 0);
	load_error(line,
	           "1: ViaProxyName: the name is 256 bytes long (at most 255)");
	snprintf(line, sizeof(line), "LogFile /%04094d", 0);
	cfg = load_ok(line);
	config_free(cfg);
	snprintf(line, sizeof(line), "AddHeader X-A %04096d", 0);
	load_error(line,
	           "1: AddHeader: value 2 is 4096 bytes long (at most 4095)");

	memset(&cap, 0, sizeof(cap));
	cfg = config_load_buffer("t.conf", "\xef\xbb\xbfPort 1\nConnectPort 1",
	                         23, record, &cap);
	ok(cfg != NULL && cfg->port == 1, "a UTF-8 byte order mark is skipped");
	is_str(cap.line[0], "t.conf:1: W UTF-8 byte order mark skipped",
	       "with a warning");
	config_free(cfg);
	memset(&cap, 0, sizeof(cap));
	cfg = config_load_buffer("t.conf", "\xff\xfeP\0o\0r\0t\0", 10, record,
	                         &cap);
	ok(cfg == NULL && cap.errors == 1, "UTF-16 is one error");
	is_str(cap.line[0],
	       "t.conf:1: E UTF-16LE text (byte order mark): configuration "
	       "files are ASCII or UTF-8; convert it with iconv -f UTF-16 -t "
	       "UTF-8",
	       "naming it");
}

static void test_files(void)
{
	struct config *cfg;

	memset(&cap, 0, sizeof(cap));
	cfg = config_load(CLASSIC, record, &cap);
	ok(cfg != NULL, "the classic Qubes config loads");
	is_int(cap.errors, 0, "classic: no error");
	is_int(cap.warnings, 4, "classic: four warnings");
	is_str(cap.line[0],
	       CLASSIC ":17: W MinSpareServers is obsolete and "
	               "ignored",
	       "classic: first warning names file and line");
	if (cfg != NULL) {
		uint8_t vm[16] = {0, 0, 0,    0,    0,  0,   0, 0,
		                  0, 0, 0xff, 0xff, 10, 137, 0, 13};
		is_str(cfg->path, CLASSIC, "path");
		is_str(cfg->user, "tinyproxy", "classic User");
		is_int(cfg->port, 8103, "classic Port");
		is_int(cfg->log_level, LOG_LEVEL_NOTICE, "classic LogLevel");
		is_str(cfg->filter, "/rw/config/tinyproxy/work.10.137.0.13",
		       "classic Filter");
		is_int(cfg->filter_type, FILTER_TYPE_ERE, "FilterExtended On");
		is_int(cfg->filter_urls, 0, "FilterURLs Off");
		is_int(cfg->filter_default_deny, 1, "FilterDefaultDeny Yes");
		is_int(cfg->n_connect_ports, 2, "two ConnectPort");
		is_int(config_client_allowed(cfg, vm), 1, "the VM is allowed");
		vm[15] = 14;
		is_int(config_client_allowed(cfg, vm), 0, "another VM is not");
		is_str(cfg->via_proxy_name, "tinyproxy", "ViaProxyName");
	}
	config_free(cfg);

	memset(&cap, 0, sizeof(cap));
	cfg = config_load("tests/unit/data/config/missing.conf", record, &cap);
	ok(cfg == NULL, "a missing file fails");
	is_str(cap.line[0],
	       "tests/unit/data/config/missing.conf:0: E cannot open: No such "
	       "file or directory",
	       "a missing file is reported");

	memset(&cap, 0, sizeof(cap));
	cfg = config_load("tests/unit/data/config", record, &cap);
	ok(cfg == NULL && cap.errors == 1, "a directory fails with one error");
}

/* Every list directive, many lines of each and interleaved: every entry
 * kept, in file order (the lists grow at a kept tail, the arrays by
 * doubling). */
#define LONG_LIST 1000

/* LONG_LIST entries in the list at head, entry n's field reading fmt % n. */
#define CHECK_NAMED_LIST(head, field, fmt, what)                               \
	do {                                                                   \
		int n_ = 0, in_order_ = 1;                                     \
		for (__typeof__(head) e_ = (head); e_ != NULL;                 \
		     e_ = e_->next, n_++) {                                    \
			snprintf(want, sizeof(want), fmt, n_);                 \
			in_order_ &= strcmp(e_->field, want) == 0;             \
		}                                                              \
		ok(n_ == LONG_LIST && in_order_, "%s: %d in order", what, n_); \
	} while (0)

static void test_long_lists(void)
{
	struct buf b = {0};
	const struct acl_rule *r;
	const struct upstream *u;
	struct config *cfg;
	int i, n, in_order;
	char want[64];

	for (i = 0; i < LONG_LIST; i++) {
		buf_printf(&b, "%s 10.0.%d.%d\n", i % 2 ? "Deny" : "Allow",
		           i / 256, i % 256);
		if (i % 2)
			buf_printf(&b, "NoUpstream \".d%d.example\"\n", i);
		else
			buf_printf(&b, "Upstream http p%d.example:8080\n", i);
		buf_printf(&b, "ConnectPort %d\n", i + 1);
		buf_printf(&b, "AddHeader \"X-H%d\" \"v\"\n", i);
		buf_printf(&b, "Anonymous \"X-A%d\"\n", i);
		buf_printf(&b, "BasicAuth u%d p\n", i);
		buf_printf(&b, "ErrorFile %d \"/e%d\"\n", 400 + i % 100, i);
		buf_printf(&b, "AllowDestination 10.1.%d.%d\n", i / 256,
		           i % 256);
		buf_printf(&b, "DNSServer \"10.2.%d.%d\"\n", i / 256, i % 256);
	}
	memset(&cap, 0, sizeof(cap));
	cfg = config_load_buffer("t.conf", buf_head(&b), b.len, record, &cap);
	buf_free(&b);
	ok(cfg != NULL && cap.errors == 0, "%d lines of each list directive",
	   LONG_LIST);
	if (cfg == NULL)
		return;
	for (n = 0, in_order = 1, r = cfg->acl; r != NULL; r = r->next, n++)
		in_order &= r->allow == !(n % 2) &&
		            r->net.addr[14] == n / 256 &&
		            r->net.addr[15] == n % 256;
	ok(n == LONG_LIST && in_order, "Allow/Deny: %d in file order", n);
	for (n = 0, in_order = 1, u = cfg->upstreams; u != NULL;
	     u = u->next, n++)
		in_order &= u->type == (n % 2 ? UPSTREAM_NONE : UPSTREAM_HTTP);
	ok(n == LONG_LIST && in_order, "Upstream/NoUpstream: %d in order", n);
	CHECK_NAMED_LIST(cfg->add_headers, name, "X-H%d", "AddHeader");
	CHECK_NAMED_LIST(cfg->anonymous, value, "X-A%d", "Anonymous");
	CHECK_NAMED_LIST(cfg->basic_auth, user, "u%d", "BasicAuth");
	CHECK_NAMED_LIST(cfg->error_files, path, "/e%d", "ErrorFile");
	for (i = 0, in_order = 1; i < cfg->n_connect_ports; i++)
		in_order &= cfg->connect_ports[i] == i + 1;
	ok(cfg->n_connect_ports == LONG_LIST && in_order,
	   "ConnectPort: %d in order", cfg->n_connect_ports);
	for (i = 0, in_order = 1; i < cfg->n_allow_destinations; i++)
		in_order &= cfg->allow_destinations[i].addr[15] == i % 256;
	ok(cfg->n_allow_destinations == LONG_LIST && in_order,
	   "AllowDestination: %d in order", cfg->n_allow_destinations);
	snprintf(want, sizeof(want), "10.2.%d.%d", (LONG_LIST - 1) / 256,
	         (LONG_LIST - 1) % 256);
	ok(cfg->n_dns_servers == LONG_LIST &&
	       strcmp(cfg->dns_servers[LONG_LIST - 1], want) == 0,
	   "DNSServer: %d, the last one last", cfg->n_dns_servers);
	config_free(cfg);
}

static void test_tls_directives(void)
{
	struct config *cfg;
	char line[1024];
	size_t n;
	int i;

	cfg = load_ok("Filter \"/r\"\nFilterDefaultDeny Yes");
	is_int(config_connect_sni_check(cfg), 1,
	       "SNI check on by default "
	       "for an allow-list");
	is_int(cfg->n_transparent, 0, "not transparent by default");
	config_free(cfg);
	cfg = load_ok("Filter \"/r\"");
	is_int(config_connect_sni_check(cfg), 0, "off for a block-list");
	config_free(cfg);
	cfg = load_ok("Filter \"/r\"\nFilterDefaultDeny Yes\n"
	              "ConnectSNICheck no");
	is_int(config_connect_sni_check(cfg), 0, "ConnectSNICheck no");
	config_free(cfg);
	load_error("ConnectSNICheck maybe", "1: ConnectSNICheck: \"maybe\" is "
	                                    "not yes, no, on, off, true or "
	                                    "false");

	cfg = load_ok("Transparent 80 443 993/TLS 22 8080/http 25/ip");
	if (cfg != NULL) {
		is_int(cfg->n_transparent, 6, "six transparent ports");
		is_int(config_transparent_port(cfg, 80)->kind, TRANSPARENT_HTTP,
		       "80 is http");
		is_int(config_transparent_port(cfg, 443)->kind, TRANSPARENT_TLS,
		       "443 is tls");
		is_int(config_transparent_port(cfg, 993)->kind, TRANSPARENT_TLS,
		       "993/TLS is tls");
		is_int(config_transparent_port(cfg, 22)->kind, TRANSPARENT_IP,
		       "22 is ip");
		is_int(config_transparent_port(cfg, 8080)->kind,
		       TRANSPARENT_HTTP, "8080/http is http");
		ok(config_transparent_port(cfg, 21) == NULL, "21 not listed");
	}
	config_free(cfg);
	cfg = load_ok("Transparent 80 443\nTransparent none");
	is_int(cfg ? cfg->n_transparent : -1, 0, "none: the last line wins");
	config_free(cfg);
	load_error("Transparent 0", "1: Transparent: \"0\" is not a port "
	                            "(1..65535)");
	load_error("Transparent 80 x", "1: Transparent: \"x\" is not a port "
	                               "(1..65535)");
	load_error("Transparent 80/udp", "1: Transparent: \"80/udp\": the "
	                                 "kind after / is http, tls or ip");
	load_error("Transparent 80 443 80/tls",
	           "1: Transparent: port 80 listed twice");
	cfg = load_ok("TransparentNoSNI address");
	is_int(cfg ? cfg->transparent_no_sni_by_address : -1, 1,
	       "TransparentNoSNI address");
	config_free(cfg);
	cfg = load_ok("TransparentNoSNI address\nTransparentNoSNI Refuse");
	is_int(cfg ? cfg->transparent_no_sni_by_address : -1, 0,
	       "TransparentNoSNI refuse (the default)");
	config_free(cfg);
	load_error("TransparentNoSNI allow",
	           "1: TransparentNoSNI: \"allow\" is not refuse or address");
	/* TRANSPARENT_PORTS_MAX ports, then one more. */
	n = (size_t)snprintf(line, sizeof(line), "Transparent");
	for (i = 1; i <= TRANSPARENT_PORTS_MAX; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %d", i);
	cfg = load_ok(line);
	is_int(cfg ? cfg->n_transparent : -1, TRANSPARENT_PORTS_MAX,
	       "TRANSPARENT_PORTS_MAX ports");
	config_free(cfg);
	snprintf(line + n, sizeof(line) - n, " 9999");
	load_error(line, "1: Transparent: at most 64 ports");
}

int main(void)
{
	test_tls_directives();
	test_defaults();
	test_lexer();
	test_process();
	test_numbers();
	test_listen();
	test_booleans();
	test_acl();
	test_long_lists();
	test_error_files();
	test_filter();
	test_connect_ports();
	test_upstream();
	test_headers();
	test_fwproxy_directives();
	test_obsolete_and_reverse();
	test_all_errors_reported();
	test_said_and_meant();
	test_files();
	return done();
}
