/* The ClientHello inspection's cost: parses each ClientHello file named
 * on the command line (real clients' ones, from tests/unit/data/tls) as
 * the proxy does for every TLS connection it checks, many times, and
 * prints "BENCHRESULT file=NAME bytes=N ns=NS" per file, NS the median of
 * five rounds per parse. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls_hello.h"

#define ROUNDS     5
#define PER_ROUND  200000
#define FILE_LIMIT 65536

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static uint8_t buf[FILE_LIMIT];
	int i, r, k;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		double ns[ROUNDS];
		struct tls_hello h;
		const char *why;
		size_t n;
		volatile size_t sink = 0;

		if (f == NULL) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (tls_hello_parse(buf, n, &h, &why) != TLS_HELLO_DONE) {
			fprintf(stderr, "%s: not a whole ClientHello\n",
			        argv[i]);
			return 1;
		}
		for (r = 0; r < ROUNDS; r++) {
			double t0 = now_ns();
			for (k = 0; k < PER_ROUND; k++) {
				tls_hello_parse(buf, n, &h, &why);
				sink += h.length;
			}
			ns[r] = (now_ns() - t0) / PER_ROUND;
		}
		qsort(ns, ROUNDS, sizeof(ns[0]), by_value);
		printf("BENCHRESULT file=%s bytes=%zu ns=%.1f\n",
		       strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1
		                             : argv[i],
		       n, ns[ROUNDS / 2]);
		(void)sink;
	}
	return 0;
}
