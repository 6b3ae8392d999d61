/* What a reader sees of a text file: BOMs, control bytes, invisible
 * characters. */
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum text_bom text_bom(const char *s, size_t n, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;

	*len = 0;
	if (n >= 4 && u[0] == 0xff && u[1] == 0xfe && u[2] == 0 && u[3] == 0) {
		*len = 4;
		return TEXT_BOM_UTF32LE;
	}
	if (n >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0xfe && u[3] == 0xff) {
		*len = 4;
		return TEXT_BOM_UTF32BE;
	}
	if (n >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
		*len = 3;
		return TEXT_BOM_UTF8;
	}
	if (n >= 2 && u[0] == 0xff && u[1] == 0xfe) {
		*len = 2;
		return TEXT_BOM_UTF16LE;
	}
	if (n >= 2 && u[0] == 0xfe && u[1] == 0xff) {
		*len = 2;
		return TEXT_BOM_UTF16BE;
	}
	return TEXT_BOM_NONE;
}

const char *text_bom_name(enum text_bom bom)
{
	switch (bom) {
	case TEXT_BOM_UTF8:
		return "UTF-8";
	case TEXT_BOM_UTF16LE:
		return "UTF-16LE";
	case TEXT_BOM_UTF16BE:
		return "UTF-16BE";
	case TEXT_BOM_UTF32LE:
		return "UTF-32LE";
	case TEXT_BOM_UTF32BE:
		return "UTF-32BE";
	default:
		return "none";
	}
}

static int is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

size_t text_find_control(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is_control((unsigned char)s[i]) &&
		    !(s[i] == '\r' && i + 1 == n))
			return i;
	return n;
}

int text_nul_line(const char *s, size_t n, size_t *col)
{
	const char *nul = memchr(s, '\0', n), *p, *start = s;
	int line = 1;

	if (nul == NULL)
		return 0;
	for (p = s; p < nul; p++) {
		if (*p == '\n') {
			line++;
			start = p + 1;
		}
	}
	*col = (size_t)(nul - start) + 1;
	return line;
}

/* Decodes one UTF-8 sequence at s (n > 0 bytes, s[0] >= 0x80): its length,
 * or 0 when malformed (overlong, surrogate, above U+10FFFF, cut short). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Characters that show as nothing, or reorder what is around them. */
static int invisible(uint32_t c)
{
	return c == 0xad || (c >= 0x200b && c <= 0x200f) ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

size_t text_find_invisible(const char *s, size_t n, size_t *clen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t c;
		size_t len;

		if (u[i] < 0x80) {
			if (is_control(u[i])) {
				*clen = 1;
				return i;
			}
			i++;
			continue;
		}
		len = utf8_decode(u + i, n - i, &c);
		if (len == 0 || invisible(c)) {
			*clen = len == 0 ? 1 : len;
			return i;
		}
		i += len;
	}
	*clen = 0;
	return n;
}

const char *text_describe(const char *s, size_t clen, char *out, size_t size)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c;

	if (u[0] == 0)
		snprintf(out, size, "NUL byte");
	else if (u[0] < 0x80)
		snprintf(out, size, "control character 0x%02X", u[0]);
	else if (clen > 1 && utf8_decode(u, clen, &c) == clen)
		snprintf(out, size, "invisible character U+%04X", (unsigned)c);
	else
		snprintf(out, size, "malformed UTF-8 (byte 0x%02X)", u[0]);
	return out;
}
