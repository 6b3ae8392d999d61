#include "denied.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "rules_source.h"
#include "test.h"
#include "html.h"
#include "util.h"

#define LINE_MAX_LEN (64 * 1024)
#define JSON_VALUE   4096
#define DAY          86400
#define HOST_COLUMN  32

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int num(const char *s, size_t n, long long max, int *out)
{
	long long v;

	if (parse_number_n(s, n, 0, max, &v) != NULL)
		return -1;
	*out = (int)v;
	return 0;
}

/* "Mon DD HH:MM:SS" (the first 15 bytes) in local time. */
static int text_time(const char *s, size_t n, time_t now, time_t *out)
{
	struct tm tm, today;
	int i, mon = -1;
	time_t t;

	if (n < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':')
		return -1;
	for (i = 0; i < 12; i++)
		if (memcmp(s, months[i], 3) == 0)
			mon = i;
	memset(&tm, 0, sizeof(tm));
	/* strftime's %d pads with a zero; accept a space too. */
	if (mon < 0 ||
	    num(s + 4 + (s[4] == ' '), 2 - (s[4] == ' '), 31, &tm.tm_mday) ||
	    num(s + 7, 2, 23, &tm.tm_hour) || num(s + 10, 2, 59, &tm.tm_min) ||
	    num(s + 13, 2, 60, &tm.tm_sec) || tm.tm_mday == 0)
		return -1;
	localtime_r(&now, &today);
	tm.tm_mon = mon;
	tm.tm_year = today.tm_year;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t > now + DAY) {
		tm.tm_year--;
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	*out = t;
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SS[.mmm]Z" */
static int json_time(const char *s, time_t *out)
{
	struct tm tm;
	int year;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[strlen(s) - 1] != 'Z' ||
	    num(s, 4, 9999, &year) || num(s + 5, 2, 12, &tm.tm_mon) ||
	    num(s + 8, 2, 31, &tm.tm_mday) || num(s + 11, 2, 23, &tm.tm_hour) ||
	    num(s + 14, 2, 59, &tm.tm_min) || num(s + 17, 2, 60, &tm.tm_sec) ||
	    year < 1970 || tm.tm_mon == 0 || tm.tm_mday == 0)
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon--;
	*out = timegm(&tm);
	return 0;
}

static int set_host_port(struct ctl_denied_event *ev, const char *host,
                         size_t host_n, const char *port, size_t port_n)
{
	long long p;

	if (host_n == 0 || host_n > HOSTNAME_MAX ||
	    parse_number_n(port, port_n, 0, 65535, &p) != NULL)
		return 0;
	memcpy(ev->host, host, host_n);
	ev->host[host_n] = '\0';
	ev->port = (uint16_t)p;
	return 1;
}

/* The proxy writes a refusal repeated within seconds once more, as
 * "LINE repeated N times": end is moved before the suffix, *n set. */
static const char *strip_repeats(const char *msg, const char *end, long *n)
{
	static const char tail[] = " times", head[] = " repeated ";
	const char *p = end - (sizeof(tail) - 1), *digits;
	long long v;

	if (end - msg < (ptrdiff_t)(sizeof(tail) + sizeof(head)) ||
	    memcmp(p, tail, sizeof(tail) - 1) != 0)
		return end;
	for (digits = p; digits > msg && digits[-1] >= '0' && digits[-1] <= '9';
	     digits--)
		;
	if (digits == p || digits - msg < (ptrdiff_t)(sizeof(head) - 1) ||
	    memcmp(digits - (sizeof(head) - 1), head, sizeof(head) - 1) != 0 ||
	    parse_number_n(digits, (size_t)(p - digits), 1, LONG_MAX, &v) !=
	        NULL)
		return end;
	*n = (long)v;
	return digits - (sizeof(head) - 1);
}

static int parse_text(const char *s, size_t n, time_t now,
                      struct ctl_denied_event *ev)
{
	static const char refused[] = "Proxying refused on filtered domain \"";
	static const char learn[] = "Learning: would refuse filtered domain \"";
	const char *p = s, *end = s + n, *msg, *q, *rule, *sp, *colon;
	size_t k;

	while (p < end && *p != ' ')
		p++;
	while (p < end && *p == ' ')
		p++;
	if (text_time(p, (size_t)(end - p), now, &ev->time) != 0)
		return 0;
	msg = memmem(p, (size_t)(end - p), "]: ", 3);
	if (msg == NULL)
		return 0;
	msg += 3;
	k = (size_t)(end - msg);
	if (k > sizeof(refused) - 1 &&
	    memcmp(msg, refused, sizeof(refused) - 1) == 0) {
		ev->kind = CTL_DENIED_REFUSED;
		msg += sizeof(refused) - 1;
	} else if (k > sizeof(learn) - 1 &&
	           memcmp(msg, learn, sizeof(learn) - 1) == 0) {
		ev->kind = CTL_DENIED_LEARN;
		msg += sizeof(learn) - 1;
	} else {
		return 0;
	}
	end = strip_repeats(msg, end, &ev->repeats);
	/* HOST" (client IP, METHOD HOST:PORT, rule RULE) */
	q = memchr(msg, '"', (size_t)(end - msg));
	if (q == NULL || end - q < 9 || end[-1] != ')')
		return 0;
	for (rule = end - 8; rule > q && memcmp(rule, ", rule ", 7) != 0;
	     rule--)
		;
	if (rule == q)
		return 0;
	for (sp = rule; sp > q && *sp != ' '; sp--)
		;
	for (colon = rule; colon > sp && *colon != ':'; colon--)
		;
	if (colon == sp || (size_t)(end - 1 - rule - 7) >= CTL_DENIED_RULE)
		return 0;
	memcpy(ev->rule, rule + 7, (size_t)(end - 1 - rule - 7));
	ev->rule[end - 1 - rule - 7] = '\0';
	return set_host_port(ev, msg, (size_t)(q - msg), colon + 1,
	                     (size_t)(rule - colon - 1));
}

static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	return i;
}

/* A JSON string at s[i] == '"': decoded into out (cut to size, non-ASCII
 * as '?'); returns the index after it, or 0. */
static size_t json_str(const char *s, size_t i, size_t n, char *out,
                       size_t size)
{
	size_t o = 0;

	for (i++; i < n && s[i] != '"'; i++) {
		char c = s[i];

		if (c == '\\') {
			if (++i >= n)
				return 0;
			switch (s[i]) {
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u': {
				long long cp = 0;
				size_t j;
				for (j = 1; j <= 4; j++) {
					char h = i + j < n ? s[i + j] : 0;
					int d = h >= '0' && h <= '9' ? h - '0'
					        : h >= 'a' && h <= 'f'
					            ? h - 'a' + 10
					        : h >= 'A' && h <= 'F'
					            ? h - 'A' + 10
					            : -1;
					if (d < 0)
						return 0;
					cp = cp * 16 + d;
				}
				i += 4;
				c = cp < 0x80 ? (char)cp : '?';
				break;
			}
			default:
				c = s[i];
				break;
			}
		} else if ((unsigned char)c >= 0x80) {
			c = '?';
		}
		if (o + 1 < size)
			out[o++] = c;
	}
	if (i >= n)
		return 0;
	out[o] = '\0';
	return i + 1;
}

/* The value of key in the flat JSON object s: strings decoded, other
 * values as written. Returns 0, or -1 when absent or not flat JSON. */
static int json_get(const char *s, size_t n, const char *key, char *out,
                    size_t size)
{
	char k[64], v[JSON_VALUE];
	size_t i = skip_ws(s, 0, n);

	if (i >= n || s[i] != '{')
		return -1;
	i = skip_ws(s, i + 1, n);
	while (i < n && s[i] == '"') {
		i = json_str(s, i, n, k, sizeof(k));
		if (i == 0)
			return -1;
		i = skip_ws(s, i, n);
		if (i >= n || s[i] != ':')
			return -1;
		i = skip_ws(s, i + 1, n);
		if (i < n && s[i] == '"') {
			i = json_str(s, i, n, v, sizeof(v));
			if (i == 0)
				return -1;
		} else {
			size_t start = i, len;
			while (i < n && s[i] != ',' && s[i] != '}' &&
			       s[i] != ' ') {
				if (s[i] == '{' || s[i] == '[' || s[i] == '"')
					return -1;
				i++;
			}
			len = i - start < sizeof(v) - 1 ? i - start
			                                : sizeof(v) - 1;
			memcpy(v, s + start, len);
			v[len] = '\0';
		}
		if (strcmp(k, key) == 0) {
			str_copy(out, v, size);
			return 0;
		}
		i = skip_ws(s, i, n);
		if (i < n && s[i] == ',')
			i = skip_ws(s, i + 1, n);
	}
	return -1;
}

static int parse_json(const char *s, size_t n, struct ctl_denied_event *ev)
{
	char v[JSON_VALUE], port[16];
	long long repeats;

	if (json_get(s, n, "event", v, sizeof(v)) != 0)
		return 0;
	if (strcmp(v, "refused") == 0)
		ev->kind = CTL_DENIED_REFUSED;
	else if (strcmp(v, "would-refuse") == 0)
		ev->kind = CTL_DENIED_LEARN;
	else
		return 0;
	if (json_get(s, n, "repeated", v, sizeof(v)) == 0 &&
	    parse_number(v, 1, LONG_MAX, &repeats) == NULL)
		ev->repeats = (long)repeats;
	if (json_get(s, n, "time", v, sizeof(v)) != 0 ||
	    json_time(v, &ev->time) != 0 ||
	    json_get(s, n, "port", port, sizeof(port)) != 0 ||
	    json_get(s, n, "host", v, sizeof(v)) != 0 ||
	    json_get(s, n, "rule", ev->rule, sizeof(ev->rule)) != 0)
		return 0;
	return set_host_port(ev, v, strlen(v), port, strlen(port));
}

int ctl_denied_parse_line(const char *line, size_t n, time_t now,
                          struct ctl_denied_event *ev)
{
	size_t i = skip_ws(line, 0, n);

	memset(ev, 0, sizeof(*ev));
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (i < n && line[i] == '{')
		return parse_json(line, n, ev);
	return parse_text(line, n, now, ev);
}

const char *ctl_denied_parse_duration(const char *s, long long *seconds)
{
	static const struct {
		char unit;
		long long seconds;
	} units[] = {
	    {'s', 1}, {'m', 60}, {'h', 3600}, {'d', DAY}, {'w', 7 * DAY}};
	size_t n = strlen(s), i;
	long long v;

	if (n < 2)
		return "is not a duration (e.g. 30m, 1h, 2d)";
	for (i = 0; i < ARRAY_LEN(units); i++) {
		if (s[n - 1] != units[i].unit)
			continue;
		if (parse_number_n(s, n - 1, 1,
		                   100LL * 365 * DAY / units[i].seconds,
		                   &v) != NULL)
			return "is not a duration (e.g. 30m, 1h, 2d)";
		*seconds = v * units[i].seconds;
		return NULL;
	}
	return "is not a duration (e.g. 30m, 1h, 2d): the unit is s, m, h, d "
	       "or w";
}

void ctl_denied_add(struct ctl_denied *d, const struct ctl_denied_event *ev)
{
	struct ctl_denied_host *h = NULL;
	size_t i;
	int k;

	for (i = 0; i < d->count; i++)
		if (strcmp(d->v[i].host, ev->host) == 0)
			h = &d->v[i];
	if (h == NULL) {
		d->v = xrealloc(d->v, (d->count + 1) * sizeof(*d->v));
		h = &d->v[d->count++];
		memset(h, 0, sizeof(*h));
		str_copy(h->host, ev->host, sizeof(h->host));
		h->first = h->last = ev->time;
	}
	h->count += ev->repeats > 0 ? ev->repeats : 1;
	h->kinds |= ev->kind;
	if (ev->time < h->first)
		h->first = ev->time;
	if (ev->time >= h->last) {
		h->last = ev->time;
		str_copy(h->rule, ev->rule, sizeof(h->rule));
	}
	for (k = 0; k < h->n_ports && h->ports[k] < ev->port; k++)
		;
	if (k < h->n_ports && h->ports[k] == ev->port)
		return;
	if (h->n_ports == CTL_DENIED_PORTS) {
		h->more_ports = 1;
		return;
	}
	memmove(h->ports + k + 1, h->ports + k,
	        (size_t)(h->n_ports - k) * sizeof(h->ports[0]));
	h->ports[k] = ev->port;
	h->n_ports++;
}

static int by_count(const void *a, const void *b)
{
	const struct ctl_denied_host *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->last != y->last)
		return x->last > y->last ? -1 : 1;
	return strcmp(x->host, y->host);
}

void ctl_denied_sort(struct ctl_denied *d)
{
	if (d->count > 1)
		qsort(d->v, d->count, sizeof(*d->v), by_count);
}

int ctl_denied_read(struct ctl_denied *d, const char *path, time_t since,
                    time_t now)
{
	struct ctl_denied_event ev;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (n > LINE_MAX_LEN)
			continue;
		if (ctl_denied_parse_line(line, (size_t)n, now, &ev) &&
		    ev.time >= since)
			ctl_denied_add(d, &ev);
	}
	free(line);
	fclose(f);
	return 0;
}

void ctl_denied_clear(struct ctl_denied *d)
{
	free(d->v);
	d->v = NULL;
	d->count = 0;
}

int ctl_denied_rule(char *dst, size_t size, const struct filter_options *opt,
                    const char *host)
{
	if (opt->urls) {
		str_copy(dst, "", size);
		return -1;
	}
	html_suggested_rule(dst, size, (int)opt->type, host);
	return 0;
}

static void when(char *dst, size_t size, time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(dst, size, "%Y-%m-%d %H:%M:%S", &tm);
}

void ctl_denied_print(const struct ctl_denied *d,
                      const struct filter_options *opt, FILE *out)
{
	char first[32], last[32], ports[CTL_DENIED_PORTS * 6 + 8];
	char rule[HOSTNAME_MAX * 2 + 8];
	int width = 4, k, o;
	size_t i;

	for (i = 0; i < d->count; i++)
		if ((int)strlen(d->v[i].host) > width)
			width = (int)strlen(d->v[i].host);
	if (width > HOST_COLUMN)
		width = HOST_COLUMN;
	fprintf(out, "%6s  %-*s  %-11s  %-19s  %-19s  %-7s  %s\n", "COUNT",
	        width, "HOST", "PORTS", "FIRST", "LAST", "SEEN", "LINE TO ADD");
	for (i = 0; i < d->count; i++) {
		const struct ctl_denied_host *h = &d->v[i];

		for (k = 0, o = 0; k < h->n_ports; k++)
			o += snprintf(ports + o, sizeof(ports) - (size_t)o,
			              "%s%u", k ? "," : "",
			              (unsigned)h->ports[k]);
		if (h->more_ports)
			snprintf(ports + o, sizeof(ports) - (size_t)o, ",...");
		when(first, sizeof(first), h->first);
		when(last, sizeof(last), h->last);
		if (strcmp(h->rule, "default") != 0)
			snprintf(rule, sizeof(rule), "(blocked by %s)",
			         h->rule);
		else if (ctl_denied_rule(rule, sizeof(rule), opt, h->host) != 0)
			str_copy(rule, "(FilterURLs: write a URL rule)",
			         sizeof(rule));
		fprintf(out, "%6ld  %-*s  %-11s  %-19s  %-19s  %-7s  %s\n",
		        h->count, width, h->host, ports, first, last,
		        h->kinds == (CTL_DENIED_REFUSED | CTL_DENIED_LEARN)
		            ? "both"
		        : h->kinds == CTL_DENIED_LEARN ? "learn"
		                                       : "refused",
		        rule);
	}
}

static char *log_path(const struct ctl *c, const struct ctl_vm_rules *vm,
                      const struct config *cfg)
{
	if (cfg->log_file != NULL)
		return xstrdup(cfg->log_file);
	return ctl_instance_path(c, vm->name, "log");
}

int ctl_denied_list(const struct ctl *c, const struct ctl_vm_rules *vm,
                    long long since_seconds, FILE *out)
{
	struct ctl_denied d = {NULL, 0};
	struct filter_options opt;
	struct config *cfg = ctl_test_vm_config(c, vm, stderr, 0);
	time_t now = time(NULL);
	char *path;
	int rc = -1;

	if (cfg == NULL)
		return -1;
	if (cfg->log_file == NULL && cfg->syslog) {
		fprintf(
		    stderr,
		    "fwproxyctl: %s: the proxy logs to syslog; denied reads "
		    "a LogFile\n",
		    vm->name);
		config_free(cfg);
		return -1;
	}
	filter_options_from_config(cfg, &opt);
	path = log_path(c, vm, cfg);
	if (ctl_denied_read(&d, path,
	                    since_seconds > 0 ? now - (time_t)since_seconds : 0,
	                    now) != 0) {
		if (errno == ENOENT) {
			fprintf(out, "%s: no log yet (%s)\n", vm->name, path);
			rc = 0;
		} else {
			fprintf(stderr, "fwproxyctl: %s: %s\n", path,
			        strerror(errno));
		}
		goto done;
	}
	ctl_denied_sort(&d);
	if (d.count == 0)
		fprintf(out, "%s: no refused hosts in %s\n", vm->name, path);
	else
		ctl_denied_print(&d, &opt, out);
	rc = 0;
done:
	ctl_denied_clear(&d);
	free(path);
	config_free(cfg);
	return rc;
}

/* Appends text to path, after a newline when the file does not end in
 * one. */
static int append(const char *path, const char *text)
{
	struct stat st;
	char last = '\n';
	int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC), rc = -1;
	size_t n = strlen(text);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    pread(fd, &last, 1, st.st_size - 1) != 1)
		goto done;
	if (last != '\n' && write(fd, "\n", 1) != 1)
		goto done;
	if (write(fd, text, n) != (ssize_t)n)
		goto done;
	rc = 0;
done:
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* A VM whose rules are its Qubes firewall rules is edited in dom0: prints
 * the command that allows each host. */
static int qvm_firewall_lines(struct ctl *c, const struct ctl_vm_rules *vm,
                              char **hosts, int n)
{
	struct ctl_test_target t;
	char line[512];
	const char *why;
	int i;

	for (i = 0; i < n; i++) {
		if ((why = ctl_test_parse_target(hosts[i], &t)) != NULL) {
			fprintf(stderr, "fwproxyctl: --add %s: %s\n", hosts[i],
			        why);
			return -1;
		}
		if (ctl_rules_qvm_firewall_add(c, vm, t.host, t.port, line,
		                               sizeof(line)) != 0) {
			fprintf(stderr,
			        "fwproxyctl: %s: its rules are its Qubes "
			        "firewall rules, which cannot be read now\n",
			        vm->name);
			return -1;
		}
		if (i == 0)
			printf("%s: its rules are its Qubes firewall rules; to "
			       "allow, run in dom0:\n",
			       vm->name);
		printf("%s\n", line);
	}
	return 0;
}

int ctl_denied_add_hosts(struct ctl *c, const struct ctl_vm_rules *vm,
                         char **hosts, int n)
{
	struct ctl_test_target t;
	struct filter_options opt;
	struct filter_verdict v;
	struct filter *f = NULL;
	struct config *cfg = ctl_test_vm_config(c, vm, stderr, 0);
	const char *path, *why;
	char line[HOSTNAME_MAX * 2 + 8];
	int i, added = 0, rc = -1;

	if (cfg == NULL)
		return -1;
	if (ctl_rules_from(vm) == CTL_RULES_QUBES) {
		config_free(cfg);
		return qvm_firewall_lines(c, vm, hosts, n);
	}
	filter_options_from_config(cfg, &opt);
	path = ctl_test_rules_path(cfg, vm, c);
	if (path == NULL) {
		fprintf(stderr, "fwproxyctl: %s: the config has no Filter\n",
		        vm->name);
		goto done;
	}
	if (!opt.default_deny || opt.urls) {
		fprintf(stderr,
		        "fwproxyctl: %s: %s: a line added there would not "
		        "allow a host; edit %s instead\n",
		        vm->name,
		        opt.urls ? "the rules match URLs (FilterURLs)"
		                 : "the rules are a block list "
		                   "(FilterDefaultDeny No)",
		        path);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((why = ctl_test_parse_target(hosts[i], &t)) != NULL) {
			fprintf(stderr, "fwproxyctl: --add %s: %s\n", hosts[i],
			        why);
			goto done;
		}
	}
	for (i = 0; i < n; i++) {
		ctl_test_parse_target(hosts[i], &t);
		/* Reloaded after each line so that a host given twice, or
		 * covered by the line just added, is not added again. */
		filter_free(f);
		f = ctl_rules_load(c, vm, path, &opt, NULL, NULL);
		if (f != NULL) {
			filter_check(f, t.host, t.port, t.url, &v);
			if (v.allowed && v.line > 0) {
				printf("%s: %s already allowed by %s:%d: %s\n",
				       vm->name, t.host, v.file, v.line,
				       v.rule);
				continue;
			}
		}
		ctl_denied_rule(line, sizeof(line) - 1, &opt, t.host);
		if (c->dry_run) {
			printf("%s: would add %s to %s\n", vm->name, line,
			       path);
			continue;
		}
		strcat(line, "\n");
		if (append(path, line) != 0) {
			fprintf(stderr, "fwproxyctl: %s: %s\n", path,
			        strerror(errno));
			goto done;
		}
		line[strlen(line) - 1] = '\0';
		printf("%s: added %s to %s\n", vm->name, line, path);
		added++;
	}
	rc = 0;
	if (added == 0 && !c->dry_run)
		goto done;
	if (ctl_instance_pid(c, vm->name) == 0)
		printf("%s: proxy not running; the rules apply when it "
		       "starts\n",
		       vm->name);
	else
		rc = ctl_instance_reload(c, vm);
done:
	filter_free(f);
	config_free(cfg);
	return rc;
}
