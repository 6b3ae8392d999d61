/* libFuzzer target: http_parse_request, with invariants on its results. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int within(const char *buf, size_t len, struct http_slice s)
{
	return s.n == 0 || (s.p >= buf && s.p + s.n <= buf + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req;
	/* Small limits so that the fuzzer reaches every limit too. */
	static const struct http_limits lims[2] = {
	    {8192, 8192, 100, 32768},
	    {40, 30, 4, 120},
	};
	const struct http_limits *lim = &lims[size > 0 && (data[0] & 0x80)];
	const char *buf = (const char *)data, *why = NULL;
	enum http_parse r;
	size_t i;

	r = http_parse_request(buf, size, lim, &req, &why);
	if (r == HTTP_PARSE_INCOMPLETE && size > lim->max_header_size)
		abort();
	if (r != HTTP_PARSE_INCOMPLETE && r != HTTP_PARSE_DONE && why == NULL)
		abort();
	if (r != HTTP_PARSE_DONE)
		return 0;
	if (req.head_len > size || req.head_len > lim->max_header_size ||
	    req.n_headers > lim->max_headers || req.port == 0 ||
	    req.host[0] == '\0' || req.minor < 0 || req.minor > 1 ||
	    !within(buf, size, req.method) || !within(buf, size, req.target))
		abort();
	if (!req.is_connect &&
	    (req.path.n == 0 || (req.path.p[0] != '/' && req.path.p[0] != '?')))
		abort();
	if (req.body == HTTP_BODY_CLOSE ||
	    (req.body == HTTP_BODY_LENGTH && req.content_length == 0))
		abort();
	if (req.max_forwards < -1 ||
	    (req.max_forwards != -1 && !req.is_trace && !req.is_options) ||
	    (req.empty_path && (req.path.n != 1 || req.is_connect)))
		abort();
	for (i = 0; i < req.n_headers; i++) {
		const struct http_header *h = &req.headers[i];

		if (h->name.n == 0 || !within(buf, req.head_len, h->name) ||
		    !within(buf, req.head_len, h->value))
			abort();
		(void)http_header_is_hop_by_hop(req.headers, req.n_headers, h);
	}
	/* The head alone parses the same; one byte less is incomplete. */
	{
		size_t head_len = req.head_len;
		enum http_body body = req.body;

		if (http_parse_request(buf, head_len, lim, &req, &why) !=
		        HTTP_PARSE_DONE ||
		    req.head_len != head_len || req.body != body)
			abort();
		if (http_parse_request(buf, head_len - 1, lim, &req, &why) !=
		    HTTP_PARSE_INCOMPLETE)
			abort();
	}
	return 0;
}
