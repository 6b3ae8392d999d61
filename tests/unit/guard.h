/* Test inputs placed right before a PROT_NONE page, so that a parser
 * reading one byte past its input crashes instead of passing by luck. */
#ifndef FWPROXY_GUARD_H
#define FWPROXY_GUARD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void *guard_map;
static size_t guard_map_len;

/* Copies the n bytes at data so that they end where an unreadable page
 * begins, and returns the copy. The copy stays valid until the next call. */
static const char *guard_place(const void *data, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t need = (n + page - 1) / page * page + page;
	char *base;

	if (guard_map != NULL && guard_map_len != need) {
		munmap(guard_map, guard_map_len);
		guard_map = NULL;
	}
	if (guard_map == NULL) {
		guard_map = mmap(NULL, need, PROT_READ | PROT_WRITE,
		                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (guard_map == MAP_FAILED) {
			perror("mmap");
			exit(2);
		}
		guard_map_len = need;
		if (mprotect((char *)guard_map + need - page, page,
		             PROT_NONE) != 0) {
			perror("mprotect");
			exit(2);
		}
	}
	base = (char *)guard_map + need - page - n;
	if (n > 0)
		memmove(base, data, n);
	return base;
}

#endif
