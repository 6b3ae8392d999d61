/* Every directive that names a file resolves a relative path against the
 * folder of the configuration file (path.h); other values are kept. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tap.h"

static const char PATHS[] = "Filter \"work.rules\"\n"
                            "FilterSource \"lists/work\"\n"
                            "LogFile log/work.log\n"
                            "PidFile \"../run/work.pid\"\n"
                            "DefaultErrorFile \"pages/default.html\"\n"
                            "ErrorFile 403 \"pages/403.html\"\n"
                            "ErrorFile 404 \"/srv/404.html\"\n"
                            "StatFile \"pages/stats.html\"\n"
                            "StatHost \"stats.example\"\n"
                            "User nobody\n"
                            "ViaProxyName \"gw\"\n"
                            "ConnectPort 443\n";

static struct config *load(const char *name, const char *text)
{
	return config_load_buffer(name, text, strlen(text), NULL, NULL);
}

static void test_beside_the_config(void)
{
	struct config *cfg = load("/etc/fwproxy/work.conf", PATHS);

	if (!ok(cfg != NULL, "the paths load"))
		return;
	is_str(cfg->filter, "/etc/fwproxy/work.rules", "Filter");
	is_str(cfg->filter_source, "/etc/fwproxy/lists/work", "FilterSource");
	is_str(cfg->log_file, "/etc/fwproxy/log/work.log", "LogFile, bare");
	is_str(cfg->pid_file, "/etc/fwproxy/../run/work.pid",
	       "PidFile, '..' kept");
	is_str(cfg->default_error_file, "/etc/fwproxy/pages/default.html",
	       "DefaultErrorFile");
	is_str(config_error_file(cfg, 403), "/etc/fwproxy/pages/403.html",
	       "ErrorFile");
	is_str(config_error_file(cfg, 404), "/srv/404.html",
	       "ErrorFile, absolute: kept");
	is_str(cfg->stat_file, "/etc/fwproxy/pages/stats.html", "StatFile");
	is_str(cfg->stat_host, "stats.example", "StatHost is no path");
	is_str(cfg->user, "nobody", "User is no path");
	is_str(cfg->via_proxy_name, "gw", "ViaProxyName is no path");
	config_free(cfg);
}

static void test_relative_config(void)
{
	struct config *cfg = load("examples/quickstart.conf", PATHS);

	if (!ok(cfg != NULL, "a relative config loads"))
		return;
	is_str(cfg->filter, "examples/work.rules",
	       "relative config: relative to the current directory through "
	       "its folder");
	config_free(cfg);
}

static void test_no_folder(void)
{
	struct config *cfg = load("fwproxy.conf", PATHS);

	if (!ok(cfg != NULL, "a config in the current folder loads"))
		return;
	is_str(cfg->filter, "work.rules", "no folder: kept as written");
	is_str(cfg->log_file, "log/work.log", "no folder: LogFile kept");
	config_free(cfg);
}

static void test_rendered_elsewhere(void)
{
	struct config *cfg = config_load_buffer_as(
	    "/rw/config/fwproxy/config", "/run/fwproxy/work/config", PATHS,
	    strlen(PATHS), NULL, NULL);

	if (!ok(cfg != NULL, "a rendered config loads"))
		return;
	is_str(cfg->path, "/rw/config/fwproxy/config",
	       "rendered: named as its template");
	is_str(cfg->filter, "/run/fwproxy/work/work.rules",
	       "rendered: paths from where it will be read");
	config_free(cfg);
}

static void test_file(void)
{
	struct config *cfg =
	    config_load("tests/unit/data/config/relative.conf", NULL, NULL);

	if (!ok(cfg != NULL, "config_load of a file with relative paths"))
		return;
	is_str(cfg->filter, "tests/unit/data/config/relative.rules",
	       "config_load: beside the file");
	config_free(cfg);
}

int main(void)
{
	test_beside_the_config();
	test_relative_config();
	test_no_folder();
	test_rendered_elsewhere();
	test_file();
	return done();
}
