#include "qubes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qubesdb.h"
#include "util.h"

#define HOOK_NAME   "network-hooks.d/90-fwproxy"
#define SCRIPT_NAME "qubes-firewall-user-script"
#define MARK        "# fwproxy: start a proxy for every running VM"
#define TEXT_MAX    (1 << 20)

char *ctl_qubes_hook_text(const char *ctl_path, const char *ctl_args)
{
	static const char fmt[] =
	    "#!/bin/sh\n"
	    "# Installed by fwproxyctl install-qubes. vif-route-qubes calls\n"
	    "# HOOK online|offline vifN.M TYPE IP for each address of a VM\n"
	    "# that comes or goes; fwproxyctl logs the outcome to syslog and\n"
	    "# to hook.log in its run directory.\n"
	    "case \"$1\" in\n"
	    "online|offline)\n"
	    "\texec '%s' %s hook \"$@\" >/dev/null 2>&1\n"
	    "\t;;\n"
	    "esac\n";
	size_t n = sizeof(fmt) + strlen(ctl_path) + strlen(ctl_args);
	char *s = xmalloc(n);
	snprintf(s, n, fmt, ctl_path, ctl_args);
	return s;
}

enum ctl_qube_kind ctl_qubes_kind(const char *persistence, const char *type)
{
	if (persistence != NULL && strcmp(persistence, "none") == 0)
		return CTL_QUBE_DISPOSABLE;
	if (type != NULL && strcmp(type, "TemplateVM") == 0)
		return CTL_QUBE_TEMPLATE;
	return CTL_QUBE_OTHER;
}

int ctl_qubes_install_refusal(enum ctl_qube_kind kind, const char *name,
                              char *out, size_t len)
{
	const char *vm = name != NULL && *name ? name : "this qube";

	switch (kind) {
	case CTL_QUBE_DISPOSABLE:
		snprintf(out, len,
		         "%s is disposable: its /rw is reset from its "
		         "disposable template at every start, so the hook "
		         "would be gone after the next restart. Install into "
		         "the disposable template instead (in dom0: qvm-prefs "
		         "%s template), best a dedicated one; see "
		         "docs/install.md, \"A disposable sys-firewall\"",
		         vm, name != NULL && *name ? name : "QUBE");
		return -1;
	case CTL_QUBE_TEMPLATE:
		snprintf(
		    out, len,
		    "%s is a TemplateVM: the qubes based on it get their "
		    "own /rw, never its /rw/config. Install in sys-firewall "
		    "itself or, when sys-firewall is disposable, in its "
		    "disposable template; see docs/install.md",
		    vm);
		return -1;
	case CTL_QUBE_OTHER:
		break;
	}
	return 0;
}

/* Refuses a qube whose /rw/config does not last (QubesDB tells). */
static int check_qube(void)
{
	char *persistence = ctl_qubesdb_read("/qubes-vm-persistence");
	char *type = ctl_qubesdb_read("/qubes-vm-type");
	char *name = ctl_qubesdb_read("/name");
	char why[512];
	int rc = ctl_qubes_install_refusal(ctl_qubes_kind(persistence, type),
	                                   name, why, sizeof(why));

	if (rc != 0)
		fprintf(stderr, "fwproxyctl: install-qubes: %s\n", why);
	free(persistence);
	free(type);
	free(name);
	return rc;
}

static char *read_text(const char *path)
{
	char *buf = xmalloc(TEXT_MAX);
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (len < TEXT_MAX - 1 &&
	       (n = read(fd, buf + len, (size_t)(TEXT_MAX - 1 - len))) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return buf;
}

static int write_text(const char *path, const char *text, mode_t mode)
{
	size_t n = strlen(path) + 8;
	char *tmp = xmalloc(n);
	int fd, rc = -1;

	snprintf(tmp, n, "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd >= 0) {
		size_t len = strlen(text);
		if (write(fd, text, len) == (ssize_t)len &&
		    fchmod(fd, mode) == 0 && close(fd) == 0)
			rc = rename(tmp, path);
		else
			close(fd);
	}
	if (rc != 0) {
		fprintf(stderr, "fwproxyctl: %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s", a, b);
	return p;
}

int ctl_qubes_install(const char *rw_config, const char *ctl_path,
                      const char *ctl_args, int dry_run)
{
	char *hook = join(rw_config, HOOK_NAME);
	char *hookdir = join(rw_config, "network-hooks.d");
	char *script = join(rw_config, SCRIPT_NAME);
	char *want = ctl_qubes_hook_text(ctl_path, ctl_args);
	char *have = read_text(hook), *old = read_text(script);
	char *line = NULL, *text = NULL;
	size_t n;
	int rc = -1;

	if (check_qube() != 0)
		goto done;
	if (have == NULL || strcmp(have, want) != 0) {
		printf("%s %s\n", dry_run ? "would write" : "writing", hook);
		if (!dry_run &&
		    ((mkdir(hookdir, 0755) != 0 && errno != EEXIST) ||
		     write_text(hook, want, 0755) != 0))
			goto done;
	} else {
		printf("%s: up to date\n", hook);
	}
	n = strlen(MARK) + strlen(ctl_path) + strlen(ctl_args) + 32;
	line = xmalloc(n);
	snprintf(line, n, "%s\n'%s' %s update\n", MARK, ctl_path, ctl_args);
	if (old != NULL && strstr(old, line) != NULL) {
		printf("%s: up to date\n", script);
		rc = 0;
		goto done;
	}
	printf("%s %s\n",
	       dry_run ? "would add the update call to"
	               : "adding the update call to",
	       script);
	if (dry_run) {
		rc = 0;
		goto done;
	}
	n = (old ? strlen(old) : 0) + strlen(line) + 16;
	text = xmalloc(n);
	snprintf(text, n, "%s%s%s", old ? old : "#!/bin/sh\n",
	         old && *old && old[strlen(old) - 1] != '\n' ? "\n" : "", line);
	rc = write_text(script, text, 0755);
done:
	free(hook);
	free(hookdir);
	free(script);
	free(want);
	free(have);
	free(old);
	free(line);
	free(text);
	return rc;
}
