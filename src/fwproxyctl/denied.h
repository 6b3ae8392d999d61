/* fwproxyctl denied: the hosts a VM's proxy refused (or, in learning
 * mode, would have refused), read from its log in either format, with
 * the line to add to its rules file; and adding chosen lines. */
#ifndef FWPROXY_CTL_DENIED_H
#define FWPROXY_CTL_DENIED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "instance.h"
#include "filter.h"
#include "hostname.h"

#define CTL_DENIED_REFUSED 1 /* the proxy refused it */
#define CTL_DENIED_LEARN   2 /* FilterMode learn: would have refused */
#define CTL_DENIED_PORTS   8 /* ports listed per host */
#define CTL_DENIED_RULE    (HOSTNAME_MAX + 32)

struct ctl_denied_event {
	time_t time;
	int kind; /* CTL_DENIED_REFUSED or CTL_DENIED_LEARN */
	char host[HOSTNAME_MAX + 1];
	uint16_t port;
	char rule[CTL_DENIED_RULE]; /* "FILE:LINE" or "default" */
	long repeats; /* a "repeated N times" line: N refusals, else 0 */
};

/* Parses one log line of n bytes (no newline), text or JSON. Text lines
 * carry no year: it is the one that puts the line no more than a day
 * after now. Returns 1 with *ev filled for a refusal or a would-refuse,
 * 0 for any other line. */
int ctl_denied_parse_line(const char *line, size_t n, time_t now,
                          struct ctl_denied_event *ev);

/* "90s", "30m", "1h", "2d", "1w" (a number and a unit) into seconds.
 * Returns NULL or a constant error message. */
const char *ctl_denied_parse_duration(const char *s, long long *seconds);

struct ctl_denied_host {
	char host[HOSTNAME_MAX + 1];
	long count;
	int kinds; /* CTL_DENIED_* bits seen */
	time_t first, last;
	uint16_t ports[CTL_DENIED_PORTS]; /* ascending */
	int n_ports;
	int more_ports;             /* more than CTL_DENIED_PORTS seen */
	char rule[CTL_DENIED_RULE]; /* of the latest refusal */
};

struct ctl_denied {
	struct ctl_denied_host *v;
	size_t count;
};

/* Counts ev in d. */
void ctl_denied_add(struct ctl_denied *d, const struct ctl_denied_event *ev);

/* Most frequent first, then the most recent, then by name. */
void ctl_denied_sort(struct ctl_denied *d);

/* Adds every event of the log at path from since on (0: all). Returns 0,
 * or -1 with errno set when it cannot be read. */
int ctl_denied_read(struct ctl_denied *d, const char *path, time_t since,
                    time_t now);

/* Frees the hosts; d may be reused. */
void ctl_denied_clear(struct ctl_denied *d);

/* The rules-file line that allows host under opt: "^host\.name$" for
 * regular expressions, the host for fnmatch, and for domain files the
 * host (with its subdomains), as the daemon's refusal page suggests.
 * Returns 0, or -1 with FilterURLs, where no host line fits. */
int ctl_denied_rule(char *dst, size_t size, const struct filter_options *opt,
                    const char *host);

/* Writes d as a table, one host a line, with the line to add. */
void ctl_denied_print(const struct ctl_denied *d,
                      const struct filter_options *opt, FILE *out);

/* fwproxyctl denied NAME [--since]: reads vm's log (its config's LogFile)
 * and prints the table. since_seconds 0: the whole log. Returns 0 or -1
 * (message on stderr). */
int ctl_denied_list(const struct ctl *c, const struct ctl_vm_rules *vm,
                    long long since_seconds, FILE *out);

/* fwproxyctl denied NAME --add HOST...: appends the line for each host
 * not yet allowed to vm's rules file in the rules directory, then
 * reloads vm's proxy as "fwproxyctl reload" does (when it runs). Refuses
 * block lists (FilterDefaultDeny No), where a line would block. Returns
 * 0 or -1. */
int ctl_denied_add_hosts(struct ctl *c, const struct ctl_vm_rules *vm,
                         char **hosts, int n);

#endif
