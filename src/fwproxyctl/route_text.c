#include "route_text.h"

#include "util.h"

size_t route_fields(const char *line, const char *end, const char **f,
                    size_t *len, size_t max)
{
	size_t n = 0;

	while (line < end && n < max) {
		while (line < end && (*line == ' ' || *line == '\t'))
			line++;
		if (line == end)
			break;
		f[n] = line;
		while (line < end && *line != ' ' && *line != '\t')
			line++;
		len[n] = (size_t)(line - f[n]);
		n++;
	}
	return n;
}

int route_hex(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (n == 0 || n > 8)
		return -1;
	for (i = 0; i < n; i++) {
		int d = ascii_hex_digit((unsigned char)s[i]);
		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}
