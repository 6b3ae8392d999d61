/* HTML pages of our own: escaping and tinyproxy-style {name} templates. */
#ifndef FWPROXY_HTML_H
#define FWPROXY_HTML_H

#include "buf.h"

struct html_var {
	const char *name;
	const char *value; /* plain text: escaped when written */
};

/* Appends s with & < > " ' escaped. */
void html_escape(struct buf *b, const char *s);

/* Appends template with every {name} found in vars replaced by its escaped
 * value; unknown names become empty, any other text is copied. */
void html_render(struct buf *b, const char *template,
                 const struct html_var *vars, int n_vars);

/* The rules-file line that would allow host, in the syntax of type
 * (a value of enum filter_type). */
void html_suggested_rule(char *dst, size_t size, int filter_type,
                         const char *host);

#endif
