#include "json.h"

#include <stdio.h>

static void escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			buf_append(b, "\\", 1);
			buf_append(b, s, 1);
		} else if (ch < 0x20 || ch == 0x7f) {
			buf_printf(b, "\\u%04x", ch);
		} else {
			buf_append(b, s, 1);
		}
	}
}

static void key(struct buf *b, const char *k)
{
	if (b->len > 0)
		buf_append(b, ",", 1);
	buf_append(b, "\"", 1);
	escape(b, k);
	buf_append(b, "\":", 2);
}

void json_string(struct buf *b, const char *k, const char *value)
{
	key(b, k);
	buf_append(b, "\"", 1);
	escape(b, value ? value : "");
	buf_append(b, "\"", 1);
}

void json_number(struct buf *b, const char *k, long long value)
{
	key(b, k);
	buf_printf(b, "%lld", value);
}
