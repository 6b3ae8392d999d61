/* The client's side of a SOCKS handshake: SOCKS4 and SOCKS4a, SOCKS5
 * (RFC 1928) and its username/password exchange (RFC 1929). Pure: no I/O,
 * no allocation; names are copied into the caller's structure, every
 * other slice points into the caller's buffer. */
#ifndef FWPROXY_SOCKS_H
#define FWPROXY_SOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "hostname.h"

/* SOCKS4 user ids longer than this are refused as malformed. */
#define SOCKS4_MAX_USERID 255

enum socks_parse {
	SOCKS_PARSE_DONE,        /* a whole, valid message; *used set */
	SOCKS_PARSE_INCOMPLETE,  /* valid so far; read more */
	SOCKS_PARSE_BAD,         /* malformed: the protocol's failure reply */
	SOCKS_PARSE_BAD_COMMAND, /* well formed, not CONNECT: "command not
	                            supported" */
	SOCKS_PARSE_BAD_ADDRESS, /* SOCKS5 address type unknown: "address
	                            type not supported" */
};

enum socks_command {
	SOCKS_CMD_CONNECT = 1,
	SOCKS_CMD_BIND = 2,
	SOCKS_CMD_UDP_ASSOCIATE = 3,
};

/* SOCKS5 method codes (RFC 1928 section 3). */
enum socks5_method {
	SOCKS5_METHOD_NONE = 0x00,
	SOCKS5_METHOD_USERPASS = 0x02,
	SOCKS5_METHOD_UNACCEPTABLE = 0xff,
};

/* SOCKS5 reply codes (RFC 1928 section 6). */
enum socks5_reply {
	SOCKS5_SUCCEEDED = 0x00,
	SOCKS5_GENERAL_FAILURE = 0x01,
	SOCKS5_NOT_ALLOWED = 0x02,
	SOCKS5_NETWORK_UNREACHABLE = 0x03,
	SOCKS5_HOST_UNREACHABLE = 0x04,
	SOCKS5_CONNECTION_REFUSED = 0x05,
	SOCKS5_TTL_EXPIRED = 0x06,
	SOCKS5_COMMAND_NOT_SUPPORTED = 0x07,
	SOCKS5_ADDRESS_NOT_SUPPORTED = 0x08,
};

/* SOCKS4 reply codes. */
enum socks4_reply {
	SOCKS4_GRANTED = 90,
	SOCKS4_REJECTED = 91,
};

/* The methods a SOCKS5 client offers. */
struct socks5_greeting {
	int offers_none;
	int offers_userpass;
};

/* An RFC 1929 username/password message. */
struct socks5_auth {
	const uint8_t *user, *pass; /* into the buffer, not NUL-terminated */
	size_t user_len, pass_len;  /* 0 to 255 each */
};

/* A SOCKS4, SOCKS4a or SOCKS5 request. */
struct socks_request {
	int version; /* 4 or 5 */
	int command; /* enum socks_command (any byte for BAD_COMMAND) */
	int by_name; /* SOCKS4a or the SOCKS5 domain address type */
	char
	    host[HOSTNAME_MAX + 1]; /* by name: normalised (hostname_normalize);
	                               else the IP as text */
	uint16_t port;              /* 1 to 65535 for CONNECT */
};

/* Each parser reads one message at buf (len bytes received so far).
 * DONE: the message is *used bytes long and its fields are filled in;
 * bytes after it are the client's next message or early tunnel data.
 * BAD_COMMAND: the request was whole and *used is set; the fields are
 * filled in. Every other error: *why gets a constant message for the log.
 * A byte-by-byte feed gives the same answer as the whole input. */

/* VER=5 NMETHODS METHODS: at least one method. */
enum socks_parse socks5_parse_greeting(const uint8_t *buf, size_t len,
                                       struct socks5_greeting *g, size_t *used,
                                       const char **why);

/* VER=1 ULEN UNAME PLEN PASSWD (RFC 1929); empty names are accepted here
 * and refused by the credentials check. */
enum socks_parse socks5_parse_auth(const uint8_t *buf, size_t len,
                                   struct socks5_auth *a, size_t *used,
                                   const char **why);

/* VER=5 CMD RSV=0 ATYP DST.ADDR DST.PORT; a domain goes through
 * hostname_normalize; port 0 is malformed in a CONNECT. */
enum socks_parse socks5_parse_request(const uint8_t *buf, size_t len,
                                      struct socks_request *r, size_t *used,
                                      const char **why);

/* VN=4 CD DSTPORT DSTIP USERID NUL, and for SOCKS4a (DSTIP 0.0.0.x, x not
 * 0) a host name and NUL; user ids up to SOCKS4_MAX_USERID bytes. */
enum socks_parse socks4_parse_request(const uint8_t *buf, size_t len,
                                      struct socks_request *r, size_t *used,
                                      const char **why);

#endif
