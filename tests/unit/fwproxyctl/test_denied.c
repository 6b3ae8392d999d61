/* fwproxyctl denied: refusals read from text and JSON log lines,
 * durations, counting per host, and the line to add. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "denied.h"
#include "tap.h"

static time_t local(int year, int mon, int day, int h, int m, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static int parse(const char *line, time_t now, struct ctl_denied_event *ev)
{
	return ctl_denied_parse_line(line, strlen(line), now, ev);
}

static void text_lines(void)
{
	time_t now = local(2026, 11, 27, 12, 0, 0);
	struct ctl_denied_event ev;

	is_int(parse("NOTICE   Nov 27 00:38:08.123 [42]: Proxying refused on "
	             "filtered domain \"evil.test\" (client 10.137.0.13, "
	             "CONNECT evil.test:443, rule default)\n",
	             now, &ev),
	       1, "text: a refusal");
	is_int(ev.kind, CTL_DENIED_REFUSED, "text: refused");
	is_str(ev.host, "evil.test", "text: host");
	is_int(ev.port, 443, "text: port");
	is_str(ev.rule, "default", "text: rule");
	is_int(ev.time, local(2026, 11, 27, 0, 38, 8), "text: time");

	is_int(parse("NOTICE   Nov 27 09:00:01.000 [42]: Learning: would "
	             "refuse filtered domain \"a.b.test\" (client 10.137.0.13, "
	             "GET a.b.test:8080, rule default)",
	             now, &ev),
	       1, "text: learning mode");
	is_int(ev.kind, CTL_DENIED_LEARN, "text: would refuse");
	is_str(ev.host, "a.b.test", "text: learn host");
	is_int(ev.port, 8080, "text: learn port");

	is_int(parse("NOTICE   Nov 26 23:00:00.000 [7]: Proxying refused on "
	             "filtered domain \"ads.test\" (client 10.0.0.2, GET "
	             "ads.test:80, rule /rw/config/fwproxy/w.10.0.0.2:12)",
	             now, &ev),
	       1, "text: refused by a block rule");
	is_str(ev.rule, "/rw/config/fwproxy/w.10.0.0.2:12", "text: that rule");

	is_int(parse("NOTICE   Nov 27 00:00:00.000 [7]: Proxying refused on "
	             "filtered domain \"::1\" (client 10.0.0.2, CONNECT "
	             "::1:443, rule default)",
	             now, &ev),
	       1, "text: an IPv6 host");
	is_str(ev.host, "::1", "text: IPv6 host");
	is_int(ev.port, 443, "text: IPv6 port");

	is_int(parse("NOTICE   Nov 27 00:00:00.000 [7]: Proxying refused on "
	             "filtered domain \"git.test\" (client 10.0.0.2, SOCKS5 "
	             "git.test:22, rule default)",
	             now, &ev),
	       1, "text: a SOCKS5 refusal");
	is_str(ev.host, "git.test", "text: SOCKS5 host");
	is_int(ev.port, 22, "text: SOCKS5 port");

	/* The year: the one that does not put the line in the future. */
	now = local(2027, 1, 1, 0, 10, 0);
	parse("NOTICE   Dec 31 23:59:00.000 [1]: Proxying refused on filtered "
	      "domain \"x.test\" (client 1.2.3.4, GET x.test:80, rule default)",
	      now, &ev);
	is_int(ev.time, local(2026, 12, 31, 23, 59, 0), "text: last year");
	parse("NOTICE   Jan 01 00:05:00.000 [1]: Proxying refused on filtered "
	      "domain \"x.test\" (client 1.2.3.4, GET x.test:80, rule default)",
	      now, &ev);
	is_int(ev.time, local(2027, 1, 1, 0, 5, 0), "text: this year");

	is_int(parse("INFO     Nov 27 00:38:08.123 [42]: Request 10.137.0.13 "
	             "\"GET http://ok.test/\" 200 up=1 down=2 3ms rule=default",
	             now, &ev),
	       0, "text: a request line is not a refusal");
	is_int(parse("NOTICE   Nov 27 00:38:08.123 [42]: Refused CONNECT to "
	             "x.test:25 from 1.2.3.4: port not allowed by ConnectPort",
	             now, &ev),
	       0, "text: a ConnectPort refusal is not a filter refusal");
	is_int(parse("NOTICE   Nov 27 00:38:08.123 [42]: Proxying refused on "
	             "filtered domain \"evil.test\" (client 10.137.0.13, "
	             "CONNECT evil.test:443, rule default",
	             now, &ev),
	       0, "text: cut short");
	is_int(parse("NOTICE   Nov 27 00:38:08.123 [42]: Proxying refused on "
	             "filtered domain \"evil.test\" (client 10.137.0.13, "
	             "CONNECT evil.test:99999, rule default)",
	             now, &ev),
	       0, "text: port out of range");
	is_int(parse("NOTICE   Xyz 27 00:38:08.123 [42]: Proxying refused on "
	             "filtered domain \"evil.test\" (client 10.137.0.13, "
	             "CONNECT evil.test:443, rule default)",
	             now, &ev),
	       0, "text: bad month");
	is_int(parse("", now, &ev), 0, "text: empty line");
	is_int(parse("garbage", now, &ev), 0, "text: garbage");
}

static void json_lines(void)
{
	struct ctl_denied_event ev;
	time_t now = time(NULL);

	is_int(parse("{\"time\":\"2026-11-27T00:38:08.123Z\",\"level\":"
	             "\"NOTICE\",\"pid\":1,\"event\":\"refused\",\"client\":"
	             "\"10.137.0.13\",\"method\":\"GET\",\"url\":\"http://"
	             "evil.test/a\\\"b\\\\c\\u00e9\",\"host\":\"evil.test\","
	             "\"port\":80,\"rule\":\"default\"}\n",
	             now, &ev),
	       1, "json: a refusal");
	is_int(ev.kind, CTL_DENIED_REFUSED, "json: refused");
	is_str(ev.host, "evil.test", "json: host");
	is_int(ev.port, 80, "json: port");
	is_str(ev.rule, "default", "json: rule");
	is_int(ev.time, 1795739888, "json: time (UTC)");

	is_int(parse("{\"time\":\"2026-11-27T00:38:09.000Z\",\"level\":"
	             "\"NOTICE\",\"pid\":1,\"event\":\"would-refuse\","
	             "\"client\":\"10.137.0.13\",\"method\":\"CONNECT\","
	             "\"url\":\"learn.test:443\",\"host\":\"learn.test\","
	             "\"port\":443,\"rule\":\"default\"}",
	             now, &ev),
	       1, "json: would refuse");
	is_int(ev.kind, CTL_DENIED_LEARN, "json: learning mode");
	is_str(ev.host, "learn.test", "json: learn host");

	is_int(
	    parse("{\"time\":\"2026-11-27T00:38:08.123Z\",\"level\":\"INFO\","
	          "\"pid\":1,\"event\":\"request\",\"client\":\"1.2.3.4\","
	          "\"host\":\"ok.test\",\"port\":80,\"status\":200,"
	          "\"rule\":\"default\"}",
	          now, &ev),
	    0, "json: a request is not a refusal");
	is_int(parse("{\"time\":\"2026-11-27T00:38:08.123Z\",\"level\":"
	             "\"NOTICE\",\"pid\":1,\"message\":\"Proxying refused on "
	             "filtered domain\"}",
	             now, &ev),
	       0, "json: a message is not an event");
	is_int(parse("{\"time\":\"2026-11-27T00:38:08.123Z\",\"event\":"
	             "\"refused\",\"host\":\"evil.test\",\"rule\":\"default\"}",
	             now, &ev),
	       0, "json: no port");
	is_int(parse("{\"time\":\"yesterday\",\"event\":\"refused\",\"host\":"
	             "\"evil.test\",\"port\":1,\"rule\":\"default\"}",
	             now, &ev),
	       0, "json: bad time");
	is_int(
	    parse("{\"event\":\"refused\",\"x\":{\"host\":\"a\"}}", now, &ev),
	    0, "json: nested objects are not ours");
	is_int(parse("{\"event\":\"refused\",\"host\":\"evil.te", now, &ev), 0,
	       "json: cut short");
}

static void durations(void)
{
	long long s = 0;

	ok(ctl_denied_parse_duration("90s", &s) == NULL && s == 90, "90s");
	ok(ctl_denied_parse_duration("30m", &s) == NULL && s == 1800, "30m");
	ok(ctl_denied_parse_duration("1h", &s) == NULL && s == 3600, "1h");
	ok(ctl_denied_parse_duration("2d", &s) == NULL && s == 172800, "2d");
	ok(ctl_denied_parse_duration("1w", &s) == NULL && s == 604800, "1w");
	ok(ctl_denied_parse_duration("", &s) != NULL, "empty");
	ok(ctl_denied_parse_duration("h", &s) != NULL, "no number");
	ok(ctl_denied_parse_duration("1", &s) != NULL, "no unit");
	ok(ctl_denied_parse_duration("-1h", &s) != NULL, "negative");
	ok(ctl_denied_parse_duration("0h", &s) != NULL, "zero");
	ok(ctl_denied_parse_duration("1.5h", &s) != NULL, "fraction");
	ok(ctl_denied_parse_duration("1x", &s) != NULL, "unknown unit");
	ok(ctl_denied_parse_duration("36500d", &s) == NULL, "100 years");
	ok(ctl_denied_parse_duration("36501d", &s) != NULL, "past 100 years");
}

static void event(struct ctl_denied *d, const char *host, uint16_t port,
                  time_t t, int kind)
{
	struct ctl_denied_event ev;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.host, sizeof(ev.host), "%s", host);
	snprintf(ev.rule, sizeof(ev.rule), "default");
	ev.port = port;
	ev.time = t;
	ev.kind = kind;
	ctl_denied_add(d, &ev);
}

static void counting(void)
{
	struct ctl_denied d = {NULL, 0};
	int i;

	event(&d, "one.test", 443, 100, CTL_DENIED_REFUSED);
	event(&d, "many.test", 443, 50, CTL_DENIED_REFUSED);
	event(&d, "many.test", 80, 300, CTL_DENIED_LEARN);
	event(&d, "many.test", 443, 200, CTL_DENIED_REFUSED);
	event(&d, "late.test", 8443, 400, CTL_DENIED_LEARN);
	ctl_denied_sort(&d);
	is_int(d.count, 3, "three hosts");
	is_str(d.v[0].host, "many.test", "most frequent first");
	is_int(d.v[0].count, 3, "counted");
	is_int(d.v[0].n_ports, 2, "two ports");
	ok(d.v[0].ports[0] == 80 && d.v[0].ports[1] == 443, "ports ascending");
	is_int(d.v[0].first, 50, "first time");
	is_int(d.v[0].last, 300, "last time");
	is_int(d.v[0].kinds, CTL_DENIED_REFUSED | CTL_DENIED_LEARN,
	       "refused and would refuse");
	is_str(d.v[1].host, "late.test", "then the most recent");
	is_str(d.v[2].host, "one.test", "then the older");
	for (i = 0; i < CTL_DENIED_PORTS + 2; i++)
		event(&d, "ports.test", (uint16_t)(1000 - i), 1,
		      CTL_DENIED_REFUSED);
	ctl_denied_sort(&d);
	is_str(d.v[0].host, "ports.test", "ports.test is now first");
	is_int(d.v[0].n_ports, CTL_DENIED_PORTS,
	       "ports listed up to the limit");
	is_int(d.v[0].more_ports, 1, "and more are noted");
	ctl_denied_clear(&d);
	is_int(d.count, 0, "cleared");
}

static void lines_to_add(void)
{
	struct filter_options o;
	char line[600];

	memset(&o, 0, sizeof(o));
	o.default_deny = 1;
	o.type = FILTER_TYPE_BRE;
	is_int(ctl_denied_rule(line, sizeof(line), &o, "a.b-c.test"), 0, "bre");
	is_str(line, "^a\\.b-c\\.test$", "bre: anchored, dots escaped");
	o.type = FILTER_TYPE_ERE;
	ctl_denied_rule(line, sizeof(line), &o, "x.test");
	is_str(line, "^x\\.test$", "ere: the same");
	o.type = FILTER_TYPE_FNMATCH;
	ctl_denied_rule(line, sizeof(line), &o, "x.test");
	is_str(line, "x.test", "fnmatch: the host");
	o.type = FILTER_TYPE_DOMAIN;
	ctl_denied_rule(line, sizeof(line), &o, "x.test");
	is_str(line, "x.test", "domain: the host (and its subdomains)");
	o.urls = 1;
	is_int(ctl_denied_rule(line, sizeof(line), &o, "x.test"), -1,
	       "FilterURLs: no host line");
}

static void reading(void)
{
	char path[] = "/tmp/test_ctl_denied_XXXXXX";
	struct ctl_denied d = {NULL, 0};
	struct filter_options o;
	char *out = NULL;
	size_t out_len = 0;
	FILE *f, *mem;
	time_t now = time(NULL);
	int fd = mkstemp(path);

	f = fdopen(fd, "w");
	fprintf(f,
	        "{\"time\":\"2020-01-01T00:00:00.000Z\",\"level\":\"NOTICE\","
	        "\"pid\":1,\"event\":\"refused\",\"host\":\"old.test\","
	        "\"port\":443,\"rule\":\"default\"}\n"
	        "INFO     Nov 27 00:38:08.123 [42]: Request 10.137.0.13 "
	        "\"GET http://ok.test/\" 200 up=1 down=2 3ms rule=x:1\n");
	for (int i = 0; i < 3; i++) {
		char when[32];
		struct tm tm;
		time_t t = now - 60 * i;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(f,
		        "{\"time\":\"%s.000Z\",\"level\":\"NOTICE\",\"pid\":1,"
		        "\"event\":\"refused\",\"host\":\"new.test\",\"port\":"
		        "443,\"rule\":\"default\"}\n",
		        when);
	}
	fclose(f);
	is_int(ctl_denied_read(&d, path, 0, now), 0, "read the whole log");
	is_int(d.count, 2, "two hosts in the whole log");
	ctl_denied_clear(&d);
	is_int(ctl_denied_read(&d, path, now - 3600, now), 0,
	       "read the last hour");
	is_int(d.count, 1, "one host in the last hour");
	is_str(d.v[0].host, "new.test", "the recent one");
	is_int(d.v[0].count, 3, "three times");
	memset(&o, 0, sizeof(o));
	o.type = FILTER_TYPE_BRE;
	o.default_deny = 1;
	mem = open_memstream(&out, &out_len);
	ctl_denied_print(&d, &o, mem);
	fclose(mem);
	ok(strncmp(out, " COUNT  HOST", 12) == 0, "a header: %.40s", out);
	ok(strstr(out, "\n     3  new.test  443  ") != NULL,
	   "count, host, port");
	ok(strstr(out, "refused  ^new\\.test$\n") != NULL,
	   "how and the line to add");
	free(out);
	ctl_denied_clear(&d);
	unlink(path);
	is_int(ctl_denied_read(&d, path, 0, now), -1, "a missing log");
}

/* The proxy writes a refusal repeated within seconds once more with its
 * count; that line stands for that many refusals. */
static void repeated_lines(void)
{
	time_t now = local(2026, 11, 27, 12, 0, 0);
	struct ctl_denied_event ev;
	struct ctl_denied d;

	memset(&d, 0, sizeof(d));
	is_int(parse("NOTICE   Nov 27 00:38:08.123 [42]: Proxying refused on "
	             "filtered domain \"evil.test\" (client 10.137.0.13, "
	             "CONNECT evil.test:443, rule default)",
	             now, &ev),
	       1, "repeats: the first line");
	is_int(ev.repeats, 0, "repeats: none on it");
	ctl_denied_add(&d, &ev);
	is_int(parse("NOTICE   Nov 27 00:38:18.123 [42]: Proxying refused on "
	             "filtered domain \"evil.test\" (client 10.137.0.13, "
	             "CONNECT evil.test:443, rule default) repeated 41 times",
	             now, &ev),
	       1, "repeats: the count line is a refusal");
	is_str(ev.host, "evil.test", "repeats: its host");
	is_str(ev.rule, "default", "repeats: its rule, without the count");
	is_int(ev.repeats, 41, "repeats: 41");
	ctl_denied_add(&d, &ev);
	is_int(d.v[0].count, 42, "repeats: 1 + 41 refusals");
	is_int(parse("NOTICE   Nov 27 00:38:18.123 [42]: Proxying refused on "
	             "filtered domain \"evil.test\" (client 10.137.0.13, "
	             "CONNECT evil.test:443, rule default) repeated x times",
	             now, &ev),
	       0, "repeats: a malformed count is no refusal");
	is_int(parse("{\"time\":\"2026-11-27T00:38:08.123Z\",\"level\":"
	             "\"NOTICE\",\"pid\":42,\"event\":\"refused\",\"client\":"
	             "\"10.137.0.13\",\"method\":\"GET\",\"url\":\"http://"
	             "a.test/\",\"host\":\"a.test\",\"port\":80,\"rule\":"
	             "\"default\",\"repeated\":7}",
	             now, &ev),
	       1, "repeats: a JSON count line");
	is_int(ev.repeats, 7, "repeats: JSON 7");
	ctl_denied_clear(&d);
}

int main(void)
{
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	text_lines();
	json_lines();
	durations();
	counting();
	repeated_lines();
	lines_to_add();
	reading();
	return done();
}
