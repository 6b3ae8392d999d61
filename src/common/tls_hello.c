/* Reading a TLS ClientHello (RFC 8446 4.1.2, RFC 6066 3, the ECH draft)
 * across record boundaries without copying it: a cursor walks the
 * handshake bytes record by record. */
#include "tls_hello.h"

#include <stdint.h>
#include <string.h>

#define RECORD_HEADER     5
#define RECORD_MAX        16384 /* a plaintext fragment, RFC 8446 5.1 */
#define CONTENT_HANDSHAKE 22
#define HS_CLIENT_HELLO   1
#define SESSION_ID_MAX    32
#define NAME_TYPE_HOST    0
#define ECH_OUTER         0

struct cursor {
	const uint8_t *buf;
	size_t n;
	size_t at;       /* next input byte */
	size_t rec_left; /* bytes of the current record not yet read */
	size_t pos;      /* handshake bytes read so far */
	const char *why;
};

static enum tls_hello_result bad(struct cursor *c, const char *why)
{
	c->why = why;
	return TLS_HELLO_BAD;
}

/* Steps over the next record header; its first bytes are checked even
 * when the rest has not arrived. */
static enum tls_hello_result next_record(struct cursor *c)
{
	const uint8_t *p = c->buf + c->at;
	size_t have = c->n - c->at, len;

	if (have >= 1 && p[0] != CONTENT_HANDSHAKE)
		return bad(c, "a record other than handshake inside the "
		              "ClientHello");
	if (have >= 2 && p[1] != 3)
		return bad(c, "not a TLS record version");
	if (have < RECORD_HEADER)
		return TLS_HELLO_INCOMPLETE;
	len = (size_t)p[3] << 8 | p[4];
	if (len == 0 || len > RECORD_MAX)
		return bad(c, "record length out of range");
	c->at += RECORD_HEADER;
	c->rec_left = len;
	return TLS_HELLO_DONE;
}

/* Reads k handshake bytes into out (NULL: skips them); they must end by
 * the handshake offset end. */
static enum tls_hello_result take(struct cursor *c, uint8_t *out, size_t k,
                                  size_t end)
{
	enum tls_hello_result r;

	if (end - c->pos < k)
		return bad(c, "a field runs past the length that holds it");
	while (k > 0) {
		size_t step = k;

		if (c->rec_left == 0 && (r = next_record(c)) != TLS_HELLO_DONE)
			return r;
		if (c->at == c->n)
			return TLS_HELLO_INCOMPLETE;
		if (step > c->rec_left)
			step = c->rec_left;
		if (step > c->n - c->at)
			step = c->n - c->at;
		if (out != NULL) {
			memcpy(out, c->buf + c->at, step);
			out += step;
		}
		c->at += step;
		c->rec_left -= step;
		c->pos += step;
		k -= step;
	}
	return TLS_HELLO_DONE;
}

/* A big-endian number of width bytes (1 to 3). */
static enum tls_hello_result number(struct cursor *c, size_t width, size_t end,
                                    size_t *v)
{
	uint8_t b[3];
	enum tls_hello_result r = take(c, b, width, end);
	size_t i;

	*v = 0;
	for (i = 0; r == TLS_HELLO_DONE && i < width; i++)
		*v = *v << 8 | b[i];
	return r;
}

/* A length-prefixed vector, skipped; its length must lie in [min, max]. */
static enum tls_hello_result skip_vector(struct cursor *c, size_t width,
                                         size_t min, size_t max, size_t end,
                                         const char *why)
{
	enum tls_hello_result r;
	size_t len;

	if ((r = number(c, width, end, &len)) != TLS_HELLO_DONE)
		return r;
	if (len < min || len > max)
		return bad(c, why);
	return take(c, NULL, len, end);
}

#define TRY(x)                                                                 \
	do {                                                                   \
		enum tls_hello_result r_ = (x);                                \
		if (r_ != TLS_HELLO_DONE)                                      \
			return r_;                                             \
	} while (0)

static enum tls_hello_result server_name(struct cursor *c, size_t end,
                                         struct tls_hello *out)
{
	char raw[HOSTNAME_MAX + 1];
	size_t list, type, len;

	TRY(number(c, 2, end, &list));
	if (list == 0 || c->pos + list != end)
		return bad(c, "server_name list length does not match its "
		              "extension");
	while (c->pos < end) {
		TRY(number(c, 1, end, &type));
		TRY(number(c, 2, end, &len));
		if (type != NAME_TYPE_HOST)
			return bad(c, "unknown server_name type");
		if (out->server_name[0] != '\0')
			return bad(c, "more than one server name");
		if (len == 0 || len > HOSTNAME_MAX)
			return bad(c, "server name length out of range");
		TRY(take(c, (uint8_t *)raw, len, end));
		if (hostname_normalize(raw, len, out->server_name) != NULL) {
			out->server_name[0] = '\0';
			return bad(c, "the server name is not a host name");
		}
	}
	return TLS_HELLO_DONE;
}

static enum tls_hello_result extensions(struct cursor *c, size_t end,
                                        struct tls_hello *out)
{
	int seen_sni = 0, seen_ech = 0;
	size_t len, type, ext_end, kind;

	TRY(number(c, 2, end, &len));
	if (c->pos + len != end)
		return bad(c, "extensions do not end with the ClientHello");
	while (c->pos < end) {
		TRY(number(c, 2, end, &type));
		TRY(number(c, 2, end, &len));
		if (len > end - c->pos)
			return bad(c, "an extension runs past the ClientHello");
		ext_end = c->pos + len;
		if (type == TLS_EXT_SERVER_NAME) {
			if (seen_sni++)
				return bad(c, "two server_name extensions");
			TRY(server_name(c, ext_end, out));
		} else if (type == TLS_EXT_ECH) {
			if (seen_ech++)
				return bad(c, "two encrypted_client_hello "
				              "extensions");
			TRY(number(c, 1, ext_end, &kind));
			out->has_ech = kind == ECH_OUTER;
		}
		TRY(take(c, NULL, ext_end - c->pos, ext_end));
	}
	return TLS_HELLO_DONE;
}

static enum tls_hello_result client_hello(struct cursor *c,
                                          struct tls_hello *out)
{
	size_t type, len, end, version;

	TRY(number(c, 1, SIZE_MAX, &type));
	if (type != HS_CLIENT_HELLO)
		return bad(c, "the first handshake message is not a "
		              "ClientHello");
	TRY(number(c, 3, SIZE_MAX, &len));
	if (len > TLS_HELLO_MAX)
		return bad(c, "ClientHello longer than fwproxy accepts");
	end = c->pos + len;
	TRY(number(c, 2, end, &version));
	if (version >> 8 != 3)
		return bad(c, "not a TLS version");
	out->version = (uint16_t)version;
	TRY(take(c, NULL, 32, end)); /* random */
	TRY(skip_vector(c, 1, 0, SESSION_ID_MAX, end,
	                "session id longer than 32 bytes"));
	TRY(skip_vector(c, 2, 2, 0xfffe, end, "no cipher suites"));
	TRY(skip_vector(c, 1, 1, 0xff, end, "no compression methods"));
	if (c->pos < end) /* TLS 1.2 and older may send no extensions */
		TRY(extensions(c, end, out));
	if (c->rec_left != 0)
		return bad(c, "more handshake bytes after the ClientHello");
	return TLS_HELLO_DONE;
}

enum tls_hello_result tls_hello_parse(const uint8_t *buf, size_t n,
                                      struct tls_hello *out, const char **why)
{
	struct cursor c = {buf, n, 0, 0, 0, NULL};
	enum tls_hello_result r;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (n == 0)
		return TLS_HELLO_INCOMPLETE;
	if (buf[0] != CONTENT_HANDSHAKE) {
		*why = "not a TLS handshake";
		return TLS_HELLO_NOT_TLS;
	}
	r = client_hello(&c, out);
	if (r == TLS_HELLO_DONE)
		out->length = c.at;
	else
		memset(out, 0, sizeof(*out));
	*why = c.why;
	return r;
}
