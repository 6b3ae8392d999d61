/* Private to config.c and config_directives.c: the state of one parse. */
#ifndef FWPROXY_CONFIG_INT_H
#define FWPROXY_CONFIG_INT_H

#include <stdarg.h>

#include "config.h"

struct config_parse {
	struct config *cfg;
	const char *file; /* the name in messages */
	const char *path; /* relative paths start from its folder */
	int line;
	const char *directive; /* the table's spelling, for messages */
	config_report_fn *report;
	void *ctx;
	int errors;
	int saw_listen;
	/* Where the next entry of each list goes, and the room in each array,
	 * so that N list lines parse in O(N), not O(N^2). */
	struct acl_rule **acl_tail;
	struct error_file **error_files_tail;
	struct header_line **add_headers_tail;
	struct string_list **anonymous_tail;
	struct basic_auth **basic_auth_tail;
	struct upstream **upstreams_tail;
	int connect_ports_cap;
	int allow_destinations_cap;
	int dns_servers_cap;
};

/* Points the list tails of p at p->cfg's (empty) lists. */
void config_parse_init_tails(struct config_parse *p);

/* Reports a diagnostic at the current line; when a directive is being
 * handled, the message is prefixed with its name and ": ". */
void config_diag(struct config_parse *p, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Runs the handler of argv[0] on argv[1..argc-1]; reports every problem
 * through config_diag. argc >= 1. */
void config_directive_apply(struct config_parse *p, char **argv, int argc);

/* Frees one upstream, wiping its password. */
void config_upstream_free(struct upstream *u);

#endif
