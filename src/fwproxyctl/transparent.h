/* Transparent mode for one VM: opted into by the template's Transparent
 * directive or by a "# fwproxy: Transparent PORT..." line in the VM's rules
 * file (a comment to tinyproxy), which overrides the template's; the
 * rendered config then carries it, and the VM's redirect rules follow it
 * (firewall_redirect.h). */
#ifndef FWPROXY_CTL_TRANSPARENT_H
#define FWPROXY_CTL_TRANSPARENT_H

#include <stddef.h>

#include "instance.h"

#define CTL_TRANSPARENT_SETTING "fwproxy:"

/* Finds the "# fwproxy: Transparent ..." line of the rules text (the last
 * one wins) and appends it as a directive to config, which it takes
 * ownership of. Returns the new config, or NULL with "LINE: message" in
 * err when a "# fwproxy:" line is malformed (config is then freed). */
char *ctl_transparent_render(char *config, const char *rules, char *err,
                             size_t errlen);

/* Brings vm's redirect rules in line with its rendered config (on) or
 * removes them (off). 0 or -1. */
int ctl_transparent_sync(struct ctl *c, const struct ctl_vm_rules *vm,
                         const struct ctl_vm_state *st, int on);

/* Removes name's redirect rules. 0 or -1. */
int ctl_transparent_remove(struct ctl *c, const char *name);

#endif
