/* Repeated identical log lines per client: counted, reported once. */
#include "log_repeat.h"

#include <string.h>

#include "util.h"

static void end_window(struct log_repeat_entry *e, log_repeat_report_fn *report,
                       void *ctx)
{
	if (e->repeats > 0)
		report(ctx, e->line, e->repeats);
	e->repeats = 0;
	e->line[0] = '\0';
}

static struct log_repeat_entry *entry_for(struct log_repeat *r,
                                          const char *client,
                                          log_repeat_report_fn *report,
                                          void *ctx)
{
	struct log_repeat_entry *oldest = &r->e[0];
	size_t i;

	for (i = 0; i < LOG_REPEAT_CLIENTS; i++) {
		struct log_repeat_entry *e = &r->e[i];
		if (e->client[0] != '\0' && strcmp(e->client, client) == 0)
			return e;
		if (e->client[0] == '\0' ||
		    (oldest->client[0] != '\0' && e->last_ms < oldest->last_ms))
			oldest = e;
	}
	end_window(oldest, report, ctx);
	memset(oldest, 0, sizeof(*oldest));
	str_copy(oldest->client, client, sizeof(oldest->client));
	return oldest;
}

int log_repeat_check(struct log_repeat *r, const char *client, const char *line,
                     int64_t now_ms, log_repeat_report_fn *report, void *ctx)
{
	struct log_repeat_entry *e = entry_for(r, client, report, ctx);

	e->last_ms = now_ms;
	if (e->line[0] != '\0' && now_ms < e->window_end_ms &&
	    strncmp(e->line, line, sizeof(e->line) - 1) == 0) {
		e->repeats++;
		return 0;
	}
	end_window(e, report, ctx);
	str_copy(e->line, line, sizeof(e->line));
	e->window_end_ms = now_ms + LOG_REPEAT_WINDOW_MS;
	return 1;
}

void log_repeat_expire(struct log_repeat *r, int64_t now_ms,
                       log_repeat_report_fn *report, void *ctx)
{
	size_t i;

	for (i = 0; i < LOG_REPEAT_CLIENTS; i++)
		if (r->e[i].line[0] != '\0' && now_ms >= r->e[i].window_end_ms)
			end_window(&r->e[i], report, ctx);
}
