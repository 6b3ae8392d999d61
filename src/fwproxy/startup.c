/* The background start and its verdict, passed back through a pipe. */
#include "startup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

/* Errors the waiting process prints at most; the rest is in the log. */
#define REPORT_MAX 8192

/* The daemon's end of the pipe; -1 in the foreground or once done. */
static int verdict_fd = -1;

/* In the original process: collects what the daemon sends. A NUL byte
 * means ready; the end of the pipe without one means it failed. */
static int wait_verdict(int fd)
{
	char text[REPORT_MAX + 1], *line;
	size_t len = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, text + len, REPORT_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (memchr(text + len, '\0', (size_t)n) != NULL)
			return 0;
		len += (size_t)n;
		if (len == REPORT_MAX)
			len = 0; /* keep reading until the verdict */
	}
	text[len] = '\0';
	if (len == 0) {
		fputs(
		    "fwproxy: the daemon ended during start-up; see its log\n",
		    stderr);
		return 1;
	}
	for (line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
		fprintf(stderr, "fwproxy: %s\n", line);
	return 1;
}

int startup_background(void)
{
	int fds[2], null;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	pid = fork();
	if (pid == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		waitpid(pid, NULL, 0);
		_exit(wait_verdict(fds[0]));
	}
	close(fds[0]);
	setsid();
	pid = fork();
	if (pid == -1)
		_exit(1);
	if (pid > 0)
		_exit(0);
	verdict_fd = fds[1];
	/* Should the waiting process be gone, writing to it must not kill
	 * the daemon. */
	signal(SIGPIPE, SIG_IGN);
	log_set_error_fd(verdict_fd);
	if (chdir("/") == -1)
		return -1;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	return 0;
}

void startup_detach(void)
{
	if (verdict_fd == -1)
		return;
	log_set_error_fd(-1);
	close(verdict_fd);
	verdict_fd = -1;
}

void startup_ready(void)
{
	if (verdict_fd == -1)
		return;
	if (write(verdict_fd, "", 1) != 1) {
		/* The waiting process is gone: nobody to tell. */
	}
	startup_detach();
}
