#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex_cost.h"
#include "tap.h"

#define ERE 1
#define BRE 0

static int fits(const char *pat, int ere)
{
	return regex_cost_check(pat, ere, REGEX_NODES_MAX) == NULL;
}

/* A pattern of `depth` nested groups around "a", in either syntax. */
static char *nested(int depth, int ere)
{
	const char *open = ere ? "(" : "\\(", *close = ere ? ")" : "\\)";
	size_t n = (size_t)depth * (strlen(open) + strlen(close)) + 2;
	char *p = malloc(n);
	int i;

	p[0] = '\0';
	for (i = 0; i < depth; i++)
		strcat(p, open);
	strcat(p, "a");
	for (i = 0; i < depth; i++)
		strcat(p, close);
	return p;
}

static void test_bounds(void)
{
	ok(fits("a{10000}", ERE), "ERE a{10000} is at the limit");
	ok(!fits("a{10001}", ERE), "ERE a{10001} is past it");
	ok(!fits("ba{10000}", ERE), "one more atom is past it");
	ok(fits("a\\{10000\\}", BRE), "BRE a\\{10000\\} is at the limit");
	ok(!fits("a\\{10001\\}", BRE), "BRE a\\{10001\\} is past it");
	ok(fits("a{10001}", BRE), "braces are literal in a BRE");
	ok(fits("a\\{10001\\}", ERE), "escaped braces are literal in an ERE");
	ok(fits("a{5000,10000}", ERE), "{n,m} costs m copies");
	ok(!fits("a{10000,}", ERE), "{n,} costs n copies and a star");
	ok(fits("a{9999,}", ERE), "{9999,} is at the limit");
	ok(fits("a{,10000}", ERE), "{,m} costs m copies");
	ok(!fits("a{99999}", ERE), "a bound past RE_DUP_MAX is refused");
}

static void test_stacked(void)
{
	ok(fits("a+++++++++++++", ERE), "13 stacked + double 13 times");
	ok(!fits("a++++++++++++++", ERE), "14 stacked + are past the limit");
	ok(!fits("a\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+", BRE),
	   "GNU \\+ in a BRE doubles too");
	ok(fits("a++++++++++++++", BRE), "+ is literal in a BRE");
	ok(fits("a*********************************", ERE),
	   "stacked stars copy nothing");
	ok(fits("a??????????????????????????????", ERE),
	   "stacked ? copy nothing");
	ok(!fits("(((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)", ERE),
	   "nested groups repeated with + multiply");
	ok(!fits("((a{100}){100}){2}", ERE), "nested bounds multiply");
	ok(fits("^([a-z0-9-]{1,63}\\.){1,10}example\\.com$", ERE),
	   "an ordinary host pattern fits");
	ok(!fits("\x01^(^+++++++++++++++++++++++++++++.0fraag32", ERE),
	   "the fuzzer's find is refused");
}

static void test_atoms(void)
{
	ok(!fits("[a-z]{10001}", ERE), "a bracket is one atom");
	ok(!fits("[]{]{10001}", ERE), "']' first in a bracket is literal");
	ok(!fits("[^]{]{10001}", ERE), "and after '^'");
	ok(!fits("[[:alpha:]]{10001}", ERE), "a class is part of its bracket");
	ok(!fits("[[.}.]]{10001}", ERE), "a collating element too");
	ok(fits("[{]10001}", ERE), "a brace inside a bracket opens nothing");
	ok(!fits("\\.{10001}", ERE), "an escaped dot is one atom");
	ok(!fits("(ab|cd){5000}", ERE), "alternatives add up in a group");
	ok(fits("(ab|cd){1000}", ERE), "and fit when small");
	ok(fits("{10001}", ERE), "a bound with nothing before it is cheap");
	ok(fits("a{x}", ERE), "a brace that is no bound is an atom");
	ok(fits("", ERE), "the empty pattern fits");
	ok(fits("[", ERE), "an unterminated bracket is left to regcomp");
	ok(fits("[[:alpha", ERE), "so is an unterminated class");
	ok(fits("a)", ERE), "and an unmatched ')'");
	ok(!fits("(a{10001}", ERE), "an unclosed group still counts");
}

static void test_depth(void)
{
	char *p;

	p = nested(REGEX_DEPTH_MAX, ERE);
	ok(fits(p, ERE), "ERE groups nested %d deep fit", REGEX_DEPTH_MAX);
	free(p);
	p = nested(REGEX_DEPTH_MAX + 1, ERE);
	is_str(regex_cost_check(p, ERE, REGEX_NODES_MAX),
	       "groups nested too deeply", "one deeper is refused");
	free(p);
	p = nested(REGEX_DEPTH_MAX + 1, BRE);
	ok(!fits(p, BRE), "BRE groups count the same way");
	free(p);
	p = nested(REGEX_DEPTH_MAX + 1, ERE);
	ok(fits(p, BRE), "ERE parentheses are literal in a BRE");
	free(p);
	is_str(regex_cost_check("a{10001}", ERE, REGEX_NODES_MAX),
	       "repetitions expand it too far", "the size error's text");
}

int main(void)
{
	test_bounds();
	test_stacked();
	test_atoms();
	test_depth();
	return done();
}
