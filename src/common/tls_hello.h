/* The TLS ClientHello as a proxy sees it before answering: record and
 * handshake framing, the server name (SNI) and whether an encrypted
 * ClientHello (ECH) hides another one. Pure: no I/O, no allocation. */
#ifndef FWPROXY_TLS_HELLO_H
#define FWPROXY_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "hostname.h"

/* Longest ClientHello body accepted, in bytes (a post-quantum key share
 * makes them about 2 KiB; 32 KiB leaves room and fits a connection's
 * buffer together with its record headers). */
#define TLS_HELLO_MAX 32768

#define TLS_EXT_SERVER_NAME 0x0000
#define TLS_EXT_ECH         0xfe0d

enum tls_hello_result {
	TLS_HELLO_DONE,       /* a whole, well-formed ClientHello */
	TLS_HELLO_INCOMPLETE, /* well-formed so far: need more bytes */
	TLS_HELLO_NOT_TLS,    /* the first byte opens no TLS handshake */
	TLS_HELLO_BAD,        /* malformed; *why says how */
};

struct tls_hello {
	/* The host_name of the server_name extension, normalised (lower
	 * case, no trailing dot); "" when there is none. */
	char server_name[HOSTNAME_MAX + 1];
	int has_ech;      /* an outer encrypted_client_hello extension */
	uint16_t version; /* legacy_version of the ClientHello */
	size_t length;    /* input bytes of the records that carry it */
};

/* Parses the ClientHello at the start of the n bytes at buf, which may be
 * spread over several handshake records. Rejects a second server_name or
 * encrypted_client_hello extension, a server_name list with more than one
 * name, names that are not host names, and handshake bytes after the
 * ClientHello in its last record. out is filled on TLS_HELLO_DONE; *why
 * is set to a constant message on TLS_HELLO_BAD and TLS_HELLO_NOT_TLS. */
enum tls_hello_result tls_hello_parse(const uint8_t *buf, size_t n,
                                      struct tls_hello *out, const char **why);

#endif
