/* Reading QubesDB through Qubes' own command-line tools, which every
 * Qubes VM has: qubesdb-multiread and qubesdb-watch. */
#ifndef FWPROXY_CTL_QUBESDB_H
#define FWPROXY_CTL_QUBESDB_H

#include <stddef.h>

/* Runs `qubesdb-multiread PREFIX` and returns its output (the caller
 * frees it), or NULL with a reason in err: the tools are missing (not a
 * Qubes VM) or the read failed. */
char *ctl_qubesdb_multiread(const char *prefix, char *err, size_t errlen);

/* The value of key (`qubesdb-read KEY`) without its newline (the caller
 * frees it), or NULL when the key or the tools are missing. */
char *ctl_qubesdb_read(const char *key);

#endif
