/* The log: formatting, the file (reopened, rotated by size, never left
 * with half a line), syslog and standard error. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	unsigned long dropped; /* lines lost since the last that was written */
	int drop_errno;        /* why the first of them was lost */
	off_t size;            /* of the file, as this process knows it */
	off_t max_size;        /* rotate past this; 0: never */
	log_rotate_fn *rotate; /* asks another process; NULL: rotate here */
	int rotating;          /* asked, and no new file yet */
} log_state = {NULL, -1, 0, LOG_LEVEL_INFO, 0, 0, 0, 0, 0, NULL, 0};

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

/* The size of a regular file; -1 for anything else (no rotation). */
static off_t file_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	return st.st_size;
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
		log_state.size = file_size(fd);
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
	log_replace_fd(fd);
	return 0;
}

void log_replace_fd(int fd)
{
	if (log_state.fd == -1) {
		close(fd);
		return;
	}
	/* The number stays: nothing else holds it, and a line written
	 * meanwhile goes to one file or the other, whole. */
	dup2(fd, log_state.fd);
	close(fd);
	log_state.size = file_size(log_state.fd);
	log_state.rotating = 0;
}

const char *log_path(void)
{
	return log_state.path;
}

void log_set_max_size(off_t bytes, log_rotate_fn *rotate)
{
	log_state.max_size = bytes;
	log_state.rotate = rotate;
}

int log_rotate_file(const char *path)
{
	size_t n = strlen(path) + 3;
	char *old = xmalloc(n);
	int rc;

	snprintf(old, n, "%s.1", path);
	rc = rename(path, old);
	free(old);
	return rc;
}

/* Past LogMaxSize: the file becomes FILE.1 (replacing the one before)
 * and a new one starts, here or in the process that can. */
static void rotate(void)
{
	log_state.rotating = 1;
	if (log_state.rotate != NULL) {
		log_state.rotate();
		return;
	}
	if (log_rotate_file(log_state.path) == 0 && log_reopen() == 0)
		return;
	log_msg(LOG_LEVEL_ERROR, "Cannot rotate the log %s: %s", log_state.path,
	        strerror(errno));
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

/* One text line: "LEVEL    Mon DD HH:MM:SS.mmm [PID]: message\n", cut to
 * fit size. Returns its length. */
static size_t text_line(char *line, size_t size, enum log_level level,
                        const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static size_t text_line(char *line, size_t size, enum log_level level,
                        const char *fmt, va_list ap)
{
	struct timeval tv;
	struct tm tm;
	int n, m;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = snprintf(line, size, "%-8s ", level_names[level]);
	n += (int)strftime(line + n, size - (size_t)n, "%b %d %H:%M:%S", &tm);
	n +=
	    snprintf(line + n, size - (size_t)n,
	             ".%03d [%ld]: ", (int)(tv.tv_usec / 1000), (long)getpid());
	m = vsnprintf(line + n, size - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)size - 2)
		n = (int)size - 2;
	line[n++] = '\n';
	return (size_t)n;
}

static void json_line(struct buf *b, enum log_level level, const char *members)
{
	struct timeval tv;
	struct tm tm;
	char when[64];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b,
	           "{\"time\":\"%s.%03dZ\",\"level\":\"%s\",\"pid\":%ld,%s}\n",
	           when, (int)(tv.tv_usec / 1000), level_names[level],
	           (long)getpid(), members);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

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
		vsnprintf(line, sizeof(line), fmt, ap);
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
	write_line(line, text_line(line, sizeof(line), level, fmt, ap));
	va_end(ap);
}

/* Writes all of p or nothing: what a full disk took of a line is cut off
 * again, so the file never holds half a line. 0 / -1 with errno. */
static int write_whole(int fd, const char *p, size_t n)
{
	ssize_t w = write(fd, p, n);
	off_t end;

	if (w == (ssize_t)n)
		return 0;
	if (w > 0) {
		end = lseek(fd, 0, SEEK_CUR);
		if (end >= w && ftruncate(fd, end - w) != 0) {
			/* Nothing more to do: the next line starts anew. */
		}
		errno = ENOSPC;
	}
	return -1;
}

/* Renders a line about the log itself, in the log's format, into line. */
static size_t render_note(char *line, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static size_t render_note(char *line, size_t size, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	if (log_state.json) {
		struct buf members = {0}, b = {0};
		vsnprintf(msg, sizeof(msg), fmt, ap);
		json_string(&members, "message", msg);
		json_line(&b, LOG_LEVEL_WARNING, buf_cstr(&members));
		n = str_copy(line, buf_cstr(&b), size);
		buf_free(&members);
		buf_free(&b);
	} else {
		n = text_line(line, size, LOG_LEVEL_WARNING, fmt, ap);
	}
	va_end(ap);
	return n < size ? n : size - 1;
}

static void write_line(const char *line, size_t n)
{
	int fd = log_state.fd != -1 ? log_state.fd : STDERR_FILENO;

	if (log_state.dropped > 0) {
		char note[512];
		size_t k = render_note(note, sizeof(note),
		                       "%lu log lines were lost: the log could "
		                       "not be written (%s)",
		                       log_state.dropped,
		                       strerror(log_state.drop_errno));
		if (write_whole(fd, note, k) != 0) {
			log_state.dropped++;
			return;
		}
		log_state.dropped = 0;
		if (log_state.size >= 0)
			log_state.size += (off_t)k;
	}
	if (write_whole(fd, line, n) != 0) {
		if (log_state.dropped++ == 0)
			log_state.drop_errno = errno;
		return;
	}
	if (log_state.size < 0 || log_state.fd == -1)
		return;
	log_state.size += (off_t)n;
	if (log_state.max_size > 0 && log_state.size >= log_state.max_size &&
	    !log_state.rotating)
		rotate();
}

unsigned long log_dropped(void)
{
	return log_state.dropped;
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

	if (!log_enabled(level))
		return;
	json_line(&b, level, members);
	if (log_state.syslog)
		syslog(syslog_priorities[level], "%.*s", (int)b.len - 1,
		       buf_cstr(&b));
	if (!log_state.syslog || log_state.fd != -1)
		write_line(buf_head(&b), b.len);
	buf_free(&b);
}
