/* fwproxyctl test: decides one request against a VM's rules file with
 * the options of its config, as its proxy would, and names the rule that
 * decided. Also the helpers that read a VM's config for the other
 * allow-list commands. */
#ifndef FWPROXY_CTL_TEST_H
#define FWPROXY_CTL_TEST_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "instance.h"
#include "filter.h"
#include "hostname.h"

#define CTL_TEST_URL_MAX 4096

/* The config fwproxyctl would give vm's proxy now: the template rendered
 * as for a start (placeholders the VM's state cannot fill, when it is not
 * running, get stand-ins), then parsed. Errors go to err as
 * "FILE:LINE: message", and with warnings also the warnings, as
 * "FILE:LINE: warning: message". Returns NULL after an error;
 * config_free. */
struct config *ctl_test_vm_config(const struct ctl *c,
                                  const struct ctl_vm_rules *vm, FILE *err,
                                  int warnings);

/* The template's path, or "(built-in template)". */
const char *ctl_test_template_name(const struct ctl *c);

/* The rules file vm's proxy reads, as the user edits it: the VM's file
 * in the rules directory, unless the template names another Filter. NULL
 * when the config has no Filter. Owned by cfg or vm. */
const char *ctl_test_rules_path(const struct config *cfg,
                                const struct ctl_vm_rules *vm,
                                const struct ctl *c);

/* One request as the proxy would see it. */
struct ctl_test_target {
	char host[HOSTNAME_MAX + 1]; /* normalised, IDNA A-labels */
	uint16_t port;
	int connect;                /* CONNECT rather than a plain GET */
	char url[CTL_TEST_URL_MAX]; /* as matched with FilterURLs */
};

/* Parses "http://HOST[:PORT][/PATH]" (a plain request), "https://HOST
 * [:PORT][/PATH]" (CONNECT HOST:443), "HOST:PORT" (CONNECT to PORT) or
 * "HOST" (CONNECT to 443). Returns NULL or a constant error message. */
const char *ctl_test_parse_target(const char *arg, struct ctl_test_target *t);

/* Decides arg for vm and prints "allowed|refused by FILE:LINE: RULE" or
 * "... by the default (FilterDefaultDeny Yes|No)" to out, plus the line
 * to add when the default refused it. Returns 0 allowed, 1 refused, -1
 * on an error (message on stderr). */
int ctl_test_run(const struct ctl *c, const struct ctl_vm_rules *vm,
                 const char *arg, FILE *out);

#endif
