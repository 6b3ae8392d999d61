#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

int ctl_exec(char *const argv[], const char *input, char **output, int quiet)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, status;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) != 0)
		return 127;
	if (output != NULL && pipe2(out, O_CLOEXEC) != 0) {
		close(in[0]);
		close(in[1]);
		return 127;
	}
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		if (out[0] >= 0) {
			close(out[0]);
			close(out[1]);
		}
		return 127;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		if (output != NULL)
			dup2(out[1], 1);
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0)
				dup2(null, 2);
		}
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	if (output != NULL)
		close(out[1]);
	/* Inputs are small scripts, far below the pipe buffer, so writing
	 * all of it before reading cannot deadlock. */
	if (input != NULL) {
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		write_all(in[1], input, strlen(input));
		signal(SIGPIPE, old);
	}
	close(in[1]);
	if (output != NULL) {
		for (;;) {
			ssize_t r;
			if (len + 4096 + 1 > cap) {
				cap = cap ? cap * 2 : 8192;
				buf = xrealloc(buf, cap);
			}
			r = read(out[0], buf + len, cap - len - 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			len += (size_t)r;
		}
		close(out[0]);
		if (buf == NULL)
			buf = xmalloc(1);
		buf[len] = '\0';
		*output = buf;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -1;
}
