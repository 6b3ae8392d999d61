#include "http_parse.h"

#include <string.h>

/* RFC 9112 7.1: chunk-size [chunk-ext] CRLF data CRLF ... last-chunk
 * trailer-section CRLF. Every state consumes one byte except DATA, which
 * skips whole runs of chunk data. */

#define CHUNK_LINE_MAX   4096 /* size line without its CRLF */
#define TRAILER_MAX      8192 /* trailer field lines with their CRLFs */
#define CHUNK_SIZE_LIMIT INT64_MAX

enum {
	SIZE_START,     /* first hex digit of a size line */
	SIZE,           /* more hex digits */
	EXT_BWS,        /* BWS before ';' */
	EXT_NAME_START, /* after ';': BWS, then the name */
	EXT_NAME,
	EXT_NAME_BWS,  /* BWS after the name: '=' or ';' must follow */
	EXT_VAL_START, /* after '=': BWS, then token or quoted-string */
	EXT_VAL_TOKEN,
	EXT_QUOTED,
	EXT_QUOTED_ESC,
	EXT_VAL_END, /* after the closing quote */
	SIZE_LF,
	DATA,
	DATA_CR,
	DATA_LF,
	TRAILER_START, /* a trailer field line or the final CRLF */
	TRAILER_NAME,
	TRAILER_VALUE,
	TRAILER_LF,
	FINAL_LF,
	DONE,
	BAD,
};

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar, SP, HTAB */
static int is_value(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* qdtext: HTAB, SP, VCHAR except '"' and '\', obs-text */
static int is_qdtext(unsigned char c)
{
	return is_value(c) && c != '"' && c != '\\';
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void http_chunked_init(struct http_chunked *c)
{
	c->state = SIZE_START;
	c->remaining = 0;
	c->line_len = 0;
	c->trailer_size = 0;
}

/* The next state for byte x on a size line, or BAD. */
static int size_line_step(struct http_chunked *c, unsigned char x)
{
	int d;

	if (x == '\r')
		switch (c->state) {
		case SIZE:
		case EXT_NAME:
		case EXT_VAL_TOKEN:
		case EXT_VAL_END:
			return SIZE_LF;
		default:
			return BAD;
		}
	if (++c->line_len > CHUNK_LINE_MAX)
		return BAD;
	switch (c->state) {
	case SIZE_START:
	case SIZE:
		d = hex_value(x);
		if (d >= 0) {
			if (c->remaining > (uint64_t)CHUNK_SIZE_LIMIT >> 4)
				return BAD;
			c->remaining = c->remaining << 4 | (uint64_t)d;
			return SIZE;
		}
		if (c->state == SIZE_START)
			return BAD;
		return is_ws(x) ? EXT_BWS : x == ';' ? EXT_NAME_START : BAD;
	case EXT_BWS:
		return is_ws(x) ? EXT_BWS : x == ';' ? EXT_NAME_START : BAD;
	case EXT_NAME_START:
		return is_ws(x) ? EXT_NAME_START : is_tchar(x) ? EXT_NAME : BAD;
	case EXT_NAME:
		if (is_tchar(x))
			return EXT_NAME;
		/* fall through */
	case EXT_NAME_BWS:
		return is_ws(x)   ? EXT_NAME_BWS
		       : x == '=' ? EXT_VAL_START
		       : x == ';' ? EXT_NAME_START
		                  : BAD;
	case EXT_VAL_START:
		return is_ws(x)      ? EXT_VAL_START
		       : is_tchar(x) ? EXT_VAL_TOKEN
		       : x == '"'    ? EXT_QUOTED
		                     : BAD;
	case EXT_VAL_TOKEN:
		if (is_tchar(x))
			return EXT_VAL_TOKEN;
		/* fall through */
	case EXT_VAL_END:
		return is_ws(x) ? EXT_BWS : x == ';' ? EXT_NAME_START : BAD;
	case EXT_QUOTED:
		return x == '"'       ? EXT_VAL_END
		       : x == '\\'    ? EXT_QUOTED_ESC
		       : is_qdtext(x) ? EXT_QUOTED
		                      : BAD;
	case EXT_QUOTED_ESC:
		return is_value(x) ? EXT_QUOTED : BAD;
	}
	return BAD;
}

/* The next state for byte x in the trailer section, or BAD. */
static int trailer_step(struct http_chunked *c, unsigned char x)
{
	if (c->state == TRAILER_START && x == '\r')
		return FINAL_LF;
	if (++c->trailer_size > TRAILER_MAX)
		return BAD;
	switch (c->state) {
	case TRAILER_START:
		return is_tchar(x) ? TRAILER_NAME : BAD;
	case TRAILER_NAME:
		return is_tchar(x) ? TRAILER_NAME
		       : x == ':'  ? TRAILER_VALUE
		                   : BAD;
	case TRAILER_VALUE:
		return x == '\r'     ? TRAILER_LF
		       : is_value(x) ? TRAILER_VALUE
		                     : BAD;
	case TRAILER_LF:
		return x == '\n' ? TRAILER_START : BAD;
	}
	return BAD;
}

enum http_chunked_result http_chunked_feed(struct http_chunked *c,
                                           const char *buf, size_t len,
                                           size_t *used)
{
	size_t i = 0;

	while (i < len) {
		unsigned char x = (unsigned char)buf[i];

		switch (c->state) {
		case DONE:
			*used = i;
			return HTTP_CHUNKED_DONE;
		case BAD:
			*used = i;
			return HTTP_CHUNKED_BAD;
		case DATA:
			if (len - i < c->remaining) {
				c->remaining -= len - i;
				i = len;
				continue;
			}
			i += (size_t)c->remaining;
			c->remaining = 0;
			c->state = DATA_CR;
			continue;
		case DATA_CR:
			c->state = x == '\r' ? DATA_LF : BAD;
			break;
		case DATA_LF:
			c->state = x == '\n' ? SIZE_START : BAD;
			c->line_len = 0;
			break;
		case SIZE_LF:
			if (x != '\n')
				c->state = BAD;
			else if (c->remaining == 0)
				c->state = TRAILER_START;
			else
				c->state = DATA;
			break;
		case TRAILER_START:
		case TRAILER_NAME:
		case TRAILER_VALUE:
		case TRAILER_LF:
			c->state = trailer_step(c, x);
			break;
		case FINAL_LF:
			c->state = x == '\n' ? DONE : BAD;
			break;
		default:
			c->state = size_line_step(c, x);
			break;
		}
		if (c->state == BAD) {
			*used = i;
			return HTTP_CHUNKED_BAD;
		}
		i++;
		if (c->state == DONE) {
			*used = i;
			return HTTP_CHUNKED_DONE;
		}
	}
	*used = len;
	if (c->state == DONE)
		return HTTP_CHUNKED_DONE;
	return c->state == BAD ? HTTP_CHUNKED_BAD : HTTP_CHUNKED_MORE;
}
