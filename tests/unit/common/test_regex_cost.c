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

static const char *why(const char *pat, int ere)
{
	const char *w = regex_cost_check(pat, ere, REGEX_NODES_MAX);

	return w != NULL ? w : "(fits)";
}

/* Patterns and whether they fit; at each limit and one past it. */
static const struct cost_case {
	const char *pattern;
	int ere;
	int fits;
	const char *what;
} CASES[] = {
    {"a{1000}", ERE, 1, "ERE a{1000} is at the limit"},
    {"a{1001}", ERE, 0, "ERE a{1001} is past it"},
    {"ba{1000}", ERE, 0, "one more atom is past it"},
    {"a\\{1000\\}", BRE, 1, "BRE a\\{1000\\} is at the limit"},
    {"a\\{1001\\}", BRE, 0, "BRE a\\{1001\\} is past it"},
    {"a{1001}", BRE, 1, "braces are literal in a BRE"},
    {"a\\{1001\\}", ERE, 1, "escaped braces are literal in an ERE"},
    {"a{500,1000}", ERE, 1, "{n,m} costs m copies"},
    {"a{1000,}", ERE, 0, "{n,} costs n copies and a star"},
    {"a{999,}", ERE, 1, "{999,} is at the limit"},
    {"a{,128}", ERE, 1, "{,m}: m copies that can match nothing"},
    {"x(|a?){33}", ERE, 0, "copies of such a part count"},
    {"x(|a?){32}", ERE, 1, "up to the limit"},
    {"(xa{,100}|yb{,100})c{,28}", ERE, 1, "a group counts its worst branch"},
    {"(xa{,100}|yb{,100})c{,29}", ERE, 0, "which adds up with the rest"},
    {"a{99999}", ERE, 0, "a bound past RE_DUP_MAX is refused"},
    {"a+++++++++", ERE, 1, "9 stacked + double 9 times"},
    {"a++++++++++", ERE, 0, "10 stacked + are past the limit"},
    {"a\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+", BRE, 0, "GNU \\+ in a BRE doubles too"},
    {"a++++++++++", BRE, 1, "+ is literal in a BRE"},
    {"((((((((((a+)+)+)+)+)+)+)+)+)+)", ERE, 0,
     "nested groups repeated with + multiply"},
    {"((a{10}){10}){11}", ERE, 0, "nested bounds multiply"},
    {"((a{10}){10}){8}", ERE, 1, "and fit below the limit"},
    {"^([a-z0-9-]{1,63}\\.){1,10}example\\.com$", ERE, 1,
     "an ordinary host pattern fits"},
    {"\x01^(^+++++++++++++++++++++++++++++.0fraag32", ERE, 0,
     "the fuzzer's first find is refused"},
    {"a??", ERE, 0, "a?? too"},
    {"(a?)*", ERE, 0, "a group that matches nothing, looped"},
    {"(a*)?", ERE, 0, "or made optional"},
    {"(a|)+", ERE, 0, "an empty alternative counts"},
    {"()*", ERE, 0, "so does an empty group"},
    {"(^)*", ERE, 0, "and an anchor"},
    {"(a?){1,5}", ERE, 0, "optional copies count as optional"},
    {"(a?){2,}", ERE, 0, "an open bound loops"},
    {"\\(a*\\)*", BRE, 0, "BRE groups alike"},
    {"a\\?\\?", BRE, 0, "and GNU \\? in a BRE"},
    {"a??{1,99}*{3}", ERE, 0, "the fuzzer's slow find is refused"},
    {"(((a?)?){1,22})*", ERE, 0, "and its nested form"},
    {"(a?){5}", ERE, 1, "exact copies of it are fine"},
    {"(a+)?", ERE, 1, "a part that always matches something is"},
    {"(ab?)*", ERE, 1, "even when some of it is optional"},
    {"(a|b?c)+", ERE, 1, "when no alternative can match nothing"},
    {"^*a", BRE, 1, "BRE \"^*\": the star is a literal"},
    {"\\(*a\\)", BRE, 1, "BRE \"\\(*\": the star is a literal"},
    {"a*?", BRE, 1, "? is literal in a BRE"},
    {"(^|\\.)example\\.com$", ERE, 1, "the subdomain idiom fits"},
    {"x^(|$){100}", ERE, 0, "copies of an anchor count"},
    {"(\\b){17}", ERE, 0, "so do word anchors"},
    {"(\\b){16}", ERE, 1, "up to the limit"},
    {"a$b$c$d$e$f$g$h$i$j$k$l$m$n$o$p$q$r$", BRE, 1,
     "a BRE '$' inside a branch is a literal"},
    {"\\(^a$\\)\\{9\\}", BRE, 0, "but anchors at a group's ends count"},
    {"\\(^a$\\)\\{8\\}", BRE, 1, "up to the limit"},
    {"[a-z]{1001}", ERE, 0, "a bracket is one atom"},
    {"[]{]{1001}", ERE, 0, "']' first in a bracket is literal"},
    {"[^]{]{1001}", ERE, 0, "and after '^'"},
    {"[[:alpha:]]{1001}", ERE, 0, "a class is part of its bracket"},
    {"[[.}.]]{1001}", ERE, 0, "a collating element too"},
    {"[{]1001}", ERE, 1, "a brace inside a bracket opens nothing"},
    {"\\.{1001}", ERE, 0, "an escaped dot is one atom"},
    {"(ab|cd){200}", ERE, 0, "alternatives add up in a group"},
    {"(ab|cd){100}", ERE, 1, "and fit when small"},
    {"{1001}", ERE, 1, "a bound with nothing before it is cheap"},
    {"a{x}", ERE, 1, "a brace that is no bound is an atom"},
    {"", ERE, 1, "the empty pattern fits"},
    {"[", ERE, 1, "an unterminated bracket is left to regcomp"},
    {"[[:alpha", ERE, 1, "so is an unterminated class"},
    {"a)", ERE, 1, "and an unmatched ')'"},
    {"(a{1001}", ERE, 0, "an unclosed group still counts"},
};

/* `n` copies of piece between head and tail. */
static char *repeated(const char *head, const char *piece, int n,
                      const char *tail)
{
	size_t len = strlen(head) + (size_t)n * strlen(piece) + strlen(tail);
	char *p = malloc(len + 1);
	int i;

	strcpy(p, head);
	for (i = 0; i < n; i++)
		strcat(p, piece);
	strcat(p, tail);
	return p;
}

/* Each error's text, which the filter puts after the rule. */
static void test_messages(void)
{
	is_str(why("a{1001}", ERE), "repetitions expand it too far",
	       "too many nodes");
	is_str(why("a{,129}", ERE),
	       "too many parts that can match nothing in one alternative",
	       "too many empty-matching nodes");
	is_str(why("a**", ERE),
	       "an optional or repeated part that can already match nothing, "
	       "like (a?)*, (a*)? or a**: glibc can take exponential time on "
	       "it",
	       "an empty-matching part looped");
}

/* Patterns too long to write out. */
static void test_anchors(void)
{
	char *p;

	p = repeated("", "^host\\.com$|", 50, "x");
	ok(fits(p, ERE), "fifty anchored alternatives fit");
	free(p);
	p = repeated("x", "(|^)(|$)", 8, "");
	ok(fits(p, ERE), "16 anchors in one alternative fit");
	free(p);
	p = repeated("x", "(|^)(|$)", 8, "$");
	is_str(why(p, ERE), "too many anchors in one alternative",
	       "one more is refused");
	free(p);
}

static void test_depth(void)
{
	char *p;

	p = repeated("", "(", REGEX_DEPTH_MAX, "a");
	ok(fits(p, ERE), "ERE groups nested %d deep fit", REGEX_DEPTH_MAX);
	free(p);
	p = repeated("", "(", REGEX_DEPTH_MAX + 1, "a");
	is_str(why(p, ERE), "groups nested too deeply",
	       "one deeper is refused");
	free(p);
	p = repeated("", "\\(", REGEX_DEPTH_MAX + 1, "a");
	ok(!fits(p, BRE), "BRE groups count the same way");
	free(p);
	p = repeated("", "(", REGEX_DEPTH_MAX + 1, "a");
	ok(fits(p, BRE), "ERE parentheses are literal in a BRE");
	free(p);
}

static void test_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++)
		is_int(fits(CASES[i].pattern, CASES[i].ere), CASES[i].fits,
		       "%s: %s", CASES[i].pattern, CASES[i].what);
}

int main(void)
{
	test_cases();
	test_messages();
	test_anchors();
	test_depth();
	return done();
}
