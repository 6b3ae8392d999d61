/* The run directory's lock (lock.h). */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int ctl_lock_take(const char *run_dir)
{
	size_t n = strlen(run_dir) + sizeof(CTL_LOCK_FILE) + 2;
	char *path = xmalloc(n);
	int fd = -1;

	snprintf(path, n, "%s/%s", run_dir, CTL_LOCK_FILE);
	if (mkdir(run_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "fwproxyctl: %s: %s\n", run_dir,
		        strerror(errno));
		goto done;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		fprintf(stderr, "fwproxyctl: %s: %s\n", path, strerror(errno));
		goto done;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		fprintf(stderr, "fwproxyctl: lock %s: %s\n", path,
		        strerror(errno));
		close(fd);
		fd = -1;
		break;
	}
done:
	free(path);
	return fd;
}
