/* fwproxyctl check: lints a rules file of any FilterType. Errors are the
 * lines the daemon's own parser rejects; warnings are the classic
 * pitfalls: a rule that matches every host, an unescaped dot in a host
 * name, a pattern not anchored at the start or the end (with a host it
 * would wrongly match), a glob in a regex file or a regex in a glob file,
 * text after the rule, duplicates, and rules shadowed by an earlier one. */
#ifndef FWPROXY_CTL_CHECK_H
#define FWPROXY_CTL_CHECK_H

#include <stddef.h>
#include <stdio.h>

#include "filter.h"

struct ctl_check_finding {
	int line; /* 0: the file as a whole */
	int is_error;
	char *msg;
};

struct ctl_check {
	struct ctl_check_finding *v; /* by line; errors first on a line */
	size_t count;
	int errors;
	int warnings;
	char *fixed; /* the corrected file: anchors added, dots escaped,
	                duplicates dropped, bad lines kept as they are */
};

/* Lints len bytes of text, a rules file called name, read with the
 * options opt. Never returns NULL; free with ctl_check_free. */
struct ctl_check *ctl_check_buffer(const char *name, const char *text,
                                   size_t len,
                                   const struct filter_options *opt);

/* The same for the file at path; a file that cannot be read gives one
 * error at line 0. */
struct ctl_check *ctl_check_file(const char *path,
                                 const struct filter_options *opt);

/* Warns on out, as "NAME: warning: MSG", about a config (the template
 * called name) whose rules refuse nothing they do not name: no Filter, or
 * no FilterDefaultDeny Yes. Returns the number of warnings. */
int ctl_check_config(const struct config *cfg, const char *name, FILE *out);

/* Writes each finding as "NAME:LINE: warning: MSG" or "NAME:LINE: MSG"
 * (an error), "NAME: MSG" for line 0. */
void ctl_check_print(const struct ctl_check *k, const char *name, FILE *out);

void ctl_check_free(struct ctl_check *k);

#endif
