#include <stdlib.h>
#include <string.h>

#include "filter_int.h"
#include "util.h"

#define HASH_MUL 0x100000001b3ULL

/* Characters that glibc reads as themselves after a backslash in both
 * syntaxes. Letters, digits, '<', '>', '`', '\'' and the operators are
 * GNU extensions or back-references and stay with regcomp. */
static const char ESC_BOTH[] = ".[]*^$\\/#-_:=@%!,;&~\"";
/* In an ERE these are operators unescaped and literals escaped. */
static const char ESC_ERE[] = "+?(){}|";
static const char SPECIAL_ERE[] = ".[\\()*+?{}|^$";

static int printable(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static char fold_char(int fold, char c)
{
	return fold ? (char)ascii_lower((unsigned char)c) : c;
}

enum rule_kind literal_from_regex(const char *pat, size_t n, int ere, int fold,
                                  char *out, size_t *out_len)
{
	size_t i = 0, o = 0;
	int head = 0, tail = 0;

	if (n > 0 && pat[0] == '^') {
		head = 1;
		i = 1;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)pat[i];

		if (!printable(c))
			return RULE_REGEX;
		if (c == '\\') {
			if (i + 1 == n)
				return RULE_REGEX;
			c = (unsigned char)pat[++i];
			if (c == '\0' || (strchr(ESC_BOTH, c) == NULL &&
			                  !(ere && strchr(ESC_ERE, c) != NULL)))
				return RULE_REGEX;
			out[o++] = fold_char(fold, (char)c);
			continue;
		}
		if (c == '$' && i + 1 == n) {
			tail = 1;
			break;
		}
		/* ']' alone is literal in both, but rare: leave it. */
		if (c == '.' || c == '[' || c == ']' || c == '*' || c == '^' ||
		    c == '$')
			return RULE_REGEX;
		if (ere && strchr(SPECIAL_ERE, c) != NULL)
			return RULE_REGEX;
		out[o++] = fold_char(fold, (char)c);
	}
	*out_len = o;
	if (head && tail)
		return RULE_EXACT;
	if (tail)
		return RULE_SUFFIX;
	return head ? RULE_PREFIX : RULE_SUBSTR;
}

enum rule_kind literal_from_fnmatch(const char *pat, size_t n, int fold,
                                    char *out, size_t *out_len)
{
	size_t i = 0, o = 0;
	int head = 0, tail = 0;

	while (i < n && pat[i] == '*') {
		head = 1;
		i++;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)pat[i];

		if (!printable(c) || c == '?' || c == '[')
			return RULE_FNMATCH;
		if (c == '*') {
			while (i < n && pat[i] == '*')
				i++;
			if (i != n)
				return RULE_FNMATCH;
			tail = 1;
			break;
		}
		if (c == '\\') {
			if (i + 1 == n || !printable((unsigned char)pat[i + 1]))
				return RULE_FNMATCH;
			c = (unsigned char)pat[++i];
		}
		out[o++] = fold_char(fold, (char)c);
	}
	*out_len = o;
	if (head && tail)
		return RULE_SUBSTR;
	if (head)
		return RULE_SUFFIX;
	return tail ? RULE_PREFIX : RULE_EXACT;
}

/* Any multiplicative rolling hash needs a final mix before its bits pick a
 * slot. */
static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t key_hash(const struct lit_index *ix, const char *s, size_t n)
{
	uint64_t h = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[ix->reverse ? n - 1 - i : i];
		h = h * HASH_MUL + (unsigned char)fold_char(ix->fold, c);
	}
	return h;
}

static int key_equal(const struct lit_index *ix, const char *a, const char *b,
                     size_t n)
{
	return ix->fold ? ascii_casecmp_n(a, b, n) == 0 : memcmp(a, b, n) == 0;
}

static void grow(struct lit_index *ix)
{
	size_t cap = ix->mask ? (ix->mask + 1) * 2 : 64, i;
	uint64_t *old = ix->slot;
	size_t old_cap = ix->mask ? ix->mask + 1 : 0;

	ix->slot = xcalloc(cap, sizeof(*ix->slot));
	ix->mask = cap - 1;
	for (i = 0; i < old_cap; i++) {
		size_t j;

		if (old[i] == 0)
			continue;
		j = (size_t)(old[i] >> 32) & ix->mask;
		while (ix->slot[j] != 0)
			j = (j + 1) & ix->mask;
		ix->slot[j] = old[i];
	}
	free(old);
}

static int same_rule(const struct filter *f, const struct rule *a,
                     const struct rule *b)
{
	return a->kind == b->kind && a->key_len == b->key_len &&
	       a->port_lo == b->port_lo && a->port_hi == b->port_hi &&
	       memcmp(f->keys + a->key, f->keys + b->key, a->key_len) == 0;
}

void lit_index_add(struct lit_index *ix, const struct filter *f, uint32_t r)
{
	const struct rule *rule = &f->rules[r];
	uint64_t h;
	uint32_t h32;
	size_t j;

	if ((ix->used + 1) * 2 > (ix->mask ? ix->mask + 1 : 0))
		grow(ix);
	h = mix(key_hash(ix, f->keys + rule->key, rule->key_len));
	h32 = (uint32_t)(h >> 32);
	for (j = h32 & ix->mask; ix->slot[j] != 0; j = (j + 1) & ix->mask) {
		if ((uint32_t)(ix->slot[j] >> 32) == h32 &&
		    same_rule(f, &f->rules[(uint32_t)ix->slot[j] - 1], rule))
			return;
	}
	ix->slot[j] = ((uint64_t)h32 << 32) | (uint64_t)(r + 1);
	ix->used++;
	if (rule->key_len < 256)
		ix->lens[rule->key_len / 8] |=
		    (uint8_t)(1u << (rule->key_len % 8));
	else
		ix->long_keys = 1;
	if (rule->key_len > ix->max_len)
		ix->max_len = rule->key_len;
}

static int has_len(const struct lit_index *ix, size_t len)
{
	if (len >= 256)
		return ix->long_keys;
	return (ix->lens[len / 8] >> (len % 8)) & 1;
}

/* Whether rule r, whose key equals the len bytes of s at start, matches
 * there. */
static int fits(const struct rule *r, const char *s, size_t n, size_t start,
                size_t len, uint16_t port)
{
	int whole = start == 0 && len == n;
	int label = start > 0 && s[start - 1] == '.';

	switch (r->kind) {
	case RULE_EXACT:
		return whole;
	case RULE_SUFFIX:
	case RULE_PREFIX:
	case RULE_SUBSTR:
		return 1;
	case RULE_DOMAIN:
		return (whole || label) && port >= r->port_lo &&
		       port <= r->port_hi;
	case RULE_DOMAIN_EXACT:
		return whole && port >= r->port_lo && port <= r->port_hi;
	case RULE_DOMAIN_SUB:
		return label && port >= r->port_lo && port <= r->port_hi;
	default:
		return 0;
	}
}

static uint32_t probe(const struct lit_index *ix, const struct filter *f,
                      uint64_t h, const char *s, size_t n, size_t start,
                      size_t len, uint16_t port, uint32_t best)
{
	uint32_t h32 = (uint32_t)(mix(h) >> 32);
	size_t j;

	for (j = h32 & ix->mask; ix->slot[j] != 0; j = (j + 1) & ix->mask) {
		uint32_t r = (uint32_t)ix->slot[j] - 1;
		const struct rule *rule = &f->rules[r];

		if ((uint32_t)(ix->slot[j] >> 32) != h32 || r >= best ||
		    rule->key_len != len)
			continue;
		if (key_equal(ix, f->keys + rule->key, s + start, len) &&
		    fits(rule, s, n, start, len, port))
			best = r;
	}
	return best;
}

uint32_t lit_index_lookup(const struct lit_index *ix, const struct filter *f,
                          const char *s, size_t n, uint16_t port,
                          uint32_t limit)
{
	uint32_t best = limit;
	uint64_t h = 0;
	size_t len;

	if (ix->used == 0)
		return limit;
	for (len = 0; len <= n && len <= ix->max_len; len++) {
		size_t start = ix->reverse ? n - len : 0;

		if (len > 0) {
			char c = ix->reverse ? s[n - len] : s[len - 1];
			h = h * HASH_MUL +
			    (unsigned char)fold_char(ix->fold, c);
		}
		if (has_len(ix, len))
			best = probe(ix, f, h, s, n, start, len, port, best);
	}
	return best;
}

uint32_t lit_index_lookup_sub(const struct lit_index *ix,
                              const struct filter *f, const char *s, size_t n,
                              uint32_t limit)
{
	size_t i;

	for (i = 0; i <= n; i++)
		limit = lit_index_lookup(ix, f, s + i, n - i, 0, limit);
	return limit;
}

void lit_index_free(struct lit_index *ix)
{
	free(ix->slot);
	ix->slot = NULL;
	ix->mask = 0;
	ix->used = 0;
}
