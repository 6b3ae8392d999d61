/* What one rules-file line says about host names, for fwproxyctl check:
 * the one host a regex or glob names and how it is anchored, unescaped
 * dots, and the hosts that stand for a domain rule. Pure functions. */
#ifndef FWPROXY_CTL_RULE_SHAPE_H
#define FWPROXY_CTL_RULE_SHAPE_H

#include <stddef.h>
#include <stdint.h>

#include "hostname.h"

/* A label no rule names on its own: it stands for "any subdomain". */
#define RULE_PROBE_LABEL "zz-probe."
/* Room for a host name, a probe label or an address in text. */
#define RULE_HOST_TEXT (64 + HOSTNAME_MAX)

enum shape_start { SHAPE_START_ANCHORED, SHAPE_START_LOOSE, SHAPE_START_SUB };
enum shape_end { SHAPE_END_ANCHORED, SHAPE_END_LOOSE };

/* A pattern that is one host name with anchors or wildcards around it. */
struct rule_shape {
	enum shape_start start; /* ^NAME, NAME (loose) or \.NAME / *.NAME */
	enum shape_end end;     /* NAME$ or NAME (loose) */
	int loose_dot;          /* offset in host of an unescaped '.', or -1 */
	int lead_loose; /* SHAPE_START_SUB written with an unescaped '.' */
	char host[HOSTNAME_MAX + 1];
};

/* 1 for a letter, digit, '-' or '_'. */
int rule_label_char(char c);

/* Reads the n bytes at p as a regular expression that names one host,
 * [^][.*][\.]NAME[.*][$]; 0 when it is anything else. */
int rule_shape_regex(const char *p, size_t n, struct rule_shape *s);

/* Reads the n bytes at p as a glob that names one host, [*|*.]NAME[*];
 * 0 when it is anything else. */
int rule_shape_glob(const char *p, size_t n, struct rule_shape *s);

/* host with every '.' escaped, cut to fit size. */
void rule_escape_dots(char *out, size_t size, const char *host);

/* Unescaped dots between two letters or digits, outside brackets, in a
 * pattern that is not one host name (a URL, alternatives, ...): writes
 * the pattern with them escaped to fixed and returns the offset of the
 * first, or -1 when there is none or fixed is too small. */
long rule_loose_dots(const char *p, size_t n, char *fixed, size_t size);

/* Hosts that stand for everything the domain rule t (n bytes) matches:
 * the name, or a subdomain and the name, or the two ends of an address
 * range; and its ports in lo..hi. Returns the number of hosts, 0 when in
 * doubt. */
int rule_domain_hosts(const char *t, size_t n, char hosts[2][RULE_HOST_TEXT],
                      uint16_t *lo, uint16_t *hi);

#endif
