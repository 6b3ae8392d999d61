/* The per-VM config template, in Python str.format style: {port} {vm_ip}
 * {bind_ip} {log_file} {pid_file} {rules_file} {name} {iface} {run_dir},
 * and {{ }} for literal braces. Comments are left alone, as tinyproxy
 * leaves them. */
#ifndef FWPROXY_CTL_TEMPLATE_H
#define FWPROXY_CTL_TEMPLATE_H

#include <stddef.h>

struct ctl_template_vars {
	const char *port;
	const char *vm_ip;
	const char *bind_ip;
	const char *log_file;
	const char *pid_file;
	const char *rules_file;
	const char *name;
	const char *iface;
	const char *run_dir;
};

/* Renders tmpl: placeholders are filled in everywhere but in comments
 * (from a '#' outside a quoted string to the end of the line, as the
 * config parser reads them), which are copied unchanged. Returns the text
 * (the caller frees it) or NULL with a message in err, e.g. "line 3:
 * unknown placeholder {foo}". */
char *ctl_template_render(const char *tmpl, const struct ctl_template_vars *v,
                          char *err, size_t errlen);

/* The built-in template used when the rules directory has no "config":
 * default deny, CONNECT to port 443 only, refusals logged. user may be
 * NULL (no User/Group lines); group is used only with user. The caller
 * frees the result. */
char *ctl_template_builtin(const char *user, const char *group);

/* The value of the first "keyword value" line of a tinyproxy-syntax config
 * (keyword compared without case, value unquoted), in out; returns 0, or -1
 * when there is none or it does not fit. */
int ctl_template_directive(const char *config, const char *keyword, char *out,
                           size_t outlen);

/* Logs live in /run, a small tmpfs shared by every VM: unless config sets
 * LogMaxSize, a line capping the log at CTL_LOG_MAX_KIB (rotated to
 * log.1) is appended. Takes ownership of config; returns the result. */
#define CTL_LOG_MAX_KIB 1024
char *ctl_template_cap_log(char *config);

#endif
