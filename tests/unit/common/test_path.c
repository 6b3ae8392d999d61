#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "path.h"
#include "tap.h"

static char result[PATH_MAX + 64];

static const char *beside(const char *file, const char *path)
{
	char *out = path_beside(file, path);

	snprintf(result, sizeof(result), "%s", out);
	free(out);
	return result;
}

static void test_beside(void)
{
	is_str(beside("/etc/fwproxy/work.conf", "work.rules"),
	       "/etc/fwproxy/work.rules", "beside an absolute config");
	is_str(beside("examples/quickstart.conf", "allow-list"),
	       "examples/allow-list", "beside a relative config");
	is_str(beside("../a/b.conf", "pages/403.html"), "../a/pages/403.html",
	       "subfolders and '..' are kept as written");
	is_str(beside("/x.conf", "r"), "/r", "a config in the root");
	is_str(beside("/etc//fw/x.conf", "r"), "/etc//fw/r",
	       "doubled slashes are kept");
	is_str(beside("/etc/fwproxy/work.conf", "/srv/rules"), "/srv/rules",
	       "an absolute path is kept");
	is_str(beside("quickstart.conf", "allow-list"), "allow-list",
	       "a config without folder: the current one");
	is_str(beside("(built-in template)", "rules"), "rules",
	       "a name that is no file");
	is_str(beside("/etc/fwproxy/", "r"), "/etc/fwproxy/r",
	       "a name ending in '/'");
	is_str(beside("/etc/x.conf", "./r"), "/etc/./r", "'./' is kept");
}

static void test_absolute(void)
{
	char cwd[PATH_MAX], want[PATH_MAX + 32], *out;

	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		ok(0, "getcwd");
		return;
	}
	snprintf(want, sizeof(want), "%s/examples/quickstart.conf", cwd);
	out = path_absolute("examples/quickstart.conf");
	is_str(out, want, "relative: under the current directory");
	free(out);
	out = path_absolute("/etc/fwproxy/work.conf");
	is_str(out, "/etc/fwproxy/work.conf", "absolute: unchanged");
	free(out);
	if (chdir("/") != 0) {
		ok(0, "chdir /");
		return;
	}
	out = path_absolute("etc/x.conf");
	is_str(out, "/etc/x.conf", "in the root: one slash");
	free(out);
	if (chdir(cwd) != 0)
		ok(0, "chdir back");
}

int main(void)
{
	test_beside();
	test_absolute();
	return done();
}
