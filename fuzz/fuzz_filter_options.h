/* The filter targets' shared reading of an input's first byte. */
#ifndef FWPROXY_FUZZ_FILTER_OPTIONS_H
#define FWPROXY_FUZZ_FILTER_OPTIONS_H

#include <stdint.h>
#include <string.h>

#include "filter.h"

/* Bits 0-1 the FilterType, 2 case-sensitive, 3 default deny, 4 URLs. */
static inline void fuzz_filter_options(uint8_t b, struct filter_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->type = (enum filter_type)(b & 3);
	opt->case_sensitive = (b >> 2) & 1;
	opt->default_deny = (b >> 3) & 1;
	opt->urls = (b >> 4) & 1;
}

#endif
