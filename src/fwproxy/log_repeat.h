/* Repeated identical log lines of one client, counted instead of written:
 * a client that asks for a refused host in a loop must not fill the disk.
 * Pure: no I/O, no clock; the caller passes the time and writes. */
#ifndef FWPROXY_LOG_REPEAT_H
#define FWPROXY_LOG_REPEAT_H

#include <stdint.h>

#define LOG_REPEAT_CLIENTS   32   /* clients followed; the oldest leaves */
#define LOG_REPEAT_LINE_MAX  1024 /* longer lines compare by their start */
#define LOG_REPEAT_WINDOW_MS 10000

struct log_repeat_entry {
	char client[46];
	char line[LOG_REPEAT_LINE_MAX];
	unsigned long repeats; /* identical lines not written */
	int64_t window_end_ms; /* repeats are reported by then */
	int64_t last_ms;       /* for choosing which client leaves */
};

struct log_repeat {
	struct log_repeat_entry e[LOG_REPEAT_CLIENTS];
};

/* Reports line with its number of repeats, to be written as
 * "LINE repeated N times". */
typedef void log_repeat_report_fn(void *ctx, const char *line,
                                  unsigned long repeats);

/* Decides about line from client at now_ms: returns 1 when it is to be
 * written, 0 when it repeats the client's last line within
 * LOG_REPEAT_WINDOW_MS of when that was written (it is counted). Counts
 * that a different line, or a client leaving the table, ends are reported
 * through report first. */
int log_repeat_check(struct log_repeat *r, const char *client, const char *line,
                     int64_t now_ms, log_repeat_report_fn *report, void *ctx);

/* Reports the counts of windows that ended by now_ms (all of them with
 * now_ms INT64_MAX); the next identical line is written again. */
void log_repeat_expire(struct log_repeat *r, int64_t now_ms,
                       log_repeat_report_fn *report, void *ctx);

#endif
