/* libFuzzer target: the chunked tracker must give the same answer for the
 * input fed whole, one byte at a time, and split where the first byte
 * says. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
	enum http_chunked_result r;
	size_t used; /* body bytes over all pieces until DONE */
};

static struct outcome feed(const char *buf, size_t size, size_t step)
{
	struct http_chunked c;
	struct outcome o = {HTTP_CHUNKED_MORE, 0};
	size_t off = 0, used;

	http_chunked_init(&c);
	while (off < size && o.r == HTTP_CHUNKED_MORE) {
		size_t len = size - off < step ? size - off : step;

		o.r = http_chunked_feed(&c, buf + off, len, &used);
		if (used > len || (o.r == HTTP_CHUNKED_MORE && used != len))
			abort();
		if (o.r != HTTP_CHUNKED_BAD)
			o.used += used;
		off += len;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, bytes, split;
	const char *buf;
	size_t step;

	if (size == 0)
		return 0;
	step = (size_t)data[0] + 1;
	buf = (const char *)data + 1;
	size--;
	whole = feed(buf, size, size > 0 ? size : 1);
	bytes = feed(buf, size, 1);
	split = feed(buf, size, step);
	if (whole.r != bytes.r || whole.r != split.r)
		abort();
	if (whole.r == HTTP_CHUNKED_DONE &&
	    (whole.used != bytes.used || whole.used != split.used))
		abort();
	return 0;
}
