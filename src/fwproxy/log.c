#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "util.h"

static struct {
	char *path;
	int fd;
	int syslog;
	enum log_level level;
	int json;
} log_state = {NULL, -1, 0, LOG_LEVEL_INFO, 0};

static const char *const level_names[] = {
    [LOG_LEVEL_CRITICAL] = "CRITICAL", [LOG_LEVEL_ERROR] = "ERROR",
    [LOG_LEVEL_WARNING] = "WARNING",   [LOG_LEVEL_NOTICE] = "NOTICE",
    [LOG_LEVEL_CONNECT] = "CONNECT",   [LOG_LEVEL_INFO] = "INFO",
};

static const int syslog_priorities[] = {
    [LOG_LEVEL_CRITICAL] = LOG_CRIT,   [LOG_LEVEL_ERROR] = LOG_ERR,
    [LOG_LEVEL_WARNING] = LOG_WARNING, [LOG_LEVEL_NOTICE] = LOG_NOTICE,
    [LOG_LEVEL_CONNECT] = LOG_INFO,    [LOG_LEVEL_INFO] = LOG_INFO,
};

static void write_line(const char *line, size_t n);

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int log_open(const char *path, int use_syslog, enum log_level level)
{
	log_close();
	log_state.level = level;
	log_state.syslog = use_syslog;
	if (use_syslog)
		openlog("fwproxy", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (path != NULL) {
		int fd = open_file(path);
		if (fd == -1)
			return -1;
		log_state.fd = fd;
		log_state.path = xstrdup(path);
	}
	return 0;
}

void log_set_level(enum log_level level)
{
	log_state.level = level;
}

int log_reopen(void)
{
	int fd;

	if (log_state.path == NULL)
		return 0;
	fd = open_file(log_state.path);
	if (fd == -1)
		return -1;
	dup2(fd, log_state.fd);
	close(fd);
	return 0;
}

int log_enabled(enum log_level level)
{
	return level <= log_state.level;
}

int log_fd(void)
{
	return log_state.fd;
}

static int error_fd = -1;

void log_set_error_fd(int fd)
{
	error_fd = fd;
}

static void copy_error(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

static void copy_error(const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);

	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(error_fd, line, (size_t)n) < 0) {
		/* The waiting process is gone. */
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[4096];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int n, m;

	if (error_fd != -1 && level <= LOG_LEVEL_ERROR) {
		va_start(ap, fmt);
		copy_error(fmt, ap);
		va_end(ap);
	}
	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	if (log_state.json) {
		struct buf members = {0};
		m = vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		json_string(&members, "message", line);
		log_json(level, buf_cstr(&members));
		buf_free(&members);
		return;
	}
	if (log_state.syslog) {
		va_list copy;
		va_copy(copy, ap);
		vsyslog(syslog_priorities[level], fmt, copy);
		va_end(copy);
		if (log_state.fd == -1) {
			va_end(ap);
			return;
		}
	}
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "%-8s ", level_names[level]);
	n += (int)strftime(line + n, sizeof(line) - (size_t)n, "%b %d %H:%M:%S",
	                   &tm);
	n +=
	    snprintf(line + n, sizeof(line) - (size_t)n,
	             ".%03d [%ld]: ", (int)(tv.tv_usec / 1000), (long)getpid());
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	write_line(line, (size_t)n);
}

static void write_line(const char *line, size_t n)
{
	if (write(log_state.fd != -1 ? log_state.fd : STDERR_FILENO, line, n) <
	    0) {
		/* Nowhere left to report a failing log. */
	}
}

void log_close(void)
{
	if (log_state.fd != -1)
		close(log_state.fd);
	if (log_state.syslog)
		closelog();
	free(log_state.path);
	log_state.path = NULL;
	log_state.fd = -1;
	log_state.syslog = 0;
}

void log_set_json(int on)
{
	log_state.json = on;
}

int log_is_json(void)
{
	return log_state.json;
}

void log_json(enum log_level level, const char *members)
{
	struct buf b = {0};
	struct timeval tv;
	struct tm tm;
	char when[64];

	if (!log_enabled(level))
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(&b,
	           "{\"time\":\"%s.%03dZ\",\"level\":\"%s\",\"pid\":%ld,%s}\n",
	           when, (int)(tv.tv_usec / 1000), level_names[level],
	           (long)getpid(), members);
	if (log_state.syslog)
		syslog(syslog_priorities[level], "%.*s", (int)b.len - 1,
		       buf_cstr(&b));
	if (!log_state.syslog || log_state.fd != -1)
		write_line(buf_head(&b), b.len);
	buf_free(&b);
}
