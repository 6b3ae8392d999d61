/* A tiny TAP producer for unit tests: ok(), is_int(), is_str(), done(). */
#ifndef FWPROXY_TAP_H
#define FWPROXY_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                 \
	tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__,    \
	           __VA_ARGS__)
#define is_str(got, want, ...)                                                 \
	tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), unused));
static int tap_is_int(long long got, long long want, const char *file, int line,
                      const char *fmt, ...)
    __attribute__((format(printf, 5, 6), unused));
static int tap_is_str(const char *got, const char *want, const char *file,
                      int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6), unused));

#include <stdarg.h>

static void tap_vreport(int pass, const char *file, int line, const char *fmt,
                        va_list ap) __attribute__((format(printf, 4, 0)));

static void tap_vreport(int pass, const char *file, int line, const char *fmt,
                        va_list ap)
{
	tap_count++;
	if (!pass)
		tap_failed++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_count);
	vprintf(fmt, ap);
	printf("\n");
	if (!pass)
		printf("#   failed at %s:%d\n", file, line);
}

static int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_vreport(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

static int tap_is_int(long long got, long long want, const char *file, int line,
                      const char *fmt, ...)
{
	va_list ap;
	int pass = got == want;
	va_start(ap, fmt);
	tap_vreport(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   got %lld, want %lld\n", got, want);
	return pass;
}

static int tap_is_str(const char *got, const char *want, const char *file,
                      int line, const char *fmt, ...)
{
	va_list ap;
	int pass = (got == NULL && want == NULL) ||
	           (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_start(ap, fmt);
	tap_vreport(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   got \"%s\", want \"%s\"\n", got ? got : "(null)",
		       want ? want : "(null)");
	return pass;
}

/* Prints the plan and returns the process exit status. */
static int done(void) __attribute__((unused));
static int done(void)
{
	printf("1..%d\n", tap_count);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_count);
	return tap_failed ? 1 : 0;
}

#endif
