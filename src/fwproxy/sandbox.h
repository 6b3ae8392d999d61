/* Giving up privilege after start-up, in one place. */
#ifndef FWPROXY_SANDBOX_H
#define FWPROXY_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

/* The ids of user and group (names; NULL keeps the current ones; group
 * NULL with a user means that user's primary group). Returns 0, or -1
 * with "user \"NAME\": no such user" (or group) in err. */
int sandbox_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid,
                   char *err, size_t errsize);

/* Switches to user and group (names; NULL keeps the current ones; group
 * NULL with a user means that user's primary group), dropping every
 * supplementary group, and checks that root cannot be regained. Returns 0,
 * or -1 with a message in err. */
int sandbox_drop_privileges(const char *user, const char *group, char *err,
                            size_t errsize);

/* Sets PR_SET_NO_NEW_PRIVS, drops every capability, applies Landlock where
 * the kernel has it (silently skipped where it does not) and installs the
 * seccomp allow-list (default action: kill the process). Landlock grants
 * reading the files in the directory of each path in readable[], and
 * writing, creating, truncating and removing files in the directory of each
 * path in writable[] (a directory path stands for everything beneath it):
 * files are granted through their directory because a reload must see a
 * file replaced by rename and a reopened log may be a new file. Both lists
 * are NULL-terminated, NULL for none. Returns 0, or -1 with a message in
 * err. */
int sandbox_enter(const char *const *readable, const char *const *writable,
                  char *err, size_t errsize);

#endif
