#include "regex_cost.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Saturates well above any limit a caller can pass, so that sums and
 * products never overflow. */
#define COST_CAP ((uint64_t)1 << 40)
#define DUP_MAX  0x7fff /* glibc's RE_DUP_MAX: larger bounds fail anyway */

/* What one atom, branch or group costs. Nodes add up over a whole group;
 * anchors and empty nodes (nodes of parts that can match nothing) are
 * about one path through it, so a group counts its worst branch. */
struct tally {
	uint64_t nodes;
	uint64_t anchors;
	uint64_t empty;
};

struct level {
	uint64_t nodes;     /* of the whole group so far */
	struct tally worst; /* anchors and empty nodes: worst finished branch */
	struct tally branch; /* the current branch */
	struct tally last;   /* its last atom, which a quantifier repeats;
	                        last.nodes == 0: none, a quantifier here is a
	                        literal */
	int last_nullable;   /* that atom can match the empty string */
	int prefix_nullable; /* so can the branch before it */
	int any_nullable;    /* so can an earlier branch of the group */
};

static const char ERR_SIZE[] = "repetitions expand it too far";
static const char ERR_DEPTH[] = "groups nested too deeply";
static const char ERR_ANCHORS[] = "too many anchors in one alternative";
static const char ERR_EMPTY[] =
    "too many parts that can match nothing in one alternative";
static const char ERR_EMPTY_LOOP[] =
    "an optional or repeated part that can already match nothing, like "
    "(a?)*, (a*)? or a**: glibc can take exponential time on it";

static uint64_t sat(uint64_t v)
{
	return v > COST_CAP ? COST_CAP : v;
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Past a bracket expression starting at p (just after '['). */
static const char *skip_bracket(const char *p)
{
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p != '\0' && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char kind = p[1];

			for (p += 2; *p != '\0'; p++)
				if (p[0] == kind && p[1] == ']')
					break;
			if (*p == '\0')
				return p;
			p += 2;
			continue;
		}
		p++;
	}
	return *p == ']' ? p + 1 : p;
}

/* Parses "n}", "n,}", ",m}" or "n,m}" at p (just after the opening
 * brace; close is "}" or "\\}"). Returns the end or NULL when it is not
 * a bound; sets *lo, *copies (how many times glibc copies the atom) and
 * *unbounded. */
static const char *parse_bound(const char *p, const char *close, uint64_t *lo,
                               uint64_t *copies, int *unbounded)
{
	uint64_t hi = 0;
	int has_hi = 0, comma = 0;
	size_t n = close[0] == '\\' ? 2 : 1;

	*lo = 0;
	while (digit(*p)) {
		*lo = *lo * 10 + (uint64_t)(*p++ - '0');
		if (*lo > DUP_MAX)
			*lo = DUP_MAX;
	}
	if (*p == ',') {
		comma = 1;
		for (p++; digit(*p); p++) {
			hi = hi * 10 + (uint64_t)(*p - '0');
			if (hi > DUP_MAX)
				hi = DUP_MAX;
			has_hi = 1;
		}
	}
	if (p[0] != close[0] || (n == 2 && p[1] != close[1]))
		return NULL;
	*unbounded = comma && !has_hi;
	if (!comma)
		*copies = *lo;
	else if (has_hi)
		*copies = hi > *lo ? hi : *lo;
	else
		*copies = *lo + 1; /* lo copies, then a starred one */
	return p + n;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void level_start(struct level *l)
{
	memset(l, 0, sizeof(*l));
	l->last_nullable = 1;
	l->prefix_nullable = 1;
}

static void branch_start(struct level *l)
{
	memset(&l->branch, 0, sizeof(l->branch));
	memset(&l->last, 0, sizeof(l->last));
	l->last_nullable = 1;
	l->prefix_nullable = 1;
}

static int branch_nullable(const struct level *l)
{
	return l->prefix_nullable && l->last_nullable;
}

static void branch_end(struct level *l)
{
	l->any_nullable |= branch_nullable(l);
	l->worst.anchors = max64(l->worst.anchors, l->branch.anchors);
	l->worst.empty = max64(l->worst.empty, l->branch.empty);
}

/* Appends an atom; t.empty counts the nodes inside it that can match
 * nothing, and all of its nodes when it can. */
static void atom(struct level *l, struct tally t, int nullable)
{
	if (nullable)
		t.empty = t.nodes;
	l->prefix_nullable = branch_nullable(l);
	l->nodes = sat(l->nodes + t.nodes);
	l->branch.anchors = sat(l->branch.anchors + t.anchors);
	l->branch.empty = sat(l->branch.empty + t.empty);
	l->last = t;
	l->last_nullable = nullable;
}

static void literal(struct level *l)
{
	atom(l, (struct tally){1, 0, 0}, 0);
}

/* Repeats the last atom of l so that it stands `copies` times; lo is the
 * fewest repetitions allowed. glibc computes epsilon closures by walking
 * every path, and an atom that can match nothing made optional or looped
 * multiplies the paths, so that is refused outright. */
static const char *repeat(struct level *l, uint64_t lo, uint64_t copies,
                          int unbounded)
{
	struct tally t = l->last;
	int nullable;

	if (t.nodes == 0) {
		literal(l); /* a quantifier with nothing before it */
		return NULL;
	}
	if (l->last_nullable && (unbounded || copies > lo))
		return ERR_EMPTY_LOOP;
	if (copies == 0)
		copies = 1; /* "{0}" still parses its atom */
	/* Take the atom back out and put the copies in. */
	l->nodes -= t.nodes;
	l->branch.anchors -= t.anchors;
	l->branch.empty -= t.empty;
	t.nodes = sat(t.nodes * copies);
	t.anchors = sat(t.anchors * copies);
	t.empty = sat(t.empty * copies);
	nullable = l->last_nullable || lo == 0;
	l->last_nullable = 1; /* so that atom() keeps the prefix as it was */
	atom(l, t, nullable);
	return NULL;
}

/* A BRE's '$' is an anchor only at the end of the pattern, a group or a
 * branch. */
static int bre_dollar_anchors(const char *p)
{
	return p[0] == '\0' || (p[0] == '\\' && (p[1] == ')' || p[1] == '|'));
}

static const char *over_limits(const struct level *l, uint64_t max_nodes)
{
	if (l->nodes > max_nodes)
		return ERR_SIZE;
	if (l->branch.anchors > REGEX_ANCHORS_MAX)
		return ERR_ANCHORS;
	if (l->branch.empty > REGEX_EMPTY_MAX)
		return ERR_EMPTY;
	return NULL;
}

/* Closes the group at stack[*depth] into its parent. */
static void group_end(struct level *stack, int *depth)
{
	struct level *g = &stack[(*depth)--];
	int nullable;

	branch_end(g);
	nullable = g->any_nullable;
	atom(
	    &stack[*depth],
	    (struct tally){sat(g->nodes + 2), g->worst.anchors, g->worst.empty},
	    nullable);
}

const char *regex_cost_check(const char *pat, int ere, uint64_t max_nodes)
{
	struct level stack[REGEX_DEPTH_MAX + 1];
	int depth = 0;
	const char *p = pat, *err;

	ere = ere != 0;
	level_start(&stack[0]);
	while (*p != '\0') {
		struct level *l = &stack[depth];
		const char *end;
		uint64_t lo, copies;
		int escaped = 0, unbounded;
		char c = *p++;

		err = NULL;
		if (c == '\\' && *p != '\0') {
			escaped = 1;
			c = *p++;
		}
		/* In a BRE the escaped forms are the operators (GNU adds
		 * \+ \? \|); in an ERE the bare ones. '*' is bare in both. */
		if (c == '*' && !escaped) {
			err = repeat(l, 0, 1, 1);
		} else if ((c == '+' || c == '?') && escaped != ere) {
			err =
			    c == '+' ? repeat(l, 1, 2, 1) : repeat(l, 0, 1, 0);
		} else if (c == '{' && escaped != ere &&
		           (end = parse_bound(p, ere ? "}" : "\\}", &lo,
		                              &copies, &unbounded)) != NULL) {
			err = repeat(l, lo, copies, unbounded);
			p = end;
		} else if (escaped && strchr("bB<>`'", c) != NULL) {
			/* word and buffer anchors: several nodes each */
			atom(l, (struct tally){4, 1, 0}, 1);
		} else if (!escaped && c == '^' &&
		           (ere || l->last.nodes == 0)) {
			atom(l, (struct tally){1, 1, 0}, 1);
			if (!ere)
				l->last.nodes =
				    0; /* "^*": the '*' is a literal */
		} else if (!escaped && c == '$' &&
		           (ere || bre_dollar_anchors(p))) {
			atom(l, (struct tally){1, 1, 0}, 1);
		} else if (c == '(' && escaped != ere) {
			if (depth == REGEX_DEPTH_MAX)
				return ERR_DEPTH;
			level_start(&stack[++depth]);
		} else if (c == ')' && escaped != ere && depth > 0) {
			group_end(stack, &depth);
		} else if (c == '|' && escaped != ere) {
			branch_end(l);
			l->nodes = sat(l->nodes + 1);
			branch_start(l);
		} else {
			if (c == '[' && !escaped)
				p = skip_bracket(p);
			literal(l);
		}
		if (err == NULL)
			err = over_limits(&stack[depth], max_nodes);
		if (err != NULL)
			return err;
	}
	while (depth > 0) {
		group_end(stack, &depth);
		if ((err = over_limits(&stack[depth], max_nodes)) != NULL)
			return err;
	}
	return NULL;
}
