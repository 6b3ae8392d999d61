/* What start-up will need, checked before anything starts, so that
 * fwproxy -t finds it and a start fails in the foreground with a message
 * rather than in the background. */
#ifndef FWPROXY_PREFLIGHT_H
#define FWPROXY_PREFLIGHT_H

#include "config.h"

/* Checks that User and Group exist, and that the folders of PidFile and
 * LogFile exist and are writable (and an existing LogFile is a writable
 * regular file or device). Each problem is reported through report as
 * (cfg->path, 0, error, "DIRECTIVE \"VALUE\": why"). Returns the number
 * of problems. */
int preflight_check(const struct config *cfg, config_report_fn *report,
                    void *ctx);

#endif
