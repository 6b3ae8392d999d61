#include "regex_cost.h"

#include <stddef.h>
#include <stdint.h>

/* Saturates well above any limit a caller can pass, so that sums and
 * products never overflow. */
#define COST_CAP ((uint64_t)1 << 40)
#define DUP_MAX  0x7fff /* glibc's RE_DUP_MAX: larger bounds fail anyway */

struct level {
	uint64_t total; /* nodes of this group so far */
	uint64_t last;  /* nodes of the atom a quantifier would repeat */
};

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
 * a bound; *copies is how many times glibc copies the atom. */
static const char *parse_bound(const char *p, const char *close,
                               uint64_t *copies)
{
	uint64_t lo = 0, hi = 0;
	int has_hi = 0, comma = 0;
	size_t n = close[0] == '\\' ? 2 : 1;

	while (digit(*p)) {
		lo = lo * 10 + (uint64_t)(*p++ - '0');
		if (lo > DUP_MAX)
			lo = DUP_MAX;
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
	if (!comma)
		*copies = lo;
	else if (has_hi)
		*copies = hi > lo ? hi : lo;
	else
		*copies = lo + 1; /* lo copies, then a starred one */
	return p + n;
}

/* Repeats the last atom of l so that it stands `copies` times. */
static void repeat(struct level *l, uint64_t copies)
{
	if (copies == 0)
		copies = 1; /* "{0}" still parses its atom */
	if (l->last == 0)
		l->last = 1; /* a quantifier with nothing before it */
	l->total = sat(l->total + sat(l->last * (copies - 1)));
	l->last = sat(l->last * copies);
}

const char *regex_cost_check(const char *pat, int ere, uint64_t max_nodes)
{
	struct level stack[REGEX_DEPTH_MAX + 1];
	int depth = 0;
	const char *p = pat;

	ere = ere != 0;
	stack[0].total = 0;
	stack[0].last = 0;
	while (*p != '\0') {
		struct level *l = &stack[depth];
		int escaped = 0;
		char c = *p++;
		uint64_t copies;
		const char *end;

		if (c == '\\' && *p != '\0') {
			escaped = 1;
			c = *p++;
		}
		/* In a BRE the escaped forms are the operators (GNU adds
		 * \+ \? \|); in an ERE the bare ones. '*' is bare in both. */
		if (c == '*' && !escaped) {
			repeat(l, 1);
		} else if ((c == '+' || c == '?') && escaped != ere) {
			repeat(l, c == '+' ? 2 : 1);
		} else if (c == '{' && escaped != ere &&
		           (end = parse_bound(p, ere ? "}" : "\\}", &copies)) !=
		               NULL) {
			repeat(l, copies);
			p = end;
		} else if (c == '(' && escaped != ere) {
			if (depth == REGEX_DEPTH_MAX)
				return "groups nested too deeply";
			depth++;
			stack[depth].total = 0;
			stack[depth].last = 0;
		} else if (c == ')' && escaped != ere && depth > 0) {
			uint64_t group = sat(stack[depth].total + 1);

			depth--;
			stack[depth].total = sat(stack[depth].total + group);
			stack[depth].last = group;
		} else if (c == '|' && escaped != ere) {
			l->total = sat(l->total + 1);
			l->last = 0;
		} else {
			if (c == '[' && !escaped)
				p = skip_bracket(p);
			l->total = sat(l->total + 1);
			l->last = 1;
		}
		if (stack[depth].total > max_nodes)
			return "repetitions expand it too far";
	}
	while (depth > 0) {
		uint64_t group = sat(stack[depth].total + 1);

		depth--;
		stack[depth].total = sat(stack[depth].total + group);
	}
	return stack[0].total > max_nodes ? "repetitions expand it too far"
	                                  : NULL;
}
