#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "tap.h"

static const struct ctl_template_vars vars = {
    .port = "8100",
    .vm_ip = "10.137.0.13",
    .bind_ip = "10.137.0.1",
    .log_file = "/run/fwproxy/work/log",
    .pid_file = "/run/fwproxy/work/pid",
    .rules_file = "/run/fwproxy/work/rules",
    .name = "work",
    .iface = "vif12.0",
    .run_dir = "/run/fwproxy/work",
};

static char result[4096];

static const char *render(const char *tmpl)
{
	char err[256];
	char *out = ctl_template_render(tmpl, &vars, err, sizeof(err));
	if (out == NULL) {
		snprintf(result, sizeof(result), "ERROR %s", err);
	} else {
		snprintf(result, sizeof(result), "%s", out);
		free(out);
	}
	return result;
}

static void test_render(void)
{
	is_str(render("Port {port}\nListen {bind_ip}\n"),
	       "Port 8100\nListen 10.137.0.1\n", "port and bind_ip");
	is_str(render("Allow {vm_ip}\nLogFile \"{log_file}\"\n"),
	       "Allow 10.137.0.13\nLogFile \"/run/fwproxy/work/log\"\n",
	       "vm_ip and log_file");
	is_str(render("{pid_file} {rules_file}"),
	       "/run/fwproxy/work/pid /run/fwproxy/work/rules",
	       "pid_file and rules_file");
	is_str(render("{name}@{iface} in {run_dir}"),
	       "work@vif12.0 in /run/fwproxy/work", "name, iface, run_dir");
	is_str(render("a {{literal}} b"), "a {literal} b", "doubled braces");
	is_str(render("{{{port}}}"), "{8100}", "braces around a value");
	is_str(render(""), "", "empty template");
	is_str(render("no newline at end"), "no newline at end",
	       "text without placeholders");
	is_str(render("Port {port}\nAllow {bogus}\n"),
	       "ERROR line 2: unknown placeholder {bogus}",
	       "unknown placeholder named with its line");
	is_str(render("{}"), "ERROR line 1: unknown placeholder {}",
	       "empty placeholder");
	is_str(render("x {port\n"),
	       "ERROR line 1: unclosed '{' (write '{{' for a brace)",
	       "unclosed brace");
	is_str(render("x }\n"),
	       "ERROR line 1: single '}' (write '}}' for a brace)",
	       "single closing brace");
	is_str(render("{Port}"), "ERROR line 1: unknown placeholder {Port}",
	       "placeholders are case-sensitive");
}

/* Comments are the config parser's: a '#' outside quotes to the end of
 * the line. They are copied as they are, braces and all. */
static void test_comments(void)
{
	is_str(render("# {bogus} {{ } {\nPort {port}\n"),
	       "# {bogus} {{ } {\nPort 8100\n", "a comment line is left alone");
	is_str(render("  \t# {port}\n"), "  \t# {port}\n",
	       "an indented comment is left alone");
	is_str(render("Port {port} # was {port}, see {docs}\n"),
	       "Port 8100 # was {port}, see {docs}\n",
	       "a comment after a value is left alone");
	is_str(render("Port {port}#{x}\nListen {bind_ip}\n"),
	       "Port 8100#{x}\nListen 10.137.0.1\n",
	       "a comment ends at its line");
	is_str(render("ViaProxyName \"a#{name}\"\n"),
	       "ViaProxyName \"a#work\"\n",
	       "a '#' in quotes starts no comment");
	is_str(render("AddHeader \"X\" \"\\\"#{name}\"\n"),
	       "AddHeader \"X\" \"\\\"#work\"\n",
	       "an escaped quote does not end the string");
	is_str(render("AddHeader \"X\" \"\\\\\"#{name}\n"),
	       "AddHeader \"X\" \"\\\\\"#{name}\n",
	       "an escaped backslash does: the rest is a comment");
	is_str(render("Filter \"unclosed\n# {x}\n"),
	       "Filter \"unclosed\n# {x}\n",
	       "an open quote ends with its line");
	is_str(render("#\n"), "#\n", "a bare '#'");
	is_str(render("# {"), "# {", "a comment at the end without newline");
}

static void test_classic(void)
{
	static const char classic[] =
	    "User tinyproxy\n"
	    "Group tinyproxy\n"
	    "Port {port}\n"
	    "Listen {bind_ip}\n"
	    "Timeout 600\n"
	    "DefaultErrorFile \"/usr/share/tinyproxy/default.html\"\n"
	    "LogFile \"{log_file}\"\n"
	    "LogLevel Notice\n"
	    "PidFile \"{pid_file}\"\n"
	    "MaxClients 100\n"
	    "Allow {vm_ip}\n"
	    "ViaProxyName \"tinyproxy\"\n"
	    "Filter \"{rules_file}\"\n"
	    "FilterURLs Off\n"
	    "FilterExtended On\n"
	    "FilterDefaultDeny Yes\n";
	const char *out = render(classic);
	char v[64];

	ok(strstr(out, "Listen 10.137.0.1\n") != NULL, "classic: Listen");
	ok(strstr(out, "Filter \"/run/fwproxy/work/rules\"\n") != NULL,
	   "classic: Filter");
	ok(strstr(out, "{") == NULL, "classic: nothing left unrendered");
	is_int(ctl_template_directive(out, "user", v, sizeof(v)), 0,
	       "User found without case");
	is_str(v, "tinyproxy", "User value");
	is_int(ctl_template_directive(out, "LOGFILE", v, sizeof(v)), 0,
	       "LogFile found");
	is_str(v, "/run/fwproxy/work/log", "quotes removed");
	is_int(ctl_template_directive(out, "Bind", v, sizeof(v)), -1,
	       "missing directive");
	is_int(ctl_template_directive("  User\tnobody  \r\n", "User", v,
	                              sizeof(v)),
	       0, "leading space, tab, trailing space");
	is_str(v, "nobody", "value trimmed");
	is_int(ctl_template_directive("Username x\n", "User", v, sizeof(v)), -1,
	       "prefix of a longer keyword does not count");
	is_int(ctl_template_directive("User abcdef\n", "User", v, 6), -1,
	       "value one past the buffer");
	is_int(ctl_template_directive("User abcde\n", "User", v, 6), 0,
	       "value at the buffer limit");
}

static void test_builtin(void)
{
	char *t = ctl_template_builtin(NULL, NULL);
	const char *out = render(t);

	ok(strstr(out, "FilterDefaultDeny Yes\n") != NULL,
	   "built-in: default deny");
	ok(strstr(out, "ConnectPort 443\n") != NULL, "built-in: CONNECT 443");
	ok(strstr(out, "LogLevel Notice\n") != NULL,
	   "built-in: refusals logged");
	ok(strstr(out, "Allow 10.137.0.13\n") != NULL,
	   "built-in: only the VM allowed");
	ok(strstr(out, "Filter \"/run/fwproxy/work/rules\"\n") != NULL,
	   "built-in: rules file");
	ok(strstr(out, "User") == NULL, "built-in without user");
	free(t);
	t = ctl_template_builtin("nobody", "nogroup");
	ok(strncmp(t, "User nobody\nGroup nogroup\n", 26) == 0,
	   "built-in with user and group");
	free(t);
}

int main(void)
{
	test_render();
	test_comments();
	test_classic();
	test_builtin();
	return done();
}
