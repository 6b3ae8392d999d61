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

/* Reopens the log file by name (after rotation), creating it when it is
 * gone. 0 / -1 with errno; the old file stays in use on failure. */
int log_reopen(void);

/* Writes from now on to fd, an open file to append to (the log file
 * opened anew by another process); takes ownership of fd. */
void log_replace_fd(int fd);

/* The LogFile path, NULL when none. */
const char *log_path(void);

/* Called when the file passed the size cap; it arranges for
 * log_replace_fd() to be called with a new file. */
typedef void log_rotate_fn(void);

/* Caps the file at about bytes (0: no cap): past it, the file is renamed
 * FILE.1 (replacing the one before) and a new FILE started, by rotate or,
 * when NULL, by this process. */
void log_set_max_size(off_t bytes, log_rotate_fn *rotate);

/* Renames path to path.1. 0 / -1 with errno. */
int log_rotate_file(const char *path);

/* Lines lost since the last one written (a full disk); the next line that
 * can be written is preceded by one that says how many were lost. A line
 * is written whole or not at all. */
unsigned long log_dropped(void);

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
