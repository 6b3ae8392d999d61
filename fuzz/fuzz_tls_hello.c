/* libFuzzer target: the ClientHello parser never reads past its input,
 * asks for more on every proper prefix of a ClientHello it accepts, and
 * gives the same answer whatever follows the records it used. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prefixes checked per input: enough for every ClientHello the corpus
 * holds, few enough to keep the fuzzer fast. */
#define PREFIXES_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_hello whole, part;
	const char *why;
	uint8_t *copy;
	size_t i;

	if (tls_hello_parse(data, size, &whole, &why) != TLS_HELLO_DONE)
		return 0;
	if (whole.length == 0 || whole.length > size ||
	    strlen(whole.server_name) > HOSTNAME_MAX)
		abort();
	for (i = 0; whole.server_name[i] != '\0'; i++)
		if (whole.server_name[i] >= 'A' && whole.server_name[i] <= 'Z')
			abort();
	for (i = 0; i < whole.length && i < PREFIXES_MAX; i++)
		if (tls_hello_parse(data, i, &part, &why) !=
		    TLS_HELLO_INCOMPLETE)
			abort();
	/* Exactly its own bytes, in an allocation of that size. */
	copy = malloc(whole.length);
	memcpy(copy, data, whole.length);
	if (tls_hello_parse(copy, whole.length, &part, &why) !=
	        TLS_HELLO_DONE ||
	    strcmp(part.server_name, whole.server_name) != 0 ||
	    part.has_ech != whole.has_ech || part.length != whole.length)
		abort();
	free(copy);
	return 0;
}
