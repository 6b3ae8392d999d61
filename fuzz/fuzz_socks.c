/* libFuzzer target: each SOCKS parser must stay inside its input, give
 * INCOMPLETE for every proper prefix of a message it accepts, and give
 * the same answer for the message alone as with bytes after it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "socks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum socks_parse run(int which, const uint8_t *buf, size_t len,
                            struct socks_request *r, size_t *used)
{
	struct socks5_greeting g;
	struct socks5_auth a;
	const char *why = NULL;
	enum socks_parse res;

	switch (which) {
	case 0:
		res = socks5_parse_greeting(buf, len, &g, used, &why);
		break;
	case 1:
		res = socks5_parse_auth(buf, len, &a, used, &why);
		if (res == SOCKS_PARSE_DONE &&
		    (a.user + a.user_len > buf + len ||
		     a.pass + a.pass_len > buf + len))
			abort();
		break;
	case 2:
		res = socks5_parse_request(buf, len, r, used, &why);
		break;
	default:
		res = socks4_parse_request(buf, len, r, used, &why);
		break;
	}
	if (res != SOCKS_PARSE_DONE && res != SOCKS_PARSE_INCOMPLETE &&
	    why == NULL)
		abort();
	return res;
}

static void check(int which, const uint8_t *data, size_t size)
{
	struct socks_request r, again;
	size_t used = 0, used2 = 0, i;
	enum socks_parse res = run(which, data, size, &r, &used);

	if (res != SOCKS_PARSE_DONE && res != SOCKS_PARSE_BAD_COMMAND)
		return;
	if (used == 0 || used > size)
		abort();
	if (which >= 2 &&
	    ((res == SOCKS_PARSE_DONE && r.port == 0) || memchr(r.host, '\0', sizeof(r.host)) == NULL ||
	     r.host[0] == '\0'))
		abort();
	for (i = 0; i < used; i++)
		if (run(which, data, i, &again, &used2) !=
		    SOCKS_PARSE_INCOMPLETE)
			abort();
	if (run(which, data, used, &again, &used2) != res || used2 != used)
		abort();
	if (which >= 2 && (strcmp(again.host, r.host) != 0 ||
	                   again.port != r.port || again.by_name != r.by_name))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int which;

	for (which = 0; which < 4; which++)
		check(which, data, size);
	return 0;
}
