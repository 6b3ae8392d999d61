/* A bound on what a POSIX regex costs glibc's regcomp before it is
 * compiled. regcomp copies a repeated atom once per repetition ("a{3,5}"
 * five times, "a+" twice), so stacked or nested repetitions multiply:
 * "a+++++++++++++++++++++++++++++" alone takes gigabytes. */
#ifndef FWPROXY_REGEX_COST_H
#define FWPROXY_REGEX_COST_H

#include <stdint.h>

/* Deepest group nesting accepted. */
#define REGEX_DEPTH_MAX 32

/* Most anchors (^ $ \b \< ...) in one alternative, counting copies:
 * glibc copies nodes per anchor context, so anchors that can follow each
 * other through empty matches cost exponentially ("x(|^)(|$)" fifty times
 * takes gigabytes). Host rules need two, or a few more. */
#define REGEX_ANCHORS_MAX 16

/* Most nodes, counting copies, of parts that can match nothing (a?, x*,
 * (|a), anchors) in one alternative: with anchors about, glibc's work on
 * a run of them grows with the cube of its length. */
#define REGEX_EMPTY_MAX 128

/* Default bound on the nodes a single rule may expand to. Ordinary host
 * patterns need a few hundred ("^([a-z0-9-]{1,63}\.){1,10}" about 650). */
#define REGEX_NODES_MAX 1000

/* Estimates from above what compiling pat, a BRE or (ere) an ERE in
 * glibc's syntax, costs. Returns NULL when its parse tree has at most
 * max_nodes nodes, no part that can match nothing is made optional or
 * looped, and the limits above hold; else a constant error message. Does
 * not validate the pattern; regcomp still does that. */
const char *regex_cost_check(const char *pat, int ere, uint64_t max_nodes);

#endif
