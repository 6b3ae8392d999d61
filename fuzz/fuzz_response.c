/* libFuzzer target: http_parse_response, with invariants on its results.
 * The first byte picks HEAD / CONNECT and the limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_response resp;
	static const struct http_limits lims[2] = {
	    {8192, 8192, 100, 32768},
	    {40, 30, 4, 120},
	};
	const struct http_limits *lim;
	const char *buf, *why = NULL;
	enum http_parse r;
	int is_head, is_connect;
	size_t i;

	if (size == 0)
		return 0;
	is_head = data[0] & 1;
	is_connect = (data[0] >> 1) & 1;
	lim = &lims[(data[0] >> 2) & 1];
	buf = (const char *)data + 1;
	size--;

	r = http_parse_response(buf, size, lim, is_head, is_connect, &resp,
	                        &why);
	if (r == HTTP_PARSE_INCOMPLETE && size > lim->max_header_size)
		abort();
	if (r != HTTP_PARSE_INCOMPLETE && r != HTTP_PARSE_DONE && why == NULL)
		abort();
	if (r != HTTP_PARSE_DONE)
		return 0;
	if (resp.head_len > size || resp.n_headers > lim->max_headers ||
	    resp.status < 100 || resp.status > 599)
		abort();
	if ((is_head || resp.status < 200 || resp.status == 204 ||
	     resp.status == 304) &&
	    resp.body != HTTP_BODY_NONE)
		abort();
	if (resp.body == HTTP_BODY_CLOSE && resp.keep_alive)
		abort();
	/* A chunked body has the field that the daemon passes on. */
	if (resp.body == HTTP_BODY_CHUNKED) {
		const struct http_header *te = NULL;

		for (i = 0; i < resp.n_headers; i++)
			if (http_header_is(&resp.headers[i],
			                   "Transfer-Encoding"))
				te = &resp.headers[i];
		if (te == NULL || te->value.n < 7 ||
		    strncasecmp(te->value.p + te->value.n - 7, "chunked", 7))
			abort();
	}
	for (i = 0; i < resp.n_headers; i++)
		(void)http_header_is_hop_by_hop(resp.headers, resp.n_headers,
		                                &resp.headers[i]);
	{
		size_t head_len = resp.head_len;

		if (http_parse_response(buf, head_len - 1, lim, is_head,
		                        is_connect, &resp,
		                        &why) != HTTP_PARSE_INCOMPLETE)
			abort();
	}
	return 0;
}
