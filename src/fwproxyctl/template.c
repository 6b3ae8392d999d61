#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct out {
	char *buf;
	size_t len, cap;
};

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->buf = xrealloc(o->buf, o->cap);
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static const char *lookup(const struct ctl_template_vars *v, const char *key,
                          size_t n)
{
	const struct {
		const char *name;
		const char *value;
	} vars[] = {
	    {"port", v->port},         {"vm_ip", v->vm_ip},
	    {"bind_ip", v->bind_ip},   {"log_file", v->log_file},
	    {"pid_file", v->pid_file}, {"rules_file", v->rules_file},
	    {"name", v->name},         {"iface", v->iface},
	    {"run_dir", v->run_dir},
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(vars); i++)
		if (strlen(vars[i].name) == n &&
		    memcmp(vars[i].name, key, n) == 0)
			return vars[i].value ? vars[i].value : "";
	return NULL;
}

char *ctl_template_render(const char *tmpl, const struct ctl_template_vars *v,
                          char *err, size_t errlen)
{
	struct out o = {NULL, 0, 0};
	const char *p = tmpl;
	int line = 1, in_quote = 0;

	out_add(&o, "", 0);
	while (*p) {
		/* Quotes and comments are tracked as the config parser
		 * reads them: a comment is copied as it is. */
		size_t n = strcspn(p, in_quote ? "{}\n\"\\" : "{}\n\"#");
		const char *close, *value;

		out_add(&o, p, n);
		p += n;
		if (*p == '#' || *p == '\\') {
			/* A comment to the end of the line, or in quotes an
			 * escape: \" and \\ do not end the string. */
			n = *p == '#'                     ? strcspn(p, "\n")
			    : p[1] == '"' || p[1] == '\\' ? 2
			                                  : 1;
			out_add(&o, p, n);
			p += n;
		} else if (*p == '"') {
			in_quote = !in_quote;
			out_add(&o, p++, 1);
		} else if (*p == '\n') {
			out_add(&o, p++, 1);
			line++;
			in_quote = 0;
		} else if (p[0] == '{' && p[1] == '{') {
			out_add(&o, "{", 1);
			p += 2;
		} else if (p[0] == '}' && p[1] == '}') {
			out_add(&o, "}", 1);
			p += 2;
		} else if (*p == '}') {
			snprintf(err, errlen,
			         "line %d: single '}' (write '}}' for a brace)",
			         line);
			goto fail;
		} else if (*p == '{') {
			n = strcspn(p + 1, "{}\n");
			close = p + 1 + n;
			if (*close != '}') {
				snprintf(
				    err, errlen,
				    "line %d: unclosed '{' (write '{{' for "
				    "a brace)",
				    line);
				goto fail;
			}
			value = lookup(v, p + 1, n);
			if (value == NULL) {
				snprintf(err, errlen,
				         "line %d: unknown placeholder {%.*s}",
				         line, (int)(n > 40 ? 40 : n), p + 1);
				goto fail;
			}
			out_add(&o, value, strlen(value));
			p = close + 1;
		}
	}
	return o.buf;
fail:
	free(o.buf);
	return NULL;
}

char *ctl_template_builtin(const char *user, const char *group)
{
	static const char body[] =
	    "# Built-in fwproxyctl template: add a file named \"config\" "
	    "to the rules\n"
	    "# directory to replace it.\n"
	    "Port {port}\n"
	    "Listen {bind_ip}\n"
	    "Timeout 600\n"
	    "MaxClients 100\n"
	    "LogFile \"{log_file}\"\n"
	    "LogLevel Notice\n"
	    "PidFile \"{pid_file}\"\n"
	    "Allow {vm_ip}\n"
	    "Filter \"{rules_file}\"\n"
	    "FilterDefaultDeny Yes\n"
	    "ConnectPort 443\n";
	struct out o = {NULL, 0, 0};

	out_add(&o, "", 0);
	if (user != NULL) {
		out_add(&o, "User ", 5);
		out_add(&o, user, strlen(user));
		out_add(&o, "\n", 1);
		if (group != NULL) {
			out_add(&o, "Group ", 6);
			out_add(&o, group, strlen(group));
			out_add(&o, "\n", 1);
		}
	}
	out_add(&o, body, sizeof(body) - 1);
	return o.buf;
}

int ctl_template_directive(const char *config, const char *keyword, char *out,
                           size_t outlen)
{
	size_t klen = strlen(keyword);
	const char *p = config;

	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		const char *s = p, *vend;

		p = eol ? eol + 1 : end;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if ((size_t)(end - s) <= klen ||
		    !ascii_eq_n(s, klen, keyword) ||
		    (s[klen] != ' ' && s[klen] != '\t'))
			continue;
		s += klen;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		vend = end;
		while (vend > s && (vend[-1] == ' ' || vend[-1] == '\t' ||
		                    vend[-1] == '\r'))
			vend--;
		if (vend - s >= 2 && *s == '"' && vend[-1] == '"') {
			s++;
			vend--;
		}
		if (vend == s || (size_t)(vend - s) >= outlen)
			return -1;
		memcpy(out, s, (size_t)(vend - s));
		out[vend - s] = '\0';
		return 0;
	}
	return -1;
}

char *ctl_template_cap_log(char *config)
{
	static const char LINE[] = "\n# Added by fwproxyctl: /run is small "
	                           "and shared by every VM.\n"
	                           "LogMaxSize %d\n";
	char value[32];
	size_t n = strlen(config), size = n + sizeof(LINE) + 16;
	char *out;

	if (ctl_template_directive(config, "LogMaxSize", value,
	                           sizeof(value)) == 0)
		return config;
	out = xmalloc(size);
	memcpy(out, config, n);
	snprintf(out + n, size - n, LINE, CTL_LOG_MAX_KIB);
	free(config);
	return out;
}
