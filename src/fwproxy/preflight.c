/* Start-up's needs checked up front: users, groups, folders. */
#include "preflight.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

static int problem(config_report_fn *report, void *ctx, const char *file,
                   const char *directive, const char *value, const char *why)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s \"%s\": %s", directive, value, why);
	report(ctx, file, 0, 1, msg);
	return 1;
}

/* The folder a file will be created in must exist and take new files. */
static int check_folder(const struct config *cfg, config_report_fn *report,
                        void *ctx, const char *directive, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, why[300];
	struct stat st;
	int bad = 0;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	if (stat(dir, &st) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			snprintf(why, sizeof(why),
			         "its folder %s does not exist", dir);
		else
			snprintf(why, sizeof(why), "its folder %s: %s", dir,
			         strerror(errno));
		bad = problem(report, ctx, cfg->path, directive, path, why);
	} else if (!S_ISDIR(st.st_mode)) {
		snprintf(why, sizeof(why), "%s is not a folder", dir);
		bad = problem(report, ctx, cfg->path, directive, path, why);
	} else if (access(dir, W_OK | X_OK) == -1) {
		snprintf(why, sizeof(why), "its folder %s: %s", dir,
		         strerror(errno));
		bad = problem(report, ctx, cfg->path, directive, path, why);
	}
	free(dir);
	return bad;
}

static int check_log_file(const struct config *cfg, config_report_fn *report,
                          void *ctx)
{
	const char *path = cfg->log_file;
	struct stat st;

	if (stat(path, &st) == -1)
		return check_folder(cfg, report, ctx, "LogFile", path);
	if (S_ISDIR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		return problem(report, ctx, cfg->path, "LogFile", path,
		               "not a regular file");
	if (access(path, W_OK) == -1)
		return problem(report, ctx, cfg->path, "LogFile", path,
		               strerror(errno));
	return 0;
}

/* "no such user" out of sandbox_lookup's 'user "NAME": no such user'. */
static const char *reason(const char *err)
{
	const char *p = strstr(err, "\": ");

	return p != NULL ? p + 3 : err;
}

int preflight_check(const struct config *cfg, config_report_fn *report,
                    void *ctx)
{
	char err[300];
	uid_t uid;
	gid_t gid;
	int n = 0;

	if (cfg->user != NULL &&
	    sandbox_lookup(cfg->user, NULL, &uid, &gid, err, sizeof(err)) == -1)
		n += problem(report, ctx, cfg->path, "User", cfg->user,
		             reason(err));
	if (cfg->group != NULL && sandbox_lookup(NULL, cfg->group, &uid, &gid,
	                                         err, sizeof(err)) == -1)
		n += problem(report, ctx, cfg->path, "Group", cfg->group,
		             reason(err));
	if (cfg->pid_file != NULL)
		n += check_folder(cfg, report, ctx, "PidFile", cfg->pid_file);
	if (cfg->log_file != NULL)
		n += check_log_file(cfg, report, ctx);
	return n;
}
