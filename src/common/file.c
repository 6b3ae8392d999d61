/* Bounded, non-blocking reads of regular files named by the operator. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static const char *kind_problem(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return NULL;
	if (S_ISDIR(st->st_mode))
		return "is a directory";
	if (S_ISFIFO(st->st_mode))
		return "is a FIFO (named pipe), not a regular file";
	if (S_ISCHR(st->st_mode))
		return "is a character device, not a regular file";
	if (S_ISBLK(st->st_mode))
		return "is a block device, not a regular file";
	if (S_ISSOCK(st->st_mode))
		return "is a socket, not a regular file";
	return "is not a regular file";
}

static const char *say(char *err, size_t errlen, const char *msg)
{
	str_copy(err, msg, errlen);
	return err;
}

const char *file_check_regular(const char *path, char *err, size_t errlen)
{
	struct stat st;
	const char *why;

	if (stat(path, &st) == -1) {
		int e = errno;

		if (e == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return say(err, errlen, "is a dangling symbolic link");
		return say(err, errlen, strerror(e));
	}
	why = kind_problem(&st);
	return why != NULL ? say(err, errlen, why) : NULL;
}

char *file_read(const char *path, size_t max, size_t *len, char *err,
                size_t errlen)
{
	struct stat st;
	size_t have = 0, cap;
	char *buf = NULL;
	int fd;

	if (file_check_regular(path, err, errlen) != NULL)
		return NULL;
	/* O_NONBLOCK: should path become a FIFO after the check, opening
	 * it still returns at once, and fstat refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd == -1) {
		say(err, errlen, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		say(err, errlen, strerror(errno));
		goto fail;
	}
	if (kind_problem(&st) != NULL) {
		say(err, errlen, kind_problem(&st));
		goto fail;
	}
	if ((unsigned long long)st.st_size > max)
		goto too_large;
	cap = (size_t)st.st_size + 1;
	if (cap < 4096)
		cap = max < 4096 ? max + 1 : 4096;
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t got;

		if (have == cap) {
			if (cap > max)
				goto too_large;
			cap = cap > max / 2 ? max + 1 : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		got = read(fd, buf + have, cap - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			say(err, errlen, strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		have += (size_t)got;
	}
	if (have > max)
		goto too_large;
	close(fd);
	buf[have] = '\0';
	*len = have;
	return buf;
too_large:
	snprintf(err, errlen, "larger than %zu bytes", max);
fail:
	close(fd);
	free(buf);
	return NULL;
}
