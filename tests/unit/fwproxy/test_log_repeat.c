/* Repeated refusal lines per client. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log_repeat.h"
#include "tap.h"

static char reported[4][LOG_REPEAT_LINE_MAX + 32];
static int n_reported;

static void report(void *ctx, const char *line, unsigned long n)
{
	(void)ctx;
	if (n_reported < 4)
		snprintf(reported[n_reported], sizeof(reported[0]), "%s x%lu",
		         line, n);
	n_reported++;
}

static struct log_repeat r;

static void test_repeats(void)
{
	int i, written = 0;

	n_reported = 0;
	memset(&r, 0, sizeof(r));
	for (i = 0; i < 100; i++)
		written += log_repeat_check(&r, "10.0.0.1", "refused a",
		                            1000 + i, report, NULL);
	is_int(written, 1, "100 identical lines: the first is written");
	is_int(n_reported, 0, "the count waits for the window to end");
	ok(log_repeat_check(&r, "10.0.0.2", "refused a", 1200, report, NULL),
	   "another client's identical line is its own");
	log_repeat_expire(&r, 1000 + LOG_REPEAT_WINDOW_MS - 1, report, NULL);
	is_int(n_reported, 0, "one ms before the window ends: nothing yet");
	log_repeat_expire(&r, 1000 + LOG_REPEAT_WINDOW_MS, report, NULL);
	is_int(n_reported, 1, "at its end the count is reported once");
	is_str(reported[0], "refused a x99", "with the line and 99 repeats");
	ok(log_repeat_check(&r, "10.0.0.1", "refused a",
	                    1000 + LOG_REPEAT_WINDOW_MS, report, NULL),
	   "after the window the line is written again");
	log_repeat_expire(&r, INT64_MAX, report, NULL);
	is_int(n_reported, 1, "a window without repeats reports nothing");
}

static void test_different_line_flushes(void)
{
	n_reported = 0;
	memset(&r, 0, sizeof(r));
	log_repeat_check(&r, "c", "one", 0, report, NULL);
	log_repeat_check(&r, "c", "one", 1, report, NULL);
	log_repeat_check(&r, "c", "one", 2, report, NULL);
	ok(log_repeat_check(&r, "c", "two", 3, report, NULL),
	   "a different line is written");
	is_int(n_reported, 1, "after the count of the one before");
	is_str(reported[0], "one x2", "which repeated twice");
	ok(!log_repeat_check(&r, "c", "two", 4, report, NULL),
	   "and the new one is now the one counted");
}

static void test_table_full(void)
{
	char client[32];
	int i;

	n_reported = 0;
	memset(&r, 0, sizeof(r));
	log_repeat_check(&r, "first", "x", 0, report, NULL);
	log_repeat_check(&r, "first", "x", 1, report, NULL);
	for (i = 0; i < LOG_REPEAT_CLIENTS; i++) {
		snprintf(client, sizeof(client), "c%d", i);
		log_repeat_check(&r, client, "x", 10 + i, report, NULL);
	}
	is_int(n_reported, 1, "the oldest client leaves with its count");
	is_str(reported[0], "x x1", "reported before it is forgotten");
	ok(log_repeat_check(&r, "first", "x", 100, report, NULL),
	   "a forgotten client's line is written again");
}

static void test_long_lines(void)
{
	static char a[LOG_REPEAT_LINE_MAX * 2], b[LOG_REPEAT_LINE_MAX * 2];

	memset(&r, 0, sizeof(r));
	memset(a, 'a', sizeof(a) - 1);
	memcpy(b, a, sizeof(b));
	b[sizeof(b) - 2] = 'b';
	log_repeat_check(&r, "c", a, 0, report, NULL);
	ok(!log_repeat_check(&r, "c", b, 1, report, NULL),
	   "lines past LOG_REPEAT_LINE_MAX compare by their start");
}

int main(void)
{
	test_repeats();
	test_different_line_flushes();
	test_table_full();
	test_long_lines();
	return done();
}
