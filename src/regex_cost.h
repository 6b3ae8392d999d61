/* A bound on what a POSIX regex costs glibc's regcomp before it is
 * compiled. regcomp copies a repeated atom once per repetition ("a{3,5}"
 * five times, "a+" twice), so stacked or nested repetitions multiply:
 * "a+++++++++++++++++++++++++++++" alone takes gigabytes. */
#ifndef FWPROXY_REGEX_COST_H
#define FWPROXY_REGEX_COST_H

#include <stdint.h>

/* Deepest group nesting accepted. */
#define REGEX_DEPTH_MAX 32

/* Default bound on the nodes a single rule may expand to. Ordinary host
 * patterns need a few hundred ("^([a-z0-9-]{1,63}\.){1,10}" about 650). */
#define REGEX_NODES_MAX 10000

/* Estimates from above the parse-tree nodes of pat, a BRE or (ere) an
 * ERE in glibc's syntax. Returns NULL when they are at most max_nodes
 * and groups nest at most REGEX_DEPTH_MAX deep, else a constant error
 * message. Does not validate the pattern; regcomp still does that. */
const char *regex_cost_check(const char *pat, int ere, uint64_t max_nodes);

#endif
