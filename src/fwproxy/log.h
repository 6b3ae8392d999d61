/* The log: a file, syslog, or standard error, filtered by LogLevel. */
#ifndef FWPROXY_LOG_H
#define FWPROXY_LOG_H

#include <sys/types.h>

#include "config.h"

/* A text line longer than this is cut (its newline kept). */
#define LOG_LINE_MAX 4096

/* Starts logging to path (NULL: no file), to syslog when use_syslog, and
 * otherwise to standard error. Returns 0, or -1 with errno when the file
 * cannot be opened. */
int log_open(const char *path, int use_syslog, enum log_level level);

void log_set_level(enum log_level level);

/* Reopens the log file by name (after rotation). 0 / -1 with errno. */
int log_reopen(void);

/* 1 when a message at level would be written. */
int log_enabled(enum log_level level);

/* The file descriptor of the log file, -1 when none. */
int log_fd(void);

/* While fd is not -1, every message at LOG_LEVEL_ERROR or above also goes
 * to fd as one plain "message\n" line, whatever LogLevel says: the
 * background start passes them to the process that waits for it. */
void log_set_error_fd(int fd);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void log_close(void);

/* LogFormat json: every line becomes one JSON object with "time",
 * "level", "pid" and "message" (or the members given to log_json). */
void log_set_json(int on);
int log_is_json(void);

/* Writes one object with time, level and pid followed by members, which
 * is JSON object members without braces (see json.h). */
void log_json(enum log_level level, const char *members);

#endif
