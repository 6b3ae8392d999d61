/* The rules file: tinyproxy's filter syntax, compiled once, matched per
 * request. Literal hosts and anchored host suffixes are indexed; only real
 * regular expressions are run, and the result is always the one POSIX
 * regexec over every rule in file order would give. */
#ifndef FWPROXY_FILTER_H
#define FWPROXY_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct filter;

struct filter_options {
	enum filter_type type;
	int case_sensitive;
	int default_deny; /* a match allows; otherwise a match blocks */
	int urls;         /* match the URL instead of the host */
};

/* The options cfg's Filter* directives set. */
void filter_options_from_config(const struct config *cfg,
                                struct filter_options *opt);

/* Compiles the rules in path. Each bad line is reported through report as
 * (path, line, error) and compiling goes on; returns NULL if any line was
 * bad or the file cannot be read (reported with line 0). */
struct filter *filter_load(const char *path, const struct filter_options *opt,
                           config_report_fn *report, void *ctx);

/* Same, but reports and verdicts name the file `name` (the file the user
 * edits, when path is a copy of it). */
struct filter *filter_load_as(const char *path, const char *name,
                              const struct filter_options *opt,
                              config_report_fn *report, void *ctx);

/* Same from a buffer; name is used in messages and verdicts. */
struct filter *filter_load_buffer(const char *name, const char *text,
                                  size_t len, const struct filter_options *opt,
                                  config_report_fn *report, void *ctx);

void filter_free(struct filter *f);

/* Number of rules compiled. */
size_t filter_count(const struct filter *f);

struct filter_verdict {
	int allowed;
	int line; /* line of the deciding rule, 0 when no rule matched */
	const char *rule; /* that rule's text, NULL when none; owned by f */
	const char *file; /* the rules file's name; owned by f */
};

/* Decides one request. host is already normalised (see hostname.h); url
 * is the full request URL ("http://host/path" or "host:port" for CONNECT),
 * used instead of host when the filter matches URLs. The deciding rule is
 * the first matching one in file order. A NULL filter allows everything. */
void filter_check(const struct filter *f, const char *host, uint16_t port,
                  const char *url, struct filter_verdict *v);

#endif
