#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "tap.h"

static char dir[] = "/tmp/fwproxy-test-file.XXXXXX";

/* Two calls may share one expression. */
static const char *in_dir(const char *name)
{
	static char path[2][128];
	static int next;

	next = !next;
	snprintf(path[next], sizeof(path[0]), "%s/%s", dir, name);
	return path[next];
}

static void put(const char *name, const char *text, size_t n)
{
	FILE *f = fopen(in_dir(name), "w");

	fwrite(text, 1, n, f);
	fclose(f);
}

static void test_regular(void)
{
	char err[128];
	size_t len = 99;
	char *text;

	put("rules", "a\0b\n", 4);
	text = file_read(in_dir("rules"), 100, &len, err, sizeof(err));
	ok(text != NULL, "a regular file is read");
	is_int(len, 4, "whole, NUL bytes included");
	ok(text != NULL && memcmp(text, "a\0b\n", 5) == 0,
	   "and NUL-terminated");
	free(text);
	put("empty", "", 0);
	text = file_read(in_dir("empty"), 100, &len, err, sizeof(err));
	ok(text != NULL && len == 0 && text[0] == '\0', "an empty file");
	free(text);
	put("exact", "0123456789", 10);
	text = file_read(in_dir("exact"), 10, &len, err, sizeof(err));
	ok(text != NULL && len == 10, "a file of max bytes is read");
	free(text);
	text = file_read(in_dir("exact"), 9, &len, err, sizeof(err));
	ok(text == NULL, "one byte more is refused");
	is_str(err, "larger than 9 bytes", "saying so");
}

static void test_refused(void)
{
	char err[128];
	size_t len;
	int fd;

	mkfifo(in_dir("fifo"), 0600);
	ok(file_read(in_dir("fifo"), 100, &len, err, sizeof(err)) == NULL,
	   "a FIFO is refused, without blocking");
	is_str(err, "is a FIFO (named pipe), not a regular file", "why");
	/* A writer waiting on the FIFO must not make it readable either. */
	fd = open(in_dir("fifo"), O_RDWR | O_NONBLOCK);
	ok(file_read(in_dir("fifo"), 100, &len, err, sizeof(err)) == NULL,
	   "a FIFO with a writer is refused too");
	close(fd);
	ok(file_read(dir, 100, &len, err, sizeof(err)) == NULL,
	   "a directory is refused");
	is_str(err, "is a directory", "why");
	ok(file_read("/dev/zero", 1 << 30, &len, err, sizeof(err)) == NULL,
	   "a device is refused before any read");
	is_str(err, "is a character device, not a regular file", "why");
	symlink(in_dir("nowhere"), in_dir("dangling"));
	ok(file_read(in_dir("dangling"), 100, &len, err, sizeof(err)) == NULL,
	   "a dangling symbolic link is refused");
	is_str(err, "is a dangling symbolic link", "why");
	ok(file_read(in_dir("missing"), 100, &len, err, sizeof(err)) == NULL,
	   "a missing file is refused");
	is_str(err, "No such file or directory", "why");
	symlink("/dev/null", in_dir("to-device"));
	ok(file_check_regular(in_dir("to-device"), err, sizeof(err)) != NULL,
	   "a link to a device is not a regular file");
	symlink(in_dir("rules"), in_dir("to-rules"));
	ok(file_check_regular(in_dir("to-rules"), err, sizeof(err)) == NULL,
	   "a link to a regular file is one");
}

int main(void)
{
	static const char *const names[] = {
	    "rules",    "empty",     "exact",    "fifo",
	    "dangling", "to-device", "to-rules",
	};
	size_t i;

	if (mkdtemp(dir) == NULL)
		return 1;
	test_regular();
	test_refused();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(in_dir(names[i]));
	rmdir(dir);
	return done();
}
