/* preflight_check: each need of start-up that is missing is one error
 * naming the directive and its value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "preflight.h"
#include "tap.h"

static char dir[] = "/tmp/fwproxy-test-preflight.XXXXXX";
static char first[512];
static int count;

static void record(void *ctx, const char *file, int line, int is_error,
                   const char *msg)
{
	(void)ctx;
	if (count++ == 0)
		snprintf(first, sizeof(first), "%s:%d: %s %s", file, line,
		         is_error ? "E" : "W", msg);
}

/* The problems of a config made of text, with DIR standing for dir. */
static int problems(const char *text)
{
	char buf[2048], *at;
	struct config *cfg;
	int n;

	snprintf(buf, sizeof(buf), "%s\nConnectPort 443\n", text);
	while ((at = strstr(buf, "DIR")) != NULL) {
		char rest[2048];

		snprintf(rest, sizeof(rest), "%s", at + 3);
		snprintf(at, sizeof(buf) - (size_t)(at - buf), "%s%s", dir,
		         rest);
	}
	cfg = config_load_buffer("t.conf", buf, strlen(buf), NULL, NULL);
	if (cfg == NULL)
		return -1;
	count = 0;
	first[0] = '\0';
	n = preflight_check(cfg, record, NULL);
	config_free(cfg);
	return n;
}

/* "t.conf:0: E DIRECTIVE \"DIR/VALUE\": " followed by why about DIR/WHAT. */
static const char *expect(const char *directive, const char *value,
                          const char *what, const char *why)
{
	static char want[512];

	snprintf(want, sizeof(want), "t.conf:0: E %s \"%s/%s\": %s%s/%s%s",
	         directive, dir, value,
	         strcmp(why, " does not exist") == 0 ? "its folder " : "", dir,
	         what, why);
	return want;
}

int main(void)
{
	char path[256];
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 1;
	is_int(problems("User root\nGroup root\nPidFile DIR/p.pid\n"
	                "LogFile DIR/log"),
	       0, "all there: no problem");
	is_int(problems("User nosuchuser"), 1, "an unknown user");
	is_str(first, "t.conf:0: E User \"nosuchuser\": no such user",
	       "named with the directive");
	is_int(problems("Group nosuchgroup"), 1, "an unknown group");
	is_str(first, "t.conf:0: E Group \"nosuchgroup\": no such group",
	       "named with the directive");
	is_int(problems("PidFile DIR/missing/p.pid"), 1, "a missing folder");
	is_str(first,
	       expect("PidFile", "missing/p.pid", "missing", " does not exist"),
	       "says which folder");
	snprintf(path, sizeof(path), "%s/file", dir);
	f = fopen(path, "w");
	fclose(f);
	is_int(problems("LogFile DIR/file/log"), 1, "a file as folder");
	is_str(first, expect("LogFile", "file/log", "file", " is not a folder"),
	       "says so");
	is_int(problems("LogFile DIR"), 1, "a folder as LogFile");
	is_int(problems("LogFile DIR/file"), 0, "an existing log file");
	unlink(path);
	rmdir(dir);
	return done();
}
