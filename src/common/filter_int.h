/* Internals of the rules filter, shared by filter.c (loading, checking),
 * filter_index.c (literal analysis and hash index) and filter_domain.c
 * (domain rules). Not for other modules. */
#ifndef FWPROXY_FILTER_INT_H
#define FWPROXY_FILTER_INT_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"

enum rule_kind {
	RULE_REGEX,        /* compiled POSIX regex */
	RULE_FNMATCH,      /* fnmatch(3) pattern */
	RULE_SUBSTR,       /* literal anywhere in the subject */
	RULE_EXACT,        /* the whole subject */
	RULE_SUFFIX,       /* literal at the end of the subject */
	RULE_PREFIX,       /* literal at the start of the subject */
	RULE_DOMAIN,       /* domain: the name and its subdomains */
	RULE_DOMAIN_EXACT, /* domain: =name */
	RULE_DOMAIN_SUB,   /* domain: *.name */
	RULE_CIDR,         /* domain: IP address or range */
};

struct rule {
	const char *text; /* as written, NUL-terminated; owned by the filter */
	uint32_t key;     /* offset of the literal in filter.keys */
	uint32_t key_len;
	uint32_t aux; /* RULE_REGEX: index in filter.regex; RULE_CIDR: in
	                 filter.cidr */
	int line;
	uint16_t port_lo, port_hi; /* domain rules; 0-65535 otherwise */
	uint8_t kind;
};

struct cidr_rule {
	uint8_t addr[16]; /* v4 mapped */
	int prefix;       /* 0..128 */
	uint32_t rule;
};

/* An open-addressing hash of literal keys. A reverse index hashes keys
 * from their last byte, so that every suffix of a subject is looked up in
 * one right-to-left pass; a forward index does the same for prefixes. */
struct lit_index {
	uint64_t *slot; /* (hash32 << 32) | (rule + 1); 0 = empty */
	size_t mask;    /* capacity - 1; capacity 0 when empty */
	size_t used;
	int reverse;
	int fold;         /* compare ASCII case-insensitively */
	uint8_t lens[32]; /* bit L set when a key of length L < 256 exists */
	int long_keys;    /* some key is 256 bytes or longer */
	size_t max_len;   /* of all keys */
};

struct filter {
	char *name;
	char *buf; /* the rules file, rule texts cut in place */
	struct rule *rules;
	size_t n_rules, cap_rules;
	char *keys; /* literals, lower case when folded */
	size_t keys_len, keys_cap;
	regex_t *regex;
	size_t n_regex, cap_regex;
	struct cidr_rule *cidr; /* in file order */
	size_t n_cidr, cap_cidr;
	uint32_t *scan; /* rules tried one by one, in file order */
	size_t n_scan, cap_scan;
	struct lit_index rev, fwd, dom;
	struct lit_index sub; /* substring literals, when there are many */
	struct filter_options opt;
};

/* Analyses a BRE (ere == 0) or ERE pattern of n bytes. When every match
 * of it is a match of one literal (anchored or not), writes the literal
 * (lower case when fold) to out (>= n bytes) and returns RULE_EXACT,
 * RULE_SUFFIX, RULE_PREFIX or RULE_SUBSTR with *out_len set; else returns
 * RULE_REGEX. Conservative: anything in doubt is left to regcomp. */
enum rule_kind literal_from_regex(const char *pat, size_t n, int ere, int fold,
                                  char *out, size_t *out_len);

/* The same for an fnmatch(3) pattern (no flags, or FNM_CASEFOLD when
 * fold); returns RULE_FNMATCH when not a literal. */
enum rule_kind literal_from_fnmatch(const char *pat, size_t n, int fold,
                                    char *out, size_t *out_len);

/* Adds rule r (with its key in f->keys) to ix, unless an identical rule
 * is already there (the earlier one always wins). */
void lit_index_add(struct lit_index *ix, const struct filter *f, uint32_t r);

/* The smallest index below limit of a rule in ix matching the subject
 * (s, n) and port, or limit. */
uint32_t lit_index_lookup(const struct lit_index *ix, const struct filter *f,
                          const char *s, size_t n, uint16_t port,
                          uint32_t limit);

/* The same for keys found anywhere in the subject. */
uint32_t lit_index_lookup_sub(const struct lit_index *ix,
                              const struct filter *f, const char *s, size_t n,
                              uint32_t limit);

void lit_index_free(struct lit_index *ix);

/* Room for n more bytes at f->keys + f->keys_len. */
char *filter_key_space(struct filter *f, size_t n);

/* Appends a rule; returns its index. */
uint32_t filter_add_rule(struct filter *f, const char *text, int line,
                         enum rule_kind kind);

/* Compiles pattern pat of rule text (BRE, or ERE when ere) into f, as a
 * literal when it is one. Returns NULL or an error message in err. */
const char *filter_add_pattern(struct filter *f, const char *text,
                               const char *pat, int line, int ere, char *err,
                               size_t errlen);

/* Compiles one line of a domain rules file. Returns NULL or a constant or
 * err-held error message. */
const char *filter_add_domain(struct filter *f, const char *text, int line,
                              char *err, size_t errlen);

/* The smallest matching domain-rule index below limit for host. */
uint32_t filter_check_domain(const struct filter *f, const char *host,
                             uint16_t port, uint32_t limit);

#endif
