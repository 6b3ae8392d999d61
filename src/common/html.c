#include "html.h"

#include <string.h>

#include "config.h"
#include "util.h"

void html_escape(struct buf *b, const char *s)
{
	const char *start = s;

	for (; *s; s++) {
		const char *rep;
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		buf_append(b, start, (size_t)(s - start));
		buf_append_str(b, rep);
		start = s + 1;
	}
	buf_append(b, start, (size_t)(s - start));
}

void html_render(struct buf *b, const char *t, const struct html_var *vars,
                 int n_vars)
{
	while (*t) {
		const char *open = strchr(t, '{'), *close;
		size_t n;
		int i;

		if (open == NULL) {
			buf_append_str(b, t);
			return;
		}
		buf_append(b, t, (size_t)(open - t));
		close = strchr(open + 1, '}');
		n = close ? (size_t)(close - open - 1) : 0;
		if (close == NULL || n == 0 || n > 32 ||
		    strspn(open + 1, "abcdefghijklmnopqrstuvwxyz_") != n) {
			buf_append(b, "{", 1);
			t = open + 1;
			continue;
		}
		for (i = 0; i < n_vars; i++)
			if (strlen(vars[i].name) == n &&
			    memcmp(vars[i].name, open + 1, n) == 0)
				html_escape(b,
				            vars[i].value ? vars[i].value : "");
		t = close + 1;
	}
}

void html_suggested_rule(char *dst, size_t size, int filter_type,
                         const char *host)
{
	size_t o = 0;

	if (filter_type == FILTER_TYPE_FNMATCH ||
	    filter_type == FILTER_TYPE_DOMAIN) {
		str_copy(dst, host, size);
		return;
	}
	if (size < 4)
		return;
	dst[o++] = '^';
	for (; *host && o + 3 < size; host++) {
		if (*host == '.')
			dst[o++] = '\\';
		dst[o++] = *host;
	}
	dst[o++] = '$';
	dst[o] = '\0';
}
